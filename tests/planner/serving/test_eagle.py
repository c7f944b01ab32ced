"""EAGLE-3 speculative decoding with a separate drafter checkpoint (planner.serving.eagle):
the drafter's weights on each GPU, its KV layers, the launch flag and vLLM's refusals, worked
by hand from the drafter configs of tests/fixtures/drafters (SOURCES.md there) and vLLM's
llama_eagle3.py."""

import json
from pathlib import Path

import pytest

from cli.planner_cli import main
from planner.catalog import catalog_spec
from planner.serving.eagle import (
    DraftError,
    eagle_rank_bytes,
    eagle_refusals,
    parse_eagle_draft,
)
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import command_problems, supported_versions, vllm_cli
from planner.serving.vllm_versions import parse_version

DRAFTERS = Path(__file__).resolve().parents[2] / "fixtures" / "drafters"
LLAMA_70B_DRAFTER = DRAFTERS / "specforge__llama3-70B-eagle3.json"
QWEN3_32B_DRAFTER = DRAFTERS / "specforge__qwen3-32b-eagle3.json"


def _draft(path: Path, name: str = "drafter"):
    return parse_eagle_draft(json.loads(path.read_text(encoding="utf-8")), name)


def _plan(repo: str, drafter, tp: int, pp: int = 1, tokens: int = 3, **engine):
    return plan(PlanRequest(
        model=catalog_spec(repo), cluster=preset_cluster("h100-sxm", tp * pp),
        layout=ParallelLayout(tp=tp, pp=pp),
        engine=EngineSettings(speculative_draft=drafter, num_speculative_tokens=tokens,
                              **engine)))


def test_the_drafter_configs_read_as_llama_eagle3_builds_them():
    llama = _draft(LLAMA_70B_DRAFTER)
    assert (llama.architecture, llama.hidden_size, llama.num_layers, llama.num_heads,
            llama.num_kv_heads, llama.head_dim, llama.intermediate_size, llama.vocab_size,
            llama.draft_vocab_size) == ("LlamaForCausalLMEagle3", 8192, 1, 64, 8, 128, 28672,
                                        128256, 32000)
    qwen = _draft(QWEN3_32B_DRAFTER)  # its head_dim 80 is the config's, not 5,120 / 64 = 80
    assert (qwen.hidden_size, qwen.num_heads, qwen.num_kv_heads, qwen.head_dim,
            qwen.intermediate_size, qwen.vocab_size) == (5120, 64, 8, 80, 25600, 151936)


def test_llama_70b_drafter_weights_per_gpu_at_tp4():
    # By hand (llama_eagle3.py; bf16, 2 B; TP 4):
    #   qkv: 2 x 8,192 in x (64 / 4 + 2 x 8 / 4) x 128 out = 16,384 x 2,560 = 41,943,040
    #   o_proj: 64 / 4 x 128 x 8,192 = 16,777,216; MLP: 3 x 28,672 / 4 x 8,192 = 176,160,768
    #   -> 234,881,024 params x 2 B = 469,762,048 B
    #   fc (replicated): 3 x 8,192 x 8,192 x 2 B = 402,653,184 B
    #   norms (input, post-attention, hidden_norm, final): 4 x 8,192 x 2 B = 65,536 B
    #   lm_head: 32,000 / 4 x 8,192 x 2 B = 131,072,000 B; d2t: 32,000 x 8 B = 256,000 B
    #   total 1,003,808,768 B
    parts = eagle_rank_bytes(_draft(LLAMA_70B_DRAFTER), 4, 1, 2, 128256, "0.34.0")
    assert parts == (469_762_048, 402_653_184, 65_536, 131_072_000, 256_000, 0, 0)
    assert parts.total == 1_003_808_768
    # the plan's weights per GPU grow by that and the drafter's own rotary cache: vLLM 0.34.0
    # raises its max_position_embeddings (4,096) to max_model_len 131,072; its llama3 rope
    # (original 4,096, the target's 8,192) is another get_rope key: 131,072 x 128 x 2 B =
    # 33,554,432 B -> 1,037,363,200 B
    repo = "meta-llama/Meta-Llama-3.1-70B"
    with_draft = _plan(repo, _draft(LLAMA_70B_DRAFTER), 4, vllm_version="0.34.0",
                       max_model_len=131072)
    without = _plan(repo, None, 4, tokens=0, vllm_version="0.34.0", max_model_len=131072)
    assert with_draft.weights_bytes_per_gpu - without.weights_bytes_per_gpu == 1_037_363_200
    formula = next(t.formula for t in with_draft.terms if t.key == "weights")
    assert "EAGLE-3 draft 0.97 GiB" in formula
    assert "its rotary cos/sin cache 131,072 positions x 128 x 2 B = 33,554,432 B" in formula


def test_llama_70b_drafter_kv_joins_the_targets_kind():
    # Its one layer has the target's shape (8 KV heads x 128): 80 + 1 layers of 2 KV heads a
    # GPU at TP 4: 81 x 2 x 2 x 128 x 2 B = 82,944 B a token (80 x 1,024 = 81,920 without)
    p = _plan("meta-llama/Meta-Llama-3.1-70B", _draft(LLAMA_70B_DRAFTER), 4)
    kv = next(t for t in p.terms if t.key == "kv_bytes_per_token_per_gpu")
    assert kv.value == 82_944
    assert kv.formula.startswith("81 layers x [")


def test_qwen3_32b_drafter_of_its_own_head_dim():
    # TP 2, bf16. Weights: qkv 2 x 5,120 x (32 + 2 x 4) x 80 = 32,768,000; o 32 x 80 x 5,120
    # = 13,107,200; MLP 3 x 12,800 x 5,120 = 196,608,000 -> 242,483,200 x 2 B = 484,966,400 B
    # + fc 3 x 5,120 x 5,120 x 2 = 157,286,400 + norms 4 x 5,120 x 2 = 40,960 + lm_head
    # 16,000 x 5,120 x 2 = 163,840,000 + d2t 256,000 = 806,389,760 B.
    # KV: the draft's 4 KV heads a GPU x (80 + 80) x 2 B = 1,280 B a token beside the
    # target's 64 x 4 x 256 x 2 B = 131,072 B: 132,352 B; one group of both shapes (vLLM
    # UniformTypeKVCacheSpecs), a 64-token block = 64 x 131,072 + 64 x 1,280 = 8,470,528 B
    drafter = _draft(QWEN3_32B_DRAFTER)
    assert eagle_rank_bytes(drafter, 2, 1, 2, 151936, "0.34.0").total == 806_389_760
    p = _plan("Qwen/Qwen3-32B", drafter, 2)
    terms = {t.key: t for t in p.terms}
    assert terms["kv_bytes_per_token_per_gpu"].value == 132_352
    assert terms["bytes_per_block"].value == 8_470_528
    assert terms["bytes_per_block"].formula.startswith("64 pages x 131,072 B + 1 page x 81,920 B")


def test_the_drafter_keeps_its_own_embedding_at_pp2():
    # At PP 2 vLLM loads the draft's embed_tokens separately: 128,256 / 2 x 8,192 x 2 B
    # = 1,050,673,152 B more on the last stage's GPUs, none on the first stage's
    drafter = _draft(LLAMA_70B_DRAFTER)
    at_pp1 = eagle_rank_bytes(drafter, 2, 1, 2, 128256, "0.34.0")
    at_pp2 = eagle_rank_bytes(drafter, 2, 2, 2, 128256, "0.34.0")
    assert at_pp2.total - at_pp1.total == at_pp2.embed == 1_050_673_152
    repo = "meta-llama/Meta-Llama-3.1-70B"
    with_draft = _plan(repo, drafter, 2, pp=2, vllm_version="0.34.0", max_model_len=131072)
    without = _plan(repo, None, 2, pp=2, tokens=0, vllm_version="0.34.0", max_model_len=131072)
    added = [a.weights_bytes - b.weights_bytes
             for a, b in zip(with_draft.per_gpu, without.per_gpu, strict=True)]
    rope = 131_072 * 128 * 2  # its own rotary cache, on the last stage only
    assert added == [0, 0, at_pp2.total + rope, at_pp2.total + rope]


def test_d2t_is_built_always_before_0_30():
    # a drafter over the target's whole vocabulary: draft_id_to_target_id (int64) is built
    # anyway in 0.17.0-0.29.0, only for a smaller draft vocabulary from 0.30.0
    whole = _draft(LLAMA_70B_DRAFTER).model_copy(update={"draft_vocab_size": 128256})
    assert eagle_rank_bytes(whole, 4, 1, 2, 128256, "0.29.0").d2t == 128256 * 8
    assert eagle_rank_bytes(whole, 4, 1, 2, 128256, "0.30.0").d2t == 0


def test_the_launch_command_parses_on_every_release_planned():
    drafter = _draft(LLAMA_70B_DRAFTER, "yuhuili/drafter")
    flag = ('--speculative-config \'{"method": "eagle3", "model": "yuhuili/drafter", '
            '"num_speculative_tokens": 3}\'')
    for version in supported_versions():
        if parse_version(version) >= (0, 17, 0):
            p = _plan("meta-llama/Meta-Llama-3.1-70B", drafter, 4, vllm_version=version)
            assert flag in p.vllm_command, version
            assert command_problems(p.vllm_command, vllm_cli(version)) == [], version


@pytest.mark.parametrize(("repo", "version", "tokens", "quoted"), [
    ("Qwen/Qwen3-32B", "0.34.0", 0, "num_speculative_tokens must be provided with "
     "speculative model unless the draft model config contains an n_predict parameter."),
    ("Qwen/Qwen3-32B", "0.16.0", 3, "planned on vLLM 0.17.0 and later"),
    # Qwen3NextForCausalLM and DeepseekV2ForCausalLM (DeepseekV3's base) list SupportsEagle3
    # in 0.34.0 (qwen3_next.py:845, deepseek_v2.py:1878): not planned for their Gated DeltaNet
    # and MLA layers, which the refusal said before as "does not [implement it] in 0.34.0"
    ("Qwen/Qwen3-Next-80B-A3B-Instruct", "0.34.0", 3,
     "Qwen/Qwen3-Next-80B-A3B-Instruct has linear attention layers: Headroom plans an EAGLE-3 "
     "drafter only for targets whose layers are all softmax attention"),
    ("deepseek-ai/DeepSeek-V3", "0.34.0", 3, "deepseek-ai/DeepSeek-V3 has MLA layers: "),
    # gemma2.py's Gemma2ForCausalLM lists no SupportsEagle3 in 0.34.0 (softmax attention only)
    ("google/gemma-2-9b-it", "0.34.0", 3, "Gemma2ForCausalLM in 0.34.0 is not one of them; on "
     "a target class without it vLLM raises \"Model does not support EAGLE3 interface but "
     "aux_hidden_state_outputs was requested\""),
    ("meta-llama/Meta-Llama-3.1-70B", "0.34.0", 3, "has hidden_size 5,120"),
])
def test_refusals(repo, version, tokens, quoted):
    refusals = eagle_refusals(_draft(QWEN3_32B_DRAFTER), catalog_spec(repo), version, tokens,
                              "auto")
    assert len(refusals) == 1 and quoted in refusals[0]


def test_the_minimax_m2_drafter_name_arrives_in_0_20():
    drafter = _draft(QWEN3_32B_DRAFTER).model_copy(
        update={"architecture": "Eagle3MiniMaxM2ForCausalLM"})
    spec = catalog_spec("Qwen/Qwen3-32B")
    assert "\"Model architectures ['Eagle3MiniMaxM2ForCausalLM'] are not supported for now.\"" \
        in eagle_refusals(drafter, spec, "0.19.0", 3, "auto")[0]
    assert eagle_refusals(drafter, spec, "0.20.0", 3, "auto") == ()


@pytest.mark.parametrize(("change", "message"), [
    ({"architectures": ["Qwen3ForCausalLM"]}, "a module other than llama_eagle3.py"),
    ({"architectures": ["GPT2LMHeadModel"]},
     "\"Model architectures ['Eagle3GPT2LMHeadModel'] are not supported for now.\""),
    ({"norm_before_fc": True}, "sets norm_before_fc"),
    ({"speculators_config": {}}, "speculators-format"),
])
def test_drafter_configs_not_sized_are_refused(change, message):
    config = {**json.loads(QWEN3_32B_DRAFTER.read_text(encoding="utf-8")), **change}
    with pytest.raises(DraftError, match=message.replace("[", r"\[").replace("(", r"\(")):
        parse_eagle_draft(config, "drafter")


def _drafter_folder(tmp_path: Path, source: Path) -> Path:
    folder = tmp_path / "drafter"
    folder.mkdir()
    (folder / "config.json").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "model.safetensors").write_bytes(b"")
    return folder


def test_cli_speculative_model(tmp_path, capsys):
    folder = _drafter_folder(tmp_path, QWEN3_32B_DRAFTER)
    code = main(["plan", "--model", "Qwen/Qwen3-32B", "--gpu", "h100-sxm", "--gpus", "2",
                 "--tp", "2", "--speculative-model", str(folder), "--speculative-method",
                 "eagle3", "--num-speculative-tokens", "4", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert doc["kv_bytes_per_token_per_gpu"] == 132_352
    assert doc["engine"]["speculative_draft"]["head_dim"] == 80
    assert (f'"model": "{folder.absolute()}", "num_speculative_tokens": 4'
            in doc["vllm_command"])
    assert any("EAGLE-3 draft tokens" in note for note in doc["speed"]["notes"])


def test_cli_without_a_drafter_keeps_its_json_keys(capsys):
    main(["plan", "--model", "Qwen/Qwen3-32B", "--gpu", "h100-sxm", "--gpus", "2", "--json"])
    assert "speculative_draft" not in json.loads(capsys.readouterr().out)["engine"]


@pytest.mark.parametrize(("given", "message"), [
    ("lone", "is a lone config file"),
    ("empty", "holds no weights"),
])
def test_cli_refuses_a_drafter_vllm_cannot_load(tmp_path, capsys, given, message):
    if given == "lone":
        path = QWEN3_32B_DRAFTER
    else:
        path = tmp_path / "empty"
        path.mkdir()
        (path / "config.json").write_text(QWEN3_32B_DRAFTER.read_text(encoding="utf-8"),
                                          encoding="utf-8")
    code = main(["plan", "--model", "Qwen/Qwen3-32B", "--gpu", "h100-sxm", "--gpus", "2",
                 "--speculative-model", str(path), "--num-speculative-tokens", "2"])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and err.count("\n") == 1


def test_a_drafter_whose_heads_do_not_split_over_tp_is_refused():
    # A drafter of 42 attention heads and 6 KV heads (head_dim 80, hidden 5,120 as Qwen3-32B):
    # at TP 2, 21 and 3 a rank; at TP 4, 42 / 4 and 6 / 4 are not whole, where vLLM's
    # LlamaAttention asserts (llama.py). Before, TP 4 was planned with 10 query heads a rank.
    config = {**json.loads(QWEN3_32B_DRAFTER.read_text(encoding="utf-8")),
              "num_attention_heads": 42, "num_key_value_heads": 6}
    drafter = parse_eagle_draft(config, "drafter")
    assert _plan("Qwen/Qwen3-32B", drafter, tp=2).errors == []
    errors = _plan("Qwen/Qwen3-32B", drafter, tp=4).errors
    assert any("42 attention heads are not divisible by tensor parallel size 4" in e
               for e in errors), errors
    assert any("6 KV heads cannot be split or replicated evenly over tensor parallel size 4"
               in e for e in errors), errors


@pytest.mark.parametrize(("version", "runner", "part"), [
    # Model Runner V2: TargetDependentARSpeculator's hidden_states, 8,192 batched tokens x
    # 5,120 x 2 B, and grammar_bitmask's 1,024 sequences x (1 + 3) rows of cdiv(151,936, 32)
    ("0.34.0", "auto", "EAGLE-3 speculator hidden_states 8,192 x 5,120 x 2 B = 83,886,080 B"),
    ("0.34.0", "auto", "grammar_bitmask 4,096 x 4,748 x 4 B = 77,791,232 B"),
    # Model Runner V1: the EagleProposer's hidden_states and inputs_embeds, 2 x 8,192 x 5,120
    ("0.30.0", "v1", "EAGLE-3 proposer hidden_states + inputs_embeds 2 x 8,192 x 5,120 x 2 B "
     "= 167,772,160 B"),
])
def test_the_drafters_runner_buffers_are_counted(version, runner, part):
    # the drafter's proposer holds the buffers an MTP draft's does (runner_buffers' docstring);
    # before, a target without MTP layers planned them as 0 with a drafter
    drafter = _draft(QWEN3_32B_DRAFTER)
    result = _plan("Qwen/Qwen3-32B", drafter, tp=2, vllm_version=version, model_runner=runner)
    assert any(part in term.formula for term in result.terms), [t.formula for t in result.terms]


@pytest.mark.parametrize(("change", "message"), [
    # 64 heads over 128 or 48 KV heads: 64 % 128 = 64, 64 % 48 = 16 (Attention's assert).
    ({"num_key_value_heads": 128},
     '"num_heads (64) is not divisible by num_kv_heads (128)"'),
    ({"num_key_value_heads": 48}, '"num_heads (64) is not divisible by num_kv_heads (48)"'),
    ({"hidden_act": "gelu"}, '"Unsupported activation: gelu. Only silu is supported for now."'),
    ({"rope_scaling": {"rope_type": "yarn", "original_max_position_embeddings": 4096}},
     "rope_type 'yarn' but no factor"),
    ({"rope_scaling": {"rope_type": "linear"}}, "rope_type 'linear' but no factor"),
    ({"rope_theta": "1e6"}, "rope_theta is a string"),
])
def test_drafter_configs_vllm_fails_to_build_are_refused(change, message):
    config = {**json.loads(QWEN3_32B_DRAFTER.read_text(encoding="utf-8")), **change}
    with pytest.raises(DraftError) as caught:
        parse_eagle_draft(config, "drafter")
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_a_drafter_leaving_hidden_act_out_is_llama_configs_silu():
    # LlamaConfig's hidden_act default is "silu", which vLLM's LlamaMLP builds.
    config = json.loads(QWEN3_32B_DRAFTER.read_text(encoding="utf-8"))
    del config["hidden_act"]
    assert parse_eagle_draft(config, "drafter").num_kv_heads == 8


def test_cli_refuses_a_drafter_of_more_kv_heads_than_heads(tmp_path, capsys):
    folder = tmp_path / "drafter"
    folder.mkdir()
    config = {**json.loads(QWEN3_32B_DRAFTER.read_text(encoding="utf-8")),
              "num_key_value_heads": 128}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (folder / "model.safetensors").write_bytes(b"")
    code = main(["plan", "--model", "Qwen/Qwen3-32B", "--gpu", "h100-sxm", "--gpus", "2",
                 "--speculative-model", str(folder), "--num-speculative-tokens", "2"])
    err = capsys.readouterr().err
    assert code == 2
    assert '"num_heads (64) is not divisible by num_kv_heads (128)"' in err
    assert err.count("\n") == 1


def test_a_draft_vocabulary_larger_than_the_vocabulary_is_refused():
    # llama_eagle3.py compute_logits (0.17.0-0.34.0) writes draft id i's logit to target id
    # i + d2t[i] of a row config.vocab_size = 151,936 wide: with draft_vocab_size 151,937 draft
    # id 151,936 lands at 151,936 + d2t[151,936], past the row for any d2t >= 0 (zeros where
    # the checkpoint holds none). vLLM builds it (lm_head and d2t of 151,937 rows) and fails
    # at the first draft; before, Headroom planned it.
    config = {**json.loads(QWEN3_32B_DRAFTER.read_text(encoding="utf-8")),
              "draft_vocab_size": 151_937}
    with pytest.raises(DraftError) as caught:
        parse_eagle_draft(config, "drafter")
    message = str(caught.value)
    assert "has draft_vocab_size 151,937, more than its vocab_size 151,936" in message
    assert "`logits_new[:, targets] = logits`, line 385 in 0.34.0" in message
    assert "\n" not in message
    # at the vocabulary itself every draft id i maps to i + d2t[i] = i (no d2t from 0.30.0)
    whole = parse_eagle_draft({**config, "draft_vocab_size": 151_936}, "drafter")
    assert whole.draft_vocab_size == 151_936


def test_cli_refuses_a_draft_vocabulary_larger_than_the_vocabulary(tmp_path, capsys):
    folder = _drafter_folder(tmp_path, QWEN3_32B_DRAFTER)
    config = {**json.loads(QWEN3_32B_DRAFTER.read_text(encoding="utf-8")),
              "draft_vocab_size": 200_000}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    code = main(["plan", "--model", "Qwen/Qwen3-32B", "--gpu", "h100-sxm", "--gpus", "2",
                 "--speculative-model", str(folder), "--num-speculative-tokens", "3"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "has draft_vocab_size 200,000, more than its vocab_size 151,936" in err


def test_a_drafter_mlp_that_does_not_split_over_tp_is_refused():
    # intermediate_size 25,601 (SpecForge's Qwen3-32B drafter's 25,600 + 1): 25,601 % 2 = 1,
    # where vLLM's gate_up_proj (MergedColumnParallelLinear) asserts each output size splits
    # over TP. Before, TP 2 was planned with 25,601 // 2 = 12,800 columns a rank.
    config = {**json.loads(QWEN3_32B_DRAFTER.read_text(encoding="utf-8")),
              "intermediate_size": 25_601}
    drafter = parse_eagle_draft(config, "drafter")
    assert not any("intermediate_size" in e for e in _plan("Qwen/Qwen3-32B", drafter, tp=1).errors)
    errors = _plan("Qwen/Qwen3-32B", drafter, tp=2).errors
    assert any("intermediate_size 25,601 is not divisible by tensor parallel size 2" in e
               for e in errors), errors


def _term(result, key):
    return next(t for t in result.terms if t.key == key)


@pytest.mark.parametrize(("version", "runner", "profile", "graphs", "fewer"), [
    # V1 (gpu_model_runner.py _dummy_run -> llm_base_proposer.py dummy_run): the drafter's
    # forward over the profile run's 8,192 batched tokens (the H100 default), k = 3 times; one
    # piecewise drafter graph per capture size (not counted). The target's graphs at the H100
    # default of 1,024 sequences: largest min(1,024 x 4 x 2, 512) = 512, the 51 sizes 1, 2,
    # 4, 8..248 by 8, 256..512 by 16 (the 0.29+ decode sizes n x 4, n = 1, 2, 4, 8..128 by 8,
    # are among them) rounded up to multiples of 4: 4, 8..248, 256..512 = 1 + 31 + 17 = 49
    # piecewise, all 49 within 4..4,096 tokens full: 98 graphs, 4 fewer than 51 + 51
    ("0.30.0", "v1", "runs the EAGLE-3 drafter's forward over the same 8,192 tokens 3 times",
     "the EAGLE-3 drafter's own piecewise graphs, one per piecewise capture size", 4),
    # V2 (v1/worker/gpu/model_runner.py _dummy_run -> speculator.propose(dummy_run=True));
    # 0.34.0 off SM100: the 51 sizes piecewise as they are, full decode graphs for the request
    # counts ceil(size / 4): 1 (1, 2, 4), 2..62 by 2 (8..248), 64..128 by 4 (256..512) = 49:
    # 100 graphs, 2 fewer. Its propose: the draft prefill (draft token 0) + k - 1 = 2 one-token
    # steps (target_dependent_ar/speculator.py: `if num_speculative_tokens <= 1: return`, then
    # _run_multi_step_decode over range(1, 3)), 3 passes as V1's
    ("0.34.0", "auto", "a draft prefill over the same 8,192 tokens, which samples draft token 0, "
     "then 2 one-token draft steps, each sampled (`range(1, "
     "num_speculative_steps)`): 3 passes in all",
     "captures the speculator's own graphs (model_runner.py capture_model: speculator.capture)",
     2),
])
def test_the_drafters_start_up_share_is_named_its_graphs_counted(version, runner, profile,
                                                                 graphs, fewer):
    repo = "meta-llama/Meta-Llama-3.1-70B"
    with_draft = _plan(repo, _draft(LLAMA_70B_DRAFTER), 4, vllm_version=version,
                       model_runner=runner)
    without = _plan(repo, None, 4, tokens=0, vllm_version=version, model_runner=runner)
    assert profile in _term(with_draft, "activation").note
    note = _term(with_draft, "cuda_graphs").note
    assert graphs in note and "the count follows the capture sizes a draft of 3 tokens moves, 4 " \
        "tokens a decode request" in note
    # the profile run is named only; the target's graphs follow the draft's capture sizes at
    # int(8.4 x 2^20) = 8,808,038 B a graph
    assert _term(with_draft, "activation").value == _term(without, "activation").value
    assert _term(without, "cuda_graphs").value - _term(with_draft, "cuda_graphs").value == \
        fewer * 8_808_038
    for key in ("activation", "cuda_graphs"):
        assert "draft" not in _term(without, key).note


def test_the_mtp_drafts_start_up_share_is_named_on_the_last_stage_only():
    # DeepSeek-V3's MTP layer is built on the last stage (the drafter's `is_last_rank`); at
    # PP 2 the binding worker's notes name it only where that worker is on the last stage
    spec = catalog_spec("deepseek-ai/DeepSeek-V3")
    engine = EngineSettings(max_model_len=4096, max_num_batched_tokens=8192,
                            num_speculative_tokens=1, vllm_version="0.30.0", model_runner="v1")
    one = plan(PlanRequest(model=spec, cluster=preset_cluster("h200", 8),
                           layout=ParallelLayout(tp=8), engine=engine))
    assert "the MTP draft's forward over the same 8,192 tokens 1 time (" in _term(
        one, "activation").note
    assert "a draft of 1 token moves, 2 tokens a decode request" in _term(
        one, "cuda_graphs").note
    two = plan(PlanRequest(model=spec, cluster=preset_cluster("h200", 16),
                           layout=ParallelLayout(tp=8, pp=2), engine=engine))
    binding = next(g for g in two.per_gpu if g.rank == two.binding_rank)
    named = "the MTP draft's own piecewise graphs" in _term(two, "cuda_graphs").note
    assert named is (binding.pp_stage == 1)


def test_the_mtp_drafts_note_says_releases_before_0_17_were_not_read():
    engine = EngineSettings(max_model_len=4096, max_num_batched_tokens=8192,
                            num_speculative_tokens=1, vllm_version="0.16.0")
    result = plan(PlanRequest(model=catalog_spec("deepseek-ai/DeepSeek-V3"),
                              cluster=preset_cluster("h200", 8), layout=ParallelLayout(tp=8),
                              engine=engine))
    for key in ("activation", "cuda_graphs"):
        assert "(the 0.17.0-0.34.0 sources; vLLM 0.16.0's not read)" in _term(result, key).note


@pytest.mark.parametrize("theta", [float("nan"), float("inf"), -1, 0])
def test_a_drafter_rope_theta_vllm_serves_garbage_with_is_warned_as_a_targets(theta):
    # vLLM's RotaryEmbedding._compute_inv_freq takes 1 / base ** (i / rotary_dim) (0.34.0
    # rotary_embedding/base.py) for the drafter's LlamaAttention as for the target's: NaN, inf,
    # a negative or a zero base give inf or NaN frequencies and vLLM builds it with no error.
    # The target's parser warns of it (leftovers.garbage_number_warnings); the drafter's was
    # planned without a word. The same warning, naming the drafter, among the plan's.
    config = {**json.loads(QWEN3_32B_DRAFTER.read_text(encoding="utf-8")), "rope_theta": theta}
    drafter = parse_eagle_draft(config, "drafter")
    words = (f"the drafter config of drafter: rope_theta {theta}: vLLM's rotary embedding "
             "takes 1 / rope_theta ** (i / rotary_dim), inf or NaN at this base; vLLM loads "
             "the model and serves garbage")
    assert [w[:len(words)] for w in drafter.warnings] == [words]
    result = _plan("Qwen/Qwen3-32B", drafter, tp=2)
    assert sum(w.startswith(words) for w in result.warnings) == 1
    # kept through the engine's JSON (the CLI rebuilds the engine from it for --revision)
    engine = result.engine.model_dump(mode="json")
    assert EngineSettings(**engine).speculative_draft.warnings == drafter.warnings


def test_a_sound_drafter_config_adds_no_warning():
    assert _draft(QWEN3_32B_DRAFTER).warnings == ()


@pytest.mark.parametrize("command", ["sweep", "recommend"])
def test_sweep_and_recommend_give_the_drafters_warning_beside_the_models(tmp_path, capsys,
                                                                         command):
    folder = _drafter_folder(tmp_path, QWEN3_32B_DRAFTER)
    config = {**json.loads(QWEN3_32B_DRAFTER.read_text(encoding="utf-8")),
              "rope_theta": float("nan")}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    gpus = ["--gpus", "2"] if command == "sweep" else []
    code = main([command, "--model", "Qwen/Qwen3-32B", "--gpu", "h100-sxm", *gpus,
                 "--speculative-model", str(folder), "--num-speculative-tokens", "3", "--json"])
    assert code == 0
    warned = json.loads(capsys.readouterr().out)["model_warnings"]
    assert [w for w in warned if "rope_theta nan" in w] == [
        f"the drafter config of {folder.absolute()}: rope_theta nan: vLLM's rotary embedding "
        "takes 1 / rope_theta ** (i / rotary_dim), inf or NaN at this base; vLLM loads the "
        "model and serves garbage, with no error (the plan is sized as given: check the "
        "config)"]
