""""per replica" only where there are replicas (DP > 1): one replica's plan said "539 blocks =
34,496 KV tokens per replica, 4.31 concurrent requests per replica" and "max_num_seqs 256 per
replica", which reads as if there were several; each DP replica holds its own KV pool and
batch, so there the words say whose figure it is (planner.text.per_replica, the one rule)."""

import pytest

from tests.cli.conftest import run_main

# Qwen3-8B at --max-model-len 8,000 on RTX 3090s, 2,000 requests asked: more than the pool
# holds, so the speed note says how many the KV cache's blocks hold
ARGS = ("--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--max-model-len", "8000",
        "--concurrency", "2000")


def _plan(capsys, dp: int) -> str:
    code, out, err = run_main(capsys, "plan", *ARGS, "--gpus", str(dp), "--dp", str(dp))
    assert code == 0, err
    return out


@pytest.mark.parametrize("dp", [1, 2])
def test_per_replica_only_under_dp(capsys, dp: int) -> None:
    out = _plan(capsys, dp)
    each = " per replica" if dp > 1 else ""
    verdict = next(line for line in out.splitlines() if line.startswith("Fits: "))
    blocks = int(verdict.split("Fits: ", 1)[1].split(" blocks", 1)[0].replace(",", ""))
    tokens = blocks * 64  # vLLM 0.34's default block size on this GPU: 64 tokens
    # 8,000-token requests: tokens / 8,000 of them (4.31 for 539 blocks)
    assert verdict.startswith(f"Fits: {blocks:,} blocks = {tokens:,} KV tokens{each}, "
                              f"{tokens / 8000:,.2f} concurrent requests{each} at 8,000 "
                              "tokens; "), verdict
    assert f"  KV cache tokens     {tokens:,}{each}\n" in out
    # a request of 1,024 in + 512 out held: cdiv(1,536, 64) = 24 blocks
    assert (f"  note: concurrency capped at {dp * (blocks // 24):,}: the KV cache's {blocks:,} "
            f"blocks{each} hold {blocks // 24:,} requests of 1,536 tokens") in out, out
    assert ("per replica" in out) == (dp > 1)
