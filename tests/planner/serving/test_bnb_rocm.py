"""bitsandbytes on AMD GPUs, per vLLM release (quant_method.rocm_quantization_errors).

Worked from the wheels by hand (vllm_versions.ROCM_BNB_FROM's NOTE): platforms/rocm.py
RocmPlatform.supported_quantization has no "bitsandbytes" in 0.9.1-0.11.1; 0.12.0-0.16.0
append it only `if not on_gfx9()` (gfx90a, gfx942, gfx950: "bitsandbytes not supported on
gfx9 (warp size 64 limitation)"); 0.17.0-0.27.0 list it on every GPU; 0.28.0 drops the method.
Where the list lacks it, ModelConfig._verify_quantization's verify_quantization stops the
start-up with "bitsandbytes quantization is currently not supported in rocm." (vllm serve's
parser took the flag: a plan that does not fit, not exit 2). So on an MI300X (gfx942) vLLM
0.11-0.16 refuse `--quantization bitsandbytes`, 0.17-0.27 run it; on an RDNA3 GPU (gfx1100)
0.11 refuses, 0.12 on run it. There is no RDNA preset: the MI300X preset with its target
replaced stands in (its memory is irrelevant to the check).
"""

import pytest

from planner.catalog import catalog_spec
from planner.model.spec import QuantSpec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import ClusterSpec, NodeSpec, gpu_preset
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan

HEAD = "bitsandbytes quantization is currently not supported in rocm. (vLLM "
GFX9 = ("platforms/rocm.py supported_quantization; it lists bitsandbytes from 0.17.0 up to "
        "0.27.x on gfx9 GPUs, gfx90a, gfx942 and gfx950, and from 0.12.0 on others)")
OTHER = ("platforms/rocm.py supported_quantization; it lists bitsandbytes from 0.12.0 up to "
         "0.27.x)")


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _errors(release: str, target: str = "gfx942", gpu: str = "mi300x", *, spec=None,
            **engine) -> list[str]:
    """Qwen3-8B (or `spec`) on one `gpu` preset whose target is `target`, vLLM `release`."""
    card = gpu_preset(gpu)
    if card.vendor == "amd":
        card = card.model_copy(update={"compute_capability": target})
    cluster = ClusterSpec(nodes=(NodeSpec(gpu=card, gpus_per_node=1, intra_node_link="pcie"),),
                          source="test")
    return list(plan(PlanRequest(
        model=spec or catalog_spec("Qwen/Qwen3-8B"), cluster=cluster, layout=ParallelLayout(),
        engine=EngineSettings(max_model_len=4096, vllm_version=release, **engine))).errors)


@pytest.mark.parametrize(("target", "release", "refused"), [
    ("gfx942", "0.11.0", True), ("gfx942", "0.12.0", True), ("gfx942", "0.16.0", True),
    ("gfx90a", "0.14.0", True), ("gfx950", "0.15.0", True),
    ("gfx942", "0.17.0", False), ("gfx942", "0.18.0", False), ("gfx942", "0.27.0", False),
    ("gfx1100", "0.11.1", True), ("gfx1100", "0.12.0", False), ("gfx1100", "0.16.0", False),
    ("gfx1100", "0.27.0", False),
])
def test_runtime_bitsandbytes_on_amd_per_release(target, release, refused) -> None:
    errors = _errors(release, target, quantization="bitsandbytes")
    said = GFX9 if target.startswith("gfx9") else OTHER
    assert errors == ([f"{HEAD}{release} {said}"] if refused else []), errors


def test_bitsandbytes_checkpoint_and_what_if_meet_the_same_rule() -> None:
    """A bnb checkpoint (quant_method bitsandbytes) and a --target-quant bnb-nf4 what-if load on
    the same method: refused on an MI300X on 0.16.0, run on 0.17.0; NVIDIA has no list."""
    bnb = catalog_spec("Qwen/Qwen3-8B").model_copy(update={"quant": QuantSpec(
        method="bitsandbytes", scheme="bnb-nf4", weight_bits=4, group_size=64,
        summary="bitsandbytes NF4")})
    for kwargs in ({"spec": bnb}, {"target_quant": "bnb-nf4"}):
        assert _errors("0.16.0", **kwargs) == [f"{HEAD}0.16.0 {GFX9}"], kwargs
        assert _errors("0.17.0", **kwargs) == [], kwargs
        assert _errors("0.16.0", gpu="h100-sxm", **kwargs) == [], kwargs
    # 0.28.0 drops the method: the checkpoint and the what-if both stop before the ROCm list,
    # at "Unknown quantization method" (test_unknown_quant), on AMD as on NVIDIA
    for gpu in ("mi300x", "h100-sxm"):
        assert [e[:53] for e in _errors("0.28.0", gpu=gpu, target_quant="bnb-nf4")] == [
            "Unknown quantization method: bitsandbytes. (vLLM 0.28"], gpu
    assert _errors("0.12.0", gpu="h100-sxm", quantization="bitsandbytes") == []
