"""Multi-token-prediction layers: how many a config gives, and the draft layer vLLM builds
where it differs from the last decoder layer (MiMo-V2-Flash, Nemotron-H)."""

from planner.model.config.reader import MAX_WIDTH, Reader, as_int
from planner.model.spec import AttentionMixer, DenseMlp, LayerSpec, MoeMlp


def mtp_layer_count(r: Reader) -> int:
    k = r.key("num_nextn_predict_layers", "mtp_num_hidden_layers", "num_mtp_modules")
    if k is None:
        return 0
    value = as_int(r.cfg[k], r.where(k), 0, 64)
    if k == "num_mtp_modules" and r.flag("use_mtp") is False:
        return 0
    return value


def mimo_v2_mtp_layer(r: Reader, layers: list[LayerSpec]) -> LayerSpec | None:
    """MiMo-V2-Flash's MTP draft layer: the sliding layers' attention and a dense MLP of
    intermediate_size.

    NOTE: vLLM model_executor/models/mimo_v2_mtp.py (0.21.0-0.34.0 wheels):
    _MIMO_V2_FLASH_NUM_MTP_LAYERS = 1 ("vLLM currently supports only the first MiMo-V2 MTP
    layer"); MiMoV2MTPLayer builds MiMoV2Attention from swa_num_attention_heads,
    swa_num_key_value_heads, swa_head_dim, swa_v_head_dim, sliding_window_size,
    add_swa_attention_sink_bias and swa_rope_theta ("MTP uses the SWA attention
    configuration"), and MiMoV2MLP(intermediate_size), dense (gate_up + down).
    """
    sliding = next((lay.mixer for lay in layers if getattr(lay.mixer, "kind", None)
                    == "sliding"), None)
    size = r.int_("intermediate_size", hi=MAX_WIDTH)
    if sliding is None or size is None:
        return None
    return LayerSpec(index=len(layers), mixer=sliding, mlp=DenseMlp(intermediate_size=size),
                     num_norms=2)


def nemotron_h_mtp_layer(r: Reader, layers: list[LayerSpec]) -> LayerSpec | None:
    """Nemotron-H's MTP step from mtp_hybrid_override_pattern "*E": one attention layer and
    one MoE layer, held as one layer (the model's attention mixer and MoE block, 2 norms);
    other patterns keep the last-layer copy.

    NOTE: vLLM nemotron_h_mtp.py NemotronHMultiTokenPredictor (0.17.0-0.34.0 wheels): one
    physical layer per pattern character, "*" NemotronHMTPAttentionDecoderLayer, "E"
    NemotronHMTPMoEDecoderLayer (others: NotImplementedError); the first holds enorm, hnorm
    and eh_proj, the last the final norm.
    """
    if r.get("mtp_hybrid_override_pattern") != "*E":
        return None
    mixer = next((lay.mixer for lay in layers if isinstance(lay.mixer, AttentionMixer)), None)
    mlp = next((lay.mlp for lay in layers if isinstance(lay.mlp, MoeMlp)), None)
    if mixer is None or mlp is None:
        return None
    return LayerSpec(index=len(layers), mixer=mixer, mlp=mlp, num_norms=2)
