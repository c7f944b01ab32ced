"""GPTQModel `dynamic` rules as vLLM's GPTQ loader builds them (config.quant.gptq_dynamic,
wna16_kernels.gptq_dynamic_errors): "-:" layers 16-bit, positive rules' layers in their own bits and
group, rules matched against vLLM's fused layer prefixes, and the bits / groups Marlin refuses.

The rules are written as vLLM's GPTQ configs document GPTQModel's format in their __init__
comment (gptq.py / gptq_marlin.py 0.19.0, auto_gptq.py 0.22.0-0.33.0): {"+:regex" or "regex":
{"bits": 8, "group_size": 64, ...}, "-:regex": {}}."""

from planner.model.config.parser import parse_model_config
from planner.model.quant import checkpoint_scheme, what_if_scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.weights import rank_weights, weights_bytes
from tests.conftest import past_v100_wheels

GPTQ = {"quant_method": "gptq", "bits": 4, "group_size": 128, "desc_act": False, "sym": True}
RULES = {r"-:model\.layers\.0\..*": {}, r"+:.*\.mlp\..*": {"bits": 8, "group_size": 128}}


def llama(dynamic: dict, **qc) -> object:
    """A small Llama: hidden 512, 8 heads x 64 and 8 KV heads (MHA: q, k, v, o 262,144
    parameters each, a quarter of the attention apiece), intermediate 1,024, 2 layers, vocab
    1,024 (a multiple of 64: no padding), untied, bf16."""
    return parse_model_config({
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 512,
        "intermediate_size": 1024, "num_hidden_layers": 2, "num_attention_heads": 8,
        "num_key_value_heads": 8, "vocab_size": 1024, "max_position_embeddings": 4096,
        "torch_dtype": "bfloat16", "tie_word_embeddings": False,
        "quantization_config": GPTQ | qc | {"dynamic": dynamic}})


# By hand, per layer: attention 4 x 512 x 512 = 1,048,576 parameters, MLP 3 x 512 x 1,024 =
# 1,572,864. GPTQ int4 g128 = 4 + 20/128 = 133/32 bits a weight: attention 1,048,576 x 133 /
# 256 = 544,768 B, MLP 1,572,864 x 133 / 256 = 817,152 B. int8 g128 = 8 + 24/128 = 131/16
# bits: MLP 1,572,864 x 131 / 128 = 1,609,728 B. 16-bit: attention 2,097,152 B, MLP 3,145,728 B.


def test_negative_and_positive_rules_size_their_layers():
    """Layer 0 matches "-:" first (get_dynamic_override returns at the first matching rule):
    its qkv_proj, o_proj, gate_up_proj, down_proj are UnquantizedLinearMethod, 16-bit. Layer
    1's gate_up_proj and down_proj match the MLP rule: int8 g128; its attention the
    checkpoint's int4 g128.
    Whole model: attention 2,097,152 + 544,768 = 2,641,920 B; MLP 3,145,728 + 1,609,728 =
    4,755,456 B (without the rules: 2 x 544,768 = 1,089,536 and 2 x 817,152 = 1,634,304)."""
    spec = llama(RULES)
    w = weights_bytes(spec, checkpoint_scheme(spec))
    assert (w.attention_bytes, w.dense_mlp_bytes) == (2_641_920, 4_755_456)
    assert "7 modules kept 16-bit (dynamic); 3 modules in their own" in spec.quant.summary
    plain = llama({})
    w = weights_bytes(plain, checkpoint_scheme(plain))
    assert (w.attention_bytes, w.dense_mlp_bytes) == (1_089_536, 1_634_304)
    # a what-if in the checkpoint's format plans every layer int4 g128
    w = weights_bytes(spec, what_if_scheme("w4a16-gptq-g128"))
    assert (w.attention_bytes, w.dense_mlp_bytes) == (1_089_536, 1_634_304)


def test_per_gpu_weights_at_tp_1_and_tp_2():
    """TP 2 splits q/k/v by heads (8 KV heads: 4 a rank), o and down by input, gate/up by
    output: half of each layer per rank. Per rank at TP 2: attention (2,097,152 + 544,768) / 2
    = 1,320,960 B, MLP (3,145,728 + 1,609,728) / 2 = 2,377,728 B; embeddings and lm_head 512
    of the 1,024 rows x 512 x 2 B = 524,288 B each; norms whole, (2 x 2 + 1) x 512 x 2 B =
    5,120 B; the rotary cache 4,096 positions x 64 x 2 B = 524,288 B.
    TP 1 total: 1,048,576 + 2,641,920 + 4,755,456 + 5,120 + 1,048,576 + 524,288 = 10,023,936 B;
    TP 2 per rank: 524,288 + 1,320,960 + 2,377,728 + 5,120 + 524,288 + 524,288 = 5,276,672 B."""
    spec = llama(RULES)
    (one,) = rank_weights(spec, checkpoint_scheme(spec), ParallelLayout(tp=1))
    assert one.total_bytes == 10_023_936
    two = rank_weights(spec, checkpoint_scheme(spec), ParallelLayout(tp=2))
    assert len(two) == 2 and two[0] == two[1]
    assert (two[0].attention_bytes, two[0].dense_mlp_bytes) == (1_320_960, 2_377_728)
    assert two[0].total_bytes == 5_276_672


def test_rules_match_vllm_fused_prefixes_not_checkpoint_shards():
    """vLLM asks the rules for 'model.layers.N.self_attn.qkv_proj' and '...mlp.gate_up_proj',
    never for a shard: a rule naming q_proj or gate_proj (GPTQModel's own module names) matches
    nothing, one naming o_proj or down_proj matches its own layer. re.match anchors at the
    start only: '.*down' matches 'model.layers.1.mlp.down_proj'.
    down_proj int8 g128 in both layers: a third of the MLP, 524,288 x 131/128 = 536,576 B
    beside gate/up int4 1,048,576 x 133/256 = 544,768 B: 1,081,344 B a layer."""
    for shard in (r"+:.*q_proj", r"+:.*\.gate_proj", r"-:.*k_proj"):
        spec = llama({shard: {"bits": 8}})
        assert spec.quant.module_schemes == () == spec.quant.excluded_modules
    spec = llama({r".*down": {"bits": 8}})
    assert [f.module for f in spec.quant.module_schemes] == [
        "model.layers.0.mlp.down_proj", "model.layers.1.mlp.down_proj"]
    w = weights_bytes(spec, checkpoint_scheme(spec))
    assert w.dense_mlp_bytes == 2 * 1_081_344
    # a negative o_proj rule: a quarter of the attention 16-bit, 262,144 x 2 = 524,288 B, the
    # rest int4 g128 786,432 x 133/256 = 408,576 B: 932,864 B a layer
    spec = llama({r"-:.*o_proj": {}})
    assert weights_bytes(spec, checkpoint_scheme(spec)).attention_bytes == 2 * 932_864


def qwen3_moe(dynamic: dict, **qc) -> object:
    """A small Qwen3-MoE: hidden 256, 4 heads x 64, 4 KV heads, 4 experts of 128, 2 layers."""
    return parse_model_config({
        "architectures": ["Qwen3MoeForCausalLM"], "model_type": "qwen3_moe",
        "hidden_size": 256, "intermediate_size": 512, "moe_intermediate_size": 128,
        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 4,
        "head_dim": 64, "num_experts": 4, "num_experts_per_tok": 2, "vocab_size": 1024,
        "max_position_embeddings": 4096, "torch_dtype": "bfloat16",
        "tie_word_embeddings": False, "quantization_config": GPTQ | qc | {"dynamic": dynamic}})


def test_expert_rules_apply_per_fused_moe_layer():
    """get_moe_quant_method asks the rules for the FusedMoE prefix 'model.layers.N.mlp.experts'
    (gptq_marlin.py 0.19.0, auto_gptq.py 0.33.0): a negative match builds the whole layer's
    experts unquantized, a positive one in its bits; a rule naming one expert
    ('...experts.0...') matches no layer. Experts by hand: 4 x 3 x 256 x 128 = 393,216
    parameters a layer; int4 g128 x 133/256 = 204,288 B, int8 g128 x 131/128 = 402,432 B,
    16-bit 786,432 B."""
    spec = qwen3_moe({r"-:model\.layers\.0\.mlp\.experts": {},
                      r"+:model\.layers\.1\.mlp\..*": {"bits": 8}})
    assert weights_bytes(spec, checkpoint_scheme(spec)).experts_bytes == 786_432 + 402_432
    one = qwen3_moe({r"+:.*\.experts\.0\..*": {"bits": 8}})
    assert weights_bytes(one, checkpoint_scheme(one)).experts_bytes == 2 * 204_288


def _errors(spec, release: str, gpu: str = "h100-sxm", **engine) -> tuple[str, ...]:
    return tuple(plan(PlanRequest(model=spec, cluster=preset_cluster(gpu, 1),
                            layout=ParallelLayout(tp=1),
                            engine=EngineSettings(max_model_len=4096,
                                                  vllm_version=release, **engine))).errors)


def test_bits_sym_and_groups_marlin_refuses_per_release():
    """override_config (gptq_utils.py): (bits, sym) outside {(4, True), (8, True)} raises
    "Unsupported quantization config" on gptq_marlin (0.19-0.21, a Marlin-compatible
    checkpoint) and AutoGPTQConfig (0.22 on); a group outside [-1, 32, 64, 128] stops at the
    linear method's verify_marlin_supported. 0.19-0.21's plain GPTQConfig (a checkpoint in
    group 256, is_gptq_marlin_compatible false) takes 2/3/4/8 bits and any group. The 3-bit
    rule matches gate_up_proj and down_proj of both layers: 4 layers planned at int4."""
    three = llama({r"+:.*\.mlp\..*": {"bits": 3}})
    assert three.warnings == ("quantization_config.dynamic gives 4 layers bits or groups not "
                              "planned here (model.layers.0.mlp.gate_up_proj, ...): planned at "
                              "int4, group 128",)
    for release, loader in (("0.21.0", "GPTQMarlinConfig"), ("0.33.0", "AutoGPTQConfig")):
        assert _errors(three, release) == (
            f"Unsupported quantization config: bits=3, sym=True (vLLM {release} {loader} "
            "override_config: the `dynamic` rule matching 'model.layers.0.mlp.gate_up_proj' "
            "gives it; Marlin takes GPTQ in 4 or 8 bits, symmetric)",)
    asym = llama({r".*o_proj": {"sym": False}})
    assert _errors(asym, "0.24.0")[0].startswith("Unsupported quantization config: bits=4, "
                                                 "sym=False (vLLM 0.24.0 AutoGPTQConfig")
    g256 = llama({r".*o_proj": {"group_size": 256}})
    assert _errors(g256, "0.29.0") == (
        "Marlin does not support group_size = 256. Only group_sizes = [-1, 32, 64, 128] are "
        "supported. (vLLM 0.29.0 AutoGPTQConfig's linear method, verify_marlin_supported: the "
        "`dynamic` rule matching 'model.layers.0.self_attn.o_proj' gives it)",)
    # the plain loader of 0.19-0.21 (checkpoint group 256; float16, its only dtype): 3 bits
    # load, 5 do not
    plain3 = llama({r"+:.*\.mlp\..*": {"bits": 3}}, group_size=256)
    assert _errors(plain3, "0.21.0", dtype="float16") == ()
    plain5 = llama({r"+:.*\.mlp\..*": {"bits": 5}}, group_size=256)
    assert _errors(plain5, "0.21.0", dtype="float16")[0].startswith(
        "Currently, only 2/3/4/8-bit weight quantization is supported for GPTQ, but got 5 "
        "bits. (vLLM 0.21.0 GPTQConfig override_config")
    # 8 bits in group 64 loads on every release read
    for release in ("0.19.0", "0.24.0", "0.33.0"):
        assert _errors(llama({r".*o_proj": {"bits": 8, "group_size": 64}}), release) == ()


def test_rules_are_anchored_at_the_prefix_start():
    """get_dynamic_override uses re.match, anchored at the start of 'model.layers.N...': a rule
    'layers\\.0\\..*' (no leading 'model.' or '.*') matches no layer, so nothing is kept 16-bit;
    '.*layers\\.0\\..*' keeps layer 0's 7 modules (q, k, v, o, gate, up, down)."""
    bare = llama({r"-:layers\.0\..*": {}})
    assert bare.quant.excluded_modules == () == bare.quant.module_schemes
    spec = llama({r"-:.*layers\.0\..*": {}})
    assert "7 modules kept 16-bit (dynamic)" in spec.quant.summary


def test_family_prefixes_mixtral_experts_and_qwen2_moe_shared_expert():
    """mixtral.py builds each MoE block under 'block_sparse_moe' (FusedMoE prefix
    'model.layers.N.block_sparse_moe.experts'), qwen2_moe.py its shared MLP under
    'mlp.shared_expert' (singular; 0.19.0 and 0.33.0 wheels). By hand, hidden 256: Mixtral's 4
    experts of 128 are 4 x 3 x 256 x 128 = 393,216 parameters a layer: 16-bit 786,432 B, int4
    g128 x 133/256 = 204,288 B; a rule naming '.mlp.experts' matches nothing there.
    Qwen2-MoE's shared expert of 256: 3 x 256 x 256 = 196,608 parameters a layer, int8 g128
    x 131/128 = 201,216 B, int4 g128 x 133/256 = 102,144 B, beside its shared_expert_gate
    (ReplicatedLinear(hidden, 1, quant_config=None): 256 x 2 B = 512 B, matched by no rule).
    Two layers at int8: 2 x (201,216 + 512) = 403,456 B (at int4: 205,312)."""
    mixtral = {
        "architectures": ["MixtralForCausalLM"], "model_type": "mixtral", "hidden_size": 256,
        "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 4, "head_dim": 64, "num_local_experts": 4,
        "num_experts_per_tok": 2, "vocab_size": 1024, "max_position_embeddings": 4096,
        "torch_dtype": "bfloat16", "tie_word_embeddings": False}
    for rule, experts in ((r"-:model\.layers\.0\.block_sparse_moe\.experts", 786_432 + 204_288),
                          (r"-:model\.layers\.0\.mlp\.experts", 2 * 204_288)):
        spec = parse_model_config(mixtral | {"quantization_config": GPTQ | {
            "dynamic": {rule: {}}}})
        assert weights_bytes(spec, checkpoint_scheme(spec)).experts_bytes == experts, rule
    qwen2_moe = parse_model_config({
        "architectures": ["Qwen2MoeForCausalLM"], "model_type": "qwen2_moe",
        "hidden_size": 256, "intermediate_size": 512, "moe_intermediate_size": 128,
        "shared_expert_intermediate_size": 256, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 4, "num_experts": 4,
        "num_experts_per_tok": 2, "vocab_size": 1024, "max_position_embeddings": 4096,
        "torch_dtype": "bfloat16", "tie_word_embeddings": False,
        "quantization_config": GPTQ | {"dynamic": {r"+:.*\.mlp\.shared_expert\..*":
                                                   {"bits": 8}}}})
    w = weights_bytes(qwen2_moe, checkpoint_scheme(qwen2_moe))
    assert w.shared_experts_bytes == 2 * (201_216 + 512) != 2 * (102_144 + 512)


def test_a_gpu_marlin_does_not_take_loads_the_plain_gptq_on_0_21():
    """On a V100 (7.0) is_gptq_marlin_compatible's check_marlin_supported lists no type below
    7.5 (gptq_marlin.py / marlin_utils.py, 0.21.0 wheel), so 0.21.0 loads a group-128 checkpoint
    with gptq.py's GPTQConfig, whose override_config takes 2/3/4/8 bits: a 3-bit MLP rule
    starts (planned at int4, with the warning), a 5-bit one does not. From 0.22 AutoGPTQ's
    linear method stops on the V100 first (verify_marlin_supported)."""
    three = llama({r"+:.*\.mlp\..*": {"bits": 3}})
    assert past_v100_wheels(_errors(three, "0.21.0", gpu="v100-32gb")) == []
    five = llama({r"+:.*\.mlp\..*": {"bits": 5}})
    assert past_v100_wheels(_errors(five, "0.21.0", gpu="v100-32gb"))[0].startswith(
        "Currently, only 2/3/4/8-bit weight quantization is supported for GPTQ, but got 5 "
        "bits. (vLLM 0.21.0 GPTQConfig override_config")
    assert past_v100_wheels(_errors(three, "0.22.0", gpu="v100-32gb"))[0].startswith(
        "Marlin does not support weight_bits = uint4b8. Only types = [] are supported")


def test_plain_gptq_sends_experts_to_moe_wna16_which_reads_no_rule():
    """gptq.py GPTQConfig.get_quant_method (0.19.0-0.21.0 wheels) hands every FusedMoE to
    MoeWNA16Config built from the checkpoint's bits and group, never override_config: a 5-bit
    rule on the experts of a group-256 checkpoint (plain loader) is not refused on 0.21.0,
    while on group 128 gptq_marlin's get_moe_quant_method reads it and refuses it."""
    rule = {r"+:.*\.mlp\.experts": {"bits": 5}}
    assert _errors(qwen3_moe(rule, group_size=256), "0.21.0", dtype="float16") == ()
    assert _errors(qwen3_moe(rule), "0.21.0")[0].startswith(
        "Unsupported quantization config: bits=5, sym=True (vLLM 0.21.0 GPTQMarlinConfig")
