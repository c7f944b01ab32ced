"""Each layer's kind (full, sliding, linear, Mamba) from the config's layer-pattern keys, and
the layer lists of the hybrid families (Granite 4.0 hybrids, Nemotron-H, Nemotron-NAS)."""

import math
from collections import Counter

from planner.jsondoc import json_kind
from planner.model.config.attention import Attention
from planner.model.config.families import GEMMA_TYPES, NOPE_TYPES
from planner.model.config.identity import architectures
from planner.model.config.mamba import granite_mamba_mixer, mamba_mixer
from planner.model.config.mlp import mlp_bias
from planner.model.config.moe import arctic_residual, moe_layer_flags
from planner.model.config.reader import (
    MAX_CONTEXT,
    MAX_EXPERTS,
    MAX_LAYERS,
    MAX_WIDTH,
    Reader,
    as_int,
    check_len,
    class_default_note,
)
from planner.model.spec import ConfigError, DenseMlp, LayerSpec, MoeMlp
from planner.text import rank_runs


def layer_specs(r: Reader, model_type: str, hidden: int, num_layers: int) -> list[LayerSpec]:
    """Per-layer mixer and MLP, from whichever layer-pattern keys the config uses."""
    if r.get("block_configs") is not None:
        return _nas_layers(r, hidden, num_layers)
    pattern = r.get("hybrid_override_pattern")
    if pattern is not None:
        r.used.add("intermediate_size")
        return _pattern_layers(r, model_type, hidden, num_layers, pattern)
    if model_type == "granitemoehybrid":
        return _granite_hybrid_layers(r, hidden, num_layers)
    if model_type in NOPE_TYPES and r.get("layer_types", "layers_block_type") is None:
        # NOTE: without its pattern a Nemotron-H config was planned as a uniform attention +
        # MLP decoder (Nemotron-H-56B: 118 such layers, 83.3 B parameters for 56.3 B). transformers
        # 5.24 NemotronHConfig.__post_init__ then takes a 4-layer default list whatever
        # num_hidden_layers says, so there is no layout to plan.
        raise ConfigError(f"{r.where('hybrid_override_pattern')} is missing: a {model_type} "
                          "config gives its Mamba / attention / MLP layout there, one "
                          "character per layer (M * - E)")
    kinds = _mixer_kinds(r, model_type, num_layers)
    moe_flags = moe_layer_flags(r, model_type, num_layers)
    r.used.add("intermediate_size")  # the dense width; unused when every layer is MoE
    attn = Attention(r, model_type, hidden)
    if "sliding" in kinds and attn.window is None and not attn.chunked:
        state = "null" if r.null("sliding_window") else "missing"
        r.notes.assumptions.append(
            f"{kinds.count('sliding')} layers are sliding-window layers but {r.prefix}"
            f"sliding_window is {state}: planned as full attention, as vLLM builds them "
            "(gpt_oss.py, gemma2.py, gemma3.py: a sliding layer's window is "
            "config.sliding_window, None: no window)")
    # Gemma 2+: pre/post norms around attention and MLP; Phi-2: one norm (parallel block).
    num_norms = 4 if model_type in GEMMA_TYPES[1:] else 1 if model_type == "phi" else 2
    gemma4 = model_type.startswith("gemma4")
    layers = []
    for i in range(num_layers):
        mixer = attn.mixer(kinds[i], i)
        mlp = attn.moe_mlp(i) if moe_flags[i] else attn.dense_mlp(i, moe_model=any(moe_flags))
        # NOTE: Gemma 4 (transformers 5.24 modeling_gemma4.py Gemma4TextDecoderLayer; vLLM
        # 0.33.0 and 0.34.0 gemma4.py Gemma4DecoderLayer): a MoE layer adds
        # pre_feedforward_layernorm_2, post_feedforward_layernorm_1 and _2 (hidden each) around
        # its two branches, and every
        # layer holds a layer_scalar of shape [1] (a persistent buffer loaded from the
        # checkpoint).
        moe_norms = 3 if gemma4 and moe_flags[i] else 0
        if model_type == "arctic" and moe_flags[i] and arctic_residual(r):
            moe_norms = 1  # arctic.py ArcticDecoderLayer's residual_layernorm (hidden)
        layers.append(LayerSpec(index=i, mixer=mixer, mlp=mlp, num_norms=num_norms + moe_norms,
                                num_scalars=1 if gemma4 else 0))
    return layers


def _mixer_kinds(r: Reader, model_type: str, n: int) -> list[str]:
    """'full' / 'sliding' / 'linear' / 'mamba' for each layer (MLA decided later)."""
    layer_types = r.get("layer_types")
    if model_type == "gpt_oss":
        return _gpt_oss_kinds(r, layer_types, n)
    if layer_types is not None:
        return _from_layer_types(r, layer_types, n, model_type)
    if model_type == "olmo3":
        return _olmo3_kinds(r, n)
    hybrid = r.int_list("hybrid_layer_pattern", hi=1)  # MiMo-V2: 1 = sliding window
    if hybrid is not None:
        check_len(r, "hybrid_layer_pattern", hybrid, n)
        r.record("layer pattern", "hybrid_layer_pattern (1 = sliding)", "hybrid_layer_pattern")
        return ["sliding" if v else "full" for v in hybrid]
    interval = r.int_("full_attention_interval", hi=MAX_LAYERS)
    if interval is not None:
        # NOTE: Qwen3-Next: layer i is full attention when (i + 1) % interval == 0, else
        # gated DeltaNet; interval 4 over 48 layers -> 12 full + 36 linear
        # (transformers Qwen3NextConfig.layer_types).
        r.record("layer pattern", f"full every {interval}", "full_attention_interval")
        return ["full" if (i + 1) % interval == 0 else "linear" for i in range(n)]
    attn_types = r.int_list("attn_type_list", hi=1)
    if attn_types is not None and 0 in attn_types:
        r.notes.warnings.append(
            "attn_type_list has lightning (linear) attention layers: planned as full attention"
        )
    if r.get("attention_chunk_size") is not None and model_type.startswith("llama4"):
        return _llama4_kinds(r, n)
    return _sliding_kinds(r, model_type, n)


def _gpt_oss_kinds(r: Reader, layer_types: object, n: int) -> list[str]:
    """gpt-oss: even layers slide, odd ones are full attention, whatever layer_types says.

    NOTE: vLLM gpt_oss.py OAIAttention: `sliding_window = config.sliding_window if
    self.layer_idx % 2 == 0 else None` (0.11.0, 0.19.0, 0.23.0, 0.24.0, 0.33.0, 0.34.0 wheels), and
    transformers' GptOssConfig without layer_types writes the same alternation (4.57.1
    configuration_gpt_oss.py); a layer_types that says otherwise is noted, not followed."""
    kinds = ["sliding" if i % 2 == 0 else "full" for i in range(n)]
    if layer_types is None:
        r.record("layer pattern", "even layers sliding", None,
                 "gpt-oss: layer_idx % 2 == 0 slides (vLLM gpt_oss.py)")
    elif _from_layer_types(r, layer_types, n, "gpt_oss") != kinds:
        r.notes.assumptions.append(
            f"{r.prefix}layer_types is not gpt-oss's even-sliding alternation: planned as vLLM "
            "builds it, even layers sliding and odd ones full attention (gpt_oss.py: "
            "layer_idx % 2 == 0 slides, layer_types unread)")
    return kinds


def _olmo3_kinds(r: Reader, n: int) -> list[str]:
    """OLMo 3 without layer_types: three sliding layers, then one full, as its config class
    writes them.

    NOTE: transformers 5.24.0 Olmo3Config.__post_init__ (configuration_olmo3.py), for a missing
    or null layer_types: `"sliding_attention" if (i + 1) % 4 != 0 else "full_attention"`; vLLM's
    own Olmo3Config (transformers_utils/configs/olmo3.py, _CONFIG_REGISTRY olmo3 in 0.11.0-0.18.x)
    writes the same list, and its models slide where layer_types says so (_from_layer_types)."""
    state = "null" if r.null("layer_types") else "missing"
    r.record("layer pattern", "full every 4", None,
             f"layer_types {state}: (i + 1) % 4 != 0 slides (transformers Olmo3Config)")
    r.notes.assumptions.append(
        f"{r.prefix}layer_types {state}: layers (i + 1) % 4 != 0 slide and every 4th is full "
        "attention, as transformers' and vLLM's Olmo3Config write it")
    return ["full" if (i + 1) % 4 == 0 else "sliding" for i in range(n)]


def _from_layer_types(r: Reader, layer_types: object, n: int, model_type: str) -> list[str]:
    """Each layer's kind from layer_types, as vLLM builds it.

    NOTE: vLLM's models make a layer sliding only where `layer_types[i] ==
    "sliding_attention"` (llama.py, gemma2.py, gemma3.py; 0.12.0, 0.33.0 and 0.34.0 wheels), so a
    "local" or "chunked_attention" layer is full attention there; Llama 4's chunked layers
    come from attention_chunk_size and no_rope_layers instead (llama4.py), which the
    "chunked_attention" of transformers 5's Llama4TextConfig.layer_types matches, and
    Rnj1ForCausalLM (rnj1.py) windows its "chunked_attention" layers by sliding_window.
    """
    names = {"full_attention": "full", "attention": "full", "global": "full",
             "sliding_attention": "sliding", "local": "full", "chunked_attention": "full",
             "linear_attention": "linear", "mamba": "mamba", "mamba2": "mamba"}  # fmt: skip
    if model_type.startswith("llama4") or "Rnj1ForCausalLM" in architectures(r.cfg, r.prefix):
        # NOTE: vLLM rnj1.py (Rnj1ForCausalLM on a Gemma3TextConfig, 0.20.0-0.34.0 wheels; none
        # in 0.19.0) gives a "chunked_attention" layer per_layer_sliding_window =
        # config.sliding_window (chunk_lookback 1), a SlidingWindowSpec of that window
        names["chunked_attention"] = "sliding"
    unknown = "is not a known layer kind"
    if model_type == "granitemoehybrid":
        names = GRANITE_HYBRID_LAYER_KINDS
        unknown = ("is not a layer kind vLLM granitemoehybrid.py builds (\"mamba\" / "
                   "\"linear_attention\" and \"attention\" / \"full_attention\" only)")
    if not isinstance(layer_types, list):
        raise ConfigError(f"{r.where('layer_types')} must be a list of strings")
    check_len(r, "layer_types", layer_types, n)
    kinds = []
    for i, t in enumerate(layer_types):
        if not isinstance(t, str):
            raise ConfigError(f"{r.where('layer_types')}[{i}] is {json_kind(t)}, not a "
                              "string: each entry names one layer's kind")
        if t not in names:
            raise ConfigError(f"{r.where('layer_types')}[{i}] = {t!r} {unknown}")
        kinds.append(names[t])
    unread = sorted({t for t, kind in zip(layer_types, kinds, strict=True)
                     if kind == "full" and t in ("local", "chunked_attention")})
    if unread:
        r.notes.assumptions.append(
            f"{r.prefix}layer_types: {', '.join(map(repr, unread))} layers planned as full "
            "attention, as vLLM builds them (its models slide only layer_types "
            "\"sliding_attention\")")
    # the count of each kind, in the order the layers first show it: "18 sliding / 18 full"
    r.record("layer pattern", " / ".join(f"{count} {kind}" for kind, count
                                         in Counter(kinds).items()), "layer_types")
    return kinds


def _llama4_kinds(r: Reader, n: int) -> list[str]:
    # NOTE: Llama 4 uses chunked local attention (attention_chunk_size) on three layers of
    # four and global NoPE attention on every 4th (transformers Llama4TextConfig:
    # no_rope_layers default = every (i+1) % 4 == 0 is global). Chunked layers hold at
    # most one chunk of KV, so they are planned as sliding-window layers of that size.
    # An empty list takes that default too (`self.no_rope_layers if self.no_rope_layers else
    # default_no_rope_layers`, transformers 5.25.0 Llama4TextConfig.__post_init__): Hub-saved
    # Scout config.json files write `"no_rope_layers": []` (tests/fixtures/configs/SOURCES.md).
    nope = r.int_list("no_rope_layers", hi=1)
    if nope:
        check_len(r, "no_rope_layers", nope, n)
        kinds = ["sliding" if v else "full" for v in nope]
    else:
        step = r.int_("no_rope_layer_interval") or 4
        kinds = ["full" if (i + 1) % step == 0 else "sliding" for i in range(n)]
    r.notes.assumptions.append(
        "Llama 4 chunked attention planned as sliding-window layers of attention_chunk_size"
    )
    return kinds


def _sliding_kinds(r: Reader, model_type: str, n: int) -> list[str]:
    window = r.int_("sliding_window", hi=MAX_CONTEXT)
    use = r.flag("use_sliding_window")
    if window is None or use is False:
        return ["full"] * n
    pattern = r.int_("sliding_window_pattern", hi=MAX_LAYERS)
    if pattern is None and model_type == "gemma2":
        pattern = 2  # transformers Gemma2Config: alternating, even layers sliding
    if pattern is not None:
        # NOTE: Gemma 3: sliding_window_pattern 6 -> layers 5, 11, ... are global
        # ((i + 1) % 6 == 0), the other five of six slide (transformers Gemma3TextConfig).
        r.record("layer pattern", f"full every {pattern}", "sliding_window_pattern")
        return ["full" if (i + 1) % pattern == 0 else "sliding" for i in range(n)]
    if use is True:
        # Qwen2-style: layers from max_window_layers on use the window.
        start = r.int_("max_window_layers", lo=0, hi=MAX_LAYERS) or 0
        return ["sliding" if i >= start else "full" for i in range(n)]
    return ["sliding"] * n  # Mistral / Phi-3 semantics: every layer slides


GRANITE_HYBRID_LAYER_KINDS = {"mamba": "mamba", "linear_attention": "mamba",
                              "attention": "full", "full_attention": "full"}
"""NOTE: the layer_types vLLM granitemoehybrid.py builds (ALL_DECODER_LAYER_TYPES, indexed by
config.layer_types[i]): GraniteMoeHybridMambaDecoderLayer for "mamba" and
GraniteMoeHybridAttentionDecoderLayer for "attention" (0.9.1-0.31.0 wheels), "linear_attention"
and "full_attention" too from 0.28.0, and only those two from 0.32.0 (0.32.0-0.34.0), where
transformers 5 renames the legacy names as it loads the config (5.24.0 configuration_utils.py
_LEGACY_LAYER_TYPE_REMAP: "mamba" -> "linear_attention", "attention" -> "full_attention");
transformers 4.56.0 GraniteMoeHybridConfig refuses any but "mamba" and "attention". Any other
name is a KeyError in vLLM."""


def _granite_hybrid_layers(r: Reader, hidden: int, n: int) -> list[LayerSpec]:
    """Granite 4.0 hybrids (GraniteMoeHybridForCausalLM): each layer Mamba2 or attention by
    layer_types, then routed experts and / or a shared MLP.

    NOTE: vLLM granitemoehybrid.py (0.9.2, 0.10.0-0.34.0 wheels read; Headroom plans Mamba
    models from 0.11.0 only, v1_oracle; 0.9.1's class is SupportsV0Only, with replicated
    attention projections and GraniteMoeMoE on every layer): both layer classes build
    input_layernorm and post_attention_layernorm, `block_sparse_moe = GraniteMoeMoE(
    num_local_experts, num_experts_per_tok, intermediate_size)` where `getattr(config,
    "num_local_experts", 0) > 0` and `shared_mlp = GraniteMoeSharedMLP` (granitemoeshared.py:
    gated input_linear hidden -> 2 x shared_intermediate_size, output_linear back, no biases,
    SiLU only) unless `getattr(config, "shared_intermediate_size", 0) == 0`; with neither the
    layer has no MLP. A key left out takes transformers' GraniteMoeHybridConfig default (5.24.0:
    8 experts, 2 a token, shared_intermediate_size 1024), since vLLM reads the loaded config.
    layer_types left out: transformers 5.24.0 __post_init__ writes "linear_attention" for every
    layer (all Mamba); 4.56.0 keeps None, where vLLM's `config.layer_types[layer_idx]` stops
    (TypeError)."""
    r.used.update(("intermediate_size", "mamba_chunk_size", "position_embedding_type"))
    layer_types = r.get("layer_types")
    if layer_types is None:
        kinds = ["mamba"] * n
        r.record("layer pattern", f"{n} mamba", None,
                 "layer_types missing: transformers GraniteMoeHybridConfig's default")
        r.notes.assumptions.append(
            f"{r.prefix}layer_types missing: every layer planned as Mamba2, as transformers 5 "
            "GraniteMoeHybridConfig writes it (\"linear_attention\" each); under transformers 4 "
            "vLLM stops on it (granitemoehybrid.py indexes config.layer_types)")
    else:
        kinds = _from_layer_types(r, layer_types, n, "granitemoehybrid")
    attn = Attention(r, "granitemoehybrid", hidden)
    mamba = granite_mamba_mixer(r, hidden) if "mamba" in kinds else None
    experts = _granite_size(r, "num_local_experts", MAX_EXPERTS)
    shared = _granite_size(r, "shared_intermediate_size", MAX_WIDTH)
    if not experts:
        r.notes.assumptions.append(
            f"{r.prefix}num_local_experts = 0: no routed experts; "
            + (f"every layer's MLP is the shared MLP ({shared} wide)" if shared else
               "shared_intermediate_size = 0 too: no layer has an MLP")
            + ", as vLLM builds it (granitemoehybrid.py: block_sparse_moe only where "
            "num_local_experts > 0)")
    layers = []
    for i, kind in enumerate(kinds):
        mixer = mamba if kind == "mamba" else attn.mixer("full", i)
        if experts:
            mlp: MoeMlp | DenseMlp | None = attn.moe_mlp(i)
        elif shared:
            mlp = DenseMlp(intermediate_size=shared)
            r.record_layer("MLP width", shared, r.key("shared_intermediate_size"), i, "mlp",
                           "" if r.key("shared_intermediate_size") else
                           class_default_note(r, ("shared_intermediate_size",)))
        else:
            mlp = None
        layers.append(LayerSpec(index=i, mixer=mixer, mlp=mlp, num_norms=2))
    return layers


def _granite_size(r: Reader, key: str, hi: int) -> int:
    """A GraniteMoeHybrid count that may be 0 (the class default where left out); a null is
    refused: vLLM compares it with 0 (`getattr(config, key, 0) > 0` / `== 0`) or sizes a
    layer by it, and stops."""
    if r.null(key):
        raise ConfigError(f"{r.where(key)} is null: vLLM's granitemoehybrid.py compares it "
                          "with 0 and builds the layer's MLPs from it; give an integer (0: none)")
    return r.int_(key, lo=0, hi=hi) or 0


def _pattern_layers(
    r: Reader, model_type: str, hidden: int, n: int, pattern: object
) -> list[LayerSpec]:
    """Nemotron-H: one block per character (M Mamba2, * attention, - MLP, E MoE)."""
    if not isinstance(pattern, str):
        raise ConfigError(f"{r.where('hybrid_override_pattern')} must be a string")
    check_len(r, "hybrid_override_pattern", pattern, n)
    r.record("layer pattern", pattern, "hybrid_override_pattern")
    attn = Attention(r, model_type, hidden)
    layers = []
    for i, ch in enumerate(pattern):
        if ch == "M":
            mixer, mlp = mamba_mixer(r), None
        elif ch == "*":
            mixer, mlp = attn.mixer("full", i), None
        elif ch == "-":
            mixer, mlp = None, attn.dense_mlp(i, moe_model=False)
        elif ch == "E":
            mixer, mlp = None, attn.moe_mlp(i)
        else:
            raise ConfigError(
                f"{r.where('hybrid_override_pattern')}[{i}] = {ch!r} is not one of M * - E"
            )
        layers.append(LayerSpec(index=i, mixer=mixer, mlp=mlp, num_norms=1))
    _check_a_mixer(r, "hybrid_override_pattern", layers, "it has no M or * layer")
    return layers


def _nas_layers(r: Reader, hidden: int, n: int) -> list[LayerSpec]:
    """Nemotron-NAS (DeciLM) block_configs: per-layer GQA groups, FFN width, no-op blocks."""
    blocks = r.get("block_configs")
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise ConfigError(f"{r.where('block_configs')} must be a list of objects")
    check_len(r, "block_configs", blocks, n)
    attn = Attention(r, "nemotron-nas", hidden)
    parts = [{part: block.get(part) or {} for part in ("attention", "ffn")} for block in blocks]
    for i, block in enumerate(parts):
        if not all(isinstance(sub, dict) for sub in block.values()):
            raise ConfigError(f"{r.where('block_configs')}[{i}] attention/ffn must be objects")
    _refuse_linear_blocks(r, parts)
    layers = []
    for i, block in enumerate(parts):
        where = f"{r.where('block_configs')}[{i}]"
        a, f = block["attention"], block["ffn"]
        mixer = mlp = None
        if not a.get("no_op"):
            # a group over the query heads leaves 64 // 128 = 0 KV heads: nemotron_nas.py's
            # num_kv_heads = num_attention_heads // n_heads_in_group, which vLLM cannot build
            group = as_int(a.get("n_heads_in_group"), f"{where}.attention.n_heads_in_group",
                           1, attn.heads)  # fmt: skip
            mixer = attn.mixer("full", i, kv_heads=attn.heads // group)
        if not f.get("no_op"):
            mult = f.get("ffn_mult")
            if isinstance(mult, bool) or not isinstance(mult, int | float) or not 0 < mult < 1e3:
                raise ConfigError(f"{where}.ffn.ffn_mult must be a number above 0 and below "
                                  f"1000, got {mult!r}")
            # NOTE: DeciLM _ffn_mult_to_intermediate_size: int(2 * mult * hidden / 3) rounded
            # up to a multiple of 256; mult 2.625, hidden 8192 -> 14336 -> 14336.
            width = 256 * math.ceil(int(2 * mult * hidden / 3) / 256)
            if not width:
                raise ConfigError(f"{where}.ffn.ffn_mult = {mult!r} makes the MLP 0 wide "
                                  f"(int(2 x ffn_mult x hidden_size {hidden} / 3) = 0)")
            mlp = DenseMlp(intermediate_size=width, bias=mlp_bias(r, "nemotron-nas"))
            r.record_layer("MLP width", width, None, i, "mlp",
                           "block_configs[].ffn.ffn_mult (DeciLM rounding)")  # fmt: skip
        num_norms = (mixer is not None) + (mlp is not None)
        layers.append(LayerSpec(index=i, mixer=mixer, mlp=mlp, num_norms=num_norms))
    _check_a_mixer(r, "block_configs", layers, "no block has attention (each is no_op)")
    r.record("layer pattern", "block_configs (per-layer)", "block_configs")
    return layers


# What vLLM builds a replace_with_linear sub-block from, the field DeciLM's config class leaves
# None for it, and the expression that then stops vLLM (its TypeError's words)
_LINEAR_FAILS = {
    "attention": ("n_heads_in_group", "num_attention_heads // n_heads_in_group",
                  "unsupported operand type(s) for //: 'int' and 'NoneType'"),
    "ffn": ("ffn_mult", "int(2 * ffn_mult * hidden_size / 3)",
            "unsupported operand type(s) for *: 'int' and 'NoneType'"),
}


def _refuse_linear_blocks(r: Reader, blocks: list[dict[str, dict]]) -> None:
    """Refuse block_configs with a replace_with_linear attention or FFN: no vLLM release
    starts it. vLLM's nemotron_nas.py (DeciLMDecoderLayer, the same rule in 0.9.1-0.34.0)
    reads only no_op and builds any other sub-block in full, the attention from
    n_heads_in_group, the FFN from ffn_mult. Its hf_config comes from the checkpoint's own
    DeciLM config class (auto_map, --trust-remote-code: transformers has no nemotron-nas
    type), whose block_config.py sets a replace_with_linear sub-block's n_heads_in_group /
    ffn_mult to None and asserts that no sub-block is both no_op and replace_with_linear (at
    config load, before any layer is built). vLLM builds layer 0 first and a layer's attention
    before its FFN, so the first flagged sub-block in that order is the one named."""
    flagged = [(i, part) for i, block in enumerate(blocks) for part in ("attention", "ffn")
               if block[part].get("replace_with_linear")]
    both = [(i, part) for i, part in flagged if blocks[i][part].get("no_op")]
    if both:
        i, part = both[0]
        raise ConfigError(
            f"{r.where('block_configs')}[{i}].{part} is both no_op and replace_with_linear: "
            "DeciLM's config class (the checkpoint's block_config.py) asserts it is not, so "
            "vLLM stops loading the config (AssertionError)")
    if not flagged:
        return
    i, part = flagged[0]
    field, expression, words = _LINEAR_FAILS[part]
    linear = sorted({b for b, _ in flagged})
    raise ConfigError(
        f"{r.where('block_configs')}[{i}].{part}.replace_with_linear is true (blocks with a "
        f"linear replacement: {len(linear)} of {len(blocks)}, {rank_runs(linear, '')}): vLLM's "
        "nemotron_nas.py does not read the flag and builds the sub-block in full from "
        f"{expression}, and DeciLM's config class (the checkpoint's block_config.py) sets "
        f"{field} to None for a replace_with_linear {part}, so no vLLM release starts it "
        f"(TypeError: {words})")


def _check_a_mixer(r: Reader, key: str, layers: list[LayerSpec], why: str) -> None:
    """Refuse a layer list in which no layer attends or holds a recurrent state: nothing
    reads the context, so there is no KV cache to size. vLLM would run it as an
    attention-free model (v1/core/kv_cache_planning.py: an empty KV cache spec gives one
    null block, 0.34.0); Headroom's plans size a KV cache or a state, so it says so."""
    if all(layer.mixer is None for layer in layers):
        raise ConfigError(f"{r.where(key)}: {why}, so no layer attends or keeps a state and "
                          "there is no KV cache to plan")
