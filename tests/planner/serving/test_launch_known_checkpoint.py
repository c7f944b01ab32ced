"""A what-if format served from a known checkpoint (planner.serving.launch.QUANTIZED_CHECKPOINTS)
must run the KV cache planned. A what-if is planned with a 16-bit KV cache under
--kv-cache-dtype auto, but from vLLM 0.14 `auto` takes a ModelOpt checkpoint's
kv_cache_quant_algo (vllm/utils/torch_utils.py resolve_kv_cache_dtype_string, 0.14.0 and
0.33.0 wheels: an explicit value is returned as given, `auto` reads the checkpoint's): the
command then names the 16-bit dtype planned."""

import shlex

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.sweep import sweep
from planner.serving.vllm_cli import command_problems, vllm_cli


def _kv_flag(command: str) -> str:
    words = shlex.split(command)
    return words[words.index("--kv-cache-dtype") + 1] if "--kv-cache-dtype" in words else "auto"


def _what_if(model: str, quant: str, version: str, kv: str = "auto", tp: int = 4):
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster("h100-sxm", tp),
                            layout=ParallelLayout(tp=tp),
                            engine=EngineSettings(vllm_version=version, target_quant=quant,
                                                  kv_cache_dtype=kv, max_model_len=8192)))


@pytest.mark.parametrize("version", ["0.14.0", "0.33.0"])
def test_a_known_checkpoints_fp8_kv_cache_is_overridden_to_the_16_bit_one_planned(
        version: str) -> None:
    # meta-llama/Llama-3.1-70B-Instruct (config.json): 80 layers, 8 KV heads, head_dim 128,
    # bfloat16: 2 x 80 x 8 x 128 x 2 B = 327,680 B per token; the FP8 what-if loads
    # nvidia/Llama-3.1-70B-Instruct-FP8, whose hf_quant_config.json says
    # kv_cache_quant_algo FP8: `auto` alone would run 163,840 B per token
    p = _what_if("meta-llama/Llama-3.1-70B-Instruct", "fp8-tensor", version)
    assert p.fits and p.kv_bytes_per_token == 327_680
    assert p.vllm_command.startswith("vllm serve nvidia/Llama-3.1-70B-Instruct-FP8 ")
    assert _kv_flag(p.vllm_command) == "bfloat16", p.vllm_command
    assert command_problems(p.vllm_command, vllm_cli(version)) == []
    # Qwen/Qwen3-235B-A22B: 94 layers, 4 KV heads, head_dim 128: 2 x 94 x 4 x 128 x 2 B =
    # 192,512 B; the NVFP4 what-if loads nvidia/Qwen3-235B-A22B-NVFP4 (kv_cache_quant_algo FP8)
    q = _what_if("Qwen/Qwen3-235B-A22B", "nvfp4", version, tp=8)
    assert q.kv_bytes_per_token == 192_512
    assert q.vllm_command.startswith("vllm serve nvidia/Qwen3-235B-A22B-NVFP4 ")
    assert _kv_flag(q.vllm_command) == "bfloat16", q.vllm_command


def test_the_fp8_kv_cache_planned_is_passed_as_planned() -> None:
    # --kv-cache-dtype fp8: 2 x 80 x 8 x 128 x 1 B = 163,840 B per token, the flag as given
    p = _what_if("meta-llama/Llama-3.1-70B-Instruct", "fp8-tensor", "0.33.0", kv="fp8")
    assert p.kv_bytes_per_token == 163_840 and _kv_flag(p.vllm_command) == "fp8"


def test_before_0_14_auto_is_the_model_dtype_and_needs_no_flag() -> None:
    # 0.13.0's wheel has no resolve_kv_cache_dtype_string: auto is the model's bfloat16
    p = _what_if("meta-llama/Llama-3.1-70B-Instruct", "fp8-tensor", "0.13.0")
    assert p.kv_bytes_per_token == 327_680 and "--kv-cache-dtype" not in p.vllm_command


def test_a_checkpoint_without_a_kv_format_needs_no_flag() -> None:
    # Qwen/Qwen3-235B-A22B-FP8's config.json quantization_config has no KV cache scheme
    p = _what_if("Qwen/Qwen3-235B-A22B", "fp8-block128", "0.33.0", tp=8)
    assert p.vllm_command.startswith("vllm serve Qwen/Qwen3-235B-A22B-FP8 ")
    assert "--kv-cache-dtype" not in p.vllm_command


def test_the_sweeps_what_if_rows_run_the_kv_cache_of_their_row() -> None:
    spec = catalog_spec("Qwen/Qwen3-235B-A22B")
    result = sweep(spec, preset_cluster("h100-sxm", 8),
                   EngineSettings(vllm_version="0.33.0", max_model_len=8192),
                   quant_keys=["nvfp4"], kv_dtypes=["auto", "fp8"],
                   layouts=[ParallelLayout(tp=8)])
    flags = {row.kv_cache_dtype: _kv_flag(row.vllm_command) for row in result.rows}
    assert flags == {"auto": "bfloat16", "fp8": "fp8"}, flags


def _what_if_dtype(version: str, dtype: str):
    return plan(PlanRequest(
        model=catalog_spec("meta-llama/Llama-3.1-70B-Instruct"),
        cluster=preset_cluster("h100-sxm", 4), layout=ParallelLayout(tp=4),
        engine=EngineSettings(vllm_version=version, target_quant="fp8-tensor", dtype=dtype,
                              max_model_len=8192)))


@pytest.mark.parametrize(("version", "dtype", "per_token"), [
    ("0.14.0", "float16", 327_680),  # CacheDType lists float16 from 0.18.0 only
    ("0.17.0", "float16", 327_680),
])
def test_a_16_bit_kv_the_parser_cannot_name_keeps_the_command_and_says_what_runs(
        version: str, dtype: str, per_token: int) -> None:
    # 2 x 80 layers x 8 KV heads x 128 x 2 B (float16) or 4 B (float32) per token planned;
    # `--kv-cache-dtype float16` on 0.14-0.17 (or float32 anywhere) is an invalid choice, so
    # naming it made the what-if "not fit" for a flag the user never gave: the command goes
    # without it, and the note says the checkpoint's fp8 KV cache runs
    p = _what_if_dtype(version, dtype)
    assert p.kv_bytes_per_token == per_token
    assert p.fits and p.vllm_command is not None, p.verdict
    assert "--kv-cache-dtype" not in p.vllm_command
    assert command_problems(p.vllm_command, vllm_cli(version)) == []
    assert f"cannot name the {dtype} KV cache planned" in p.launch_note


def test_float32_is_refused_by_the_fp8_loaders_in_vllms_words() -> None:
    # the what-if loads nvidia/Llama-3.1-70B-Instruct-FP8 (ModelOpt FP8) or quantizes at load
    # (--quantization fp8): ModelOptFp8Config and Fp8Config.get_supported_act_dtypes() are
    # [torch.bfloat16, torch.half] (0.19.0 and 0.30.0 wheels), and VllmConfig's
    # _get_quantization_config refuses any other dtype; it was planned as a fit with a command
    p = _what_if_dtype("0.33.0", "float32")
    assert not p.fits and p.vllm_command is None
    assert ("torch.float32 is not supported for quantization method fp8. Supported dtypes: "
            "[torch.bfloat16, torch.float16]") in p.errors


def test_float16_is_named_where_the_parser_lists_it() -> None:
    # 0.18.0's CacheDType adds float16
    p = _what_if_dtype("0.18.0", "float16")
    assert _kv_flag(p.vllm_command) == "float16" and "cannot name" not in p.launch_note
