"""Mixture-of-experts layers: which layers are MoE, their experts, routing and shared experts,
with ERNIE 4.5 MoE's, HunYuan's and Arctic's own keys."""

from planner.model.config.families import HUNYUAN_TYPES, MLA_ONLY_TYPES
from planner.model.config.mlp import gated
from planner.model.config.reader import (
    MAX_EXPERTS,
    MAX_LAYERS,
    MAX_WIDTH,
    Notes,
    Reader,
    as_int,
    check_len,
    need,
)
from planner.model.config.router_bias import router_bias
from planner.model.config.wrapper import text_model_type
from planner.model.spec import ConfigError, DenseMlp, LayerSpec, MoeMlp

EXPERT_KEYS = ("num_experts", "num_local_experts", "n_routed_experts")
TOP_K_KEYS = ("num_experts_per_tok", "experts_per_token", "top_k_experts", "moe_topk")
SHARED_KEYS = ("n_shared_experts", "num_shared_experts")
EXPERT_SIZE_KEYS = ("moe_intermediate_size", "expert_intermediate_size")
SHARED_SIZE_KEYS = ("shared_expert_intermediate_size", "moe_shared_expert_intermediate_size")


VLLM_EXPERT_KEY = {
    **dict.fromkeys(("mixtral", "gpt_oss", "minimax_m2", "llama4", "llama4_text", "granitemoe",
                     "granitemoeshared", "granitemoehybrid", "arctic"), "num_local_experts"),
    **dict.fromkeys(("deepseek_v2", "deepseek_v3", "deepseek_v32", "kimi_k2", "glm_moe_dsa",
                     "glm4_moe", "mimo_v2_flash", "nemotron_h"), "n_routed_experts"),
    **dict.fromkeys(("qwen2_moe", "qwen3_moe", "qwen3_next", "qwen3_vl_moe", "qwen3_vl_moe_text",
                     "qwen3_5_moe", "qwen3_5_moe_text", "olmoe", "gemma4", "gemma4_text",
                     *HUNYUAN_TYPES), "num_experts"),
    "ernie4_5_moe": "moe_num_experts",
}
"""NOTE: the key each (text) model_type's vLLM MoE block reads its routed-expert count from,
read first where a config gives several (0.34.0 wheel: mixtral.py:247, gpt_oss.py:391,
minimax_m2.py:97, llama4.py:134, granitemoe.py:266, granitemoeshared.py:103,
granitemoehybrid.py:93 `num_experts=config.num_local_experts`, 0.28.0 arctic.py's ArcticMoE;
deepseek_v2.py:377 (DeepSeek V3/V3.2, Kimi K2 and GLM-MoE-DSA build its DeepseekV2MoE),
glm4_moe.py:185, nemotron_h.py:231 `config.n_routed_experts`, mimo_v2.py:874;
qwen2_moe.py:173, qwen3_moe.py, qwen3_next.py:156 (qwen3_vl_moe.py and qwen3_5.py build those
blocks), gemma4.py:669, 0.33.0 olmoe.py:232, 0.28.0 hunyuan_v1.py:376 `config.num_experts`;
ernie45_moe.py:186 `config.moe_num_experts`)."""

VLLM_TOP_K_KEY = {"ernie4_5_moe": "moe_k", "gemma4": "top_k_experts",
                  "gemma4_text": "top_k_experts"}
"""NOTE: model_types whose vLLM MoE block takes top_k from another key than
num_experts_per_tok (0.34.0 wheel: ernie45_moe.py:187 `top_k=config.moe_k`, gemma4.py:670
`top_k=config.top_k_experts`; the other VLLM_EXPERT_KEY files `config.num_experts_per_tok`)."""


def _vllm_first(key: str | None, keys: tuple[str, ...]) -> tuple[str, ...]:
    """`keys` with `key` (the one vLLM reads) moved to the front; as they are for None."""
    return keys if key is None else (key, *(k for k in keys if k != key))


def _moe_keys(model_type: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The names of (the routed-expert count, experts per token, shared experts) for
    `model_type`, the one its vLLM model reads first (VLLM_EXPERT_KEY, VLLM_TOP_K_KEY): ERNIE
    4.5 MoE's own (moe_num_experts, moe_k, moe_num_shared_experts) added for "ernie4_5_moe"
    only, so no other type's config (known or not) is read by them."""
    experts, top_k, shared = EXPERT_KEYS, TOP_K_KEYS, SHARED_KEYS
    if model_type == "ernie4_5_moe":
        experts, top_k, shared = ((*EXPERT_KEYS, "moe_num_experts"), (*TOP_K_KEYS, "moe_k"),
                                  (*SHARED_KEYS, "moe_num_shared_experts"))
    return (_vllm_first(VLLM_EXPERT_KEY.get(model_type), experts),
            _vllm_first(VLLM_TOP_K_KEY.get(model_type), top_k), shared)


def _disagreement_warning(r: Reader, keys: tuple[str, ...], what: str,
                          model_type: str) -> None:
    """Warns where config.json gives two or more of `keys` (names of one figure, `what`) with
    different values, naming each and the one planned: the first (_moe_keys)."""
    given = {k: r.cfg[k] for k in keys if r.cfg.get(k) is not None}
    if len({repr(v) for v in given.values()}) < 2:
        return
    planned = r.key(*keys)
    values = " and ".join(f"{r.prefix}{k} = {v!r}" for k, v in given.items())
    why = (f"the key vLLM's {model_type} model reads" if model_type in VLLM_EXPERT_KEY
           else f"UNVERIFIED which vLLM's {model_type} model reads")
    r.notes.warnings.append(
        f"config.json gives the {what} twice, {values}: planned with "
        f"{planned or 'its transformers class default'} ({why}); where transformers' config "
        "class maps one name onto the other (attribute_map), the value vLLM gets can be the "
        "other one (transformers 5.25.0 keeps the one given later in config.json)")


NO_EXPERTS_DENSE_TYPES = {
    "qwen2_moe": "qwen2_moe.py: a sparse block only where num_experts > 0",
    "qwen3_moe": "qwen3_moe.py: a sparse block only where num_experts > 0",
    "ernie4_5_moe": "ernie45_moe.py: use_moe, where config.json leaves it out, is "
                    "moe_num_experts > 0",
    **dict.fromkeys(HUNYUAN_TYPES, "hunyuan_v1.py: a sparse block only where num_experts > 1"),
}
"""model_types whose vLLM code builds a dense MLP where the expert count is 0, and why:
qwen2_moe.py and qwen3_moe.py (0.33.0 and 0.34.0 wheels) make a layer sparse only
`config.num_experts > 0`; ernie45_moe.py Ernie4_5_MoeDecoderLayer only where `use_moe =
getattr(config, "use_moe", moe_num_experts > 0)` (0.9.2, 0.19.0, 0.34.0 wheels)."""

NULL_COUNT_COMPARED = ("qwen2_moe", "qwen3_moe")
"""NOTE: model_types whose vLLM decoder layer compares num_experts with 0 as the config holds it
(`config.num_experts > 0`, qwen2_moe.py and qwen3_moe.py: NO_EXPERTS_DENSE_TYPES), so a null
count stops vLLM with a TypeError (transformers 4 keeps the None: Qwen2MoeConfig and
Qwen3MoeConfig assign num_experts as given; transformers 5 refuses the null itself). It was
planned as a dense model, silently."""

NO_EXPERTS_MOE_TYPES = {
    **dict.fromkeys(("deepseek_v2", "deepseek_v3", "deepseek_v32", "kimi_k2"),
                    "deepseek_v2.py: MoE where n_routed_experts is not None"),
    "glm4_moe": "glm4_moe.py: MoE where n_routed_experts is not None",
    **dict.fromkeys(("llama4", "llama4_text"),
                    "llama4.py: Llama4MoE where (i + 1) % interleave_moe_layer_step == 0"),
}
"""NOTE: (text) model_types whose MoE layers are built whatever the routed-expert count, so
a count of 0 is refused. vLLM deepseek_v2.py (0.11.0, 0.33.0, 0.34.0 wheels; kimi_k2 reads
as DeepseekV3Config, DeepseekV3ForCausalLM): DeepseekV2DecoderLayer makes a layer MoE where
`config.n_routed_experts is not None` (and from first_k_dense_replace, every moe_layer_freq),
and DeepseekV2MoE then builds a gate of n_routed_experts outputs and a FusedMoE of that many
experts, each token routed to num_experts_per_tok of them. transformers 5.24.0 builds
DeepseekV3MoE / DeepseekV2Moe for every layer from first_k_dense_replace on whatever the count
(modeling_deepseek_v3.py DeepseekV3DecoderLayer, modeling_deepseek_v2.py
DeepseekV2DecoderLayer). A null n_routed_experts gives no MoE layer in vLLM: planned dense.
glm4_moe.py Glm4MoeDecoderLayer the same test (`config.n_routed_experts is not None and
layer_idx >= config.first_k_dense_replace`, a Glm4MoE of that many experts), llama4.py
Llama4DecoderLayer a Llama4MoE of num_local_experts on every interleave_moe_layer_step-th
layer, the count not asked (0.17.0, 0.34.0 sources); transformers 5.25.0's Glm4MoeConfig and
Llama4TextConfig take 0 without a check."""


EVERY_LAYER_MOE_TYPES = {
    "gpt_oss": "gpt_oss.py MLPBlock; a null count is a TypeError",
    "mixtral": "mixtral.py MixtralMoE; a null count is a TypeError",
    **dict.fromkeys(("granitemoe", "granitemoeshared"),
                    "granitemoe.py GraniteMoeMoE; a null count is a TypeError"),
    "minimax_m2": "minimax_m2.py MiniMaxM2MoE raises ValueError where tp_size > "
                  "num_local_experts",
}
"""NOTE: model_types whose vLLM code builds every layer's MLP as MoE from the expert count as
given, whatever it is: gpt_oss.py MLPBlock makes a router Linear / GateLinear of
config.num_local_experts outputs and a FusedMoE of that many experts, top_k
num_experts_per_tok, on each layer (0.10.1 and 0.34.0 sources read); mixtral.py
MixtralDecoderLayer a MixtralMoE (GateLinear and FusedMoE of config.num_local_experts),
granitemoe.py GraniteMoeDecoderLayer (granitemoeshared.py's too) a GraniteMoeMoE alike,
minimax_m2.py MiniMaxM2DecoderLayer a MiniMaxM2MoE, which first raises ValueError "Tensor
parallel size ... is greater than the number of experts" where tp_size > num_local_experts
(0.17.0, 0.25.0, 0.34.0 sources). transformers 5.25.0's MixtralConfig takes
num_local_experts 0 without a check. An expert count of 0 or null (nn.Linear(hidden_size,
None) raises TypeError) was planned as a dense model under an UNVERIFIED note (Mixtral: "Fits
(unmodelled: num_experts_per_tok)")."""

def _no_experts_note(what: str, model_type: str) -> str:
    """The assumption a MoE config with an expert count of 0 (`what`) is planned under."""
    if model_type in NO_EXPERTS_DENSE_TYPES:
        return (f"{what}: no routed experts, every MLP planned dense (intermediate_size), as "
                f"vLLM builds it ({NO_EXPERTS_DENSE_TYPES[model_type]})")
    return (f"{what}: no routed experts, every MLP planned dense (intermediate_size); "
            f"UNVERIFIED for model_type {model_type!r}: vLLM may build MoE layers with no "
            "experts instead, as it does for DeepSeek (deepseek_v2.py)")


def moe_layer_flags(r: Reader, model_type: str, n: int) -> list[bool]:
    """True for each layer whose MLP is a mixture of experts."""
    text_type = text_model_type(r, model_type)
    experts = _expert_count(r, model_type, text_type)
    if not experts or r.flag("enable_moe_block") is False:
        return [False] * n
    if text_type == "ernie4_5_moe":
        return _ernie_moe_flags(r, n)
    if text_type in HUNYUAN_TYPES:  # _is_moe: one expert is a dense HunYuanMLP
        return [experts > 1] * n
    if text_type == "arctic":
        return _arctic_moe_flags(r, n)
    first_dense = r.int_("first_k_dense_replace", lo=0, hi=MAX_LAYERS) or 0
    if isinstance(r.get("moe_layer_freq"), list):  # MiMo-V2: one 0/1 flag per layer
        freq_list = r.int_list("moe_layer_freq", hi=1) or []
        check_len(r, "moe_layer_freq", freq_list, n)
        return [bool(v) for v in freq_list]
    freq = _deepseek_moe_layer_freq(r) if text_type in MLA_ONLY_TYPES else (
        r.int_("moe_layer_freq", hi=MAX_LAYERS) or 1)
    sparse_step = r.int_("decoder_sparse_step", hi=MAX_LAYERS) or 1
    interleave = r.int_("interleave_moe_layer_step", hi=MAX_LAYERS) or 1
    dense_list = set(r.int_list("mlp_only_layers", hi=MAX_LAYERS) or [])
    flags = []
    for i in range(n):
        # NOTE: DeepSeek-V3: first_k_dense_replace 3 -> layers 0-2 dense, 3-60 MoE
        # (i % moe_layer_freq == 0); Qwen MoE: (i + 1) % decoder_sparse_step == 0 unless in
        # mlp_only_layers; Llama 4 Maverick: interleave_moe_layer_step 2 -> odd layers MoE.
        is_moe = (
            i >= first_dense
            and i % freq == 0
            and (i + 1) % sparse_step == 0
            and (i + 1) % interleave == 0
            and i not in dense_list
        )
        flags.append(is_moe)
    _moe_layers_warning(r, flags)
    return flags


def _deepseek_moe_layer_freq(r: Reader) -> int:
    """DeepSeek's moe_layer_freq, refused where null and noted as 1 where left out.

    NOTE: vLLM deepseek_v2.py DeepseekV2DecoderLayer (and from 0.25.0 vllm/models/deepseek_v32's
    decoder layers) makes layer i MoE where `layer_idx % moe_layer_freq == 0`, reading
    `getattr(config, "moe_layer_freq", 1)` (0.14.0 wheel, 0.17.0-0.34.0 sources) or
    `config.moe_layer_freq` (0.9.1, 0.10.1, 0.10.2 wheels): a null is `% None`, a TypeError.
    transformers 5.25.0's DeepseekV2Config / DeepseekV3Config define no such field and keep a
    given one as is (checked by building them), so a left-out key is vLLM's getattr default."""
    if r.null("moe_layer_freq"):
        raise ConfigError(f"{r.where('moe_layer_freq')} is null: vLLM's deepseek_v2.py computes "
                          "layer_idx % moe_layer_freq and stops; give an integer >= 1")
    freq = r.int_("moe_layer_freq", hi=MAX_LAYERS)
    if freq is None:
        r.notes.assumptions.append(
            f"{r.prefix}moe_layer_freq missing: assumed 1, every layer from "
            "first_k_dense_replace MoE (vLLM deepseek_v2.py: getattr(config, "
            "\"moe_layer_freq\", 1))")
    return freq or 1


def _moe_layers_warning(r: Reader, flags: list[bool]) -> None:
    """Warns where config.json's moe_layers (transformers' Llama4TextConfig list, which its
    modeling code builds MoE layers from) names other layers than the ones planned. No vLLM
    model reads it (0.17.0-0.34.0 sources: only llama4_eagle.py, asserting it empty); llama4.py
    Llama4DecoderLayer makes layer i Llama4MoE where interleave_moe_layer_step > 0 and (i + 1) %
    interleave_moe_layer_step == 0, so the plan follows that."""
    given = r.int_list("moe_layers", hi=MAX_LAYERS)
    planned = [i for i, is_moe in enumerate(flags) if is_moe]
    if given is None or sorted(set(given)) == planned:
        return
    first = min(set(given) ^ set(planned))
    r.notes.warnings.append(
        f"{r.where('moe_layers')} disagrees with the MoE layers vLLM builds (layer {first}: "
        f"{'MoE' if first in given else 'dense'} there): no vLLM model reads it (llama4.py: layer "
        "i is Llama4MoE where (i + 1) % interleave_moe_layer_step == 0), so "
        f"{len(planned)} of {len(flags)} layers are planned MoE as vLLM builds them; the "
        "checkpoint's expert weights, laid out by moe_layers, may not load")


def _expert_count(r: Reader, model_type: str, text_type: str) -> int | None:
    """The config's routed-expert count as the text model's vLLM class reads it (None where
    absent or null), refused where vLLM stops on it (a null it compares with 0, a 0 or null it
    builds MoE layers of anyway), noted where it is planned dense, and warned where two of its
    names (or two of experts per token's) disagree."""
    if text_type == "ernie4_5_moe":  # use_moe's default, `moe_num_experts > 0`, is evaluated
        # even where config.json gives use_moe (it is getattr's argument): 0.19.0 wheel
        _refuse_ernie_null(r, ("moe_num_experts",), "vLLM compares it with 0 (use_moe = "
                           "getattr(config, 'use_moe', moe_num_experts > 0))")
    if text_type in NULL_COUNT_COMPARED and r.null("num_experts"):
        raise ConfigError(f"{r.where('num_experts')} is null: vLLM stops with a TypeError "
                          f"comparing it with 0 ({NO_EXPERTS_DENSE_TYPES[text_type]}); give an "
                          "integer (0 for no routed experts)")
    keys, top_k_keys, shared_keys = _moe_keys(text_type)
    _disagreement_warning(r, keys, "routed-expert count", text_type)
    if text_type not in HUNYUAN_TYPES:  # _hunyuan_moe reads its own (moe_topk, per layer)
        _disagreement_warning(r, top_k_keys, "experts per token", text_type)
    experts = r.int_(*keys, lo=0, hi=MAX_EXPERTS)
    if experts == 0 and text_type in NO_EXPERTS_MOE_TYPES:
        raise ConfigError(
            f"{r.where(str(r.key(*keys)))} = 0: vLLM builds {text_type} MoE layers whatever "
            f"the count ({NO_EXPERTS_MOE_TYPES[text_type]}), each routing "
            "num_experts_per_tok of no experts, so there is no model to plan")
    null = experts is None and r.null(*keys)
    if text_type in EVERY_LAYER_MOE_TYPES and (experts == 0 or null):
        raise ConfigError(
            f"{r.where(null or str(r.key(*keys)))} {'is null' if null else '= 0'}: vLLM builds "
            f"every {text_type} layer's MLP as a router and FusedMoE of that many experts "
            f"({EVERY_LAYER_MOE_TYPES[text_type]}), so there is no model to plan; give the "
            "checkpoint's expert count")
    if experts == 0:
        r.notes.assumptions.append(_no_experts_note(f"{r.prefix}{r.key(*keys)} = 0",
                                                    model_type))
        if model_type in NO_EXPERTS_DENSE_TYPES:  # vLLM reads no routing key: none unmodelled
            r.used.update((*top_k_keys, *shared_keys, *EXPERT_SIZE_KEYS,
                           *SHARED_SIZE_KEYS))
    if experts is None and text_type in NO_EXPERTS_MOE_TYPES and r.null("n_routed_experts"):
        r.notes.assumptions.append(
            f"{r.prefix}n_routed_experts null: every MLP planned dense (intermediate_size), as "
            f"vLLM builds it with transformers 4 ({NO_EXPERTS_MOE_TYPES[text_type]})")
    return experts


def _refuse_ernie_null(r: Reader, keys: tuple[str, ...], use: str) -> None:
    """Refuses an ERNIE 4.5 MoE config giving any of `keys` as null: transformers'
    Ernie4_5_MoeConfig keeps the None, and vLLM's ernie45_moe.py compares it (`use`) and stops."""
    null = next((key for key in keys if r.null(key)), None)
    if null is not None:
        raise ConfigError(f"{r.where(null)} is null: {use} (ernie45_moe.py) and stops; "
                          "give an integer")


def _ernie_moe_flags(r: Reader, n: int) -> list[bool]:
    """ERNIE 4.5 MoE's MoE layers: i from moe_layer_start_index to moe_layer_end_index
    (inclusive) where (i + 1) % moe_layer_interval == 0, unless use_moe is false.

    NOTE: vLLM ernie45_moe.py Ernie4_5_MoeDecoderLayer (0.9.2, 0.19.0 and 0.34.0 wheels):
    `use_moe = getattr(config, "use_moe", moe_num_experts > 0)` and MoE where `use_moe and
    ((layer_idx + 1) % moe_layer_interval == 0) and layer_idx >= moe_layer_start_index and
    layer_idx <= moe_layer_end_index`, else Ernie4_5_MoeMLP of intermediate_size. A key left
    out takes transformers' Ernie4_5_MoeConfig default (4.56.0 and 5.24.0: start 1, interval
    1, end -1), and the class turns an end of -1 into num_hidden_layers - 1 (4.56.0 __init__,
    5.24.0 __post_init__). ERNIE-4.5-21B-A3B (start 1, end 27, 28 layers): layer 0 dense.
    A null layer key is refused whatever use_moe says: from 0.11.1 (0.11.1, 0.19.0, 0.34.0
    wheels) Ernie4_5_MoeForCausalLM.__init__ lists its MoE layers by comparing every index with
    config.moe_layer_start_index / _end_index / _interval, use_moe not asked; 0.9.2-0.11.0 do
    not, so there Headroom is stricter than vLLM for a config with use_moe false."""
    _refuse_ernie_null(r, ("moe_layer_start_index", "moe_layer_end_index", "moe_layer_interval"),
                       "vLLM compares each layer index with it")
    if r.flag("use_moe") is False:
        return [False] * n
    start = r.int_("moe_layer_start_index", lo=0, hi=MAX_LAYERS) or 0
    end = r.int_("moe_layer_end_index", lo=-1, hi=MAX_LAYERS)
    interval = r.int_("moe_layer_interval", hi=MAX_LAYERS) or 1
    if end is None or end == -1:
        end = n - 1
        r.notes.assumptions.append(
            f"{r.prefix}moe_layer_end_index {'-1' if r.key('moe_layer_end_index') else 'missing'}"
            f": MoE layers up to the last ({n - 1}), as transformers Ernie4_5_MoeConfig reads it")
    return [start <= i <= end and (i + 1) % interval == 0 for i in range(n)]


HUNYUAN_UNREAD_KEYS = ("moe_layer_num_skipped", "anyres_pooling_size", "num_media_embeds",
                       "org_vocab_size", "dense_list")
"""Keys of HunYuan configs (Hunyuan-A13B's models/config.json) that look architectural but that
neither vLLM's hunyuan_v1.py (0.28.0) nor transformers' HunYuanMoEV1 / HunYuanDenseV1 modeling
(5.25.0) reads: no weight depends on them."""


def hunyuan_notes(r: Reader, layers: list[LayerSpec], notes: Notes) -> None:
    """Flags what the HunYuan figures (HUNYUAN_TYPES' NOTE) leave out: cross-layer attention
    (`use_cla` with cla_share_factor above 1: hunyuan_v1.py builds every layer i with `i %
    factor != 0` as HunYuanCrossAttention, a q_proj of hidden x hidden and o_proj, reading the
    previous layer's K and V through an encoder-decoder Attention, not planned), and what vLLM's
    Transformers backend (0.29.0 on: registry.py maps both classes to it) builds otherwise than
    hunyuan_v1.py: transformers 5.25 modeling_hunyuan_v1_moe.py / _dense.py build q/k norms on
    every layer, a bias-free dense MLP and, on every layer, a shared_mlp of intermediate_size
    (whatever use_mixed_mlp_moe and num_shared_expert say) and no cross-layer attention.
    Hunyuan-A13B's config (use_qk_norm true, use_mixed_mlp_moe true, num_shared_expert 1,
    mlp_bias false, use_cla false) is built alike by both."""
    r.used.update((*HUNYUAN_UNREAD_KEYS, "num_shared_expert"))  # read under use_mixed_mlp_moe
    factor = r.int_("cla_share_factor", hi=MAX_LAYERS) or 1
    if r.flag("use_cla") and factor > 1:
        notes.warnings.append(
            f"{r.prefix}use_cla with cla_share_factor {factor}: cross-layer attention not "
            "modelled (every layer planned with its own K/V projections and KV cache; vLLM "
            "0.10-0.28 hunyuan_v1.py builds layers i % factor != 0 as cross-attention on the "
            "previous layer's K/V, an encoder-decoder Attention: 0.11.0's runner gives each a "
            "cross-attention KV cache sized for encoder inputs, 0.28.0's stops on it, "
            "Attention.get_kv_cache_spec asserting a decoder layer)")
        notes.unmodelled.append("HunYuan cross-layer attention (use_cla)")
    differs = []
    if not r.flag("use_qk_norm"):
        differs.append("q/k norms (use_qk_norm false)")
    if any(isinstance(layer.mlp, DenseMlp) for layer in layers) and r.flag("mlp_bias"):
        differs.append("no dense MLP biases (mlp_bias true)")
    moe = [layer.mlp for layer in layers if isinstance(layer.mlp, MoeMlp)]
    width = r.int_("intermediate_size") or 0
    if any(mlp.shared_intermediate_size != width for mlp in moe):
        differs.append(f"a shared MLP of intermediate_size ({width}) on every MoE layer")
    if differs:
        notes.warnings.append(
            "the HunYuan figures follow vLLM 0.10-0.28 hunyuan_v1.py; vLLM 0.29 on runs this "
            "model on its Transformers backend, which builds " + ", ".join(differs)
            + " (transformers modeling_hunyuan_v1_*.py): its weights differ")
        notes.unmodelled.append("HunYuan on vLLM's Transformers backend (0.29 on)")


def _arctic_moe_flags(r: Reader, n: int) -> list[bool]:
    """Arctic's MoE layers: i where `(i + 1) % moe_layer_frequency == 0`, the others a dense
    ArcticMLP of intermediate_size (vLLM arctic.py ArcticMoE / ArcticDecoderLayer, 0.28.0 wheel;
    deprecated, not served, from 0.29.0). A frequency left out is vLLM's ArcticConfig default 2
    (transformers_utils/configs/arctic.py, registered for "arctic" from 0.26.0; earlier
    releases take the repository's configuration_arctic.py, which vLLM's copies)."""
    freq = r.int_("moe_layer_frequency", hi=MAX_LAYERS)
    if freq is None:
        freq = 2
        r.notes.assumptions.append(
            f"{r.prefix}moe_layer_frequency missing: assumed 2 (vLLM ArcticConfig default, "
            "transformers_utils/configs/arctic.py): MoE on the odd layers")
    return [(i + 1) % freq == 0 for i in range(n)]


def _layer_int(r: Reader, keys: tuple[str, ...], i: int, lo: int = 1,
               hi: int = MAX_WIDTH) -> int | None:
    """The first of `keys` for layer i, where config.json gives one integer or a list of one a
    layer, which hunyuan_v1.py reads `[layer_id]` (moe_topk, moe_intermediate_size,
    num_shared_expert: Hunyuan-A13B lists 32 of each); the class default where left out; None
    when absent."""
    value = r.get(*keys)
    if not isinstance(value, list):
        return r.int_(*keys, lo=lo, hi=hi)
    key = str(r.key(*keys))
    if len(value) <= i:
        raise ConfigError(f"{r.where(key)} has {len(value)} entries: vLLM reads entry {i} for "
                          f"layer {i} (hunyuan_v1.py asserts len > layer_id)")
    return as_int(value[i], f"{r.where(key)}[{i}]", lo, hi)


GRANITE_SHARED_TYPES = ("granitemoeshared", "granitemoehybrid")
"""NOTE: model_types whose MoE layers add one GraniteMoeSharedMLP of shared_intermediate_size
beside the experts (granitemoeshared.py GraniteMoeSharedDecoderLayer, 0.9.1-0.34.0 wheels, and
granitemoehybrid.py's two layer classes, 0.9.2-0.34.0 read): input_linear a
MergedColumnParallelLinear hidden -> 2 x shared_intermediate_size, output_linear a
RowParallelLinear back, both bias=False, SiLU-and-mul; none where `getattr(config,
"shared_intermediate_size", 0) == 0`. Planned as one ungated shared expert of that width (split
over TP like a dense MLP); GraniteMoeMoE's router and experts as before."""


def _routing(r: Reader, i: int, expert_keys: tuple[str, ...], experts: int | None,
             top_k_keys: tuple[str, ...], top_k: int | None) -> int:
    """Layer i's expert count (read from `expert_keys`), checked against its experts per token
    (from `top_k_keys`), both recorded."""
    if top_k is None:
        raise r.missing("num_experts_per_tok", "MoE model", top_k_keys)
    if experts is None:
        raise r.missing(expert_keys[0], "MoE model", expert_keys)
    if top_k > experts:
        raise ConfigError(
            f"{r.where(str(r.key(*top_k_keys)))} = {top_k} is more than "
            f"{r.prefix}{r.key(*expert_keys)} = {experts}: vLLM's router picks each token's "
            f"top_k experts from the {experts} router logits (FusedMoE top_k); give at most "
            f"{experts}")
    r.record_layer("experts", experts, r.key(*expert_keys), i, "mlp")
    r.record_layer("experts per token", top_k, r.key(*top_k_keys), i, "mlp")
    return experts


GROUPED_TOPK_TYPES = ("deepseek_v2", "deepseek_v3", "deepseek_v32", "kimi_k2", "kimi_k25",
                      "glm_moe_dsa", "glm4_moe", "mimo_v2_flash")
"""NOTE: model_types whose vLLM MoE routes with grouped top-k (FusedMoE use_grouped_topk=True,
num_expert_group=n_group, topk_group=topk_group): deepseek_v2.py DeepseekV2MoE (0.9.1, 0.11.0,
0.19.0, 0.24.0, 0.34.0 wheels; kimi_k2 and glm_moe_dsa build DeepseekV3ForCausalLM /
GlmMoeDsaForCausalLM there, 0.34.0's vllm/models/deepseek_v32 the same DeepseekV2MoE),
glm4_moe.py Glm4MoE (0.11.0, 0.24.0, 0.34.0), mimo_v2_flash.py (0.19.0) / mimo_v2.py (0.24.0,
0.34.0) MiMoV2MoE. Kimi K2.5 (kimi_k25) too: its language model is that DeepseekV2MoE model
(fused_shards.MERGED_LAYERS' NOTE), built from its text_config as vLLM's KimiK25Config reads
it, a DeepseekV3Config (transformers_utils/configs/kimi_k25.py, read at vLLM main), whose class
defaults the parser takes for a kimi_k2 text_config (defaults.READ_AS). Not Kimi-VL: vLLM's
KimiVLConfig reads its text_config as a DeepseekV2Config (configs/kimi_vl.py), whose n_group
default the parser does not take for its deepseek_v3 text_config. What vLLM does with each
value (grouped_check)."""

GROUPED_FALLBACK_FROM = "0.13"
"""NOTE: the release from which an expert count not a multiple of n_group (or not above it)
routes with plain top-k over all experts (FusedMoE.select_experts' valid_grouping, layer.py
0.13.0-0.14.0; GroupedTopKRouter._compute_routing, router/grouped_topk_router.py
0.15.0-0.34.0); the 0.9.1-0.12.0 wheels' grouped_topk (fused_moe.py) view the scores as
[tokens, n_group, -1] (RuntimeError) and the CUDA kernel checks "num_experts should be
divisible by n_group" (csrc/moe/grouped_topk_kernels.cu)."""


def grouped_check(r: Reader, model_type: str, experts: int, top_k: int) -> None:
    """Refuses the n_group / topk_group a grouped top-k model (GROUPED_TOPK_TYPES) stops on in
    every release; warns where only some releases stop, or where routing is other than the
    config says.

    NOTE: null (or left out where the class default is None: transformers 5.25.0
    DeepseekV2Config `n_group: int | None = None`, `topk_group` alike; DeepseekV3Config 8 / 4):
    FusedMoE asserts `num_expert_group is not None and topk_group is not None` (fused_moe/
    layer.py, 0.9.1-0.23.0 wheels), router_factory.py raises ValueError "num_expert_group and
    topk_group must be provided when use_grouped_topk is True" (0.15.0-0.34.0). topk_group
    above n_group where the experts split into n_group groups: grouped_topk asks
    torch.topk(group_scores, k=topk_group) of a [tokens, n_group] tensor (fused_moe.py
    0.9.1-0.14.0, router/grouped_topk_router.py 0.15.0-0.34.0), which raises RuntimeError
    "selected index k out of range" in the start-up profile run; the CUDA kernel vLLM takes for
    a routing bias has no check (csrc/moe/grouped_topk_kernels.cu group_idx_and_topk_idx_kernel
    loops until 32 - n_group + topk_group lanes are done, more than a warp has: read at one
    main commit, not per release). transformers (5.25.0 configuration_deepseek_v3.py,
    configuration_deepseek_v2.py) checks neither. num_experts_per_tok above the experts of
    topk_group groups does not stop vLLM: grouped_topk takes the rest from the masked (-inf)
    experts."""
    groups = r.int_("n_group", hi=MAX_EXPERTS)
    picked = r.int_("topk_group", hi=MAX_EXPERTS)
    if groups is None or picked is None:
        key = "n_group" if groups is None else "topk_group"
        if not r.null(key) and model_type != "deepseek_v2":
            return  # left out, the class default not known here
        how = "null" if r.null(key) else "missing (DeepseekV2Config's default is None)"
        raise ConfigError(
            f"{r.where(key)} {how}: vLLM's grouped top-k routing needs n_group and topk_group "
            "(FusedMoE asserts both are not None; router_factory.py: ValueError \"num_expert_group "
            "and topk_group must be provided when use_grouped_topk is True\"); give integers")
    splits = experts % groups == 0 and experts > groups
    if picked > groups and splits:
        raise ConfigError(
            f"{r.where('topk_group')} = {picked} is more than n_group = {groups}: vLLM's "
            "grouped top-k picks topk_group of the n_group expert groups and cannot start "
            "(torch.topk raises \"selected index k out of range\"; the CUDA kernel it takes "
            "with a routing bias does not check it); give topk_group <= n_group")
    if not splits:
        stop = (f" (0.9-0.12 stop at start-up: grouped top-k views the scores as [tokens, "
                f"{groups}, -1])" if experts % groups else "")
        note = (f"{r.prefix}n_routed_experts = {experts} does not split into n_group = {groups}"
                f" groups of more than one expert: vLLM {GROUPED_FALLBACK_FROM} on route with "
                f"plain top-k over all experts (valid_grouping){stop}; the weights are as "
                "planned")
    elif top_k > picked * (experts // groups):
        note = (f"{r.prefix}num_experts_per_tok = {top_k} is more than the {picked} x "
                f"{experts // groups} experts of topk_group groups: vLLM's grouped top-k takes "
                "the rest from experts outside them (masked -inf scores); the weights are as "
                "planned, the routing is not what the config means")
    else:
        return
    if note not in r.notes.warnings:
        r.notes.warnings.append(note)


CONFIG_SCORING_TYPES = ("deepseek_v2", "deepseek_v3", "deepseek_v32", "kimi_k2", "kimi_k25",
                        "glm_moe_dsa", "minimax_m2", "deepseek_v4")
"""NOTE: model_types whose vLLM MoE scores the router logits with config.scoring_func:
deepseek_v2.py DeepseekV2MoE `getattr(config, "scoring_func", "softmax")` (the grouped top-k
types of deepseek_v2.py in GROUPED_TOPK_TYPES), minimax_m2.py MiniMaxM2MoE
`config.scoring_func` (0.17.0, 0.25.0, 0.34.0 sources). Every router of fused_moe/router/
(fused_topk, fused_topk_bias, grouped_topk, cpu) knows "softmax" and "sigmoid", the biased one
"sqrtsoftplus" too from 0.20.0, and raises ValueError "Unsupported scoring function" for any
other name when it first routes, in the start-up profile run (0.17.0-0.34.0); 0.34.0's
router_factory.py asserts the name is one of the three. transformers 5.25.0's DeepseekV3Config
keeps any string. glm4_moe.py and mimo_v2.py pass "sigmoid" whatever the config says.
deepseek_v4 (deepseek_v4.py 0.20.0-0.21.0, vllm/models/deepseek_v4/<platform>/model.py from
0.22.0; 0.20.0 source, 0.22.0, 0.27.0, 0.34.0 wheels): DeepseekV4MoE `getattr(config,
"scoring_func", "sqrtsoftplus")` into FusedMoE without grouped top-k or a custom routing
function (hash layers pass hash_indices_table), so router_factory.py's `assert scoring_func in
["sigmoid", "softmax", "sqrtsoftplus"]` (0.20.0-0.34.0 sources) stops the model build for any
other name; its MegaMoE backends (--moe-backend, not modelled here) take sqrtsoftplus only."""

ROUTER_SCORING_FUNCS = ("softmax", "sigmoid", "sqrtsoftplus")


def scoring_check(r: Reader, model_type: str) -> None:
    """Refuses a scoring_func no vLLM MoE router knows, for the model_types whose vLLM model
    reads it (CONFIG_SCORING_TYPES); a JSON non-string is refused by the read itself."""
    func = r.str_("scoring_func") if model_type in CONFIG_SCORING_TYPES else None
    if func is not None and func not in ROUTER_SCORING_FUNCS:
        raise ConfigError(
            f"{r.where('scoring_func')} = {func!r}: vLLM's MoE routers score with softmax or "
            "sigmoid (sqrtsoftplus from 0.20); any other stops vLLM at start-up "
            "(fused_moe/router/: router_factory.py's assert from 0.20, \"Unsupported scoring "
            "function\" ValueError); give one of them")


def layer_moe(r: Reader, model_type: str, i: int) -> MoeMlp:
    if model_type in HUNYUAN_TYPES:
        return _hunyuan_moe(r, model_type, i)
    if model_type == "arctic":
        return _arctic_moe(r, i)
    # the text model's names: Kimi K2.5 (kimi_k25) reads its text_config as kimi_k2
    expert_keys, top_k_keys, shared_keys = _moe_keys(text_model_type(r, model_type))
    experts = r.int_(*expert_keys, hi=MAX_EXPERTS)
    top_k = r.int_(*top_k_keys, hi=MAX_EXPERTS)
    experts = _routing(r, i, expert_keys, experts, top_k_keys, top_k)
    if model_type in GROUPED_TOPK_TYPES:
        grouped_check(r, model_type, experts, top_k)
    scoring_check(r, model_type)
    size_keys = (*EXPERT_SIZE_KEYS, "intermediate_size")
    size = r.int_(*size_keys, hi=MAX_WIDTH)
    if size is None:
        raise r.missing("moe_intermediate_size", "MoE model", size_keys)
    r.record_layer("expert width", size, r.key(*size_keys), i, "mlp")
    n_shared = r.int_(*shared_keys, lo=0, hi=MAX_EXPERTS) or 0
    shared_size = r.int_(*(("shared_intermediate_size",) if model_type in GRANITE_SHARED_TYPES
                           else SHARED_SIZE_KEYS), lo=0)
    if shared_size is None and n_shared:
        # DeepSeek, ERNIE 4.5 (ernie45_moe.py: one Ernie4_5_MoeMLP of moe_intermediate_size x
        # moe_num_shared_experts): n_shared experts fused into one MLP
        shared_size = size * n_shared
    elif shared_size and not n_shared:
        n_shared = 1
    if model_type.startswith("llama4"):
        n_shared, shared_size = 1, size  # Llama 4: one shared expert of the expert width
    if model_type.startswith("gemma4"):
        # NOTE: Gemma 4 MoE layers keep a dense MLP (intermediate_size) beside the experts;
        # it runs for every token, so it is planned as a shared expert.
        n_shared, shared_size = 1, r.int_("intermediate_size")
    latent = r.int_("moe_latent_size", hi=MAX_WIDTH)
    return MoeMlp(
        num_experts=experts,
        experts_per_token=top_k,
        expert_intermediate_size=size,
        num_shared_experts=1 if n_shared and shared_size else 0,
        shared_intermediate_size=shared_size or 0,
        shared_expert_gate=bool(shared_size) and model_type.startswith(("qwen2_moe", "qwen3")),
        gated=gated(r, model_type),
        bias=model_type == "gpt_oss",
        router_bias=router_bias(r, model_type),
        renormalize=_renormalize(r, model_type),
        latent_size=latent,
        # NOTE: nemotron_h.py NemotronHMoE's fc1/fc2_latent_proj take bias=config.mlp_bias
        # (0.14.0-0.34.0 wheels)
        latent_bias=bool(latent) and bool(r.flag("mlp_bias")),
        router_scales=model_type.startswith("gemma4"),
        # NOTE: float32 routers, whatever the checkpoint's dtype: minimax_m2.py MiniMaxM2MoE
        # builds its gate with params_dtype=torch.float32 and e_score_correction_bias in
        # float32 (ERNIE 4.5 MoE too, from 0.11.1: router_dtype.gate_fp32); mimo_v2_flash.py
        # (0.19.0) / mimo_v2.py (0.24.0, 0.34.0) MiMoV2MoE in getattr(config,
        # "moe_router_dtype", "float32") (0.19.0, 0.24.0, 0.34.0 wheels). The correction bias
        # alone is float32 in deepseek_v2.py from 0.10.2, nemotron_h.py and mimo_v2.py from
        # 0.31.0, a per-release rule (router_dtype.correction_bias_fp32).
        router_fp32=model_type == "minimax_m2" or (
            model_type == "mimo_v2_flash" and r.str_("moe_router_dtype") in (None, "float32")),
        # compared as deepseek_v2.py _get_moe_router_dtype does (`== "float32"`: no refusal)
        router_dtype_float32=r.get("moe_router_dtype") == "float32",
    )


def _hunyuan_moe(r: Reader, model_type: str, i: int) -> MoeMlp:
    """HunYuan's MoE block of layer i (HUNYUAN_TYPES' NOTE: hunyuan_v1.py
    HunYuanSparseMoeBlock, 0.28.0 wheel): moe_topk, moe_intermediate_size and num_shared_expert
    per layer (_layer_int); the shared_mlp where `use_mixed_mlp_moe > 0`."""
    # num_experts_per_tok: transformers HunYuanMoEV1Config's attribute_map name for moe_topk
    top_k_keys = ("moe_topk", "num_experts_per_tok")
    experts = r.int_("num_experts", hi=MAX_EXPERTS)
    top_k = _layer_int(r, top_k_keys, i, hi=MAX_EXPERTS)
    experts = _routing(r, i, ("num_experts",), experts, top_k_keys, top_k)
    dense = need(r, "intermediate_size", MAX_WIDTH)
    size = _layer_int(r, ("moe_intermediate_size",), i) or dense
    r.record_layer("expert width", size, r.key("moe_intermediate_size") or "intermediate_size",
                   i, "mlp")
    mixed = r.get("use_mixed_mlp_moe")
    if mixed is not None and not isinstance(mixed, int):  # a bool is an int
        raise ConfigError(f"{r.where('use_mixed_mlp_moe')} must be true, false or an integer "
                          f"(vLLM compares it with 0), got {mixed!r}")
    mixed = mixed is not None and mixed > 0
    shared = _layer_int(r, ("num_shared_expert",), i, lo=0, hi=MAX_EXPERTS) if mixed else 0
    if mixed and shared is None:
        shared = 1
        note = (f"{r.prefix}num_shared_expert missing: a shared MLP of intermediate_size "
                "planned, as vLLM's Transformers backend (0.29 on) builds it; hunyuan_v1.py "
                "(0.10-0.28) reads config.num_shared_expert and stops without it")
        if note not in r.notes.assumptions:
            r.notes.assumptions.append(note)
    if shared:
        r.record_layer("shared MLP width", dense * shared, "num_shared_expert", i, "mlp",
                       "intermediate_size x num_shared_expert")
    return MoeMlp(num_experts=experts, experts_per_token=top_k, expert_intermediate_size=size,
                  num_shared_experts=1 if shared else 0, shared_intermediate_size=dense * shared,
                  gated=gated(r, model_type), renormalize=top_k > 1)


def _arctic_moe(r: Reader, i: int) -> MoeMlp:
    """Arctic's MoE layer i (vLLM arctic.py, 0.28.0 wheel): ArcticMoE's num_local_experts
    experts of intermediate_size (ws / w2s), num_experts_per_tok of them a token with
    `renormalize=top_k > 1`, a gate of hidden x experts without bias; and where
    config.use_residual, ArcticDecoderLayer's residual_mlp, an ArcticMLP of hidden_size
    (`ffn_dim = hidden_size`, w13 / w2 without bias, SiLU-and-mul) every token runs beside the
    experts: planned as a shared expert of that width (its residual_layernorm in layer_specs)."""
    experts = r.int_("num_local_experts", hi=MAX_EXPERTS)
    top_k = r.int_("num_experts_per_tok", hi=MAX_EXPERTS)
    experts = _routing(r, i, ("num_local_experts",), experts, ("num_experts_per_tok",), top_k)
    size = need(r, "intermediate_size", MAX_WIDTH)
    r.record_layer("expert width", size, "intermediate_size", i, "mlp")
    residual = arctic_residual(r)
    hidden = r.int_("hidden_size") or 0
    if residual:
        r.record_layer("residual MLP width", hidden, "hidden_size", i, "mlp",
                       "use_residual: ArcticMLP of hidden_size")
    return MoeMlp(num_experts=experts, experts_per_token=top_k, expert_intermediate_size=size,
                  num_shared_experts=1 if residual else 0,
                  shared_intermediate_size=hidden if residual else 0, renormalize=top_k > 1)


def arctic_residual(r: Reader) -> bool:
    """config.use_residual; False where left out, noted: ArcticDecoderLayer reads it
    unguarded, and vLLM's ArcticConfig (0.26.0 on) has no default, so vLLM stops there."""
    flag = r.flag("use_residual")
    if flag is None:
        note = (f"{r.prefix}use_residual missing: no residual MLP planned; vLLM's "
                "ArcticDecoderLayer reads config.use_residual (AttributeError from 0.26.0, "
                "whose ArcticConfig has no such field)")
        if note not in r.notes.assumptions:
            r.notes.assumptions.append(note)
    return bool(flag)


def _renormalize(r: Reader, model_type: str) -> bool:
    """Whether vLLM's FusedMoE for this model renormalizes the top-k weights: mixtral.py passes
    renormalize=True; qwen2_moe.py, qwen3_moe.py (qwen3_vl_moe.py builds its block) and most
    others config.norm_topk_prob (the transformers class default where the key is left out);
    qwen3_next.py (Qwen3.5's block too) getattr(config, "norm_topk_prob", True) (0.24.0 and
    0.34.0 wheels)."""
    if model_type in ("mixtral", "ernie4_5_moe", *GRANITE_SHARED_TYPES):
        # ernie45_moe.py; granitemoe.py GraniteMoeMoE (the shared types' experts):
        # renormalize=True
        return True
    flag = r.flag("norm_topk_prob")
    if flag is None:
        return model_type.startswith(("qwen3_next", "qwen3_5"))
    return flag
