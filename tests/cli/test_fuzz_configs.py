"""Hand-written configs with malformed values in the newer parsed fields (AutoRound extra_config
entries and block_name_to_quantize, GPTQ dynamic rules, a wrapper's tie_word_embeddings),
found by fuzzing `plan`: each exits 2 with one line naming the field, as vLLM cannot load them
(the rules' NOTEs: planner.model.config.quant._inc_entry_types, _block_names, _act_order_rule
and config.tie._plain_tie; a layer_types entry: layers._from_layer_types). Before, they planned
with a vague note or silently, or failed as
"config.json is malformed: TypeError: unhashable type: 'list'"."""

import json
from pathlib import Path

import pytest

from planner.model.config.parser import parse_model_config
from tests.cli.conftest import run_main
from tests.cli.tiny_model import TINY_CONFIG
from tests.conftest import load_ref_config
from tests.planner.model.test_granitemoehybrid import SMALL as GRANITE_HYBRID

AUTOROUND = {"quant_method": "auto-round", "bits": 4, "group_size": 128, "sym": True,
             "packing_format": "auto_round:auto_gptq", "data_type": "int"}
GPTQ = {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": False, "sym": True}
O_PROJ = "model.layers.0.self_attn.o_proj"
GATE = "model.layers.0.mlp.gate_proj"
QC = "config.json: quantization_config"


def plan(capsys, tmp_path: Path, config: dict, *flags: str) -> tuple[int, str, str]:
    (tmp_path / "config.json").write_text(json.dumps(config))
    return run_main(capsys, "plan", "--model", str(tmp_path), "--gpu", "h100-sxm", *flags)


def refused(capsys, tmp_path: Path, config: dict, *flags: str) -> str:
    """The one line `plan` (with `flags`) exits 2 with, checked to be one line and no
    traceback."""
    code, out, err = plan(capsys, tmp_path, config, *flags)
    assert code == 2, err
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


def autoround(extra: object = None, **fields: object) -> dict:
    block = AUTOROUND | fields
    if extra is not None:
        block["extra_config"] = extra
    return TINY_CONFIG | {"quantization_config": block}


@pytest.mark.parametrize(("entry", "words"), [
    # o_proj's bits "8" was a note "planned at int4"; vLLM's `"8" >= 16` is a TypeError
    ({O_PROJ: {"bits": "8"}}, f"{QC}.extra_config['{O_PROJ}'].bits must be an integer, "
                              "got '8'"),
    ({O_PROJ: {"bits": None}}, f"{QC}.extra_config['{O_PROJ}'].bits must be an integer, "
                               "got None"),
    # a float or true reaches Fraction(32, bits)
    ({O_PROJ: {"bits": 4.0}}, "bits must be an integer, got 4.0"),
    ({O_PROJ: {"bits": True}}, "bits must be an integer, got True"),
    # bits 4 with group "x" planned silently; vLLM's _normalize_group_size raises
    ({O_PROJ: {"bits": 4, "group_size": "x"}},
     f"{QC}.extra_config['{O_PROJ}'].group_size must be an integer (or two for an FP8 block), "
     "got 'x'"),
    # a list bits / group / sym on a fused shard was "config.json is malformed: TypeError:
    # unhashable type: 'list'"
    ({GATE: {"bits": [4]}}, f"{QC}.extra_config['{GATE}'].bits must be an integer, got [4]"),
    ({GATE: {"group_size": [128]}}, "group_size must be an integer (or two for an FP8 block), "
                                    "got [128]"),
    ({GATE: {"sym": []}}, f"{QC}.extra_config['{GATE}'].sym must be true or false, got []"),
    ({O_PROJ: {"bits": 4, "sym": "yes"}}, "sym must be true or false, got 'yes'"),
    # a regex key is checked too: vLLM applies it to every layer it matches
    ({".*o_proj": {"bits": "4"}}, "extra_config['.*o_proj'].bits must be an integer"),
])
def test_extra_config_entries_vllm_cannot_read_exit_2(capsys, tmp_path: Path, entry: dict,
                                                       words: str) -> None:
    assert words in refused(capsys, tmp_path, autoround(entry))


def test_well_typed_extra_config_entries_still_plan(capsys, tmp_path: Path) -> None:
    """The boundaries stay open: an integer bits (16 keeps the layer 16-bit, as vLLM's
    `.get("bits", 16) >= 16` does, however large), a null sym, a 2-int group."""
    entries = {O_PROJ: {"bits": 10**30}, GATE: {"bits": 4, "group_size": 128, "sym": None},
               "model.layers.0.mlp.up_proj": {"bits": 4, "group_size": 128, "sym": None},
               "model.layers.1.self_attn.o_proj": {"bits": 16, "group_size": [128, 128]}}
    code, _, err = plan(capsys, tmp_path, autoround(entries), "--json")
    assert code == 0, err
    # both o_proj entries (bits 10**30 and 16) are kept 16-bit; gate/up equal the checkpoint's
    assert "2 modules kept 16-bit (extra_config)" in parse_model_config(
        autoround(entries)).quant.summary


@pytest.mark.parametrize(("blocks", "words"), [
    # 5 was "config.json is malformed: TypeError: 'int' object is not iterable"
    (5, f"{QC}.block_name_to_quantize must be a string or a list of strings, got 5"),
    (True, "block_name_to_quantize must be a string or a list of strings, got True"),
    # [1] was a warning "names no decoder layers"; vLLM's startswith(1) is a TypeError
    ([1], "block_name_to_quantize must be a string or a list of strings, got [1]"),
])
def test_block_names_vllm_cannot_match_exit_2(capsys, tmp_path: Path, blocks: object,
                                              words: str) -> None:
    assert words in refused(capsys, tmp_path, autoround(block_name_to_quantize=blocks))


@pytest.mark.parametrize("blocks", [[], "", None, 0])
def test_empty_block_names_quantize_every_block(capsys, tmp_path: Path, blocks: object) -> None:
    """vLLM reads a falsy block_name_to_quantize as 'every block' (`if
    self.block_name_to_quantize:`); [] was warned as naming no decoder layers."""
    code, out, err = plan(capsys, tmp_path, autoround(block_name_to_quantize=blocks), "--json")
    assert code == 0, err
    assert not any("block_name_to_quantize" in w for w in json.loads(out)["model_warnings"])


@pytest.mark.parametrize(("dynamic", "words"), [
    # each planned silently: vLLM iterates dynamic.items() (AttributeError on a str / list)
    ("x", f"{QC}.dynamic must map module patterns to objects, got 'x'"),
    ([], f"{QC}.dynamic must map module patterns to objects, got []"),
    # get_dynamic_override calls .get on the rule of each module the pattern matches
    ({"+:.*": "x"}, f"{QC}.dynamic['+:.*'] must be an object of overrides, got 'x'"),
    ({r".*\.o_proj": None}, f"{QC}.dynamic['.*\\\\.o_proj'] must be an object of overrides, "
                            "got None"),
    # a pattern that is no regular expression: get_dynamic_override's regex.match raises at
    # the first quantized layer no earlier rule matches (gptq_utils.py: 0.19.0, 0.24.0, 0.29.0,
    # 0.33.0); it planned as if the rule were not there. The regex package, which vLLM
    # matches with (gptq_utils.py `import regex as re`), says where: position 1 / 6.
    ({"+:[": {"bits": 8}}, f"{QC}.dynamic['+:['] is not a regular expression (unterminated "
                           "character set at position 1)"),
    ({"-:.*(mlp": {}}, f"{QC}.dynamic['-:.*(mlp'] is not a regular expression (missing ) at "
                       "position 6)"),
    # get_dynamic_override strips "-:" alone from a negative key, so "-:+:.*" matches with
    # "+:.*", whose "+" repeats nothing; it passed the check (both prefixes stripped) and
    # crashed Headroom's own matching with a traceback
    ({"-:+:.*": {}}, f"{QC}.dynamic['-:+:.*'] is not a regular expression (nothing to repeat "
                     "at position 0)"),
])
def test_gptq_dynamic_vllm_cannot_read_exits_2(capsys, tmp_path: Path, dynamic: object,
                                               words: str) -> None:
    config = TINY_CONFIG | {"quantization_config": GPTQ | {"dynamic": dynamic}}
    assert words in refused(capsys, tmp_path, config)


@pytest.mark.parametrize("dynamic", [None, {}, {"-:.*o_proj": None},
                                     {"+:.*down_proj": {"bits": 8}},
                                     {r"-:.*(?<=mlp|self_attn)\.(down|o)_proj": {}}])
def test_readable_gptq_dynamic_still_plans(capsys, tmp_path: Path, dynamic: object) -> None:
    """A null dynamic (read as {}), a negative rule's value (never read), an object rule, and a
    variable-width look-behind, which the regex package vLLM matches with reads and Python's re
    refuses (it exited 2)."""
    config = TINY_CONFIG | {"quantization_config": GPTQ | {"dynamic": dynamic}}
    code, _, err = plan(capsys, tmp_path, config, "--json")
    assert code == 0, err


def test_a_wrappers_own_tie_is_checked_where_text_config_decides(capsys, tmp_path: Path) -> None:
    """Idefics3's lm_head ties by text_config's value, but transformers 5 (vLLM 0.24 on)
    refuses the wrapper's "yes" all the same: it planned silently; the Llama text config's
    "yes" was refused already."""
    text = {k: v for k, v in TINY_CONFIG.items() if k != "architectures"}
    config = {"architectures": ["Idefics3ForConditionalGeneration"], "model_type": "idefics3",
              "text_config": text, "vision_config": {"hidden_size": 1152},
              "tie_word_embeddings": "yes"}
    assert "config.json: tie_word_embeddings must be true or false, got 'yes'" in refused(
        capsys, tmp_path, config)


def test_a_null_packing_format_is_refused_before_0_29_and_the_default_after(
        capsys, tmp_path: Path) -> None:
    """packing_format null: vLLM 0.19-0.28 refuse it (get_from_keys_or returns the present
    None; 'Unsupported packing_format: None'), 0.29 on read it as auto_round:auto_gptq
    (from_config's None branch). It was planned as 16-bit weights on every release."""
    null = autoround(packing_format=None)
    code, out, err = plan(capsys, tmp_path, null, "--vllm-version", "0.28.0", "--json")
    assert code == 0, err
    assert json.loads(out)["errors"] == [
        "Unsupported packing_format: None, currently only support {'auto_round:auto_gptq', "
        "'auto_round:auto_awq', 'auto_round:llm_compressor'}. (vLLM 0.28.0 INCConfig: "
        "packing_format is written as null; 0.29 and later read it as the default)"]
    weights = []
    for config in (TINY_CONFIG, null):
        code, out, err = plan(capsys, tmp_path, config, "--vllm-version", "0.29.0", "--json")
        assert code == 0 and json.loads(out)["fits"], err
        weights.append(json.loads(out)["weights_bytes_total"])
    # the decoder's linear weights, 4 layers x (q 512x512 + k, v 512x128 each + o 512x512 +
    # gate, up, down 3 x 512x1024) = 4 x 2,228,224 = 8,912,896, in GPTQ int4 g128 (4 bits +
    # a 16-bit scale and a 4-bit zero per 128: 4.15625 bits) = 4,630,528 B instead of 16-bit
    # 17,825,792 B: 13,195,264 B less than the bf16 model (it was planned as 16-bit weights)
    assert weights[0] - weights[1] == 17_825_792 - 4_630_528 == 13_195_264


@pytest.mark.parametrize("archs", [5, True, {}, {"LlamaForCausalLM": 1}, [1], [""],
                                   ["LlamaForCausalLM", None]])
def test_architectures_vllm_cannot_iterate_exit_2(capsys, tmp_path: Path, archs: object) -> None:
    """vLLM 0.34.0 iterates architectures for the model class (ModelRegistry.inspect_model_cls:
    `arch not in self.models for arch in architectures`): a number stops it with a TypeError, an
    entry that is no class name at its suffix matching, an empty object with "No model
    architectures are specified". Each was dropped and planned as the Llama it names, silently."""
    err = refused(capsys, tmp_path, TINY_CONFIG | {"architectures": archs})
    assert ("config.json: architectures must be a list of model class names such as "
            f"[\"LlamaForCausalLM\"], got {archs!r}.") in err


def test_an_architecture_given_as_a_string_is_a_list_of_one(capsys, tmp_path: Path) -> None:
    """vLLM's registry reads a string as a list of one (inspect_model_cls); it was dropped, so an
    unknown class planned as the model_type's native Llama without the Transformers-backend
    warning a list of it gets, and a known one exactly as a list of it does."""
    code, out, err = plan(capsys, tmp_path, TINY_CONFIG | {"architectures": "NoSuchForCausalLM"},
                          "--json")
    assert code == 0, err
    assert any("has no model class of its own for NoSuchForCausalLM" in w
               for w in json.loads(out)["warnings"])
    listed = plan(capsys, tmp_path, TINY_CONFIG, "--json")[1]
    named = plan(capsys, tmp_path, TINY_CONFIG | {"architectures": "LlamaForCausalLM"}, "--json")[1]
    assert json.loads(named) == json.loads(listed)


FP8 = {"quant_method": "fp8", "activation_scheme": "dynamic", "weight_block_size": [128, 128]}


@pytest.mark.parametrize(("block", "words"), [
    # each planned as a fitting FP8 checkpoint; vLLM's Fp8Config (quantization/fp8.py, 0.9.1 to
    # 0.34.0) stops at load, in these words
    ({"activation_scheme": "x"}, f"{QC}.activation_scheme 'x': vLLM's Fp8Config stops at load "
     "(\"Unsupported activation scheme x\"): it takes \"dynamic\" or \"static\"."),
    ({"activation_scheme": None}, "(\"Unsupported activation scheme None\")"),
    ({"activation_scheme": "static"}, f"{QC}.activation_scheme \"static\" with weight_block_size:"
     " vLLM's Fp8Config stops at load (\"The block-wise quantization only supports dynamic "
     "activation scheme for now, but got static activation scheme.\")."),
    # from_config's get_from_keys (base_config.py)
    ({"activation_scheme": KeyError}, f"{QC}.activation_scheme is missing, which vLLM's "
     "Fp8Config needs (\"Cannot find any of ['activation_scheme'] in the model's quantization "
     "config.\")"),
])
def test_fp8_activation_schemes_vllm_cannot_load_exit_2(capsys, tmp_path: Path, block: dict,
                                                        words: str) -> None:
    qc = {k: v for k, v in (FP8 | block).items() if v is not KeyError}
    assert words in refused(capsys, tmp_path, TINY_CONFIG | {"quantization_config": qc})


def test_static_per_tensor_fp8_still_plans(capsys, tmp_path: Path) -> None:
    """Static activation scales are what a per-tensor FP8 checkpoint may hold (no blocks)."""
    qc = {"quant_method": "fp8", "activation_scheme": "static"}
    code, out, err = plan(capsys, tmp_path, TINY_CONFIG | {"quantization_config": qc}, "--json")
    assert code == 0 and json.loads(out)["weight_format"] == "fp8-tensor", err


FBGEMM = {"quant_method": "fbgemm_fp8", "modules_to_not_convert": ["lm_head"],
          "activation_scale_ub": 1200.0}


@pytest.mark.parametrize("key", ["modules_to_not_convert", "activation_scale_ub"])
def test_fbgemm_fp8_without_a_key_vllm_needs_exit_2(capsys, tmp_path: Path, key: str) -> None:
    """vLLM's FBGEMMFp8Config.from_config (quantization/fbgemm_fp8.py, 0.9.1 to 0.34.0) reads
    both with get_from_keys, no default; it was planned as a fitting FP8 checkpoint."""
    qc = {k: v for k, v in FBGEMM.items() if k != key}
    err = refused(capsys, tmp_path, TINY_CONFIG | {"quantization_config": qc})
    assert (f"{QC}.{key} is missing, which vLLM's FBGEMMFp8Config needs (\"Cannot find any of "
            f"['{key}'] in the model's quantization config.\")") in err


@pytest.mark.parametrize(("bound", "kind"), [
    (None, "null"), ("1200", "a string"), ({"ub": 1200}, "an object"),
    # torch.tensor(["x"]) raises ValueError, [None] TypeError, 10**400 OverflowError; each
    # planned as fitting
    (["x"], "an array holding other values than numbers"),
    ([1200.0, None], "an array holding other values than numbers"),
    (10**400, "an integer too large for a float")])
def test_fbgemm_fp8_activation_scale_ub_torch_cannot_take_exit_2(capsys, tmp_path: Path,
                                                                 bound: object, kind: str) -> None:
    """vLLM's FBGEMMFp8Config.from_config passes activation_scale_ub as read, and
    FBGEMMFp8LinearMethod.create_weights makes torch.tensor(it, dtype=torch.float32) for every
    FP8 layer (quantization/fbgemm_fp8.py, 0.9.1, 0.19.0 and 0.34.0 wheels): torch.tensor(None)
    raises TypeError "must be real number, not NoneType". Null was planned as fitting."""
    qc = FBGEMM | {"activation_scale_ub": bound}
    err = refused(capsys, tmp_path, TINY_CONFIG | {"quantization_config": qc})
    assert (f"{QC}.activation_scale_ub is {kind}: vLLM's FBGEMMFp8 layers make a float32 tensor "
            "of it (torch.tensor raises) and stop; give the checkpoint's activation "
            "scale upper bound.") in err


def test_fbgemm_fp8_with_both_keys_plans(capsys, tmp_path: Path) -> None:
    code, out, err = plan(capsys, tmp_path, TINY_CONFIG | {"quantization_config": FBGEMM},
                          "--json")
    assert code == 0 and json.loads(out)["weight_format"] == "fp8-channel", err


UB_WARNING = "is not one positive number: vLLM 0.9.1-0.14.0 cap each token's FP8 activation scale"


@pytest.mark.parametrize(("bound", "written"), [
    ([], "[]"), ([1.0, 2.0], "[1.0, 2.0]"), (0, "0"), (-1.5, "-1.5"), (False, "false"),
    (float("nan"), "NaN")])
def test_fbgemm_fp8_activation_scale_ub_not_one_positive_number_warns(
        capsys, tmp_path: Path, bound: object, written: str) -> None:
    """torch.tensor takes these, so vLLM starts; 0.9.1-0.14.0 clamp each token's activation
    maximum at the tensor (QuantFP8 asserts numel() == 1 from 0.11.0), 0.15.0 on never read it:
    planned, with a warning that was not there."""
    qc = FBGEMM | {"activation_scale_ub": bound}
    code, out, err = plan(capsys, tmp_path, TINY_CONFIG | {"quantization_config": qc}, "--json")
    assert code == 0, err
    assert any(w.startswith(f"quantization_config.activation_scale_ub = {written} {UB_WARNING}")
               for w in json.loads(out)["model_warnings"]), out


@pytest.mark.parametrize("bound", [1200.0, [1200.0], [[1200]], True, float("inf")])
def test_fbgemm_fp8_activation_scale_ub_of_one_positive_number_plans_quietly(
        capsys, tmp_path: Path, bound: object) -> None:
    """One number, as a scalar or a one-entry array (numel 1), true as 1.0, and JSON 1e400
    (Python's json reads it as inf: no cap): no warning."""
    qc = FBGEMM | {"activation_scale_ub": bound}
    code, out, err = plan(capsys, tmp_path, TINY_CONFIG | {"quantization_config": qc}, "--json")
    assert code == 0, err
    assert not any("activation_scale_ub" in w for w in json.loads(out)["model_warnings"])


@pytest.mark.parametrize("key", ["num_hidden_layers", "hidden_size", "num_key_value_heads",
                                 "intermediate_size"])
def test_a_whole_float_for_an_integer_field_exits_2(capsys, tmp_path: Path, key: str) -> None:
    """transformers 5.25.0 refuses LlamaConfig(num_hidden_layers=4.0) (StrictDataclassField
    ValidationError), and vLLM's make_layers would run range(0, 4.0); every one was planned
    as if an integer."""
    value = float(TINY_CONFIG[key])
    err = refused(capsys, tmp_path, TINY_CONFIG | {key: value})
    assert (f"config.json: {key} must be an integer, got {value!r}: transformers 5 refuses a "
            f"float for an integer field, and vLLM sizes layers and tensors by it (write "
            f"{int(value)})") in err


@pytest.mark.parametrize("block", [{"type": "linear"}, {"rope_type": "yarn", "factor": None,
                                                          "original_max_position_embeddings": 4096},
                                   {"rope_type": "llama3", "low_freq_factor": 1.0}])
def test_a_rope_scaling_without_the_factor_vllm_reads_exits_2(capsys, tmp_path: Path,
                                                              block: dict) -> None:
    """get_rope reads rope_parameters["factor"] for linear, yarn and llama3 (KeyError), and
    transformers' validation lists it as required; each was planned as unscaled."""
    rope_type = block.get("rope_type", block.get("type"))
    err = refused(capsys, tmp_path, TINY_CONFIG | {"rope_scaling": block})
    assert (f"config.json: rope_scaling has rope_type '{rope_type}' but no factor: vLLM's "
            "get_rope reads rope_parameters[\"factor\"] for it (KeyError)") in err


@pytest.mark.parametrize(("layer_types", "words"), [
    # each was "config.json is malformed: TypeError: unhashable type: 'list'" (or 'dict'):
    # the Granite check tested `name in` a dict before the shared one saw it was no string
    ([["mamba"], "attention", "mamba", "mamba"],
     "config.json: layer_types[0] is an array, not a string: each entry names one layer's kind"),
    (["mamba", {"kind": "attention"}, "mamba", "mamba"],
     "config.json: layer_types[1] is an object, not a string"),
    (["mamba", "attention", None, "mamba"], "config.json: layer_types[2] is null, not a string"),
    # a string vLLM granitemoehybrid.py has no layer class for keeps its Granite-specific line
    (["mamba", "sliding_attention", "mamba", "mamba"],
     "config.json: layer_types[1] = 'sliding_attention' is not a layer kind vLLM "
     "granitemoehybrid.py builds"),
])
def test_granite_hybrid_layer_types_entries_exit_2(capsys, tmp_path: Path, layer_types: list,
                                                   words: str) -> None:
    err = refused(capsys, tmp_path, GRANITE_HYBRID | {"layer_types": layer_types})
    assert words in err and "unhashable" not in err, err


def test_a_list_layer_types_entry_is_named_for_every_model(capsys, tmp_path: Path) -> None:
    """The same one line where layer_types is read for any model (here a Llama's)."""
    err = refused(capsys, tmp_path, TINY_CONFIG | {"layer_types": [["full_attention"]] * 4})
    assert "config.json: layer_types[0] is an array, not a string" in err


QWEN3_MOE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "configs"
                        / "Qwen__Qwen3-30B-A3B.json").read_text())


@pytest.mark.parametrize("model_type", ["qwen3_moe", "qwen2_moe"])
def test_a_null_expert_count_vllm_compares_with_0_exits_2(capsys, tmp_path: Path,
                                                          model_type: str) -> None:
    """qwen2_moe.py and qwen3_moe.py make a layer sparse where `config.num_experts > 0`, which
    a null count (kept by transformers 4's config class) stops with a TypeError; it was planned
    as a dense model of 48 intermediate_size MLPs, silently."""
    config = QWEN3_MOE | {"model_type": model_type, "num_experts": None}
    assert (f"config.json: num_experts is null: vLLM stops with a TypeError comparing it with 0 "
            f"({model_type}.py: a sparse block only where num_experts > 0); give an integer (0 "
            "for no routed experts).") in refused(capsys, tmp_path, config)
    # 0 is vLLM's own way to a dense model (the same check, false), planned as before; the
    # routing keys it then reads nowhere are no "unmodelled" parts (was "Fits (unmodelled:
    # moe_intermediate_size, num_experts_per_tok)")
    code, out, err = plan(capsys, tmp_path, QWEN3_MOE | {"num_experts": 0}, "--json")
    assert code == 0, err
    assert json.loads(out)["verdict"].startswith("Fits: ")


GPT_OSS = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "configs"
                      / "openai__gpt-oss-20b.json").read_text())


@pytest.mark.parametrize(("count", "words"), [(0, "= 0"), (None, "is null")])
def test_gpt_oss_without_experts_exits_2(capsys, tmp_path: Path, count: object,
                                         words: str) -> None:
    """vLLM's gpt_oss.py builds every layer's MLP as a router and FusedMoE of
    num_local_experts experts (MLPBlock, 0.10.1 and 0.34.0): 0 routes to none, null is a
    TypeError. Both were planned as a dense model of 24 intermediate_size MLPs."""
    err = refused(capsys, tmp_path, GPT_OSS | {"num_local_experts": count})
    assert (f"config.json: num_local_experts {words}: vLLM builds every gpt_oss layer's MLP as "
            "a router and FusedMoE of that many experts (gpt_oss.py MLPBlock; a null count is a "
            "TypeError), so there is no model to plan; give the checkpoint's expert "
            "count.") in err


@pytest.mark.parametrize(("bits", "group"), [(4, 1), (8, 2)])
def test_a_gptq_group_too_small_for_marlin_is_refused_though_over_16_bits(
        capsys, tmp_path: Path, bits: int, group: int) -> None:
    """int4 in groups of 1 stores 4 + (16 + 4) / 1 = 24 bits per weight, int8 in groups of 2
    8 + (16 + 8) / 2 = 20: the layer checks read 16 bits or more as a layer left 16-bit and
    planned it "Fits"; vLLM 0.34.0's AutoGPTQLinearMethod refuses the group (Marlin takes -1,
    32, 64, 128) as it does group 7."""
    qc = GPTQ | {"bits": bits, "group_size": group}
    code, out, err = plan(capsys, tmp_path, TINY_CONFIG | {"quantization_config": qc})
    assert code == 0, err
    assert (f"Does not fit: Marlin does not support group_size = {group}. Only group_sizes = "
            "[-1, 32, 64, 128] are supported. (vLLM 0.34.0 AutoGPTQLinearMethod") in out, out


def test_a_null_gptq_bits_is_named_as_json_writes_it(capsys, tmp_path: Path) -> None:
    # it read "bits = None is not 4 or 8", Python's word for JSON's null
    err = refused(capsys, tmp_path, TINY_CONFIG | {"quantization_config": GPTQ | {"bits": None}})
    assert f"{QC}.bits = null is not 4 or 8" in err, err


@pytest.mark.parametrize(("extra", "where", "kind"), [
    ({"rope_theta": "1e6"}, "rope_theta", "a string"),
    ({"rope_theta": [10000]}, "rope_theta", "an array"),
    ({"rope_parameters": {"rope_type": "default", "rope_theta": {"base": 10000}}},
     "rope_parameters.rope_theta", "an object")])
def test_a_rope_base_that_is_no_number_exits_2(capsys, tmp_path: Path, extra: dict, where: str,
                                               kind: str) -> None:
    """get_rope passes rope_theta as the base RotaryEmbedding raises to a power (TypeError);
    Headroom reads no figure from it and planned each as fitting."""
    err = refused(capsys, tmp_path, TINY_CONFIG | extra)
    assert (f"config.json: {where} is {kind}: vLLM's rotary embedding raises it to a power as "
            "it builds the model (base ** ..., a TypeError)") in err, err


@pytest.mark.parametrize(("extra", "field"), [
    ({"rope_theta": 0}, "rope_theta 0"),
    ({"rope_theta": -10000.0}, "rope_theta -10000.0"),
    ({"rope_theta": float("nan")}, "rope_theta nan"),
    ({"rope_parameters": {"rope_type": "default", "rope_theta": 0}},
     "rope_parameters.rope_theta 0")])
def test_a_rope_base_at_or_below_zero_or_nan_is_a_warning(capsys, tmp_path: Path, extra: dict,
                                                           field: str) -> None:
    """1 / base ** (i / rotary_dim) is inf at base 0 and NaN below it or at NaN: vLLM builds
    the model and serves garbage. Planned without a word before."""
    code, out, err = plan(capsys, tmp_path, TINY_CONFIG | extra, "--json")
    assert code == 0, err
    assert [w for w in json.loads(out)["model_warnings"] if "rope_theta" in w] == [
        f"{field}: vLLM's rotary embedding takes 1 / rope_theta ** (i / rotary_dim), inf or NaN "
        "at this base; vLLM loads the model and serves garbage, with no error (the plan is "
        "sized as given: check the config)"]


@pytest.mark.parametrize(("eps", "warned"), [
    (float("nan"), True), (-1e-5, True), (0.0, False), (1e-6, False)])
def test_an_rms_norm_eps_below_zero_or_nan_is_a_warning(capsys, tmp_path: Path, eps: float,
                                                        warned: bool) -> None:
    # RMSNorm adds eps to the mean square under rsqrt: NaN, or inf / NaN where it is smaller
    # than -eps; 0.0 only for an all-zero row, not warned
    code, out, err = plan(capsys, tmp_path, TINY_CONFIG | {"rms_norm_eps": eps}, "--json")
    assert code == 0, err
    assert [w for w in json.loads(out)["model_warnings"] if "rms_norm_eps" in w] == ([
        f"rms_norm_eps {eps}: vLLM's RMSNorm adds it to the mean square under rsqrt, NaN or inf; "
        "vLLM loads the model and serves garbage, with no error (the plan is sized as given: "
        "check the config)"] if warned else [])


def nas(**change: object) -> dict:
    """Nemotron-Super-49B's config (64 query heads, hidden 8192) with every block's
    attention and / or ffn entries updated by `change` ({"attention": {...}, "ffn": {...}})."""
    config = load_ref_config("nvidia__Llama-3_3-Nemotron-Super-49B-v1")[0]
    return config | {"block_configs": [
        {part: entry | change.get(part, {}) for part, entry in block.items()}
        for block in config["block_configs"]]}


@pytest.mark.parametrize(("config", "words"), [
    # 64 // 128 = 0 KV heads (nemotron_nas.py num_kv_heads): was a ZeroDivisionError traceback
    (nas(attention={"n_heads_in_group": 128}),
     "block_configs[0].attention.n_heads_in_group = 128 is out of range (1 to 64)"),
    # no layer attends: was "ValueError: max() arg is an empty sequence"
    (nas(attention={"no_op": True}),
     "block_configs: no block has attention (each is no_op), so no "
     "layer attends or keeps a state and there is no KV cache to plan"),
    (load_ref_config("nvidia__Nemotron-H-56B-Base-8K")[0] | {"hybrid_override_pattern": "-" * 118},
     "hybrid_override_pattern: it has no M or * layer, so no layer attends or keeps a state"),
    # int(2 x 0.0001 x 8192 / 3) = 0: was "gives an invalid intermediate_size: Input should be
    # greater than 0", naming no field
    (nas(ffn={"ffn_mult": 0.0001}),
     "block_configs[0].ffn.ffn_mult = 0.0001 makes the MLP 0 wide (int(2 x ffn_mult x "
     "hidden_size 8192 / 3) = 0)"),
    # 1e9 was "must be a positive number"
    (nas(ffn={"ffn_mult": 1e9}),
     "block_configs[0].ffn.ffn_mult must be a number above 0 and below 1000, got 1000000000.0"),
])
def test_a_nemotron_block_layout_vllm_cannot_build_is_one_line(capsys, tmp_path: Path,
                                                               config: dict, words: str) -> None:
    assert words in refused(capsys, tmp_path, config)


def linear_blocks(*flags: tuple[int, str, dict]) -> dict:
    """SYNTHETIC: Nemotron-Super-49B's real config.json (no block has replace_with_linear)
    with block i's attention or ffn entry updated for each (i, part, fields) in `flags`."""
    blocks = nas()["block_configs"]
    for i, part, fields in flags:
        blocks[i] = blocks[i] | {part: blocks[i][part] | fields}
    return nas() | {"block_configs": blocks}


LINEAR = {"replace_with_linear": True}
# vLLM's DeciLMDecoderLayer (nemotron_nas.py, 0.9.1-0.34.0) reads only no_op: it builds a
# replace_with_linear attention from num_attention_heads // n_heads_in_group and a
# replace_with_linear FFN from int(2 * ffn_mult * hidden_size / 3), and the checkpoint's DeciLM
# block_config.py has set that field to None for such a sub-block (whatever config.json says):
# Python's own words for 64 // None and 2 * None
ATTENTION_FAILS = ("nemotron_nas.py does not read the flag and builds the sub-block in full from "
                   "num_attention_heads // n_heads_in_group, and DeciLM's config class (the "
                   "checkpoint's block_config.py) sets n_heads_in_group to None for a "
                   "replace_with_linear attention, so no vLLM release starts it (TypeError: "
                   "unsupported operand type(s) for //: 'int' and 'NoneType')")
FFN_FAILS = ("builds the sub-block in full from int(2 * ffn_mult * hidden_size / 3), and "
             "DeciLM's config class (the checkpoint's block_config.py) sets ffn_mult to None "
             "for a replace_with_linear ffn, so no vLLM release starts it (TypeError: "
             "unsupported operand type(s) for *: 'int' and 'NoneType')")


@pytest.mark.parametrize(("config", "words"), [
    # block 0 attends (n_heads_in_group 8 in the real config): vLLM does not build 8 KV heads,
    # the config class nulls the group first
    (linear_blocks((0, "attention", LINEAR)),
     "block_configs[0].attention.replace_with_linear is true (blocks with a linear replacement: "
     "1 of 80, 0): vLLM's " + ATTENTION_FAILS),
    # a null or missing group is the same None
    (linear_blocks((0, "attention", LINEAR | {"n_heads_in_group": None})),
     "block_configs[0].attention.replace_with_linear is true"),
    # three FFNs (ffn_mult 5.25 in the real config) flagged, named as runs
    (linear_blocks(*((i, "ffn", LINEAR) for i in (3, 4, 9))),
     "block_configs[3].ffn.replace_with_linear is true (blocks with a linear replacement: 3 of "
     "80, 3-4, 9): vLLM's nemotron_nas.py does not read the flag and " + FFN_FAILS),
    # vLLM builds layer 2's FFN before layer 5's attention: block 2 is named, both counted
    (linear_blocks((5, "attention", LINEAR), (2, "ffn", LINEAR)),
     "block_configs[2].ffn.replace_with_linear is true (blocks with a linear replacement: 2 of "
     "80, 2, 5)"),
    # block 6's attention is no_op in the real config; block_config.py asserts not (no_op and
    # replace_with_linear) when the config loads, before block 0's FFN is built
    (linear_blocks((0, "ffn", LINEAR), (6, "attention", LINEAR | {"no_op": True})),
     "block_configs[6].attention is both no_op and replace_with_linear: DeciLM's config class "
     "(the checkpoint's block_config.py) asserts it is not, so vLLM stops loading the config "
     "(AssertionError)"),
])
def test_a_replace_with_linear_block_is_refused_as_vllm_fails(capsys, tmp_path: Path,
                                                              config: dict, words: str) -> None:
    # was planned with the block left out and a warning that vLLM builds it in full: vLLM
    # builds nothing, it stops at start-up
    assert words in refused(capsys, tmp_path, config)


def test_replace_with_linear_refusal_holds_with_lora_and_any_version(capsys,
                                                                     tmp_path: Path) -> None:
    # the refusal is the config's, before any version or LoRA rule: 0.9.1 and 0.34.0 alike
    config = linear_blocks((3, "ffn", LINEAR))
    for flags in (("--enable-lora",), ("--vllm-version", "0.9.1"), ("--vllm-version", "0.34.0")):
        code, out, err = plan(capsys, tmp_path, config, *flags)
        assert (code, out) == (2, ""), flags
        assert "block_configs[3].ffn.replace_with_linear is true" in err, flags


def test_lora_on_a_config_naming_several_architectures_says_so(capsys, tmp_path: Path) -> None:
    # was "... LlamaForCausalLM / LlamaForCausalLM is not read, so it is not planned", though
    # LlamaForCausalLM's slots are sized
    config = TINY_CONFIG | {"architectures": ["LlamaForCausalLM", "LlamaForCausalLM"]}
    (tmp_path / "config.json").write_text(json.dumps(config))
    code, out, err = run_main(capsys, "plan", "--model", str(tmp_path), "--gpu", "h100-sxm",
                              "--enable-lora")
    assert (code, out) == (2, "")
    assert err.strip().endswith(
        "error: --enable-lora: config.json names 2 architectures (LlamaForCausalLM / "
        "LlamaForCausalLM); Headroom sizes vLLM's LoRA slots for a config that names one, so "
        "it is not planned.")


@pytest.mark.parametrize(("argv", "flag"), [
    (("report", "--gpu", "h100-sxm", "--model", "Qwen/Qwen3-8B", "--compare", "Qwen/Qwen3-4B",
      "{bad}"), "--compare"),
    (("report", "--gpu", "h100-sxm", "--model", "{bad}", "--compare", "Qwen/Qwen3-4B"),
     "--model"),
    (("recommend", "--model", "Qwen/Qwen3-8B", "--model", "{bad}"), "--model")])
def test_a_bad_config_among_several_models_is_named(capsys, tmp_path: Path, argv: tuple,
                                                    flag: str, monkeypatch) -> None:
    # "config.json: vocab_size = 0 ..." named none of the models read before
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    (tmp_path / "config.json").write_text(json.dumps(TINY_CONFIG | {"vocab_size": 0}))
    code, out, err = run_main(capsys, *(a.format(bad=tmp_path) for a in argv))
    assert (code, out) == (2, "")
    assert err.strip().endswith(
        f"error: {flag} {tmp_path}: config.json: vocab_size = 0 is out of range (1 to "
        "16777216).")
    # one model read: as before
    code, _, err = run_main(capsys, "plan", "--model", str(tmp_path), "--gpu", "h100-sxm")
    assert code == 2 and "error: config.json: vocab_size = 0" in err


MIXTRAL = load_ref_config("mistralai__Mixtral-8x7B-v0.1")[0]
MINIMAX = load_ref_config("MiniMaxAI__MiniMax-M2.5")[0]
SCOUT = load_ref_config("meta-llama__Llama-4-Scout-17B-16E-Instruct")[0]
DEEPSEEK_V3 = load_ref_config("deepseek-ai__DeepSeek-V3")[0]
DEEPSEEK_V4 = load_ref_config("deepseek-ai__DeepSeek-V4-Flash")[0]
GRANITE_8B = json.loads((Path(__file__).resolve().parents[2] / "planner" / "catalog_data"
                         / "ibm-granite__granite-3.3-8b-instruct.json").read_text())["config"]
GRANITE_MOE = GRANITE_8B | {"architectures": ["GraniteMoeForCausalLM"], "model_type": "granitemoe",
                            "num_experts_per_tok": 8}
"""SYNTHETIC: granite-3.3-8b-instruct's dense shape (GraniteForCausalLM) relabelled as Granite
MoE, which ../shared and the catalog have no config of; the expert count is set per case."""
GLM4_MOE = {
    "architectures": ["Glm4MoeForCausalLM"], "model_type": "glm4_moe", "torch_dtype": "bfloat16",
    "hidden_act": "silu", "hidden_size": 64, "intermediate_size": 128,
    "moe_intermediate_size": 32, "num_hidden_layers": 2, "first_k_dense_replace": 1,
    "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 1000,
    "max_position_embeddings": 4096, "n_routed_experts": 4, "num_experts_per_tok": 2,
    "n_shared_experts": 1, "n_group": 1, "topk_group": 1, "rope_theta": 10000,
}  # fmt: skip
"""SYNTHETIC, hand-written: the fields the parser reads for a GLM-4 MoE (glm4_moe) config, of
which ../shared and the catalog have none (GLM-5 is glm_moe_dsa); layer 1 is MoE."""


@pytest.mark.parametrize(("config", "words"), [
    # mixtral.py MixtralDecoderLayer builds a MixtralMoE of num_local_experts on every layer;
    # was "Fits (unmodelled: num_experts_per_tok)", planned as 32 dense MLPs
    (MIXTRAL | {"num_local_experts": 0}, "config.json: num_local_experts = 0: vLLM builds "
     "every mixtral layer's MLP as a router and FusedMoE of that many experts (mixtral.py "
     "MixtralMoE"),
    (MIXTRAL | {"num_local_experts": None}, "config.json: num_local_experts is null"),
    (MINIMAX | {"num_local_experts": 0}, "(minimax_m2.py MiniMaxM2MoE raises ValueError where "
     "tp_size > num_local_experts)"),
    # llama4.py: Llama4MoE on every interleave_moe_layer_step-th layer, the count not asked
    (SCOUT | {"text_config": SCOUT["text_config"] | {"num_local_experts": 0}},
     "config.json: text_config.num_local_experts = 0: vLLM builds llama4_text MoE layers "
     "whatever the count (llama4.py: Llama4MoE where (i + 1) % interleave_moe_layer_step == 0)"),
    # granitemoe.py GraniteMoeDecoderLayer (granitemoeshared.py's too): a GraniteMoeMoE of
    # num_local_experts on every layer (synthetic configs, see GRANITE_MOE)
    (GRANITE_MOE | {"num_local_experts": 0}, "config.json: num_local_experts = 0: vLLM builds "
     "every granitemoe layer's MLP as a router and FusedMoE of that many experts (granitemoe.py "
     "GraniteMoeMoE"),
    (GRANITE_MOE | {"architectures": ["GraniteMoeSharedForCausalLM"],
                    "model_type": "granitemoeshared", "shared_intermediate_size": 1024,
                    "num_local_experts": 0},
     "config.json: num_local_experts = 0: vLLM builds every granitemoeshared layer's MLP as a "
     "router and FusedMoE of that many experts (granitemoe.py GraniteMoeMoE"),
    # glm4_moe.py Glm4MoeDecoderLayer: a Glm4MoE where n_routed_experts is not None, from
    # first_k_dense_replace on (synthetic config, see GLM4_MOE)
    (GLM4_MOE | {"n_routed_experts": 0}, "config.json: n_routed_experts = 0: vLLM builds "
     "glm4_moe MoE layers whatever the count (glm4_moe.py: MoE where n_routed_experts is not "
     "None)"),
])
def test_moe_layers_vllm_builds_with_no_experts_exit_2(capsys, tmp_path: Path, config: dict,
                                                       words: str) -> None:
    assert words in refused(capsys, tmp_path, config)


@pytest.mark.parametrize("config", [DEEPSEEK_V3, MINIMAX, DEEPSEEK_V4])
def test_a_scoring_func_no_vllm_router_knows_exits_2(capsys, tmp_path: Path,
                                                     config: dict) -> None:
    """deepseek_v2.py, minimax_m2.py and DeepSeek-V4's DeepseekV4MoE pass config.scoring_func
    to FusedMoE: router_factory.py asserts a name other than softmax / sigmoid / sqrtsoftplus
    (0.20-0.34; V4's path: no grouped top-k) and the routers raise ValueError "Unsupported
    scoring function" for it (0.17-0.34); "nonsense" was planned as the real model."""
    err = refused(capsys, tmp_path, config | {"scoring_func": "nonsense"})
    assert ("config.json: scoring_func = 'nonsense': vLLM's MoE routers score with softmax or "
            "sigmoid (sqrtsoftplus from 0.20); any other stops vLLM at start-up "
            "(fused_moe/router/: router_factory.py's assert from 0.20, \"Unsupported scoring "
            "function\" ValueError); give one of them.") in err


def test_more_experts_per_token_than_experts_names_both(capsys, tmp_path: Path) -> None:
    """Mixtral-8x7B has 8 experts: 9 a token was "num_experts_per_tok = 9 exceeds the expert
    count", without the count."""
    err = refused(capsys, tmp_path, MIXTRAL | {"num_experts_per_tok": 9})
    assert ("config.json: num_experts_per_tok = 9 is more than num_local_experts = 8: vLLM's "
            "router picks each token's top_k experts from the 8 router logits") in err


@pytest.mark.parametrize(("name", "key", "written", "where", "reader", "unread"), [
    ("nvidia__Nemotron-H-56B-Base-8K", "mamba_ssm_cache_dtype", "fp7",
     "config.json: mamba_ssm_cache_dtype = 'fp7'", "NemotronHForCausalLMConfig", "0.12.0"),
    ("Qwen__Qwen3.5-27B", "text_config.mamba_ssm_dtype", "fp7",
     "config.json: text_config.mamba_ssm_dtype = 'fp7'",
     "Qwen3_5ForConditionalGenerationConfig", None)])
def test_a_config_ssm_dtype_headroom_does_not_plan_is_refused_where_vllm_reads_it(
        capsys, tmp_path: Path, name: str, key: str, written: str, where: str, reader: str,
        unread: str | None) -> None:
    """A written SSM state dtype other than float32, float16 or bfloat16 was planned as if not
    written (found by h687's config fuzz): vLLM takes it where --mamba-ssm-cache-dtype is auto
    (from 0.13.0 for Nemotron-H, 0.17.0 for Qwen3.5) and fails on a name
    STR_DTYPE_TO_TORCH_DTYPE lacks. A value given wins, and a release that reads none plans."""
    config = load_ref_config(name)[0]
    block = config["text_config"] if key.startswith("text_config.") else config
    block[key.rsplit(".", 1)[-1]] = written
    hw = ("--gpus", "8", "--json")  # plan() gives --gpu h100-sxm
    code, out, err = plan(capsys, tmp_path, config, *hw)
    assert code == 0, err
    refused = json.loads(out)
    assert not refused["fits"]
    assert refused["verdict"] == (
        f"Does not fit: {where}: vLLM 0.34.0 takes it for the SSM state with "
        f"--mamba-ssm-cache-dtype auto (models/config.py {reader}) and looks it up in "
        "STR_DTYPE_TO_TORCH_DTYPE (mamba_utils.py _mamba_state_dtype; a KeyError at start-up "
        "for a name it lacks); Headroom plans bfloat16, float16, float32 there. Give "
        "--mamba-ssm-cache-dtype (a value given wins) or correct config.json.")
    code, out, err = plan(capsys, tmp_path, config, *hw, "--mamba-ssm-cache-dtype", "float32")
    assert code == 0 and json.loads(out)["fits"], err
    if unread:
        code, out, err = plan(capsys, tmp_path, config, *hw, "--vllm-version", unread)
        assert code == 0 and json.loads(out)["fits"], err


@pytest.mark.parametrize(("written", "ssm_bytes", "state_bytes"), [
    ("half", 2, 817_152), ("float", 4, 1_603_584)])
def test_a_config_ssm_dtype_alias_is_planned_as_the_dtype_it_names(
        capsys, tmp_path: Path, written: str, ssm_bytes: int, state_bytes: int) -> None:
    """vLLM looks a config's SSM dtype up in STR_DTYPE_TO_TORCH_DTYPE, where "half" is
    torch.half and "float" torch.float (utils/torch_utils.py, 0.13.0-0.34.0 wheels): Qwen3.5-27B
    at TP=2 holds a GDN layer's conv state (128 x 16 x 2 + 128 x 48) / 2 x 3 = 15,360 x 2 B and
    its temporal state 24 x 128 x 128 = 393,216 elements x 2 B (half: 817,152 B a sequence) or
    x 4 B (float: 1,603,584 B), as float16 / float32 would."""
    config = load_ref_config("Qwen__Qwen3.5-27B")[0]
    config["text_config"]["mamba_ssm_dtype"] = written
    code, out, err = plan(capsys, tmp_path, config, "--gpus", "2", "--tp", "2", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["fits"], result["verdict"]
    kv = next(t for t in result["terms"] if t["key"] == "kv_bytes_per_token_per_gpu")
    assert (f"10240 / 2 x 3 conv x 2 B + 48 / 2 x 128 x 128 state x {ssm_bytes} B = "
            f"{state_bytes:,} B per sequence") in kv["formula"]
