"""A rate or a time target the user gave is printed back as written, with thousands
separators: f"{value:g}" printed --requests-per-s 1000000 as "1e+06 requests/s" and rounded
--tpot-ms 1234567 to "1.23457e+06 ms" (recommend's heading and why-none line, the sweep's and
the report's speed note, the Plan page's sweep caption)."""

from planner.text import decimal
from tests.cli.conftest import run_main


def test_decimal() -> None:
    assert [decimal(v) for v in (1e6, 1234567.0, 2.5, 0.001, 100.0, 1234.5)] == [
        "1,000,000", "1,234,567", "2.5", "0.001", "100", "1,234.5"]
    # under a millionth the exponent stays: --ttft-ms 1e-300 printed "0." and 299 more digits
    assert [decimal(v) for v in (1e-6, 9.5e-7, 1e-300)] == ["0.000001", "9.5e-07", "1e-300"]


def test_recommend_tiny_targets_read_as_written(capsys, model_dir) -> None:
    code, out, err = run_main(capsys, "recommend", "--model", str(model_dir), "--gpu",
                              "h100-sxm", "--gpus-max", "1", "--requests-per-s", "1e-300",
                              "--ttft-ms", "1e-300")
    assert code == 0, err
    assert out.startswith("Cheapest configurations for 1e-300 requests/s at "), out
    assert "TTFT <= 1e-300 ms" in out and "0.00000" not in out, out


def test_recommend_rate(capsys) -> None:
    # Qwen3-8B on at most 8 RTX 3090s cannot write 1,000,000 x 256 = 256,000,000 tokens/s
    code, out, err = run_main(capsys, "recommend", "--model", "Qwen/Qwen3-8B", "--gpu",
                              "rtx-3090", "--requests-per-s", "1000000", "--output-len", "256")
    assert code == 0, err
    assert out.startswith("Cheapest configurations for 1,000,000 requests/s at "), out
    assert " miss 1,000,000 requests/s (" in out and "e+06" not in out, out


def test_sweep_tpot_target(capsys) -> None:
    code, out, err = run_main(capsys, "sweep", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090",
                              "--objective", "throughput", "--tpot-ms", "1234567", "--top", "1")
    assert code == 0, err
    assert " within TPOT 1,234,567 ms;" in out, out


def test_verdict_concurrency_in_the_thousands(capsys) -> None:
    # --max-model-len 16 on one H100: a request takes one 64-token block (vLLM 0.34's default
    # block size), so the concurrency is the block count itself, over a thousand; the verdict
    # printed it as "6101.00" beside "6,101 blocks", and the formula "1 blocks per"
    code, out, err = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm",
                              "--max-model-len", "16")
    assert code == 0, err
    verdict = next(line for line in out.splitlines() if line.startswith("- Verdict: Fits: "))
    blocks = verdict.split("Fits: ", 1)[1].split(" blocks", 1)[0]
    assert "," in blocks, verdict
    assert f"{blocks}.00 concurrent requests at 16 tokens" in verdict, verdict
    assert f"{blocks} blocks / 1 block per 16-token request = {blocks}.00" in out, out
