"""The capability refusals (KV dtype, MLA prefill, FlashInfer on a T4, 0.11.0's FlexAttention,
bfloat16 below 8.0) on a node past node 0 whose GPU is older: each worker picks its attention
backend on its own GPU (Attention.__init__ -> get_attn_backend -> platforms/cuda.py
get_attn_backend_cls, which reads the worker's device capability) and checks its
model_config.dtype in Worker.init_device (platforms/cuda.py check_if_supports_dtype, 0.10.2 and
0.34.0 wheels). Those refusals read node 0's GPU alone: an H100 node 0 and a V100 node 1 had a
launch command for an fp8 KV cache the V100's TRITON_ATTN refuses.

Figures worked by hand: on nodes of 2 GPUs, TP=2 x PP=2 puts ranks 2-3 on node 1 and TP=2 alone
stays on node 0 (tests/planner/serving/test_uneven_nodes.py); a T4's FlashInfer prefill at head
128 with a 16-bit cache and a 128-row query tile asks 128 x 128 x 2 (queries) + 4 x (2 x 128 x 16
x 2) (four 16-row K+V steps) + 32 (0.6.11's two NVFP4 placeholders) = 65,568 B, over 65,536."""

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import ClusterSpec, NodeSpec, gpu_preset
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from tests.conftest import past_v100_wheels
from tests.planner.serving.vllm_words import triton_fp8_refusal

QWEN_8B = "Qwen/Qwen3-8B"  # head_dim 128, torch_dtype bfloat16, no sinks
V100 = "Tesla V100-SXM2-32GB"


def _cluster(*gpus: str) -> ClusterSpec:
    return ClusterSpec(nodes=tuple(NodeSpec(hostname=f"n{i}", gpu=gpu_preset(gpu),
                                            gpus_per_node=2, intra_node_link="pcie")
                                   for i, gpu in enumerate(gpus)), source="test")


def _plan(cluster: ClusterSpec, version: str, pp: int, kv: str = "auto",
          model: str = QWEN_8B):
    return plan(PlanRequest(model=catalog_spec(model), cluster=cluster,
                            layout=ParallelLayout(tp=2, pp=pp),
                            engine=EngineSettings(vllm_version=version, max_model_len=4096,
                                                  kv_cache_dtype=kv)))


def _triton_fp8(device: str, cap: str) -> str:
    """TritonAttentionImpl.__init__'s words below 8.0 (it suggests float16 there)."""
    return triton_fp8_refusal(device, cap, "float16")


def test_fp8_kv_on_a_later_v100_node_is_refused_naming_it() -> None:
    cluster = _cluster("h100-sxm", "v100-32gb")
    result = _plan(cluster, "0.34.0", pp=2, kv="fp8")
    assert not result.fits and result.vllm_command is None
    # first the wheels' refusal of a V100 on 0.20 and later (startup.wheel_arch)
    node = f"Node 1 (n1, {V100}): "
    assert past_v100_wheels(result.errors, node) == [node + _triton_fp8(V100, "7.0")]
    # TP=2 on node 0's H100s alone runs fp8 on FLASH_ATTN (FA3): no node 1 worker
    assert _plan(cluster, "0.34.0", pp=1, kv="fp8").fits
    # four H100s at TP=2 x PP=2 fit: the refusal is the V100's
    assert _plan(_cluster("h100-sxm", "h100-sxm"), "0.34.0", pp=2, kv="fp8").fits


def test_the_first_node_of_each_older_capability_is_named_once() -> None:
    # H100, A100, V100, V100 at PP=4: the A100 (8.0) keeps Qwen3-8B's fp8 on FlashInfer (head
    # 128, no sinks); the V100s fall to TRITON_ATTN, node 2 named, node 3 (the same 7.0) not
    result = _plan(_cluster("h100-sxm", "a100-80gb", "v100-32gb", "v100-32gb"), "0.34.0", pp=4,
                   kv="fp8")
    node = f"Node 2 (n2, {V100}): "
    assert past_v100_wheels(result.errors, node) == [node + _triton_fp8(V100, "7.0")]


def test_node_0s_refusal_is_not_repeated_and_the_lower_node_adds_its_own() -> None:
    # a T4 node 0 refuses in its own words; an H100 node 1 adds nothing, a V100 node 1 its own
    t4 = _triton_fp8("Tesla T4", "7.5")
    assert _plan(_cluster("t4", "h100-sxm"), "0.34.0", pp=2, kv="fp8").errors == [t4]
    t4_errors, *v100 = _plan(_cluster("t4", "v100-32gb"), "0.34.0", pp=2, kv="fp8").errors
    assert t4_errors == t4
    node = f"Node 1 (n1, {V100}): "
    assert past_v100_wheels(v100, node) == [node + _triton_fp8(V100, "7.0")]


def test_flashinfer_on_a_later_t4_node_on_0_22() -> None:
    result = _plan(_cluster("h100-sxm", "t4"), "0.22.0", pp=2)
    assert result.errors == [
        "Node 1 (n1, Tesla T4): vLLM 0.22 serves Qwen/Qwen3-8B's head-size-128 attention on "
        "FlashInfer 0.6.11.post2 on Tesla T4 (compute capability 7.5), whose paged prefill "
        "kernel asks 65,568 B of shared memory a block, over the 65,536 B compute capability "
        "7.5 allows (BatchPrefillWithPagedKVCache failed with error invalid argument; "
        "flashinfer issue #3620): it fails at the first prompt of more than 64 query rows per "
        "KV head (tokens x query heads per KV head: a 128-row tile). vLLM 0.24 leaves "
        "FlashInfer off compute capability 7.5 for this."]


def test_mla_prefill_on_a_later_t4_node() -> None:
    model = "deepseek-ai/DeepSeek-V2-Lite-Chat"
    result = _plan(_cluster("a100-80gb", "t4"), "0.34.0", pp=2, model=model)
    assert result.errors == [
        f"Node 1 (n1, Tesla T4): vLLM 0.34 prefills MLA attention ({model}) with "
        "FlashAttention 2 on Tesla T4 (compute capability 7.5), its only MLA prefill backend "
        "off the SM100 family, and does not check the GPU: the engine starts and the first "
        "prompt fails (RuntimeError: FlashAttention only supports Ampere GPUs or newer.). "
        "FlashAttention needs compute capability 8.0."]
    assert _plan(_cluster("a100-80gb", "t4"), "0.34.0", pp=1, model=model).fits


BF16_V100 = ("Bfloat16 is only supported on GPUs with compute capability of at least 8.0. Your "
             f"{V100} GPU has compute capability 7.0. You can use float16 instead by explicitly "
             "setting the `dtype` flag in CLI, for example: --dtype=half.")


def test_ray_gives_node_1_node_0s_bfloat16_and_nnodes_its_own_float16() -> None:
    # vLLM 0.11.0 has no --nnodes: Ray's workers get the driver's config, whose --dtype auto
    # resolved to Qwen3-8B's bfloat16 on node 0's A100, and the V100 worker's init_device
    # refuses it; 0.11.1's headless node 1 resolves auto on its V100 to float16 and starts
    cluster = _cluster("a100-80gb", "v100-32gb")
    assert _plan(cluster, "0.11.0", pp=2).errors == [f"Node 1 (n1, {V100}): {BF16_V100}"]
    assert _plan(cluster, "0.11.1", pp=2).fits


def test_0_11_0s_flexattention_on_a_later_t4_node() -> None:
    # 0.11.0 serves compute capability below 8.0 on FLEX_ATTENTION, which refuses Gemma-2's soft
    # cap; its bfloat16 config (A100 node 0, Ray) is refused first, at init_device
    result = _plan(_cluster("a100-80gb", "t4"), "0.11.0", pp=2, model="google/gemma-2-2b-it")
    assert [e.split(": ", 1) for e in result.errors] == [
        ["Node 1 (n1, Tesla T4)", BF16_V100.replace(V100, "Tesla T4").replace("7.0", "7.5")],
        ["Node 1 (n1, Tesla T4)", "FlexAttention does not support logits soft cap yet."]]
