"""The load-time peak of fp8 made at load on the releases that allocate the whole 16-bit model
on the GPU before quantizing it (vllm_versions.FP8_AT_LOAD_ON_META_FROM): a plan whose peak is
more than a GPU holds is refused, or warned of where the peak depends on the checkpoint's
tensor order."""

from planner.memo import distinct_objects
from planner.model.quant import QuantScheme
from planner.serving.launch import CHECKPOINT_STEP, MODEL_STEP
from planner.serving.plan.facts import Setup
from planner.serving.plan.layout_facts import rank_terms
from planner.serving.plan.shared import gib
from planner.serving.plan.verdict import Binding
from planner.serving.vllm_cli import vllm_cli
from planner.serving.vllm_versions import (
    FP8_AT_LOAD_ON_META_FROM,
    FP8_COPIED_NUMEL_FROM,
    FP8_QUANTIZED_IN_LOAD_FROM,
    version_label,
    vllm_rules,
)
from planner.serving.weights import WeightTerms, rank_totals
from planner.text import with_article

FP8_FILE = "model_executor/layers/quantization/fp8.py"

MORE_GPUS_STEP = "more GPUs (--gpus with --tp)"
"""How the load-peak refusal asks to split the 16-bit weights over more GPUs, in the CLI's
words: the app names its Hardware and Plan page fields instead (ui.context.app_words)."""


def load_peak_errors(st: Setup, candidates: list[Binding]
                     ) -> tuple[int, list[str], list[str]]:
    """vLLM's out-of-memory failure while loading a 16-bit checkpoint it makes fp8 of at load,
    on a release that allocates every Linear and MoE weight in the model dtype first
    (Resolved.whole_16bit): (the bytes the worst worker is over its GPU's total by, its
    refusal, the plan's warning), from the worker whose 16-bit weights plus its non-torch
    memory exceed its GPU's total by the most, else, from FP8_QUANTIZED_IN_LOAD_FROM, whose
    16-bit weights plus the fp8 copies of all its layers plus its non-torch memory do: a
    refusal where one load_weights call holds them all, a warning where that depends on the
    checkpoint's tensor order; (0, [], []) where every worker's fit.

    NOTE: the bound is the GPU's total, not the --gpu-memory-utilization budget:
    Worker.init_device (v1/worker/gpu_worker.py, 0.11.0 wheel) checks only that the free memory
    covers the budget and builds the NCCL communicators (the non-torch memory) before
    load_model, which checks nothing; determine_available_memory then empties torch's cache
    and resets its peak before profiling (so the load peak does not shrink the KV cache) and
    counts the weights held after quantization, the plan's own.

    NOTE: the fp8 copies each quantized weight gets beside its 16-bit one (quantization/fp8.py,
    model_loader/utils.py process_weights_after_loading, models/utils.py AutoWeightsLoader):
    - 0.9.1-0.12.0 quantize after load_weights, module by module in named_modules order
      (Fp8LinearMethod.process_weights_after_loading: ops.scaled_fp8_quant(layer.weight);
      Fp8MoEMethod: torch.empty_like(w13_weight / w2_weight, dtype=fp8)), and dropping each
      replaced 16-bit Parameter frees it: on the fp8 GEMM path the peak lies between the 16-bit
      weights plus the first quantized module's fp8 copy and plus the largest one's, by module
      order (Marlin's repacking, on GPUs without fp8 GEMMs, makes copies of its own): the
      16-bit weights alone are refused, a lower bound.
    - From vllm_versions.FP8_QUANTIZED_IN_LOAD_FROM (0.13.0-0.15.1) each layer is quantized
      inside load_weights once its last shard is copied (patched_weight_loader), and
      replace_parameter registers the fp8 weight as a new Parameter while the model's
      load_weights still holds the 16-bit one in `params_dict = dict(self.named_parameters())`
      until it returns: the peak is the 16-bit weights plus the fp8 copies of every layer
      quantized within one such call (_fp8_copies). DefaultModelLoader.load_weights hands the
      whole checkpoint to one model.load_weights call, and ONE_CALL_LOADERS' own load_weights
      takes it all: every layer's copy is held, and a plan over the GPU's total is refused. A
      model loaded through AutoWeightsLoader (Qwen2/Qwen3, Llama, Mixtral ...) calls its inner
      model's load_weights once per run of consecutive `model.` tensors (_groupby_prefix,
      itertools.groupby): safetensors_weights_iterator reads the files in the order
      DefaultModelLoader._prepare_weights globs them (directory order, not sorted) and each
      file's tensors as safe_open keys() lists them (sorted by name: safetensors 0.8.0 run
      here), so a checkpoint with an lm_head.weight (sorted first in its file) makes one run
      where that file is read first and two otherwise, which Headroom cannot read: a plan whose
      peak with every copy exceeds the GPU is warned of, not refused (vLLM PR #32773: a BF16
      Qwen3-30B-A3B that starts on one 80 GB GPU runs out of memory there with `--quantization
      fp8` on 0.13.0 and 0.14.0). So is one on 0.13.0 where a rank's weights are sliced
      (vllm_versions.FP8_COPIED_NUMEL_FROM). 0.13.0, 0.14.0 and 0.15.1 wheels read.
    The main model's figures leave out the MTP draft's (mtp_bytes) and an EAGLE-3 drafter's
    (eagle_draft_bytes): the v1 runner loads the drafter after the main model
    (gpu_model_runner.py load_model, 0.14.0 wheel; 0.33.0 gpu_model_runner.py:4989-5012).

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
        return 0, [], []
    by_worker = _by_worker(st, whole)
    over, worst = _worst(by_worker, candidates, with_copies=False)
    if over > 0:
        weights = by_worker[worst.pp_stage, worst.weights][0]
        return over, [_whole_refusal(st, whole, weights, worst, over)], []
    if vllm_rules(st.s.vllm_version).version < FP8_QUANTIZED_IN_LOAD_FROM:
        return 0, [], []
    over, worst = _worst(by_worker, candidates, with_copies=True)
    if over <= 0:
        return 0, [], []
    return _copies_errors(st, whole, by_worker[worst.pp_stage, worst.weights], worst, over)


def _by_worker(st: Setup, whole: QuantScheme) -> dict[tuple[int, int], tuple[int, int]]:
    """Each worker's (16-bit weights, fp8 copies of them) by (PP stage, planned weight bytes),
    the main model's only (_main_model)."""
    sixteen = _main_model(rank_terms(st.spec, st.s, st.facts.r._replace(scheme=whole), st.layout))
    planned = _main_model(st.facts.weight_terms)
    return {(index // st.layout.tp, w): (sixteen[index], _fp8_copies(
        sixteen[index] - planned[index], whole.bits_per_weight,
        st.facts.r.scheme.bits_per_weight)) for index, w in enumerate(rank_totals(
            st.facts.weight_terms))}


def _whole_refusal(st: Setup, whole: QuantScheme, weights: int, worst: Binding,
                   over: int) -> str:
    """load_peak_errors' refusal where the worst worker's 16-bit `weights` alone (and its
    non-torch memory) exceed its GPU's total by `over` bytes."""
    label = st.facts.r.scheme.label
    return (f"vLLM {vllm_rules(st.s.vllm_version).label} allocates "
            f"{st.spec.name or 'the model'}'s weights whole in "
            f"{whole.label} before it makes {label} of them at load ({FP8_FILE} creates each "
            f"Linear and MoE weight in the model dtype; per layer from vLLM "
            f"{version_label(FP8_AT_LOAD_ON_META_FROM)}): "
            f"{gib(weights)} per GPU + {gib(worst.non_torch)} non-torch exceed the GPU's "
            f"{gib(worst.total)} by {gib(over)}, so it runs out of CUDA memory while loading "
            f"the model; {_ways_out(st, label)}")


def _copies_errors(st: Setup, whole: QuantScheme, held_bytes: tuple[int, int], worst: Binding,
                   over: int) -> tuple[int, list[str], list[str]]:
    """load_peak_errors' answer from FP8_QUANTIZED_IN_LOAD_FROM where the worst worker's 16-bit
    weights plus their fp8 copies (`held_bytes`) exceed its GPU's total by `over` bytes: a
    refusal where one load_weights call holds them all (ONE_CALL_LOADERS, whole tensors
    counted right), else a warning."""
    rules, label = vllm_rules(st.s.vllm_version), st.facts.r.scheme.label
    release = rules.label
    weights, copies = held_bytes
    figures = (f"{gib(weights)} of {whole.label} weights per GPU + {gib(copies)} of their fp8 "
               f"copies + {gib(worst.non_torch)} non-torch = {gib(worst.total + over)} exceed "
               f"the GPU's {gib(worst.total)} by {gib(over)}")
    held = (f"vLLM {release} makes {label} of each layer inside the model's load_weights, "
            f"which holds every {whole.label} weight until it returns ({FP8_FILE} "
            "patched_weight_loader)")
    loader = _one_call_loader(st)
    sliced = rules.version < FP8_COPIED_NUMEL_FROM and not (
        st.layout.tp == 1 and (st.layout.dp == 1 or not st.spec.is_moe))
    if loader and not sliced:
        return over, [
            f"{held}, and {loader}.load_weights takes the whole checkpoint in one call: "
            f"{figures}, so it runs out of CUDA memory while loading the model; "
            f"{_ways_out(st, label)}"], []
    why = (f"vLLM {release} counts whole checkpoint tensors against each layer's shard "
           "(loaded_weight.numel()), so which layers one call quantizes is not worked out"
           if sliced else
           "AutoWeightsLoader calls it once per run of consecutive `model.` tensors, so where "
           "lm_head.weight lies in the order vLLM reads the checkpoint's files, directory "
           "order, decides how many: not read here")
    return 0, [], [
        f"{held}: where one call loads every layer, {figures}, and it will likely run out of "
        f"CUDA memory while loading the model ({why}); {_ways_out(st, label)}"]


ONE_CALL_LOADERS = frozenset({"DeepseekForCausalLM", "DeepseekV2ForCausalLM",
                              "DeepseekV3ForCausalLM", "DeepseekV32ForCausalLM"})
"""The architectures whose model class loads the whole checkpoint in one load_weights call
holding `params_dict = dict(self.named_parameters())` (load_peak_errors). NOTE: the 0.13.0,
0.14.0 and 0.15.1 wheels' models/registry.py map each to deepseek_v2.py (DeepseekV32ForCausalLM
to DeepseekV3ForCausalLM), whose DeepseekForCausalLM and DeepseekV3ForCausalLM subclass
DeepseekV2ForCausalLM and inherit its load_weights."""


def _one_call_loader(st: Setup) -> str | None:
    """The ONE_CALL_LOADERS architecture vLLM builds for the plan's model (the first of
    config.json's architectures the release serves), None for any other."""
    arch = vllm_cli(st.s.vllm_version).built(st.spec.architectures)
    return arch if arch in ONE_CALL_LOADERS else None


def _main_model(terms: tuple[WeightTerms, ...]) -> tuple[int, ...]:
    """Each rank's weight bytes less the MTP draft's and an EAGLE-3 drafter's
    (load_peak_errors' NOTE), each distinct object's summed once (weights.rank_totals)."""
    totals = {id(w): w.total_bytes - w.mtp_bytes - w.eagle_draft_bytes
              for w in distinct_objects(terms)}
    return tuple(map(totals.__getitem__, map(id, terms)))


def _fp8_copies(saved_bytes: int, model_bits: float, fp8_bits: float) -> int:
    """The bytes of the fp8 copies of the weights a worker quantizes, from the bytes the fp8
    format saves on them (16-bit weights less the plan's): each such weight is held at
    `model_bits` and copied at `fp8_bits`, saving model_bits - fp8_bits, so the copies are
    saved_bytes x fp8_bits / (model_bits - fp8_bits) (the saving itself from BF16 to 8 bits).
    Where the plan's format adds 16-bit weights of its own after loading (MLA's W_UK / W_UV
    beside an fp8 kv_b_proj), the saving, and so the copies, are that much smaller: a lower
    bound."""
    return round(saved_bytes * fp8_bits / (model_bits - fp8_bits))


def _worst(by_worker: dict[tuple[int, int], tuple[int, int]], candidates: list[Binding],
           with_copies: bool) -> tuple[int, Binding]:
    """The worker whose load peak (its 16-bit weights, `with_copies` their fp8 copies, plus
    its non-torch memory) exceeds its GPU's total by the most, and by how many bytes."""
    def over(c: Binding) -> int:
        weights, copies = by_worker[c.pp_stage, c.weights]
        return weights + (copies if with_copies else 0) + c.non_torch - c.total

    worst = max(candidates, key=over)
    return over(worst), worst


def _ways_out(st: Setup, label: str) -> str:
    """The steps load_peak_errors' refusal and warning offer, as the plan's flags take them."""
    return (f"plan vLLM {version_label(FP8_AT_LOAD_ON_META_FROM)} or later, {MORE_GPUS_STEP}, "
            f"or {_stored_checkpoint(st, label)}.")


def _stored_checkpoint(st: Setup, label: str) -> str:
    """The checkpoint already stored in the format that load_peak_errors' refusal offers, as the
    plan's flags take it: the what-if's own (--target-checkpoint, which needs --target-quant);
    for a runtime --quantization, a checkpoint planned itself in place of the 16-bit one."""
    if st.s.target_quant:
        return f"load {with_article(label)} checkpoint {CHECKPOINT_STEP}"
    return f"an FP8 checkpoint itself {MODEL_STEP}, which vLLM loads as stored"
