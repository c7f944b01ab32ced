"""What we tell people to run must run: every flag Headroom writes into `vllm serve`, through
the real CLI, for every covered vLLM release, parsed by that release's own command line
(planner/serving/vllm_cli/, extracted from its wheel).

tests/planner/serving/test_vllm_cli.py covers catalog models x weight formats x KV dtypes with
the default settings; this covers the settings: layouts (DP, EP, PP), the KV pool, chunked
prefill, batch limits, runtime quantization, dtype, KV dtypes, multimodal profiling, MTP,
--block-size, --revision. For each: where the release's parser takes the flag with Headroom's
value, the plan gets a command that holds it and parses; where it does not, the CLI refuses in
one line (exit 2) or the plan does not fit: never "Fits" with a command vLLM would refuse.
"""

import json
import shlex
import shutil
from pathlib import Path

import pytest

from cli.planner_cli import main
from planner.catalog import catalog_entry, catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import summary_figures
from planner.serving.vllm_cli import command_problems, supported_versions, vllm_cli
from planner.serving.vllm_versions import V1_ONLY_FROM, parse_version
from tests.cli.conftest import NO_TENSORS
from tests.conftest import REMOTE_CODE_CONFIG

VERSIONS = supported_versions()

MIMO_OWN_CONFIG = "MiMo-7B-Base with its own config class"
"""A FEATURES model the test writes as a folder (_mimo_folder), not a catalog repo id."""

FEATURES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str | None], ...]]] = {
    # name: (CLI arguments after the base ones, the flags (and values) the command must hold)
    "dp": (("--gpus", "2", "--tp", "1", "--dp", "2"), (("--data-parallel-size", "2"),)),
    "ep": (("--model", "Qwen/Qwen3-30B-A3B", "--gpus", "2", "--tp", "2", "--ep"),
           (("--tensor-parallel-size", "2"), ("--enable-expert-parallel", None))),
    "pp": (("--gpus", "2", "--tp", "1", "--pp", "2"), (("--pipeline-parallel-size", "2"),)),
    "kv pool": (("--kv-cache-memory-bytes", "8G"),
                (("--kv-cache-memory-bytes", str(8 << 30)),)),
    "no chunked prefill": (("--no-enable-chunked-prefill", "--max-num-batched-tokens", "8192"),
                           (("--no-enable-chunked-prefill", None),
                            ("--max-num-batched-tokens", "8192"))),
    "batch limits": (("--max-num-batched-tokens", "4096", "--max-num-seqs", "64"),
                     (("--max-num-batched-tokens", "4096"), ("--max-num-seqs", "64"))),
    "utilization": (("--gpu-memory-utilization", "0.85"), (("--gpu-memory-utilization",
                                                            "0.85"),)),
    "runtime fp8": (("--quantization", "fp8"), (("--quantization", "fp8"),)),
    "what-if fp8": (("--target-quant", "fp8"), (("--quantization", "fp8"),)),
    "bitsandbytes": (("--quantization", "bitsandbytes"), (("--quantization", "bitsandbytes"),)),
    "kv fp8": (("--kv-cache-dtype", "fp8"), (("--kv-cache-dtype", "fp8"),)),
    "kv bfloat16": (("--kv-cache-dtype", "bfloat16"), (("--kv-cache-dtype", "bfloat16"),)),
    "kv float16": (("--kv-cache-dtype", "float16"), (("--kv-cache-dtype", "float16"),)),
    "dtype": (("--dtype", "float16"), (("--dtype", "float16"),)),
    "skip mm profiling": (("--model", "Qwen/Qwen3-VL-32B-Instruct", "--gpus", "2", "--tp", "2",
                           "--skip-mm-profiling"), (("--skip-mm-profiling", None),)),
    "language model only": (("--model", "Qwen/Qwen3-VL-32B-Instruct",
                             "--language-model-only"), (("--language-model-only", None),)),
    "mm limits 0": (("--model", "Qwen/Qwen3-VL-32B-Instruct", "--limit-mm-per-prompt",
                     '{"image": 0, "video": 0}'),
                    (("--limit-mm-per-prompt", '{"image": 0, "video": 0}'),)),
    "encoder tp data": (("--model", "Qwen/Qwen3-VL-32B-Instruct", "--gpus", "2", "--tp", "2",
                         "--mm-encoder-tp-mode", "data"), (("--mm-encoder-tp-mode", "data"),)),
    # --video-pruning-rate from 0.11.0, --video-pruning-method from 0.27.0
    "video pruning": (("--model", "Qwen/Qwen3-VL-32B-Instruct", "--gpus", "2", "--tp", "2",
                       "--video-pruning-rate", "0.75"), (("--video-pruning-rate", "0.75"),)),
    "video pruning method": (("--model", "Qwen/Qwen3-VL-32B-Instruct", "--gpus", "2", "--tp",
                              "2", "--video-pruning-rate", "0.5", "--video-pruning-method",
                              "vidcom2"), (("--video-pruning-rate", "0.5"),
                                           ("--video-pruning-method", "vidcom2"))),
    "processor kwargs": (("--model", "google/gemma-3-27b-it", "--mm-processor-kwargs",
                          '{"do_pan_and_scan": true}'),
                         (("--mm-processor-kwargs", '{"do_pan_and_scan": true}'),)),
    # MiMo-7B-Base's catalog config (model_type 'mimo', which neither vLLM nor transformers
    # has a config class for) with the auto_map AutoConfig MiMo repositories ship
    # (configuration_mimo.MiMoConfig): vLLM reads it only with --trust-remote-code
    "mtp": (("--model", MIMO_OWN_CONFIG, "--num-speculative-tokens", "1",
             "--trust-remote-code"),
            (("--speculative-config", '{"method": "mtp", "num_speculative_tokens": 1}'),
             ("--trust-remote-code", None))),
    "custom gpu": (("--gpu-memory-gib", "79.1", "--gpu-name", "H100"), ()),
    # every fixture has --block-size; 0.9.1-0.11 refuse 256 (BlockSize), 0.12 on take it
    "block size": (("--block-size", "32"), (("--block-size", "32"),)),
    "block size 256": (("--block-size", "256"), (("--block-size", "256"),)),
}


def _mimo_folder(root: Path) -> Path:
    """XiaomiMiMo/MiMo-7B-Base's catalog config whose auto_map names its config class, and an
    (empty) weights file: a folder vLLM loads with --trust-remote-code."""
    config = dict(catalog_entry("XiaomiMiMo/MiMo-7B-Base").config)
    config["auto_map"] = {"AutoConfig": "configuration_mimo.MiMoConfig"}
    (root / "config.json").write_text(json.dumps(config))
    (root / "model.safetensors").write_bytes(NO_TENSORS)
    return root


def _value(tokens: list[str], flag: str) -> str | None:
    return tokens[tokens.index(flag) + 1] if flag in tokens[:-1] else None


@pytest.mark.parametrize("feature", sorted(FEATURES))
@pytest.mark.parametrize("version", VERSIONS)
def test_every_flag_headroom_writes_parses_with_the_release(
        version: str, feature: str, capsys: pytest.CaptureFixture,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # catalog models only: no network
    extra, wanted = FEATURES[feature]
    model = extra[extra.index("--model") + 1] if "--model" in extra else "Qwen/Qwen3-8B"
    model = str(_mimo_folder(tmp_path)) if model == MIMO_OWN_CONFIG else model
    extra = tuple(a for i, a in enumerate(extra) if "--model" not in extra[max(i - 1, 0):i + 1])
    gpu = () if "--gpu-memory-gib" in extra else ("--gpu", "h100-sxm")
    code = main(["plan", "--model", model, *gpu, "--max-model-len", "8192",
                 "--vllm-version", version, "--json", *extra])
    out, err = capsys.readouterr()
    cli = vllm_cli(version)
    takes = all(cli.accepts(flag, value) for flag, value in wanted)
    if code == 2:  # refused up front, in one line: a flag or value the release lacks, or a
        # start-up that vLLM < 0.11 runs on its V0 engine / V1 parts Headroom does not read
        assert out == "" and err.count("\n") == 1 and "Traceback" not in err, err
        assert not takes or parse_version(version) < V1_ONLY_FROM, err
        return
    assert code == 0, err
    plan = json.loads(out)
    command = plan["vllm_command"]
    if not takes:
        assert not plan["fits"] and command is None, (plan["verdict"], command)
        assert any("invalid choice" in e or "unrecognized arguments" in e
                   for e in plan["errors"]), plan["errors"]
        return
    assert plan["fits"], plan["verdict"]
    assert command is not None, plan["launch_note"]
    assert command_problems(command, cli) == [], command
    tokens = shlex.split(command)
    for flag, value in wanted:
        assert flag in tokens and (value is None or _value(tokens, flag) == value), command


@pytest.mark.parametrize("version", VERSIONS)
def test_the_revision_planned_is_pinned_and_parses(version: str) -> None:
    """--revision needs the hub (tests/cli/test_bad_inputs.py runs it against a fake one for
    the default release); the command is the same function's for every release."""
    spec = catalog_spec("Qwen/Qwen3-8B")
    sha = "0123456789abcdef0123456789abcdef01234567"
    figures = summary_figures(spec, preset_cluster("h100-sxm", 1), ParallelLayout(tp=1),
                              EngineSettings(vllm_version=version, max_model_len=8192,
                                             revision=sha), validated=True)
    command = figures["vllm_command"]
    assert command.startswith(f"vllm serve Qwen/Qwen3-8B --revision {sha} "), command
    assert command_problems(command, vllm_cli(version)) == [], command


def test_the_features_reach_a_command_on_the_current_release() -> None:
    """The matrix is not vacuous: on 0.33.0 every feature but bitsandbytes is taken; vLLM
    0.28.0 dropped it from --quantization's choices (QuantizationMethods in
    vllm/model_executor/layers/quantization/__init__.py; the 0.27.0 wheel still lists it), so
    both branches run: a command on 0.9.1-0.27, refused up front on 0.28-0.34 as vLLM's parser
    refuses it (exit 2; it was "Fits", the command withheld with a note, then a plan that did
    not fit)."""
    cli = vllm_cli("0.33.0")
    refused = {name for name, (_, wanted) in FEATURES.items()
               if not all(cli.accepts(f, v) for f, v in wanted)}
    assert refused == {"bitsandbytes"}
    assert vllm_cli("0.27.0").accepts("--quantization", "bitsandbytes")
    assert not vllm_cli("0.28.0").accepts("--quantization", "bitsandbytes")


@pytest.mark.parametrize("version", ["0.11.0", "0.33.0"])
def test_a_repositorys_own_code_is_launched_only_with_trust_remote_code(
        version: str, tmp_path: Path, capsys: pytest.CaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    shutil.copy(REMOTE_CODE_CONFIG, tmp_path / "config.json")
    (tmp_path / "model.safetensors").write_bytes(NO_TENSORS)  # a folder vLLM can load: a command
    base = ["--model", str(tmp_path), "--gpu", "h100-sxm", "--max-model-len", "4096",
            "--vllm-version", version]
    why = (f"No launch command: vLLM {version} has no native AcmeForCausalLM: it loads only "
           "with --trust-remote-code, which runs the repository's Python code; review it, "
           "then plan with --trust-remote-code.")
    assert main(["plan", *base]) == 0  # planned (with its unmodelled warning), no command
    out, err = capsys.readouterr()
    assert why in out and "vllm serve" not in out and "model_type 'acme'" in err
    assert main(["report", *base, "--date", "2026-01-01"]) == 0
    assert why in capsys.readouterr().out
    assert main(["plan", *base, "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["fits"] and plan["vllm_command"] is None and plan["launch_note"] == why
    assert main(["plan", *base, "--json", "--trust-remote-code"]) == 0
    plan = json.loads(capsys.readouterr().out)
    command = plan["vllm_command"]
    assert plan["engine"]["trust_remote_code"] and shlex.split(command)[:4] == [
        "vllm", "serve", str(tmp_path), "--trust-remote-code"], command
    assert command_problems(command, vllm_cli(version)) == [], command
    # vLLM 0.10.2 would try its Transformers backend, which Headroom does not model: one line
    assert main(["plan", *base[:-1], "0.10.2", "--trust-remote-code"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "no model class for AcmeForCausalLM" in err


def test_a_config_only_its_own_code_reads_is_launched_only_with_trust_remote_code(
        capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Llama-3_3-Nemotron-Super-49B-v1 (catalog): model_type "nemotron-nas", which neither
    vLLM 0.33.0's config registry nor transformers 5.16.1 (its wheel's lowest allowed) knows;
    auto_map AutoConfig configuration_decilm.DeciLMConfig. vLLM refuses its config without
    --trust-remote-code."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    base = ["--model", "nvidia/Llama-3_3-Nemotron-Super-49B-v1", "--gpu", "h100-sxm", "--gpus",
            "2", "--tp", "2", "--max-model-len", "8192", "--vllm-version", "0.33.0", "--json"]
    assert main(["plan", *base]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["vllm_command"] is None and plan["launch_note"].startswith(
        "No launch command: neither vLLM 0.33.0 nor transformers 5.16.1 (the oldest it allows) "
        "has a config class for model_type 'nemotron-nas'") and plan["launch_note"].endswith(
        "then plan with --trust-remote-code.")
    assert main(["plan", *base, "--trust-remote-code"]) == 0
    command = json.loads(capsys.readouterr().out)["vllm_command"]
    words = shlex.split(command)
    assert words[:3] == ["vllm", "serve", "nvidia/Llama-3_3-Nemotron-Super-49B-v1"], command
    assert "--trust-remote-code" in words, command
    assert command_problems(command, vllm_cli("0.33.0")) == [], command


def test_sweep_text_names_the_rows_sharing_a_note_once(
        tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixture on one H100: 5 weight formats (its BF16; FP8, GPTQ, AWQ, INT8 W8A8 what-ifs)
    x 2 KV dtypes x TP=1 = 10 rows, none launchable without --trust-remote-code: one note
    line for #1-#10 (the report's grouping), while the JSON keeps each row's note."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    shutil.copy(REMOTE_CODE_CONFIG, tmp_path / "config.json")
    (tmp_path / "model.safetensors").write_bytes(NO_TENSORS)
    base = ["sweep", "--model", str(tmp_path), "--gpu", "h100-sxm", "--max-model-len", "4096",
            "--vllm-version", "0.33.0", "--all"]
    why = ("No launch command: vLLM 0.33.0 has no native AcmeForCausalLM: it loads only with "
           "--trust-remote-code, which runs the repository's Python code; review it, then plan "
           "with --trust-remote-code.")
    assert main(base) == 0
    launch = capsys.readouterr().out.split("\nLaunch:\n")[1].splitlines()
    assert launch == [f"#1-#10  {why}"]
    assert main([*base, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["launch_note"] for r in rows] == [why] * 10
    # with the flag, BF16 and FP8 (made at load) get a command per row; GPTQ, AWQ and INT8
    # (no checkpoint known) one line per format naming both of its KV dtypes' rows
    assert main([*base, "--trust-remote-code", "--json"]) == 0
    ranks: dict[str, list[int]] = {}
    for rank, row in enumerate(json.loads(capsys.readouterr().out)["rows"], 1):
        ranks.setdefault(row["quant_key"], []).append(rank)
    assert main([*base, "--trust-remote-code"]) == 0
    launch = capsys.readouterr().out.split("\nLaunch:\n")[1].splitlines()
    firsts = [int(line.split()[0].rstrip(",")[1:]) for line in launch]
    assert firsts == sorted(firsts)  # in rank order
    assert len(launch) == 3 + 4  # 3 what-if formats, 2 x 2 commands
    for key, label in (("w4a16-gptq-g128", "GPTQ int4"), ("w4a16-awq-g128", "AWQ int4"),
                       ("w8a8-int8", "INT8 W8A8")):
        a, b = ranks[key]
        assert sum(line.startswith(f"#{a}, #{b}  No {label}") for line in launch) == 1, launch
    assert sorted(f for f, line in zip(firsts, launch, strict=True) if "vllm serve" in line) \
        == sorted(ranks["fp8-tensor"] + ranks["bf16"])
