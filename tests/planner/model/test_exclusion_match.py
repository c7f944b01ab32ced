"""An exclusion list matched as the checkpoint's method's vLLM loader matches it
(planner.model.exclusion_match): fp8 and compressed-tensors compare an entry whole with a
layer's full name (is_layer_skipped exact, should_ignore_layer), AWQ looks for it inside the
name (is_layer_skipped substring), in the 0.19.0 and 0.34.0 wheels. Bytes per GPU (H200, TP 1)
worked by hand."""

import copy

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.exclusion_match import mapper_splits, names_no_layer, wrapper_read
from planner.model.quant import checkpoint_scheme
from planner.serving.hardware import GPU_PRESETS
from planner.serving.layout import ParallelLayout
from planner.serving.startup.exclusion_lists import exclusion_list_note, mapper_split_note
from planner.serving.startup.fused_shards import fused_shard_errors
from planner.serving.startup.weight_load import weight_load_rules
from planner.serving.weights import rank_weights
from tests.planner.serving.test_router_checkpoint_quant import CT_W4A16

H200 = GPU_PRESETS["h200"]
FP8 = {"quant_method": "fp8", "activation_scheme": "dynamic", "weight_block_size": [128, 128]}
AWQ = {"quant_method": "awq", "bits": 4, "group_size": 128, "zero_point": True,
       "version": "gemm"}

# Qwen3-30B-A3B: 48 MoE layers, each gate 2,048 (hidden) x 128 (experts) = 262,144 weights
QWEN3_LAYERS = 48
GATE_BF16 = 262_144 * 2  # 524,288 B
# Fp8LinearMethod, 128 x 128 blocks: 262,144 B of fp8 + weight_scale_inv [1, 16] float32 = 64 B
GATE_FP8 = 262_144 + 16 * 4  # 262,208 B
# compressed-tensors W4A16 g128: weight_packed int32 [128, 2,048 / 8] = 131,072 B + weight_scale
# bf16 [128, 16] = 4,096 B
GATE_CT = 131_072 + 4_096  # 135,168 B
# one MoE layer's 128 experts, 3 x 2,048 x 768 weights each = 603,979,776 weights: 16-bit
# 1,207,959,552 B; fp8 128 x 128 blocks 603,979,776 B + scales (w13 [1,536, 2,048]: 12 x 16,
# w2 [2,048, 768]: 16 x 6 = 288 float32 an expert) 128 x 1,152 = 147,456 B
EXPERTS_BF16 = 603_979_776 * 2
EXPERTS_FP8 = 603_979_776 + 128 * 288 * 4

# Qwen2.5-7B-Instruct (config.json): hidden 3,584, intermediate 18,944, 28 heads and 4 KV
# heads of 128, 28 layers; AWQ int4 g128 with zero points: 4 + 16 / 128 + 4 / 128 = 4.15625
# bits a weight
Q25_LAYERS = 28
MLP_PROJ = 3_584 * 18_944  # 67,895,296 weights each of gate_proj, up_proj, down_proj
Q_OR_O = 3_584 * 3_584  # 12,845,056 weights each of q_proj and o_proj
KV = 512 * 3_584  # 1,835,008 weights each of k_proj and v_proj
QKV_BIAS = (3_584 + 2 * 512) * 2  # bf16: 9,216 B a layer


def _awq_bytes(weights: int) -> int:
    """AWQ int4 g128 bytes: weights x 4.15625 / 8."""
    return weights * 415_625 // 800_000


def _spec(repo: str, quantization_config: dict):
    config = copy.deepcopy(catalog_entry(repo).config)
    config["quantization_config"] = quantization_config
    return parse_model_config(config)


def _weights(spec, version=(0, 34, 0)):
    scheme = checkpoint_scheme(spec)
    rules = weight_load_rules(spec, scheme, None, version, H200)
    return rank_weights(spec, scheme, ParallelLayout(), rules=rules)[0]


@pytest.mark.parametrize(("name", "none"), [
    ("mlp.gate", True),  # no layer index: 'mlp.gate' != 'model.layers.0.mlp.gate'
    ("model.layers.*.mlp.gate", True),  # a glob, compared as text
    ("model.layers.3.mlp", True),  # the block, not a linear layer in it
    ("model.layers.3.self_attn", True),
    ("model.layers.3.mlp.gate", False),
    ("model.layers.3.self_attn.q_proj", False),
    # FusedMoE: `prefix in layer_name` for the entries holding "experts"
    ("model.layers.3.mlp.experts", False),
    ("model.layers.3.mlp.experts.0.gate_proj", False),
    ("mlp.experts", True),
    ("re:.*mlp.gate$", False),  # compressed-tensors' regex: matched as one
])
def test_names_no_layer(name, none):
    assert names_no_layer(name) is none


@pytest.mark.parametrize("version", [(0, 19, 0), (0, 34, 0)])
@pytest.mark.parametrize("entry", ["mlp.gate", "model.layers.*.mlp.gate", "gate"])
def test_fp8_entry_naming_no_layer_keeps_the_gate_fp8(entry, version):
    """Fp8Config's exact is_layer_skipped: none of these is 'model.layers.N.mlp.gate', so each
    gate gets Fp8LinearMethod: 48 x 262,208 = 12,585,984 B (planned 16-bit before,
    48 x 524,288 = 25,165,824)."""
    spec = _spec("Qwen/Qwen3-30B-A3B", {**FP8, "modules_to_not_convert": ["lm_head", entry]})
    assert _weights(spec, version).router_bytes == QWEN3_LAYERS * GATE_FP8 == 12_585_984


def test_fp8_full_names_keep_the_gate_and_experts_16_bit():
    """The full name keeps layer 3's gate ('model.layers.3.mlp.gate' in the list) and an entry
    holding 'model.layers.5.mlp.experts' layer 5's FusedMoE; the block 'model.layers.7.mlp'
    keeps nothing (was layer 7's whole MLP): gates 524,288 + 47 x 262,208 = 12,848,064 B,
    experts 1,207,959,552 + 47 x 604,127,232 = 29,601,939,456 B."""
    spec = _spec("Qwen/Qwen3-30B-A3B", {**FP8, "modules_to_not_convert": [
        "model.layers.3.mlp.gate", "model.layers.5.mlp.experts.0.down_proj",
        "model.layers.7.mlp"]})
    weights = _weights(spec)
    assert weights.router_bytes == GATE_BF16 + 47 * GATE_FP8 == 12_848_064
    assert weights.experts_bytes == EXPERTS_BF16 + 47 * EXPERTS_FP8 == 29_601_939_456


def test_compressed_tensors_plain_entry_is_an_exact_name():
    """should_ignore_layer compares a plain entry whole: 'mlp.gate' keeps no gate, which
    W4A16 takes: 48 x 135,168 = 6,488,064 B; the regex keeps them all 16-bit."""
    plain = _spec("Qwen/Qwen3-30B-A3B", {**CT_W4A16, "ignore": ["lm_head", "mlp.gate"]})
    assert _weights(plain).router_bytes == QWEN3_LAYERS * GATE_CT == 6_488_064
    regex = _spec("Qwen/Qwen3-30B-A3B", {**CT_W4A16, "ignore": ["lm_head", "re:.*mlp.gate$"]})
    assert _weights(regex).router_bytes == QWEN3_LAYERS * GATE_BF16


def test_awq_gate_keeps_every_gate_up_proj_16_bit():
    """AWQ's substring match: "gate" is in each 'model.layers.N.mlp.gate_up_proj', which vLLM
    0.24.0 on keeps 16-bit whole (its own name first), beside an AWQ down_proj: per layer
    2 x 67,895,296 x 2 = 271,581,184 + 35,273,728 = 306,854,912 B, x 28 = 8,591,937,536 B
    (was 28 x 3 x 35,273,728 = 2,962,993,152: "gate" read as a router, which Qwen2.5 has not).
    0.19.0 looks at the shards, gate_proj kept and up_proj not, and stops (fused_shards)."""
    spec = _spec("Qwen/Qwen2.5-7B-Instruct", {**AWQ, "modules_to_not_convert": ["gate"]})
    assert _awq_bytes(MLP_PROJ) == 35_273_728
    assert _weights(spec).dense_mlp_bytes == Q25_LAYERS * (
        2 * MLP_PROJ * 2 + _awq_bytes(MLP_PROJ)) == 8_591_937_536
    assert fused_shard_errors(spec, checkpoint_scheme(spec), (0, 24, 0)) == []
    assert "shards of model.layers.0.mlp.gate_up_proj are quantized" in fused_shard_errors(
        spec, checkpoint_scheme(spec), (0, 19, 0))[0]


@pytest.mark.parametrize(("entry", "per_layer"), [
    # "o_proj" is in each o_proj's name only: 25,690,112 B 16-bit + q/k/v AWQ
    # (16,515,072 weights: 8,580,096 B) + biases 9,216 = 34,279,424 B (was planned AWQ:
    # "o_proj" placed nowhere)
    ("o_proj", Q_OR_O * 2 + _awq_bytes(Q_OR_O + 2 * KV) + QKV_BIAS),
    # "self_attn" is in every attention layer's name: all 16-bit, 29,360,128 x 2 + 9,216
    ("self_attn", (2 * Q_OR_O + 2 * KV) * 2 + QKV_BIAS),
])
def test_awq_substring_in_attention(entry, per_layer):
    spec = _spec("Qwen/Qwen2.5-7B-Instruct", {**AWQ, "modules_to_not_convert": [entry]})
    assert _weights(spec).attention_bytes == Q25_LAYERS * per_layer


def _modelopt_fp8(repo: str, exclude: list[str]):
    """`repo`'s config.json with an hf_quant_config.json of ModelOpt FP8 excluding `exclude`."""
    return parse_model_config(copy.deepcopy(catalog_entry(repo).config), {
        "producer": {"name": "modelopt", "version": "0.33.0"},
        "quantization": {"quant_algo": "FP8", "exclude_modules": exclude}})


def test_modelopt_wildcard_keeps_every_gate_16_bit():
    """is_layer_excluded's fnmatch("model.layers.N.mlp.gate", "*gate"): each gate
    UnquantizedLinearMethod, 48 x 524,288 = 25,165,824 B (was planned FP8, 48 x 262,144 =
    12,582,912: "*gate" placed nowhere; per-tensor FP8's two float32 scalars not counted)."""
    spec = _modelopt_fp8("Qwen/Qwen3-30B-A3B", ["lm_head", "*gate"])
    assert _weights(spec).router_bytes == QWEN3_LAYERS * GATE_BF16 == 25_165_824


def test_modelopt_gate_also_keeps_gate_up_proj():
    """"gate" inside 'model.layers.N.mlp.gate_up_proj' (is_layer_excluded's substring):
    2 x 67,895,296 x 2 = 271,581,184 B 16-bit beside an FP8 down_proj of 67,895,296 B, x 28 =
    9,505,341,440 B (was 28 x 3 x 67,895,296 = 5,703,204,864)."""
    spec = _modelopt_fp8("Qwen/Qwen2.5-7B-Instruct", ["lm_head", "gate"])
    assert _weights(spec).dense_mlp_bytes == Q25_LAYERS * (2 * MLP_PROJ * 2 + MLP_PROJ) \
        == 9_505_341_440


def test_modelopt_trailing_star_split_on_a_mapped_architecture():
    """Qwen2ForCausalLM has an hf_to_vllm_mapper (qwen2.py, 0.34.0 wheel), so apply_vllm_mapper
    reads "*mlp.gate*" as "*mlp.gate" and "*mlp.gate.*": neither fnmatch-es nor is inside
    'model.layers.N.mlp.gate_up_proj', whose shards are not listed: the MLP stays FP8,
    28 x 3 x 67,895,296 = 5,703,204,864 B (was 9,505,341,440, gate_up_proj 16-bit)."""
    spec = _modelopt_fp8("Qwen/Qwen2.5-7B-Instruct", ["lm_head", "*mlp.gate*"])
    assert _weights(spec).dense_mlp_bytes == Q25_LAYERS * 3 * MLP_PROJ == 5_703_204_864


def test_modelopt_trailing_star_whole_without_a_mapper():
    """DeepseekV2ForCausalLM has no hf_to_vllm_mapper (deepseek_v2.py, 0.34.0 wheel): "*mlp.gate*"
    is fnmatch-ed as written and keeps layer 0's dense 'model.layers.0.mlp.gate_up_proj' 16-bit
    (DeepSeek-V2-Lite: first_k_dense_replace 1, hidden 2,048, intermediate 10,944):
    2 x 2,048 x 10,944 x 2 = 89,653,248 B beside an FP8 down_proj of 22,413,312 B =
    112,066,560 B (all FP8: 67,239,936)."""
    spec = _modelopt_fp8("deepseek-ai/DeepSeek-V2-Lite-Chat", ["lm_head", "*mlp.gate*"])
    assert _weights(spec).dense_mlp_bytes == 2 * 2_048 * 10_944 * 2 + 2_048 * 10_944 \
        == 112_066_560


@pytest.mark.parametrize(("repo", "splits_from"), [
    # apply_vllm_mapper splits 'X*' from 0.13.0; the class's hf_to_vllm_mapper (own or
    # inherited) first appears in: llama.py / qwen2.py / qwen3_moe.py / minimax_m2.py 0.25.0,
    # qwen3_next.py Qwen3NextForCausalLM 0.29.0 (0.28.0: none), gpt_oss.py 0.10.2, so there
    # from the split's 0.13.0; deepseek_v2.py never (0.12.0-0.34.0 wheels)
    ("meta-llama/Llama-3.1-70B-Instruct", (0, 25, 0)),
    ("Qwen/Qwen2.5-7B-Instruct", (0, 25, 0)),
    ("Qwen/Qwen3-30B-A3B", (0, 25, 0)),
    ("MiniMaxAI/MiniMax-M2.5", (0, 25, 0)),
    ("Qwen/Qwen3-Next-80B-A3B-Instruct", (0, 29, 0)),
    ("openai/gpt-oss-20b", (0, 13, 0)),
    ("deepseek-ai/DeepSeek-V2-Lite-Chat", None),
])
def test_mapper_splits_from_the_release_whose_class_has_a_mapper(repo, splits_from):
    spec = parse_model_config(copy.deepcopy(catalog_entry(repo).config))
    releases = [(0, 12, 0), (0, 13, 0), (0, 24, 0), (0, 25, 0), (0, 28, 0), (0, 29, 0),
                (0, 34, 0)]
    assert [mapper_splits(spec, v) for v in releases] == [
        splits_from is not None and v >= splits_from for v in releases]
    assert mapper_splits(spec) is (splits_from is not None)


def test_modelopt_trailing_star_read_whole_before_0_25_keeps_gate_up_proj():
    """Qwen2ForCausalLM gains its hf_to_vllm_mapper in 0.25.0 (qwen2.py): 0.13.0-0.24.0 fnmatch
    "*mlp.gate*" as written, so each 'model.layers.N.mlp.gate_up_proj' is 16-bit there where
    the weights (0.25.0 on, test_modelopt_trailing_star_split_on_a_mapped_architecture) hold it
    FP8: 28 x 2 x 67,895,296 weights x (16 - 8) / 8 = 3,802,136,576 B more (9,505,341,440 -
    5,703,204,864), said in a note; 0.25.0 and 0.34.0 read it as planned."""
    spec = _modelopt_fp8("Qwen/Qwen2.5-7B-Instruct", ["lm_head", "*mlp.gate*"])
    scheme = checkpoint_scheme(spec)
    assert Q25_LAYERS * 2 * MLP_PROJ == 3_802_136_576
    for version in ((0, 13, 0), (0, 24, 0)):
        note = mapper_split_note(spec, scheme, version)
        assert "it matches '*mlp.gate*' as written" in note
        assert f"unlike the weights here, vLLM 0.{version[1]}.0 keeps 16-bit mlp.gate_proj, " \
            "mlp.up_proj in layers 0-27: 3,802,136,576 B (3.54 GiB) more weight than " \
            "planned" in note
        assert _weights(spec, version).dense_mlp_bytes == Q25_LAYERS * 3 * MLP_PROJ
    assert mapper_split_note(spec, scheme, (0, 25, 0)) is None
    assert mapper_split_note(spec, scheme, (0, 34, 0)) is None


def test_modelopt_split_substring_keeps_gate_up_proj_only_from_0_25():
    """The split can keep more: "mlp.gate*" read as "mlp.gate" (0.25.0 on) lies inside each
    'model.layers.N.mlp.gate_up_proj' (is_layer_excluded's substring), so the weights hold it
    16-bit, 28 x 2 x 67,895,296 x 2 + 28 x 67,895,296 FP8 = 9,505,341,440 B; 0.24.0 reads
    "mlp.gate*" whole, neither inside nor fnmatch-ing 'model.layers.N....' from its start, and
    quantizes it: 3,802,136,576 B less."""
    spec = _modelopt_fp8("Qwen/Qwen2.5-7B-Instruct", ["lm_head", "mlp.gate*"])
    assert _weights(spec).dense_mlp_bytes == 9_505_341_440
    note = mapper_split_note(spec, checkpoint_scheme(spec), (0, 24, 0))
    assert "quantizes mlp.gate_proj, mlp.up_proj in layers 0-27: 3,802,136,576 B (3.54 GiB) " \
        "less weight than planned" in note
    assert "keeps 16-bit" not in note


def test_modelopt_qwen3_next_reads_its_list_whole_before_0_29():
    """Qwen3NextForCausalLM has no hf_to_vllm_mapper before 0.29.0 (qwen3_next.py, 0.28.0 and
    0.29.0 wheels): "*expert.gate*" fnmatches each 'model.layers.N.mlp.shared_expert.
    gate_up_proj' there (0.29.0 on: "*expert.gate" and "*expert.gate.*", neither). Qwen3-Next-
    80B: 48 MoE layers, each shared expert's gate_proj and up_proj 2 x 2,048 x 512 = 2,097,152
    weights (its shared_expert_gate stays 16-bit in any format): 48 x 2,097,152 x (16 - 8) / 8
    = 100,663,296 B."""
    spec = _modelopt_fp8("Qwen/Qwen3-Next-80B-A3B-Instruct", ["lm_head", "*expert.gate*"])
    scheme = checkpoint_scheme(spec)
    note = mapper_split_note(spec, scheme, (0, 28, 0))
    assert "keeps 16-bit mlp.shared_expert.gate_proj, mlp.shared_expert.up_proj in layers " \
        "0-47: 100,663,296 B (0.09 GiB) more weight" in note
    assert "where vLLM 0.29.0 and later" in note
    assert mapper_split_note(spec, scheme, (0, 29, 0)) is None


@pytest.mark.parametrize(("repo", "read_from"), [
    # the class's mapper renames "model.language_model." onto its text layers' root
    # (exclusion_match.WRAPPER_READ_FROM NOTE): gemma3_mm.py from 0.9.2, applied to a ModelOpt
    # list from 0.10.2; gemma4_mm.py 0.19.0; qwen3_vl.py 0.11.0; qwen3_5.py's multimodal
    # classes (Qwen3-VL subclasses) 0.17.0; mllama4.py and text classes never
    ("google/gemma-3-27b-it", (0, 10, 2)),
    ("nvidia/Gemma-4-31B-IT-NVFP4", (0, 19, 0)),
    ("Qwen/Qwen3-VL-32B-Instruct", (0, 11, 0)),
    ("Qwen/Qwen3.5-27B", (0, 17, 0)),
    ("meta-llama/Llama-4-Scout-17B-16E-Instruct", None),
    ("Qwen/Qwen3-30B-A3B", None),
])
def test_wrapper_read_from_the_release_whose_mapper_renames_it(repo, read_from):
    spec = parse_model_config(copy.deepcopy(catalog_entry(repo).config))
    releases = [(0, 10, 1), (0, 10, 2), (0, 11, 0), (0, 17, 0), (0, 19, 0), (0, 34, 0)]
    assert [wrapper_read(spec, v) for v in releases] == [
        read_from is not None and v >= read_from for v in releases]


# Qwen3-30B-A3B attention a layer: q and o 32 x 128 x 2,048 = 8,388,608 weights each, k and v
# 4 x 128 x 2,048 = 1,048,576 each: 18,874,368, one byte more each 16-bit than FP8
QWEN3_ATTENTION = 2 * 8_388_608 + 2 * 1_048_576


@pytest.mark.parametrize("repo", ["Qwen/Qwen3-30B-A3B",
                                  "meta-llama/Llama-4-Scout-17B-16E-Instruct"])
def test_modelopt_wrapper_rooted_entry_names_no_layer_without_a_renaming_mapper(repo):
    """Qwen3MoeForCausalLM names its layers 'model.layers.N' and Llama4ForConditionalGeneration
    'language_model.model.layers.N' with no mapper renaming "model.language_model." (mllama4.py
    none in any wheel): 'model.language_model.layers.0.self_attn*' neither lies inside nor
    fnmatches any, so layer 0's attention stays FP8 (it was placed 16-bit); the text-rooted
    entry keeps it on Qwen3 (+18,874,368 B)."""
    none = _weights(_modelopt_fp8(repo, ["lm_head"])).attention_bytes
    wrapped = _modelopt_fp8(repo, ["lm_head", "model.language_model.layers.0.self_attn*"])
    assert _weights(wrapped).attention_bytes == none
    if repo == "Qwen/Qwen3-30B-A3B":
        rooted = _modelopt_fp8(repo, ["lm_head", "model.layers.0.self_attn*"])
        assert _weights(rooted).attention_bytes - none == QWEN3_ATTENTION == 18_874_368


def test_modelopt_wrapper_rooted_entry_read_where_the_mapper_renames_it():
    """Gemma3ForConditionalGeneration renames "model.language_model." to its layers'
    'language_model.model.' from 0.10.2: 'model.language_model.layers.0.self_attn*' keeps layer
    0's attention 16-bit, Gemma-3-27B's q and o 32 x 128 x 5,376 = 22,020,096 weights each, k
    and v 16 x 128 x 5,376 = 11,010,048 each: 66,060,288 B more than FP8. vLLM 0.10.1 (no
    apply_vllm_mapper on ModelOpt) reads it as no layer: a note, -66,060,288 B."""
    repo = "google/gemma-3-27b-it"
    none = _weights(_modelopt_fp8(repo, ["lm_head"])).attention_bytes
    spec = _modelopt_fp8(repo, ["lm_head", "model.language_model.layers.0.self_attn*"])
    assert _weights(spec).attention_bytes - none == 2 * 22_020_096 + 2 * 11_010_048 \
        == 66_060_288
    note = mapper_split_note(spec, checkpoint_scheme(spec), (0, 10, 1))
    assert "'model.language_model.layers.0.self_attn*', rooted at 'model.language_model.', " \
        "name no layer" in note
    assert "quantizes attention in layer 0: 66,060,288 B (0.06 GiB) less weight" in note
    assert mapper_split_note(spec, checkpoint_scheme(spec), (0, 10, 2)) is None


@pytest.mark.parametrize(("repo", "listed", "version"), [
    # a config.json ModelOpt config: 0.11.1-0.32.0 read "ignore" only (modelopt.py
    # from_config, 0.24.0 wheel: `config.get("ignore", [])`), so 0.24.0 reads no list where
    # the config gives exclude_modules, which 0.33.0 on read
    ("Qwen/Qwen2.5-7B-Instruct", {"exclude_modules": ["lm_head", "*mlp.gate*"]}, (0, 24, 0)),
    # 0.10.0-0.11.0 read "exclude_modules" only: an "ignore" list is no list on 0.10.1
    ("google/gemma-3-27b-it",
     {"ignore": ["lm_head", "model.language_model.layers.0.self_attn*"]}, (0, 10, 1)),
])
def test_no_mapper_note_where_the_release_reads_another_list(repo, listed, version):
    """vLLM `version` reads an empty list here, so it keeps no gate_up_proj or attention
    16-bit whatever it does with 'X*' or a wrapper root; the note on the other key says so
    (exclusion_list_note), and the mapper note's bytes (+3,802,136,576 / -66,060,288, counted
    on the newest list) would be wrong: none."""
    spec = _spec(repo, {"quant_method": "modelopt", "quant_algo": "FP8", **listed})
    scheme = checkpoint_scheme(spec)
    assert "exclusion list from" in exclusion_list_note(spec, scheme, version)
    assert mapper_split_note(spec, scheme, version) is None
