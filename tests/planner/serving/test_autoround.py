"""AutoRound (Intel Neural Compressor) checkpoints as vLLM's INCConfig loads them: quant_method
'auto-round' (or 'inc'), int4/int8 weights packed as GPTQ or AWQ, extra_config's 16-bit
modules, and the releases and GPUs whose loader takes them (planner.serving.startup
inc_errors / inc_notes).

Fixtures: tests/fixtures/configs/autoround/*.quantization_config.json are OPEA's AutoRound
exports' quantization_config.json (SOURCES.md), the block AutoRound also writes into
config.json's quantization_config."""

import json
from pathlib import Path

import pytest

from planner.model.config.parser import parse_model_config
from planner.model.config.quant import quant_spec
from planner.model.quant import checkpoint_scheme, what_if_scheme
from planner.model.spec import ConfigError, MoeMlp, QuantSpec
from planner.serving.hardware import gpu_preset
from planner.serving.layout import ParallelLayout, layout_warnings
from planner.serving.startup.autoround import inc_errors, inc_notes
from planner.serving.startup.dtype import act_dtype_errors
from planner.serving.weights import weights_bytes
from tests.cli.conftest import run_main
from tests.planner.serving.test_weights import make_spec

FIXTURES = Path(__file__).parents[2] / "fixtures" / "configs"
SMALL = "OPEA__Qwen2.5-0.5B-Instruct-int4-sym-inc"  # quant_method "auto-round"
LARGE = "OPEA__Qwen2.5-72B-Instruct-int4-sym-inc"  # quant_method "intel/auto-round"


def block(name: str) -> dict:
    return json.loads((FIXTURES / "autoround" / f"{name}.quantization_config.json").read_text())


def parsed(qc: dict) -> tuple[QuantSpec | None, list[str]]:
    warnings: list[str] = []
    return quant_spec(qc, "quantization_config", None, warnings), warnings


def test_opea_auto_round_block_is_gptq_int4_g128():
    """bits 4, group_size 128, sym true and no packing_format: vLLM's default
    auto_round:auto_gptq, so GPTQ's tensors (qweight, scales, qzeros): 4 + 20/128 bits."""
    quant, warnings = parsed(block(SMALL))
    assert warnings == []
    assert (quant.method, quant.scheme, quant.weight_bits, quant.group_size) == (
        "auto-round", "w4a16-gptq-g128", 4, 128)
    assert quant.symmetric is True and quant.backend is None and not quant.act_order
    assert quant.excluded_modules == ()


def test_awq_packing_and_8_bit_and_per_channel():
    base = {"quant_method": "auto-round", "bits": 4, "group_size": 128, "sym": False}
    awq, _ = parsed(base | {"packing_format": "auto_round:auto_awq"})
    assert awq.scheme == "w4a16-awq-g128" and awq.symmetric is False
    int8, _ = parsed(base | {"bits": 8, "group_size": -1, "quant_method": "inc"})
    assert (int8.method, int8.scheme, int8.group_size) == ("inc", "w8a16-gptq-gchannel", None)


def test_formats_headroom_does_not_plan_are_labelled_16_bit():
    for qc in ({"bits": 2, "group_size": 128}, {"bits": 4, "group_size": 32, "data_type": "mx_fp"},
               {"bits": 4, "group_size": 32, "data_type": "mx_fp",
                "packing_format": "auto_round:llm_compressor"},
               {"bits": 4, "group_size": [128, 128], "data_type": "fp"}):
        quant, warnings = parsed({"quant_method": "auto-round", "sym": True} | qc)
        assert quant is None and "not understood: planned as 16-bit weights" in warnings[0]


def test_bad_autoround_blocks_are_one_line_errors():
    with pytest.raises(ConfigError, match="needs bits and group_size"):
        parsed({"quant_method": "auto-round", "bits": 4})
    with pytest.raises(ConfigError, match="Unsupported backend: exllama"):
        parsed({"quant_method": "auto-round", "bits": 4, "group_size": 128, "backend": "exllama"})
    with pytest.raises(ConfigError, match="Unsupported backend: auto_round:gptq:exllamav2, "
                       "currently only support {'auto', 'gptq', 'gptq:marlin', 'awq', "):
        parsed(block(LARGE) | {"quant_method": "auto-round"})


def test_extra_config_16_bit_modules_are_kept_and_other_bits_planned_per_module():
    qc = {"quant_method": "auto-round", "bits": 4, "group_size": 128, "sym": True,
          "extra_config": {"lm_head": {"bits": 16, "data_type": "float"},
                           "model.layers.0.mlp.gate_proj": {"bits": 16},
                           "model.layers.0.mlp.up_proj": {"bits": 16},
                           "model.layers.0.mlp.down_proj": {"bits": 16},
                           "model.layers.1.self_attn.o_proj": {"bits": 8}}}
    quant, warnings = parsed(qc)
    assert quant.excluded_modules == ("lm_head", "model.layers.0.mlp.gate_proj",
                                      "model.layers.0.mlp.up_proj", "model.layers.0.mlp.down_proj")
    assert [(f.module, f.scheme) for f in quant.module_schemes] == [
        ("model.layers.1.self_attn.o_proj", "w8a16-gptq-g128")]
    assert warnings == []


# AutoRound's own exporter (auto_round model-free export, find_string id 54827818253) writes an
# extra_config entry for every module whose bits, group_size or sym differ from the default
# scheme ({key: value} of QuantizationScheme's non-None fields) and, when lm_head is quantized,
# an "lm_head" entry (its layer_config's, else the default scheme's); asymmetric exports get
# packing_format "auto_round". AutoRound's export test test_WOQ_config_INT_saving (find_string
# id 61519148) asserts these entries for W4A16 sym false with layer_config lm_head 4 bits and
# k_proj 8 bits: LM_HEAD and K_PROJ below, values as asserted (super_* None: not written).
LM_HEAD = {"act_data_type": "float", "act_bits": 16, "act_group_size": 128, "act_sym": False,
           "data_type": "int", "bits": 4, "group_size": 128, "sym": False, "act_dynamic": True}
K_PROJ = {"act_data_type": "float", "act_bits": 16, "act_group_size": 128, "act_sym": False,
          "data_type": "int", "bits": 8, "group_size": 128, "sym": False, "act_dynamic": True}
W4A16_ASYM = {"quant_method": "auto-round", "packing_format": "auto_round:auto_gptq", "bits": 4,
              "group_size": 128, "sym": False, "data_type": "int"}


def test_a_listed_lm_head_is_quantized_as_vllm_builds_it():
    """INCConfig.get_layer_config: a ParallelLMHead is quantized only when extra_config names
    it, then in the entry's bits and group (GPTQ packing: 4 + 20/128 bits). make_spec's lm_head
    is 100 x 64 = 6,400 params: 6,400 x 133/32 / 8 = 3,325 B, where a 16-bit one is 12,800 B;
    the embedding stays 16-bit (12,800 B)."""
    quant, warnings = parsed(W4A16_ASYM | {"extra_config": {"lm_head": LM_HEAD}})
    assert warnings == [] and quant.excluded_modules == ()
    assert [(f.module, f.scheme) for f in quant.module_schemes] == [
        ("lm_head", "w4a16-gptq-g128")]
    spec = make_spec(quant=quant)
    w = weights_bytes(spec, checkpoint_scheme(spec))
    assert (w.lm_head_bytes, w.embeddings_bytes) == (3_325, 12_800)
    # tied embeddings: vLLM ties lm_head to embed_tokens, built unquantized
    tied = make_spec(quant=quant, tie_word_embeddings=True)
    assert weights_bytes(tied, checkpoint_scheme(tied)).embeddings_bytes == 12_800
    # a what-if in the same format plans the usual 16-bit lm_head
    assert weights_bytes(spec, what_if_scheme("w4a16-gptq-g128")).lm_head_bytes == 12_800


def test_per_module_bits_are_counted_per_module():
    """Layer 1's q/k/v_proj in K_PROJ's int8 g128 (8 + 24/128 = 131/16 bits), layer 0's
    down_proj too; everything else int4 g128 (133/32 bits). make_spec by hand: q 4,096, k = v
    = 2,048, o 4,096 params; gate = up = down = 8,192.
    Layer 1 attention: 4,096 x 133/32 + 8,192 x 131/16 = 17,024 + 67,072 = 84,096 bits =
    10,512 B; layer 0's 12,288 x 133/32 / 8 = 6,384 B. Layer 0 MLP: 16,384 x 133/32 / 8 =
    8,512 B + 8,192 x 131/16 / 8 = 8,384 B = 16,896 B; layer 1's 24,576 x 133/256 = 12,768 B."""
    extra = {f"model.layers.1.self_attn.{p}_proj": K_PROJ for p in ("q", "k", "v")}
    quant, warnings = parsed(W4A16_ASYM | {"extra_config": extra | {
        "model.layers.0.mlp.down_proj": K_PROJ}})
    assert warnings == [] and len(quant.module_schemes) == 4
    spec = make_spec(quant=quant)
    w = weights_bytes(spec, checkpoint_scheme(spec))
    assert w.attention_bytes == 10_512 + 6_384
    assert w.dense_mlp_bytes == 16_896 + 12_768
    assert w.lm_head_bytes == 12_800  # not listed: unquantized ParallelLMHead


def test_expert_entries_set_the_layers_fused_moe_once():
    """get_layer_config gives a FusedMoE layer the config of the extra_config entries under its
    prefix (they must agree; 0.19-0.23, test_expert_entries_per_release), so two experts'
    entries in layer 0 put all of its experts in int8 g128, once. 4 experts x 3 x 64 x 32 =
    24,576 params a layer: layer 0 24,576 x 131/16 / 8 = 25,152 B, layer 1 in int4 g128
    24,576 x 133/256 = 12,768 B."""
    extra = {f"model.layers.0.mlp.experts.{e}.{p}_proj": K_PROJ for e, p in ((0, "down"),
                                                                           (1, "gate"))}
    quant, _ = parsed(W4A16_ASYM | {"extra_config": extra})
    spec = make_spec(quant=quant, mlp=MoeMlp(num_experts=4, experts_per_token=2,
                                             expert_intermediate_size=32))
    assert weights_bytes(spec, checkpoint_scheme(spec)).experts_bytes == 25_152 + 12_768


def test_one_shard_of_a_fused_layer_in_other_bits_is_refused_in_vllms_words():
    """AutoRound's test export lists k_proj alone at 8 bits; vLLM builds q/k/v as one
    qkv_proj and get_layer_config raises when its shards' (bits, group_size, sym) differ
    (inc.py 0.19.0; config_parser.py 0.24.0-0.33.0)."""
    shards = [f"model.decoder.layers.1.self_attn.{p}_proj" for p in ("q", "k", "v")]
    with pytest.raises(ConfigError) as refused:
        parsed(W4A16_ASYM | {"extra_config": {shards[1]: K_PROJ}})
    assert str(refused.value) == (
        "config.json: quantization_config.extra_config: Fused module "
        "'model.decoder.layers.1.self_attn.qkv_proj' requires consistent quant config for "
        f"{shards} (vLLM INCConfig)")
    with pytest.raises(ConfigError, match="Fused module 'model.layers.0.mlp.gate_up_proj'"):
        parsed(W4A16_ASYM | {"extra_config": {"model.layers.0.mlp.up_proj": K_PROJ}})
    # shared experts are an MLP of their own (DeepseekV2MLP / Qwen2MoeMLP: gate_up_proj)
    with pytest.raises(ConfigError, match="'model.layers.1.mlp.shared_experts.gate_up_proj'"):
        parsed(W4A16_ASYM | {"extra_config": {"model.layers.1.mlp.shared_experts.gate_proj":
                                              K_PROJ}})
    # an MLA layer's q_proj is its own linear layer (no k_proj / v_proj): not a shard
    quant, _ = parsed(W4A16_ASYM | {"extra_config": {"model.layers.0.self_attn.q_proj": K_PROJ}})
    assert quant.module_schemes[0].scheme == "w8a16-gptq-g128"


def test_formats_no_release_takes_are_refused_in_vllms_words():
    """INCConfig.__init__ (0.33.0 wheel) raises ValueError on a data_type, packing_format or
    bits outside what any release read accepts; int weights in llm_compressor packing are
    refused by every release too (by its set to 0.26, a ValueError in 0.27-0.28, an
    assertion from 0.29). AutoRound writes packing_format "auto_round"
    for an asymmetric export (id 54827818253) and data_type "nv_fp" for NVFP4 (id 61519148)."""
    cases = [(W4A16_ASYM | {"packing_format": "auto_round"},
              "packing_format: Unsupported packing_format: auto_round, currently only support "
              "{'auto_round:auto_gptq', 'auto_round:auto_awq', 'auto_round:fp8', "
              "'auto_round:llm_compressor'}. (vLLM INCConfig)"),
             (W4A16_ASYM | {"data_type": "nv_fp"},
              "data_type: Unsupported data_type: nv_fp, currently only support {'int', "
              "'mx_fp', 'fp'}. (vLLM INCConfig)"),
             (W4A16_ASYM | {"packing_format": "auto_round:llm_compressor"},
              "packing_format: INC int quantization only supports packing_format in "
              "['auto_round:auto_awq', 'auto_round:auto_gptq'], but found "
              "packing_format='auto_round:llm_compressor'. (vLLM INCConfig "
              "_validate_int_quantization; every release read refuses int weights in this "
              "packing)"),
             (W4A16_ASYM | {"bits": 16},
              "bits: Unsupported weight_bits: 16, currently only support {2, 3, 4, 5, 6, 7, "
              "8}. (vLLM INCConfig)")]
    for qc, message in cases:
        with pytest.raises(ConfigError) as refused:
            parsed(qc)
        assert str(refused.value) == f"config.json: quantization_config.{message}"


def test_activation_fields_vllm_does_not_run_are_refused():
    """INCConfig._validate_raw_config (0.29.0-0.33.0; MXFP8 from 0.27.0) compares a block-FP8
    or MXFP8 block's activation fields with what vLLM runs; earlier releases refuse the
    data_type. Blocks from AutoRound's schemes (auto_round/schemes.py, find_string id
    51927722244): MXFP8_RCEIL writes act_data_type "mx_fp_rceil", MXFP8 "mx_fp", FP8_BLOCK
    act_bits 8, act_group_size 128, act_data_type "fp", dynamic and symmetric."""
    mxfp8 = {"quant_method": "auto-round", "bits": 8, "group_size": 32, "data_type": "mx_fp",
             "sym": True, "packing_format": "auto_round:llm_compressor", "act_bits": 8,
             "act_data_type": "mx_fp", "act_group_size": 32, "act_sym": True,
             "act_dynamic": True}
    quant, warnings = parsed(mxfp8)
    assert quant is None and "planned as 16-bit weights" in warnings[0]
    with pytest.raises(ConfigError) as stopped:
        parsed(mxfp8 | {"act_data_type": "mx_fp_rceil"})
    assert str(stopped.value) == (
        "config.json: quantization_config.act_data_type: INC MXFP8 only supports "
        "act_data_type='mx_fp', but found act_data_type='mx_fp_rceil'. (vLLM "
        "INCConfig._validate_raw_config from 0.27 / 0.29; earlier releases refuse the "
        "data_type: none loads it)")
    fp8_block = {"quant_method": "auto-round", "bits": 8, "group_size": [128, 128],
                 "data_type": "fp", "sym": True, "act_bits": 8, "act_group_size": 128,
                 "act_data_type": "fp", "act_dynamic": True, "act_sym": True}
    assert parsed(fp8_block)[0].scheme == "fp8-block128"
    with pytest.raises(ConfigError, match=r"act_bits: INC block-wise FP8 only supports "
                       r"act_bits=8, but found act_bits=16\."):
        parsed(fp8_block | {"act_bits": 16})


def test_cli_refuses_a_format_vllm_refuses_with_exit_2(tmp_path, capsys):
    config = json.loads((FIXTURES / "Qwen__Qwen2.5-72B-Instruct.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps(
        config | {"quantization_config": W4A16_ASYM | {"packing_format": "auto_round"}}))
    code, out, err = run_main(capsys, "plan", "--model", str(tmp_path / "config.json"),
                              "--gpu", "rtx-3090", "--gpus", "4")
    assert code == 2 and "Unsupported packing_format: auto_round" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_weights_by_hand_with_extra_config():
    """make_spec by hand: attention 12,288 params per layer, MLP 24,576, embeddings = lm_head =
    6,400. GPTQ int4 g128 = 4 + 20/128 = 133/32 bits: 12,288 x 133 / 256 = 6,384 B of
    attention per layer, 24,576 x 133 / 256 = 12,768 B of MLP. extra_config keeps layer 0's
    gate/up/down_proj at 16 bits (UnquantizedLinearMethod): 24,576 x 2 = 49,152 B; lm_head and
    embeddings 16-bit either way (ParallelLMHead unquantized, VocabParallelEmbedding not a
    quantized layer): 12,800 B each."""
    qc = {"quant_method": "auto-round", "bits": 4, "group_size": 128, "sym": True,
          "extra_config": {f"model.layers.0.mlp.{p}_proj": {"bits": 16}
                           for p in ("gate", "up", "down")}}
    spec = make_spec(quant=parsed(qc)[0])
    w = weights_bytes(spec, checkpoint_scheme(spec))
    assert w.attention_bytes == 2 * 6_384
    assert w.dense_mlp_bytes == 49_152 + 12_768
    assert w.lm_head_bytes == w.embeddings_bytes == 12_800
    # a what-if in the same format plans every layer quantized
    assert weights_bytes(spec, what_if_scheme("w4a16-gptq-g128")).dense_mlp_bytes == 2 * 12_768


def test_an_entry_without_bits_keeps_its_own_layer_16_bit():
    """INCConfig.get_quant_method (every wheel 0.19.0-0.33.0) reads a missing `bits` as 16 for
    the extra_config key that is a layer's own name: UnquantizedLinearMethod. Entries AutoRound
    writes with only group_size or sym (its exporter writes the fields that differ, id
    54827818253). A shard of a fused layer (gate_proj -> gate_up_proj) or a routed expert
    (experts.N -> the layer's FusedMoE) is no layer's name: get_layer_config fills in the
    checkpoint's bits there.
    Layer 0: gate/up_proj bits 16 and down_proj with no bits, so its whole MLP is 16-bit:
    24,576 x 2 = 49,152 B; layer 1's MLP int4 g128: 24,576 x 133/256 = 12,768 B."""
    extra = {"model.layers.0.mlp.gate_proj": {"bits": 16}, "model.layers.0.mlp.up_proj":
             {"bits": 16}, "model.layers.0.mlp.down_proj": {"sym": True}}
    quant, warnings = parsed(W4A16_ASYM | {"extra_config": extra})
    assert warnings == [] and quant.excluded_modules == tuple(extra)
    spec = make_spec(quant=quant)
    assert weights_bytes(spec, checkpoint_scheme(spec)).dense_mlp_bytes == 49_152 + 12_768
    # a shard's or a routed expert's entry without bits: the checkpoint's int4 g128
    for name in ("model.layers.1.mlp.gate_proj", "model.layers.1.mlp.experts.3.down_proj"):
        shard = {name: {"sym": False}} | ({"model.layers.1.mlp.up_proj": {"sym": False}}
                                           if "gate" in name else {})
        quant, warnings = parsed(W4A16_ASYM | {"extra_config": shard})
        assert warnings == [] and quant.excluded_modules == () == quant.module_schemes
    # o_proj alone without bits (or at 16 bits): a third of the attention's weights 16-bit, by
    # hand: q/k/v 8,192 params x 133/256 = 4,256 B + o 4,096 x 2 B = 8,192 B = 12,448 B in
    # layer 0; layer 1's whole attention int4 g128: 12,288 x 133/256 = 6,384 B
    o_proj = "model.layers.0.self_attn.o_proj"
    for cfg in ({"sym": False}, {"bits": 16}):
        quant, _ = parsed(W4A16_ASYM | {"extra_config": {o_proj: cfg}})
        assert quant.excluded_modules == () and [(f.module, f.scheme) for f in
                                                 quant.module_schemes] == [(o_proj, "bf16")]
        spec = make_spec(quant=quant)
        assert weights_bytes(spec, checkpoint_scheme(spec)).attention_bytes == 12_448 + 6_384
    # a listed lm_head without bits: kept 16-bit, where its bits would quantize it
    quant, _ = parsed(W4A16_ASYM | {"extra_config": {"lm_head": {"group_size": 128}}})
    assert quant.excluded_modules == ("lm_head",) and quant.module_schemes == ()


def spec_with(qc: dict):
    return make_spec(quant=parsed({"quant_method": "auto-round", "bits": 4, "group_size": 128}
                                  | qc)[0])


RTX3090, V100 = gpu_preset("rtx-3090"), gpu_preset("v100-32gb")


def refused(qc: dict, version: tuple, gpu=RTX3090) -> list[str]:
    spec = spec_with(qc)
    return inc_errors(spec, checkpoint_scheme(spec), version, gpu)


def noted(qc: dict, version: tuple, gpu=RTX3090) -> list[str]:
    spec = spec_with(qc)
    return inc_notes(spec, checkpoint_scheme(spec), version, gpu)


def test_expert_entries_per_release():
    """inc.py get_layer_config (0.19.0-0.23.0 wheels) takes the entries under a FusedMoE
    layer's prefix, each filled in with the checkpoint's (bits, group_size, sym), and raises
    ValueError when they differ; the layer class is FusedMoE there. From 0.24.0 the layer is a
    RoutedExperts, which config_parser.py's `"fusedmoe" in layer.__class__.__name__.lower()`
    never matches: the experts take the checkpoint's int4 g128 whatever the entries say.
    Entries by hand: expert 0's down_proj int8 g128 sym, expert 1's gate_proj int8 g128 with
    sym false (the checkpoint's sym true): two configs in layer 1."""
    sym8 = {"bits": 8, "group_size": 128, "sym": True}
    mixed = {"sym": True, "extra_config": {"model.layers.1.mlp.experts.0.down_proj": sym8,
                                           "model.layers.1.mlp.experts.1.gate_proj":
                                           sym8 | {"sym": False}}}
    assert spec_with(mixed).quant.expert_conflict == "model.layers.1.mlp.experts"
    for version in ((0, 19, 0), (0, 23, 0)):
        assert refused(mixed, version) == [
            f"Fused MoE layer 'model.layers.1.mlp.experts' requires consistent quant config for "
            f"all sub-layers (vLLM 0.{version[1]}.0 INCConfig.get_layer_config: the "
            "extra_config entries of its routed experts give different bits, group_size or sym)"]
    ignored = ("vLLM {} builds the routed experts of 'model.layers.1.mlp.experts' in the "
               "checkpoint's int4 g128, not in the {} their extra_config entries store them in: "
               "from 0.24 INCConfigParser reads those entries only for a layer class named "
               "FusedMoE, and the layer is RoutedExperts, so the stored expert tensors do not "
               "fit the parameters it builds (a load error, or wrong weights where they are "
               "smaller). 0.19-0.23 build them as listed.")
    for version in ("0.24.0", "0.33.0"):
        release = tuple(int(part) for part in version.split("."))
        assert refused(mixed, release) == [ignored.format(version, "int8 g128")]
    # entries that agree: 0.19-0.23 build the layer in int8 g128; 16-bit experts likewise
    agreed = {"sym": True, "extra_config": {
        f"model.layers.1.mlp.experts.{e}.down_proj": sym8 for e in (0, 1)}}
    kept = {"sym": True, "extra_config": {"model.layers.1.mlp.experts.2.up_proj": {"bits": 16}}}
    for qc, own in ((agreed, "int8 g128"), (kept, "16-bit")):
        assert spec_with(qc).quant.expert_conflict is None
        assert refused(qc, (0, 23, 0)) == []
        assert refused(qc, (0, 24, 0)) == [ignored.format("0.24.0", own)]
    # sym alone (the same bytes) is not refused; a shared expert is a layer of its own
    for extra in ({"model.layers.1.mlp.experts.0.down_proj": {"sym": False}},
                  {"model.layers.1.mlp.shared_experts.down_proj": sym8}):
        assert refused({"sym": True, "extra_config": extra}, (0, 33, 0)) == []


def test_expert_entries_naming_some_experts_are_refused_up_to_0_23():
    """inc.py get_layer_config (0.19.0-0.23.0 wheels) gives a FusedMoE layer the config of the
    extra_config entries under its prefix, and apply_gptq_quant_layer builds every expert of
    the layer in it: entries naming only some experts' projections leave the others' stored
    tensors (the checkpoint's int4 g128) in a layer built int8. A 2-expert gated MoE has
    2 x 3 = 6 expert projections in a layer; entries by hand."""
    moe = MoeMlp(num_experts=2, experts_per_token=1, expert_intermediate_size=32)
    sym8 = {"bits": 8, "group_size": 128, "sym": True}

    def errors(extra: dict, version: tuple) -> list[str]:
        spec = make_spec(mlp=moe, quant=parsed({
            "quant_method": "auto-round", "bits": 4, "group_size": 128, "sym": True,
            "extra_config": extra})[0])
        return inc_errors(spec, checkpoint_scheme(spec), version, RTX3090)

    every = {f"model.layers.1.mlp.experts.{e}.{p}": sym8
             for e in (0, 1) for p in ("gate_proj", "up_proj", "down_proj")}
    assert errors(every, (0, 23, 0)) == []  # the whole layer stored and built int8
    some = {name: entry for name, entry in every.items() if name.endswith("down_proj")}
    partial = ("vLLM {} builds every routed expert of 'model.layers.1.mlp.experts' in the int8 "
               "g128 its extra_config entries give 2 of its 6 expert projections (INCConfig."
               "get_layer_config takes the entries under a FusedMoE layer's prefix for the whole "
               "layer), so the other experts' tensors, stored in the checkpoint's int4 g128, do "
               "not fit the parameters it builds (a load error, or wrong weights where they are "
               "smaller).")
    assert errors(some, (0, 19, 0)) == [partial.format("0.19.0")]
    assert errors(some, (0, 23, 0)) == [partial.format("0.23.0")]
    # from 0.24 the entries are not read at all (test_expert_entries_per_release)
    assert errors(some, (0, 24, 0))[0].startswith("vLLM 0.24.0 builds the routed experts of")


def test_entries_no_kernel_takes_are_refused_per_release():
    """Each extra_config entry is a linear layer of its own bits, group_size and sym (filled in
    with the checkpoint's). GPTQ packing puts it on Marlin only for (4, sym) or (8, sym) in a
    group -1/32/64/128; off Marlin inc.py 0.19.0-0.21.0 build gptq.py's GPTQLinearMethod
    (GPTQConfig takes 2/3/4/8 bits), 0.22.0 on raise NotImplementedError, except that from
    0.30.0 inc_wna16_scheme.py sends 2/3/5/6/7 bits to Humming on CUDA. Entries by hand."""
    no_kernel = ("INC quantization with bits={}, sym={} is not supported. Only 4-bit and 8-bit "
                 "symmetric quantization is supported with Marlin kernels. (vLLM {} builds no "
                 "other kernel for a GPTQ-packed AutoRound layer: extra_config gives '{}' {}; "
                 "{})")
    exllama = "releases 0.19-0.21 fall back to GPTQ's exllama kernels"
    o_proj = "model.layers.0.self_attn.o_proj"
    asym8 = {"sym": True, "extra_config": {o_proj: {"bits": 8, "sym": False}}}
    assert refused(asym8, (0, 21, 0)) == []
    for version in ((0, 22, 0), (0, 33, 0)):
        assert refused(asym8, version) == [no_kernel.format(
            8, False, f"0.{version[1]}.0", o_proj,
            "8-bit asymmetric weights, which Marlin does not take", exllama)]
    down = "model.layers.1.mlp.down_proj"
    g256 = {"sym": True, "extra_config": {down: {"bits": 4, "group_size": 256}}}
    assert refused(g256, (0, 33, 0)) == [no_kernel.format(
        4, True, "0.33.0", down, "group 256: Marlin takes groups [-1, 32, 64, 128]", exllama)]
    # without bits the entry keeps down_proj 16-bit (UnquantizedLinearMethod): no kernel asked
    assert refused({"sym": True, "extra_config": {down: {"group_size": 256}}}, (0, 33, 0)) == []
    # 3-bit q/k/v: Humming on NVIDIA GPUs from 0.30, refused on 0.22-0.29 and on ROCm
    qkv = {"sym": True, "extra_config": {f"model.layers.0.self_attn.{p}_proj": {"bits": 3}
                                         for p in ("q", "k", "v")}}
    humming = "0.30 and later run it on Humming's kernels on NVIDIA GPUs"
    q_proj = "model.layers.0.self_attn.q_proj"
    assert refused(qkv, (0, 21, 0)) == [] == refused(qkv, (0, 30, 0))
    for version, gpu in (((0, 29, 0), RTX3090), ((0, 30, 0), gpu_preset("mi300x"))):
        assert refused(qkv, version, gpu) == [no_kernel.format(
            3, True, f"0.{version[1]}.0", q_proj,
            "3-bit symmetric weights, which Marlin does not take", humming)]
    # AWQ packing off Marlin builds AWQ's own method, 4 bits only (awq.py AWQConfig to 0.23,
    # auto_awq.py AutoAWQConfig TYPE_MAP {4} from 0.24): a 3-bit AWQ entry until Humming
    awq3 = {"packing_format": "auto_round:auto_awq", "sym": False,
            "extra_config": {o_proj: {"bits": 3}}}
    off = ("(vLLM {} builds AWQ's own linear method for a layer Marlin does not take (it takes "
           f"AWQ packing asymmetric in 4 bits): extra_config gives '{o_proj}' 3-bit weights; "
           "0.30 and later run it on Humming's kernels on NVIDIA GPUs)")
    assert refused(awq3, (0, 23, 0)) == [
        "Currently, only 4-bit weight quantization is supported for AWQ, but got 3 bits. "
        + off.format("0.23.0")]
    assert refused(awq3, (0, 29, 0)) == [
        "Unsupported num_bits = 3. Supported: 4. For 8-bit AWQ, use Marlin backend by setting "
        "backend='awq:marlin' or backend='marlin'. " + off.format("0.29.0")]
    assert refused(awq3, (0, 30, 0)) == []
    # 8 bits in AWQ packing: Marlin lists no uint8 with zero points, so no release loads it,
    # and each release says so in its own words (test_8_bit_awq_packing_is_refused_per_release)
    awq8 = {"packing_format": "auto_round:auto_awq", "sym": False,
            "extra_config": {o_proj: {"bits": 8}}}
    assert refused(awq8, (0, 23, 0))[0].startswith(
        "Currently, only 4-bit weight quantization is supported for AWQ, but got 8 bits. ")
    assert refused(awq8, (0, 24, 0))[0].startswith("Unsupported num_bits = 8. Supported: 4. ")
    # 5 bits: GPTQConfig's [2, 3, 4, 8] refuses it up to 0.21
    five = {"sym": True, "extra_config": {o_proj: {"bits": 5}}}
    assert refused(five, (0, 21, 0)) == [
        "Currently, only 2/3/4/8-bit weight quantization is supported for GPTQ, but got 5 bits. "
        f"(vLLM 0.21.0 builds GPTQ's exllama GPTQLinearMethod off Marlin: extra_config gives "
        f"'{o_proj}' 5-bit weights)"]


def test_symmetric_gptq_g128_loads_on_marlin_from_0_19():
    for version in ((0, 19, 0), (0, 22, 0), (0, 28, 0), (0, 33, 0)):
        assert refused({"sym": True}, version) == [] == noted({"sym": True}, version)


def test_releases_before_0_19_are_not_read():
    assert "from 0.19.0 on" in refused({"sym": True}, (0, 18, 0))[0]


def test_older_spellings_are_left_to_vllms_unknown_method_refusal():
    spec = make_spec(quant=parsed(block(LARGE))[0])
    assert spec.quant.method == "intel/auto-round"
    assert spec.quant.backend == "auto_round:gptq:exllamav2"
    # quant_method.unknown_quant_errors refuses it from 0.16 ("Unknown quantization method: ...",
    # test_unknown_quant.py; the CLI test below); before 0.19 the loader is not read here
    assert inc_errors(spec, checkpoint_scheme(spec), (0, 33, 0), RTX3090) == []
    assert "from 0.19.0 on" in inc_errors(spec, checkpoint_scheme(spec), (0, 15, 1), RTX3090)[0]


def test_sym_is_required_up_to_0_28():
    assert refused({}, (0, 28, 0))[0].startswith("Cannot find any of ['sym']")
    assert refused({}, (0, 29, 0)) == []  # get_from_keys_or(config, ["sym"], True)


def test_gptq_packing_off_marlin_falls_back_to_exllama_then_is_refused():
    """INCConfig.apply_gptq_quant_layer: GPTQLinearMethod up to 0.21; NotImplementedError from
    0.22 (inc.py, then inc_wna16_linear.py INCWNA16LinearScheme._build_gptq_method)."""
    cases = [({"sym": False}, RTX3090, "GPTQ packing symmetric only"),
             ({"sym": True, "group_size": 256}, RTX3090, "not 256"),
             ({"sym": True}, V100, "compute capability 7.5, Tesla V100-SXM2-32GB has 7.0")]
    for qc, gpu, why in cases:
        assert refused(qc, (0, 21, 0), gpu) == []
        assert why in noted(qc, (0, 21, 0), gpu)[0] and "GPTQLinearMethod" in noted(
            qc, (0, 21, 0), gpu)[0]
        for version in ((0, 22, 0), (0, 24, 0), (0, 33, 0)):
            message = refused(qc, version, gpu)[0]
            assert message.startswith(f"INC quantization with bits=4, sym={qc['sym']} is not "
                                      "supported.") and why in message


def test_backend_turns_marlin_off_from_0_24_only():
    """get_quant_method calls apply_gptq_quant_layer without its backend argument (default
    "auto") up to 0.23; INCWNA16LinearScheme reads the config's backend from 0.24."""
    qc = {"sym": True, "backend": "gptq"}
    assert refused(qc, (0, 23, 0)) == [] == noted(qc, (0, 23, 0))
    assert "backend 'gptq' turns Marlin off" in refused(qc, (0, 24, 0))[0]
    assert refused({"sym": True, "backend": "gptq:marlin"}, (0, 33, 0)) == []


def test_awq_packing_runs_marlin_asymmetric_4_bit_only_else_awq_kernels():
    """check_marlin_supported(uint4, group, has_zp=not sym): Marlin lists uint4 only with zero
    points (query_marlin_supported_quant_types), so a symmetric 4-bit AWQ-packed export runs
    AWQ's own GEMM, which loads on every release read; an 8-bit one does not (AWQConfig /
    AutoAWQConfig take 4 bits only: test_entries_no_kernel_takes_are_refused_per_release)."""
    awq = {"packing_format": "auto_round:auto_awq"}
    assert noted(awq | {"sym": False}, (0, 33, 0)) == []
    for qc, gpu in ((awq | {"sym": True}, RTX3090), (awq | {"sym": False}, V100)):
        assert refused(qc, (0, 33, 0), gpu) == []
        assert "AWQ's own GEMM" in noted(qc, (0, 33, 0), gpu)[0]


def test_experts_off_marlin_run_moe_wna16_at_any_layout(ref_config):
    """Qwen3-30B-A3B (768-wide experts, hidden 2048) in int4 g128: a symmetric GPTQ-packed export
    keeps Marlin MoE with expert parallelism (768 % 128 = 0) and falls back at TP=8 (96 wide);
    a symmetric AWQ-packed one is off Marlin (no uint4 without zero points) either way."""
    config, _ = ref_config("Qwen__Qwen3-30B-A3B")
    base = {"quant_method": "auto-round", "bits": 4, "group_size": 128, "sym": True}

    def warned(qc: dict, layout: ParallelLayout) -> list[str]:
        spec = parse_model_config(config | {"quantization_config": qc}, None, name="x")
        return layout_warnings(spec, layout, checkpoint_scheme(spec), "0.33.0")

    assert warned(base, ParallelLayout(tp=8, ep=True)) == []
    assert "96 wide per GPU" in warned(base, ParallelLayout(tp=8))[0]
    awq = base | {"packing_format": "auto_round:auto_awq"}
    for layout in (ParallelLayout(tp=8), ParallelLayout(tp=8, ep=True)):
        assert "not Marlin MoE: Marlin takes AWQ packing with zero points" in warned(
            awq, layout)[0]


def test_float32_is_refused_as_inc_refuses_it():
    """INCConfig.get_supported_act_dtypes: [torch.half, torch.bfloat16] (0.19.0, 0.33.0 wheels);
    vLLM checks the served dtype against the method "auto-round" turned into, "inc"."""
    spec = spec_with({"sym": True})
    scheme = checkpoint_scheme(spec)
    assert act_dtype_errors(spec, scheme, "float32", version=(0, 33, 0), vendor="nvidia") == [
        "torch.float32 is not supported for quantization method inc. Supported dtypes: "
        "[torch.float16, torch.bfloat16]"]
    assert act_dtype_errors(spec, scheme, "bfloat16", version=(0, 21, 0), vendor="nvidia") == []


def plan_config(tmp_path: Path, name: str) -> Path:
    """Qwen2.5-72B-Instruct's config.json (SOURCES.md, B) with an OPEA AutoRound block as its
    quantization_config: the 72B export's own block, or the 0.5B export's, which differs from
    it in quant_method ('auto-round'), backend (none) and low_gpu_mem_usage only."""
    config = json.loads((FIXTURES / "Qwen__Qwen2.5-72B-Instruct.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps(config | {"quantization_config": block(name)}))
    return tmp_path / "config.json"


def test_cli_plans_an_autoround_checkpoint_as_gptq_int4(tmp_path, capsys):
    argv = ("plan", "--model", str(plan_config(tmp_path, SMALL)), "--gpu", "rtx-3090",
            "--gpus", "4", "--tp", "1", "--pp", "4", "--max-model-len", "8k")
    code, out, err = run_main(capsys, *argv)
    assert code == 0, err
    assert "weight format       w4a16-gptq-g128" in out and "not understood" not in out + err
    assert "Fits:" in out and "weight-only kernels" in out


def test_cli_refuses_the_older_spelling_in_vllms_words(tmp_path, capsys):
    argv = ("plan", "--model", str(plan_config(tmp_path, LARGE)), "--gpu", "rtx-3090",
            "--gpus", "4", "--tp", "1", "--pp", "4", "--max-model-len", "8k")
    code, out, err = run_main(capsys, *argv)
    assert "Unknown quantization method: intel/auto-round." in out


def test_parse_model_config_reads_the_block(ref_config):
    config, _ = ref_config("Qwen__Qwen2.5-72B-Instruct")
    spec = parse_model_config(config | {"quantization_config": block(SMALL)}, None, name="x")
    assert spec.quant.scheme == "w4a16-gptq-g128"


def test_quantization_flag_is_replaced_by_inc_for_auto_round(tmp_path, capsys):
    """INCConfig.override_quantization_method returns "inc" for "auto-round" without reading
    user_quant, and _verify_quantization sets quantization to it (0.19.0, 0.33.0 wheels): vLLM
    loads the checkpoint as stored whatever --quantization says."""
    argv = ("plan", "--model", str(plan_config(tmp_path, SMALL)), "--gpu", "rtx-3090",
            "--gpus", "4", "--tp", "1", "--pp", "4", "--max-model-len", "8k",
            "--quantization", "fp8")
    code, out, err = run_main(capsys, *argv)
    assert code == 0, err
    assert "weight format       w4a16-gptq-g128" in out and "Fits:" in out
    assert "--quantization fp8 has no effect here" in out


def test_formats_some_releases_refuse_are_refused_there(ref_config, tmp_path, capsys):
    """INCConfig.__init__ checks bits, data_type and packing_format against its sets, which
    grow: SUPPORTED_BITS {2, 3, 4, 8} in the 0.19.0-0.29.0 wheels, {2, ..., 8} from 0.30.0;
    SUPPORTED_DTYPES {'int'} to 0.26.0, 'mx_fp' (any data_type containing it) from 0.27.0;
    SUPPORTED_FORMATS auto_gptq / auto_awq to 0.26.0, llm_compressor from 0.27.0. Blocks by
    hand with AutoRound's keys (bits, group_size, sym, data_type, packing_format): a 5-bit
    GPTQ-packed export, and an MXFP4 one (data_type "mx_fp4", group 32, llm_compressor
    packing, as INCConfig's MXFP8 constants describe the family). Headroom plans neither
    format (16-bit weights, a warning); a release that refuses it refuses the plan."""
    from planner.serving.startup.autoround import inc_format_errors

    config, _ = ref_config("Qwen__Qwen2.5-72B-Instruct")

    def errors(qc: dict, version: tuple) -> list[str]:
        spec = parse_model_config(config | {"quantization_config": {
            "quant_method": "auto-round", "group_size": 128} | qc}, None, name="x")
        assert spec.quant is None and "planned as 16-bit weights" in spec.warnings[-1]
        return inc_format_errors(spec, checkpoint_scheme(spec), version, RTX3090)

    five = {"bits": 5, "sym": True}
    assert errors(five, (0, 29, 0)) == [
        "Unsupported weight_bits: 5, currently only support {2, 3, 4, 8}. (vLLM 0.29.0 "
        "INCConfig; 0.30.0 and later take it)"]
    assert errors(five, (0, 30, 0)) == [] == errors(five, (0, 33, 0))
    mxfp4 = {"bits": 4, "group_size": 32, "sym": True, "data_type": "mx_fp4",
             "packing_format": "auto_round:llm_compressor"}
    assert errors(mxfp4, (0, 26, 0)) == [
        "Unsupported data_type: mx_fp4, currently only support {'int'}. (vLLM 0.26.0 "
        "INCConfig; 0.27.0 and later take it)"]
    assert errors(mxfp4, (0, 27, 0)) == []
    # without sym, releases to 0.28 stop earlier, at from_config; older spellings at the name
    # (quant_method.unknown_quant_errors, test_unknown_quant.py), not here
    assert errors({"bits": 5}, (0, 28, 0))[0].startswith("Cannot find any of ['sym']")
    assert errors(five | {"quant_method": "intel/auto-round"}, (0, 33, 0)) == []
    # 3-bit GPTQ packing passes every release's sets; its layers find no kernel 0.22-0.29
    three = {"bits": 3, "sym": True}
    assert errors(three, (0, 21, 0)) == [] == errors(three, (0, 30, 0))
    assert errors(three, (0, 29, 0)) == [
        "INC quantization with bits=3, sym=True is not supported. Only 4-bit and 8-bit "
        "symmetric quantization is supported with Marlin kernels. (vLLM 0.29.0 builds no other "
        "kernel for a GPTQ-packed AutoRound layer: the checkpoint's 3-bit symmetric weights, "
        "which Marlin does not take; 0.30 and later run it on Humming's kernels on NVIDIA GPUs)"]
    # the plan's verdict: refused on 0.29, fits (at 16 bits) on 0.30
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config | {"quantization_config": {
        "quant_method": "auto-round", "bits": 5, "group_size": 128, "sym": True}}))
    for release, verdict in (("0.29.0", "Unsupported weight_bits: 5"),
                             ("0.30.0", "Fits (unmodelled: AutoRound int 5-bit weights")):
        code, out, err = run_main(capsys, "plan", "--model", str(path), "--gpu", "h100-sxm",
                                  "--gpus", "4", "--tp", "4", "--vllm-version", release)
        assert verdict in out, out


def test_block_fp8_export_is_fp8_block128_dense_only_from_0_29(ref_config):
    """INCConfig (0.29.0 on): data_type fp, bits 8, a 2-D group_size -> INCFp8Scheme, i.e.
    Fp8LinearMethod with weight_block_size (fp8 weights + an fp32 scale per 128 x 128 block:
    8 + 32/16384 bits); no MoE method; 0.28 lists data_type int and mx_fp only."""
    qc = {"quant_method": "auto-round", "bits": 8, "group_size": [128, 128], "data_type": "fp",
          "sym": True}
    quant, warnings = parsed(qc)
    assert warnings == [] and (quant.scheme, quant.block_size) == ("fp8-block128", (128, 128))
    spec = make_spec(quant=quant)
    scheme = checkpoint_scheme(spec)
    assert weights_bytes(spec, scheme).attention_bytes == 2 * 12_291  # 12,288 x 8.00195 / 8
    assert inc_errors(spec, scheme, (0, 29, 0), RTX3090) == []
    assert inc_errors(spec, scheme, (0, 28, 0), RTX3090)[0].startswith(
        "Unsupported data_type: fp")
    assert inc_notes(spec, scheme, (0, 33, 0), V100) == []  # not a Marlin int format
    config, _ = ref_config("Qwen__Qwen3-30B-A3B")
    moe = parse_model_config(config | {"quantization_config": qc}, None, name="x")
    assert inc_errors(moe, checkpoint_scheme(moe), (0, 33, 0), RTX3090) == [
        "INCFp8Scheme does not support MoE layers. (vLLM 0.33.0 INCConfig: AutoRound block FP8 "
        "has a linear method only)"]



def test_mxfp_blocks_outside_vllms_layout_are_refused_per_release(ref_config):
    """INCConfig._validate_supported_quantization (0.27.0 and 0.28.0 wheels) asserts, for an
    MXFP8 block ("mx_fp" in data_type, bits 8), group_size 32, sym, packing_format
    'auto_round:llm_compressor' (a missing one is 'auto_round:auto_gptq' there) and backend
    'auto'; from 0.29.0 _validate_mxfp_quantization asserts bits 4 or 8 and the same four for
    a data_type of exactly "mx_fp" (a missing packing_format is llm_compressor there).
    Blocks by hand from AutoRound's MXFP4 / MXFP8 schemes (auto_round/schemes.py: bits 4 or 8,
    group_size 32, data_type "mx_fp", sym by default true), with one field changed each."""
    from planner.serving.startup.autoround import inc_format_errors

    config, _ = ref_config("Qwen__Qwen2.5-72B-Instruct")

    def errors(qc: dict, version: tuple) -> list[str]:
        spec = parse_model_config(config | {"quantization_config": {
            "quant_method": "auto-round", "group_size": 32, "sym": True, "data_type": "mx_fp",
            "packing_format": "auto_round:llm_compressor"} | qc}, None, name="x")
        assert spec.quant is None  # planned as 16-bit weights
        return inc_format_errors(spec, checkpoint_scheme(spec), version, RTX3090)

    mxfp4, mxfp8 = {"bits": 4}, {"bits": 8}
    for version in ((0, 27, 0), (0, 29, 0), (0, 33, 0)):
        assert errors(mxfp4, version) == [] == errors(mxfp8, version)
    new = "(vLLM 0.{}.0 INCConfig._validate_mxfp_quantization)"
    old = "(vLLM 0.{}.0 INCConfig._validate_supported_quantization)"
    # group 128: 0.27-0.28 check 8-bit blocks only; 0.29 on both
    assert errors(mxfp4 | {"group_size": 128}, (0, 28, 0)) == []
    assert errors(mxfp4 | {"group_size": 128}, (0, 29, 0)) == [
        "INC MXFP only supports group_size=32, but found group_size=128. " + new.format(29)]
    assert errors(mxfp8 | {"group_size": 128}, (0, 27, 0)) == [
        "INC MXFP8 only supports group_size=32, but found group_size=128. " + old.format(27)]
    # sym false
    assert errors(mxfp8 | {"sym": False}, (0, 28, 0)) == [
        "INC MXFP8 only supports symmetric weights. " + old.format(28)]
    assert errors(mxfp4 | {"sym": False}, (0, 33, 0)) == [
        "INC MXFP only supports symmetric weights. " + new.format(33)]
    # no packing_format: auto_gptq on 0.27-0.28, llm_compressor from 0.29
    bare = {"quant_method": "auto-round", "bits": 8, "group_size": 32, "sym": True,
            "data_type": "mx_fp"}
    spec = parse_model_config(config | {"quantization_config": bare}, None, name="x")
    assert inc_format_errors(spec, checkpoint_scheme(spec), (0, 28, 0), RTX3090) == [
        "INC MXFP8 only supports packing_format='auto_round:llm_compressor', but found "
        "'auto_round:auto_gptq'. " + old.format(28)]
    assert inc_format_errors(spec, checkpoint_scheme(spec), (0, 29, 0), RTX3090) == []
    # GPTQ packing written, a backend other than auto, 2 bits (SUPPORTED_BITS takes 2)
    assert errors(mxfp4 | {"packing_format": "auto_round:auto_gptq"}, (0, 30, 0)) == [
        "INC MXFP only supports packing_format='auto_round:llm_compressor', but found "
        "'auto_round:auto_gptq'. " + new.format(30)]
    assert errors(mxfp4 | {"backend": "gptq"}, (0, 32, 0)) == [
        "INC MXFP only supports backend='auto', but found backend='gptq'. " + new.format(32)]
    # 2 bits pass 0.27-0.28's checks (they look at MXFP8 only), then no scheme takes the layers:
    # resolve_scheme's MXFP schemes want bits 4 or 8 (INC_SCHEMES_FROM)
    assert errors({"bits": 2}, (0, 28, 0)) == [
        "No INC scheme found for layer config: INCLayerConfig(bits=2, group_size=32, sym=True, "
        "packing_format='auto_round:llm_compressor', backend='auto', data_type='mx_fp', "
        "quantized=True) (vLLM 0.28.0 INCConfig: the checkpoint's own config; MXFP layers run "
        "in 4 or 8 bits only (INCMxfp4Scheme, INCMxfp8Scheme), so no release loads it)"]
    assert errors({"bits": 2}, (0, 29, 0)) == [
        "INC MXFP only supports bits=4 or bits=8, but found bits=2. " + new.format(29)]
    # 0.29 on check data_type "mx_fp" only: "mx_fp4" in group 128 passes __init__
    assert errors(mxfp4 | {"data_type": "mx_fp4", "group_size": 128}, (0, 33, 0)) == []


def test_entries_off_marlin_that_load_are_noted_with_their_kernel():
    """An extra_config entry is a linear layer of its own bits, group_size and sym
    (test_entries_no_kernel_takes_are_refused_per_release): where the checkpoint's layers run
    Marlin, an entry Marlin does not take runs GPTQ's exllama GPTQLinearMethod on 0.19-0.21
    (inc.py apply_gptq_quant_layer; refused from 0.22), AWQ's own GEMM for AWQ packing in 4 bits
    (awq.py AWQLinearMethod to 0.23, auto_awq.py AutoAWQLinearMethod from 0.24), Humming for
    2/3/5/6/7 bits on NVIDIA GPUs from 0.30 (inc_wna16_scheme.py). Entries by hand."""
    tail = (" (INCConfig builds each extra_config entry as a layer of its own bits, group_size "
            "and sym); the speed is Marlin's weight-only estimate (unverified for that kernel).")
    groups = "groups [-1, 32, 64, 128])"
    o_proj = "model.layers.0.self_attn.o_proj"
    asym8 = {"sym": True, "extra_config": {o_proj: {"bits": 8, "sym": False}}}
    assert noted(asym8, (0, 19, 0)) == [
        f"vLLM 0.19.0 runs '{o_proj}' on GPTQLinearMethod (gptq.py, exllama), not Marlin "
        "(8-bit asymmetric, group 128: Marlin takes GPTQ packing symmetric in 4 or 8 bits, "
        + groups + tail]
    assert noted(asym8, (0, 22, 0)) == []  # refused there
    # 3-bit q/k/v (one qkv_proj, its shards agree): exllama on 0.21, Humming on 0.30 (NVIDIA)
    qkv = {"sym": True, "extra_config": {f"model.layers.0.self_attn.{p}_proj": {"bits": 3}
                                         for p in ("q", "k", "v")}}
    assert noted(qkv, (0, 21, 0)) == [
        "vLLM 0.21.0 runs 3 layers ('model.layers.0.self_attn.q_proj', ...) on GPTQLinearMethod "
        "(gptq.py, exllama), not Marlin (3-bit symmetric, group 128: Marlin takes GPTQ packing "
        "symmetric in 4 or 8 bits, " + groups + tail]
    assert noted(qkv, (0, 30, 0)) == [
        "vLLM 0.30.0 runs 3 layers ('model.layers.0.self_attn.q_proj', ...) on Humming's "
        "kernels (3-bit weights: INCWna16Scheme sends 2/3/5/6/7 bits to Humming on CUDA from "
        "0.30)" + tail]
    # AWQ packing, asymmetric 4-bit (Marlin), o_proj symmetric: AWQ's GEMM on every release
    # (an entry without bits would keep o_proj 16-bit: test_an_entry_without_bits_...)
    awq = {"packing_format": "auto_round:auto_awq", "sym": False,
           "extra_config": {o_proj: {"bits": 4, "sym": True}}}
    for version in ((0, 19, 0), (0, 33, 0)):
        assert noted(awq, version) == [
            f"vLLM 0.{version[1]}.0 runs '{o_proj}' on AWQ's own GEMM (AWQLinearMethod / "
            "AutoAWQLinearMethod), not Marlin (4-bit symmetric, group 128: Marlin takes AWQ "
            "packing asymmetric in 4 bits, " + groups + tail]
    # entries Marlin takes (8-bit sym, group 64) get no note
    assert noted({"sym": True, "extra_config": {o_proj: {"bits": 8, "group_size": 64}}},
                 (0, 19, 0)) == []


def test_a_bare_lm_head_key_reaches_a_nested_lm_head_from_0_27(ref_config):
    """INCConfigParser._resolve_raw matches extra_config keys to a layer's prefix exactly, and
    by suffix from 0.27.0 (inc.py 0.19.0-0.23.0 and config_parser.py 0.24.0-0.26.0: exact only).
    Qwen3-VL-MoE builds its lm_head at 'language_model.lm_head' (qwen3_vl_moe.py), whose mapper
    leaves AutoRound's bare 'lm_head' key as it is: before 0.27 vLLM builds the lm_head 16-bit
    and the stored int8 lm_head does not fit. Qwen3-VL (dense) builds it at the fixed prefix
    'lm_head' (qwen3_vl.py): matched on every release. Block by hand (AutoRound's W4A16 with
    an 8-bit lm_head entry, as test_WOQ_config_INT_saving's layer_config)."""
    qc = {"quant_method": "auto-round", "bits": 4, "group_size": 128, "sym": True,
          "extra_config": {"lm_head": {"bits": 8, "group_size": 128, "sym": True}}}

    def refused_on(name: str, version: tuple) -> list[str]:
        config, _ = ref_config(name)
        spec = parse_model_config(config | {"quantization_config": qc}, None, name="x")
        assert [(f.module, f.scheme) for f in spec.quant.module_schemes] == [
            ("lm_head", "w8a16-gptq-g128")]
        return inc_errors(spec, checkpoint_scheme(spec), version, RTX3090)

    moe = "Qwen__Qwen3-VL-30B-A3B-Instruct"
    for version in ((0, 19, 0), (0, 26, 0)):
        assert refused_on(moe, version) == [
            f"vLLM 0.{version[1]}.0 builds Qwen3VLMoeForConditionalGeneration's lm_head (prefix "
            "'language_model.lm_head') unquantized, not in the int8 its extra_config entry "
            "'lm_head' stores it in: INCConfig matches that key to the layer by suffix from "
            "0.27 only, so the checkpoint's quantized lm_head tensors do not fit the 16-bit "
            "layer it builds. 0.27 and later build it as listed."]
    assert refused_on(moe, (0, 27, 0)) == [] == refused_on(moe, (0, 33, 0))
    assert refused_on("Qwen__Qwen3-VL-32B-Instruct", (0, 19, 0)) == []
    # Qwen3.5's lm_head is nested the same way (qwen3_5.py Qwen3_5ForCausalLMBase)
    assert refused_on("Qwen__Qwen3.5-27B", (0, 26, 0))[0].startswith(
        "vLLM 0.26.0 builds Qwen3_5ForConditionalGeneration's lm_head (prefix "
        "'language_model.lm_head') unquantized")


def test_qwen_moe_dense_gate_up_entries_follow_the_loaders_mapping(ref_config):
    """INCConfig fuses gate_proj / up_proj where the model class's packed_modules_mapping, as
    INCConfig holds it, lists gate_up_proj: Qwen3MoeForCausalLM's __init__ adds it when
    mlp_only_layers is set, into the dict INCConfig holds by reference up to 0.24.0; from
    0.25.0 (SupportsQuant) INCConfig holds a copy taken before __init__ (qwen3_moe.py,
    interfaces.py, model_loader/utils.py). Unfused, the dense layer's gate_up_proj takes the
    checkpoint's int4 g128 and the entries are not read. Qwen3-30B-A3B's config with layer 0
    dense (mlp_only_layers [0]; decoder_sparse_step 2 for the second case); entries by hand."""
    from planner.model.config.quant import inc_gate_up_fused_last

    config, _ = ref_config("Qwen__Qwen3-30B-A3B")
    gate, up = "model.layers.0.mlp.gate_proj", "model.layers.0.mlp.up_proj"
    int8 = {"bits": 8, "group_size": 128, "sym": True}

    def refused_on(extra: dict, version: tuple, **cfg) -> list[str]:
        spec = parse_model_config(config | cfg | {"quantization_config": {
            "quant_method": "auto-round", "bits": 4, "group_size": 128, "sym": True,
            "extra_config": extra}}, None, name="x")
        return inc_errors(spec, checkpoint_scheme(spec), version, RTX3090)

    dense0 = {"mlp_only_layers": [0]}
    # gate_proj int8, up_proj the checkpoint's int4: refused in both eras, in other words
    assert refused_on({gate: int8}, (0, 24, 0), **dense0) == [
        f"Fused module 'model.layers.0.mlp.gate_up_proj' requires consistent quant config for "
        f"{[gate, up]} (vLLM 0.24.0 INCConfig.get_layer_config: Qwen3MoeForCausalLM fuses "
        "gate_proj and up_proj into gate_up_proj up to 0.24.0)"]
    unread = ("vLLM {} builds 'model.layers.0.mlp.gate_up_proj' in the checkpoint's int4 g128, "
              "not in the {} its extra_config entry '{}' stores: Qwen3MoeForCausalLM's "
              "packed_modules_mapping, as INCConfig reads it, has no gate_up_proj {}, so the "
              "gate_proj / up_proj entries are not read and the stored tensors do not fit the "
              "parameters it builds.")
    from_025 = ("from 0.25 (SupportsQuant copies the class mapping before __init__ adds "
                "gate_up_proj)")
    assert refused_on({gate: int8}, (0, 25, 0), **dense0) == [
        unread.format("0.25.0", "int8 g128", gate, from_025)]
    # both int8 (they agree): built int8 up to 0.24, not read from 0.25
    both = {gate: int8, up: int8}
    assert refused_on(both, (0, 19, 0), **dense0) == [] == refused_on(both, (0, 24, 0), **dense0)
    assert refused_on(both, (0, 33, 0), **dense0) == [
        unread.format("0.33.0", "int8 g128", gate, from_025)]
    # 16-bit (bits 16 on both: the whole gate_up_proj) likewise
    kept = {gate: {"bits": 16}, up: {"bits": 16}}
    assert refused_on(kept, (0, 24, 0), **dense0) == []
    assert refused_on(kept, (0, 30, 0), **dense0) == [
        unread.format("0.30.0", "16-bit", gate, from_025)]
    # a dense layer from decoder_sparse_step alone: no release adds gate_up_proj
    sparse2 = {"mlp_only_layers": [], "decoder_sparse_step": 2}
    assert refused_on({gate: int8}, (0, 19, 0), **sparse2) == [unread.format(
        "0.19.0", "int8 g128", gate, "on any release (it adds none for dense layers from "
        "decoder_sparse_step alone)")]
    # the released configs: no dense layer, so nothing to read; Qwen2-MoE with shared experts
    # (Qwen1.5-MoE-A2.7B: 5632 wide) fuses on every release, and Llama-family models too
    assert inc_gate_up_fused_last(config) == (0, 0, 0)
    assert inc_gate_up_fused_last({"architectures": ["Qwen2MoeForCausalLM"],
                                   "shared_expert_intermediate_size": 5632}) is None
    assert inc_gate_up_fused_last({"architectures": ["Qwen2MoeForCausalLM"],
                                   "shared_expert_intermediate_size": 0}) == (0, 0, 0)
    assert inc_gate_up_fused_last({"architectures": ["LlamaForCausalLM"]}) is None


def unplanned_errors(ref_config, qc: dict, version: tuple, gpu=RTX3090) -> list[str]:
    """inc_format_errors of Qwen2.5-72B with this AutoRound block, which Headroom plans as
    16-bit weights."""
    from planner.serving.startup.autoround import inc_format_errors

    config, _ = ref_config("Qwen__Qwen2.5-72B-Instruct")
    spec = parse_model_config(config | {"quantization_config": {"quant_method": "auto-round"}
                                        | qc}, None, name="x")
    assert spec.quant is None and "planned as 16-bit weights" in spec.warnings[-1]
    return inc_format_errors(spec, checkpoint_scheme(spec), version, gpu)


def test_a_null_sym_is_none_on_every_release_not_a_missing_key(ref_config):
    """get_from_keys / get_from_keys_or (base_config.py) return a present key's value, so
    `"sym": null` reaches INCConfig as None on every release: no "Cannot find any of ['sym']"
    up to 0.28 (that is a missing key's refusal) and no default true from 0.29. None is not
    symmetric to the kernels: GPTQ packing looks (4, None) up in {(4, True), (8, True)} and
    leaves Marlin (0.19-0.21 GPTQLinearMethod; 0.22 on NotImplementedError printing sym=None),
    AWQ packing asks Marlin for zero points `not None` = true: uint4 with zero points, taken.
    The MXFP and block-FP8 checks assert `self.sym` (0.29 on)."""
    null, absent = {"sym": None}, {}
    # absent: refused to 0.28, symmetric (Marlin) from 0.29; null: GPTQ packing off Marlin on
    # every release, so exllama up to 0.21 and refused from 0.22 (in vLLM's words: sym=None)
    assert refused(absent, (0, 28, 0))[0].startswith("Cannot find any of ['sym']")
    assert refused(absent, (0, 29, 0)) == []
    assert spec_with(null).quant.summary == "AutoRound int4, group 128, sym null, GPTQ-packed"
    assert refused(null, (0, 21, 0)) == []
    assert "GPTQLinearMethod (gptq.py, exllama), not Marlin" in noted(null, (0, 21, 0))[0]
    for version in ((0, 22, 0), (0, 28, 0), (0, 29, 0), (0, 33, 0)):
        assert refused(null, version) == [
            "INC quantization with bits=4, sym=None is not supported. Only 4-bit and 8-bit "
            f"symmetric quantization is supported with Marlin kernels. (vLLM 0.{version[1]}.0 "
            "builds no other kernel for a GPTQ-packed AutoRound layer: Marlin takes GPTQ "
            "packing symmetric only (uint4b8, uint8b128); sym is null, which vLLM reads as "
            "None; releases 0.19-0.21 fall back to GPTQ's exllama kernels)"]
    # AWQ packing: has_zp = not None = True -> Marlin's uint4 with zero points on every release
    awq = {"sym": None, "packing_format": "auto_round:auto_awq"}
    for version in ((0, 19, 0), (0, 28, 0), (0, 33, 0)):
        assert refused(awq, version) == [] == noted(awq, version)
    # an entry's null sym is the layer's sym: o_proj int8 sym None leaves Marlin like asym 8-bit
    o_proj = "model.layers.0.self_attn.o_proj"
    entry = {"sym": True, "extra_config": {o_proj: {"bits": 8, "sym": None}}}
    assert refused(entry, (0, 33, 0))[0].startswith(
        "INC quantization with bits=8, sym=None is not supported.")
    # MXFP4 and block FP8 assert self.sym from 0.29 (0.27-0.28 check MXFP8 only)
    mxfp4 = {"bits": 4, "group_size": 32, "sym": None, "data_type": "mx_fp",
             "packing_format": "auto_round:llm_compressor"}
    assert unplanned_errors(ref_config, mxfp4, (0, 28, 0)) == []
    assert unplanned_errors(ref_config, mxfp4, (0, 29, 0)) == [
        "INC MXFP only supports symmetric weights. (vLLM 0.29.0 "
        "INCConfig._validate_mxfp_quantization)"]
    fp8 = {"bits": 8, "group_size": [128, 128], "data_type": "fp", "sym": None}
    assert unplanned_errors(ref_config, fp8, (0, 33, 0)) == [
        "INC block-wise FP8 only supports symmetric weights. (vLLM 0.33.0 "
        "INCConfig._validate_fp8_block_quantization)"]


def test_block_fp8_blocks_outside_vllms_layout_are_refused_from_0_29(ref_config):
    """_validate_fp8_block_quantization (inc/inc.py, 0.29.0-0.33.0) asserts bits 8, a 2-D
    group_size, sym, packing 'auto_round:fp8' and backend 'auto' in that order; Headroom plans
    only such a block, so any other is planned as 16-bit weights and refused where vLLM does.
    Before 0.29 data_type fp is refused by __init__."""
    fp8 = {"bits": 8, "group_size": [128, 128], "data_type": "fp", "sym": True}
    tail = " (vLLM 0.29.0 INCConfig._validate_fp8_block_quantization)"
    assert unplanned_errors(ref_config, fp8 | {"group_size": 128}, (0, 29, 0)) == [
        "INC block-wise FP8 requires a 2-D group_size, but found group_size=128." + tail]
    assert unplanned_errors(ref_config, fp8 | {"sym": False}, (0, 29, 0)) == [
        "INC block-wise FP8 only supports symmetric weights." + tail]
    assert unplanned_errors(ref_config, fp8 | {"backend": "gptq"}, (0, 29, 0)) == [
        "INC block-wise FP8 only supports backend='auto', but found backend='gptq'." + tail]
    assert unplanned_errors(ref_config, fp8 | {"backend": "gptq"}, (0, 28, 0))[0].startswith(
        "Unsupported data_type: fp, currently only support {'int', 'mx_fp'}.")


def test_mxfp_and_fp8_entries_no_scheme_takes_are_refused(ref_config):
    """From 0.24 get_quant_method resolves each quantized layer's INCLayerConfig (bits,
    group_size, sym from its extra_config entry, else the checkpoint's; data_type, packing and
    backend the checkpoint's) and resolve_scheme raises NotImplementedError "No INC scheme
    found for layer config: ..." where no scheme takes it: MXFP wants bits 4 or 8, block FP8
    bits 8 with sym and a 2-D block. An entry of 16 bits (or none: `.get("bits", 16)`) is built
    unquantized first. Int blocks never miss (INCWna16Scheme takes data_type int)."""
    down = "model.layers.0.mlp.down_proj"
    mxfp4 = {"bits": 4, "group_size": 32, "sym": True, "data_type": "mx_fp",
             "packing_format": "auto_round:llm_compressor"}
    two = mxfp4 | {"extra_config": {down: {"bits": 2}}}
    # 0.26 refuses mx_fp itself; 0.27 on take the block, then layer 0's down_proj finds none
    assert unplanned_errors(ref_config, two, (0, 26, 0))[0].startswith(
        "Unsupported data_type: mx_fp")
    for version in ((0, 27, 0), (0, 33, 0)):
        assert unplanned_errors(ref_config, two, version) == [
            "No INC scheme found for layer config: INCLayerConfig(bits=2, group_size=32, "
            "sym=True, packing_format='auto_round:llm_compressor', backend='auto', "
            f"data_type='mx_fp', quantized=True) (vLLM 0.{version[1]}.0 INCConfig: the config "
            f"extra_config gives '{down}'; MXFP layers run in 4 or 8 bits only "
            "(INCMxfp4Scheme, INCMxfp8Scheme), so no release loads it)"]
    # 8 bits (INCMxfp8Scheme), 16 bits and no bits (unquantized) all find their method
    for entry in ({"bits": 8}, {"bits": 16}, {"group_size": 128}):
        assert unplanned_errors(ref_config, mxfp4 | {"extra_config": {down: entry}},
                                (0, 33, 0)) == []
    # a data_type "mx_fp4" block of 2 bits passes 0.29's MXFP check (it asks for "mx_fp")
    assert unplanned_errors(ref_config, mxfp4 | {"bits": 2, "data_type": "mx_fp4"},
                            (0, 33, 0))[0].startswith(
        "No INC scheme found for layer config: INCLayerConfig(bits=2, group_size=32, sym=True, "
        "packing_format='auto_round:llm_compressor', backend='auto', data_type='mx_fp4', ")
    # block FP8 (planned): an entry in 4 bits keeps the block but no scheme takes it
    fp8 = {"quant_method": "auto-round", "bits": 8, "group_size": [128, 128], "data_type": "fp",
           "sym": True, "extra_config": {down: {"bits": 4}}}
    spec = make_spec(quant=parsed(fp8)[0])
    assert inc_errors(spec, checkpoint_scheme(spec), (0, 29, 0), RTX3090) == [
        "No INC scheme found for layer config: INCLayerConfig(bits=4, group_size=(128, 128), "
        "sym=True, packing_format='auto_round:fp8', backend='auto', data_type='fp', "
        f"quantized=True) (vLLM 0.29.0 INCConfig: the config extra_config gives '{down}'; "
        "block-FP8 layers run 8-bit symmetric in a 2-D block only (INCFp8Scheme), so no "
        "release loads it)"]
    fp8["extra_config"] = {down: {"bits": 8, "sym": True}}
    spec = make_spec(quant=parsed(fp8)[0])
    assert inc_errors(spec, checkpoint_scheme(spec), (0, 29, 0), RTX3090) == []


def test_8_bit_awq_packing_is_refused_in_each_releases_words(ref_config, tmp_path, capsys):
    """8-bit AWQ packing: check_marlin_supported(uint8, ...) fails (Marlin lists uint8 with no
    zero points), so INCConfig builds AWQ's own method: awq.py AWQConfig.__init__ raises
    "Currently, only 4-bit weight quantization is supported for AWQ, but got 8 bits." in the
    0.19.0-0.23.0 wheels, auto_awq.py AutoAWQConfig.__init__ "Unsupported num_bits = 8.
    Supported: 4. For 8-bit AWQ, use ..." from 0.24.0 (TYPE_MAP {4})."""
    awq8 = {"bits": 8, "group_size": 128, "sym": False, "packing_format": "auto_round:auto_awq"}
    off = ("(vLLM {} builds AWQ's own linear method for a layer Marlin does not take (it takes "
           "AWQ packing asymmetric in 4 bits): the checkpoint's 8-bit weights; no release loads "
           "8-bit AWQ packing: Marlin lists no uint8 type, whatever the backend)")
    for version in ((0, 19, 0), (0, 23, 0)):
        assert unplanned_errors(ref_config, awq8, version) == [
            "Currently, only 4-bit weight quantization is supported for AWQ, but got 8 bits. "
            + off.format(f"0.{version[1]}.0")]
    for version in ((0, 24, 0), (0, 33, 0)):
        assert unplanned_errors(ref_config, awq8, version) == [
            "Unsupported num_bits = 8. Supported: 4. For 8-bit AWQ, use Marlin backend by "
            "setting backend='awq:marlin' or backend='marlin'. " + off.format(
                f"0.{version[1]}.0")]
    # the CLI's verdict on 0.21: 0.21's own words, where the parse used to stop with 0.33's
    config, _ = ref_config("Qwen__Qwen2.5-72B-Instruct")
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config | {"quantization_config": {"quant_method": "auto-round"}
                                         | awq8}))
    code, out, err = run_main(capsys, "plan", "--model", str(path), "--gpu", "h100-sxm",
                              "--gpus", "4", "--tp", "4", "--vllm-version", "0.21.0")
    assert "Currently, only 4-bit weight quantization is supported for AWQ, but got 8 bits." \
        in out and "Unsupported num_bits" not in out + err


def test_runtime_fp8_on_an_auto_round_block_planned_16_bit_loads_it_as_stored():
    """INCConfig.override_quantization_method (inc.py 0.19.0; inc/inc.py 0.28.0, 0.30.0,
    0.34.0) returns "inc" for quant_method "auto-round" without reading user_quant, so
    _verify_quantization (config/model.py, same wheels) sets quantization to "inc" and
    never compares --quantization fp8: vLLM builds INCConfig from the checkpoint, as stored.
    A 5-bit block (Headroom reads no bytes for it, planned as 16-bit): INCConfig.__init__
    SUPPORTED_BITS is [2, 3, 4, 8] in 0.19.0 and 0.28.0 ("Unsupported weight_bits: 5"),
    range(2, 9) from 0.30.0 (it loads). So the user's --quantization fp8 plans what the
    checkpoint alone plans (16-bit weights, unmodelled), not FP8 weights; the FP8 what-if
    (--target-quant fp8-tensor, `vllm serve <it> --quantization fp8`) has no command."""
    from tests.planner.serving.test_unknown_quant import _plan

    q5 = {"quant_method": "auto-round", "bits": 5, "group_size": 128, "sym": True}
    for version in ("0.30.0", "0.34.0"):
        alone, flagged = _plan(q5, version), _plan(q5, version, quantization="fp8")
        assert flagged.weight_format == alone.weight_format == "bf16"
        assert flagged.weights_bytes_per_gpu == alone.weights_bytes_per_gpu
        assert flagged.verdict.startswith(
            "Fits (unmodelled: AutoRound int 5-bit weights planned as 16-bit)")
        assert any("--quantization fp8 has no effect here" in w for w in flagged.warnings)
        what_if = _plan(q5, version, target_quant="fp8-tensor")
        assert what_if.vllm_command is None and what_if.fits  # the what-if's figures stand
        assert ("turns acme/llama-quantized's quant_method 'auto-round' into 'inc' whatever "
                "--quantization says") in what_if.launch_note
        assert "refuses" not in what_if.launch_note
    for version in ("0.19.0", "0.28.0"):
        assert _plan(q5, version, quantization="fp8").errors[0].startswith(
            "Unsupported weight_bits: 5, currently only support {2, 3, 4, 8}.")
        note = _plan(q5, version, target_quant="fp8-tensor").launch_note
        assert f"which vLLM {version} refuses (Unsupported weight_bits: 5, currently only " \
            "support {2, 3, 4, 8}." in note
    # --target-checkpoint names what to load instead
    given = _plan(q5, "0.34.0", target_quant="fp8-tensor", target_checkpoint="acme/llama-fp8")
    assert given.vllm_command.startswith("vllm serve acme/llama-fp8 ")


def test_runtime_fp8_what_if_of_other_autoround_spellings_is_vllms_mismatch():
    """Only quant_method "auto-round" is overridden: "intel/auto-round" (and "inc") stays the
    config's method, which _verify_quantization compares with --quantization fp8 first
    ("Quantization method specified in the model config (intel/auto-round) does not match
    ..."). A 4-bit "auto-round" block Headroom reads loads as stored (no mismatch) from 0.15;
    0.14.0 (quantization/auto_round.py AutoRoundConfig, named "auto-round", no override; its
    config/model.py lists no "inc" override) stops at the mismatch."""
    from tests.planner.serving.test_unknown_quant import _plan

    i5 = {"quant_method": "intel/auto-round", "bits": 5, "group_size": 128, "sym": True}
    mismatch = ("Quantization method specified in the model config (intel/auto-round) does not "
                "match the quantization method specified in the `quantization` argument (fp8).")
    what_if = _plan(i5, "0.34.0", target_quant="fp8-tensor")
    assert what_if.vllm_command is None and mismatch in what_if.launch_note
    # vLLM raises the mismatch first, so its "Unknown quantization method" is never reached
    errors = _plan(i5, "0.34.0", quantization="fp8").errors
    assert errors[0] == mismatch
    assert not any("Unknown quantization method" in error for error in errors)
    r4 = {"quant_method": "auto-round", "bits": 4, "group_size": 128, "sym": True}
    note = _plan(r4, "0.34.0", target_quant="fp8-tensor").launch_note
    assert "loads its AutoRound checkpoint as stored, not FP8" in note
    assert "does not match" not in note
    old = _plan(r4, "0.14.0", target_quant="fp8-tensor")
    assert old.vllm_command is None and "model config (auto-round) does not match" in \
        old.launch_note
