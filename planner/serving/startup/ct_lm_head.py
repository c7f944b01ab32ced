"""vLLM's failure, before 0.20.0, to load a compressed-tensors checkpoint whose config groups'
targets take an untied lm_head (ct_lm_head_errors): the checkpoint stores it quantized, as
0.20.0 on build and plan it (exclusion_match.ct_takes_lm_head), but the older releases build
a 16-bit ParallelLMHead with one `weight` parameter.

NOTE: CompressedTensorsConfig.get_quant_method has no ParallelLMHead branch in the 0.9.0-0.19.1
wheels (compressed_tensors.py: LinearBase, Attention, FusedMoE only), so
VocabParallelEmbedding.__init__ falls back on UnquantizedEmbeddingMethod, whose create_weights
registers `weight` alone (vocab_parallel_embedding.py, 0.19.0); the 0.20.0 wheel adds `if
isinstance(layer, ParallelLMHead)` (get_scheme, a ValueError caught) and builds
CompressedTensorsLinearMethod (0.20.0, 0.22.0, 0.34.0). The checkpoint's lm_head.weight_scale
(every compressed-tensors scheme; lm_head.weight_packed in the pack-quantized ones) then has no
parameter: AutoWeightsLoader._load_module raises ValueError "There is no module or parameter
named 'lm_head.weight_scale' in LlamaForCausalLM. ..." (models/utils.py, 0.9.0-0.19.1 wheels),
which Llama, Qwen2 / Qwen3, Gemma 3, gpt-oss, Granite and OLMo 2's ...ForCausalLM.load_weights
load lm_head through (0.19.0; Phi-3 is Llama's); DeepSeek-V2's own loop looks the name up in
params_dict (a KeyError). A tied lm_head is not stored (skip_prefixes ["lm_head."]): no
failure."""

from planner.model.quant import QuantScheme, stored_format
from planner.model.spec import ModelSpec
from planner.serving.vllm_versions import Version, version_label

CT_LM_HEAD_QUANTIZED_FROM: Version = (0, 20, 0)
"""The first release whose compressed-tensors config builds a ParallelLMHead the targets take
in their scheme (module NOTE)."""


PACKED_SCHEMES = ("w4a16", "w8a16", "nvfp4")
"""The compressed-tensors schemes stored pack-quantized, whose lm_head is lm_head.weight_packed
and lm_head.weight_scale (the others: lm_head.weight and lm_head.weight_scale); the first of
them in name order is the one the loader stops at."""


def ct_lm_head_errors(spec: ModelSpec, scheme: QuantScheme, version: Version) -> list[str]:
    """vLLM `version`'s failure to load a compressed-tensors checkpoint as stored whose targets
    take its untied lm_head (the QuantSpec.module_schemes entry 'lm_head'), before
    CT_LM_HEAD_QUANTIZED_FROM; [] elsewhere and for a what-if. E.g. Llama-3.1-8B W4A16 with
    targets ['Linear', 'lm_head']: refused on 0.19.0 and 0.19.1, planned on 0.20.0."""
    quant = spec.quant
    if quant is None or quant.method != "compressed-tensors" or spec.tie_word_embeddings \
            or version >= CT_LM_HEAD_QUANTIZED_FROM or not stored_format(spec, scheme) \
            or not any(f.module == "lm_head" for f in quant.module_schemes):
        return []
    arch = spec.architectures[0] if spec.architectures else "the model class"
    tensor = "weight_packed" if quant.scheme.startswith(PACKED_SCHEMES) else "weight_scale"
    return [f"vLLM {version_label(version)} stops loading the checkpoint: its config_groups "
            f"targets ({', '.join(quant.targets)}) take lm_head, stored quantized "
            f"(lm_head.{tensor}), but compressed-tensors builds lm_head 16-bit before vLLM "
            f"{version_label(CT_LM_HEAD_QUANTIZED_FROM)} (no ParallelLMHead branch), with one "
            "parameter, lm_head.weight: the loader finds none for the quantized tensors "
            "(AutoWeightsLoader: \"There is no module or parameter named "
            f"'lm_head.{tensor}' in {arch}.\"). Plan vLLM "
            f"{version_label(CT_LM_HEAD_QUANTIZED_FROM)} or later."]
