"""Qwen3.5's Gated DeltaNet in_proj_ba: whole on every TP rank from vLLM 0.22.0 under the
GPTQ, AWQ-Marlin and AutoRound loaders on NVIDIA (vllm_versions.GDN_BA_WHOLE_FROM)."""

import pytest

from planner.catalog import catalog_spec
from planner.model.quant import scheme, what_if_scheme
from planner.model.spec import QuantSpec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import gpu_preset, preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.startup.weight_load import gdn_ba_whole
from planner.serving.vllm_versions import parse_version

QWEN35 = catalog_spec("Qwen/Qwen3.5-27B")
QWEN35_MOE = catalog_spec("Qwen/Qwen3.5-35B-A3B")
RTX3090, V100, MI300X = gpu_preset("rtx-3090"), gpu_preset("v100-32gb"), gpu_preset("mi300x")
GPTQ, AWQ = what_if_scheme("w4a16-gptq-g128"), what_if_scheme("w4a16-awq-g128")


def _per_gpu(release: str, tp: int) -> int:
    """Qwen3.5-27B's weights per GPU as GPTQ int4 g128 on RTX 3090s at TP `tp`, in float16:
    up to 0.22 Marlin's tiles do not fit in_proj_ba and bfloat16 finds no kernel for it
    (wna16_shapes.marlin_shape_findings); float16 runs it on Exllama."""
    return plan(PlanRequest(
        model=QWEN35, cluster=preset_cluster("rtx-3090", tp), layout=ParallelLayout(tp=tp),
        engine=EngineSettings(max_model_len=4096, vllm_version=release, dtype="float16",
                              target_quant="w4a16-gptq-g128"))).weights_bytes_per_gpu


@pytest.mark.parametrize("release", ["0.22.0", "0.24.0", "0.33.0"])
def test_qwen35_gptq_in_proj_ba_is_whole_on_each_gpu_from_0_22(release: str) -> None:
    # Qwen/Qwen3.5-27B (../shared config): 64 layers, every 4th full attention, so 48 Gated
    # DeltaNet layers; hidden 5,120, 48 value heads: in_proj_ba (b and a) 5,120 x (48 + 48) =
    # 491,520 weights a layer, 23,592,960 in all; at GPTQ int4 g128's 4 + 20 / 128 = 4.15625
    # bits 23,592,960 x 4.15625 / 8 = 12,257,280 B. Split over TP 2 each GPU holds half,
    # 6,128,640 B; whole, all of it: 6,128,640 B more on each GPU than on 0.21.0. Up to 0.33
    # the plan frees GPTQ's zero points (4 / 128 bit a weight) on every dense linear layer
    # Marlin may run (weight_load.gptq_zeros_freed_bits), in_proj_ba's too: 23,592,960 / 256 =
    # 92,160 B whole, 46,080 B half: 6,128,640 - 92,160 + 46,080 = 6,082,560 B. (Marlin's
    # tiles take in_proj_ba only from 0.24; the kernel that runs it before keeps them: not
    # modelled, as that NOTE says.) The M-RoPE rotary cache holds 4 rows a position up to 0.31
    # and one from 0.32 (262,144 x 64 x 2 B a row set): 100,663,296 B less on 0.33.0, at TP 1
    # and 2 alike.
    rope = 0 if parse_version(release) < (0, 32, 0) else -3 * 262_144 * 64 * 2
    assert _per_gpu(release, 2) - _per_gpu("0.21.0", 2) == 6_082_560 + rope
    # at TP 1 the whole projection is on the one GPU in every release
    assert _per_gpu(release, 1) - _per_gpu("0.21.0", 1) == rope


def _autoround(spec, method: str):
    """`spec` as a stored int4 g128 checkpoint loaded by vLLM's `method` config."""
    return spec.model_copy(update={"quant": QuantSpec(
        method=method, scheme="w4a16-gptq-g128", weight_bits=4, group_size=128,
        summary="int4 g128")})


def test_which_loaders_platforms_and_models_hold_it_whole() -> None:
    stored = _autoround(QWEN35, "auto-round")
    # maybe_disable_tp: Qwen3.5 (and Qwen3.5-MoE / Qwen3.6) on CUDA under AutoGPTQConfig,
    # INCConfig or AWQ's Marlin config, from 0.22.0 only
    assert gdn_ba_whole(QWEN35, GPTQ, (0, 22, 0), RTX3090)
    assert gdn_ba_whole(QWEN35_MOE, GPTQ, (0, 33, 0), RTX3090)
    assert gdn_ba_whole(stored, scheme("w4a16-gptq-g128"), (0, 22, 0), RTX3090)
    assert not gdn_ba_whole(QWEN35, GPTQ, (0, 21, 0), RTX3090)
    # not on ROCm (current_platform.is_cuda() is False there), nor for Qwen3-Next's
    # interleaved layout
    assert not gdn_ba_whole(QWEN35, GPTQ, (0, 33, 0), MI300X)
    assert not gdn_ba_whole(catalog_spec("Qwen/Qwen3-Next-80B-A3B-Instruct"), GPTQ, (0, 33, 0),
                            RTX3090)
    # other loaders split it: 16-bit, FP8, compressed-tensors (a what-if, or a stored
    # checkpoint whose int4 g128 scheme key is GPTQ's)
    for other in ("bf16", "fp8-block128", "w4a16-ct-g128"):
        assert not gdn_ba_whole(QWEN35, what_if_scheme(other), (0, 33, 0), RTX3090), other
    assert not gdn_ba_whole(_autoround(QWEN35, "compressed-tensors"),
                            scheme("w4a16-gptq-g128"), (0, 33, 0), RTX3090)
    # AWQ: 0.22.0-0.23.0 load it on AWQMarlinConfig only where Marlin takes it (compute
    # capability 7.5 on CUDA; a V100 is 7.0: AWQConfig); from 0.24.0 always AutoAWQConfig
    assert gdn_ba_whole(QWEN35, AWQ, (0, 23, 0), RTX3090)
    assert not gdn_ba_whole(QWEN35, AWQ, (0, 23, 0), V100)
    assert gdn_ba_whole(QWEN35, AWQ, (0, 24, 0), V100)
