"""gpt-oss's MXFP4 experts padded for the kernel an explicit --moe-backend runs them on
(mxfp4.mxfp4_moe_kernel_of), where vLLM's MXFP4 oracle reads it (0.19.0 on)."""

from functools import cache

import pytest

from planner.catalog import catalog_spec
from planner.model.quant import scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import custom_gpu, gpu_preset, preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.mxfp4 import mxfp4_expert_padding, mxfp4_moe_kernel_of, mxfp4_note
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed.kernels import kernel_family, mxfp4_moe_kernel
from planner.serving.vllm_versions import EngineError

_spec = cache(catalog_spec)


def _weights_bytes(version: str, **engine) -> int:
    return _plan(version, **engine).per_gpu[0].weights_bytes


def _plan(version: str, **engine):
    return plan(PlanRequest(model=_spec("openai/gpt-oss-20b"),
                            cluster=preset_cluster("h100-sxm", 1), layout=ParallelLayout(tp=1),
                            engine=EngineSettings(vllm_version=version, max_model_len=8192,
                                                  **engine)))


def test_moe_backend_marlin_pads_gpt_oss_20b_experts_for_marlin_on_one_h100():
    # openai__gpt-oss-20b.json: hidden_size 2,880, intermediate_size 2,880, 32 local experts,
    # 24 layers. Per expert, MXFP4 (4 bits, one uint8 scale per 32) with biases:
    #   w13 [2I, H/2] + scales [2I, H/32] + bias [2I]; w2 [H, I/2] + scales [H, I/32] + bias [H]
    # Default on H100 (0.34.0 select_mxfp4_moe_backend: TRITON), round_up(I, 64) = 2,880,
    # H unpadded, biases float32 (4 B):
    #   w13 2*2,880*1,440 = 8,294,400 + 2*2,880*90 = 518,400 + 2*2,880*4 = 23,040
    #   w2  2,880*1,440 = 4,147,200 + 2,880*90 = 259,200 + 2,880*4 = 11,520
    #   = 13,253,760 B per expert
    # --moe-backend marlin (map_mxfp4_backend -> MARLIN; mxfp4_round_up_hidden_size_and_
    # intermediate_size: I round_up 128 -> 2,944, H round_up 256 -> 3,072), biases bf16 (2 B):
    #   w13 2*2,944*1,536 = 9,043,968 + 2*2,944*96 = 565,248 + 2*2,944*2 = 11,776
    #   w2  3,072*1,472 = 4,521,984 + 3,072*92 = 282,624 + 3,072*2 = 6,144
    #   = 14,431,744 B per expert
    # difference (14,431,744 - 13,253,760) * 32 * 24 = 1,177,984 * 768 = 904,691,712 B
    triton = _weights_bytes("0.34.0")
    assert _weights_bytes("0.34.0", moe_backend="triton") == triton
    assert _weights_bytes("0.34.0", moe_backend="marlin") - triton == 904_691_712
    # the same kernel VLLM_MXFP4_USE_MARLIN forces, the same bytes
    assert _weights_bytes("0.34.0", moe_backend="marlin") == _weights_bytes("0.34.0",
                                                                             mxfp4_marlin=True)


def test_moe_backend_flashinfer_cutlass_pads_128_by_128_on_one_h100():
    # FLASHINFER_CUTLASS_MXFP4_BF16 (is_device_capability(90)): H and I round_up 128: 2,944
    # each; biases bf16. w13 2*2,944*1,472 = 8,667,136 + 2*2,944*92 = 541,696 + 11,776;
    # w2 2,944*1,472 = 4,333,568 + 2,944*92 = 270,848 + 5,888: 13,830,912 B per expert,
    # (13,830,912 - 13,253,760) * 768 = 443,252,736 B over the default
    assert (_weights_bytes("0.34.0", moe_backend="flashinfer_cutlass")
            - _weights_bytes("0.34.0")) == 443_252_736


def test_moe_backend_ignored_before_the_mxfp4_oracle_reads_it():
    # 0.17.0-0.18.x quantization/mxfp4.py get_mxfp4_backend does not read moe_backend: the
    # default kernel's padding and biases
    assert _weights_bytes("0.18.0", moe_backend="marlin") == _weights_bytes("0.18.0")


def test_speed_model_runs_the_kernel_moe_backend_names():
    h100 = gpu_preset("h100-sxm")
    assert mxfp4_moe_kernel(h100, "0.34.0") == "triton-mxfp4"
    assert mxfp4_moe_kernel(h100, "0.34.0", "marlin") == "marlin-moe"
    assert mxfp4_moe_kernel(h100, "0.18.0", "marlin") == "triton-mxfp4"


def test_the_plan_names_marlin_where_moe_backend_marlin_puts_the_experts_there():
    warnings = " ".join(_plan("0.34.0", moe_backend="marlin").warnings)
    assert "runs on the Marlin MXFP4 kernel with --moe-backend marlin" in warnings
    assert "OAI Triton MoE" not in warnings


def test_speed_kernel_family_takes_the_marlin_decision():
    # VLLM_MXFP4_USE_MARLIN or --enable-lora (mxfp4_on_marlin) puts the experts on Marlin MoE:
    # FP4 weights dequantised to 16-bit (marlin_utils_fp4.py), so weight-only; unset, an H100
    # runs OpenAI's Triton MoE at the 16-bit rate (fp4 family, bf16 compute)
    h100, mxfp4 = gpu_preset("h100-sxm"), scheme("mxfp4")
    assert mxfp4_moe_kernel(h100, "0.34.0", marlin=True) == "marlin-moe"
    assert kernel_family(mxfp4, h100, "0.34.0", mxfp4_marlin=True) == ("weight-only", "bf16")
    assert kernel_family(mxfp4, h100, "0.34.0") == ("fp4", "bf16")


def test_an_unknown_nvidia_gpu_pads_for_no_kernel_unless_one_is_named():
    # a custom GPU ("" capability): vLLM's pick is unknown, so nothing is padded (timed as
    # Marlin); --moe-backend marlin (0.19.0 on) names Marlin: hidden % 256, width % 128
    # (oracle/mxfp4.py mxfp4_round_up_hidden_size_and_intermediate_size)
    kernel = mxfp4_moe_kernel_of((0, 34, 0), "", "nvidia", False, None)
    assert kernel == "unknown"
    assert mxfp4_expert_padding(kernel, (0, 34, 0), "") == (1, 1)
    named = mxfp4_moe_kernel_of((0, 34, 0), "", "nvidia", False, "marlin")
    assert mxfp4_expert_padding(named, (0, 34, 0), "") == (256, 128)


def test_moe_backend_triton_unfused_gets_the_oai_triton_note_as_triton_does():
    # 0.34.0 fused_moe/oracle/mxfp4.py map_mxfp4_backend: "triton_unfused" -> TRITON_UNFUSED,
    # whose experts class UnfusedOAITritonExperts (experts/gpt_oss_triton_kernels_moe.py) runs
    # triton_kernels' matmul_ogs with the activation and moe_sum unfused: OpenAI's Triton MoE,
    # in TRITON_BACKENDS (TRITON's weight format: the same padding, float32 biases, bytes)
    unfused = _plan("0.34.0", moe_backend="triton_unfused")
    assert unfused.per_gpu[0].weights_bytes == _weights_bytes("0.34.0")
    warnings = " ".join(unfused.warnings)
    assert "MXFP4 on NVIDIA H100 80GB HBM3 (compute capability 9.0) runs on the OAI Triton MoE " \
           "kernels" in warnings
    assert "Marlin MXFP4 kernel" not in warnings


def test_the_old_release_note_names_the_kernel_the_plan_pads_for():
    # vLLM < 0.11: the note on the kernel and its padding (mxfp4_note) describes the kernel
    # mxfp4_moe_kernel_of picked, the one mxfp4_expert_padding pads for. On an NVIDIA GPU of
    # unknown capability that kernel is "unknown", padded for none (1 x 1), which the note
    # does not describe: no "Marlin, padded to 256 x 128" beside unpadded experts
    unknown = mxfp4_moe_kernel_of((0, 10, 2), "", "nvidia", False, None)
    assert mxfp4_expert_padding(unknown, (0, 10, 2), "") == (1, 1)
    assert mxfp4_note((0, 10, 2), "", unknown) is None
    # a known capability: the note and the padding name the same kernel (0.10.2
    # get_mxfp4_backend: triton_kernels from 9.0, Marlin below)
    marlin = mxfp4_moe_kernel_of((0, 10, 2), "8.0", "nvidia", False, None)
    assert mxfp4_expert_padding(marlin, (0, 10, 2), "8.0") == (256, 128)
    assert "Marlin MXFP4 kernel (16-bit compute), experts padded to 256 x 128" in mxfp4_note(
        (0, 10, 2), "8.0", marlin)
    assert "OAI Triton MoE kernel" in mxfp4_note((0, 10, 2), "9.0", mxfp4_moe_kernel_of(
        (0, 10, 2), "9.0", "nvidia", False, None))


def test_an_unknown_capability_is_not_planned_before_0_11():
    # v1_oracle.uncovered_reason: vLLM < 0.11's engine oracle is read for NVIDIA capabilities
    # only, so a custom GPU without one is refused before any MXFP4 note is written
    cluster = preset_cluster("h100-sxm", 1)
    cluster = cluster.model_copy(update={"nodes": tuple(
        n.model_copy(update={"gpu": custom_gpu(80 * 2**30)}) for n in cluster.nodes)})
    with pytest.raises(EngineError, match="engine oracle off NVIDIA GPUs"):
        plan(PlanRequest(model=_spec("openai/gpt-oss-20b"), cluster=cluster,
                         layout=ParallelLayout(tp=1),
                         engine=EngineSettings(vllm_version="0.10.2", max_model_len=8192)))


def test_the_fp4_note_names_the_kernel_the_experts_are_padded_for_on_compute_capability_11():
    # 11.0 (Jetson Thor; a custom GPU here, no FP4 tensor cores for MXFP4 in Headroom's
    # formats): from 0.12.0 triton_kernels only below 11.0, so Marlin, except 0.32-0.33
    # (MXFP4_TRITON_SM110: OAI Triton on 11.x). The note named Triton from the capability
    # alone; it names the kernel the weights are padded for. Marlin's padding is
    # 904,691,712 B more than Triton's on gpt-oss-20b at TP=1 (the first test's arithmetic)
    thor = custom_gpu(120 * 2**30, "NVIDIA Thor", compute_capability="11.0")

    def on_thor(version: str):
        cluster = preset_cluster("h100-sxm", 1)
        cluster = cluster.model_copy(update={"nodes": tuple(
            n.model_copy(update={"gpu": thor}) for n in cluster.nodes)})
        result = plan(PlanRequest(model=_spec("openai/gpt-oss-20b"), cluster=cluster,
                                  layout=ParallelLayout(tp=1), engine=EngineSettings(
                                      vllm_version=version, max_model_len=8192)))
        (note,) = (w for w in result.warnings if w.startswith("MXFP4 on NVIDIA Thor"))
        return result.per_gpu[0].weights_bytes, note

    marlin, marlin_note = on_thor("0.25.0")
    triton, triton_note = on_thor("0.32.0")
    assert marlin - triton == 904_691_712
    assert "(compute capability 11.0) runs on the Marlin MXFP4 kernel:" in marlin_note
    assert "(compute capability 11.0) runs on the OAI Triton MoE kernels" in triton_note


@pytest.mark.parametrize(("version", "value", "fails"), [
    # 0.20.0-0.34.0: BaseOAITritonExperts._supports_current_device ends `and
    # has_triton_kernels()`, so the oracle's _return_or_raise raises ValueError for the
    # explicit backend; 0.19.0's device check reads the capability only and
    # convert_to_mxfp4_moe_kernel_format's `from triton_kernels.matmul_ogs import` fails
    ("0.34.0", "triton", "vLLM 0.34.0's MXFP4 oracle raises at start-up"),
    ("0.34.0", "triton_unfused", "vLLM 0.34.0's MXFP4 oracle raises at start-up"),
    ("0.20.0", "triton", "vLLM 0.20.0's MXFP4 oracle raises at start-up"),
    ("0.19.0", "triton", "vLLM 0.19.0 fails loading the weights"),
])
def test_an_explicit_triton_backend_note_says_vllm_fails_without_triton_kernels(version, value,
                                                                                fails):
    # map_mxfp4_backend maps an explicit value to its backend, taken or raised: no Marlin
    # fallback, which only vLLM's own pick makes (its priority list skips TRITON)
    warnings = " ".join(_plan(version, moe_backend=value).warnings)
    assert (f"runs on the OAI Triton MoE kernels as --moe-backend {value} asks (no Marlin "
            f"fallback: without triton_kernels, which the wheel ships, {fails})") in warnings
    assert "Marlin MXFP4 without triton_kernels" not in warnings


@pytest.mark.parametrize(("version", "value", "instead"), [
    # vLLM's own pick without triton_kernels on an H100 (9.0): 0.17.0-0.18.x
    # quantization/mxfp4.py get_mxfp4_backend (no --moe-backend read for MXFP4) -> Marlin;
    # 0.19.x oracle/mxfp4.py takes TRITON anyway (its device check reads the capability only)
    # and fails loading; 0.20.0-0.34.0 _get_priority_backends_for_gpt_oss lists
    # FLASHINFER_CUTLASS_MXFP4_BF16 after TRITON and before MARLIN, and FlashInferExperts takes
    # (kMxfp4Static, None) on is_device_capability(90)
    ("0.18.0", "triton", "Marlin MXFP4"),
    ("0.19.0", None, "vLLM 0.19.0 still takes them and fails loading the weights"),
    ("0.20.0", None, "FlashInfer's CUTLASS MXFP4 MoE, next in vLLM's list"),
    ("0.34.0", None, "FlashInfer's CUTLASS MXFP4 MoE, next in vLLM's list"),
])
def test_the_default_triton_note_names_what_each_release_takes_without_triton_kernels(
        version, value, instead):
    warnings = " ".join(_plan(version, moe_backend=value).warnings)
    assert (f"runs on the OAI Triton MoE kernels ({instead} without triton_kernels, which the "
            "wheel ships)") in warnings
    if version != "0.18.0":
        assert "Marlin MXFP4 without" not in warnings


@pytest.mark.parametrize(("gpu", "tp", "backend", "per_expert"), [
    # openai__gpt-oss-20b.json: hidden 2,880, intermediate 2,880, 32 experts x 24 layers = 768.
    # Per expert on one rank at padded hidden Hp and per-rank width Ip (MXFP4: 1/2 B a weight,
    # one uint8 scale per 32; w13 bias 2 x Ip, w2 bias Hp whole):
    #   2Ip x Hp/2 + 2Ip x Hp/32 + Hp x Ip/2 + Hp x Ip/32 + (2Ip + Hp) x bias bytes
    # H100 Triton (width to 64, float32 biases), TP=1: Hp 2,880, Ip 2,880
    ("h100-sxm", 1, None, 8_294_400 + 518_400 + 4_147_200 + 259_200 + 8_640 * 4),
    # Marlin (oracle/mxfp4.py mxfp4_round_up_hidden_size_and_intermediate_size: hidden to 256,
    # width to 128, bf16 biases): Hp 3,072, Ip 2,944
    ("h100-sxm", 1, "marlin", 9_043_968 + 565_248 + 4_521_984 + 282_624 + 8_960 * 2),
    # Triton at TP=2: Ip 1,440 -> 1,472
    ("h100-sxm", 2, None, 4_239_360 + 264_960 + 2_119_680 + 132_480 + 5_824 * 4),
    # B200 FlashInfer TRT-LLM (hidden to 256, width to 128, float32 biases): Hp 3,072, Ip 2,944
    ("b200", 1, None, 9_043_968 + 565_248 + 4_521_984 + 282_624 + 8_960 * 4),
])
def test_the_speed_reads_the_padded_experts_the_memory_plan_holds(gpu, tp, backend, per_expert):
    # vLLM pads the MoE input to the padded hidden size (fused_moe/runner/moe_runner.py F.pad to
    # moe_config.hidden_dim) and runs its GEMMs over the padded tensors (experts/marlin_moe.py:
    # size_k = padded hidden, size_n from w2's padded shape), so a step streams the padding.
    # It read the unpadded experts: 10,165,616,640 B on Marlin, 904,691,712 B under the plan's
    from planner.serving.speed import _context
    from planner.serving.speed.coefficients import FITTED

    request = PlanRequest(model=_spec("openai/gpt-oss-20b"), cluster=preset_cluster(gpu, tp),
                          layout=ParallelLayout(tp=tp),
                          engine=EngineSettings(vllm_version="0.34.0", max_model_len=8192,
                                                moe_backend=backend))
    assert _context(request, FITTED, 8192).stages[0].expert_bytes == 768 * per_expert
    experts = next(t for t in plan(request).terms if t.key == "weights")
    assert experts.inputs["experts_bytes"] == str(768 * per_expert)


@pytest.mark.parametrize(("tp", "backend", "per_rank_expert"), [
    # openai__gpt-oss-120b.json: hidden 2,880, intermediate 2,880, 4 of 128 experts a token, 36
    # layers; an expert: gate_up 2 x 2,880 x 2,880 + down 2,880 x 2,880 = 24,883,200 weights,
    # + (2 x 2,880 + 2,880) = 8,640 biases (counted as they are). The GEMMs run over the padded
    # tensors (moe_runner.py pads the input to the padded hidden; marlin_moe.py size_k / size_n)
    # Marlin pads hidden to 256 and width to 128: 3 x 3,072 x 2,944 = 27,131,904 weights
    (1, "marlin", 27_131_904 + 8_640),
    # H100's default OAI Triton MoE pads the width to 64 only: 2,880 stays
    (1, None, 24_883_200 + 8_640),
    # ... but at TP=2 each rank's 1,440 -> 1,472: 3 x 2,880 x 1,472 = 12,718,080 + 4,320 biases
    (2, None, 12_718_080 + 4_320),
])
def test_expert_flops_count_the_padded_dims_the_kernel_multiplies(tp, backend, per_rank_expert):
    from planner.model.quant import checkpoint_scheme
    from planner.serving.speed.stages import pipeline_stages
    from planner.serving.startup.weight_load import weight_load_rules

    spec, h100 = _spec("openai/gpt-oss-120b"), gpu_preset("h100-sxm")
    fmt = checkpoint_scheme(spec)
    request = PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", tp),
                          layout=ParallelLayout(tp=tp),
                          engine=EngineSettings(max_model_len=8192, moe_backend=backend))
    load = weight_load_rules(spec, fmt, backend, (0, 34, 0), h100)
    stage = pipeline_stages(request, fmt, 2, 2, load)[0]
    per_token = 36 * 4 * per_rank_expert  # routed-expert parameters a token multiplies, a rank
    assert stage.expert_params_per_token == pytest.approx(per_token, rel=1e-12)
    # a 1,024-token prefill chunk: 2 FLOPs a parameter a token on the expert GEMMs. Marlin TP=1:
    # 2 x 36 x 4 x 27,140,544 x 1,024 = 8,004,072,112,128 (7,340,902,318,080 unpadded)
    if backend == "marlin":
        assert 2 * stage.expert_params_per_token * 1024 == pytest.approx(8_004_072_112_128,
                                                                         rel=1e-12)
