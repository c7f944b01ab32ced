"""VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 (EngineSettings.allow_long_max_model_len,
planner.serving.long_len): a --max-model-len past the derived one planned as vLLM serves it.

By hand, from Qwen3-8B's config.json (the catalog's, the same JSON as
/work/shared/model-configs/Qwen__Qwen3-8B.json): 36 layers, 8 KV heads, head_dim 128, bf16,
max_position_embeddings 40,960, rope_scaling null, so vLLM derives 40,960 (config/model.py
_get_and_verify_max_len) and refuses 65,536 without the variable. KV bytes a token:
2 (K and V) x 36 x 8 x 128 x 2 B = 147,456 B. Read in the wheels: the warning's words
(config.py 0.9.1-0.10.1; config/__init__.py 0.10.2; config/model.py 0.11.0-0.34.0) and
qwen3.py's get_rope(max_position=config.max_position_embeddings) in every wheel.
"""

import math
from functools import cache

import pytest

from planner.catalog import catalog_spec
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed import _context
from planner.serving.speed import stages as speed_stages
from planner.serving.speed.coefficients import FITTED
from planner.serving.vllm_cli import command_problems, vllm_cli
from planner.serving.weights import rope_cache_reach

_spec = cache(catalog_spec)
QWEN3_8B = "Qwen/Qwen3-8B"
KV_BYTES_PER_TOKEN = 2 * 36 * 8 * 128 * 2  # 147,456 B
ENV = "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 "


def _plan(length: int, allow: bool, version: str = "0.34.0", spec=None):
    """Qwen3-8B (or `spec`) on one H100 at --max-model-len `length`."""
    return plan(PlanRequest(
        model=spec or _spec(QWEN3_8B), cluster=preset_cluster("h100-sxm", 1, 1),
        layout=ParallelLayout(), engine=EngineSettings(
            vllm_version=version, max_model_len=length, allow_long_max_model_len=allow)))


def test_qwen3_8b_at_65536_by_hand() -> None:
    p = _plan(65_536, True)
    assert p.fits and p.kv_bytes_per_token == KV_BYTES_PER_TOKEN
    # The KV pool by hand: vLLM 0.34.0 as the launch command runs it (extensible KV cache off),
    # the OpenAI server's defaults on a >= 70 GiB GPU (engine/arg_utils.py: 1,024 sequences,
    # 8,192 batched tokens), one H100 SXM, Model Runner V2 (LlamaForCausalLM's family).
    # - budget: request_memory takes math.ceil(total x gpu_memory_utilization)
    #   (v1/worker/utils.py), 0.92 by default (config/cache.py DEFAULT_GPU_MEMORY_UTILIZATION);
    #   the H100 preset's CUDA total 79.19 GiB (vLLM logs, hardware/presets.py) = round(79.19 x
    #   2^30) = 85,029,615,043 B: ceil(78,227,245,839.56) = 78,227,245,840 B
    total = 85_029_615_043
    budget = math.ceil(total * 0.92)
    # - weights, bf16: embed_tokens and the untied lm_head 151,936 x 4,096 = 622,329,856 each;
    #   a layer's q/o 4,096 x 4,096 x 2 + k/v 4,096 x 1,024 x 2 = 41,943,040, q/k norms 2 x 128,
    #   MLP 3 x 4,096 x 12,288 = 150,994,944, its 2 norms 8,192: 192,946,432 x 36 =
    #   6,946,071,552; + final norm 4,096: 8,190,735,360 params x 2 B, + qwen3.py's rotary
    #   cos/sin cache 40,960 (max_position_embeddings) x 128 x 2 B = 10,485,760
    weights = (2 * 151_936 * 4_096 + 36 * (2 * 4_096 * 4_096 + 2 * 4_096 * 1_024 + 2 * 128
                                          + 3 * 4_096 * 12_288 + 2 * 4_096) + 4_096) * 2 \
        + 40_960 * 128 * 2
    # - activation: the profile run's peak, the calibrated fit (engine/activation.py, fitted on
    #   the v0.19 H100 start-ups of ../shared/calibration): 3.637 x min(1,024, 8,192) seqs x
    #   151,936 vocab x 4 B + 0.308 x 8,192 tokens x (4,096 hidden + 2 x 12,288 gate_up) x 2 B
    #   = 2,263,413,686.3 + 144,686,710.8 = 2,408,100,397 B (no routed experts)
    activation = int(3.637 * 1_024 * 151_936 * 4 + 0.308 * 8_192 * (4_096 + 2 * 12_288) * 2)
    # - non-torch: the CUDA context, 0.25 GiB measured at TP 1 (VLLM_ACCOUNTING section 5;
    #   engine/non_torch.py CONTEXT_BYTES)
    non_torch = 2**30 // 4
    # - runner buffers, counted from 0.27.0 (runner_buffers.py): V2's output_bin_counts
    #   1,024 x 151,936 int32, prompt_bin_mask and grammar_bitmask 1,024 x cdiv(151,936, 32) =
    #   4,748 int32 each, the sampler's per-request tables 4,481 x 4 = 17,924 B a request
    #   (sample/logit_bias.py, bad_words.py, logprob sizes 3 x 1,024 + 128 + 1,024 + 129 + 128)
    runner = 1_024 * 151_936 * 4 + 2 * 1_024 * 4_748 * 4 + 1_024 * 17_924
    # - CUDA graphs: 51 capture sizes (1, 2, 4; 8-248 by 8: 31; 256-512 by 16: 17; largest
    #   min(2 x 1,024, 512)), each piecewise and, within 1,024 sequences, full: 102 x 8.4 MiB
    #   (the fitted per-graph figure, int(8.4 x 2^20) = 8,808,038 B: engine/cuda_graphs.py)
    graphs = 102 * 8_808_038
    rank = p.per_gpu[p.binding_rank]
    assert (rank.budget_bytes, rank.weights_bytes, rank.activation_bytes, rank.non_torch_bytes,
            rank.runner_buffer_bytes, rank.cuda_graph_bytes) == (
        budget, weights, activation, non_torch, runner, graphs) == (
        78_227_245_840, 16_391_956_480, 2_408_100_397, 268_435_456, 679_579_648, 898_419_876)
    # the pool is what is left: 78,227,245,840 - 16,391,956,480 - 2,408,100,397 - 268,435,456
    # - 679,579,648 - 898,419,876 = 57,580,753,983 B
    pool = rank.kv_cache_bytes
    assert pool == budget - weights - activation - non_torch - runner - graphs == 57_580_753_983
    # 64-token blocks on this GPU and release: 64 x 147,456 = 9,437,184 B a block; the pool
    # // 9,437,184 = 6,101 blocks (6,101.4) = 390,464 tokens; a request of 65,536 tokens
    # takes 1,024 blocks: 6,101 x 64 / 65,536 = 5.958 requests
    assert p.block_size == 64
    assert p.num_gpu_blocks == pool // (64 * KV_BYTES_PER_TOKEN) == 6_101
    assert p.kv_cache_tokens == 6_101 * 64 == 390_464
    assert p.max_concurrency == pytest.approx(6_101 * 64 / 65_536)
    # vLLM admits requests up to --max-model-len itself (the derived 40,960 no longer binds)
    assert p.max_context_tokens == 65_536
    # not a confident fit: the verdict names what is not modelled, the warning quotes vLLM
    assert p.verdict.startswith("Fits (unmodelled: output past the model's 40,960 tokens "
                                "(VLLM_ALLOW_LONG_MAX_MODEL_LEN=1)): 6,101 blocks = 390,464 KV "
                                "tokens, 5.96 concurrent requests at 65,536 tokens")
    assert any("VLLM_ALLOW_LONG_MAX_MODEL_LEN must be used with extreme caution. If the model "
               "uses relative position encoding (RoPE), positions exceeding "
               "derived_max_model_len lead to nan." in w and "past 40,960 tokens reads past it"
               in w for w in p.warnings)
    assert p.vllm_command.startswith(ENV + "vllm serve Qwen/Qwen3-8B --max-model-len 65536 ")


def test_the_memory_is_the_refused_plans_and_the_rope_cache_the_configs() -> None:
    allowed, refused = _plan(65_536, True), _plan(65_536, False)
    # the variable changes vLLM's check only: every figure at 65,536 is the refused plan's
    assert (allowed.kv_cache_tokens, allowed.per_gpu, allowed.num_gpu_blocks) == (
        refused.kv_cache_tokens, refused.per_gpu, refused.num_gpu_blocks)
    # vLLM still builds the cos/sin cache for max_position_embeddings: 40,960 rows x 128 x 2 B
    # = 10,485,760 B beside 8,190,735,360 params x 2 B; a config that said 65,536 would hold
    # 65,536 x 128 x 2 = 16,777,216 B
    assert allowed.per_gpu[0].weights_bytes == 8_190_735_360 * 2 + 10_485_760
    config = _spec(QWEN3_8B).model_copy(update={"max_position_embeddings": 65_536,
                                                "window": None})
    longer = _plan(65_536, False, spec=config)
    assert longer.per_gpu[0].weights_bytes == 8_190_735_360 * 2 + 16_777_216


MSG = ("User-specified max_model_len (65536) is greater than the derived max_model_len "
       "(max_position_embeddings=40960 or model_max_length=None in model's config.json).")
# from 0.12.0 vLLM multiplies Qwen3-8B's length by scaling_factor = 1.0 (rope_parameters from
# its rope_theta; config/model.py, 0.12.0 and 0.34.0 wheels) and prints the float
MSG_FLOAT = MSG.replace("=40960 ", "=40960.0 ")


@pytest.mark.parametrize(("version", "refusal"), [
    # config.py (0.9.1, 0.10.0 wheels), config/__init__.py (0.10.1): msg ends "This may lead to
    # incorrect model outputs or CUDA errors.", then f"{msg} To allow overriding this maximum,
    # set the env var VLLM_ALLOW_LONG_MAX_MODEL_LEN=1" (no full stop)
    ("0.9.1", f"{MSG} This may lead to incorrect model outputs or CUDA errors. To allow "
     "overriding this maximum, set the env var VLLM_ALLOW_LONG_MAX_MODEL_LEN=1"),
    ("0.10.1", f"{MSG} This may lead to incorrect model outputs or CUDA errors. To allow "
     "overriding this maximum, set the env var VLLM_ALLOW_LONG_MAX_MODEL_LEN=1"),
    # 0.10.2 on (config/__init__.py; config/model.py 0.11.1, 0.12.0, 0.34.0):
    # f"{msg} To allow overriding this maximum, set the env var
    # VLLM_ALLOW_LONG_MAX_MODEL_LEN=1. {warning}"
    ("0.10.2", f"{MSG} To allow overriding this maximum, set the env var "
     "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1. VLLM_ALLOW_LONG_MAX_MODEL_LEN must be used with extreme "
     "caution. If the model uses relative position encoding (RoPE), positions exceeding "
     "derived_max_model_len lead to nan. If the model uses absolute position encoding, "
     "positions exceeding derived_max_model_len will cause a CUDA array out-of-bounds error."),
    ("0.34.0", f"{MSG_FLOAT} To allow overriding this maximum, set the env var "
     "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1. VLLM_ALLOW_LONG_MAX_MODEL_LEN must be used with extreme "
     "caution. If the model uses relative position encoding (RoPE), positions exceeding "
     "derived_max_model_len lead to nan. If the model uses absolute position encoding, "
     "positions exceeding derived_max_model_len will cause a CUDA array out-of-bounds error."),
])
def test_without_the_flag_vllms_refusal_in_its_words(version, refusal) -> None:
    p = _plan(65_536, False, version)
    assert not p.fits and not p.vllm_command
    assert p.errors[0] == refusal
    assert p.max_context_tokens == 40_960


def test_within_the_derived_length_the_flag_changes_nothing() -> None:
    off, on = _plan(32_768, False), _plan(32_768, True)
    assert on.vllm_command == off.vllm_command and not on.vllm_command.startswith(ENV)
    assert on.verdict == off.verdict and on.verdict.startswith("Fits: ")


@pytest.mark.parametrize(("version", "said"), [
    # 0.9.1-0.10.1: msg + " This may lead to incorrect model outputs or CUDA errors." then
    # "%s Make sure the value is correct and within the model context size."
    ("0.9.1", "config.json). This may lead to incorrect model outputs or CUDA errors. Make "
     "sure the value is correct and within the model context size."),
    ("0.10.1", "This may lead to incorrect model outputs or CUDA errors."),
    # from 0.10.2: logger.warning_once("%s %s", msg, warning); the length as vLLM prints it:
    # the int 40960 up to 0.11.x (Qwen3-8B's rope_scaling is null: nothing multiplied), 40960
    # x scaling_factor 1.0 = 40960.0 from 0.12.0
    ("0.10.2", "(max_position_embeddings=40960 or model_max_length=None in model's "
     "config.json). VLLM_ALLOW_LONG_MAX_MODEL_LEN must be used with extreme caution."),
    ("0.20.0", "(max_position_embeddings=40960.0 or model_max_length=None in model's "
     "config.json). VLLM_ALLOW_LONG_MAX_MODEL_LEN must be used with extreme caution."),
    ("0.20.0", "will cause a CUDA array out-of-bounds error."),
])
def test_vllms_warning_in_its_words_and_a_command_its_parser_takes(version, said) -> None:
    p = _plan(65_536, True, version)
    assert p.fits and any(said in w for w in p.warnings), p.warnings
    assert p.vllm_command.startswith(ENV)
    # vLLM's parser never sees the environment: the rest parses under that release
    assert command_problems(p.vllm_command.removeprefix(ENV), vllm_cli(version)) == []


def test_minimax_m2_builds_its_cache_for_max_model_len() -> None:
    # minimax_m2.py (every wheel 0.11.1-0.34.0): get_rope's max_position =
    # max(max_position_embeddings, max_model_len), a cache [rows, rotary_dim] in the model
    # dtype (get_rope's torch.get_default_dtype()). MiniMax-M2.5's config.json: max_position_
    # embeddings 196,608, rotary_dim 64 (head_dim 128), no rope scaling; served in bf16.
    # At 262,144: 262,144 x 64 x 2 B = 33,554,432 B on every GPU, not 196,608 x 64 x 2 B =
    # 25,165,824: 8,388,608 B more weights; the verdict leaves out only the output
    spec = _spec("MiniMaxAI/MiniMax-M2.5")

    def at(length: int, allow: bool):
        return plan(PlanRequest(model=spec, cluster=preset_cluster("h200", 8, 1),
                                layout=ParallelLayout(tp=8), engine=EngineSettings(
                                    max_model_len=length, allow_long_max_model_len=allow)))

    def rope(p) -> int:
        [weights] = [t for t in p.terms if t.key == "weights"]
        return int(weights.inputs["rope_cache_bytes"])

    own, long = at(196_608, False), at(262_144, True)
    assert rope(own) == 196_608 * 64 * 2 == 25_165_824
    assert rope(long) == 262_144 * 64 * 2 == 33_554_432
    assert (long.per_gpu[long.binding_rank].weights_bytes
            - own.per_gpu[own.binding_rank].weights_bytes) == 8_388_608
    assert ("rotary cos/sin cache over max_model_len: 262,144 rows x 64 x 2 B = 33,554,432 B "
            "(minimax_m2.py: max(max_position_embeddings, max_model_len))") in long.terms[
        [t.key for t in long.terms].index("weights")].formula
    assert long.verdict.startswith("Fits (unmodelled: output past the model's 196,608 tokens "
                                   "(VLLM_ALLOW_LONG_MAX_MODEL_LEN=1)): ")
    [said] = [w for w in long.warnings if "minimax_m2.py" in w]
    assert "the weights count its 262,144 rows" in said and "not in the weights" not in said
    # another model past its length keeps the config's rows: Qwen3-8B (qwen3.py's get_rope
    # max_position=config.max_position_embeddings), 40,960 x head_dim 128 x 2 B
    qwen = _plan(65_536, True)
    assert rope(qwen) == 40_960 * 128 * 2


def test_the_json_dump_keeps_its_keys_while_off() -> None:
    assert "allow_long_max_model_len" not in EngineSettings().model_dump()
    assert EngineSettings(allow_long_max_model_len=True).model_dump()[
        "allow_long_max_model_len"] is True


def _long_note(p) -> str:
    [said] = [w for w in p.warnings if w.startswith("vLLM warns at start-up")]
    return said.partition(" Headroom: ")[2]


def test_the_warning_says_where_the_models_rotary_cache_ends() -> None:
    # What a request past the derived length meets is the cos/sin cache's rows, not the
    # derived length (weights.rope_cache_reach):
    # - Qwen3-VL-32B (text_config: max_position_embeddings 262,144, rope_scaling with
    #   mrope_section, rope_type default): vLLM 0.30.0's MRotaryEmbedding builds it over
    #   cache_max_position_num = 262,144 x 4 = 1,048,576 positions (rotary_embedding/mrope.py
    #   of the 0.30.0 wheel), so a 300,000-token request stays inside it; 0.34.0's qwen3_vl.py
    #   passes mrope_positions_factor 1 (no video pruning): 262,144 rows, read past
    # - Nemotron-H-56B-Base-8K: nemotron_h.py (0.34.0 wheel) calls no get_rope: no cache at all
    # - Qwen3-8B: get_rope(max_position=40,960), one row a position: read past
    vl = catalog_spec("Qwen/Qwen3-VL-32B-Instruct")

    def vl_at(version: str):
        return plan(PlanRequest(model=vl, cluster=preset_cluster("h100-sxm", 2, 1),
                                layout=ParallelLayout(tp=2), engine=EngineSettings(
                                    vllm_version=version, max_model_len=300_000,
                                    allow_long_max_model_len=True)))

    assert _long_note(vl_at("0.30.0")).startswith(
        "vLLM builds its rotary cos/sin cache over 1,048,576 positions (the weights term's "
        "rows), so a request of 300,000 tokens stays inside it; ")
    assert _long_note(vl_at("0.34.0")).startswith(
        "vLLM builds its rotary cos/sin cache over 262,144 positions (get_rope's max_position; "
        "the weights term's rows), so a request past 262,144 tokens reads past it; ")
    nemotron = plan(PlanRequest(
        model=catalog_spec("nvidia/Nemotron-H-56B-Base-8K"),
        cluster=preset_cluster("h100-sxm", 2, 1), layout=ParallelLayout(tp=2),
        engine=EngineSettings(max_model_len=16_384, allow_long_max_model_len=True)))
    assert _long_note(nemotron).startswith(
        "this model has no rotary embedding (vLLM builds no cos/sin cache for it), so no "
        "position reads past one; ")
    assert "rotary cos/sin cache" not in nemotron.terms[
        [t.key for t in nemotron.terms].index("weights")].formula
    assert _long_note(_plan(65_536, True)).endswith(
        "over 40,960 positions (get_rope's max_position; the weights term's rows), so a request "
        "past 40,960 tokens reads past it; the memory figures hold at the length asked, what "
        "the model outputs past 40,960 is not modelled.")


def test_the_reach_is_the_fewest_rows_of_the_models_caches() -> None:
    # Gemma 3 27B: max_position_embeddings 131,072, rope_scaling linear x 8: the global cache
    # 131,072 x 8 = 1,048,576 rows (LinearScalingRotaryEmbedding), the sliding layers' local
    # rope 131,072 rows (weights._rope_cache_bytes' rope_local): a position past 131,072
    # reads past the local one. MiniMax-M2.5 served at 262,144: max(196,608, 262,144) rows.
    assert rope_cache_reach(catalog_spec("google/gemma-3-27b-it")) == 131_072
    assert rope_cache_reach(_spec("MiniMaxAI/MiniMax-M2.5"), 1, 262_144) == 262_144
    assert rope_cache_reach(catalog_spec("Qwen/Qwen3-VL-32B-Instruct"), 4) == 262_144 * 4
    assert rope_cache_reach(catalog_spec("nvidia/Nemotron-H-56B-Base-8K")) == 0


def test_the_speed_model_holds_minimax_m2s_cache_at_the_plans_length(ref_config,
                                                                     monkeypatch) -> None:
    # The speed model weighs each rank by the plan's weights (speed.stages._rank_weights picks
    # the busiest rank by them) under the plan's load rules, rope_cache_positions included:
    # at the length the plan resolves, the one given, else the release's start (the window's
    # start, plan.derive). MiniMax-M2.5 (max_position_embeddings 196,608, rotary_dim 64, bf16)
    # on 8 H200s at TP 8, its cache 262,144 x 64 x 2 B = 33,554,432 B (not 196,608 x 64 x 2 B
    # = 25,165,824) both where --max-model-len 262,144 is given under
    # VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 and where none is given and the config's model_max_length
    # 262,144 sets vLLM's start (config/model.py _get_and_verify_max_len: model_max_length
    # replaces the length keys), which the speed model read as 196,608 rows before.
    config, quant = ref_config("MiniMaxAI__MiniMax-M2.5")
    held = []

    def spy(*args, **kwargs):
        held.append(rank_weights(*args, **kwargs))
        return held[-1]

    rank_weights = speed_stages.rank_weights
    monkeypatch.setattr(speed_stages, "rank_weights", spy)
    for name, cfg, engine in (
            ("given", config, EngineSettings(max_model_len=262_144,
                                             allow_long_max_model_len=True)),
            ("model_max_length", {**config, "model_max_length": 262_144}, EngineSettings())):
        # a spec of its own: the speed model's memos, keyed by the spec object, start empty
        request = PlanRequest(model=parse_model_config(cfg, quant, name=name),
                              cluster=preset_cluster("h200", 8, 1), layout=ParallelLayout(tp=8),
                              engine=engine)
        p = plan(request)
        [weights] = [t for t in p.terms if t.key == "weights"]
        held.clear()
        _context(request, FITTED, p.max_num_batched_tokens)
        [ranks] = held
        assert p.max_model_len == 262_144
        assert int(weights.inputs["rope_cache_bytes"]) == 262_144 * 64 * 2 == 33_554_432
        assert {r.rope_cache_bytes for r in ranks} == {33_554_432}
        assert [r.total_bytes for r in ranks] == [g.weights_bytes for g in p.per_gpu]
