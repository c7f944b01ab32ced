"""Mamba2 mixers: Nemotron-H's and GraniteMoeHybrid's, as vLLM builds MambaMixer2."""

from planner.model.config.identity import architectures
from planner.model.config.reader import MAX_HEADS, MAX_WIDTH, Reader, need
from planner.model.spec import ConfigError, MambaMixer
from planner.text import shortened

NEMOTRON_H_SSM_ARCHITECTURES = frozenset({"NemotronHForCausalLM", "NemotronHPuzzleForCausalLM"})
"""NOTE: model_executor/models/config.py MODELS_CONFIG_MAP maps these (NemotronHPuzzle from the
0.16.0 wheel) to NemotronHForCausalLMConfig, which sets cache_config.mamba_ssm_cache_dtype from
the config where it is "auto" (0.13.0-0.34.0 wheels; none in 0.11.0-0.12.0); no other Mamba2
model class reads a dtype from its config (granitemoehybrid.py, bamba.py, falcon_h1.py,
zamba2.py: get_mamba_state_dtype_from_config passes cache_config's). Read from the text
model's config (text_config's in a wrapper, whose language model is one of these); whether the
release reads it follows the top-level architecture vLLM resolved (a Nemotron-H VL / Omni
wrapper's only from 0.20.0 / 0.34.0): vllm_versions.NEMOTRON_H_SSM_CONFIG_ARCHITECTURES."""


PLANNED_SSM_DTYPES = ("bfloat16", "float16", "float32")
"""The config SSM state dtypes Headroom plans (MambaMixer.state_dtype,
LinearAttentionMixer.ssm_dtype)."""

SSM_DTYPE_ALIASES = {"half": "float16", "float": "float32"}
"""NOTE: torch's other names that vLLM's STR_DTYPE_TO_TORCH_DTYPE maps a config's SSM dtype
through ("half": torch.half, "float": torch.float; utils/torch_utils.py in the 0.13.0, 0.17.0,
0.24.0 and 0.34.0 wheels; mamba_utils.py _mamba_state_dtype): planned as the dtype they name."""


def planned_ssm_dtype(value: object) -> str | None:
    """A config's SSM state dtype as planned: one of PLANNED_SSM_DTYPES (an alias as the dtype
    it names), else None."""
    value = SSM_DTYPE_ALIASES.get(value, value) if isinstance(value, str) else value
    return value if value in PLANNED_SSM_DTYPES else None


def unplanned_ssm_dtype(r: Reader, key: str) -> str | None:
    """The config's SSM state dtype `key` where written as a string Headroom does not plan, as
    "config.json: text_config.mamba_ssm_dtype = 'half'" (MambaMixer.state_dtype_unplanned); a
    non-string is config.leftovers.mistyped_fields'."""
    value = r.get(key)
    if not isinstance(value, str) or planned_ssm_dtype(value):
        return None
    return f"{r.where(key)} = {shortened(value)!r}"


def mamba_mixer(r: Reader) -> MambaMixer:
    """A Mamba2 layer. NOTE: nemotron_h.py NemotronHMambaDecoderLayer passes
    use_conv_bias=config.use_conv_bias and use_bias=config.use_bias to MambaMixer2, whose
    conv1d takes the first and in_proj / out_proj the second (layers/mamba/mamba_mixer2.py,
    0.9.1, 0.19.0, 0.33.0 and 0.34.0 wheels); transformers 5.24.0 NemotronHConfig defaults
    `use_conv_bias: bool = True`, `use_bias: bool = False`. The SSM state's dtype: vLLM reads
    config `mamba_ssm_cache_dtype` only (models/config.py NemotronHForCausalLMConfig,
    `getattr(hf_config, "mamba_ssm_cache_dtype", ...)`; not mamba_ssm_dtype; a wrapper's from
    `hf_config.text_config`, read here as the text model's config), for the architectures
    NEMOTRON_H_SSM_ARCHITECTURES; per release and top-level architecture: vllm_versions.
    nemotron_ssm_default."""
    ssm_dtype = r.get("mamba_ssm_cache_dtype")
    return MambaMixer(
        num_heads=need(r, "mamba_num_heads", MAX_HEADS),
        head_dim=need(r, "mamba_head_dim", MAX_WIDTH),
        state_size=need(r, "ssm_state_size", MAX_WIDTH),
        n_groups=r.int_("n_groups", hi=MAX_HEADS) or 1,
        conv_kernel=r.int_("conv_kernel", hi=1024) or 4,
        state_dtype=planned_ssm_dtype(ssm_dtype),
        state_dtype_unplanned=unplanned_ssm_dtype(r, "mamba_ssm_cache_dtype"),
        config_ssm_dtype=bool(NEMOTRON_H_SSM_ARCHITECTURES.intersection(
            architectures(r.cfg, r.prefix))),
        conv_bias=r.flag("use_conv_bias") is not False,
        proj_bias=bool(r.flag("use_bias")),
        chunk_size=_chunk_size(r),
    )


def granite_mamba_mixer(r: Reader, hidden: int) -> MambaMixer:
    """GraniteMoeHybrid's Mamba2 mixer, as granitemoehybrid.py builds MambaMixer2.

    NOTE: GraniteMoeHybridMambaDecoderLayer (0.9.2-0.34.0 wheels): MambaMixer2(
    ssm_state_size=mamba_d_state, conv_kernel_size=mamba_d_conv, intermediate_size=mamba_expand
    x hidden_size, use_conv_bias=mamba_conv_bias, use_bias=mamba_proj_bias,
    n_groups=mamba_n_groups, num_heads=mamba_n_heads, head_dim=mamba_d_head); its state in the
    model dtype unless --mamba-ssm-cache-dtype says otherwise (get_mamba_state_dtype_from_config:
    cache_config's, no config key). mamba_d_head "auto" (transformers 4.56.0 and 5.24.0
    GraniteMoeHybridConfig's default) is mamba_expand x hidden_size / mamba_n_heads, and both
    classes refuse a config whose mamba_d_head x mamba_n_heads is not mamba_expand x
    hidden_size ("The dimensions for the Mamba head state do not match the model
    intermediate_size")."""
    heads = need(r, "mamba_n_heads", MAX_HEADS)
    expand = need(r, "mamba_expand", 1024)
    inner = expand * hidden
    if inner % heads:
        raise ConfigError(f"{r.where('mamba_n_heads')} = {heads} does not divide "
                          f"mamba_expand x hidden_size = {inner}: transformers refuses it "
                          "(mamba_n_heads must divide mamba_expand * hidden_size)")
    raw = r.get("mamba_d_head")
    head_dim = inner // heads if raw is None or raw == "auto" else need(
        r, "mamba_d_head", MAX_WIDTH)
    if head_dim * heads != inner:
        raise ConfigError(f"{r.where('mamba_d_head')} = {head_dim} x mamba_n_heads = {heads} "
                          f"is not mamba_expand x hidden_size = {inner}: transformers refuses "
                          "it (the dimensions for the Mamba head state do not match the "
                          "model intermediate_size)")
    return MambaMixer(
        num_heads=heads,
        head_dim=head_dim,
        state_size=need(r, "mamba_d_state", MAX_WIDTH),
        n_groups=r.int_("mamba_n_groups", hi=MAX_HEADS) or 1,
        conv_kernel=r.int_("mamba_d_conv", hi=1024) or 4,
        conv_bias=r.flag("mamba_conv_bias") is not False,
        proj_bias=bool(r.flag("mamba_proj_bias")),
        chunk_size=_chunk_size(r),
    )


def _chunk_size(r: Reader) -> int:
    """The Mamba2 kernel's chunk, as vLLM ModelConfig.get_mamba_chunk_size reads the loaded
    config (0.15.0-0.31.0 wheels): mamba_chunk_size (Granite 4), else chunk_size (Nemotron-H),
    else 2048; what the attention block is a multiple of in mamba_cache_mode "all"
    (vllm_versions.MAMBA_ALL_BEFORE)."""
    return r.int_("mamba_chunk_size", "chunk_size", hi=1 << 20) or 2048
