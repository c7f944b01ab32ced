"""--block-size on plan, sweep, report and recommend: it reaches EngineSettings.block_size and
the `vllm serve` command, and a value the targeted release refuses stops in one line (exit 2).

Gemma-2-9B (head_dim 256, every layer attention) on a B200 (compute capability 10.0) under
vLLM 0.17.0 meets FlashInfer's assertion at the default 16-token blocks (flashinfer.py
FlashInferMetadataBuilder.__init__, 0.12.0-0.17.0 wheels), whose message names the fix:
--block-size 32 or 64. The flag lets the user plan it.
"""

import json
import shlex

import pytest

from cli.planner_cli import main
from planner.serving.vllm_cli import command_problems, vllm_cli
from tests.cli.conftest import run_main as _run

GEMMA2 = ("--model", "google/gemma-2-9b-it", "--gpu", "b200", "--vllm-version", "0.17.0")
BUG = ("There is a bug in FlashInfer block_size 16 head size 256 support. Please avoid this "
       "combination by passing --block-size 32 or --block-size 64.")
GEMMA2_KV_BYTES_PER_TOKEN = 42 * 2 * 8 * 256 * 2
"""config.json: 42 layers x (K, V) x 8 KV heads x head_dim 256 x 2 bytes (bf16)."""


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # catalog models only: no network


def test_gemma2_on_b200_under_0_17_is_refused_at_16_and_fits_at_32(capsys) -> None:
    code, out, err = _run(capsys, "plan", *GEMMA2, "--json")
    assert code == 0, err
    refused = json.loads(out)
    assert not refused["fits"] and refused["errors"] == [BUG]
    assert refused["vllm_command"] is None

    code, out, err = _run(capsys, "plan", *GEMMA2, "--block-size", "32", "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["fits"], plan["verdict"]
    assert plan["engine"]["block_size"] == plan["block_size"] == 32
    assert plan["kv_bytes_per_token"] == GEMMA2_KV_BYTES_PER_TOKEN
    # Gemma-2 alternates sliding-window (4096) and full attention, 21 layers each: vLLM makes
    # two KV cache groups of 21 layers sharing the pages (kv_cache_utils), so a block is
    # 21 layers x 32 tokens x 8,192 B and the pool holds blocks // 2 groups x 32 tokens
    blocks = plan["kv_cache_bytes_per_gpu"] // (21 * 32 * GEMMA2_KV_BYTES_PER_TOKEN // 42)
    assert plan["num_gpu_blocks"] == blocks
    assert plan["kv_cache_tokens"] == blocks // 2 * 32
    command = plan["vllm_command"]
    tokens = shlex.split(command)
    assert tokens[tokens.index("--block-size") + 1] == "32", command
    assert command_problems(command, vllm_cli("0.17.0")) == [], command


def test_the_default_block_size_is_not_written(capsys) -> None:
    """Unset: vLLM's default (config/cache.py CacheConfig.DEFAULT_BLOCK_SIZE: 64 in the 0.34.0
    wheel, the default release; 16 in 0.33.0), and the command leaves it to vLLM."""
    code, out, err = _run(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm",
                          "--max-model-len", "8192", "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["block_size"] == 64 and "--block-size" not in plan["vllm_command"]
    code, out, err = _run(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm",
                          "--max-model-len", "8192", "--vllm-version", "0.33.0", "--json")
    plan = json.loads(out)
    assert plan["block_size"] == 16 and "--block-size" not in plan["vllm_command"]


@pytest.mark.parametrize("command", ["plan", "sweep", "report", "recommend"])
def test_the_help_gives_the_default_block_size_of_each_release(capsys, command: str) -> None:
    """The help said "default: vLLM's choice, 16 or the MLA backend's" where the default
    release, 0.34.0, makes 64-token blocks (review-h436 #6; the plans above). It now words
    the rule the plans follow: 16 in the 0.9.1-0.33.0 wheels, 64 in 0.34.0 (CacheConfig.
    DEFAULT_BLOCK_SIZE), ROCM_ATTN's own 16 on AMD."""
    with pytest.raises(SystemExit):
        main([command, "--help"])
    words = " ".join(capsys.readouterr().out.split())  # argparse wraps the help
    assert ("--block-size N tokens per KV cache block, vLLM --block-size (default: vLLM's "
            "choice: 16 before 0.34.0, 64 from it but 16 where ROCM_ATTN serves the model on "
            "an AMD GPU, or the MLA backend's);") in words


@pytest.mark.parametrize(("version", "size", "line"), [
    # the parser of 0.9.1-0.17.0 (config/cache.py BlockSize, the fixtures' choices)
    ("0.17.0", "48", "vLLM 0.17.0: argument --block-size: invalid choice: 48 (choose from 1, "
     "8, 16, 32, 64, 128, 256)"),
    ("0.11.0", "256", "vLLM 0.11.0: argument --block-size: invalid choice: 256 (choose from "
     "1, 8, 16, 32, 64, 128)"),
    # parsed (0.17: a BlockSize; 0.19: any int), refused by FLASH_ATTN / TRITON_ATTN
    ("0.17.0", "8", "Block size must be a multiple of 16."),
    ("0.19.0", "24", "Block size must be a multiple of 16."),
])
@pytest.mark.parametrize("command", ["plan", "sweep", "report", "recommend"])
def test_a_block_size_the_release_refuses_exits_2_in_one_line(
        capsys, command: str, version: str, size: str, line: str) -> None:
    code, out, err = _run(capsys, command, "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm",
                          "--vllm-version", version, "--block-size", size)
    assert code == 2 and out == "", out
    assert err.count("\n") == 1 and line in err and "Traceback" not in err, err


@pytest.mark.parametrize("size", ["0", "-16", "x"])
def test_a_block_size_that_is_no_positive_number_is_refused_by_the_flag(capsys, size) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", f"--block-size={size}"])
    out, err = capsys.readouterr()
    assert stop.value.code == 2 and out == "" and err.count("\n") == 1, err
    assert "argument --block-size:" in err, err


def test_0_18_on_takes_any_multiple_of_16(capsys) -> None:
    """0.18.0+ type --block-size int (no BlockSize choices): 48 parses and is written."""
    code, out, err = _run(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm",
                          "--max-model-len", "8192", "--vllm-version", "0.19.0",
                          "--block-size", "48", "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert plan["fits"] and plan["block_size"] == 48
    assert command_problems(plan["vllm_command"], vllm_cli("0.19.0")) == []
    assert "--block-size 48" in plan["vllm_command"]


def test_sweep_report_and_recommend_plan_the_block_size(capsys) -> None:
    """The Gemma-2 case through every command: refused at 16, planned at 32."""
    def sweep_fits(*flags: str) -> bool:
        code, out, err = _run(capsys, "sweep", *GEMMA2, "--json", *flags)
        assert code == 0, err
        return any(row["fits"] for row in json.loads(out)["rows"])

    assert not sweep_fits() and sweep_fits("--block-size", "32")

    code, out, err = _run(capsys, "report", *GEMMA2, "--block-size", "64", "--format", "json")
    assert code == 0, err
    assert "--block-size 64" in json.loads(out)["plan"]["vllm_command"]

    def recommended(*flags: str) -> int:
        code, out, err = _run(capsys, "recommend", "--model", "google/gemma-2-9b-it", "--gpu",
                              "b200", "--vllm-version", "0.17.0", "--json", *flags)
        assert code == 0, err
        return len(json.loads(out)["rows"])

    assert recommended() == 0 and recommended("--block-size", "32") > 0


def test_a_given_16_is_planned_and_written_for_deepseek_v3_on_b200(capsys) -> None:
    """vLLM 0.33.0 keeps a given --block-size (CacheConfig.user_specified_block_size) where it
    otherwise runs FLASHINFER_MLA's preferred 32 on Blackwell: DeepSeek-V3 (MLA, 61 layers x
    (512 + 64) x 2 B = 70,272 B per token on every rank) on 8 B200."""
    argv = ("plan", "--model", "deepseek-ai/DeepSeek-V3", "--gpu", "b200", "--gpus", "8",
            "--vllm-version", "0.33.0", "--json")
    for given, block in (((), 32), (("--block-size", "16"), 16)):
        code, out, err = _run(capsys, *argv, *given)
        assert code == 0, err
        plan = json.loads(out)
        assert plan["block_size"] == block and plan["engine"]["block_size"] == (
            16 if given else None)
        blocks = plan["kv_cache_bytes_per_gpu"] // (block * 61 * (512 + 64) * 2)
        assert plan["num_gpu_blocks"] == blocks and plan["kv_cache_tokens"] == blocks * block
        tokens = shlex.split(plan["vllm_command"])
        assert ("--block-size" in tokens) == bool(given)
        if given:
            assert tokens[tokens.index("--block-size") + 1] == "16"
