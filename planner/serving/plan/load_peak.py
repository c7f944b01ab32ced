"""The load-time peak of fp8 made at load on the releases that allocate the whole 16-bit model
on the GPU before quantizing it (vllm_versions.FP8_AT_LOAD_ON_META_FROM): a plan whose peak is
more than a GPU holds is refused."""

from planner.serving.launch import CHECKPOINT_STEP, MODEL_STEP
from planner.serving.plan.facts import Setup
from planner.serving.plan.layout_facts import rank_terms
from planner.serving.plan.shared import gib
from planner.serving.plan.verdict import Binding
from planner.serving.vllm_versions import FP8_AT_LOAD_ON_META_FROM, version_label, vllm_rules
from planner.serving.weights import rank_totals
from planner.text import with_article

FP8_FILE = "model_executor/layers/quantization/fp8.py"

MORE_GPUS_STEP = "more GPUs (--gpus with --tp)"
"""How the load-peak refusal asks to split the 16-bit weights over more GPUs, in the CLI's
words: the app names its Hardware and Plan page fields instead (ui.context.app_words)."""


def load_peak_errors(st: Setup, candidates: list[Binding]) -> tuple[int, list[str]]:
    """vLLM's out-of-memory failure while loading a 16-bit checkpoint it makes fp8 of at load,
    on a release that allocates every Linear and MoE weight in the model dtype first
    (Resolved.whole_16bit): the worker whose 16-bit weights plus its non-torch memory exceed
    its GPU's total by the most, and the bytes it is over by ((0, []) where every worker's
    fit).

    NOTE: the bound is the GPU's total, not the --gpu-memory-utilization budget:
    Worker.init_device (v1/worker/gpu_worker.py, 0.11.0 wheel) checks only that the free memory
    covers the budget and builds the NCCL communicators (the non-torch memory) before
    load_model, which checks nothing; determine_available_memory then empties torch's cache
    and resets its peak before profiling (so the load peak does not shrink the KV cache) and
    counts the weights held after quantization, the plan's own.

    NOTE: the 16-bit weights are a lower bound of the peak, which also holds fp8 copies made
    beside them, not modelled, as the source fixes no one figure for them (quantization/fp8.py,
    model_loader/utils.py process_weights_after_loading, models/utils.py AutoWeightsLoader):
    - 0.9.1-0.12.0 quantize after load_weights, module by module in named_modules order
      (Fp8LinearMethod.process_weights_after_loading: ops.scaled_fp8_quant(layer.weight);
      Fp8MoEMethod: torch.empty_like(w13_weight / w2_weight, dtype=fp8)), and dropping each
      replaced 16-bit Parameter frees it: on the fp8 GEMM path the peak lies between the 16-bit
      weights plus the first quantized module's fp8 copy and plus the largest one's, by module
      order (Marlin's repacking, on GPUs without fp8 GEMMs, makes copies of its own).
    - 0.13.0-0.15.1 quantize each layer inside load_weights once its last shard is copied
      (patched_weight_loader), and replace_parameter registers the fp8 weight as a new
      Parameter while the model's load_weights still holds the 16-bit one in `params_dict =
      dict(self.named_parameters())` until it returns: the peak is the 16-bit weights plus the
      fp8 copies of every layer quantized within one such call. DeepseekV2ForCausalLM's own
      load_weights takes the whole checkpoint (every layer's copy); a model loaded through
      AutoWeightsLoader (Qwen2/Qwen3, Llama, Mixtral ...) calls its inner model's load_weights
      once per run of consecutive `model.` tensors (_groupby_prefix), which depends on how the
      checkpoint's files order its tensors (lm_head's place), not read. vLLM PR #32773: a BF16
      Qwen3-30B-A3B that starts on one 80 GB GPU runs out of memory there with `--quantization
      fp8` on 0.13.0 and 0.14.0. 0.13.0 counts whole checkpoint tensors (loaded_weight.numel();
      0.14.0 the elements copied, CopyNumelCounter), which match a layer's size only at TP=1:
      above it a layer may be quantized after load_weights instead.
    From FP8_AT_LOAD_ON_META_FROM no whole 16-bit model is allocated; each layer's 16-bit weight
    is materialized with its first shard and freed when its fp8 replaces it, a transient of the
    layers in flight (not modelled).

    bitsandbytes made at load (`--quantization bitsandbytes` on a 16-bit checkpoint) is not
    refused: BitsAndBytesLinearMethod (and, from the 0.11.0 wheel read, BitsAndBytesMoEMethod)
    create the packed uint8 weights (quantization/bitsandbytes.py), and
    BitsAndBytesModelLoader._unquantized_generator (model_loader/bitsandbytes_loader.py) moves
    one checkpoint tensor's TP shard at a time to the GPU and yields quantize_4bit's output in
    its place: no whole 16-bit model, only one tensor's 16-bit shard and its packed copy at a
    time (not modelled), in the 0.9.1, 0.11.0, 0.16.0 and 0.27.0 wheels (0.28.0 drops the
    method)."""
    whole = st.facts.r.whole_16bit
    if whole is None:
        return 0, []
    tp = st.layout.tp
    sixteen = rank_totals(rank_terms(st.spec, st.s, st.facts.r._replace(scheme=whole), st.layout))
    by_worker = {(index // tp, w): sixteen[index]
                 for index, w in enumerate(rank_totals(st.facts.weight_terms))}
    peaks = [(by_worker[c.pp_stage, c.weights] + c.non_torch - c.total, c) for c in candidates]
    over, worst = max(peaks, key=lambda peak: peak[0])
    if over <= 0:
        return 0, []
    weights = by_worker[worst.pp_stage, worst.weights]
    release, label = vllm_rules(st.s.vllm_version).label, st.facts.r.scheme.label
    fixed = version_label(FP8_AT_LOAD_ON_META_FROM)
    return over, [
        f"vLLM {release} allocates {st.spec.name or 'the model'}'s weights whole in "
        f"{whole.label} before it makes {label} of them at load ({FP8_FILE} creates each Linear "
        f"and MoE weight in the model dtype; per layer from vLLM {fixed}): {gib(weights)} per "
        f"GPU + {gib(worst.non_torch)} non-torch exceed the GPU's {gib(worst.total)} by "
        f"{gib(over)}, so it runs out of CUDA memory while loading the model; plan vLLM "
        f"{fixed} or later, {MORE_GPUS_STEP}, or {_stored_checkpoint(st, label)}."]


def _stored_checkpoint(st: Setup, label: str) -> str:
    """The checkpoint already stored in the format that load_peak_errors' refusal offers, as the
    plan's flags take it: the what-if's own (--target-checkpoint, which needs --target-quant);
    for a runtime --quantization, a checkpoint planned itself in place of the 16-bit one."""
    if st.s.target_quant:
        return f"load {with_article(label)} checkpoint {CHECKPOINT_STEP}"
    return f"an FP8 checkpoint itself {MODEL_STEP}, which vLLM loads as stored"
