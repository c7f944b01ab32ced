"""`python -m planner`: JSON keys, exit code 2 on bad input, subprocess runs, no secrets."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.planner_cli import main
from planner.catalog import catalog_entries
from probes.hub import resolve_model
from tests.cli.conftest import NO_TENSORS, rtx4090_rig, run_main
from tests.cli.tiny_model import (
    TINY_CONFIG,
    TINY_KV_BYTES_PER_TOKEN,
    TINY_KV_BYTES_PER_TOKEN_TP2,
)
from tests.conftest import load_ref_config

ROOT = Path(__file__).resolve().parent.parent.parent
SNAPSHOT = ROOT / "tests" / "fixtures" / "snapshots" / "rtx3090x8.json"
PLAN_KEYS = {
    "params_total", "params_active", "weights_bytes_per_gpu", "kv_bytes_per_token",
    "kv_bytes_per_token_per_gpu", "activation_bytes_per_gpu", "non_torch_bytes_per_gpu",
    "cuda_graph_bytes_per_gpu", "kv_cache_bytes_per_gpu", "kv_cache_tokens", "max_concurrency",
    "max_context_tokens", "fits", "warnings", "errors", "per_gpu", "vllm_command",
}
BYTE_KEYS = {k for k in PLAN_KEYS if k.endswith("_bytes_per_gpu") or "bytes_per_token" in k}
SECRET = "hf_secretTOKENvalue0123456789abcdef"


def test_plan_json_keys_and_byte_integers(capsys, model_dir: Path) -> None:
    code, out, _ = run_main(capsys, "plan", "--model", str(model_dir), "--gpu", "rtx-3090",
                            "--gpus", "2", "--max-model-len", "4096", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= PLAN_KEYS
    assert all(isinstance(data[k], int) for k in BYTE_KEYS)
    assert data["kv_bytes_per_token"] == TINY_KV_BYTES_PER_TOKEN  # hand-worked, see tiny_model
    assert data["kv_bytes_per_token_per_gpu"] == TINY_KV_BYTES_PER_TOKEN_TP2  # default TP = 2
    assert len(data["per_gpu"]) == 2


def test_kv_cache_memory_skips_profiling(capsys, model_dir: Path) -> None:
    code, out, _ = run_main(capsys, "plan", "--model", str(model_dir / "config.json"),
                            "--gpu-memory-gib", "23.5", "--kv-cache-memory", "1G", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["kv_cache_bytes_per_gpu"] == 1 << 30  # 'G' upper-case = binary, as in vLLM
    assert data["activation_bytes_per_gpu"] == 0


def test_plan_json_v2_warm_restart_pool(capsys) -> None:
    # Qwen3-8B on one RTX 4090 at vLLM 0.27.1 starts on Model Runner V2; a warm restart
    # sizes, by V2's own rules (planner.serving.runner_v2), worked from the config (hidden
    # 4,096, 36 layers, intermediate 12,288, vocab 151,936, 32 / 8 heads of 128, untied):
    # budget ceil(25,383,256,719 B (the preset's 23.64 GiB CUDA total) x 0.92 (0.27's default
    # utilization)) = 23,352,596,182;
    # weights 2 B x (2 x 151,936 x 4,096 embed + lm_head + 36 x (2 x 4,096^2 q/o + 2 x
    # 4,096 x 1,024 k/v + 3 x 4,096 x 12,288 MLP + 2 x 128 q/k norm + 2 x 4,096 norms) +
    # 4,096 final norm) = 2 x 8,190,735,360 = 16,381,470,720, + the rotary cos/sin cache
    # 40,960 positions x 128 x 2 B = 10,485,760 -> 16,391,956,480;
    # V2's profile peak, the forward's MLP moment 2,048 x (4,096 + 24,576 + 12,288) x 2 B =
    # 167,772,160 (above its sampler's 96,665,600); non-torch 0.25 GiB = 268,435,456 (one
    # GPU's CUDA context); V2's buffers (0.27 on: planner.serving.runner_buffers, 256
    # sequences) 256 x 151,936 x 4 output_bin_counts + 2 x 256 x 4,748 x 4 prompt_bin_mask and
    # grammar_bitmask + 256 x 17,924 request tables = 169,894,912; no CUDA graph estimate
    # before 0.29: 23,352,596,182 - 16,391,956,480 - 167,772,160 - 268,435,456 - 169,894,912
    # = 6,354,537,174 (5.92 GiB)
    v2 = ["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-4090", "--max-model-len", "8192",
          "--json"]
    code, out, _ = run_main(capsys, *v2, "--vllm-version", "0.27.1")
    data = json.loads(out)
    assert code == 0 and data["model_runner"] == "v2"
    assert data["v2_warm_restart_available_kv_bytes"] == 6_354_537_174
    # what it holds, counted as vLLM counts the plan's own pool: a block is 36 layers x 16
    # tokens x 2 (K and V) x 8 KV heads x 128 x 2 B = 2,359,296 B, so 6,354,537,174 B holds
    # 2,693 blocks (2,693 x 2,359,296 = 6,353,584,128; one more is 6,355,943,424); an
    # 8,192-token request takes 8,192 / 16 = 512 blocks: 2,693 / 512 = 5.259765625 requests,
    # int(5.259765625 x 8,192) = 43,088 tokens (vLLM's count from 0.20.1)
    assert data["v2_warm_restart_kv_cache_tokens"] == 43_088
    assert data["v2_warm_restart_max_concurrency"] == 5.259765625
    # the KV term's note shows the same figures
    kv_note = next(t["note"] for t in data["terms"] if t["key"] == "kv_cache")
    assert "0.00 GiB CUDA graphs = 5.92 GiB (planner.serving.runner_v2)" in kv_note
    assert ("5.92 GiB // 2,359,296 B = 2,693 blocks: 43,088 KV tokens, 5.26 requests at "
            "8,192 tokens") in kv_note
    # on V1 (0.19.0), for a MoE model under V2 (0.29.0 starts every model on it; V2's MoE
    # forward is not read) and with the pool given (--kv-cache-memory): null, the keys there
    for argv in ([*v2, "--vllm-version", "0.19.0"],
                 ["plan", "--model", "Qwen/Qwen3-30B-A3B", "--gpu", "h100-sxm",
                  "--max-model-len", "8192", "--vllm-version", "0.29.0", "--json"],
                 [*v2, "--vllm-version", "0.27.1", "--kv-cache-memory", "4G"]):
        code, out, _ = run_main(capsys, *argv)
        data = json.loads(out)
        assert code == 0 and data["model_runner"] == ("v1" if "0.19.0" in argv else "v2")
        for key in ("v2_warm_restart_available_kv_bytes", "v2_warm_restart_kv_cache_tokens",
                    "v2_warm_restart_max_concurrency"):
            assert key in data and data[key] is None


def test_plan_text_shows_the_v2_warm_restart_pool_beside_the_kv_cache(capsys) -> None:
    # the same plan as above: the warm pool, 5.92 GiB, holds 43,088 tokens and 5.26 requests
    # at 8,192 tokens; the plan's own (cold) pool stays the KV cache line and the verdict
    v2 = ["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-4090", "--max-model-len", "8192"]
    code, out, _ = run_main(capsys, *v2, "--vllm-version", "0.27.1")
    assert code == 0
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  KV cache per GPU "))
    assert lines[at + 1] == (
        "  warm restart        5.92 GiB = 43,088 KV tokens, 5.26 requests at 8,192 tokens "
        "(Model Runner V2 restarting with a warm torch.compile cache; this plan sizes the "
        "first, cold-compile start-up)")
    assert any(line.startswith("Fits: ") for line in lines)
    # no such line where the plan has no warm-restart pool (V1 at 0.19.0)
    code, out, _ = run_main(capsys, *v2, "--vllm-version", "0.19.0")
    assert code == 0 and "KV cache per GPU" in out and "warm restart" not in out


def _bad_inputs(model_dir: Path, tmp_path: Path) -> dict[str, list[str]]:
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text("{not json")
    base = ["plan", "--model", str(model_dir)]
    return {
        "unknown gpu": [*base, "--gpu", "rtx-9999"],
        "invalid layout": [*base, "--gpu", "rtx-3090", "--gpus", "4", "--tp", "3"],
        "layout bigger than cluster": [*base, "--gpu", "rtx-3090", "--gpus", "2", "--tp", "4"],
        "utilization 1.5": [*base, "--gpu", "rtx-3090", "--gpu-memory-utilization", "1.5"],
        "max-model-len 0": [*base, "--gpu", "rtx-3090", "--max-model-len", "0"],
        "negative gpus": [*base, "--gpu", "rtx-3090", "--gpus", "-1"],
        "corrupt snapshot": [*base, "--snapshot", str(corrupt)],
        "no hardware": base,
        "gpu and snapshot": [*base, "--gpu", "rtx-3090", "--snapshot", str(SNAPSHOT)],
        "unknown target quant": [*base, "--gpu", "rtx-3090", "--target-quant", "w3a7"],
        # it would be ignored: the command would serve --model, not the checkpoint named
        "target checkpoint alone": [*base, "--gpu", "rtx-3090", "--target-checkpoint", "a/b"],
        "bad kv dtype": [*base, "--gpu", "rtx-3090", "--kv-cache-dtype", "int3"],
        # planner.serving.vllm_versions: not a version; V0 era; KV dtype absent in 0.11.0
        "vllm version abc": [*base, "--gpu", "rtx-3090", "--vllm-version", "abc"],
        "vllm version 0.7.3": [*base, "--gpu", "rtx-3090", "--vllm-version", "0.7.3"],
        "vllm version 0.9.0": [*base, "--gpu", "rtx-3090", "--vllm-version", "0.9.0"],
        # planner.serving.v1_oracle: vLLM 0.10.1 runs an fp8 KV cache on an A100 on V0
        "fp8 kv on an A100 at 0.10.1": [*base, "--gpu", "a100-80gb", "--vllm-version", "0.10.1",
                                        "--kv-cache-dtype", "fp8"],
        # mxfp4.mxfp4_ep_reason: 0.10.1's FlashInfer MXFP4 MoE asserts `not use_ep`
        "gpt-oss with EP on B200 at 0.10.1": ["plan", "--model", "openai/gpt-oss-120b",
                                              "--gpu", "b200", "--gpus", "2", "--tp", "2",
                                              "--ep", "--vllm-version", "0.10.1"],
        "fp16 kv on 0.11": [*base, "--gpu", "rtx-3090", "--vllm-version", "0.11",
                            "--kv-cache-dtype", "fp16"],
        "sweep without hardware": ["sweep", "--model", str(model_dir)],
        "report bad date": ["report", "--model", str(model_dir), "--gpu", "rtx-3090",
                            "--date", "soon"],
        # Python 3.11's date.fromisoformat takes both; --help says YYYY-MM-DD
        "report compact date": ["report", "--model", str(model_dir), "--gpu", "rtx-3090",
                                "--date", "20260101"],
        "report week date": ["report", "--model", str(model_dir), "--gpu", "rtx-3090",
                             "--date", "2026-W01-1"],
    }


def test_every_bad_input_exits_2_with_one_line(capsys, model_dir: Path, tmp_path: Path) -> None:
    for label, argv in _bad_inputs(model_dir, tmp_path).items():
        with pytest.raises(SystemExit) if label in ("utilization 1.5", "max-model-len 0",
                                                     "negative gpus", "bad kv dtype",
                                                     "unknown target quant",
                                                     "report bad date",
                                                     "report compact date",
                                                     "report week date") \
                else _no_raise() as caught:
            code = main(argv)
        code = caught.value.code if isinstance(caught, pytest.ExceptionInfo) else code
        err = capsys.readouterr().err
        assert code == 2, label
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, (label, err)
        assert "error:" in err, label


def test_a_negative_count_is_named_by_its_bounds(capsys, model_dir: Path) -> None:
    # was "'-1' is not a number": the flag's range (0..64 draft tokens) is what is wrong
    with pytest.raises(SystemExit) as caught:
        main(["plan", "--model", str(model_dir), "--gpu", "rtx-3090",
              "--num-speculative-tokens", "-1"])
    err = capsys.readouterr().err
    assert caught.value.code == 2
    assert err.strip().endswith("argument --num-speculative-tokens: -1 is outside 0..64."), err


@pytest.mark.parametrize(("count", "said"), [
    # vLLM's ParallelConfig: "num_redundant_experts must be non-negative, but got -1."
    ("-1", 'vLLM refuses a negative count (ParallelConfig: "num_redundant_experts must be '
           'non-negative, but got -1.").'),
    # EplbState's MAX_EXPERT_REDUNDANCY = 1023: 1,024 stops the model load; 99,999 was taken
    # up to the flag's old bound, 65,536, and planned as "does not fit"
    ("1024", 'vLLM takes at most 1,023 (EplbState stops the model load: "num_redundant_experts '
             '1024 must be less than or equal to 1023").'),
    ("99999", 'vLLM takes at most 1,023 (EplbState stops the model load: '
              '"num_redundant_experts 99999 must be less than or equal to 1023").'),
])
def test_a_redundant_expert_count_vllm_refuses_is_bad_input(capsys, model_dir: Path, count: str,
                                                            said: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["plan", "--model", str(model_dir), "--gpu", "rtx-3090", "--enable-eplb",
              "--num-redundant-experts", count])
    err = capsys.readouterr().err
    assert caught.value.code == 2 and len(err.strip().splitlines()) == 1
    assert err.strip().endswith(f"argument --num-redundant-experts: {said}"), err


@pytest.mark.parametrize("text", ["1e12", "0x10", "32kk"])
def test_a_count_not_written_as_one_says_what_is_read(capsys, model_dir: Path,
                                                      text: str) -> None:
    # '1e12' was "is not a number": it is one; a count is read as digits and vLLM's suffixes
    with pytest.raises(SystemExit) as caught:
        main(["plan", "--model", str(model_dir), "--gpu", "rtx-3090", "--max-model-len", text])
    err = capsys.readouterr().err
    assert caught.value.code == 2
    assert err.strip().endswith(f"argument --max-model-len: {text!r} is not a count: a whole "
                                "number, or a number with a suffix k, m, g, t (x 1000 per step:"
                                " 25.6k) or K, M, G, T (x 1024 per step, whole: 32K)."), err


@pytest.mark.parametrize(("flags", "flag", "value"), [
    # as vLLM's parser reads them (0.33.0 vllm/utils/argparse_utils.py human_readable_int;
    # --max-num-seqs is type=int): the value planned is the one the command passes on
    (("--max-model-len", "1.0005k"), "--max-model-len", 1_000),  # int(1000.5): was refused
    (("--max-model-len", "+8_192"), "--max-model-len", 8_192),  # int('+8_192'): was refused
    (("--kv-cache-memory-bytes", "8G", "--vllm-version", "0.13"), "--kv-cache-memory-bytes",
     8 << 30),
])
def test_a_count_is_read_as_the_targeted_vllm_reads_it(capsys, flags, flag, value) -> None:
    _, out, _ = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm",
                         *flags, "--json")
    command = json.loads(out)["vllm_command"].split()
    assert command[command.index(flag) + 1] == str(value)


@pytest.mark.parametrize(("flags", "message"), [
    # vLLM refuses these, so Headroom does (it took the first two as 33,280 and 1,000)
    (("--max-model-len", "32.5K"), "argument --max-model-len: '32.5K': no fraction with a "
     "binary suffix (K = x 1,024); 32.5k is x 1,000."),
    (("--max-num-seqs", "1k"), "argument --max-num-seqs: '1k' is not a whole number (vLLM "
     "reads --max-num-seqs as a plain integer: no suffix, no fraction)."),
    (("--max-model-len", "8192.0"), "argument --max-model-len: '8192.0' is not a count"),
    # t / T from vLLM 0.13.0: 0.12 refuses what 0.13 reads as 2**40
    (("--kv-cache-memory-bytes", "1T", "--vllm-version", "0.12"),
     "argument --kv-cache-memory-bytes: '1T' is not a count"),
])
def test_a_count_the_targeted_vllm_refuses_exits_2(capsys, flags, message) -> None:
    try:
        code, _, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu",
                                "h100-sxm", *flags)
    except SystemExit as caught:  # argparse (the newest release's rule)
        code, err = caught.code, capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert message in err, err


def test_report_looks_up_its_compared_models_at_once(capsys, monkeypatch,
                                                      model_dir: Path) -> None:
    # a hub that never answers costs each look-up its deadline: three models must wait
    # together (one deadline), not in turn. The barrier opens only when all three look-ups
    # are in flight at the same time; in turn, the first one waits 10 s and breaks it.
    import threading

    import cli.planner_cli as planner_cli

    real, barrier = planner_cli.load_model, threading.Barrier(3, timeout=10)

    def together(model: str, revision: str | None = None, hf_overrides: str | None = None):
        barrier.wait()
        return real(model, revision, hf_overrides)

    monkeypatch.setattr(planner_cli, "load_model", together)
    # a copy of the config: the folder's own config.json is the --model itself (refused)
    copy = model_dir / "tiny-copy.json"
    copy.write_text((model_dir / "config.json").read_text())
    code = main(["report", "--model", str(model_dir), "--gpu", "rtx-3090", "--max-model-len",
                 "4096", "--compare", str(copy), "Qwen/Qwen3-8B"])
    assert code == 0, capsys.readouterr().err
    table = capsys.readouterr().out.split("Model comparison", 1)[1]
    assert table.index(str(model_dir)) < table.index("Qwen/Qwen3-8B")  # in the given order


@pytest.mark.parametrize("command", ["plan", "inspect"])
def test_unknown_model_exits_2(capsys, monkeypatch, tmp_path: Path, command: str) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # no network in tests
    for model in (str(tmp_path / "missing"), "no-such-org/no-such-model-xyz"):
        argv = ["plan", "--model", model, "--gpu", "rtx-3090"] if command == "plan" else [
            "inspect", model]
        code, _, err = run_main(capsys, *argv)
        assert code == 2 and len(err.strip().splitlines()) == 1, (model, err)


class _no_raise:
    """Context manager standing in for pytest.raises when main returns its code."""

    def __enter__(self):
        return None

    def __exit__(self, *exc) -> bool:
        return False


def _headline_lines(text: str) -> dict[str, str]:
    """The plan text's indented headline lines by label: the first 22 characters are the label
    column, the rest its value."""
    return {line[:22].strip(): line[22:] for line in text.splitlines() if line.startswith("  ")}


def _json_and_headlines(capsys, *args: str) -> tuple[dict, dict[str, str]]:
    """One plan run twice, as --json and as text: its JSON and its text's headline lines
    (_headline_lines), for tests that check a headline line against the JSON's figures."""
    _, out, _ = run_main(capsys, *args, "--json")
    _, text, _ = run_main(capsys, *args)
    return json.loads(out), _headline_lines(text)


def _python_m(*argv: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "planner", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_subprocess_runs_and_never_prints_the_token(model_dir: Path, tmp_path: Path) -> None:
    base = ["--model", str(model_dir), "--gpu", "rtx-3090", "--gpus", "2"]
    runs = {
        "plan": ["plan", *base, "--json"],
        "plan text": ["plan", *base],
        "sweep csv": ["sweep", *base, "--csv"],
        "inspect": ["inspect", str(model_dir), "--json"],
        "report md": ["report", *base, "--sweep", "--date", "2026-01-02"],
        "report json": ["report", "--model", str(model_dir), "--snapshot", str(SNAPSHOT),
                        "--format", "json", "--date", "2026-01-02"],
        "report csv": ["report", *base, "--format", "csv"],
        "error": ["plan", *base, "--tp", "3"],
    }
    for label, argv in runs.items():
        done = _python_m(*argv, env_extra={"HF_TOKEN": SECRET})
        assert done.returncode == (2 if label == "error" else 0), (label, done.stderr)
        assert SECRET not in done.stdout + done.stderr, label
        assert "Traceback" not in done.stderr, label
    report = json.loads(_python_m(*runs["report json"]).stdout)
    assert report["schema"] == "headroom.report"
    assert report["audits"][0]["hostname"] == "rig-3090x8"


def test_plan_json_for_every_catalog_model(capsys) -> None:
    for entry in catalog_entries():
        code, out, err = run_main(capsys, "plan", "--model", entry.repo_id, "--gpu", "h100-sxm",
                                  "--gpus", "8", "--tp", "1", "--json")
        assert code == 0, (entry.repo_id, err)
        data = json.loads(out)
        assert set(data) >= PLAN_KEYS, entry.repo_id
        assert data["kv_bytes_per_token"] >= data["kv_bytes_per_token_per_gpu"] >= 0


def test_a_stand_in_catalog_config_is_a_note_on_stderr_for_every_command(capsys) -> None:
    # gemma-3-27b-it's catalog config is reconstructed: the hub is asked first, and offline
    # (as in every test) the catalog answers, with a note once the command succeeds
    note = ("note: google/gemma-3-27b-it: offline (HF_HUB_OFFLINE is set): using the bundled "
            "catalog config (reconstructed, unverified)")
    gpus = ["--gpu", "h100-sxm", "--gpus", "2"]
    runs = {
        "plan": ["plan", "--model", "google/gemma-3-27b-it", *gpus, "--json"],
        "sweep": ["sweep", "--model", "google/gemma-3-27b-it", *gpus, "--top", "1"],
        "inspect": ["inspect", "google/gemma-3-27b-it"],
        "report": ["report", "--model", "Qwen/Qwen3-8B", *gpus, "--compare",
                   "google/gemma-3-27b-it"],
        "recommend": ["recommend", "--model", "google/gemma-3-27b-it", "--gpu", "h100-sxm",
                      "--context", "8k", "--concurrency", "1", "--top", "1"],
    }
    for command, argv in runs.items():
        code, out, err = run_main(capsys, *argv)
        assert code == 0, (command, err)
        assert f"python -m planner {command}: {note}" in err.splitlines(), (command, err)
    assert json.loads(run_main(capsys, *runs["plan"])[1])["fits"]  # stdout stays JSON
    # a verbatim copy answers without asking the hub, and without a note
    code, _, err = run_main(capsys, "inspect", "Qwen/Qwen3-8B")
    assert code == 0 and "note:" not in err


def test_inspect_takes_the_model_as_every_other_command_does(capsys,
                                                             model_dir: Path) -> None:
    # plan, sweep, report and recommend take --model; inspect took a position only, and
    # `inspect --model X` said "unrecognized arguments: --model." of the flag it was given
    code, by_position, _ = run_main(capsys, "inspect", str(model_dir), "--json")
    assert code == 0
    code, by_flag, err = run_main(capsys, "inspect", "--model", str(model_dir), "--json")
    assert code == 0, err
    assert by_flag == by_position
    code, _, err = run_main(capsys, "inspect", str(model_dir), "--model", str(model_dir))
    assert code == 2
    assert err == ("python -m planner inspect: error: give the model once: as "
                   "PATH_OR_REPO_ID or as --model, not both.\n")
    code, _, err = run_main(capsys, "inspect", "--json")
    assert code == 2
    assert err == ("python -m planner inspect: error: the following arguments are required: "
                   "PATH_OR_REPO_ID (or --model PATH_OR_REPO_ID).\n")


def test_recommend_prints_the_configs_warnings_as_plan_and_sweep_do(capsys,
                                                                    tmp_path: Path) -> None:
    # plan and sweep print the parser's warnings on stderr (and --json's model_warnings),
    # report in its body; recommend dropped them: an FP8 checkpoint whose config.json lacks
    # its quantization_config was searched as 16-bit weights without a word
    fp8 = tmp_path / "fp8"
    fp8.mkdir()
    (fp8 / "config.json").write_text(json.dumps(TINY_CONFIG | {"torch_dtype": "float8_e4m3fn"}))
    words = [f"{fp8} looks quantized (fp8) but its config.json carries no quantization_config, "
             "so it is planned as 16-bit weights: pass its hf_quant_config.json, or choose the "
             "format as a what-if",
             "config.json: torch_dtype = 'float8_e4m3fn' is not a 16/32-bit float: planned as "
             "bfloat16"]
    _, out, err = run_main(capsys, "plan", "--model", str(fp8), "--gpu", "rtx-3090", "--json")
    assert json.loads(out)["model_warnings"] == words
    argv = ("recommend", "--model", str(fp8), "--context", "4096", "--gpu", "rtx-3090",
            "--gpus-max", "1")
    code, out, err = run_main(capsys, *argv)
    assert code == 0
    assert [f"python -m planner recommend: warning: {w}" for w in words] == [
        line for line in err.splitlines() if ": warning: " in line]
    code, out, err = run_main(capsys, *argv, "--json")
    assert code == 0 and ": warning: " not in err  # JSON carries them, as plan's does
    assert json.loads(out)["model_warnings"] == words
    # several models: each warning names its model
    code, out, _ = run_main(capsys, *argv, "--model", "Qwen/Qwen3-0.6B", "--json")
    assert json.loads(out)["model_warnings"] == [f"{fp8}: {w}" for w in words]


def test_invalid_repo_id_suggests_a_local_path(capsys) -> None:
    # the CLI reads config.json paths, so its message offers one (the app's does not)
    code, _, err = run_main(capsys, "inspect", "not a repo id!")
    assert code == 2
    assert "is not a Hugging Face repo id" in err
    assert "or a path to an existing config.json or model folder" in err


def test_gpu_and_weight_format_names_as_people_type_them(capsys) -> None:
    """Issue 12: --gpu "RTX 3090" and --target-quant w4a16 were refused; the exact scheme is
    echoed back in text and JSON."""
    argv = ["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "NVIDIA GeForce RTX 3090",
            "--target-quant", "w4a16"]
    code, out, err = run_main(capsys, *argv, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["gpu_name"] == "NVIDIA GeForce RTX 3090"
    assert data["weight_format"] == "w4a16-gptq-g128"
    assert data["engine"]["target_quant"] == "w4a16-gptq-g128"
    code, out, _ = run_main(capsys, *argv)
    assert "weight format       w4a16-gptq-g128 (GPTQ int4, group 128 (W4A16))" in out


def test_a_gpu_name_without_its_size_says_which_size_was_planned(capsys) -> None:
    """--gpu v100 planned a 32 GB V100 without a word, though 16 GB V100s are common: a user of
    one got a verdict for twice the memory. "RTX 4060 Ti" (one NVML name for the 16 and 8 GB
    cards) still plans the 16 GB preset (scripts rely on it) and says how to plan the other
    size; the advice, followed, plans an 8 GB card under the name given. "V100" now names two
    presets (v100-16gb, v100-32gb) and is refused as ambiguous, as "A100" is."""
    argv = ["plan", "--model", "Qwen/Qwen3-0.6B"]
    code, _, err = run_main(capsys, *argv, "--gpu", "RTX 4060 Ti")
    assert code == 0
    assert err == ("python -m planner plan: note: --gpu 'RTX 4060 Ti' is the rtx-4060-ti-16gb "
                   "preset (NVIDIA GeForce RTX 4060 Ti, 16 GB GDDR6); for the 8 GB card, which "
                   "no preset holds, give --gpu-memory-gib X (what CUDA reports) and --gpu-name "
                   "'RTX 4060 Ti 8GB'\n")
    code, out, _ = run_main(capsys, *argv, "--gpu-memory-gib", "7.6", "--gpu-name",
                            "RTX 4060 Ti 8GB")
    assert code == 0 and out.splitlines()[0] == "Qwen/Qwen3-0.6B on 1x RTX 4060 Ti 8GB, TP=1"
    for gpu in ("rtx-4060-ti-16gb", "RTX 4060 Ti 16GB", "v100-32gb", "Tesla V100-SXM2-16GB"):
        code, _, err = run_main(capsys, *argv, "--gpu", gpu)  # the size is stated: nothing to say
        assert code == 0 and err == "", gpu
    code, _, err = run_main(capsys, *argv, "--gpu", "v100")
    assert code == 2 and "GPU 'v100' is ambiguous: did you mean v100-16gb, v100-32gb, " \
        "v100-pcie-16gb or v100-pcie-32gb?" in err
    # (rtx-4060-ti-16gb has no list price: --price gives one)
    code, _, err = run_main(capsys, "recommend", "--model", "Qwen/Qwen3-0.6B", "--gpu",
                            "RTX 4060 Ti", "--price", "rtx-4060-ti-16gb=1.0", "--context", "4k")
    assert code == 0
    assert ("for the 8 GB card, which no preset holds, recommend searches the presets only: "
            "plan, sweep or report it with --gpu-memory-gib X") in err


@pytest.mark.parametrize(("name", "gpu", "batch"), [
    # vLLM get_batch_defaults: >= 70 GiB and "a100" not in the device name -> 8192 / 1024,
    # A100 -> 2048 / 256; "A100" alone is two presets (40 / 80 GB): the memory settles it
    ("A100", "NVIDIA A100-SXM4-80GB", (2048, 256)),
    ("NVIDIA A100-SXM4-80GB", "NVIDIA A100-SXM4-80GB", (2048, 256)),
    ("H100 80GB HBM3", "NVIDIA H100 80GB HBM3", (8192, 1024)),
    ("Blorp 9000", "Blorp 9000", (8192, 1024)),  # no preset: the name is kept as typed
])
def test_custom_gpu_memory_with_a_named_model(capsys, model_dir: Path, name, gpu, batch):
    code, out, _ = run_main(capsys, "plan", "--model", str(model_dir), "--gpu-memory-gib",
                            "79.2", "--gpu-name", name, "--max-model-len", "8192", "--json")
    data = json.loads(out)
    assert code == 0 and data["gpu_name"] == gpu
    assert (data["max_num_batched_tokens"], data["max_num_seqs"]) == batch
    assert data["per_gpu"][0]["total_bytes"] == round(79.2 * 2**30)  # the memory as given


def test_a_named_model_given_another_memory_is_called_as_typed(capsys, model_dir: Path) -> None:
    """--gpu-memory-gib 15.77 --gpu-name v100 planned 15.77 GiB under "Tesla V100-SXM2-32GB"
    (then the one V100 preset): a total 51 % below the preset's is far outside the 10 % a name
    match allows (hardware.nvml_match._NAME_MATCH_MEMORY_TOLERANCE). The same holds for an 8 GB
    RTX 4060 Ti (7.6 GiB) named as the 16 GB preset's NVML name less "NVIDIA GeForce": header,
    JSON and source call it as typed; the preset still gives compute capability 8.9."""
    argv = ("plan", "--model", str(model_dir), "--gpu-memory-gib", "7.6", "--gpu-name",
            "RTX 4060 Ti", "--max-model-len", "8192")
    code, out, err = run_main(capsys, *argv)
    assert code == 0 and out.splitlines()[0].endswith(" on 1x RTX 4060 Ti, TP=1"), out
    assert "NVIDIA GeForce RTX 4060 Ti" not in out
    assert ("--gpu-name 'RTX 4060 Ti' with 7.6 GiB is a memory size, which the "
            "rtx-4060-ti-16gb preset (NVIDIA GeForce RTX 4060 Ti, 16 GB GDDR6) is not:") in err
    assert err.rstrip().endswith("and called 'RTX 4060 Ti', not 'NVIDIA GeForce RTX 4060 Ti'"), err
    code, out, _ = run_main(capsys, *argv, "--json")
    data = json.loads(out)
    assert data["gpu_name"] == "RTX 4060 Ti"
    assert data["per_gpu"][0]["total_bytes"] == round(7.6 * 2**30)
    # typed as the preset's own NVML name, the note does not contrast it with itself
    # ("called 'NVIDIA GeForce RTX 4060 Ti', not 'NVIDIA GeForce RTX 4060 Ti'")
    code, _, err = run_main(capsys, *argv[:5], "--gpu-name", "NVIDIA GeForce RTX 4060 Ti",
                            *argv[7:])
    assert code == 0 and err.rstrip().endswith(", and the memory given"), err


def test_a_named_model_of_another_memory_size_keeps_its_name(capsys, model_dir: Path) -> None:
    """--gpu-name 'Tesla V100-PCIE-16GB' read "2x Tesla V100-SXM2-32GB" at 15.77 GiB with no
    word that the 32 GB card's figures stood in (it has its own preset now, below); a name
    stating a size its preset lacks ('... RTX 4060 Ti 8GB') keeps its name and says whose
    figures are planned."""
    code, out, err = run_main(capsys, "plan", "--model", str(model_dir), "--gpu-memory-gib",
                              "7.6", "--gpu-name", "NVIDIA GeForce RTX 4060 Ti 8GB", "--gpus",
                              "2", "--max-model-len", "8192")
    assert code == 0, err
    assert out.splitlines()[0].endswith(" on 2x NVIDIA GeForce RTX 4060 Ti 8GB, TP=2"), out
    assert ("--gpu-name 'NVIDIA GeForce RTX 4060 Ti 8GB' states 8 GB, which the rtx-4060-ti-16gb "
            "preset (NVIDIA GeForce RTX 4060 Ti, 16 GB GDDR6) is not: planned with that preset's "
            "compute capability, formats, link and 288 GB/s memory bandwidth") in err, err
    code, out, _ = run_main(capsys, "plan", "--model", str(model_dir), "--gpu-memory-gib",
                            "7.6", "--gpu-name", "NVIDIA GeForce RTX 4060 Ti 8GB", "--json")
    data = json.loads(out)
    assert data["gpu_name"] == "NVIDIA GeForce RTX 4060 Ti 8GB"
    assert data["per_gpu"][0]["total_bytes"] == round(7.6 * 2**30)


def test_nvml_names_of_the_16gb_v100s_plan_their_own_presets(capsys) -> None:
    """'Tesla V100-PCIE-16GB' and 'Tesla V100-SXM2-16GB' (NVML's names) were refused as "not
    32 GB" and, with --gpu-name, planned with the 32 GB SXM2 card's figures; each is its own
    preset now: no note, the preset's name and CUDA total (16160 / 16130 MiB)."""
    for name, total_mib in (("Tesla V100-PCIE-16GB", 16160), ("Tesla V100-SXM2-16GB", 16130)):
        code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-0.6B", "--gpu", name,
                                  "--max-model-len", "8192", "--json")
        assert code == 0 and err == "", err
        data = json.loads(out)
        assert data["gpu_name"] == name
        assert data["per_gpu"][0]["total_bytes"] == total_mib * 2**20


def test_nvml_name_of_the_40gb_a100_pcie_plans_its_own_preset(capsys) -> None:
    """--gpu 'NVIDIA A100-PCIE-40GB' (NVML's name) was refused as "not 80 GB", and with
    --gpu-name planned at the 80 GB PCIe card's 1,935 GB/s; the 40 GB card reads 1,555 GB/s
    (NVIDIA's A100 datasheet), its own preset now: no note, the preset's name."""
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu",
                              "NVIDIA A100-PCIE-40GB", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["gpu_name"] == "NVIDIA A100-PCIE-40GB"
    assert "states 40 GB" not in err and "1,935" not in err, err
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu-memory-gib",
                              "39.39", "--gpu-name", "NVIDIA A100-PCIE-40GB")
    assert code == 0 and "states 40 GB" not in err, err


@pytest.mark.parametrize(("extra", "source"), [
    ([], "custom: 2x Custom 20 GiB GPU"),  # once "... Custom 20 GiB GPU 20 GiB"
    (["--gpu-name", "Blorp 9000"], "custom: 2x Blorp 9000 at 20 GiB"),
    # 20 GiB is not the 24 GB card's 23.6 GiB (within 10 %): called as typed, as the preset
    (["--gpu-name", "RTX 3090"], "preset: 2x RTX 3090 (as rtx-3090) at 20.00 GiB (given)"),
])
def test_a_custom_gpus_source_names_its_memory_once(capsys, model_dir: Path, extra, source):
    code, out, _ = run_main(capsys, "sweep", "--model", str(model_dir), "--gpu-memory-gib",
                            "20", "--gpus", "2", "--max-model-len", "8192", *extra, "--json")
    assert code == 0 and json.loads(out)["cluster_source"] == source

def test_plan_and_report_name_the_gpus_a_smaller_layout_leaves_idle(capsys) -> None:
    """The app said which GPUs a layout on fewer GPUs leaves idle; plan and report said only
    "on 6x ..." beside "preset: 16x" (report) or nothing (plan). Worked by hand: TP=2 x DP=3
    is 6 GPUs, the replicas on node 0 (GPUs 0-5, docs/cli.md), so node 0's GPUs 6-7
    and all 8 of node 1 are idle; --tp 2 on 3 GPUs leaves GPU 2."""
    seed = ["--model", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "--gpu", "rtx-3090"]
    code, out, _ = run_main(capsys, "plan", *seed, "--gpus", "16", "--nodes", "2", "--dp", "3")
    assert code == 0
    assert out.splitlines()[1] == ("This layout uses 6 of 16 GPUs; idle: node 0 GPUs 6-7; "
                                   "node 1 GPUs 0-7.")
    code, out, _ = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090",
                            "--gpus", "3", "--tp", "2")
    assert code == 0
    assert ("(preset: 3x NVIDIA GeForce RTX 3090). This layout uses 2 of 3 GPUs; idle: GPU 2."
            in out)
    code, out, _ = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090",
                            "--gpus", "3", "--dp", "3")
    assert code == 0 and "idle" not in out  # TP=1 x DP=3 uses all three

def test_report_compares_each_model_as_stored_at_the_max_model_len_given(capsys) -> None:
    """report --compare planned the other models with the --model's what-if format and at
    their own max length: Qwen3-32B-FP8 under --target-quant w4a16 at 9.67 GB per GPU (a
    W4A16 what-if of an FP8 checkpoint) and Qwen3-14B at 40,960 tokens beside
    --max-model-len 16k. Worked by hand: FP8 holds a byte per weight, so at TP=2 each GPU
    holds over params_total / 2 bytes; a 16,000-token request takes 16,000 / 64 = 250 blocks
    of vLLM 0.34.0's (the default's) 64 tokens, so the concurrency is the KV blocks `plan`
    gives that model / 250."""
    hardware = ["--gpu", "rtx-3090", "--gpus", "2", "--max-model-len", "16k"]
    code, out, _ = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", *hardware,
                            "--target-quant", "w4a16", "--compare", "Qwen/Qwen3-32B-FP8",
                            "Qwen/Qwen3-14B", "--format", "json")
    assert code == 0
    fp8, qwen14 = json.loads(out)["comparison"][1:]
    assert fp8["weights_bytes_per_gpu"] > fp8["params_total"] / 2
    code, out, _ = run_main(capsys, "plan", "--model", "Qwen/Qwen3-14B", *hardware, "--json")
    assert code == 0
    assert qwen14["max_model_len"] == 16_000
    assert qwen14["max_concurrency"] == json.loads(out)["num_gpu_blocks"] / 250


def test_report_compares_a_model_the_layout_does_not_split_on_the_widest_it_takes(
        capsys) -> None:
    """phi-4 has 10 KV heads (config.json), which TP=8 neither splits nor replicates evenly:
    beside Qwen3-8B at TP=8 on 8 H100s the comparison said "Does not fit" for a 14.7 B model
    on 640 GB. As on the app's Compare page, it takes the valid layout using the most GPUs,
    most TP first: TP=2 (20 query and 5 KV heads each; 4 and 8 split the 40 query heads but
    neither divide nor are divided by the 10 KV heads) x DP=4 on all 8."""
    code, out, _ = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm",
                            "--gpus", "8", "--tp", "8", "--compare", "microsoft/phi-4",
                            "--format", "json")
    assert code == 0
    phi4 = json.loads(out)["comparison"][1]
    assert (phi4["layout"], phi4["fits"]) == ("TP=2 x DP=4", True)


def test_report_compares_a_model_its_release_refuses_at_that_tp_on_one_it_starts(
        capsys) -> None:
    """RedHatAI's Llama-3.1-8B w4a16 (GPTQ int4 g128, desc_act, float16) finds no ROCm
    kernel for its row-parallel layers at TP > 1 on vLLM 0.24.0 (wna16_kernels.gptq_tp_refusal, a
    refusal of the layout). Beside Qwen3-8B at TP=8 on 8 MI300Xs `report --compare` exited 2
    with that refusal; it is now compared on the widest layout vLLM starts, TP=1 x DP=8."""
    code, out, err = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", "--gpu", "mi300x",
                              "--gpus", "8", "--tp", "8", "--vllm-version", "0.24.0",
                              "--compare", "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16",
                              "--format", "json")
    assert code == 0, err
    other = json.loads(out)["comparison"][1]
    assert (other["layout"], other["fits"]) == ("TP=1 x DP=8", True)


def test_the_reports_per_gpu_kv_formula_counts_one_pp_stages_layers(capsys) -> None:
    """Qwen3-8B (36 layers, 8 KV heads of 128, config.json) on 2 RTX 3090s at PP=2: a GPU
    holds one stage, 18 layers x 2 x 8 x 128 x 2 B = 18 x 4,096 = 73,728 B per token; the
    binding stage is the second (layers 18-35, holding the untied lm_head). The formula
    summed all 36 layers to 147,456 B under "one GPU" and then printed 73,728 B below it."""
    code, out, _ = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090",
                            "--gpus", "2", "--pp", "2")
    assert code == 0
    assert ("one GPU at TP=1, PP stage 1, layers 18-35:\n18 layers x [max(1, 8 // 1) KV heads x "
            "(128 + 128) dims x 2 B = 4,096 B] = 73,728 B\n  per GPU = 73,728 B per token") in out

def test_a_ceiling_above_max_model_len_says_the_server_stops_there(capsys) -> None:
    """The context ceiling is what a larger --max-model-len reaches; the report headed it
    "longest single request" while the verdict said one request reaches 8,192 (8K) tokens,
    the server's limit. Both plan and report now say where a request stops; a plan at the
    model's own length (Qwen3-8B: 40,960, above what one RTX 4090's KV cache holds) does
    not."""
    args = ["--model", "Qwen/Qwen3-8B", "--gpu", "rtx-4090"]
    code, out, _ = run_main(capsys, "plan", *args, "--max-model-len", "8K")
    assert code == 0
    ceiling = next(line for line in out.splitlines() if "context ceiling" in line)
    assert ceiling.endswith(" tokens; served at max_model_len 8,192, a request stops there")
    code, out, _ = run_main(capsys, "report", *args, "--max-model-len", "8K")
    summary = next(line for line in out.splitlines() if "longest single request" in line)
    assert summary.endswith("; served at max_model_len 8,192, a request stops there")
    code, out, _ = run_main(capsys, "plan", *args)
    assert "served at" not in out

def test_gpu_name_needs_gpu_memory_gib(capsys, model_dir: Path) -> None:
    code, _, err = run_main(capsys, "plan", "--model", str(model_dir), "--gpu-name", "A100")
    assert code == 2 and "--gpu-memory-gib" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_gpu_name_is_refused(capsys, model_dir: Path, blank: str) -> None:
    # was accepted and dropped: the plan silently used "Custom 24 GiB GPU"
    with pytest.raises(SystemExit) as caught:
        main(["plan", "--model", str(model_dir), "--gpu-memory-gib", "24", "--gpu-name", blank])
    err = capsys.readouterr().err
    assert caught.value.code == 2
    assert err.strip().endswith("argument --gpu-name: is empty: give the GPU's model, "
                                "e.g. 'RTX 3090'."), err


@pytest.mark.parametrize(("command", "flags", "words"), [
    # an unknown preset '' before, whose advice (a34fd19) was "--gpu-name ''", itself refused
    ("plan", ["--gpu", ""], "argument --gpu: is empty: give a GPU preset key such as rtx-3090 "
     "or the GPU's name, e.g. 'RTX 3090'."),
    ("sweep", ["--gpu", "  "], "argument --gpu: is empty: give a GPU preset key"),
    ("recommend", ["--gpu", "", "--concurrency", "1"], "argument --gpu: is empty: give a GPU "
     "preset key"),
    # planned as auto without a word before (plan), "--quantization : sweep plans ..." (sweep)
    ("plan", ["--gpu", "rtx-3090", "--quantization", ""], "argument --quantization: is empty: "
     "give vLLM's --quantization method, e.g. fp8, or auto (the checkpoint's)."),
    ("sweep", ["--gpu", "rtx-3090", "--quantization", ""], "argument --quantization: is empty"),
])
def test_a_blank_gpu_or_quantization_is_refused(capsys, model_dir: Path, command: str,
                                                flags: list[str], words: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main([command, "--model", str(model_dir), *flags])
    err = capsys.readouterr().err
    assert caught.value.code == 2 and len(err.strip().splitlines()) == 1, err
    assert f"python -m planner {command}: error: {words}" in err


def test_dp_flag_plans_replicas(capsys, model_dir: Path) -> None:
    # --dp 2 on 4 GPUs: TP defaults to 4 GPUs per node / 2 replicas = 2
    (model_dir / "pytorch_model.bin").write_bytes(b"")  # weights: vLLM can load the folder
    code, out, _ = run_main(capsys, "plan", "--model", str(model_dir), "--gpu", "rtx-3090",
                            "--gpus", "4", "--dp", "2", "--max-model-len", "4096", "--json")
    data = json.loads(out)
    assert code == 0 and data["layout"] == {"tp": 2, "pp": 1, "dp": 2, "ep": False}
    assert "--tensor-parallel-size 2 --data-parallel-size 2" in data["vllm_command"]
    assert len(data["per_gpu"]) == 4


def test_a_kv_pool_the_budget_cannot_hold_reads_none_with_the_shortfall(capsys) -> None:
    # Gemma-3-27B's bf16 weights alone exceed an A100 40GB's budget: the pool is negative
    # (the budget less the weights and profile terms), which the text printed as
    # "KV cache per GPU -16.96 GiB"; it says none and by how much the budget is short, as
    # the Plan page does (its KV pool metric)
    args = ("plan", "--model", "google/gemma-3-27b-it", "--gpu", "a100-40gb")
    _, out, _ = run_main(capsys, *args, "--json")
    pool = json.loads(out)["kv_cache_bytes_per_gpu"]
    assert pool < 0
    _, text, _ = run_main(capsys, *args)
    line = next(x for x in text.splitlines() if x.startswith("  KV cache per GPU"))
    assert line == f"  KV cache per GPU    none (the budget is short by {-pool / 2**30:,.2f} GiB)"


def test_no_kv_cache_concurrency_is_not_read_as_only_refused(capsys) -> None:
    # Qwen3-30B-A3B on one V100 32GB: vLLM 0.34 has no kernels for the GPU (the verdict), and
    # its 56.88 GiB of weights exceed the 0.92 x 31.75 = 29.21 GiB budget as well: the
    # concurrency line read "0.00 ... (vLLM refuses this plan: see the verdict)", as if the
    # refusal alone stood between it and serving; it has no KV cache, as the Compare page says
    _, text, _ = run_main(capsys, "plan", "--model", "Qwen/Qwen3-30B-A3B", "--gpu", "v100-32gb")
    line = next(x for x in text.splitlines() if x.startswith("  concurrency"))
    assert line == "  concurrency         0.00 at 40,960 tokens (no KV cache)"
    assert "no kernel image is available" in text  # the refusal is still the verdict's


def test_bfloat16_on_a_v100_does_not_fit_in_vllms_words(capsys) -> None:
    # vLLM refuses --dtype bfloat16 below compute capability 8.0 at start-up
    # (tests/planner/serving/test_startup.py); auto serves the bf16 checkpoint in float16. vLLM
    # 0.19: the last release whose wheels hold code for a V100 (startup.wheel_arch)
    args = ("plan", "--model", "Qwen/Qwen3-8B", "--gpu", "v100-32gb", "--max-model-len", "8k",
            "--vllm-version", "0.19.0")
    _, out, _ = run_main(capsys, *args, "--dtype", "bfloat16", "--json")
    data = json.loads(out)
    assert not data["fits"] and data["vllm_command"] is None
    assert data["verdict"].startswith("Does not fit: Bfloat16 is only supported on GPUs with "
                                      "compute capability of at least 8.0.")
    _, out, _ = run_main(capsys, *args, "--json")
    assert json.loads(out)["fits"]


def test_two_dgx_sparks_are_two_nodes(capsys) -> None:
    # a DGX Spark holds one GB10: --gpus 2 on one node was planned as a 2-GB10 box over PCIe
    code, _, err = run_main(capsys, "plan", "--model", "openai/gpt-oss-120b", "--gpu",
                            "dgx-spark-gb10", "--gpus", "2")
    assert code == 2
    # --gpus counts every GB10, so the one fix is --nodes 2 (one per node): one line, exit 2
    assert err.strip().endswith("error: a DGX Spark holds one NVIDIA GB10: 2 of them are 2 "
                                "nodes of one GPU each, not 1 of 2: give --nodes 2 (one per "
                                "node)."), err
    assert len(err.strip().splitlines()) == 1, err
    code, out, _ = run_main(capsys, "plan", "--model", "openai/gpt-oss-120b", "--gpu",
                            "dgx-spark-gb10", "--gpus", "2", "--nodes", "2", "--tp", "2",
                            "--json")
    data = json.loads(out)
    assert code == 0 and data["fits"] and "--nnodes 2" in data["vllm_commands"][0]
    assert "25 GB/s per direction" in " ".join(data["speed"]["notes"])  # 200 Gb/s / 8


def test_plan_text_says_its_kv_tokens_and_concurrency_are_per_replica(capsys) -> None:
    """With --dp 2 the KV pool and the concurrency are one replica's (the verdict says "per
    replica"): the headline lines said "KV cache tokens 190,880" and "concurrency 4.66" on 4x
    L40S at TP=2 x DP=2 as if for the whole cluster, which serves twice that. They say per
    replica, and the concurrency both replicas serve: 2 x tokens / 40,960."""
    args = ("plan", "--model", "Qwen/Qwen3-32B-FP8", "--gpu", "l40s", "--gpus", "4", "--dp", "2")
    data, lines = _json_and_headlines(capsys, *args)
    tokens = data["kv_cache_tokens"]
    assert data["layout"]["dp"] == 2 and data["max_model_len"] == 40960
    assert lines["KV cache tokens"] == f"{tokens:,} per replica"
    assert lines["concurrency"] == (f"{tokens / 40960:.2f} per replica at 40,960 tokens, "
                                    f"{2 * tokens / 40960:.2f} over 2 replicas")
    _, one, _ = run_main(capsys, *args[:-2])  # one replica: no such words
    assert "replica" not in one.split("\n\n")[1]


def test_plan_text_says_why_the_ceiling_passes_the_kv_tokens(capsys) -> None:
    """Gemma-3-12B (40 of its 48 layers slide over 1,024 tokens) in FP8 on an RTX 4090 at
    32,768 tokens: vLLM's own token count is max concurrency x max_model_len (0.33.0), while
    one request's need grows only in the 8 full layers, so the ceiling is the larger figure,
    which read as a contradiction. The line says why; Llama-3.1-8B (every layer full) does
    not need it."""
    args = ("plan", "--model", "google/gemma-3-12b-it", "--gpu", "rtx-4090", "--target-quant",
            "fp8", "--max-model-len", "32768")
    data, lines = _json_and_headlines(capsys, *args)
    assert data["max_context_tokens"] > data["kv_cache_tokens"]
    assert lines["context ceiling"] == (
        f"{data['max_context_tokens']:,} tokens (more than the KV cache tokens, vLLM's own "
        "count: layers with a sliding window or a fixed state do not grow with the context); "
        "served at max_model_len 32,768, a request stops there")
    _, dense, _ = run_main(capsys, "plan", "--model", "meta-llama/Llama-3.1-8B-Instruct",
                           "--gpu", "h100-sxm", "--max-model-len", "8192")
    assert "vLLM's own count" not in dense


def test_plan_text_says_the_block_rounding_when_that_is_why(capsys) -> None:
    """Qwen3-8B (every layer full attention) on an RTX 3090 at --max-model-len 1500: vLLM
    0.34.0 (64-token blocks) counts int(blocks / 24 blocks per request x 1,500) tokens, each
    request holding ceil(1,500 / 64) = 24 blocks = 1,536 tokens, so the ceiling
    (blocks - 1) x 64 passes the count; the line said sliding-window or fixed-state layers
    were why, which this model has none of."""
    args = ("plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--max-model-len", "1500")
    data, lines = _json_and_headlines(capsys, *args)
    blocks = data["num_gpu_blocks"]
    assert data["block_size"] == 64
    assert data["kv_cache_tokens"] == int(blocks / 24 * 1500)
    assert data["kv_limited_context_tokens"] == (blocks - 1) * 64 > data["kv_cache_tokens"]
    assert lines["context ceiling"] == (
        f"{(blocks - 1) * 64:,} tokens (more than the KV cache tokens, vLLM's own count, which "
        "counts each 1,500-token request as 1,500 tokens though it holds 1,536: whole 64-token "
        "blocks); served at max_model_len 1,500, a request stops there")


@pytest.mark.parametrize(("hardware", "flags", "layout"), [
    # --pp 2 alone on 2 GPUs: TP = 2 GPUs / (PP 2 x DP 1) = 1 (it took TP = 2 GPUs per node
    # and exited 2: "TP=2 x PP=2 needs 4 GPUs")
    (("--gpus", "2"), ("--pp", "2"), {"tp": 1, "pp": 2, "dp": 1, "ep": False}),
    # 8 GPUs, --pp 2 --dp 2: TP = 8 / (2 x 2) = 2
    (("--gpus", "8"), ("--pp", "2", "--dp", "2"), {"tp": 2, "pp": 2, "dp": 2, "ep": False}),
    # 2 nodes x 8, --pp 4: TP = 16 / 4 = 4; --pp 1 keeps TP = 8 per node (not 16 over nodes)
    (("--gpus", "16", "--nodes", "2"), ("--pp", "4"), {"tp": 4, "pp": 4, "dp": 1, "ep": False}),
    (("--gpus", "16", "--nodes", "2"), ("--pp", "1"), {"tp": 8, "pp": 1, "dp": 1, "ep": False}),
])
def test_pp_alone_takes_the_gpus_left_for_tp(capsys, model_dir: Path, hardware, flags,
                                             layout) -> None:
    code, out, err = run_main(capsys, "plan", "--model", str(model_dir), "--gpu", "h100-sxm",
                              *hardware, *flags, "--max-model-len", "4096", "--json")
    assert code == 0, err
    assert json.loads(out)["layout"] == layout


@pytest.mark.parametrize(("hardware", "flags", "layout"), [
    # 2 nodes x 8, --dp 2: a replica per node, TP = 16 / 2 = 8 (it took TP = 8 per node / 2 =
    # 4 and planned both replicas on node 0, the other 8 GPUs idle)
    ((16, 2), ("--dp", "2"), {"tp": 8, "pp": 1, "dp": 2, "ep": False}),
    # --dp 4: TP = 16 / 4 = 4, two replicas per node (it took TP = 8 / 4 = 2, on node 0)
    ((16, 2), ("--dp", "4"), {"tp": 4, "pp": 1, "dp": 4, "ep": False}),
    # --dp 3: 16 / 3 = 5 GPUs a replica would not fill whole nodes (vLLM places whole
    # replicas per node): the replicas stay on one node, TP = 8 / 3 = 2
    ((16, 2), ("--dp", "3"), {"tp": 2, "pp": 1, "dp": 3, "ep": False}),
    # --pp 2 --dp 2: TP = 16 / (2 x 2) = 4, as before
    ((16, 2), ("--pp", "2", "--dp", "2"), {"tp": 4, "pp": 2, "dp": 2, "ep": False}),
    # 3 nodes x 8, --dp 4: 24 / 4 = 6 GPUs a replica would fill the 3 nodes but straddle
    # them (6 + 2, 4 + 4, 2 + 6): TP = 8 / 4 = 2, on one node
    ((24, 3), ("--dp", "4"), {"tp": 2, "pp": 1, "dp": 4, "ep": False}),
])
def test_dp_alone_over_nodes_takes_the_gpus_of_whole_nodes(capsys, model_dir: Path, hardware,
                                                           flags, layout) -> None:
    gpus, nodes = hardware
    code, out, err = run_main(capsys, "plan", "--model", str(model_dir), "--gpu", "h100-sxm",
                              "--gpus", str(gpus), "--nodes", str(nodes), *flags,
                              "--max-model-len", "4096", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["layout"] == layout
    assert data["gpus_used"] == layout["tp"] * layout["pp"] * layout["dp"]


def test_an_invalid_layout_names_the_ones_vllm_takes(capsys, monkeypatch) -> None:
    """3 RTX 3090s: --tp 3 splits neither Qwen3-32B's 64 query heads nor its 8 KV heads
    (config.json); on all 3 GPUs only TP=1 remains, as 3 replicas or 3 pipeline stages
    (64 layers). It exited with vLLM's refusal alone. (TP=3 was the default here until the
    default became the hardware's layout, auto_layout: tests/cli/test_default_layout_cli.py.)"""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the catalog's config (a note on stderr)
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-32B", "--gpu", "rtx-3090",
                              "--gpus", "3", "--tp", "3")
    error = err.strip().splitlines()[-1]
    assert code == 2 and out == "" and "Traceback" not in err, err
    assert error.startswith("python -m planner plan: error: invalid layout TP=3: "), err
    assert error.endswith(
        "Layouts vLLM takes on all 3 GPUs (--tp, --pp, --dp): TP=1 x DP=3, TP=1 x PP=3."), err


def test_the_layouts_hint_on_one_gpu_reads_in_the_singular(capsys, monkeypatch) -> None:
    # --ep on a dense model (Qwen3-8B has no routed experts) on one RTX 3090: the only layout
    # is TP=1; the hint read "on all 1 GPUs"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    code, _, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090",
                            "--ep")
    assert code == 2
    assert err.strip().endswith("Layouts vLLM takes on the one GPU (--tp, --pp, --dp): TP=1."), err

def test_a_what_ifs_note_names_the_known_checkpoints_not_a_list_nobody_shows(capsys) -> None:
    """The note ended "or pick a listed checkpoint." where no list is printed (and for
    Qwen3-8B none exists). The catalog holds one quantized checkpoint of Qwen3-30B-A3B, its
    FP8 (planner/catalog_data/Qwen__Qwen3-30B-A3B-FP8.json), and none of Qwen3-8B. On two
    RTX 4090s (2 x 0.92 x 23.64 GiB = 43.5 GiB of budget) the FP8's 29.03 GiB of weights can
    fit, so it is named (on one it is said not to fit: test_other_format_fit)."""
    base = ["plan", "--gpu", "rtx-4090", "--gpus", "2", "--target-quant", "awq",
            "--max-model-len", "8192", "--json"]
    _, out, _ = run_main(capsys, *base, "--model", "Qwen/Qwen3-30B-A3B")
    assert json.loads(out)["launch_note"].endswith(
        "give its name (--target-checkpoint), or plan a known checkpoint of it in another "
        "format: Qwen/Qwen3-30B-A3B-FP8.")
    _, out, _ = run_main(capsys, *base, "--model", "Qwen/Qwen3-8B")
    assert json.loads(out)["launch_note"].endswith("give its name (--target-checkpoint).")

def test_launch_command_loads_what_was_planned(capsys) -> None:
    """Issue 12: a what-if prints no 16-bit command; runtime fp8 carries --quantization fp8;
    a known checkpoint or one the user names is what the command loads."""
    base = ["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "l4", "--max-model-len", "8192"]
    _, out, _ = run_main(capsys, *base, "--target-quant", "gptq", "--json")
    data = json.loads(out)
    assert data["vllm_command"] is None
    assert data["launch_note"].startswith("No GPTQ int4, group 128 (W4A16) checkpoint")
    _, out, _ = run_main(capsys, *base, "--target-quant", "fp8", "--json")
    assert json.loads(out)["vllm_command"].startswith(
        "vllm serve Qwen/Qwen3-8B --quantization fp8 --max-model-len 8192")
    _, out, _ = run_main(capsys, *base, "--target-quant", "gptq", "--target-checkpoint",
                         "me/Qwen3-8B-GPTQ")
    assert "\nvllm serve me/Qwen3-8B-GPTQ --max-model-len 8192" in out
    _, out, _ = run_main(capsys, "plan", "--model", "Qwen/Qwen3-235B-A22B", "--gpu", "h100",
                         "--gpus", "8", "--target-quant", "nvfp4", "--json")
    assert json.loads(out)["vllm_command"].startswith(
        "vllm serve nvidia/Qwen3-235B-A22B-NVFP4 --tensor-parallel-size 8")


def test_a_target_checkpoint_holding_another_format_is_refused(capsys, tmp_path: Path) -> None:
    """(review h436 #4) --target-quant w4a16 --target-checkpoint Qwen/Qwen3-235B-A22B-FP8 on 8
    RTX 3090s said "Fits" (W4A16: 14.56 GiB per GPU) and printed `vllm serve
    Qwen/Qwen3-235B-A22B-FP8`, whose FP8 weights are 29,703,105,024 B = 27.66 GiB per GPU at
    TP=8 + EP (worked by hand in tests/planner/serving/test_launch_target_checkpoint.py)
    against a 21.68 GiB budget: vLLM stops at load. A checkpoint whose own config Headroom
    reads (a catalog entry, a local folder's config.json) in another format exits 2 in one
    line naming both formats; one in the format planned is loaded."""
    base = ["plan", "--model", "Qwen/Qwen3-235B-A22B", "--gpu", "rtx-3090", "--gpus", "8",
            "--tp", "8", "--ep", "--target-quant", "w4a16"]
    code, out, err = run_main(capsys, *base, "--json")
    assert code == 0 and json.loads(out)["weights_bytes_per_gpu"] < 21.68 * 2**30
    folder = tmp_path / "qwen3-fp8"  # the FP8 checkpoint's config.json, with weights
    folder.mkdir()
    entry = next(e for e in catalog_entries() if e.repo_id == "Qwen/Qwen3-235B-A22B-FP8")
    (folder / "config.json").write_text(json.dumps(entry.config))
    (folder / "model.safetensors").write_bytes(NO_TENSORS)
    for given in ("Qwen/Qwen3-235B-A22B-FP8", str(folder)):
        code, out, err = run_main(capsys, *base, "--target-checkpoint", given)
        assert code == 2 and out == ""
        assert err == (
            f"python -m planner plan: error: --target-checkpoint {given} holds fp8-block128 "
            "weights (FP8 E4M3, 128x128 block scales), not the w4a16-gptq-g128 planned: a "
            f"command loading it would not run this plan; plan {given} itself (--model), or give "
            "a GPTQ int4, group 128 (W4A16) checkpoint (--target-checkpoint).\n")
    # its own format planned: the folder is what the command loads
    code, out, err = run_main(capsys, *base[:-1], "fp8-block128", "--target-checkpoint",
                              str(folder), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["weights_bytes_per_gpu"] == 29_703_105_024 and not data["fits"]
    code, out, err = run_main(capsys, *base, "--target-checkpoint",
                              "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "--json")
    assert code == 0, err
    assert json.loads(out)["vllm_command"].startswith(
        "vllm serve Qwen/Qwen3-235B-A22B-GPTQ-Int4 --tensor-parallel-size 8 ")


def test_a_folder_checkpoint_is_said_checked_only_where_its_config_was_read(
        capsys, tmp_path: Path) -> None:
    """(review h440 #2) a folder holding Qwen3-32B-FP8's config.json (quant_method fp8, blocks
    of 128 x 128) given for fp8-block128 was read and found in that format, then said "not in
    Headroom's catalog: its format is taken as given"; a config Headroom cannot parse is the
    one taken as given."""
    entry = next(e for e in catalog_entries() if e.repo_id == "Qwen/Qwen3-32B-FP8")
    notes = {}
    for name, config in (("fp8", json.dumps(entry.config)), ("bad", '{"model_type": 5')):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "config.json").write_text(config)
        (folder / "model.safetensors").write_bytes(NO_TENSORS)
        code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-32B", "--gpu",
                                  "h100-sxm", "--target-quant", "fp8-block128",
                                  "--target-checkpoint", str(folder), "--json")
        assert code == 0, err
        notes[name] = json.loads(out)["launch_note"]
    assert notes["fp8"] == (
        f"Loads {tmp_path / 'fp8'}, given as the FP8 E4M3, 128x128 block scales checkpoint of "
        "Qwen/Qwen3-32B (its config.json holds that format).")
    assert notes["bad"].endswith("(its format is taken as given: Headroom's catalog does not "
                                 "hold it, and no config.json of it was parsed).")


def test_the_model_itself_given_as_target_checkpoint_is_told_to_leave_it_out(
        capsys, tmp_path: Path, monkeypatch) -> None:
    """(review h440 #8) --target-checkpoint naming the --model was told to "plan Qwen/Qwen3-32B
    itself (--model)", which it already is: it is the model's own BF16 checkpoint, so the way
    to fp8 is to leave the flag out (vLLM makes fp8 at load), or a checkpoint stored in it. A
    local folder is the same folder however it is written (relative, absolute)."""
    base = ["plan", "--gpu", "h100-sxm", "--target-quant", "fp8"]
    code, out, err = run_main(capsys, *base, "--model", "Qwen/Qwen3-32B", "--target-checkpoint",
                              "Qwen/Qwen3-32B")
    assert code == 2 and out == ""
    assert err == (
        "python -m planner plan: error: --target-checkpoint Qwen/Qwen3-32B is the model planned "
        "itself, whose checkpoint holds bf16 weights (BF16), not the fp8-tensor planned: leave "
        "out --target-checkpoint to have vLLM make FP8 E4M3, per-tensor scale weights of it at "
        "load where it can (the launch note then says how), or give an FP8 E4M3, per-tensor "
        "scale checkpoint (--target-checkpoint).\n")
    code, out, err = run_main(capsys, *base, "--model", "Qwen/Qwen3-32B")  # the advice runs
    assert code == 0 and "--quantization fp8" in out, err
    folder = tmp_path / "qwen3-32b"
    folder.mkdir()
    entry = next(e for e in catalog_entries() if e.repo_id == "Qwen/Qwen3-32B")
    (folder / "config.json").write_text(json.dumps(entry.config))
    (folder / "model.safetensors").write_bytes(NO_TENSORS)
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(capsys, *base, "--model", "qwen3-32b", "--target-checkpoint",
                              str(folder))
    assert code == 2 and f"--target-checkpoint {folder} is the model planned itself" in err, err


def test_a_layout_over_two_nodes_prints_a_command_per_node(capsys) -> None:
    # 2 nodes x 8 H100, TP=8 x DP=2: 16 ranks, one replica a node. The plan text and the
    # report show each node's command under '# node R' (vLLM 0.12+ --nnodes, node 1
    # --headless); sweep rows show node 0's with the note saying what the others run
    hardware = ("--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--gpus", "16", "--nodes", "2",
                "--max-model-len", "8192")
    _, out, _ = run_main(capsys, "plan", *hardware, "--tp", "8", "--dp", "2")
    lines = out.splitlines()
    at = lines.index("# node 0")
    assert lines[at + 2] == "# node 1"
    assert lines[at + 1].endswith("--nnodes 2 --master-addr $HEAD_NODE_IP --node-rank 0")
    assert lines[at + 3] == lines[at + 1].replace("--node-rank 0", "--node-rank 1 --headless")
    assert lines[at + 4].startswith("Over 2 nodes: set HEAD_NODE_IP")
    _, out, _ = run_main(capsys, "report", *hardware, "--tp", "8", "--dp", "2",
                         "--date", "2026-01-01")
    # the report: each node's command one option a line (vLLM's docs' form)
    assert "```bash\n# node 0\nvllm serve Qwen/Qwen3-8B \\\n  --tensor-parallel-size 8 \\\n" in out
    assert "  --node-rank 0\n# node 1\n" in out and "  --node-rank 1 \\\n  --headless\n```" in out
    _, out, _ = run_main(capsys, "sweep", *hardware, "--all")
    launches = out.split("\nLaunch:\n")[1].splitlines()
    over = [i for i, line in enumerate(launches) if "--node-rank 0" in line]
    assert over, "a sweep of 16 GPUs on 2 nodes lists layouts over both nodes"
    for i in over:
        assert launches[i + 1].startswith("    Over 2 nodes: set HEAD_NODE_IP")
        # the note's "node R's command" is not listed: the row says what it is
        assert launches[i + 1].endswith(
            " Node R's command is this one with --node-rank R --headless.")
    single = [line for line in launches if line.startswith("#") and "--tensor-parallel-size 8 "
              in line and "--data-parallel-size" not in line and "--pipeline" not in line]
    assert single and "--nnodes" not in single[0]  # TP=8 on node 0 alone: one plain command


@pytest.mark.parametrize(("model", "own"), [
    ("Qwen/Qwen3-235B-A22B-GPTQ-Int4", "w4a16-gptq-g128"),
    ("nvidia/Qwen3.6-35B-A3B-NVFP4", "nvfp4"),  # ModelOpt MIXED_PRECISION, FP8 KV cache
])
def test_target_quant_naming_the_checkpoints_own_format_plans_the_checkpoint(
        capsys, model: str, own: str) -> None:
    """--target-quant is accepted on a quantized checkpoint when it names the checkpoint's own
    format ("naming its own format is no what-if", check_target_quant), as the app and the
    sweep plan that format: the checkpoint as stored. The plan printed no launch command ("No
    GPTQ int4 ... checkpoint of Qwen/Qwen3-235B-A22B-GPTQ-Int4 is known: quantize it first"),
    dropped the ModelOpt checkpoint's FP8 KV cache and ran its W4A16_NVFP4 experts as W4A4."""
    base = ["plan", "--model", model, "--gpu", "h100-sxm", "--gpus", "8", "--json"]
    _, stored, _ = run_main(capsys, *base)
    _, named, _ = run_main(capsys, *base, "--target-quant", own)
    stored, named = json.loads(stored), json.loads(named)
    assert named["vllm_command"] == stored["vllm_command"] is not None
    assert named["engine"]["target_quant"] is None
    for key in ("weights_bytes_per_gpu", "kv_bytes_per_token_per_gpu", "num_gpu_blocks",
                "tpot_ms", "ttft_ms"):
        assert named[key] == stored[key], key


def test_target_quant_of_the_own_format_with_a_target_checkpoint_is_a_uniform_what_if(
        capsys) -> None:
    """--target-quant nvfp4 --target-checkpoint X on the ModelOpt MIXED_PRECISION
    nvidia/Qwen3.6-35B-A3B-NVFP4 plans X, whose per-module layout is unknown, uniformly in
    NVFP4, as the speed model and the KV dtype already did: weights, start-up refusals and KV
    agree. Weights by hand (config.json text_config): the attention's 1,284,188,800 params,
    less the 993,920 that stay 16-bit in both (norms, GDN conv1d, dt_bias, A_log:
    test_weights), at 4.5 bits instead of FP8: 1,283,194,880 x 9/16 = 721,797,120 -
    1,283,194,880 = -561,397,760 B; the lm_head (248,320 x 2048) in 16-bit instead of
    W4A16_NVFP4: 1,017,118,720 - 286,064,640 = +731,054,080 B; net +169,656,320 B. KV: 10
    full-attention layers x 2 KV heads x 512 x 2 B = 20,480 B per token (16-bit), as stored
    too: vLLM reads config.json's quantization_config, which names no KV scheme, not
    hf_quant_config.json's kv_cache_quant_algo FP8 (10,240 B when that was planned).
    vLLM 0.21.0 refuses the stored checkpoint's W4A16_NVFP4 modules and quantized lm_head,
    which X need not have."""
    base = ["plan", "--model", "nvidia/Qwen3.6-35B-A3B-NVFP4", "--gpu", "rtx-5090", "--gpus",
            "1", "--json"]
    what_if = ["--target-quant", "nvfp4", "--target-checkpoint", "X"]
    stored, planned = (json.loads(run_main(capsys, *base, *extra)[1]) for extra in ((), what_if))
    assert planned["weights_bytes_per_gpu"] - stored["weights_bytes_per_gpu"] == 169_656_320
    assert (planned["kv_bytes_per_token"], stored["kv_bytes_per_token"]) == (20_480, 20_480)
    assert planned["vllm_command"].startswith("vllm serve X ")
    old = ["--vllm-version", "0.21.0"]
    assert json.loads(run_main(capsys, *base, *old, *what_if)[1])["errors"] == []
    assert len(json.loads(run_main(capsys, *base, *old)[1])["errors"]) == 2


def test_kv_cache_dtype_is_spelled_as_vllm_takes_it(capsys) -> None:
    _, out, _ = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "l4",
                         "--max-model-len", "8192", "--kv-cache-dtype", "bf16",
                         "--kv-cache-memory", "2G", "--json")
    command = json.loads(out)["vllm_command"]
    assert "--kv-cache-dtype bfloat16 " in command
    assert f"--kv-cache-memory-bytes {2 << 30} " in command


REFUSALS = {
    # vllm/config/scheduler.py: batched tokens >= max_num_seqs
    "batch": (["--model", "Qwen/Qwen3-8B", "--gpu", "l4", "--max-model-len", "4096",
               "--max-num-batched-tokens", "128", "--max-num-seqs", "256"],
              {"model": "Qwen/Qwen3-8B", "gpu": "l4", "gpn": "1", "tp": "1", "len": "4096",
               "mbt": "128", "seqs": "256"},
              "max_num_batched_tokens (128) must be greater than or equal to max_num_seqs (256)."),
    # vllm/config/model.py: Qwen3-8B's max_position_embeddings is 40,960, times the 0.12+
    # scaling_factor 1.0 of its rope_parameters: printed 40960.0
    "length": (["--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--max-model-len", "50000"],
               {"model": "Qwen/Qwen3-8B", "gpu": "h100-sxm", "gpn": "1", "tp": "1",
                "len": "50000"},
               "User-specified max_model_len (50000) is greater than the derived max_model_len "
               "(max_position_embeddings=40960.0 or model_max_length=None in model's "
               "config.json)."),
    # vllm/config/vllm.py: fp8's get_min_capability() is 75 in 0.33; V100 is 7.0
    "capability": (["--model", "Qwen/Qwen3-32B-FP8", "--gpu", "v100-32gb", "--gpus", "2"],
                   {"model": "Qwen/Qwen3-32B-FP8", "gpu": "v100-32gb", "gpn": "2", "tp": "2"},
                   "The quantization method fp8 is not supported for the current GPU. "
                   "Minimum capability: 75. Current capability: 70."),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_cli_and_app_refuse_alike_in_vllms_words(capsys, case: str) -> None:
    from tests.app.conftest import open_page

    argv, query, expected = REFUSALS[case]
    code, out, _ = run_main(capsys, "plan", *argv, "--json")
    data = json.loads(out)
    assert code == 0 and not data["fits"] and data["vllm_command"] is None
    assert any(e.startswith(expected) for e in data["errors"]), data["errors"]
    at = open_page(None, **query)
    shown = [e.value.removeprefix("Does not fit: ") for e in at.error]
    assert all(e in shown for e in data["errors"]), (shown, data["errors"])


KV_REFUSALS = {
    # flashinfer.py supports_kv_cache_dtype (0.33): fa2 on 8.x runs plain nvfp4, no 4over6
    "nvfp4_4over6": "No valid attention backend found for cuda with kv_cache_dtype="
                    "nvfp4_4over6. Reasons: {FLASHINFER: [kv_cache_dtype not supported]} "
                    "(compute capability 8.6).",
    # gpt-oss has head_dim 64, which FlashInfer's fa2 prefill misreads in nvfp4
    "nvfp4": "No valid attention backend found for cuda with kv_cache_dtype=nvfp4. Reasons: "
             "{FLASHINFER: [fa2 prefill misreads an NVFP4 KV cache at head_size 64]} "
             "(compute capability 8.6).",
}


@pytest.mark.parametrize("kv", list(KV_REFUSALS))
def test_cli_and_app_refuse_a_kv_format_alike(capsys, kv: str) -> None:
    """The KV-format twin of the refusals above: the CLI plan's error is the app's warning
    (the app offers only the KV dtypes vLLM runs on the GPU and falls back to auto)."""
    from tests.app.conftest import open_page

    model = "openai/gpt-oss-20b" if kv == "nvfp4" else "meta-llama/Llama-3.1-8B-Instruct"
    code, out, _ = run_main(capsys, "plan", "--model", model, "--gpu", "rtx-3090",
                            "--max-model-len", "8192", "--kv-cache-dtype", kv, "--json")
    data = json.loads(out)
    assert code == 0 and not data["fits"] and data["vllm_command"] is None
    assert data["errors"] == [KV_REFUSALS[kv]]
    at = open_page(None, model=model, gpu="rtx-3090", gpn="1", tp="1", len="8192", kv=kv)
    warned = [w.value.replace("\\", "") for w in at.warning]
    assert f"KV cache dtype = {kv} is not possible here: {KV_REFUSALS[kv]} Showing " \
        "KV cache dtype = auto instead." in warned, warned
    assert kv not in at.selectbox(key="plan.kv_cache_dtype").options


@pytest.mark.parametrize(("gpu", "kv_bytes", "error"), [
    # DeepSeek-V3.2: 61 layers, latent 512 NoPE + 64 RoPE, indexer head 128 (config.json).
    # nvfp4_ds_mla row (flashmla_sparse.py): 512 / 2 + 512 / 16 x 1 + 64 x 1 = 352 B; the
    # indexer's fp8 key + one fp32 scale per 128: 128 + 4 = 132 B; 61 x (352 + 132) = 29,524
    ("b200", 29_524, None),
    ("h100", 29_524, "FLASHMLA_SPARSE only supports the nvfp4_ds_mla kv-cache dtype on SM100 "
                     "(Blackwell)"),
])
def test_nvfp4_ds_mla_is_sized_for_sparse_mla_on_blackwell(capsys, gpu, kv_bytes,
                                                           error) -> None:
    code, out, _ = run_main(capsys, "plan", "--model", "deepseek-ai/DeepSeek-V3.2", "--gpu",
                            gpu, "--gpus", "8", "--kv-cache-dtype", "nvfp4_ds_mla",
                            "--vllm-version", "0.33.0", "--max-model-len", "32768", "--json")
    data = json.loads(out)
    assert code == 0 and data["kv_bytes_per_token_per_gpu"] == kv_bytes  # MLA: not split
    if error is None:
        assert "--kv-cache-dtype nvfp4_ds_mla " in data["vllm_command"]
    else:
        assert error in data["errors"] and data["vllm_command"] is None


def test_a_kv_format_vllm_offers_but_headroom_does_not_size_is_refused_in_one_line(
        capsys) -> None:
    with pytest.raises(SystemExit) as caught:  # argparse's own one-line usage error
        main(["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "b200",
              "--kv-cache-dtype", "fp8_ds_mla"])
    err = capsys.readouterr().err
    assert caught.value.code == 2
    assert "error: argument --kv-cache-dtype" in err.strip().splitlines()[-1]  # one line
    assert ("'fp8_ds_mla' is not a KV cache dtype Headroom sizes (vLLM offers it: DeepSeek "
            "sparse-MLA layout only") in err and "pass fp8" in err
    assert "); use one of auto, bfloat16, float16, fp8," in err
    # one that no NVIDIA GPU runs: refused with vLLM's platform reason, on one line
    with pytest.raises(SystemExit) as caught:
        main(["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100",
              "--kv-cache-dtype", "octave_k3v4"])
    err = capsys.readouterr().err
    assert caught.value.code == 2 and "octave_k3v4" in err.strip().splitlines()[-1]
    assert "(vLLM offers it: ROCm only (0.33.0+): its one backend, ROCM_OCTAVE," in err
    # a packed format the targeted release does not have yet: vLLM 0.19 has no nvfp4
    code, _, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "b200",
                            "--kv-cache-dtype", "nvfp4", "--vllm-version", "0.19")
    assert code == 2 and "vLLM 0.19.0 has no --kv-cache-dtype nvfp4" in err


def test_a_plan_that_does_not_fit_names_the_nearest_change_that_fits(capsys) -> None:
    # Qwen3-8B on one L4 at its 40,960-token context: the KV pool holds 24,192 tokens (378
    # blocks of 64 on 0.34.0), one request 24,128 (less the null block)
    _, out, _ = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "l4", "--json")
    data = json.loads(out)
    assert data["vllm_command"] is None
    assert data["nearest_fit"] == f"--max-model-len {data['max_context_tokens']} fits"
    _, text, _ = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "l4")
    # an fp8 KV cache, twice the tokens on the same pool (L4: compute capability 8.9), holds
    # all the 40,960 asked
    assert 2 * data["kv_cache_tokens"] > 40_960
    assert data["longer_context_fit"] == "--kv-cache-dtype fp8 with --max-model-len 40960 fits"
    assert text.endswith(f"Nearest change: {data['nearest_fit']}. For a longer "
                         f"context: {data['longer_context_fit']}.\n")
    _, out, _ = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "l4",
                         "--max-model-len", str(data["max_context_tokens"]), "--json")
    assert json.loads(out)["fits"]  # the change named does fit


def test_the_nearest_layout_keeps_the_asked_data_parallel_replicas(capsys) -> None:
    # Qwen3-235B-A22B in bf16: routed experts 94 x 128 x 3 x 4096 x 1536 x 2 B = 454.2 GB,
    # which vLLM slices over TP x DP without EP (FusedMoEParallelConfig.make): TP=2 x DP=2
    # holds 113.5 GB of them per 80 GB H100; on 16 GPUs TP=8 x DP=2 slices them over 16
    # (28.4 GB each) and fits: the nearest layout keeps DP=2 (it offered TP=8 + EP, one
    # replica, before)
    argv = ("plan", "--model", "Qwen/Qwen3-235B-A22B", "--gpu", "h100-sxm", "--gpus", "16",
            "--tp", "2", "--dp", "2")
    _, out, _ = run_main(capsys, *argv, "--json")
    data = json.loads(out)
    assert not data["fits"] and data["nearest_fit"] == "TP=8 x DP=2 fits"
    _, text, _ = run_main(capsys, *argv)
    assert text.endswith("Nearest change: TP=8 x DP=2 fits.\n")
    _, out, _ = run_main(capsys, *argv[:-4], "--tp", "8", "--dp", "2", "--json")
    assert json.loads(out)["fits"]  # the change named does fit
    # Llama-3.1-70B: 70.6 B params x 2 B = 141 GB, more than the 4 x 24 GB L4s a DP=2
    # replica gets out of 8: no layout keeps DP=2, and the one that fits says so
    _, out, _ = run_main(capsys, "plan", "--model", "meta-llama/Llama-3.1-70B-Instruct",
                         "--gpu", "l4", "--gpus", "8", "--tp", "4", "--dp", "2",
                         "--max-model-len", "8192", "--json")
    assert json.loads(out)["nearest_fit"] == (
        "TP=8 fits (no layout of these 8 GPUs that keeps DP=2 fits)")


def test_a_layout_vllm_refuses_is_not_fixed_by_a_setting_change(capsys) -> None:
    # Qwen3-30B-A3B as W4A16 g128 at TP=16 without EP: 768 / 16 = 48-wide experts per GPU,
    # not a multiple of 128 (Marlin MoE), so MoE WNA16, whose group halving 128 -> 64 -> 32
    # -> 16 fails its `assert group_size >= 32`. --kv-cache-dtype fp8 keeps that layout, so
    # it is no fix (it was offered); TP=8 x PP=2 gives 768 / 8 = 96 = 3 x 32 per GPU
    argv = ("plan", "--model", "Qwen/Qwen3-30B-A3B", "--gpu", "h100-sxm", "--gpus", "16",
            "--nodes", "2", "--tp", "16", "--target-quant", "w4a16")
    _, out, _ = run_main(capsys, *argv, "--json")
    data = json.loads(out)
    assert not data["fits"] and "`assert group_size >= 32`" in data["verdict"]
    assert data["nearest_fit"] == "TP=8 x PP=2 fits"


def test_the_nearest_layout_changes_the_fewest_of_tp_and_pp(capsys) -> None:
    # the same 470 GB of bf16 weights asked at TP=4 on 8 H100s: TP=8 (one change, 8 x 80 GB)
    # is offered, not TP=1 x PP=7 (7 x 80 GB also hold it, but both TP and PP change)
    argv = ("plan", "--model", "Qwen/Qwen3-235B-A22B", "--gpu", "h100-sxm", "--gpus", "8")
    _, out, _ = run_main(capsys, *argv, "--tp", "4", "--json")
    assert json.loads(out)["nearest_fit"] == "TP=8 fits"
    # asked TP=1 x PP=2, changing PP alone is the nearest: the fewest GPUs that hold it
    _, out, _ = run_main(capsys, *argv, "--tp", "1", "--pp", "2", "--json")
    assert json.loads(out)["nearest_fit"] == "TP=1 x PP=7 fits"


def test_a_model_no_layout_holds_gets_the_nearest_weight_format_that_fits(capsys) -> None:
    """Qwen3-235B-A22B (235,093,634,560 params: tests/fixtures/param_counts.json) on 8x RTX
    3090 said only "Does not fit": no setting or layout of 8 GPUs holds its BF16 weights. By
    hand, each GPU holds at least 1/8 of them; the rtx-3090 preset's 25,308,094,792 B at
    --gpu-memory-utilization 0.92 budget 23,283,447,208 B (21.68 GiB) each:
    - BF16: 235,093,634,560 x 2 B = 470,187,269,120 B / 8 = 58,773,408,640 B (54.74 GiB): no;
    - FP8 made at load (the nearest format; tests/fixtures/reference_figures.json: the
      233,798,893,568 params of the quantized linears at 1 B, the other 1,294,740,992 at 2 B)
      236,388,375,552 B / 8 = 29,548,546,944 B (27.52 GiB): no; INT8 W8A8 (8.0078 bits) more;
    - GPTQ int4 g128 (4 bits + a 16-bit scale and a 4-bit zero per 128: 4.15625 bits):
      233,798,893,568 x 4.15625 / 8 = 121,465,831,424 B + 2,589,481,984 B = 124,055,313,408 B
      / 8 = 15,506,914,176 B (14.44 GiB), 7.2 GiB under the budget: the first that fits."""
    budget = int(0.92 * 25_308_094_792)
    assert budget == 23_283_447_208
    quantized, rest = 233_798_893_568, 235_093_634_560 - 233_798_893_568
    assert min(235_093_634_560 * 2, quantized + rest * 2) // 8 > budget  # BF16, FP8
    assert (quantized * 4.15625 / 8 + rest * 2) / 8 < budget - 7 * 2**30
    argv = ("plan", "--model", "Qwen/Qwen3-235B-A22B", "--gpu", "rtx-3090", "--gpus", "8")
    _, out, _ = run_main(capsys, *argv, "--json")
    data = json.loads(out)
    assert not data["fits"] and data["weights_bytes_per_gpu"] >= 58_773_408_640
    step = "--target-quant w4a16-gptq-g128 (a GPTQ int4, group 128 (W4A16) checkpoint) fits"
    assert data["nearest_fit"] == step  # was None
    _, text, _ = run_main(capsys, *argv)
    assert text.endswith(f"Nearest change: {step}.\n")
    _, out, _ = run_main(capsys, *argv, "--target-quant", "fp8", "--json")
    data = json.loads(out)
    assert not data["fits"] and data["weights_bytes_per_gpu"] >= 29_548_546_944
    _, out, _ = run_main(capsys, *argv, "--target-quant", "w4a16-gptq-g128", "--json")
    data = json.loads(out)
    assert data["fits"]  # the change named does fit
    # (the plan's 14.56 GiB: the hand figure's 14.44, with the norms and routers on every GPU)
    assert 15_506_914_176 <= data["weights_bytes_per_gpu"] < budget
    # asked at TP=4, GPTQ int4 is 124,055,313,408 B / 4 = 31,013,828,352 B a GPU, over the
    # budget too: the format is named with the layout it fits on, after every setting,
    # layout and format alone was tried
    assert budget < 124_055_313_408 // 4
    _, out, _ = run_main(capsys, *argv, "--tp", "4", "--json")
    assert json.loads(out)["nearest_fit"] == step.replace(" fits", " at TP=8 fits")


def test_the_nearest_weight_format_is_fp8_at_load_where_it_fits(capsys) -> None:
    # the same model on 4x H100 (80 GB): BF16 470,187,269,120 B / 4 = 117.5 GB per GPU, over
    # 80 GB at any layout of 4; FP8 made at load 236,388,375,552 B / 4 = 59.1 GB (55.0 GiB)
    # fits under 0.92 x 79.2 GiB = 72.9 GiB: the format nearest BF16, before INT8 and 4-bit
    argv = ("plan", "--model", "Qwen/Qwen3-235B-A22B", "--gpu", "h100", "--gpus", "4")
    _, out, _ = run_main(capsys, *argv, "--json")
    assert json.loads(out)["nearest_fit"] == (
        "--target-quant fp8-tensor (FP8 E4M3, per-tensor scale, which vLLM makes at load: "
        "--quantization fp8) fits")
    _, out, _ = run_main(capsys, *argv, "--target-quant", "fp8-tensor", "--json")
    data = json.loads(out)
    assert data["fits"] and " --quantization fp8 " in data["vllm_command"]


def test_a_weight_format_that_holds_a_shorter_context_says_that_length(capsys) -> None:
    # Llama-3.1-70B on 2x RTX 3090: 70.6 B params x 2 B = 141 GB, over the 2 x 25.3 GB at
    # any layout; as GPTQ int4 ~36.7 GB the weights fit (8-bit, 70.6 GB, does not), but
    # its 131,072 tokens of KV (80 layers x 8 KV heads x 128 x 2 x 2 B = 327,680 B per
    # token: 40 GiB) do not: the format is named with the context its own plan holds
    argv = ("plan", "--model", "meta-llama/Meta-Llama-3.1-70B", "--gpu", "rtx-3090",
            "--gpus", "2")
    _, out, _ = run_main(capsys, *argv, "--target-quant", "w4a16-gptq-g128", "--json")
    alone = json.loads(out)
    assert not alone["fits"] and 0 < alone["max_context_tokens"] < 131_072
    length = alone["max_context_tokens"]
    _, out, _ = run_main(capsys, *argv, "--json")
    assert json.loads(out)["nearest_fit"] == (
        "--target-quant w4a16-gptq-g128 (a GPTQ int4, group 128 (W4A16) checkpoint) with "
        f"--max-model-len {length} fits")
    _, out, _ = run_main(capsys, *argv, "--target-quant", "w4a16-gptq-g128",
                         "--max-model-len", str(length), "--json")
    assert json.loads(out)["fits"]


def _flags(change: dict) -> list[str]:
    """A nearest_fit_change as the plan command's flags: each key is the flag of that name
    (max_model_len -> --max-model-len, tp -> --tp), EP a switch given when true."""
    flags = []
    for key, value in change.items():
        flag = "--" + key.replace("_", "-")
        flags += ([flag] if value else []) if isinstance(value, bool) else [flag, str(value)]
    return flags


def test_plan_json_gives_the_nearest_change_as_settings_that_fit(capsys) -> None:
    # Qwen3-8B on one H100 with a 2 GiB KV pool (tests/planner/serving/test_fixes.py works
    # it out: 2 GiB // (64 x 147,456 B) = 227 blocks of 64, one vLLM's null block: 226 x 64 =
    # 14,464 tokens, under the model's 40,960): the change is that one setting
    argv = ("plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--vllm-version",
            "0.34.0", "--kv-cache-memory-bytes", str(2 * 2**30))
    _, out, _ = run_main(capsys, *argv, "--json")
    data = json.loads(out)
    assert data["nearest_fit"] == "--max-model-len 14464 fits"  # the words are kept
    assert data["nearest_fit_change"] == {"max_model_len": 14_464}
    _, out, _ = run_main(capsys, *argv, *_flags(data["nearest_fit_change"]), "--json")
    data = json.loads(out)
    assert data["fits"] and data["nearest_fit_change"] is None
    # Qwen3-235B-A22B on 8x RTX 3090 asked at TP=4: GPTQ int4 at TP=8 is the nearest
    # (test_a_model_no_layout_holds_gets_the_nearest_weight_format_that_fits works it out:
    # 124,055,313,408 B / 4 GPUs is over the 23,283,447,208 B budget, / 8 under it), so the
    # change is the format and the whole layout
    argv = ("plan", "--model", "Qwen/Qwen3-235B-A22B", "--gpu", "rtx-3090", "--gpus", "8",
            "--tp", "4")
    _, out, _ = run_main(capsys, *argv, "--json")
    change = json.loads(out)["nearest_fit_change"]
    assert change == {"target_quant": "w4a16-gptq-g128", "tp": 8, "pp": 1, "dp": 1,
                      "ep": False}
    _, out, _ = run_main(capsys, *argv[:-2], *_flags(change), "--json")
    assert json.loads(out)["fits"]


def test_a_batched_token_budget_too_big_for_the_gpu_gets_the_default_as_the_change(
        capsys) -> None:
    # Qwen3-30B-A3B on 8x H100 at TP=8 (vLLM 0.34.0) with --max-num-batched-tokens
    # 10000000: the profile's routed-expert inputs alone, 10^7 tokens x 8 experts per token
    # (num_experts_per_tok) x 2,048 (hidden_size) x 2 B = 327.7 GB a GPU, are over an 80 GB
    # GPU, so there is no memory for the KV cache ("No available memory for the cache
    # blocks") and no other setting undoes that; the default, 8,192 tokens on an 80 GB H100
    # (EngineArgs.get_batch_defaults: >= 70 GiB, not an A100, under 160 GiB), fits. Before,
    # nearest_fit was null
    argv = ("plan", "--model", "Qwen/Qwen3-30B-A3B", "--gpu", "h100-sxm", "--gpus", "8",
            "--vllm-version", "0.34.0")
    _, out, _ = run_main(capsys, *argv, "--max-num-batched-tokens", "10000000", "--json")
    data = json.loads(out)
    assert not data["fits"] and "No available memory for the cache blocks" in data["verdict"]
    assert data["nearest_fit"] == "--max-num-batched-tokens 8192 fits"
    assert data["nearest_fit_change"] == {"max_num_batched_tokens": 8192}
    _, out, _ = run_main(capsys, *argv, *_flags(data["nearest_fit_change"]), "--json")
    assert json.loads(out)["fits"]


@pytest.mark.parametrize(("argv", "message"), [
    # 1024 is the open bound: the message must not read as if 1024 were allowed
    (("plan", "--gpu-memory-gib", "1024"),
     "argument --gpu-memory-gib: 1024 is not a GPU memory size in GiB (0 < GiB < 1024)"),
    # 1e9 is > 0: the message names the upper bound it breaks
    (("recommend", "--requests-per-s", "1e9"),
     "argument --requests-per-s: 1e+09 is not a rate in requests per second "
     "(0 < R <= 1,000,000)"),
])
def test_out_of_range_floats_name_their_range(capsys, model_dir: Path, argv, message) -> None:
    with pytest.raises(SystemExit) as caught:
        main([argv[0], "--model", str(model_dir), *argv[1:]])
    err = capsys.readouterr().err
    assert caught.value.code == 2
    assert err.strip().splitlines()[-1] == f"python -m planner {argv[0]}: error: {message}."


def test_messages_name_the_command_the_user_ran(capsys, monkeypatch, model_dir: Path) -> None:
    """The installed script (pyproject: headroom = cli.planner_cli:main) reads sys.argv: its
    usage, errors and notes say `headroom`, not `python -m planner`."""
    bad_gpu = ["plan", "--model", str(model_dir), "--gpu", "rtx-9999"]
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/headroom", *bad_gpu])
    assert main() == 2
    assert capsys.readouterr().err.startswith("headroom plan: error: ")
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/headroom", "plan", "--gpus", "x"])
    with pytest.raises(SystemExit):  # argparse's own refusal
        main()
    assert capsys.readouterr().err.startswith("headroom plan: error: argument --gpus: ")
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/headroom"])
    assert main() == 2
    help_text = capsys.readouterr().err
    assert help_text.startswith("usage: headroom ") and "python -m planner" not in help_text
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/headroom", "recommend", "--model",
                                      "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--gpus-max", "1",
                                      "--context", "4096"])
    assert main() == 0
    assert "python -m planner" not in "".join(capsys.readouterr())  # the price footer too
    # python -m planner: sys.argv[0] is planner/__main__.py
    monkeypatch.setattr(sys, "argv", [str(ROOT / "planner" / "__main__.py"), *bad_gpu])
    assert main() == 2
    assert capsys.readouterr().err.startswith("python -m planner plan: error: ")


def test_a_launch_command_only_for_what_vllm_can_load(capsys, monkeypatch,
                                                       tmp_path: Path) -> None:
    """`vllm serve` takes a repo id or a folder holding config.json and weights (*.safetensors,
    *.bin or *.pt, vLLM's default_loader.py): a lone <owner>__<name>.json was served as
    `vllm serve owner__name`, a name vLLM cannot load."""
    loose = tmp_path / "openai__gpt-oss-120b.json"
    loose.write_text(json.dumps(TINY_CONFIG))
    hw = ["--gpu", "rtx-3090", "--gpus", "1", "--max-model-len", "4096"]
    _, out, _ = run_main(capsys, "plan", "--model", str(loose), *hw, "--json")
    data = json.loads(out)
    assert data["fits"] and data["vllm_command"] is None
    assert data["launch_note"].startswith(f"No launch command: {loose} is a lone config file")
    assert "--model openai/gpt-oss-120b, if that is where the file came from" in \
        data["launch_note"]
    def commands(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.startswith("vllm serve")]

    _, out, _ = run_main(capsys, "plan", "--model", str(loose), *hw)
    assert not commands(out) and f"No launch command: {loose}" in out
    _, out, _ = run_main(capsys, "sweep", "--model", str(loose), *hw, "--json")
    rows = json.loads(out)["rows"]
    assert rows and all(r["vllm_command"] is None for r in rows)
    _, out, _ = run_main(capsys, "report", "--model", str(loose), *hw, "--sweep")
    assert not commands(out) and "is a lone config file" in out
    _, out, _ = run_main(capsys, "recommend", "--model", str(loose), "--context", "4096",
                         "--gpu", "rtx-3090", "--gpus-max", "1", "--json")
    rows = json.loads(out)["rows"]
    assert rows and all(r["vllm_command"] is None and "lone config file" in r["launch_note"]
                        for r in rows)
    # a converted checkpoint named with --target-checkpoint is what the command loads
    _, out, _ = run_main(capsys, "plan", "--model", str(loose), *hw, "--target-quant", "fp8",
                         "--target-checkpoint", "me/tiny-FP8", "--json")
    assert json.loads(out)["vllm_command"].startswith("vllm serve me/tiny-FP8 ")

    # a folder: loadable once it holds weights, by its absolute path (given relative here)
    folder = tmp_path / "my models" / "tiny"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(TINY_CONFIG))
    monkeypatch.chdir(tmp_path)
    _, out, _ = run_main(capsys, "plan", "--model", "my models/tiny", *hw, "--json")
    data = json.loads(out)
    assert data["vllm_command"] is None
    assert data["launch_note"].startswith(f"No launch command: {folder} holds no weights")
    (folder / "model-00001-of-00002.safetensors").write_bytes(NO_TENSORS)
    for model in ("my models/tiny", "my models/tiny/config.json"):
        _, out, _ = run_main(capsys, "plan", "--model", model, *hw, "--json")
        assert json.loads(out)["vllm_command"].startswith(
            f"vllm serve '{folder}' --max-model-len 4096 ")  # quoted: the path has a space


@pytest.mark.parametrize("make", ["directory", "fifo", "dangling link"])
def test_a_weights_name_that_is_no_file_gets_no_command(capsys, model_dir: Path,
                                                         make: str) -> None:
    """vLLM's DefaultModelLoader._prepare_weights (0.13.0) globs *.safetensors and opens every
    match: a directory named model.safetensors was "Fits" with `vllm serve FOLDER`, a command
    that fails at load. The plan stays (what the config holds), the command goes, the note
    names the path and its kind; the checkpoint's headers count as not read."""
    odd = model_dir / "model.safetensors"
    kind = {"directory": "a directory", "fifo": "a FIFO (named pipe)",
            "dangling link": "unreadable (No such file or directory)"}[make]
    if make == "directory":
        odd.mkdir()
    elif make == "fifo":
        os.mkfifo(odd)
    else:
        odd.symlink_to(model_dir / "gone.safetensors")
    (model_dir / "pytorch_model.bin").write_bytes(b"")  # vLLM picks *.safetensors first
    _, out, _ = run_main(capsys, "plan", "--model", str(model_dir), "--gpu", "rtx-3090",
                         "--max-model-len", "4096", "--json")
    data = json.loads(out)
    assert data["fits"] and data["vllm_command"] is None
    assert data["launch_note"] == (
        f"No launch command: {odd} is {kind}, not a weights file, and `vllm serve` would "
        "open it as one (it loads every *.safetensors in the folder). Move it out of the "
        "folder, or plan the checkpoint's repo id (--model OWNER/NAME), for a command.")
    source = resolve_model(str(model_dir))
    assert source.checkpoint is not None and source.checkpoint.total_params == 0
    assert source.notes[-1] == (f"safetensors headers not read: model.safetensors is {kind}, "
                                "not a safetensors file")
    # a regular file by that name (a link to one included) loads
    odd.unlink() if make != "directory" else odd.rmdir()
    (model_dir / "weights").write_bytes(NO_TENSORS)
    odd.symlink_to(model_dir / "weights")
    _, out, _ = run_main(capsys, "plan", "--model", str(model_dir), "--gpu", "rtx-3090",
                         "--max-model-len", "4096", "--json")
    assert json.loads(out)["vllm_command"].startswith(f"vllm serve {model_dir} ")


def test_a_weights_file_given_as_the_model_is_named(capsys, tmp_path: Path) -> None:
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    code, out, err = run_main(capsys, "plan", "--model", str(weights), "--gpu", "rtx-3090")
    assert (code, out) == (2, "")
    # was: "... is not UTF-8 text, so not JSON."
    assert err == (f"python -m planner plan: error: {weights} is a weights file, not a config: "
                   "pass the model's folder (holding config.json) or its config.json.\n")


def test_a_local_target_checkpoint_is_a_folder_vllm_can_load(capsys, monkeypatch,
                                                              tmp_path: Path) -> None:
    """--target-checkpoint went into the command as typed: a weights file (`vllm serve
    ckpt/model.safetensors`), a folder without config.json or weights, or a relative path
    (it loads only from the directory it was planned in) were printed as launch commands."""
    monkeypatch.chdir(tmp_path)
    ckpt = tmp_path / "ckpt"
    ckpt.mkdir()
    hw = ["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--max-model-len", "4096",
          "--target-quant", "w4a16", "--json"]

    def refused(given: str) -> str:
        code, out, err = run_main(capsys, *hw, "--target-checkpoint", given)
        assert (code, out) == (2, "") and err.count("\n") == 1, err
        return err.removeprefix("python -m planner plan: error: ").rstrip("\n")

    assert refused("ckpt") == (f"--target-checkpoint {ckpt} holds no config.json, so `vllm "
                               "serve` cannot load it; give the checkpoint's folder or its "
                               "repo id.")
    # a checkpoint of the format planned (a 16-bit one is refused: review h436 #4, in
    # test_a_target_checkpoint_holding_another_format_is_refused)
    gptq = {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": False,
            "sym": True}
    (ckpt / "config.json").write_text(json.dumps({**TINY_CONFIG, "quantization_config": gptq}))
    assert refused("ckpt") == (
        f"--target-checkpoint: {ckpt} holds no weights (*.safetensors, *.bin or *.pt), so "
        "`vllm serve` would stop with \"Cannot find any model weights\"; give a folder it can "
        "load, or the checkpoint's repo id.")
    (ckpt / "model.safetensors").mkdir()
    assert refused("ckpt").startswith(f"--target-checkpoint: {ckpt / 'model.safetensors'} is "
                                      "a directory, not a weights file")
    (ckpt / "model.safetensors").rmdir()
    (ckpt / "model.safetensors").write_bytes(b"")
    assert refused("ckpt/model.safetensors") == (
        "--target-checkpoint ckpt/model.safetensors is a file: `vllm serve` loads a repo id "
        "or a folder holding config.json and the weights; give the folder.")
    # a loadable folder, given relative, is named by its absolute path; a repo id as given
    for given, served in (("ckpt", str(ckpt)), ("me/tiny-GPTQ", "me/tiny-GPTQ")):
        code, out, err = run_main(capsys, *hw, "--target-checkpoint", given)
        assert code == 0, err
        assert json.loads(out)["vllm_command"].startswith(f"vllm serve {served} "), out


def test_an_unreadable_tokenizer_config_is_said_on_stderr(model_dir, capsys):
    # a model folder whose tokenizer_config.json is an array: planned, and the user is told
    # that the --trust-remote-code check could not read the tokenizer (it was only in the
    # source's notes, which the CLI does not print)
    (model_dir / "tokenizer_config.json").write_text("[1, 2]")
    code, out, err = run_main(capsys, "plan", "--model", str(model_dir), "--gpu", "rtx-4090",
                              "--gpus", "1")
    assert code == 0 and out
    assert (f"{model_dir / 'tokenizer_config.json'} holds an array, not a JSON object: its "
            "tokenizer is not read, so whether vLLM needs --trust-remote-code for it is not "
            "known (vLLM cannot read that file either)") in err
    (model_dir / "tokenizer_config.json").write_text("{}")
    assert "tokenizer is not read" not in run_main(
        capsys, "plan", "--model", str(model_dir), "--gpu", "rtx-4090", "--gpus", "1")[2]


@pytest.mark.parametrize(("given", "release"), [("v0.19.1+cu128", "0.19.1"), ("0.19", "0.19.0"),
                                                ("0.10.1.1", "0.10.1"), ("0.33.0", "0.33.0")])
def test_plan_json_says_which_release_planned_it(capsys, given: str, release: str) -> None:
    # engine.vllm_version echoes the text given (a contract); vllm_release is the release it
    # names, as pip spells it: a local build label (+cu128) and a leading v dropped, a minor
    # release given alone is its .0, a post release (0.10.1.1) a fix of its release
    code, out, _ = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm",
                            "--max-model-len", "8192", "--vllm-version", given, "--json")
    data = json.loads(out)
    assert code == 0 and data["engine"]["vllm_version"] == given
    assert data["vllm_release"] == release


def test_a_one_token_context_is_one_token_not_tokens(capsys, monkeypatch) -> None:
    # --max-model-len 1 printed "concurrency ... at 1 tokens" (plan) and "Concurrency at 1
    # tokens" (report)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # no network in tests
    hw = ("--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--max-model-len", "1")
    code, out, _ = run_main(capsys, "plan", *hw)
    assert code == 0 and "at 1 token\n" in out and "1 tokens" not in out
    code, out, _ = run_main(capsys, "report", *hw, "--date", "2026-01-01")
    assert code == 0 and "- Concurrency at 1 token: " in out


def test_a_float32_gemma_on_a_t4_reports_4_byte_kv_elements(capsys, monkeypatch) -> None:
    # vLLM serves Gemma-2 in float32 on a GPU without bfloat16 (float16 refused for gemma2):
    # 26 layers x 4 KV heads x (256 + 256) x 4 B = 212,992 B per token; the report's formula
    # lines read "x 4 B" as its total does (they assumed bfloat16's 2 B)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # no network in tests
    code, out, _ = run_main(capsys, "report", "--model", "google/gemma-2-2b-it", "--gpu", "t4",
                            "--max-model-len", "4096", "--date", "2026-01-01")
    assert code == 0
    assert "13 layers x [max(1, 4 // 1) KV heads x (256 + 256) dims x 4 B = 8,192 B] = " \
        "106,496 B" in out
    assert "  total = 212,992 B per token" in out
    formula = out.split("KV cache bytes per token", 1)[1].split("\n```\n", 1)[0]
    assert "x 4 B" in formula and "x 2 B" not in formula


QWEN3_8B_CONFIG = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "configs" / "Qwen__Qwen3-8B.json").read_text())


def test_inspect_and_report_give_the_window_vllm_derives(capsys, tmp_path: Path) -> None:
    # seq_length 8,192 is the least of vLLM's length keys (max_position_embeddings 40,960):
    # vLLM derives max_model_len 8,192 in every release
    short = tmp_path / "short" / "config.json"
    short.parent.mkdir()
    short.write_text(json.dumps({**QWEN3_8B_CONFIG, "seq_length": 8192}))
    code, out, _ = run_main(capsys, "inspect", str(short.parent))
    assert code == 0
    assert ("Max context                    8,192 tokens (vLLM 0.34.0's derived max_model_len, "
            "not max_position_embeddings 40,960: seq_length 8,192 is the least of the length "
            "keys)\n") in out
    code, out, _ = run_main(capsys, "inspect", str(short.parent), "--json")
    card = json.loads(out)
    assert (card["max_context_tokens"], card["derived_max_model_len"], card["vllm_version"]) == (
        40_960, 8192, "0.34.0")
    # Qwen's yarn block, 4 x original 32,768 = 131,072: vLLM 0.19 scales to it, 0.30 on keeps
    # max_position_embeddings 40,960 (yarn types are not scaled)
    yarn = tmp_path / "yarn" / "config.json"
    yarn.parent.mkdir()
    yarn.write_text(json.dumps({**QWEN3_8B_CONFIG, "rope_scaling": {
        "rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}}))
    report = ["report", "--model", str(yarn.parent), "--gpu", "h100-sxm", "--gpus", "1",
              "--date", "2026-01-01"]
    code, out, _ = run_main(capsys, *report, "--vllm-version", "0.19.0")
    assert code == 0
    assert ("| Max context | 131,072 tokens (vLLM 0.19.0's derived max_model_len, not "
            "max_position_embeddings 40,960: yarn factor 4 x original_max_position_embeddings "
            "32,768 rope scaling) |") in out
    code, out, _ = run_main(capsys, *report, "--vllm-version", "0.30.0")
    assert "| Max context | 40,960 tokens (yarn x4: 131,072) |" in out
    # Kimi-K2's yarn (factor 32 x original 4,096 = 131,072) is its max_position_embeddings
    # 131,072 already: the length once, not "131,072 tokens (yarn x32: 131,072)"
    code, out, _ = run_main(capsys, "report", "--model", "moonshotai/Kimi-K2-Instruct", "--gpu",
                            "h100-sxm", "--gpus", "16", "--nodes", "2")
    assert code == 0 and "| Max context | 131,072 tokens |" in out


@pytest.mark.parametrize(("flag", "arrives"), [
    (("--skip-mm-profiling",), "0.10.1"), (("--kv-cache-memory-bytes", "8G"), "0.10.2"),
    (("--mm-encoder-tp-mode", "data"), "0.10.2"), (("--language-model-only",), "0.17.0"),
    (("--video-pruning-rate", "0.5"), "0.11.0"), (("--video-pruning-method", "evs"), "0.27.0")])
def test_a_flag_the_release_lacks_exits_2_in_vllms_words(capsys, flag, arrives) -> None:
    # the 0.9.2 and 0.10.0 wheels' engine/arg_utils.py have neither flag (the fixtures
    # vllm-0.9.2.json / vllm-0.10.0.json list neither); --skip-mm-profiling is in 0.10.1's,
    # --kv-cache-memory-bytes and --mm-encoder-tp-mode in 0.10.2's, --language-model-only in
    # 0.17.0's (config/multimodal.py MultiModalConfig.language_model_only). vLLM's argparse
    # exits 2 on any of them, as
    # --moe-backend before 0.17 does here: --skip-mm-profiling was planned as "Does not fit"
    # with exit 0
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm",
                              "--vllm-version", "0.9.2", *flag)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert err == (f"python -m planner plan: error: vLLM 0.9.2: unrecognized arguments: "
                   f"{flag[0]} (the flag arrives in vLLM {arrives}).\n")


@pytest.mark.parametrize(("limits", "why"), [
    # vLLM's own refusal: config/multimodal.py BaseDummyOptions count Field(ge=0), 0.17.0-0.34.0
    ('{"image": -1, "video": 0}', "image -1: vLLM refuses a count below 0"),
    ('{"image": {"count": -2}}', "image -2: vLLM refuses a count below 0"),
    # a string or null is no count of items, named as JSON (they read 'image 0', 'image None')
    ('{"image": "0"}', 'image "0": a limit is a whole number of items'),
    ('{"image": null}', "image null: a limit is a whole number of items"),
    ('{"image": 1.5}', "image 1.5: a limit is a whole number of items"),
    # a dummy size beside a count above 0 resizes the profile's items: not modelled
    ('{"image": {"count": 2, "width": 512}}', "image: a dummy size (width, height, num_frames, "
     "length) resizes vLLM's encoder profile items"),
    ("image=0", "'image=0' is not a JSON object of modality limits"),
    # the empty modality named as JSON (it read ': vLLM refuses ...')
    ('{"": -1}', '"" -1: vLLM refuses a count below 0')])
def test_limit_mm_per_prompt_not_read_exits_2_in_one_line(capsys, limits, why) -> None:
    # argparse's own exit, as for any flag whose value it refuses
    with pytest.raises(SystemExit) as done:
        main(["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--limit-mm-per-prompt",
              limits])
    out, err = capsys.readouterr()
    assert done.value.code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert f"argument --limit-mm-per-prompt: {why}" in err, err


def test_a_count_above_zero_is_planned_and_kept_in_the_command(capsys) -> None:
    # vLLM 0.16.0 on (mm_modes.LIMITS_READ_FROM): planned, the JSON kept as one shell word
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-VL-32B-Instruct", "--gpu",
                              "h100-sxm", "--max-model-len", "8192", "--json",
                              "--limit-mm-per-prompt", '{"image": 1, "video": 0}')
    assert code == 0, err
    found = json.loads(out)
    assert found["engine"]["mm_item_limits"] == [["image", 1]]
    assert found["engine"]["zero_mm_limits"] == ["video"]
    # the object in the order given (zeros went first before), the order in the engine block
    assert found["vllm_command"].endswith("""--limit-mm-per-prompt '{"image": 1, "video": 0}'""")
    assert found["engine"]["mm_limit_order"] == ["image", "video"]
    # before 0.16.0 its budget code is not read: refused in one line, exit 2
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-VL-32B-Instruct", "--gpu",
                              "h100-sxm", "--vllm-version", "0.15.1", "--limit-mm-per-prompt",
                              '{"image": 1}')
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert "image 1: Headroom plans a count above 0 from vLLM 0.16.0 only" in err


def test_gemma4_audio_tower_left_above_zero_exits_2_in_one_line(capsys, tmp_path) -> None:
    # gemma4_mm.py declares audio where audio_config is set: image and video at 0 drop only the
    # vision tower; vLLM builds and profiles the audio tower, which Headroom does not size
    config, _ = load_ref_config("google__gemma-4-26B-A4B")
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**config, "audio_config": {"model_type": "gemma4_audio"}}))
    plan = ["plan", "--model", str(path), "--gpu", "h100-sxm", "--vllm-version", "0.34.0",
            "--limit-mm-per-prompt"]
    for command in (plan, ["sweep", *plan[1:]]):
        code, out, err = run_main(capsys, *command, '{"image": 0, "video": 0}')
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
        assert ("error: --limit-mm-per-prompt image 0, video 0: Gemma4ForConditionalGeneration "
                "here has an audio_config") in err and 'add "audio": 0' in err, err
    code, _, err = run_main(capsys, *plan, '{"image": 0, "video": 0, "audio": 0}')
    assert code == 0, err


@pytest.mark.parametrize(("given", "why"), [
    ('{"max_soft_tokens": 300}', "max_soft_tokens 300: vLLM's Gemma 4 processor takes one of "
     "70, 140, 280, 560, 1120"),
    ('{"pan_and_scan_max_num_crops": 8}', '"pan_and_scan_max_num_crops": Headroom plans '
     "max_soft_tokens (Gemma 4), max_patches (Llama 4) and do_pan_and_scan (Gemma 3) only"),
    ('{"do_pan_and_scan": null}', "do_pan_and_scan null: true or false"),  # was None
    # was True
    ('{"max_soft_tokens": true}', "max_soft_tokens true: vLLM's Gemma 4 processor takes one of"),
    ("max_patches=4", "'max_patches=4' is not JSON")])
def test_mm_processor_kwargs_vllm_refuses_or_not_modelled_exit_2_in_one_line(capsys, given,
                                                                           why) -> None:
    for command in (("plan", "--gpu", "h100-sxm"), ("sweep", "--gpu", "h100-sxm")):
        with pytest.raises(SystemExit) as done:
            main([*command, "--model", "google/gemma-4-26B-A4B", "--mm-processor-kwargs",
                  given])
        out, err = capsys.readouterr()
        assert done.value.code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
        assert f"argument --mm-processor-kwargs: {why}" in err, err


def test_mm_processor_kwargs_in_the_plans_json(capsys) -> None:
    # Llama 4 Scout at max_patches 4 (tests/planner/serving/test_mm_processor: 11 dummy images
    # of 2,880 patches at 8,192 batched tokens, 3 of 9,792 by default)
    args = ("--model", "meta-llama/Llama-4-Scout-17B-16E-Instruct", "--gpu", "h200",
            "--gpus", "8", "--tp", "8", "--max-model-len", "8192")
    code, out, _ = run_main(capsys, "plan", *args, "--mm-processor-kwargs",
                            '{"max_patches": 4}', "--json")
    planned = json.loads(out)
    assert code == 0
    activation = next(t for t in planned["terms"] if t["key"] == "activation")
    assert activation["inputs"]["encoder_patches"] == "31680"
    assert "--mm-processor-kwargs '{\"max_patches\": 4}'" in planned["vllm_command"]
    assert any("max_patches 4: vLLM's largest image is 4 tiles tall" in w
               for w in planned["warnings"])


def test_a_model_without_its_owner_offline_gets_the_catalogs_namesake(capsys,
                                                                      monkeypatch) -> None:
    # offline the hub is not asked, so 'Qwen3-8B' (no owner) is neither cached nor a catalog
    # id; the catalog's Qwen/Qwen3-8B has that name: suggested, in the one line, exit 2
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    code, out, err = run_main(capsys, "plan", "--model", "Qwen3-8B", "--gpu", "h100-sxm")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert err.endswith("nor in the bundled catalog. Did you mean Qwen/Qwen3-8B?\n"), err
    # a name the catalog has under no owner gets no suggestion
    code, _, err = run_main(capsys, "plan", "--model", "Qwen3-Nonexistent", "--gpu", "h100-sxm")
    assert code == 2 and err.endswith("nor in the bundled catalog.\n"), err
    # a typo in a full id got none either: the near bundled ids now (planner.catalog_near)
    code, _, err = run_main(capsys, "plan", "--model", "meta-llama/Llama-3.1-8B-Instuct",
                            "--gpu", "l4")
    assert code == 2 and err.endswith(
        "nor in the bundled catalog. Did you mean meta-llama/Llama-3.1-8B-Instruct or "
        "meta-llama/Llama-3.1-70B-Instruct?\n"), err


def test_plan_and_report_name_every_gpu_model_of_a_mixed_cluster(capsys, tmp_path) -> None:
    """8x RTX 3090 (node 0) + 8x RTX 4090: the headline read "on 16x NVIDIA GeForce RTX 3090"
    (node 0's model for every GPU) and the report's Platform gave node 0's 23.57 GiB as every
    GPU's. Worked by hand: ranks fill the nodes in order, so TP=8 x PP=2 runs on all 8 of each
    and TP=4 x PP=3 on node 0's 8 and node 1's GPUs 0-3; CUDA totals 24,576 - 440 MiB reserved
    = 24,136 MiB = 23.57 GiB (3090), 24,564 - 440 = 24,124 MiB = 23.56 GiB (4090)."""
    other = tmp_path / "rig-4090.json"
    other.write_text(json.dumps(rtx4090_rig()))
    mixed = ["--model", "Qwen/Qwen3-8B", "--snapshot", str(SNAPSHOT), "--snapshot", str(other),
             "--max-model-len", "8192"]
    both = "8x NVIDIA GeForce RTX 3090 + 8x NVIDIA GeForce RTX 4090"
    code, out, _ = run_main(capsys, "plan", *mixed, "--tp", "8", "--pp", "2")
    assert code == 0
    assert out.splitlines()[0] == f"Qwen/Qwen3-8B on {both}, TP=8 x PP=2"
    code, out, _ = run_main(capsys, "plan", *mixed, "--tp", "4", "--pp", "3")
    assert code == 0 and out.splitlines()[0] == (
        "Qwen/Qwen3-8B on 8x NVIDIA GeForce RTX 3090 + 4x NVIDIA GeForce RTX 4090, TP=4 x PP=3")
    code, out, _ = run_main(capsys, "plan", *mixed, "--tp", "8", "--pp", "2", "--json")
    data = json.loads(out)
    assert code == 0 and data["gpus_label"] == both
    assert data["gpu_name"] == "NVIDIA GeForce RTX 3090"  # node 0's, as before
    code, out, _ = run_main(capsys, "report", *mixed, "--tp", "8", "--pp", "2")
    assert code == 0
    assert f"- Configuration: TP=8 x PP=2 on {both}, weights BF16," in out
    assert (f"\n{both}, CUDA total per GPU 23.57 GiB (node 0), 23.56 GiB (node 1) (snapshots: "
            "rig-3090x8, rig-4090; mixed GPU models") in out
    # one model: as before
    code, out, _ = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--snapshot",
                            str(SNAPSHOT), "--tp", "8", "--max-model-len", "8192", "--json")
    assert code == 0 and json.loads(out)["gpus_label"] == "8x NVIDIA GeForce RTX 3090"


@pytest.mark.parametrize("flag", ["--gpus", "--max-num-seqs", "--max-model-len", "--pcie-gen"])
def test_a_count_past_int_digit_limit_is_too_large_and_shown_short(capsys, model_dir: Path,
                                                                   flag: str) -> None:
    # 5,000 nines is a whole number past the 4,300 digits Python's int() reads (vLLM's parser
    # fails on it too): it was "not a count: a whole number ..." with all 5,000 digits echoed
    with pytest.raises(SystemExit) as caught:
        main(["plan", "--model", str(model_dir), "--gpu", "h100-sxm", flag, "9" * 5000])
    err = capsys.readouterr().err
    assert caught.value.code == 2 and err.count("\n") == 1, err
    echoed = "'" + "9" * 61 + "...'"  # the first 61 characters of 64, then "..."
    assert err.strip().endswith(f"argument {flag}: {echoed} is too large a count (5,000 "
                                "digits, past the 4,300 Python's int() reads)."), err
    assert len(err) < 300, err


@pytest.mark.parametrize(("args", "words"), [
    # every count flag said "{value:,} is outside LOW..HIGH" with all 5,333 characters of a
    # 4,000-digit value (within the 4,300 digits int() reads; found by fuzzing the flags)
    (("--tp", "9" * 4000), "argument --tp/--tensor-parallel-size/-tp: 9,999,999,"),
    (("--enable-lora", "--max-loras", "9" * 4000), "argument --max-loras: 9,999,999,"),
    # argparse's own "invalid choice: N (choose from ...)", and vLLM's words for EPLB's cap
    (("--enable-lora", "--max-lora-rank", "9" * 4000), "argument --max-lora-rank: invalid "
                                                        "choice: 99999999"),
    (("--num-redundant-experts", "9" * 4000), "argument --num-redundant-experts: vLLM takes "
                                              "at most 1,023"),
    # an argument no option takes, echoed by "unrecognized arguments"
    (("x" * 4000,), "unrecognized arguments: xxxxxxxx"),
])
def test_a_4000_digit_count_is_shown_short(capsys, model_dir: Path, args: tuple[str, ...],
                                           words: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["plan", "--model", str(model_dir), "--gpu", "h100-sxm", *args])
    err = capsys.readouterr().err
    assert caught.value.code == 2 and err.count("\n") == 1, err
    assert words in err and "..." in err, err
    assert len(err) < 300, err  # was 4,100-5,450 characters


def test_a_snapshot_capability_no_nvidia_gpu_has_is_bad_input(capsys, tmp_path: Path,
                                                              model_dir: Path) -> None:
    # GPU0 of the recorded 3090 rig read as compute capability 99.9: a corrupt snapshot, one
    # line and exit 2 (was planned as a GPU of capability 99.9 where no preset named it)
    raw = json.loads(SNAPSHOT.read_text())
    raw["gpus"][0]["compute_capability"] = "99.9"
    corrupt = tmp_path / "snapshot.json"
    corrupt.write_text(json.dumps(raw))
    code, _, err = run_main(capsys, "plan", "--model", str(model_dir), "--snapshot", str(corrupt))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"{corrupt}: gpus.0.compute_capability: compute capability 99.9 is none an NVIDIA " \
           "GPU has (NVIDIA's tables list 1.0, " in err, err


def test_a_limit_on_a_modality_the_model_lacks_is_kept_with_a_note(capsys) -> None:
    # gemma3_mm.py get_supported_mm_limits {"image": None}: vLLM 0.17.0-0.34.0 store "video"
    # and never read it (mm_modes.UNDECLARED_LIMIT_READ), so it starts; image 0 alone serves
    # Gemma 3 text-only
    base = ["plan", "--model", "google/gemma-3-27b-it", "--gpu", "h100-sxm", "--max-model-len",
            "8192", "--json", "--limit-mm-per-prompt"]
    code, out, err = run_main(capsys, *base, '{"image": 0, "video": 0}')
    assert code == 0, err
    both = json.loads(out)
    code, out, err = run_main(capsys, *base, '{"image": 0}')
    image = json.loads(out)
    assert both["kv_cache_bytes_per_gpu"] == image["kv_cache_bytes_per_gpu"]
    assert """--limit-mm-per-prompt '{"image": 0, "video": 0}'""" in both["vllm_command"]
    assert any(w.startswith("--limit-mm-per-prompt video 0: gemma3 takes no such input (its "
                            "class declares image: get_supported_mm_limits)")
               and "kept in the launch command as given" in w for w in both["warnings"])


def test_tower_lora_beside_text_only_serving_exits_2_in_one_line(capsys) -> None:
    # text-only serving builds no tower for --enable-tower-connector-lora to wrap, and vLLM
    # fails at start-up sizing its Punica wrapper (mm_modes.tower_lora): with every
    # limit at 0 in every release, under --language-model-only in 0.17.0-0.18.1
    lora = ["--model", "Qwen/Qwen3-VL-32B-Instruct", "--gpu", "h100-sxm", "--gpus", "2",
            "--max-model-len", "8192", "--enable-lora", "--enable-tower-connector-lora"]
    for command in ("plan", "sweep"):
        for text_only, flag in (
                (["--limit-mm-per-prompt", '{"image": 0, "video": 0}'],
                 "--limit-mm-per-prompt image 0, video 0"),
                (["--language-model-only", "--vllm-version", "0.18.1"],
                 "--language-model-only")):
            code, out, err = run_main(capsys, command, *lora, *text_only)
            assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
            assert (f"error: --enable-tower-connector-lora with {flag}: the model is served "
                    "text-only") in err and "drop one of them" in err, err


def test_tower_lora_under_language_model_only_plans_without_it_from_0_19(capsys) -> None:
    # 0.19.0-0.34.0 lora/model_manager.py _maybe_init_mm turn the flag off under
    # --language-model-only ("Disabling `enable_tower_connector_lora` because the multimodal
    # model is configured to initialize the language model only.") and start: planned with the
    # language model's slots alone, the flag kept in the command (the parser takes it)
    args = ["plan", "--model", "Qwen/Qwen3-VL-32B-Instruct", "--gpu", "h100-sxm", "--gpus",
            "2", "--max-model-len", "8192", "--enable-lora", "--language-model-only", "--json"]
    code, out, err = run_main(capsys, *args, "--enable-tower-connector-lora")
    assert code == 0, err
    off = json.loads(out)
    code, out, _ = run_main(capsys, *args)
    without = json.loads(out)
    assert off["lora_bytes_per_gpu"] == without["lora_bytes_per_gpu"]
    assert any("vLLM 0.34.0 turns it off (lora/model_manager.py _maybe_init_mm: \"Disabling "
               "`enable_tower_connector_lora` because the multimodal model is configured to "
               "initialize the language model only.\")" in w for w in off["warnings"])
    assert "--enable-tower-connector-lora" in off["vllm_command"]


def test_an_unsized_tower_under_language_model_only_is_not_refused(capsys) -> None:
    # the catalog granite-vision config has no image_grid_pinpoints, so its tower LoRA is
    # refused where vLLM wraps the tower (transformers' default [336, 672] is not whole
    # 384-pixel tiles); under --language-model-only vLLM 0.30.0 turns the flag off before
    # reading any pinpoint (_maybe_init_mm: "Disabling `enable_tower_connector_lora` ...") and
    # starts, so the plan is the one without the flag, as the planner plans it (was exit 2)
    args = ["plan", "--model", "ibm-granite/granite-vision-3.3-2b", "--gpu", "h100-sxm",
            "--max-model-len", "8192", "--vllm-version", "0.30.0", "--enable-lora", "--json"]
    code, _, err = run_main(capsys, *args, "--enable-tower-connector-lora")
    assert code == 2 and "[336, 672] is not whole 384-pixel tiles" in err, err
    code, out, err = run_main(capsys, *args, "--language-model-only",
                              "--enable-tower-connector-lora")
    assert code == 0, err
    off = json.loads(out)
    code, out, _ = run_main(capsys, *args, "--language-model-only")
    assert off["lora_bytes_per_gpu"] == json.loads(out)["lora_bytes_per_gpu"] > 0
    assert any("vLLM 0.30.0 turns it off" in w for w in off["warnings"])


@pytest.mark.parametrize(("flags", "named"), [
    (["--language-model-only"], False), (["--limit-mm-per-prompt", '{"audio": 0}'], False),
    (["--limit-mm-per-prompt", '{"image": 0}'], True)])
def test_gemma4_audio_warning_only_where_vllm_builds_the_audio_tower(capsys, flags, named
                                                                      ) -> None:
    # google/gemma-4-E2B-it's verbatim config (audio_config set): gemma4_mm.py (0.19.0 on)
    # builds no audio tower at audio's limit 0 (_mark_tower_model(vllm_config, "audio")); 0.18.1
    # has no gemma4_mm.py: refused (test_gemma4_before_its_class_is_refused)
    model = str(ROOT / "tests" / "fixtures" / "gemma4" / "google__gemma-4-E2B-it.json")
    base = ["plan", "--model", model, "--gpu", "h100-sxm", "--gpus", "1", "--max-model-len",
            "8192", *flags]
    code, out, err = run_main(capsys, *base, "--json")
    assert code == 0, err
    planned = json.loads(out)
    said = [w for w in (*planned["model_warnings"], *planned["warnings"], planned["verdict"])
            if "audio tower" in w]
    assert bool(said) is named, said
    assert planned["verdict"].startswith("Fits (unmodelled: audio tower (audio_config)") is named
    code, _, err = run_main(capsys, *base)
    assert code == 0 and ("audio_config: the audio tower's parameters" in err) is named, err
    # the report: its verdict, warnings and the model card's warnings
    code, out, err = run_main(capsys, "report", *base[1:], "--date", "2026-01-01")
    assert code == 0 and ("audio tower" in out + err) is named, err


def test_gemma4_before_its_class_is_refused(capsys) -> None:
    # the 0.18.1 wheel's models/registry.py has no Gemma4 entry (0.19.0's has)
    model = str(ROOT / "tests" / "fixtures" / "gemma4" / "google__gemma-4-E2B-it.json")
    code, _, err = run_main(capsys, "plan", "--model", model, "--gpu", "h100-sxm",
                            "--language-model-only", "--vllm-version", "0.18.1")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "vLLM 0.18.1 has no model class for Gemma4ForConditionalGeneration" in err
    assert err.strip().endswith("plan it with vLLM 0.19.0 or later."), err
