"""fp8 made at load (`--quantization fp8` on a 16-bit checkpoint) on the releases that allocate the
whole 16-bit model before quantizing it (vllm_versions.FP8_AT_LOAD_ON_META_FROM): the 16-bit
weights per GPU, not the fp8 ones, must fit the GPU while vLLM loads them."""

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import Plan, PlanRequest, plan
from planner.serving.prices import with_overrides
from planner.serving.recommend import Workload, recommend
from planner.serving.sweep import sweep
from planner.units import GIB

# Qwen3-32B (config.json: hidden 5120, 64 layers, 64 query / 8 KV heads of 128, intermediate
# 25600, vocab 151936, untied): per layer q and o 5120 x 8192 each, k and v 5120 x 1024 each,
# the MLP 3 x 5120 x 25600, q/k norms 2 x 128, two norms 2 x 5120 = 487,598,336 parameters;
# x 64 = 31,206,293,504, + embeddings and lm_head 2 x 151936 x 5120 = 1,555,824,640, + the
# final norm 5120 = 32,762,123,264 parameters x 2 B = 65,524,246,528 B, + the rotary cache
# 40960 positions x 128 x 2 B = 10,485,760 B: 65,534,732,288 B = 61.03 GiB on one GPU.
QWEN3_32B_BF16_BYTES = 65_534_732_288
L40S_TOTAL_BYTES = 47_695_611_822  # 44.42 GiB: the preset, what CUDA reports
CONTEXT_BYTES = GIB // 4  # the non-torch memory at TP=1 (engine.non_torch.CONTEXT_BYTES)


def _qwen3_32b_fp8(version: str) -> Plan:
    return plan(PlanRequest(
        model=catalog_spec("Qwen/Qwen3-32B"), cluster=preset_cluster("l40s", 1),
        layout=ParallelLayout(), engine=EngineSettings(
            target_quant="fp8-tensor", max_model_len=8000, vllm_version=version)))


def test_a_plan_that_fits_only_after_quantizing_is_refused_where_the_16_bit_model_loads_whole():
    assert preset_cluster("l40s", 1).nodes[0].gpu.memory_total_bytes == L40S_TOTAL_BYTES
    over = QWEN3_32B_BF16_BYTES + CONTEXT_BYTES - L40S_TOTAL_BYTES  # 16.86 GiB
    for version in ("0.11.0", "0.15.1"):  # 0.15.1: the last release before 0.16.0
        p = _qwen3_32b_fp8(version)
        assert not p.fits and p.vllm_command is None
        assert p.weights_bytes_per_gpu < 32 * GIB  # the fp8 weights alone fit the budget
        assert p.errors[0].startswith(f"vLLM {version} allocates Qwen/Qwen3-32B's weights whole "
                                      "in BF16 before it makes FP8 E4M3, per-tensor scale of "
                                      "them at load (model_executor/layers/quantization/fp8.py")
        assert "61.03 GiB per GPU + 0.25 GiB non-torch exceed the GPU's 44.42 GiB by 16.86 GiB" \
            in p.errors[0]
        assert p.memory_shortfall_bytes_per_gpu >= over
        assert "\n" not in p.errors[0]
        assert p.v2_warm_restart_available_kv_bytes is None  # vLLM never reaches the KV cache
    # 0.16.0 creates the 16-bit weights on `meta` and materializes them per layer: the plan
    # stands on its fp8 weights, with nothing said of the load
    p = _qwen3_32b_fp8("0.16.0")
    assert p.fits
    assert not any("fp8.py" in line for line in (*p.errors, *p.warnings, p.launch_note or ""))
    assert "--quantization fp8" in p.vllm_command


def _qwen3_32b_on_l40s(model: str = "Qwen/Qwen3-32B", gpus: int = 1, version: str = "0.11.0",
                      **engine: object) -> Plan:
    return plan(PlanRequest(
        model=catalog_spec(model), cluster=preset_cluster("l40s", gpus),
        layout=ParallelLayout(tp=gpus), engine=EngineSettings(
            max_model_len=8000, vllm_version=version, **engine)))


def test_the_refusal_advises_only_steps_that_run_with_the_flags_given():
    # --target-quant takes a --target-checkpoint; --quantization fp8 does not (the CLI exits 2
    # on --target-checkpoint without --target-quant): it is told to plan an FP8 checkpoint
    what_if = _qwen3_32b_on_l40s(target_quant="fp8-tensor").errors[0]
    assert what_if.endswith("; plan vLLM 0.16.0 or later, more GPUs (--gpus with --tp), or load "
                            "an FP8 E4M3, per-tensor scale checkpoint (--target-checkpoint)."), \
        what_if
    runtime = _qwen3_32b_on_l40s(quantization="fp8").errors[0]
    assert runtime.startswith("vLLM 0.11.0 allocates Qwen/Qwen3-32B's weights whole in BF16")
    assert runtime.endswith("; plan vLLM 0.16.0 or later, more GPUs (--gpus with --tp), or an "
                            "FP8 checkpoint itself (--model), which vLLM loads as stored."), \
        runtime
    assert "--target-checkpoint" not in runtime
    # each step loads: at TP=2 a GPU holds about half the 61.03 GiB of BF16 weights (30.5 GiB,
    # under 44.42), and Qwen3-32B-FP8 is loaded as stored, never whole in BF16
    assert _qwen3_32b_on_l40s(gpus=2, quantization="fp8").fits
    fp8_checkpoint = _qwen3_32b_on_l40s("Qwen/Qwen3-32B-FP8")
    assert fp8_checkpoint.fits and "--quantization" not in fp8_checkpoint.vllm_command


def test_a_16_bit_model_that_fits_the_gpu_loads_and_is_quantized_as_before():
    # Qwen3-8B: 8.2e9 parameters x 2 B = 15.3 GiB whole, well under an L40S's 44.42 GiB
    p = plan(PlanRequest(
        model=catalog_spec("Qwen/Qwen3-8B"), cluster=preset_cluster("l40s", 1),
        layout=ParallelLayout(), engine=EngineSettings(
            target_quant="fp8-tensor", max_model_len=8000, vllm_version="0.11.0")))
    assert p.fits and "--quantization fp8" in p.vllm_command


def test_a_moe_model_quantized_at_load_is_refused_and_not_offered_as_the_nearest_fit():
    # DeepSeek-V2-Lite: 15.7e9 parameters, at least 15.7e9 x 2 B = 29.2 GiB of 16-bit weights
    # on one RTX 4090 (23.64 GiB): Fp8MoEMethod allocates w13/w2 in the model dtype too
    spec = catalog_spec("deepseek-ai/DeepSeek-V2-Lite-Chat")
    request = PlanRequest(model=spec, cluster=preset_cluster("rtx-4090", 1),
                          layout=ParallelLayout(), engine=EngineSettings(
                              max_model_len=32000, vllm_version="0.11.0"))
    p = plan(request)
    assert not p.fits and "fp8" not in (p.nearest_fit_change or "")
    fp8 = plan(request.model_copy(update={"engine": request.engine.model_copy(
        update={"target_quant": "fp8-tensor"})}))
    assert not fp8.fits and "allocates deepseek-ai/DeepSeek-V2-Lite-Chat's weights whole" \
        in fp8.errors[0]


def test_recommend_skips_the_rows_vllm_cannot_load():
    # Llama-3.1-70B (80 layers of 855,638,016 Linear parameters, embeddings and lm_head of
    # 128256 x 8192 each), BF16, per GPU: at TP=2 (34,226,176,000 + 1,050,673,152 + 1,318,912
    # norms) x 2 B + the 131072 x 128 x 2 B rotary cache = 70,589,890,560 B = 65.74 GiB, more
    # than an RTX A6000's 47.54 GiB; at TP=4 35,313,041,408 B = 32.89 GiB, which loads
    def rows(version: str) -> set[tuple[int, str]]:
        return _recommended("meta-llama/Llama-3.1-70B-Instruct", "rtx-a6000", 4, version)

    assert (2, "fp8-tensor") not in rows("0.11.0")
    assert (4, "fp8-tensor") in rows("0.11.0")
    assert (2, "fp8-tensor") in rows("0.16.0")  # the cheapest there: per layer from 0.16.0


def _recommended(model: str, gpu: str, gpus_max: int, version: str) -> set[tuple[int, str]]:
    """recommend's rows (GPUs, weight format) for `model` on up to `gpus_max` `gpu`s."""
    result = recommend([catalog_spec(model)], Workload(context_tokens=8000, concurrency=4),
                       with_overrides(), gpus_max=gpus_max, gpu_keys=(gpu,), top=20,
                       engine=EngineSettings(vllm_version=version))
    return {(row.gpus, row.quant_key) for row in result.rows}


def test_bitsandbytes_made_at_load_is_planned_at_its_packed_weights():
    # vLLM's bitsandbytes loader creates the packed uint8 weights and quantizes one checkpoint
    # tensor at a time on the GPU (load_peak.load_peak_errors' NOTE): Qwen3-32B's 61.03 GiB of
    # BF16 weights never sit whole on the L40S's 44.42 GiB, where fp8 made at load is refused
    assert QWEN3_32B_BF16_BYTES > L40S_TOTAL_BYTES
    for version in ("0.11.0", "0.15.1"):
        assert not _qwen3_32b_on_l40s(version=version, quantization="fp8").fits
        for engine in ({"quantization": "bitsandbytes"}, {"target_quant": "bnb-nf4"}):
            p = _qwen3_32b_on_l40s(version=version, **engine)
            assert p.fits, (version, engine, p.errors)
            # 64 layers x 487,587,840 Linear parameters (the per-layer count above less
            # its 2 x 128 + 2 x 5120 norms) x (4 + 8/64 + 32/16384) bits / 8 =
            # 16,098,017,280 B, + in 16-bit the embeddings and lm_head 3,111,649,280 B, the
            # norms 64 x 10,496 x 2 + 5120 x 2 = 1,353,728 B and the rotary cache
            # 10,485,760 B: 19,221,506,048 B (17.90 GiB)
            assert p.weights_bytes_per_gpu == 19_221_506_048
            assert "--quantization bitsandbytes" in p.vllm_command
            assert not any("whole" in line for line in p.errors)


# Qwen3-30B-A3B (config.json: hidden 2048, 48 layers, 32 query / 4 KV heads of 128, 128 experts
# of moe_intermediate 768, vocab 151936, untied): per layer q and o 2048 x 4096 each, k and v
# 2048 x 512 each (18,874,368 Linear), the experts 128 x 3 x 2048 x 768 = 603,979,776, the router
# 2048 x 128 = 262,144, q/k norms 2 x 128 and two norms 2 x 2048 = 4,352: 623,120,640 x 48 =
# 29,909,790,720, + embeddings and lm_head 2 x 151936 x 2048 = 622,329,856, + the final norm
# 2048 = 30,532,122,624 parameters x 2 B = 61,064,245,248 B, + the rotary cache 40960 x 128 x
# 2 B = 10,485,760 B: 61,074,731,008 B (56.88 GiB) of BF16 weights. fp8 quantizes the Linear
# and expert weights and the router (its gate takes the quant config from 0.10.1:
# vllm_versions.QWEN3_MOE_GATE_QUANTIZED_FROM), 48 x (18,874,368 + 603,979,776 + 262,144) =
# 29,909,581,824 parameters: their fp8 copies are 29,909,581,824 B (27.86 GiB), and the plan's
# FP8 weights those plus the rest in BF16, (622,329,856 + 48 x 4,352 + 2048) x 2 B +
# 10,485,760 B: 31,165,149,184 B
QWEN3_30B_BF16_BYTES = 61_074_731_008
QWEN3_30B_FP8_COPIES_BYTES = 29_909_581_824
H100_SXM_TOTAL_BYTES = 85_029_615_043  # 79.19 GiB: the preset


def _qwen3_30b_a3b_on_one_h100(version: str, **engine: object) -> Plan:
    return plan(PlanRequest(
        model=catalog_spec("Qwen/Qwen3-30B-A3B"), cluster=preset_cluster("h100-sxm", 1),
        layout=ParallelLayout(), engine=EngineSettings(vllm_version=version, **engine)))


def _load_warnings(p: Plan) -> list[str]:
    return [w for w in p.warnings if "load_weights" in w]


def test_vllm_pr_32773_qwen3_30b_a3b_quantized_at_load_on_one_h100_is_warned_of():
    # vLLM PR #32773: BF16 Qwen3-30B-A3B starts on one 80 GB GPU, but runs out of memory with
    # --quantization fp8 on 0.13.0 and 0.14.0, where each layer is quantized inside load_weights
    # while it still holds every BF16 weight. Its 16-bit weights alone fit the H100 (56.88 +
    # 0.25 GiB under 79.19); with every layer's fp8 copy 61,074,731,008 + 29,909,581,824 +
    # 268,435,456 = 91,252,748,288 B (84.99 GiB), 6,223,133,245 B (5.80 GiB) over. Whether one
    # call holds every copy depends on where lm_head.weight lies in the file order vLLM globs,
    # not read: a warning carried by the plan, not a refusal
    assert preset_cluster("h100-sxm", 1).nodes[0].gpu.memory_total_bytes == H100_SXM_TOTAL_BYTES
    peak = QWEN3_30B_BF16_BYTES + QWEN3_30B_FP8_COPIES_BYTES + CONTEXT_BYTES
    assert peak - H100_SXM_TOTAL_BYTES == 6_223_133_245
    figures = ("56.88 GiB of BF16 weights per GPU + 27.86 GiB of their fp8 copies + 0.25 GiB "
               "non-torch = 84.99 GiB exceed the GPU's 79.19 GiB by 5.80 GiB, and it will likely "
               "run out of CUDA memory while loading the model")
    for version in ("0.13.0", "0.14.0", "0.15.1"):
        p = _qwen3_30b_a3b_on_one_h100(version, quantization="fp8")
        assert p.fits and p.weights_bytes_per_gpu == 31_165_149_184
        [warning] = _load_warnings(p)
        assert warning.startswith(f"vLLM {version} makes FP8 E4M3, per-tensor scale of each "
                                  "layer inside the model's load_weights, which holds every "
                                  "BF16 weight until it returns"), warning
        assert figures in warning, warning
        assert "AutoWeightsLoader" in warning and "lm_head.weight" in warning
        assert warning.endswith("; plan vLLM 0.16.0 or later, more GPUs (--gpus with --tp), or "
                                "an FP8 checkpoint itself (--model), which vLLM loads as "
                                "stored."), warning
    # the what-if's spelling, --target-quant fp8-tensor, is the same load; its way out is a
    # stored FP8 checkpoint given with --target-checkpoint
    [what_if] = _load_warnings(_qwen3_30b_a3b_on_one_h100("0.14.0", target_quant="fp8-tensor"))
    assert figures in what_if and what_if.endswith("or load an FP8 E4M3, per-tensor scale "
                                                   "checkpoint (--target-checkpoint).")
    # 0.12.0 quantizes after load_weights, one module at a time; 0.16.0 materializes each layer
    # on `meta` as it loads: nothing said of the load on either
    for version in ("0.12.0", "0.16.0"):
        p = _qwen3_30b_a3b_on_one_h100(version, quantization="fp8")
        assert p.fits and not _load_warnings(p) and "--quantization fp8" in p.vllm_command


# DeepSeek-V2-Lite (config.json: hidden 2048, 27 layers, the first dense of intermediate 10944,
# 26 MoE of 64 experts and 2 shared of moe_intermediate 1408, 16 heads, q_lora_rank null,
# kv_lora_rank 512, qk_nope 128, qk_rope 64, v_head 128, vocab 102400, untied): per layer q_proj
# 2048 x 16 x 192, kv_a_proj 2048 x 576, kv_b_proj 512 x 16 x 256, o_proj 2048 x 2048 =
# 13,762,560 Linear; the dense MLP 3 x 2048 x 10944 = 67,239,936; per MoE layer the experts
# 64 x 3 x 2048 x 1408 = 553,648,128, the shared experts 3 x 2048 x 2816 = 17,301,504 and the
# router 64 x 2048 = 131,072. Quantized: 27 x 13,762,560 + 67,239,936 + 26 x (553,648,128 +
# 17,301,504) = 15,283,519,488 parameters; kept BF16: embeddings and lm_head 2 x 102400 x 2048,
# the routers 26 x 131,072, the norms 27 x (2 x 2048 + 512) + 2048 = 422,964,736 parameters.
# BF16 weights: (15,283,519,488 + 422,964,736) x 2 B + the rotary cache 163840 x 64 x 2 B =
# 20,971,520 B: 31,433,939,968 B (29.28 GiB). The plan's FP8 weights: 15,283,519,488 B +
# 422,964,736 x 2 B + the BF16 W_UK / W_UV MLA absorbs after loading, 27 x 2 x 16 x 128 x 512
# x 2 B = 113,246,208 B, + 20,971,520 B = 16,263,666,688 B; the copies counted are the bytes
# FP8 saves, 31,433,939,968 - 16,263,666,688 = 15,170,273,280 B (14.13 GiB): the quantized
# weights' 15,283,519,488 B less the W_UK / W_UV made after load_weights returns, a lower bound
DEEPSEEK_V2_LITE_BF16_BYTES = 31_433_939_968
DEEPSEEK_V2_LITE_COPIES_BYTES = 15_170_273_280
A100_40GB_TOTAL_BYTES = 42_412_802_048  # 39.50 GiB: the preset


def _deepseek_v2_lite(version: str, gpu: str = "a100-40gb", gpus: int = 1) -> Plan:
    return plan(PlanRequest(
        model=catalog_spec("deepseek-ai/DeepSeek-V2-Lite-Chat"),
        cluster=preset_cluster(gpu, gpus), layout=ParallelLayout(tp=gpus),
        engine=EngineSettings(quantization="fp8", max_model_len=8000, vllm_version=version)))


def test_deepseek_v2_quantized_at_load_is_refused_where_one_load_weights_holds_every_copy():
    # DeepseekV2ForCausalLM.load_weights takes the whole checkpoint in one call holding every
    # BF16 weight: 31,433,939,968 + 15,170,273,280 + 268,435,456 = 46,872,648,704 B (43.65 GiB)
    # on an A100 40GB's 42,412,802,048 B, 4,459,846,656 B (4.15 GiB) over; the BF16 weights
    # alone (29.28 + 0.25 GiB) fit it
    assert preset_cluster("a100-40gb", 1).nodes[0].gpu.memory_total_bytes == \
        A100_40GB_TOTAL_BYTES
    over = DEEPSEEK_V2_LITE_BF16_BYTES + DEEPSEEK_V2_LITE_COPIES_BYTES + CONTEXT_BYTES \
        - A100_40GB_TOTAL_BYTES
    assert over == 4_459_846_656
    for version in ("0.13.0", "0.14.0", "0.15.1"):
        p = _deepseek_v2_lite(version)
        assert not p.fits and p.vllm_command is None
        assert p.weights_bytes_per_gpu == 16_263_666_688
        assert p.errors[0] == (
            f"vLLM {version} makes FP8 E4M3, per-tensor scale of each layer inside the model's "
            "load_weights, which holds every BF16 weight until it returns "
            "(model_executor/layers/quantization/fp8.py patched_weight_loader), and "
            "DeepseekV2ForCausalLM.load_weights takes the whole checkpoint in one call: 29.28 "
            "GiB of BF16 weights per GPU + 14.13 GiB of their fp8 copies + 0.25 GiB non-torch "
            "= 43.65 GiB exceed the GPU's 39.50 GiB by 4.15 GiB, so it runs out of CUDA memory "
            "while loading the model; plan vLLM 0.16.0 or later, more GPUs (--gpus with --tp), "
            "or an FP8 checkpoint itself (--model), which vLLM loads as stored."), p.errors[0]
        assert p.memory_shortfall_bytes_per_gpu >= over
        assert not _load_warnings(p)
    for version in ("0.12.0", "0.16.0"):  # quantized after load_weights; per layer on `meta`
        p = _deepseek_v2_lite(version)
        assert p.fits and not _load_warnings(p), (version, p.errors)


def test_vllm_0_13_0_at_tp_2_is_warned_of_not_refused():
    # 0.13.0 adds each whole checkpoint tensor's numel against the layer's TP shard, so which
    # layers are quantized inside load_weights is not worked out at TP 2: a warning there, a
    # refusal on 0.14.0, which counts the elements copied (two L4s: each holds about half the
    # 29.28 GiB of BF16 weights and half the copies, together over its 22.03 GiB)
    warned = _deepseek_v2_lite("0.13.0", "l4", 2)
    [warning] = _load_warnings(warned)
    assert warned.fits and "vLLM 0.13.0 counts whole checkpoint tensors against each layer's " \
        "shard (loaded_weight.numel())" in warning, warning
    refused = _deepseek_v2_lite("0.14.0", "l4", 2)
    assert not refused.fits and "DeepseekV2ForCausalLM.load_weights takes the whole " \
        "checkpoint in one call" in refused.errors[0]


def test_recommend_and_sweep_leave_out_what_one_load_weights_call_cannot_hold():
    model = "deepseek-ai/DeepSeek-V2-Lite-Chat"
    assert (1, "fp8-tensor") not in _recommended(model, "a100-40gb", 1, "0.14.0")
    assert (1, "fp8-tensor") in _recommended(model, "a100-40gb", 1, "0.16.0")
    [row] = sweep(catalog_spec(model), preset_cluster("a100-40gb", 1),
                  EngineSettings(max_model_len=8000, vllm_version="0.14.0"),
                  quant_keys=["fp8-tensor"], kv_dtypes=["auto"]).rows
    assert not row.fits


def test_the_mtp_draft_is_left_out_of_the_main_models_load_peak():
    # the v1 runner loads the MTP drafter after the main model (gpu_model_runner.py
    # load_model): the BF16 figure refused is the main model's with or without --speculative-
    # config, though the plan's weights hold the draft's layers
    spec = catalog_spec("Qwen/Qwen3-Next-80B-A3B-Instruct")

    def qwen3_next(draft_tokens: int) -> Plan:
        return plan(PlanRequest(model=spec, cluster=preset_cluster("h200", 1),
                                layout=ParallelLayout(), engine=EngineSettings(
                                    quantization="fp8", vllm_version="0.14.0",
                                    max_model_len=8000, num_speculative_tokens=draft_tokens)))

    alone, drafted = qwen3_next(0), qwen3_next(1)
    assert drafted.weights_bytes_per_gpu > alone.weights_bytes_per_gpu
    figure = alone.errors[0].split(": ")[1].split(" per GPU")[0]
    assert figure.endswith(" GiB") and f": {figure} per GPU + " in drafted.errors[0]
