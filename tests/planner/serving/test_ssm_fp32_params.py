"""The decay parameters vLLM holds in float32 whatever the model dtype: Mamba2's A in every
release (mamba_mixer2.py MambaMixer2), Gated DeltaNet's A_log on 0.10.2-0.11.0 and from 0.19.0
(vllm_versions.GDN_A_LOG_MODEL_DTYPE_SPAN), one a head, split over TP: 2 B a head more than the
16-bit layer around them (weight_load.a_fp32_mixers, weights._a_fp32_per_rank).

Head counts from the configs in ../shared/model-configs: Nemotron-3-Nano-30B-A3B
hybrid_override_pattern has 23 "M" (Mamba2) of 52, mamba_num_heads 64; Qwen3-Next-80B-A3B 48
layers, full_attention_interval 4: 36 Gated DeltaNet layers, linear_num_value_heads 32;
Qwen3.5-27B layer_types 48 "linear_attention" of 64, linear_num_value_heads 48.
"""

import pytest

from planner.catalog import catalog_spec
from planner.model.quant import what_if_scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import gpu_preset, preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.startup.weight_load import a_fp32_mixers, weight_load_rules
from planner.serving.vllm_versions import Version
from planner.serving.weights import rank_weights, weights_bytes

NANO = catalog_spec("nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16")
NEXT = catalog_spec("Qwen/Qwen3-Next-80B-A3B-Instruct")
QWEN35 = catalog_spec("Qwen/Qwen3.5-27B")
H100 = gpu_preset("h100")
BF16 = what_if_scheme("bf16")


def _float32_bytes(spec, version: Version, tp: int, scheme=BF16) -> int:
    """Bytes on GPU 0 at `tp` under `version`'s load rules, less the same without the
    float32 A / A_log: what the rule adds there."""
    rules = weight_load_rules(spec, scheme, None, version, H100)
    layout = ParallelLayout(tp=tp)
    held = rank_weights(spec, scheme, layout, rules=rules)[0]
    without = rank_weights(spec, scheme, layout,
                           rules=rules._replace(a_fp32_mixers=frozenset()))[0]
    return held.total_bytes - without.total_bytes


@pytest.mark.parametrize("version", [(0, 9, 1), (0, 13, 0), (0, 19, 0), (0, 34, 0)])
def test_mamba2_a_is_float32_in_every_release(version: Version) -> None:
    # Nemotron-3-Nano: 23 layers x 64 heads x (4 - 2) B = 2,944 B on one GPU; at TP=2 each GPU
    # holds 64 / 2 = 32 heads of A: 23 x 32 x 2 B = 1,472 B
    assert _float32_bytes(NANO, version, 1) == 2_944
    assert _float32_bytes(NANO, version, 2) == 1_472


def test_the_checkpoint_as_stored_keeps_a_in_its_own_dtype() -> None:
    # weights_bytes is the checkpoint (no load-time tensors): vLLM's float32 A is 2,944 B over
    # it on one GPU, the attention term's only load-time addition for Nemotron-H (no V slot,
    # no MLA copy)
    rules = weight_load_rules(NANO, BF16, None, (0, 34, 0), H100)
    held = rank_weights(NANO, BF16, ParallelLayout(tp=1), rules=rules)[0]
    assert held.attention_bytes - weights_bytes(NANO, BF16).attention_bytes == 2_944


def test_a_quantized_layer_keeps_a_in_float32_and_a_float32_model_adds_nothing() -> None:
    # FP8 in_proj / out_proj: A is among the layer's 16-bit kept tensors, held in float32: the
    # same 2 B a head more; a float32 model holds every parameter in 4 B already: nothing more
    assert _float32_bytes(NANO, (0, 34, 0), 1, what_if_scheme("fp8-block128")) == 2_944
    assert _float32_bytes(NANO, (0, 34, 0), 2, what_if_scheme("fp32")) == 0


@pytest.mark.parametrize(("version", "held"), [
    ((0, 10, 2), True), ((0, 11, 0), True),  # qwen3_next.py dtype=torch.float32
    ((0, 11, 1), False), ((0, 17, 0), False), ((0, 18, 1), False),  # torch.empty: model dtype
    ((0, 19, 0), True), ((0, 22, 0), True), ((0, 34, 0), True),  # GatedDeltaNetAttention
])
def test_gated_deltanet_a_log_per_release(version: Version, held: bool) -> None:
    assert ("linear" in a_fp32_mixers(version)) is held
    assert "mamba" in a_fp32_mixers(version)
    # Qwen3-Next-80B-A3B: 36 layers x 32 value heads x 2 B = 2,304 B on one GPU; TP=2: 36 x 16
    # x 2 B = 1,152 B a GPU. Qwen3.5-27B: 48 x 48 x 2 B = 4,608 B; TP=2: 48 x 24 x 2 B = 2,304 B
    assert _float32_bytes(NEXT, version, 1) == (2_304 if held else 0)
    assert _float32_bytes(NEXT, version, 2) == (1_152 if held else 0)
    if version >= (0, 17, 0):  # qwen3_5.py from the 0.17.0 wheel
        assert _float32_bytes(QWEN35, version, 1) == (4_608 if held else 0)
        assert _float32_bytes(QWEN35, version, 2) == (2_304 if held else 0)


def _weights_formula(model: str, release: str, tp: int) -> str:
    r = plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster("h100", tp),
                         layout=ParallelLayout(tp=tp),
                         engine=EngineSettings(vllm_version=release)))
    return next(t.formula for t in r.terms if t.key == "weights")


def test_the_weights_formula_names_them() -> None:
    # TP=2: 64 / 2 = 32 Mamba2 heads a GPU, 23 x 32 x 4 B = 2,944 B; Qwen3.5-27B 48 / 2 = 24
    # value heads, 48 x 24 x 4 B = 4,608 B from 0.19.0, none held in float32 on 0.18.1
    assert ("Mamba2 A in float32, as vLLM builds it: 23 layers x 32 heads x 4 B = 2,944 B"
            in _weights_formula("nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16", "0.34.0", 2))
    assert ("Gated DeltaNet A_log in float32, as vLLM builds it: 48 layers x 24 heads x 4 B = "
            "4,608 B" in _weights_formula("Qwen/Qwen3.5-27B", "0.19.0", 2))
    assert "A_log" not in _weights_formula("Qwen/Qwen3.5-27B", "0.18.1", 2)
