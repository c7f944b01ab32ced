"""A GPU given by its memory only (custom_gpu without a compute capability) is planned as a
card below 8.0 (fp16, no bf16), yet the start-up checks that follow the capability skipped it:
`--gpu-memory-gib 24 --kv-cache-dtype nvfp4` read "Fits" with a launch command where a T4 is
refused. A KV dtype or weight format vLLM refuses on some GPU its wheels run on, and not on
others, is now refused there, naming the capabilities and the way to give the GPU's model.

Expected lists worked out from vLLM's rules as the modules' NOTEs cite them, not from the code:
- wheels: 0.20.0 and later hold code for 7.5 and newer, 0.19 and earlier for 7.0 and newer;
  Headroom knows 7.0, 7.5, 8.0, 8.6, 8.9, 9.0, 10.0, 10.3, 12.0 and 12.1;
- nvfp4 KV on 0.34.0 (Qwen3-8B: head 128, no sinks): FlashInfer needs 8.0-12.1 from 0.24,
  and runs plain nvfp4 on 8.x/9.x/12.x through fa2 from 0.32 and on 10.x on trtllm-gen: 7.5
  alone refuses it;
- fp8 KV on 0.34.0: below 8.9 FlashInfer takes fp8 at head 128 from 8.0, so TRITON_ATTN (no
  fp8e4nv below SM89) gets it on 7.5 alone; fp8_per_token_head is not FlashInfer's, so 7.5,
  8.0 and 8.6 all fall to TRITON_ATTN;
- mxfp4 weights: Mxfp4Config.get_min_capability() is 80: 7.5 refuses them on 0.34.0;
- fp8 weights: Fp8Config.get_min_capability() is 75: none on 0.34.0 (7.5 up), 7.0 on 0.19.0;
- turboquant_k8v4: TURBOQUANT runs on any NVIDIA capability: nothing to refuse.
Only the capabilities a GPU of its memory may have are tried: those of a preset whose CUDA
total is at least 90 % of the memory given (AT_80_GIB: an 80 GiB GPU is no T4), every one where
no preset is that large. A setting every one of them refuses is refused, in its own words where
the unknown GPU meets them already.
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import (
    GPU_PRESETS,
    MEMORY_LABEL_MARGIN,
    ClusterSpec,
    NodeSpec,
    capabilities_of_size,
    custom_gpu,
    preset_cluster,
    stated_gb,
)
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.startup.attention_backend import runnable_kv_cache_dtypes
from planner.serving.vllm_cli import vllm_cli
from planner.units import GIB

GIVE = ("give a GPU model Headroom knows (--gpu-name with --gpu-memory-gib, e.g. 'RTX 4090') "
        "to plan it with its capability")
AT_80_GIB = ("8.0, 9.0, 10.0, 10.3, 12.0, 12.1: those of Headroom's GPUs of 72.00 GiB or more "
             "(its 80.00 GiB less 10 %) that its wheels run on")
"""The capabilities an 80 GiB GPU may have: 80 x 0.9 = 72 GiB, and the largest preset CUDA
total of each capability (presets.py rows): 7.0 V100 32GB 34,091,302,912 B = 31.75 GiB; 7.5
Quadro RTX 8000 50,959,786,967 B = 47.46 GiB; 8.0 A100 80GB 85,094,039,552 B = 79.25 GiB;
8.6 RTX A6000 51,045,686,313 B = 47.54 GiB; 8.9 RTX 6000 Ada 47,706,349,240 B = 44.43 GiB;
9.0 H200 150,109,106,995 B = 139.80 GiB; 10.0 GB200 198,137,872,384 B = 184.53 GiB; 10.3
B300 287,863,472,128 B = 268.09 GiB; 12.0 RTX PRO 6000 101,973,261,025 B = 94.97 GiB; 12.1
GB10 130,663,642,563 B = 121.69 GiB."""


def _one(gpu) -> ClusterSpec:
    return ClusterSpec(nodes=(NodeSpec(hostname="node0", gpu=gpu, gpus_per_node=1,
                                       intra_node_link="pcie"),), source="custom")


def _plan(model: str, gpu_name: str = "Custom 24 GiB GPU", compute_capability: str = "",
          gib: float = 24, **engine):
    gpu = custom_gpu(round(gib * GIB), name=gpu_name, compute_capability=compute_capability)
    return plan(PlanRequest(model=catalog_spec(model), cluster=_one(gpu),
                            layout=ParallelLayout(), engine=EngineSettings(**engine)))


def _refusal(what: str, ccs: str, runs: str = "7.5 to 12.1, which its wheels run on",
             version: str = "0.34.0", name: str = "Custom 24 GiB GPU") -> str:
    return (f"{name}: its compute capability is unknown, and vLLM {version} refuses {what} on "
            f"compute capability {ccs} (of {runs}); {GIVE}")


@pytest.mark.parametrize(("kv", "ccs"), [("nvfp4", "7.5"), ("fp8", "7.5"), ("fp8_e5m2", "7.5"),
                                         ("fp8_per_token_head", "7.5, 8.0, 8.6")])
def test_a_kv_dtype_some_capabilities_refuse_is_refused_on_an_unknown_gpu(kv: str,
                                                                           ccs: str) -> None:
    result = _plan("Qwen/Qwen3-8B", kv_cache_dtype=kv)
    assert result.errors[0] == _refusal(f"--kv-cache-dtype {kv}", ccs)
    assert not result.fits and result.vllm_command is None
    # a T4 (7.5) refuses it too, in vLLM's words: the unknown GPU no longer reads "Fits"
    t4 = plan(PlanRequest(model=catalog_spec("Qwen/Qwen3-4B"), cluster=preset_cluster("t4", 1),
                          layout=ParallelLayout(), engine=EngineSettings(kv_cache_dtype=kv)))
    assert not t4.fits


def test_the_same_kv_dtype_on_a_named_gpu_fits() -> None:
    # 8.9 (an RTX 4090's, from --gpu-name): nvfp4 runs on fa2, the plan fits as before
    result = _plan("Qwen/Qwen3-8B", gpu_name="RTX 4090", compute_capability="8.9",
                   kv_cache_dtype="nvfp4")
    assert result.fits and not result.errors
    assert "--kv-cache-dtype nvfp4" in result.vllm_command


def test_a_format_every_capability_runs_needs_no_capability() -> None:
    # TURBOQUANT runs anywhere; fp8 weights from 7.5, where 0.34.0's wheels start
    for engine in ({"kv_cache_dtype": "turboquant_k8v4"}, {"quantization": "fp8"}):
        result = _plan("Qwen/Qwen3-8B", **engine)
        assert result.fits and not result.errors, (engine, result.errors)


def test_mxfp4_weights_are_refused_on_an_unknown_gpu() -> None:
    result = _plan("openai/gpt-oss-20b")
    assert result.errors[0] == _refusal("mxfp4 weights", "7.5")
    # the fp16 assumption's own refusal follows (MXFP4 computes in bfloat16 only)
    assert result.errors[1].startswith("torch.float16 is not supported for quantization method "
                                       "mxfp4")


def test_fp8_weights_on_0_19_are_refused_where_its_wheels_run_a_v100() -> None:
    result = _plan("Qwen/Qwen3-8B", quantization="fp8", vllm_version="0.19.0")
    assert result.errors[0] == _refusal("fp8-tensor weights", "7.0",
                                        runs="7.0 to 12.1, which its wheels run on",
                                        version="0.19.0")


def test_an_amd_gpu_of_unknown_target_is_not_asked_for_a_capability() -> None:
    gpu = custom_gpu(64 * GIB, name="Custom AMD", vendor="amd")
    result = plan(PlanRequest(model=catalog_spec("Qwen/Qwen3-8B"), cluster=_one(gpu),
                              layout=ParallelLayout(),
                              engine=EngineSettings(kv_cache_dtype="fp8")))
    assert not any("compute capability is unknown" in e for e in result.errors)


def test_a_16_bit_plan_short_of_memory_suggests_no_fp8_kv_on_an_unknown_gpu() -> None:
    # Qwen3-8B at 40,960 tokens needs 5.62 GiB of 16-bit KV, over the 5.13 GiB left: the
    # longer context an fp8 cache would hold was offered, on a GPU that may be a T4
    result = _plan("Qwen/Qwen3-8B")
    assert not result.fits and result.longer_context_fit is None
    named = _plan("Qwen/Qwen3-8B", gpu_name="RTX 4090", compute_capability="8.9")
    assert named.longer_context_fit is not None and "fp8" in named.longer_context_fit


# --moe-backend on 0.34.0, each value's experts class _supports_current_device (vLLM 0.34.0
# wheel, model_executor/layers/fused_moe/): Qwen3-30B-A3B's bf16 experts go to
# oracle/unquantized.py map_unquantized_backend; flashinfer_trtllm -> experts/trtllm_bf16_moe.py
# TrtLlmBf16Experts: is_device_capability_family(100), 10.0 and 10.3 only; flashinfer_cutlass ->
# experts/flashinfer_cutlass_moe.py FlashInferExperts: is_device_capability(90) or family 100
# or 120 (SM110 excluded); triton runs on any CUDA GPU. Qwen3-30B-A3B-FP8's experts go to
# oracle/fp8.py, deep_gemm -> DeepGEMM, utils/deep_gemm.py is_deep_gemm_supported ->
# platforms/cuda.py support_deep_gemm: is_device_capability(90) or family 100 or 120. An 80
# GiB GPU may be 8.0, 9.0, 10.0, 10.3, 12.0 or 12.1 (AT_80_GIB): of those, 8.0 refuses
# flashinfer_cutlass and deep_gemm, and all but 10.0 and 10.3 flashinfer_trtllm.
@pytest.mark.parametrize(("model", "backend", "ccs"), [
    ("Qwen/Qwen3-30B-A3B", "flashinfer_trtllm", "8.0, 9.0, 12.0, 12.1"),
    ("Qwen/Qwen3-30B-A3B", "flashinfer_cutlass", "8.0"),
    ("Qwen/Qwen3-30B-A3B-FP8", "deep_gemm", "8.0")])
def test_a_moe_backend_some_capabilities_refuse_is_refused_on_an_unknown_gpu(
        model: str, backend: str, ccs: str) -> None:
    gpu = custom_gpu(80 * GIB, name="Custom 80 GiB GPU")
    result = plan(PlanRequest(model=catalog_spec(model), cluster=_one(gpu),
                              layout=ParallelLayout(),
                              engine=EngineSettings(moe_backend=backend)))
    assert result.errors == [_refusal(f"--moe-backend {backend}", ccs, runs=AT_80_GIB,
                                      name="Custom 80 GiB GPU")]
    assert not result.fits and result.vllm_command is None


def test_a_moe_backend_every_capability_runs_needs_no_capability() -> None:
    gpu = custom_gpu(80 * GIB, name="Custom 80 GiB GPU")
    result = plan(PlanRequest(model=catalog_spec("Qwen/Qwen3-30B-A3B"), cluster=_one(gpu),
                              layout=ParallelLayout(),
                              engine=EngineSettings(moe_backend="triton")))
    assert result.fits and not result.errors


def _mixed(engine: dict, model: str = "Qwen/Qwen3-8B"):
    # an H100 node 0 (9.0) and a snapshot node 1 whose GPU's capability was not read, one
    # pipeline stage each: node 1's workers meet the KV format and the MoE oracle on its GPU
    h100 = preset_cluster("h100-sxm", 1).nodes[0].gpu
    unknown = custom_gpu(80 * GIB, name="Custom 80 GiB GPU")
    cluster = ClusterSpec(nodes=tuple(
        NodeSpec(hostname=f"node{i}", gpu=gpu, gpus_per_node=1, intra_node_link="pcie")
        for i, gpu in enumerate((h100, unknown))), source="custom")
    return plan(PlanRequest(model=catalog_spec(model), cluster=cluster,
                            layout=ParallelLayout(pp=2), engine=EngineSettings(**engine)))


def test_a_later_node_of_unknown_capability_is_refused_what_some_capability_refuses() -> None:
    # an H100 runs an fp8_per_token_head KV cache (TRITON_ATTN, from SM89 from 0.24); an A100
    # (8.0) does not, and node 1, of 80 GiB, may be one; FlashInfer's CUTLASS MoE runs on the
    # H100, not on 8.0
    node1 = "Node 1 (node1, Custom 80 GiB GPU): "
    result = _mixed({"kv_cache_dtype": "fp8_per_token_head"})
    assert result.errors == [node1 + _refusal("--kv-cache-dtype fp8_per_token_head", "8.0",
                                              runs=AT_80_GIB, name="Custom 80 GiB GPU")]
    result = _mixed({"moe_backend": "flashinfer_cutlass"}, "Qwen/Qwen3-30B-A3B")
    assert result.errors == [node1 + _refusal("--moe-backend flashinfer_cutlass", "8.0",
                                              runs=AT_80_GIB, name="Custom 80 GiB GPU")]
    # nvfp4 KV: 7.5 alone refuses it, and no 7.5 GPU has 72 GiB (AT_80_GIB)
    assert _mixed({}).fits and _mixed({"kv_cache_dtype": "nvfp4"}).fits


def test_a_later_node_s_gpu_meets_the_moe_oracle_too() -> None:
    # each worker's MoE oracle checks the kernel on its own GPU: an A100 node 1 (8.0) is not
    # among FlashInferExperts' 9.0 / 10.x / 12.x, where the H100 node 0 is (it read "Fits")
    gpus = [preset_cluster(key, 1).nodes[0].gpu for key in ("h100-sxm", "a100-80gb")]
    cluster = ClusterSpec(nodes=tuple(
        NodeSpec(hostname=f"node{i}", gpu=gpu, gpus_per_node=1, intra_node_link="pcie")
        for i, gpu in enumerate(gpus)), source="custom")
    result = plan(PlanRequest(model=catalog_spec("Qwen/Qwen3-30B-A3B"), cluster=cluster,
                              layout=ParallelLayout(pp=2),
                              engine=EngineSettings(moe_backend="flashinfer_cutlass")))
    assert result.errors == [
        "Node 1 (node1, NVIDIA A100-SXM4-80GB): vLLM 0.34.0: --moe-backend flashinfer_cutlass "
        "asks for FlashInfer's CUTLASS MoE, which runs on compute capability 9.0, 10.x or 12.x "
        "only, not on compute capability 8.0: the unquantized MoE oracle "
        "(fused_moe/oracle/unquantized.py) raises at start-up"]


def test_int4_experts_moe_backend_is_refused_on_an_unknown_gpu_per_layout() -> None:
    # Kimi-K2.5's config.json: compressed-tensors int4, group 32, symmetric (kInt4Static32);
    # vLLM 0.34.0's WNA16 oracle (oracle/int_wna16.py) maps flashinfer_trtllm to
    # experts/trtllm_mxint4_moe.py TrtLlmMxint4ExpertsMonolithic, whose
    # _supports_current_device is is_device_capability_family(100): 10.0 and 10.3 run it. A
    # 141 GiB GPU may be 9.0 (H200, 139.80 GiB), 10.0 or 10.3 (AT_80_GIB's rows): 141 x 0.9 =
    # 126.90 GiB is over 12.0's 94.97 and 12.1's 121.69 GiB
    gpu = custom_gpu(141 * GIB, name="Custom 141 GiB GPU")
    cluster = ClusterSpec(nodes=(NodeSpec(hostname="node0", gpu=gpu, gpus_per_node=8,
                                          intra_node_link="nvlink"),), source="custom")
    result = plan(PlanRequest(model=catalog_spec("moonshotai/Kimi-K2.5"), cluster=cluster,
                              layout=ParallelLayout(tp=8),
                              engine=EngineSettings(moe_backend="flashinfer_trtllm",
                                                    trust_remote_code=True)))
    assert _refusal("--moe-backend flashinfer_trtllm", "9.0",
                    runs="9.0, 10.0, 10.3: those of Headroom's GPUs of 126.90 GiB or more (its "
                    "141.00 GiB less 10 %) that its wheels run on",
                    name="Custom 141 GiB GPU") in result.errors
    assert not result.fits


def test_an_80_gib_gpu_is_not_refused_what_only_a_smaller_gpu_s_capability_refuses() -> None:
    # fp8 KV on 0.34.0: 7.5 alone refuses it, and 7.5's largest preset (Quadro RTX 8000,
    # 47.46 GiB) is below 72 GiB (AT_80_GIB): "Does not fit" on a GPU no T4 can be
    for kv in ("fp8", "nvfp4"):
        result = _plan("Qwen/Qwen3-8B", gpu_name="Custom 80 GiB GPU", gib=80, kv_cache_dtype=kv)
        assert result.fits and not result.errors, (kv, result.errors)
        assert f"--kv-cache-dtype {kv}" in result.vllm_command


@pytest.mark.parametrize(("gib", "refused"), [(52.7, True), (52.8, False)])
def test_a_capability_counts_while_its_largest_preset_is_within_10_percent(
        gib: float, refused: bool) -> None:
    # 7.5's largest CUDA total, 50,959,786,967 B = 47.46 GiB, is 90 % of 52.73 GiB: 52.7 x 0.9
    # = 47.43 GiB is below it (a 52.7 GiB GPU may be a 7.5 one), 52.8 x 0.9 = 47.52 above.
    # At 47.43 GiB 8.6 counts (RTX A6000, 47.54 GiB), 8.9 not (RTX 6000 Ada, 44.43 GiB)
    result = _plan("Qwen/Qwen3-8B", gpu_name="Custom GPU", gib=gib, kv_cache_dtype="fp8")
    runs = ("7.5, 8.0, 8.6, 9.0, 10.0, 10.3, 12.0, 12.1: those of Headroom's GPUs of 47.43 GiB "
            "or more (its 52.70 GiB less 10 %) that its wheels run on")
    assert (result.errors[:1] == [_refusal("--kv-cache-dtype fp8", "7.5", runs=runs,
                                           name="Custom GPU")]
            if refused else not result.errors), result.errors


def test_a_gpu_larger_than_every_preset_may_have_any_capability() -> None:
    # 300 x 0.9 = 270 GiB is over the largest preset, B300's 268.09 GiB: every capability
    result = _plan("Qwen/Qwen3-8B", gpu_name="Custom 300 GiB GPU", gib=300,
                   kv_cache_dtype="fp8")
    assert result.errors[0] == _refusal("--kv-cache-dtype fp8", "7.5",
                                        name="Custom 300 GiB GPU")


def _every(what: str, runs: str, newest: str, name: str = "Custom 80 GiB GPU") -> str:
    return (f"{name}: its compute capability is unknown, and vLLM 0.34.0 refuses {what} on "
            f"every compute capability it may have (of {runs}); on {newest}")


@pytest.mark.parametrize(("gib", "runs"), [(80, AT_80_GIB),
                                           (24, "7.5 to 12.1, which its wheels run on")])
def test_a_kv_dtype_every_capability_refuses_is_refused(gib: int, runs: str) -> None:
    # phi-2: 2560 / 32 heads = head 80, not among FlashInfer's 64 / 128 / 256 / 512, the one
    # backend with nvfp4: every capability refuses it (7.5 for its capability too); it read
    # "Fits" with a launch command, as no capability was named
    name = f"Custom {gib} GiB GPU"
    result = _plan("microsoft/phi-2", gpu_name=name, gib=gib, kv_cache_dtype="nvfp4")
    assert result.errors == [
        _every("--kv-cache-dtype nvfp4", runs, "12.1", name) + ": No valid attention backend "
        "found for cuda with kv_cache_dtype=nvfp4. Reasons: {FLASHINFER: [head_size not "
        "supported]} (compute capability 12.1)."]
    assert not result.fits and result.vllm_command is None


def test_an_mla_model_s_fp8_e5m2_cache_is_refused_on_every_capability() -> None:
    # no MLA backend of 0.34.0 lists fp8_e5m2 (attention_backend._mla_backend_error's NOTE),
    # whatever the capability: a DeepSeek-V2-Lite plan on an 80 GiB GPU read "Fits"
    result = _plan("deepseek-ai/DeepSeek-V2-Lite-Chat", gpu_name="Custom 80 GiB GPU", gib=80,
                   kv_cache_dtype="fp8_e5m2")
    assert result.errors[0].startswith(
        _every("--kv-cache-dtype fp8_e5m2", AT_80_GIB, "12.1") + ": No valid attention "
        "backend found for cuda with kv_cache_dtype=fp8_e5m2."), result.errors
    assert "TRITON_MLA: [kv_cache_dtype not supported]" in result.errors[0]
    assert not result.fits


def test_a_setting_refused_in_its_own_words_is_not_refused_again() -> None:
    # nvfp4 on MLA layers: Headroom's own refusal, capability or not; every capability's
    # selector refusal would say it a second time
    result = _plan("deepseek-ai/DeepSeek-V2-Lite-Chat", gpu_name="Custom 80 GiB GPU", gib=80,
                   kv_cache_dtype="nvfp4")
    assert "Headroom does not size --kv-cache-dtype nvfp4 for MLA layers (vLLM packs the " \
        "latent differently); use auto or fp8 for deepseek-ai/DeepSeek-V2-Lite-Chat." \
        in result.errors
    assert not any("compute capability is unknown" in e for e in result.errors), result.errors


@pytest.mark.parametrize(("gib", "ccs"), [
    (80, ("8.0", "9.0", "10.0", "10.3", "12.0", "12.1")),  # AT_80_GIB
    # 24 x 0.9 = 21.6 GiB: every capability has a larger preset (7.0: V100 32GB, 31.75 GiB)
    (24, ("7.0", "7.5", "8.0", "8.6", "8.9", "9.0", "10.0", "10.3", "12.0", "12.1")),
    # 141 x 0.9 = 126.9 GiB: H200 (139.80), GB200 (184.53), B300 (268.09)
    (141, ("9.0", "10.0", "10.3")),
    # 280 x 0.9 = 252 GiB: the B300 alone
    (280, ("10.3",)),
    # 300 x 0.9 = 270 GiB: no preset, so any
    (300, ("7.0", "7.5", "8.0", "8.6", "8.9", "9.0", "10.0", "10.3", "12.0", "12.1"))])
def test_the_capabilities_a_gpu_of_its_memory_may_have(gib: int, ccs: tuple[str, ...]) -> None:
    assert capabilities_of_size(gib * GIB) == ccs


def test_the_margin_reaches_each_preset_from_its_label() -> None:
    # a card's label typed as GiB (an "80 GB" A100 as --gpu-memory-gib 80) must still reach
    # its own preset: the A2's "16 GB" over its 15,565,062,144 B = 14.50 GiB CUDA total is the
    # widest gap, 16 x 0.9 = 14.4 GiB within it (a 9 % margin would not be: 14.56)
    assert GPU_PRESETS["a2"].memory_total_bytes < 16 * (1 - 0.09) * GIB
    for gpu in GPU_PRESETS.values():
        label_gib = min(stated_gb(gpu.memory_label))
        assert label_gib * GIB * (1 - MEMORY_LABEL_MARGIN) <= gpu.memory_total_bytes, gpu.key
        if gpu.vendor == "nvidia":
            assert gpu.compute_capability in capabilities_of_size(label_gib * GIB), gpu.key


def test_the_app_offers_no_kv_dtype_every_capability_refuses() -> None:
    # phi-2's head 80 has no nvfp4 backend on any capability (the test above); Qwen3-8B's
    # head 128 has one from 8.0 on: offered, and the plan names 7.5 where a GPU may be one
    cli = vllm_cli("0.34.0")
    for gib in (24, 80):
        gpu = custom_gpu(gib * GIB)
        phi = runnable_kv_cache_dtypes(gpu, catalog_spec("microsoft/phi-2"), cli)
        assert "nvfp4" not in phi and "nvfp4_4over6" not in phi and "fp8" in phi
        assert "nvfp4" in runnable_kv_cache_dtypes(gpu, catalog_spec("Qwen/Qwen3-8B"), cli)
