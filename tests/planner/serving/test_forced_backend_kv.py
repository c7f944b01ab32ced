"""A KV cache dtype the model's forced attention backend does not list is refused in vLLM's
words (attention_backend.forced_backend_error), not planned as fitting.

Read in the wheels (0.20.0, 0.22.0, 0.23.0, 0.24.0, 0.31.0, 0.32.0, 0.34.0):
- model_executor/models/config.py Gemma4Config.verify_and_update_config sets
  attention_config.backend = TRITON_ATTN for heads of two sizes (Gemma-4-31B: head_dim 256,
  global_head_dim 512): in 0.20-0.23 where the wider is over 256 (every GPU), from 0.24 where
  FlashAttention 4 is not supported (is_fa_version_supported(4): 9.x-11.x), i.e. on an A100
  (8.0) and an RTX 5090 (12.0), "FA4 not available, forcing TRITON_ATTN backend".
- v1/attention/backends/triton_attn.py supported_kv_cache_dtypes: auto, float16, bfloat16,
  fp8, fp8_e4m3, fp8_e5m2 and the per-token-head formats; no nvfp4 / nvfp4_4over6.
- platforms/cuda.py get_attn_backend_cls validates a selected backend alone and raises
  ValueError "Selected backend {selected_backend} is not valid for this configuration. Reason:
  {invalid_reasons}" (the enum member prints as AttentionBackendEnum.TRITON_ATTN, the reasons
  as a Python list: ['kv_cache_dtype not supported'], v1/attention/backend.py
  validate_configuration).
- FlashInfer, first on 10.x, takes nvfp4 on the SM100 family (flashinfer.py
  supports_kv_cache_dtype) and Gemma4Config does not force a backend there from 0.24: a B200
  serving it text-only runs it.
- config/cache.py CacheDType lists nvfp4 from the 0.20.0 wheel (not in 0.19.x): the parser
  refuses it before.
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import GPU_PRESETS, preset_cluster
from planner.serving.plan import PlanRequest, plan
from planner.serving.startup.attention_backend import runnable_kv_cache_dtypes
from planner.serving.vllm_cli import vllm_cli
from tests.cli.conftest import run_main

GEMMA4_31B = "nvidia/Gemma-4-31B-IT-NVFP4"
FORCED = ("Selected backend AttentionBackendEnum.TRITON_ATTN is not valid for this "
          "configuration. Reason: ['kv_cache_dtype not supported']")


def _errors(gpu: str, version: str, kv: str, language_model_only: bool):
    p = plan(PlanRequest(
        model=catalog_spec(GEMMA4_31B), cluster=preset_cluster(gpu, 1),
        engine=EngineSettings(vllm_version=version, max_model_len=8192, kv_cache_dtype=kv,
                              language_model_only=language_model_only)))
    return p.fits, p.errors


@pytest.mark.parametrize(("gpu", "capability"), [("a100-80gb", "8.0"), ("rtx-5090", "12.0")])
@pytest.mark.parametrize("language_model_only", [True, False])
def test_nvfp4_on_forced_triton_is_refused_at_0_34(gpu, capability, language_model_only):
    # 0.34.0: no FA4 on 8.x / 12.x, so TRITON_ATTN is forced, images or not; FlashInfer's fa2
    # path would take plain nvfp4 there (8.x / 12.x from 0.32) but is never asked
    fits, errors = _errors(gpu, "0.34.0", "nvfp4", language_model_only)
    assert not fits
    forced = [e for e in errors if e.startswith(FORCED)]
    assert len(forced) == 1 and f"compute capability {capability}" in forced[0]
    # no second refusal of the same dtype (the mm-prefix one asks FlashInfer)
    assert not any("No valid attention backend" in e for e in errors)


def test_the_suggestion_follows_triton_fp8():
    # TRITON_ATTN reads fp8 from SM89 only (triton_attn.py __init__ from 0.24): an A100 is told
    # auto, an RTX 5090 auto or fp8
    assert _errors("a100-80gb", "0.34.0", "nvfp4", True)[1][0].endswith(
        "use --kv-cache-dtype auto.")
    rtx = next(e for e in _errors("rtx-5090", "0.34.0", "nvfp4", True)[1] if e.startswith(FORCED))
    assert rtx.endswith("use --kv-cache-dtype auto or fp8.")


def test_nvfp4_4over6_is_refused_the_same_way():
    fits, errors = _errors("a100-80gb", "0.34.0", "nvfp4_4over6", True)
    assert not fits and errors[0].startswith(FORCED)


def test_a_dtype_triton_lists_is_not_refused():
    # fp8 on an RTX 5090 (12.0 >= 8.9): TRITON_ATTN lists it
    assert not any(e.startswith(FORCED) for e in _errors("rtx-5090", "0.34.0", "fp8", True)[1])


def test_b200_text_only_still_plans_nvfp4_at_0_34():
    # 10.0: FA4 supported, so Gemma4Config forces nothing; FlashInfer takes nvfp4 on SM100
    fits, errors = _errors("b200", "0.34.0", "nvfp4", True)
    assert fits and errors == []


def test_b200_is_refused_where_0_22_forces_triton_everywhere():
    # 0.22.0: forced wherever the wider head (512) is over 256, whatever the GPU
    fits, errors = _errors("b200", "0.22.0", "nvfp4", True)
    assert not fits and errors[0].startswith(FORCED) and "compute capability 10.0" in errors[0]


def test_the_app_offers_no_nvfp4_where_triton_is_forced():
    spec, cli = catalog_spec(GEMMA4_31B), vllm_cli("0.34.0")
    assert "nvfp4" not in runnable_kv_cache_dtypes(GPU_PRESETS["a100-80gb"], spec, cli)
    assert "nvfp4" in runnable_kv_cache_dtypes(GPU_PRESETS["b200"], spec, cli)


def test_the_cli_gives_the_refusal_as_the_verdict(capsys):
    code, out, _ = run_main(capsys, "plan", "--model", GEMMA4_31B, "--gpu", "a100-80gb",
                            "--vllm-version", "0.34.0", "--kv-cache-dtype", "nvfp4",
                            "--max-model-len", "8192", "--language-model-only")
    assert code == 0
    verdict = next(line for line in out.splitlines() if line.startswith("Does not fit:"))
    assert FORCED in verdict


def test_before_nvfp4_existed_the_parser_refuses_it(capsys):
    # 0.19.1's CacheDType has no nvfp4: one line, exit 2, as before
    code, _, err = run_main(capsys, "plan", "--model", GEMMA4_31B, "--gpu", "a100-80gb",
                            "--vllm-version", "0.19.1", "--kv-cache-dtype", "nvfp4")
    assert code == 2 and "vLLM 0.19.1 has no --kv-cache-dtype nvfp4" in err
    assert FORCED not in err
