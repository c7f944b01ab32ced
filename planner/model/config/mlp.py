"""A dense MLP's gating and biases as vLLM builds them, and the activation and MLP keys its
SiLU-only check reads."""

from planner.model.config.families import (
    HUNYUAN_TYPES,
    KNOWN_TYPES,
    LLAMA_ATTENTION_TYPES,
    NON_GATED_TYPES,
)
from planner.model.config.reader import Reader
from planner.model.spec import ConfigError

MLP_KEYS = ("use_mixed_mlp_moe", "use_residual", "moe_layer_frequency", "shared_intermediate_size")
"""NOTE: the config.json keys vLLM reads to build an MLP beside (or instead of) a MoE layer's
experts, kept as written (ModelSpec.mlp_keys) for the SiLU-only check
(planner.serving.mlp_activation), which asks by release: hunyuan_v1.py HunYuanSparseMoeBlock's
shared_mlp (`use_mixed_mlp_moe > 0`), arctic.py's ArcticMLP on the layers `(i + 1) %
moe_layer_frequency` leaves dense and as the residual MLP (`use_residual`), granitemoeshared.py's
shared_mlp (unless `shared_intermediate_size` is 0). The layers plan all of them: HunYuan's
shared MLP (_hunyuan_moe) and Arctic's residual MLP (_arctic_moe) and GraniteMoeShared's
(GRANITE_SHARED_TYPES) as shared experts, Arctic's dense layers as dense MLPs."""


def activation(r: Reader, key: str) -> str | None:
    """config.<key> (hidden_act, or EXAONE 3's activation_function) as vLLM's model classes read
    it: the config's, else where the key is left out its class default (LlamaConfig hidden_act
    "silu"); None otherwise. Noted nowhere: gated notes a default where the MLP's activation
    comes from one."""
    value = r.get(key)
    if value is None and key not in r.cfg and r.defaults is not None:
        value = r.defaults.values.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{r.where(key)} must be a string, got {value!r}")
    return value


MLP_BIAS_TYPES = (*LLAMA_ATTENTION_TYPES, "granite", "nemotron_h", *HUNYUAN_TYPES)
"""NOTE: model_types whose vLLM dense MLP takes its biases from config.mlp_bias: llama.py
LlamaDecoderLayer's LlamaMLP `bias=getattr(config, "mlp_bias", False)` (also mistral.py
MistralDecoderLayer, a LlamaDecoderLayer, 0.15.1-0.34.0; phi3.py Phi3ForCausalLM, a
LlamaForCausalLM; nemotron_nas.py DeciLMDecoderLayer's LlamaMLP), granite.py GraniteMLP the
same, nemotron_h.py NemotronHMLP `bias=config.mlp_bias` (0.9.1, 0.19.0, 0.33.0, 0.34.0 wheels),
hunyuan_v1.py's dense-layer HunYuanMLP `bias=getattr(config, "mlp_bias", False)` (0.28.0). The
other known families' dense MLPs hard-code bias=False whatever the config says, read in the same
wheels where each ships: gemma.py GemmaMLP, gemma2.py, gemma3.py, gemma4.py, qwen2.py Qwen2MLP
(qwen3.py imports it as Qwen3MLP; mimo.py builds Qwen2's model), qwen2_moe.py Qwen2MoeMLP
(qwen3_next.py and qwen3_5.py import it as Qwen3NextMLP), qwen3_moe.py Qwen3MoeMLP,
deepseek_v2.py DeepseekV2MLP (DeepSeek-V2/V3/V3.2, Kimi, GLM-5 dense layers; 0.33.0's and 0.34.0's
vllm/models/deepseek_v32 imports it), llama4.py (its dense layers' LlamaMLP `bias=False`),
olmo2.py Olmo2MLP (0.9.1-0.25.0; OLMo 3's too, 0.11.0-0.25.0), olmo3.py Olmo3MLP
(0.26.0-0.28.0; transformers 5.24.0 modeling_olmo3.py Olmo3MLP, which 0.29.0 on run, the same),
mimo_v2_flash.py (0.19.0) / mimo_v2.py (0.33.0, 0.34.0) MiMoV2MLP, arctic.py ArcticMLP (0.28.0);
mixtral.py, granitemoe.py, olmoe.py, minimax_m2.py and gpt_oss.py build no dense MLP."""


def mlp_bias(r: Reader, model_type: str) -> bool:
    """Whether a dense MLP's linears carry biases, as vLLM builds them.

    NOTE: config.mlp_bias for MLP_BIAS_TYPES and a model_type Headroom does not know (read as
    Llama, as _attention_biases reads it); False for the other known types, whose vLLM MLP
    hard-codes it (MLP_BIAS_TYPES' NOTE). phi.py PhiMLP: the linears' default bias=True
    (0.9.1-0.31.0; the Transformers backend after: transformers 5.24.0 PhiMLP nn.Linear fc1 /
    fc2, bias by default); starcoder2.py Starcoder2MLP: c_fc and c_proj
    `bias=config.use_bias` (0.9.1-0.24.0; Transformers backend from 0.25.0: transformers
    5.24.0 Starcoder2MLP the same); ernie45_moe.py's dense-layer Ernie4_5_MoeMLP
    `use_bias=getattr(config, "use_bias", False)` (its shared experts' takes the default
    False; 0.9.2, 0.19.0, 0.34.0 wheels)."""
    if model_type == "phi":
        return True
    if model_type in ("starcoder2", "ernie4_5_moe"):
        return bool(r.flag("use_bias"))
    if model_type in MLP_BIAS_TYPES or model_type not in KNOWN_TYPES:
        return bool(r.flag("mlp_bias"))
    return False


def gated(r: Reader, model_type: str) -> bool:
    act = r.str_("mlp_hidden_act", "hidden_act", "hidden_activation", "activation_function")
    return not (act in ("relu2", "gelu_new") or model_type in NON_GATED_TYPES)
