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
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import ClusterSpec, NodeSpec, custom_gpu, preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.units import GIB

GIVE = ("give a GPU model Headroom knows (the CLI's --gpu-name with --gpu-memory-gib, e.g. "
        "'RTX 4090'; the app's 'GPU model' on the Hardware page) to plan it with its capability")


def _one(gpu) -> ClusterSpec:
    return ClusterSpec(nodes=(NodeSpec(hostname="node0", gpu=gpu, gpus_per_node=1,
                                       intra_node_link="pcie"),), source="custom")


def _plan(model: str, gpu_name: str = "Custom 24 GiB GPU", compute_capability: str = "",
          **engine):
    gpu = custom_gpu(24 * GIB, name=gpu_name, compute_capability=compute_capability)
    return plan(PlanRequest(model=catalog_spec(model), cluster=_one(gpu),
                            layout=ParallelLayout(), engine=EngineSettings(**engine)))


def _refusal(what: str, ccs: str, runs: str = "7.5 to 12.1", version: str = "0.34.0",
             name: str = "Custom 24 GiB GPU") -> str:
    return (f"{name}: its compute capability is unknown, and vLLM {version} refuses {what} on "
            f"compute capability {ccs} (of {runs}, which its wheels run on); {GIVE}")


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
    assert result.errors[0] == _refusal("fp8-tensor weights", "7.0", runs="7.0 to 12.1",
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
# platforms/cuda.py support_deep_gemm: is_device_capability(90) or family 100 or 120.
@pytest.mark.parametrize(("model", "backend", "ccs"), [
    ("Qwen/Qwen3-30B-A3B", "flashinfer_trtllm", "7.5, 8.0, 8.6, 8.9, 9.0, 12.0, 12.1"),
    ("Qwen/Qwen3-30B-A3B", "flashinfer_cutlass", "7.5, 8.0, 8.6, 8.9"),
    ("Qwen/Qwen3-30B-A3B-FP8", "deep_gemm", "7.5, 8.0, 8.6, 8.9")])
def test_a_moe_backend_some_capabilities_refuse_is_refused_on_an_unknown_gpu(
        model: str, backend: str, ccs: str) -> None:
    gpu = custom_gpu(80 * GIB, name="Custom 80 GiB GPU")
    result = plan(PlanRequest(model=catalog_spec(model), cluster=_one(gpu),
                              layout=ParallelLayout(),
                              engine=EngineSettings(moe_backend=backend)))
    assert result.errors == [_refusal(f"--moe-backend {backend}", ccs,
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
    # an H100 runs an nvfp4 KV cache (FlashInfer's fa2 on 9.0); a T4 (7.5) does not, and node
    # 1 may be one; FlashInfer's CUTLASS MoE runs on the H100, not on 7.5-8.9
    node1 = "Node 1 (node1, Custom 80 GiB GPU): "
    result = _mixed({"kv_cache_dtype": "nvfp4"})
    assert result.errors == [node1 + _refusal("--kv-cache-dtype nvfp4", "7.5",
                                              name="Custom 80 GiB GPU")]
    result = _mixed({"moe_backend": "flashinfer_cutlass"}, "Qwen/Qwen3-30B-A3B")
    assert result.errors == [node1 + _refusal("--moe-backend flashinfer_cutlass",
                                              "7.5, 8.0, 8.6, 8.9", name="Custom 80 GiB GPU")]
    assert _mixed({}).fits


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
    # _supports_current_device is is_device_capability_family(100): 10.0 and 10.3 run it
    gpu = custom_gpu(141 * GIB, name="Custom 141 GiB GPU")
    cluster = ClusterSpec(nodes=(NodeSpec(hostname="node0", gpu=gpu, gpus_per_node=8,
                                          intra_node_link="nvlink"),), source="custom")
    result = plan(PlanRequest(model=catalog_spec("moonshotai/Kimi-K2.5"), cluster=cluster,
                              layout=ParallelLayout(tp=8),
                              engine=EngineSettings(moe_backend="flashinfer_trtllm",
                                                    trust_remote_code=True)))
    assert _refusal("--moe-backend flashinfer_trtllm", "7.5, 8.0, 8.6, 8.9, 9.0, 12.0, 12.1",
                    name="Custom 141 GiB GPU") in result.errors
    assert not result.fits
