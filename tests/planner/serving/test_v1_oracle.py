"""vLLM 0.9.1-0.10.x: the V1 engine's rules where they differ from 0.11, and the start-ups
those releases run on V0 (refused). Every figure is worked out by hand from the wheels' source
(/tmp/whl/v0.X.Y/vllm, unzipped PyPI wheels) named beside it."""

import re
from functools import cache

import pytest

from planner.catalog import catalog_spec
from planner.model.attention import FullAttentionKv, SlidingWindowKv
from planner.model.quant import scheme
from planner.serving.engine import EngineSettings, stage_kv
from planner.serving.hardware import gpu_preset, preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.v1_oracle import uncovered_reason
from planner.serving.vllm_cli import command_problems, vllm_cli
from planner.serving.vllm_versions import EngineError, LayoutRefused, parse_version, vllm_rules
from planner.units import GIB, MIB

_spec = cache(catalog_spec)


def _plan(repo: str, gpu: str, gpus: int, version: str, **engine):
    return plan(PlanRequest(model=_spec(repo), cluster=preset_cluster(gpu, gpus),
                            layout=ParallelLayout(tp=gpus),
                            engine=EngineSettings(vllm_version=version, **engine)))


def test_covered_from_the_first_release_with_memory_profiling():
    # v1/worker/gpu_worker.py determine_available_memory: memory_profiling from the 0.9.1
    # wheel; 0.9.0 subtracts everything mem_get_info reports used outside torch
    assert vllm_rules("0.9.1").label == "0.9.1" and vllm_rules("0.10.2").label == "0.10.2"
    for old in ("0.9.0", "0.8.5", "0.8.0"):
        with pytest.raises(EngineError, match="CUDA context"):
            vllm_rules(old)


def test_communicator_buffers_count_only_before_0_11():
    # v1/worker/gpu_worker.py Worker.init_device: init_worker_distributed_environment runs after
    # the init_snapshot in 0.9.1-0.10.2 and before it from 0.11.0 ("Initialize the distributed
    # environment BEFORE taking memory snapshot"); memory_profiling counts non-torch growth from
    # that snapshot. Llama-3.1-8B on 2x H100 PCIe, TP=2 (P2P over PCIe, no NVSwitch):
    # 0.9.2: 0.25 GiB context + 4 NCCL P2P connections x 9,633,792 B + custom all-reduce
    # 2 x 8 MiB = 268,435,456 + 38,535,168 + 16,777,216 = 323,747,840 B;
    # 0.11.0: the custom all-reduce and the 64 MiB symmetric-memory buffer
    # (SYMM_MEM_ALL_REDUCE_MAX_SIZES["9.0"][2]) are built before the snapshot: 306,970,624 B.
    old = _plan("meta-llama/Llama-3.1-8B-Instruct", "h100-pcie", 2, "0.9.2", max_model_len=8192)
    new = _plan("meta-llama/Llama-3.1-8B-Instruct", "h100-pcie", 2, "0.11.0", max_model_len=8192)
    a, b = old.per_gpu[0], new.per_gpu[0]
    assert a.non_torch_bytes == 323_747_840
    assert b.non_torch_bytes == 306_970_624
    # everything else is the same rule in both: budget, weights, activation
    assert (a.budget_bytes, a.weights_bytes, a.activation_bytes) == (
        b.budget_bytes, b.weights_bytes, b.activation_bytes)
    # one block at TP=2 = 32 layers x 2 (K, V) x 4 KV heads x 128 x 16 tokens x 2 B = 1 MiB,
    # so the 16 MiB vLLM 0.11 no longer counts is exactly 16 blocks more
    assert b.kv_cache_bytes - a.kv_cache_bytes == 16 * MIB
    assert b.num_blocks - a.num_blocks == 16
    # on an NVSwitch (H100 SXM) the fitted NVLS term (v0.19 logs, which hold neither buffer)
    # is the same in both; 0.10 adds the custom all-reduce's 16 MiB it counts
    sxm = _plan("meta-llama/Llama-3.1-8B-Instruct", "h100-sxm", 2, "0.10.1", max_model_len=8192)
    sxm_new = _plan("meta-llama/Llama-3.1-8B-Instruct", "h100-sxm", 2, "0.11.0",
                    max_model_len=8192)
    assert sxm.per_gpu[0].non_torch_bytes - sxm_new.per_gpu[0].non_torch_bytes == 16 * MIB


def test_kv_groups_take_the_smallest_type_before_0_12():
    # kv_cache_utils.py _get_kv_cache_config_uniform_page_size: group_size = min(layer counts)
    # in 0.9.1-0.11.0; from 0.12.0 the largest when it is < 1.25 x the smallest.
    # 12 sliding + 13 full layers, 8 KV heads x 128, bf16: page = 16 x 2 x 8 x 128 x 2 B
    # = 65,536 B. Old: groups of 12 -> 1 + cdiv(13, 12) = 3 groups, block = 12 pages.
    # New: 13 < 1.25 x 12 = 15 -> groups of 13 -> 1 + 1 = 2 groups, block = 13 pages.
    sliding = SlidingWindowKv(num_kv_heads=8, head_dim=128, v_head_dim=128, sliding_window=4096)
    full = FullAttentionKv(num_kv_heads=8, head_dim=128, v_head_dim=128)
    layers = (sliding,) * 12 + (full,) * 13
    old = stage_kv(layers, 16, 2, 1, group_pad_ratio=1.0)
    new = stage_kv(layers, 16, 2, 1, group_pad_ratio=1.25)
    assert (old.group_size, old.num_groups, old.bytes_per_block) == (12, 3, 12 * 65_536)
    assert (new.group_size, new.num_groups, new.bytes_per_block) == (13, 2, 13 * 65_536)
    assert vllm_rules("0.11.0").group_pad_ratio == 1.0
    assert vllm_rules("0.12.0").group_pad_ratio == 1.25


def test_kv_groups_pad_up_to_1_5_times_the_smallest_type_from_0_18():
    # _get_kv_cache_groups_uniform_page_size: "max_num_layers < min_num_layers * 1.25" in the
    # 0.12.0-0.17.0 wheels, "* 1.5" from the 0.18.0 wheel ("accommodating speculative
    # decoding drafters that add extra layers to one attention type"; 0.19.0 the same, 0.33.0
    # in v1/core/kv_cache_planning.py). 4 sliding + 3 full layers, page 65,536 B as above:
    # 4 >= 1.25 x 3 = 3.75 -> 0.17: groups of 3 -> cdiv(4, 3) + 1 = 3 groups, block 3 pages;
    # 4 < 1.5 x 3 = 4.5 -> 0.18: groups of 4 -> 1 + 1 = 2 groups, block 4 pages.
    sliding = SlidingWindowKv(num_kv_heads=8, head_dim=128, v_head_dim=128, sliding_window=4096)
    full = FullAttentionKv(num_kv_heads=8, head_dim=128, v_head_dim=128)
    layers = (sliding,) * 4 + (full,) * 3
    for version, groups in (("0.17.0", (3, 3)), ("0.18.0", (4, 2)), ("0.19.0", (4, 2)),
                            ("0.33.0", (4, 2))):
        stage = stage_kv(layers, 16, 2, 1, group_pad_ratio=vllm_rules(version).group_pad_ratio)
        assert (stage.group_size, stage.num_groups) == groups, version
        assert stage.bytes_per_block == groups[0] * 65_536


def test_mixed_page_sizes_cannot_start_before_0_12():
    # Gemma-4's global layers (4 KV heads x 512) and sliding layers (16 x 256) have different
    # pages: kv_cache_utils.py raises NotImplementedError until unify_kv_cache_spec_page_size
    # (0.12.0 wheel). No registry before 0.19.0 has a Gemma 4 class, which is refused first
    # (vllm_cli.unserved_refusal), so the page rule is read on its layers under a class the
    # 0.11.0 registry has (Gemma 3's)
    repo = "nvidia/Gemma-4-31B-IT-NVFP4"
    with pytest.raises(EngineError, match="the first release whose registry has it is 0.19.0"):
        _plan(repo, "h100-sxm", 1, "0.11.0", max_model_len=8192)
    layers = _spec(repo).model_copy(update={"architectures": ("Gemma3ForConditionalGeneration",)})

    def planned(version: str):
        return plan(PlanRequest(model=layers, cluster=preset_cluster("h100-sxm", 1),
                                layout=ParallelLayout(tp=1),
                                engine=EngineSettings(vllm_version=version, max_model_len=8192)))
    old, new = planned("0.11.0"), planned("0.12.0")
    assert any("different page sizes" in e for e in old.errors) and not old.fits
    assert not any("different page sizes" in e for e in new.errors)


H100, A100, B200, RTX5090, V100 = "9.0", "8.0", "10.0", "12.0", "7.0"


def _why(version: str, cc: str, repo: str = "meta-llama/Llama-3.1-8B-Instruct", **kw):
    return uncovered_reason(parse_version(version), cc, _spec(repo), vllm_cli(version), **kw)


def test_kv_cache_dtype_fall_backs_follow_each_oracle():
    # 0.9.x: fp8 only on FlashAttention 3 (flash_attn_supports_fp8: Hopper);
    # 0.10.0-0.10.1 add compute capability 10.0 (is_device_capability(100));
    # 0.10.2 adds MLA models (FLASHMLA / CUTLASS_MLA take any cache dtype)
    assert _why("0.9.2", H100, kv_cache_dtype="fp8") is None
    assert "V0 engine" in _why("0.9.2", B200, kv_cache_dtype="fp8")
    assert _why("0.10.0", B200, kv_cache_dtype="fp8") is None
    for version in ("0.9.1", "0.10.1", "0.10.2"):
        why = _why(version, A100, kv_cache_dtype="fp8")
        assert why.startswith(f"vLLM {version} would start it on its V0 engine"), why
        assert "--kv-cache-dtype fp8 on compute capability 8.0" in why
    assert "V0 engine" in _why("0.10.2", RTX5090, kv_cache_dtype="fp8_e4m3")
    mla = "deepseek-ai/DeepSeek-V2-Lite-Chat"
    assert "V0 engine" in _why("0.10.1", A100, mla, kv_cache_dtype="fp8")
    assert _why("0.10.2", A100, mla, kv_cache_dtype="fp8") is None
    assert _why("0.10.1", A100) is None  # auto stays on V1
    assert _why("0.11.0", A100, kv_cache_dtype="fp8") is None  # no V0 engine from 0.11


def test_hardware_dtype_and_model_fall_backs():
    # "Compute Capability < 8.0" falls back in 0.9.1-0.10.1; gone from the 0.10.2 oracle
    assert "compute capability 7.0 < 8.0" in _why("0.10.1", V100)
    # 0.10.2 runs V1 there on FlexAttention, as 0.11.0 does (attention_backend.FLEX_BELOW_SM80)
    assert _why("0.10.2", V100) is None
    # from 0.20.0 no wheel holds code for 7.0 (startup.wheel_arch): 0.11 to 0.19 run a V100
    assert _why("0.10.1", V100).endswith(
        "plan it with vLLM 0.11 to 0.19: vLLM's prebuilt wheels hold no CUDA code for compute "
        "capability 7.0 from 0.20.0 (7.5 and newer), so a pip-installed vLLM 0.20.0 or later "
        "cannot run it (0.19 and earlier hold code for it)")
    assert _why("0.10.1", "7.5").endswith("plan it with vLLM 0.11 or later")  # a T4
    # 6.1 (a Tesla P40): no wheel of any release holds code for it, so no release to advise
    assert _why("0.9.1", "6.1") == (
        "vLLM 0.9.1 would start it on its V0 engine, which Headroom does not model (compute "
        "capability 6.1 < 8.0: engine/arg_utils.py _is_v1_supported_oracle); vLLM's prebuilt "
        "wheels hold no CUDA code for compute capability 6.1 on any release (7.0 and newer to "
        "0.19, 7.5 and newer from 0.20.0), so a pip-installed vLLM cannot run it")
    assert _why("0.11.0", V100) is None
    # V1_SUPPORTED_DTYPES (bf16 / fp16) in the 0.9.1 oracle only
    assert "--dtype float32" in _why("0.9.1", A100, dtype="float32")
    assert _why("0.9.2", A100, dtype="float32") is None
    # Mamba / hybrid: has_inner_state falls back in 0.10.0-0.10.1; 0.10.2's V1 layout unread
    nemotron_h = "nvidia/Nemotron-H-56B-Base-8K"
    assert "has_inner_state" in _why("0.10.1", H100, nemotron_h)
    assert "not read" in _why("0.10.2", H100, nemotron_h)
    # registry.py: GptOssForCausalLM arrives in the 0.10.1 wheel
    assert "no model class for GptOssForCausalLM" in _why("0.10.0", H100, "openai/gpt-oss-120b")
    assert _why("0.10.1", H100, "openai/gpt-oss-120b") is None
    # parts of V1 whose pre-0.11 memory is not read
    assert "multimodal encoder" in _why("0.10.2", H100, "google/gemma-3-27b-it")
    assert "chunked local attention" in _why(
        "0.10.2", H100, "meta-llama/Llama-4-Scout-17B-16E-Instruct")
    assert "speculative" in _why("0.10.2", H100, num_speculative_tokens=1)
    # --kv-cache-memory-bytes arrives in the 0.10.2 wheel (arg_utils.py, gpu_worker.py)
    assert "--kv-cache-memory-bytes" in _why("0.10.1", H100, kv_cache_memory_bytes=GIB)
    assert _why("0.10.2", H100, kv_cache_memory_bytes=GIB) is None


def test_a_fall_back_is_refused_by_plan_in_one_line():
    with pytest.raises(EngineError) as err:
        _plan("meta-llama/Llama-3.1-8B-Instruct", "a100-80gb", 1, "0.10.1",
              kv_cache_dtype="fp8", max_model_len=8192)
    assert "\n" not in str(err.value) and "0.10.1" in str(err.value)
    assert not isinstance(err.value, LayoutRefused)  # the settings': every layout refuses


def test_launch_command_passes_the_patch_releases_own_parser():
    # one fixture per patch release before 0.11 (their flags differ); 0.10.3 would take 0.10.2's
    assert vllm_cli("0.10.1").vllm_version == "0.10.1"
    assert vllm_cli("0.10.3").vllm_version == "0.10.2"
    # and 0.11.1's, whose parser is not 0.11.0's (--block-size 256, --kv-cache-dtype
    # fp8_ds_mla); 0.11.2's wheel parses as 0.11.1's
    assert vllm_cli("0.11.2").vllm_version == "0.11.1"
    p = _plan("openai/gpt-oss-120b", "h100-sxm", 2, "0.10.1", max_model_len=8192)
    assert p.vllm_command and command_problems(p.vllm_command, vllm_cli("0.10.1")) == []
    # --skip-mm-profiling arrives in 0.10.1, --kv-cache-memory-bytes in 0.10.2 (the wheels'
    # engine/arg_utils.py, read into the fixtures)
    head = "vllm serve Qwen/Qwen3-8B "
    assert command_problems(head + "--kv-cache-memory-bytes 1", vllm_cli("0.10.1")) == [
        "vLLM 0.10.1: unrecognized arguments: --kv-cache-memory-bytes"]
    assert command_problems(head + "--kv-cache-memory-bytes 1", vllm_cli("0.10.2")) == []
    assert command_problems(head + "--skip-mm-profiling", vllm_cli("0.10.0")) == [
        "vLLM 0.10.0: unrecognized arguments: --skip-mm-profiling"]
    assert command_problems(head + "--skip-mm-profiling", vllm_cli("0.10.1")) == []


def test_unified_memory_gpus_read_cuda_mem_get_info_before_0_12():
    # utils MemorySnapshot: torch.cuda.mem_get_info in the 0.9.1-0.11.0 wheels
    from planner.serving.vllm_versions import free_memory_source
    assert free_memory_source(vllm_rules("0.10.2"), "12.1", True) == "cudaMemGetInfo"
    assert gpu_preset("dgx-spark-gb10").compute_capability == "12.1"


def test_mxfp4_experts_run_on_marlin_on_hopper_until_0_10_2():
    # the 0.10.0-0.10.1 wheels pin torch==2.7.1 and mxfp4.py _should_use_marlin needs torch
    # >= 2.8.0 for the Triton path: Marlin on Hopper (hidden 256, intermediate 128 multiples),
    # as the 0.11 Marlin fallback; 0.10.2 (torch 2.8.0) takes Triton on Hopper, as 0.11 does
    from planner.serving.mxfp4 import mxfp4_expert_padding, mxfp4_moe_kernel_of

    def pad(version, cc):  # for the kernel chosen with no setting
        kernel = mxfp4_moe_kernel_of(version, cc, "nvidia", False, None)
        return mxfp4_expert_padding(kernel, version, cc)

    assert pad((0, 10, 1), H100) == (256, 128)
    assert pad((0, 10, 2), H100) == (1, 64)
    assert pad((0, 10, 2), A100) == (256, 128)
    assert pad((0, 10, 2), B200) == (256, 256)  # FlashInfer BF16, if installed
    repo, length = "openai/gpt-oss-120b", 8192

    def weights(version: str, **engine) -> int:
        return _plan(repo, "h100-sxm", 1, version, max_model_len=length, **engine
                     ).per_gpu[0].weights_bytes

    marlin = weights("0.11.0", mxfp4_marlin=True)
    assert weights("0.10.1") == marlin > weights("0.11.0") == weights("0.10.2")
    note = _plan(repo, "h100-sxm", 1, "0.10.1", max_model_len=length).warnings
    assert any("Marlin MXFP4 kernel" in w and "torch 2.7.1" in w for w in note), note


def test_a_sweep_plans_what_v1_runs_and_says_what_it_left_out():
    from planner.serving.sweep import sweep

    spec, cluster = _spec("meta-llama/Llama-3.1-8B-Instruct"), preset_cluster("a100-80gb", 2)
    result = sweep(spec, cluster, EngineSettings(vllm_version="0.10.1", max_model_len=8192))
    assert result.rows and {row.kv_cache_dtype for row in result.rows} == {"auto"}
    assert len(result.refused) == 1 and "--kv-cache-dtype fp8" in result.refused[0]
    assert sweep(spec, cluster, EngineSettings(vllm_version="0.11.0", max_model_len=8192)
                 ).refused == ()
    with pytest.raises(EngineError, match="compute capability 7.0"):  # nothing left to plan
        sweep(spec, preset_cluster("v100-32gb", 2), EngineSettings(vllm_version="0.10.1"))


def test_a_sweep_derives_a_refused_setting_once_not_per_layout(monkeypatch):
    from planner.serving.plan import derive as derive_module
    from planner.serving.sweep import sweep

    # 0.10.1 runs an fp8 KV cache on an A100 (compute capability 8.0) on V0: refused for
    # every layout, so the sweep stops that format's layouts at the first (2 GPUs: 4 layouts)
    refusals = []
    derive = derive_module._derive

    def counted(spec, cluster, s, *rest):
        try:
            return derive(spec, cluster, s, *rest)
        except EngineError:
            refusals.append(s.kv_cache_dtype)
            raise

    monkeypatch.setattr(derive_module, "_derive", counted)
    sweep(_spec("meta-llama/Llama-3.1-8B-Instruct"), preset_cluster("a100-80gb", 2),
          EngineSettings(vllm_version="0.10.1", max_model_len=8192), quant_keys=("bf16",))
    assert refusals == ["fp8"]


def test_fp8_e5m2_on_hopper_fails_at_the_first_step_from_0_10_1():
    # v1/attention/backends/flash_attn.py get_fp8_dtype_for_flashattn ("Unrecognized FP8
    # dtype", fp8 / fp8_e4m3 only) is in the 0.10.1 and 0.10.2 wheels, not in 0.9.2 / 0.10.0;
    # the oracle keeps the run on V1 (flash_attn_supports_fp8 on Hopper) and
    # platforms/cuda.py picks FLASH_ATTN_V1 on 9.0
    from planner.serving.startup.attention_backend import kv_format_errors

    llama = _spec("meta-llama/Llama-3.1-8B-Instruct")
    for version, fails in (("0.9.2", False), ("0.10.0", False), ("0.10.1", True),
                           ("0.10.2", True)):
        errors = kv_format_errors(gpu_preset("h100-sxm"), llama, "fp8_e5m2", vllm_cli(version))
        assert bool(errors) == fails and all("Unrecognized FP8 dtype" in e for e in errors)


def test_chunked_prefill_stays_on_before_0_12():
    # engine/arg_utils.py _set_default_args_v1 (0.9.1-0.10.2) / _set_default_args (0.11.0):
    # `if model_config.runner_type != "pooling": self.enable_chunked_prefill = True`, so a
    # 4,096-token batch under a 32,768-token context starts there; 0.12 refuses it
    # (SchedulerConfig: "max_num_batched_tokens (4096) is smaller than max_model_len")
    settings = {"max_model_len": 32768, "max_num_batched_tokens": 4096,
                "enable_chunked_prefill": False}
    old = _plan("Qwen/Qwen3-8B", "h100-sxm", 1, "0.10.2", **settings)
    new = _plan("Qwen/Qwen3-8B", "h100-sxm", 1, "0.12.0", **settings)
    assert old.fits and any("turns chunked prefill back on" in w for w in old.warnings)
    assert not new.fits and "is smaller than max_model_len" in new.errors[0]


def test_cuda_graphs_captured_per_release():
    # (not subtracted before 0.20: the plan's warning sizes them)
    # 0.9.x: SchedulerConfig.cuda_graph_sizes = [512]; from 0.10.0 [min(2 x max_num_seqs, 512)];
    # sizes 1, 2, 4 + every 8 up to it (0.9.1-0.11.0 _set_cudagraph_sizes), every 16 above 256
    # from 0.11.1; PIECEWISE only before 0.11 (FULL_AND_PIECEWISE from 0.11.0: a full graph
    # per size <= max_num_seqs)
    from planner.serving.engine import cuda_graph_count

    def count(version: str, seqs: int) -> tuple[int, int]:
        return cuda_graph_count(seqs, 2048, False, vllm_rules(version))

    assert count("0.9.2", 64) == (3 + 64, 0)  # 8..512 by 8
    assert count("0.10.1", 64) == (3 + 16, 0)  # 8..128 by 8
    assert count("0.10.1", 256) == (3 + 64, 0)
    assert count("0.11.0", 64) == (3 + 16, 3 + 8)  # full: 1, 2, 4, 8..64
    assert count("0.11.0", 256) == (3 + 64, 3 + 32)
    assert count("0.12.0", 256) == (3 + 31 + 17, 3 + 32)  # 8..248 by 8, 256..512 by 16


FLASHINFER_NO_EP = "EP is not supported for flashinfer mxfp4 moe backend yet."
"""The 0.10.1 wheel's quantization/mxfp4.py Mxfp4MoEMethod.apply, on the FlashInfer path
(should_use_flashinfer_mxfp4: compute capability 10.0, FlashInfer installed): `assert not
self.moe.use_ep, (...)`, reached by the profile run at start-up; the 0.10.2 wheel has no such
assert; Marlin (VLLM_MXFP4_USE_MARLIN, or any GPU but 10.0 there) returns before it."""


def _gpt_oss_ep(gpu: str, version: str, ep: bool, **engine):
    return plan(PlanRequest(model=_spec("openai/gpt-oss-120b"), cluster=preset_cluster(gpu, 2),
                            layout=ParallelLayout(tp=2, ep=ep),
                            engine=EngineSettings(vllm_version=version, max_model_len=8192,
                                                  **engine)))


def test_gpt_oss_with_expert_parallel_on_b200_fails_at_start_up_in_0_10_1():
    with pytest.raises(EngineError, match=re.escape(FLASHINFER_NO_EP)) as refused:
        _gpt_oss_ep("b200", "0.10.1", ep=True)
    assert "0.10.1" in str(refused.value) and "\n" not in str(refused.value)
    assert isinstance(refused.value, LayoutRefused)  # this layout only: TP alone runs
    # not without EP, not in 0.10.2, not on Marlin (H100 in 0.10.1, or the Marlin option)
    for gpu, version, ep, engine in (("b200", "0.10.1", False, {}), ("b200", "0.10.2", True, {}),
                                     ("h100-sxm", "0.10.1", True, {}),
                                     ("b200", "0.10.1", True, {"mxfp4_marlin": True})):
        assert _gpt_oss_ep(gpu, version, ep, **engine).per_gpu


def test_a_sweep_skips_the_expert_parallel_layouts_0_10_1_refuses():
    from planner.serving.sweep import sweep

    result = sweep(_spec("openai/gpt-oss-120b"), preset_cluster("b200", 2),
                   EngineSettings(vllm_version="0.10.1", max_model_len=8192),
                   quant_keys=("mxfp4",), kv_dtypes=("auto",),
                   layouts=[ParallelLayout(tp=2, ep=True), ParallelLayout(tp=2),
                            ParallelLayout(tp=1, dp=2, ep=True), ParallelLayout(tp=1)])
    assert {(row.layout.tp, row.layout.dp, row.layout.ep) for row in result.rows} == {
        (2, 1, False), (1, 1, False)}
    assert any(FLASHINFER_NO_EP in line for line in result.refused)


def test_nearest_fit_and_auto_layout_pass_over_the_refused_expert_parallel_layouts():
    from planner.serving.auto_layout import auto_layout
    from planner.serving.fixes import nearest_fit

    # two 48 GiB GPUs of compute capability 10.0: gpt-oss-120b's ~65 GB need both; asked
    # with EP, the first wider layout nearest_fit tries is TP=2 + EP, which 0.10.1 refuses,
    # then TP=2 (fits), which has to turn EP off
    b200 = preset_cluster("b200", 2)
    small = b200.nodes[0].gpu.model_copy(update={"memory_total_bytes": 48 * GIB})
    cluster = b200.model_copy(update={"nodes": [n.model_copy(update={"gpu": small})
                                                for n in b200.nodes]})
    spec, engine = _spec("openai/gpt-oss-120b"), EngineSettings(vllm_version="0.10.1",
                                                                max_model_len=8192)
    request = PlanRequest(model=spec, cluster=cluster, layout=ParallelLayout(ep=True),
                          engine=engine)
    assert nearest_fit(request, plan(request)).text == (
        "TP=2 fits (no layout of these 2 GPUs that keeps EP fits)")
    assert auto_layout(spec, cluster, scheme("mxfp4"), engine, ep=True) == ParallelLayout(tp=2)
