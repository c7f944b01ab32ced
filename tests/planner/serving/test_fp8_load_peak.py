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
    spec = catalog_spec("meta-llama/Llama-3.1-70B-Instruct")

    def rows(version: str) -> set[tuple[int, str]]:
        result = recommend([spec], Workload(context_tokens=8000, concurrency=4), with_overrides(),
                           gpus_max=4, gpu_keys=("rtx-a6000",), top=20,
                           engine=EngineSettings(vllm_version=version))
        return {(row.gpus, row.quant_key) for row in result.rows}

    assert (2, "fp8-tensor") not in rows("0.11.0")
    assert (4, "fp8-tensor") in rows("0.11.0")
    assert (2, "fp8-tensor") in rows("0.16.0")  # the cheapest there: per layer from 0.16.0


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
