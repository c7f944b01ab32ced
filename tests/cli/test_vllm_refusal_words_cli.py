"""`plan --json` quotes vLLM's start-up refusals in the release's own words: the busy-GPU
check names the device from 0.14.0 and writes round(b / 2^30, 2) as text; the KV cache check
says "models's" up to 0.20 and "model's" from 0.22."""

import json
from pathlib import Path

import pytest

from tests.cli.conftest import SNAPSHOT, plan_json


@pytest.mark.parametrize(("version", "device"), [("0.13.0", ""), ("0.14.0", " cuda:0")])
def test_a_busy_gpu_is_refused_in_the_release_s_words(capsys, tmp_path: Path, version: str,
                                                      device: str) -> None:
    # the rig's GPU 0 with 10 GiB in use, planned on the RTX 3090 preset's 25,308,094,792 B
    # total (23.5700000003 GiB, "23.57"): 10 GiB used leaves 14,570,676,552 B = 13.57 GiB
    # free ("13.57"); 0.9 x 25,308,094,792 = 22,777,285,312.8 B = 21.2130 GiB ("21.21")
    rig = json.loads(SNAPSHOT.read_text())
    gpu = rig["gpus"][0]
    gpu.update(memory_used_bytes=10 * 2**30, memory_free_bytes=gpu["memory_total_bytes"]
               - gpu["memory_reserved_bytes"] - 10 * 2**30)
    node = tmp_path / "node.json"
    node.write_text(json.dumps(rig))
    plan = plan_json(capsys, "--model", "Qwen/Qwen3-8B", "--snapshot", str(node), "--tp", "1",
                     "--vllm-version", version)
    assert (f"Free memory on device{device} (13.57/23.57 GiB) on startup is less than desired "
            "GPU memory utilization (0.9, 21.21 GiB). Decrease GPU memory utilization or "
            "reduce GPU memory used by other processes.") in plan["errors"]


@pytest.mark.parametrize(("version", "owner"), [("0.20.0", "models's"), ("0.22.0", "model's")])
def test_the_max_seq_len_refusal_is_the_release_s_words(capsys, version: str,
                                                        owner: str) -> None:
    # Qwen3-8B: 36 layers x 8 KV heads x 128 x 2 x 2 B = 147,456 B a token x 40,960 =
    # 6,039,797,760 B = 5.625 GiB, round(5.625, 2) = 5.62 (exact in binary, half to even);
    # the 1 GiB pool "1.0"
    plan = plan_json(capsys, "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm",
                     "--max-model-len", "40960", "--kv-cache-memory-bytes", "1073741824",
                     "--vllm-version", version)
    assert plan["errors"][0].startswith(
        f"To serve at least one request with the {owner} max seq len (40960), (5.62 GiB KV "
        "cache is needed, which is larger than the available KV cache memory (1.0 GiB).")
