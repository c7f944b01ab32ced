"""The max_model_len vLLM derives from config.json, per release (engine.derived_max_model_len,
default_max_model_len).

Every expected window is worked by hand from the config's numbers and the rule read in the
vLLM wheels' config/model.py _get_and_verify_max_len (config.py / config/__init__.py before
0.11; `pip download vllm==X --no-deps`, unzipped): the release each rule changed in is named
beside its case (planner.serving.vllm_versions *_WINDOW_* constants).
"""

import json
from pathlib import Path

import pytest

from planner.catalog import catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.model.spec import ConfigError
from planner.serving.engine import EngineSettings, default_max_model_len, derived_max_model_len
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan

CONFIGS = Path(__file__).parents[2] / "fixtures" / "configs"
QWEN3_8B = json.loads((CONFIGS / "Qwen__Qwen3-8B.json").read_text())  # max_position 40,960


def qwen(**update) -> dict:
    """Qwen3-8B's config.json with keys changed (None: removed)."""
    config = {**QWEN3_8B, **update}
    return {k: v for k, v in config.items() if v is not None}


def window(config: dict, release: str, **kw) -> tuple[int, int]:
    """(limit, default) of vLLM `release` for a config.json dict."""
    spec = parse_model_config(config, **kw)
    version = tuple(int(x) for x in release.split("."))
    return derived_max_model_len(spec, version), default_max_model_len(spec, version)


@pytest.mark.parametrize(("repo", "release", "expected"), [
    # llama3 is never scaled: max_position_embeddings 131,072 in every release
    ("meta-llama/Llama-3.1-8B-Instruct", "0.9.1", 131_072),
    ("meta-llama/Llama-3.1-8B-Instruct", "0.33.0", 131_072),
    # yarn 40 x original 4,096 = 163,840 up to 0.29; from 0.30 max_position_embeddings 163,840
    ("deepseek-ai/DeepSeek-V3", "0.29.0", 163_840),
    ("deepseek-ai/DeepSeek-V3", "0.30.0", 163_840),
    # gpt-oss: yarn 32 x 4,096 = 131,072 = max_position_embeddings
    ("openai/gpt-oss-20b", "0.19.0", 131_072),
    ("openai/gpt-oss-20b", "0.33.0", 131_072),
    # Gemma-3: "gemma3" in the text model_type skips the linear x 8; text_config has no
    # max_position_embeddings, so Gemma3TextConfig's 131,072 (not 1,048,576)
    ("google/gemma-3-12b-it", "0.19.0", 131_072),
    # Gemma-4: rope_parameters nested by layer type, proportional / default without a
    # factor (x 1): text_config.max_position_embeddings 262,144
    ("google/gemma-4-26B-A4B", "0.33.0", 262_144),
    # phi-4 (phi3, no rope_scaling block, so not longrope): max_position_embeddings 16,384
    ("microsoft/phi-4", "0.33.0", 16_384),
    # Qwen3-VL: the text_config's max_position_embeddings 262,144 (mrope -> default, x 1)
    ("Qwen/Qwen3-VL-32B-Instruct", "0.33.0", 262_144),
])
def test_catalog_windows(repo, release, expected):
    version = tuple(int(x) for x in release.split("."))
    spec = catalog_spec(repo)
    assert derived_max_model_len(spec, version) == expected
    assert default_max_model_len(spec, version) == expected


def test_yarn_scales_the_original_context_until_0_30():
    # Qwen3-8B with the yarn block Qwen's model card adds (factor 4, original 32,768):
    # 32,768 x 4 = 131,072 to 0.29.0; from 0.30.0 yarn's factor is not applied and
    # max_position_embeddings 40,960 is the window (YARN_WINDOW_UNSCALED_FROM)
    config = qwen(rope_scaling={"rope_type": "yarn", "factor": 4.0,
                                "original_max_position_embeddings": 32768})
    assert window(config, "0.29.0") == (131_072, 131_072)
    assert window(config, "0.30.0") == (40_960, 40_960)
    # deepseek_yarn is not "yarn" before 0.30: it multiplies max_position_embeddings,
    # 40,960 x 4 = 163,840; from 0.30 it is skipped like yarn
    config = qwen(rope_scaling={"rope_type": "deepseek_yarn", "factor": 4.0,
                                "original_max_position_embeddings": 32768})
    assert window(config, "0.29.0") == (163_840, 163_840)
    assert window(config, "0.33.0") == (40_960, 40_960)


def test_yarn_reads_the_top_level_original_from_0_12():
    # original_max_position_embeddings at the top (16,384) and in the block (32,768): vLLM
    # < 0.12 reads the block's (32,768 x 4 = 131,072), 0.12 on the top-level one
    # (patch_rope_parameters / transformers 5 standardize_rope_params): 16,384 x 4 = 65,536
    config = qwen(original_max_position_embeddings=16384, rope_scaling={
        "rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768})
    assert window(config, "0.11.1") == (131_072, 131_072)
    assert window(config, "0.12.0") == (65_536, 65_536)


def test_longrope_starts_at_the_original_context_from_0_11_1():
    # Phi-3-mini-128k style: max_position_embeddings 131,072, original 4,096, longrope (its
    # factor never applied). The limit stays 131,072; without --max-model-len vLLM 0.11.1 on
    # starts at original_max_position_embeddings, 4,096 (LONGROPE_WINDOW_FROM)
    factors = {"long_factor": [1.0] * 64, "short_factor": [1.0] * 64}
    config = qwen(model_type="phi3", max_position_embeddings=131072,
                  original_max_position_embeddings=4096,
                  rope_scaling={"type": "longrope", **factors})
    assert window(config, "0.11.0") == (131_072, 131_072)
    assert window(config, "0.11.1") == (131_072, 4096)
    # legacy "su" is renamed longrope; without the top-level key Phi3Config's class default
    # original_max_position_embeddings = 4096 is what vLLM's getattr reads
    config = qwen(model_type="phi3", max_position_embeddings=131072,
                  rope_scaling={"type": "su", **factors})
    assert window(config, "0.33.0") == (131_072, 4096)


def test_the_least_length_key_and_model_max_length():
    # the least of vLLM's possible_keys: seq_length 8,192 < max_position_embeddings 40,960
    assert window(qwen(seq_length=8192), "0.33.0") == (8192, 8192)
    # config.json's model_max_length replaces the least (Command-R: 8,192 and 131,072)
    assert window(qwen(max_position_embeddings=8192, model_max_length=131072),
                  "0.19.0") == (131_072, 131_072)


def test_factors_that_scale():
    # linear and dynamic multiply max_position_embeddings: 40,960 x 4 = 163,840,
    # 40,960 x 2 = 81,920; a "default" block that carries a factor is applied too
    assert window(qwen(rope_scaling={"type": "linear", "factor": 4.0}), "0.33.0")[0] == 163_840
    assert window(qwen(rope_scaling={"type": "dynamic", "factor": 2.0}), "0.9.1")[0] == 81_920
    assert window(qwen(rope_scaling={"rope_type": "default", "factor": 2.0}),
                  "0.19.0")[0] == 81_920


def test_nested_rope_parameters_from_0_12():
    # one block per layer type (transformers 5): vLLM reads rope_parameters from 0.12.0, the
    # linear x 8 of full attention: 40,960 x 8 = 327,680; 0.11 reads rope_scaling, which a
    # nested block is not: 40,960
    config = qwen(layer_types=["full_attention", "sliding_attention"] * 18, rope_parameters={
        "full_attention": {"rope_type": "linear", "factor": 8.0},
        "sliding_attention": {"rope_type": "default"}})
    assert window(config, "0.11.1") == (40_960, 40_960)
    assert window(config, "0.12.0") == (327_680, 327_680)


def test_flat_rope_parameters_only_from_0_12():
    # Qwen3-8B as transformers 5 saves it: the yarn block (factor 4, original 32,768) and
    # rope_theta inside rope_parameters, no rope_scaling / rope_theta. The 0.11.0 wheel never
    # reads rope_parameters: max_position_embeddings 40,960; from 0.12.0 (patch_rope_parameters)
    # 32,768 x 4 = 131,072. Spelt rope_scaling, 0.11 reads it: 131,072.
    yarn = {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}
    config = qwen(rope_theta=None, rope_scaling=None,
                  rope_parameters={**yarn, "rope_theta": 1000000})
    assert window(config, "0.11.0") == (40_960, 40_960)
    assert window(config, "0.12.0") == (131_072, 131_072)
    assert window(qwen(rope_scaling=yarn), "0.11.0") == (131_072, 131_072)
    # the plan on 0.11 says vLLM runs it with the wrong rope; on 0.12 it does not
    spec = parse_model_config(config)
    cluster = preset_cluster("h100-sxm", 1)
    notes = {version: plan(PlanRequest(model=spec, cluster=cluster, engine=EngineSettings(
        vllm_version=version))).warnings for version in ("0.11.0", "0.12.0")}
    assert [n for n in notes["0.11.0"] if "only as rope_parameters" in n] == [
        "config.json gives its rope only as rope_parameters (transformers 5's spelling), which "
        "vLLM 0.11.0 does not read (before 0.12 it reads transformers 4's rope_theta and "
        "rope_scaling): it would run the model with its config class's default rope_theta, "
        "not rope_parameters' own, and no rope scaling, deriving the context without the "
        "block's factor (as planned here). Serve it with vLLM 0.12 or later."]
    assert not any("only as rope_parameters" in n for n in notes["0.12.0"])
    # 0.12-0.19.0 under transformers 4: patch_rope_parameters writes transformers 4.57.1
    # Qwen3Config's rope_theta=10000.0 over the block's 1,000,000; 0.24 requires transformers 5
    overwrite = ("Under transformers 4, vLLM 0.12.0 writes the qwen3 config class's default "
                 "rope_theta, 10000, over rope_parameters' own")
    assert any(n.startswith(overwrite) for n in notes["0.12.0"])
    later = plan(PlanRequest(model=spec, cluster=cluster, engine=EngineSettings(
        vllm_version="0.24.0"))).warnings
    assert not any(n.startswith("Under transformers 4") for n in later)
    assert not any("default rope_theta, 10000" in n for n in later)
    # 0.19.1-0.23.x are planned under transformers 5 (their images and a fresh install): the
    # overwrite happens only with transformers<5 pinned, which the note says
    both = plan(PlanRequest(model=spec, cluster=cluster, engine=EngineSettings(
        vllm_version="0.22.0"))).warnings
    assert [n for n in both if "default rope_theta" in n] == [
        "With transformers<5 pinned (planned under transformers 5, which its image and a fresh "
        "pip install run), vLLM 0.22.0 writes the qwen3 config class's default rope_theta, "
        "10000, over rope_parameters' own, as config.json gives no top-level rope_theta "
        "(transformers_utils/config.py patch_rope_parameters): a wrong rope unless the two "
        "agree. Leave transformers 5 installed, or add rope_theta to config.json."]
    # with rope_theta at the top level too, transformers 4 reads the config's own
    spec = parse_model_config({**config, "rope_theta": 1000000})
    same = plan(PlanRequest(model=spec, cluster=cluster, engine=EngineSettings(
        vllm_version="0.12.0"))).warnings
    assert not any(n.startswith("Under transformers 4") for n in same)


def test_no_length_key_is_2048():
    # none of the keys and no transformers class default: vLLM assumes 2048
    assert window(qwen(max_position_embeddings=None, model_type="newthing"),
                  "0.33.0") == (2048, 2048)


def test_vllm_0_9_1_caps_at_the_tokenizer_length():
    # 0.9.1 caps max_model_len at tokenizer_config.json's model_max_length (16,384 < 40,960);
    # 0.9.2 reads it for pooling models only (TOKENIZER_WINDOW_POOLING_ONLY_FROM). The limit
    # a given length is checked against stays 40,960
    tok = {"model_max_length": 16384}
    assert window(QWEN3_8B, "0.9.1", tokenizer_config=tok) == (40_960, 16_384)
    assert window(QWEN3_8B, "0.9.2", tokenizer_config=tok) == (40_960, 40_960)
    # transformers' "no limit" int(1e30) is no cap
    assert window(QWEN3_8B, "0.9.1", tokenizer_config={"model_max_length": int(1e30)}) == (
        40_960, 40_960)


@pytest.mark.parametrize(("given", "shown"), [
    ('"abc"', '"abc"'), ("-5", "-5"), ("1.5", "1.5"), ("1e400", "Infinity"),
    (f'"{"x" * 100}"', f'"{"x" * 60}...')])
def test_vllm_0_9_1_names_a_tokenizer_length_it_cannot_use(given: str, shown: str):
    # read as "Headroom did not read one for this model" before, where one was given but was
    # no length; the value as tokenizer_config.json writes it, cut at 64 characters (1e400 is
    # JSON's infinity). transformers' no-limit int(1e30) and a left-out one are read as none
    def cap_note(tokenizer_config: dict) -> str:
        spec = parse_model_config(QWEN3_8B, tokenizer_config=tokenizer_config)
        warnings = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1),
                                    engine=EngineSettings(vllm_version="0.9.1"))).warnings
        return next(n for n in warnings if "tokenizer_config.json's model_max_length" in n)

    assert cap_note(json.loads(f'{{"model_max_length": {given}}}')).endswith(
        f"models only): {shown} here, not a usable length (a whole number of tokens from 1 to "
        "1,073,741,824), so the window here is config.json's alone and vLLM's may be shorter.")
    for none in ({}, {"model_max_length": None}, {"model_max_length": int(1e30)}):
        assert "Headroom did not read one for this model" in cap_note(none)


def test_plan_starts_at_the_release_window():
    # plan() without max_model_len uses the release's default: the Phi-3 longrope config
    # above starts at 4,096 on 0.19 (not max_position_embeddings 131,072); the 0.9.1 plan
    # says the tokenizer's cap is unknown
    factors = {"long_factor": [1.0] * 64, "short_factor": [1.0] * 64}
    spec = parse_model_config(qwen(
        model_type="phi3", max_position_embeddings=131072,
        original_max_position_embeddings=4096, rope_scaling={"type": "longrope", **factors}))
    cluster = preset_cluster("h100-sxm", 1)
    result = plan(PlanRequest(model=spec, cluster=cluster,
                              engine=EngineSettings(vllm_version="0.19")))
    assert result.max_model_len == 4096
    old = plan(PlanRequest(model=spec, cluster=cluster,
                           engine=EngineSettings(vllm_version="0.9.1")))
    assert any("tokenizer_config.json's model_max_length" in n for n in old.warnings), old.errors


def test_lengths_and_factors_past_any_real_model():
    # a length key past 2^30 tokens (the parser's MAX_CONTEXT) is left out: 40,960 stays
    assert window(qwen(seq_length=2**31), "0.33.0") == (40_960, 40_960)
    # a nested block's factor past it is refused as a flat block's is: 40,960 x 2^16
    config = qwen(layer_types=["full_attention"] * 36, rope_parameters={
        "full_attention": {"rope_type": "linear", "factor": 65536.0}})
    with pytest.raises(ConfigError, match="stretches the context to 2,684,354,560 tokens"):
        parse_model_config(config)


def _refusal(config: dict, release: str, max_model_len: int) -> list[str]:
    """The window refusals of a plan of `config` at `max_model_len` on vLLM `release`."""
    result = plan(PlanRequest(model=parse_model_config(config),
                              cluster=preset_cluster("h100-sxm", 1),
                              engine=EngineSettings(vllm_version=release,
                                                    max_model_len=max_model_len)))
    return [e for e in result.errors if "derived max_model_len" in e]


TAIL = ("in model's config.json). To allow overriding this maximum, set the env var "
        "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1. VLLM_ALLOW_LONG_MAX_MODEL_LEN must be used with "
        "extreme caution. If the model uses relative position encoding (RoPE), positions "
        "exceeding derived_max_model_len lead to nan. If the model uses absolute position "
        "encoding, positions exceeding derived_max_model_len will cause a CUDA array "
        "out-of-bounds error.")


@pytest.mark.parametrize("release", ["0.19.0", "0.30.0"])
def test_the_refusal_names_the_key_that_set_the_window(release):
    # vLLM's message (config/model.py _get_and_verify_max_len, the 0.19.0 and 0.30.0 wheels):
    # "User-specified max_model_len ({max_model_len}) is greater than the derived
    # max_model_len ({max_len_key}={derived_max_model_len} or model_max_length=
    # {model_max_length} in model's config.json)."; max_len_key is the least of the config's
    # length keys: seq_length 8,192 < max_position_embeddings 40,960. Qwen3-8B's rope_theta
    # gives it rope_parameters, so vLLM multiplies the length by scaling_factor = 1.0:
    # 8192 x 1.0 = 8192.0, printed so
    assert _refusal(qwen(seq_length=8192), release, 10_000) == [
        "User-specified max_model_len (10000) is greater than the derived max_model_len "
        f"(seq_length=8192.0 or model_max_length=None {TAIL}"]
    # a config's model_max_length is the key, and the value vLLM names beside it (getattr of
    # the config: the int as written)
    assert _refusal(qwen(max_position_embeddings=8192, model_max_length=131072), release,
                    200_000) == [
        "User-specified max_model_len (200000) is greater than the derived max_model_len "
        f"(model_max_length=131072.0 or model_max_length=131072 {TAIL}"]
    # max_position_embeddings still, where it is the least: Qwen3-8B's 40,960 (x 1.0)
    assert _refusal(QWEN3_8B, release, 50_000) == [
        "User-specified max_model_len (50000) is greater than the derived max_model_len "
        f"(max_position_embeddings=40960.0 or model_max_length=None {TAIL}"]
    assert _refusal(qwen(seq_length=8192), release, 8192) == []


def test_the_refusal_names_the_key_with_the_scaled_window():
    # vLLM names max_len_key with the length after rope scaling: linear x 4 of 40,960 =
    # 163,840 (vLLM prints 163840.0, the float its factor makes)
    assert _refusal(qwen(rope_scaling={"type": "linear", "factor": 4.0}), "0.33.0",
                    200_000) == [
        "User-specified max_model_len (200000) is greater than the derived max_model_len "
        f"(max_position_embeddings=163840.0 or model_max_length=None {TAIL}"]


def _shown(config: dict, release: str) -> str:
    """The derived length in vLLM `release`'s refusal of a length past it (`({key}=...`)."""
    refusal = _refusal(config, release, 2_000_000)[0]
    return refusal.split(" is greater than the derived max_model_len (")[1].split(" or ")[0]


@pytest.mark.parametrize(("model", "release", "shown"), [
    # config/model.py _get_and_verify_max_len prints f"{derived_max_model_len}". Up to the
    # 0.11.2 wheel it multiplies only inside `if rope_scaling is not None`: Qwen3-8B's
    # rope_scaling is null, so 40960 stays the int max_position_embeddings
    ("qwen3-8b", "0.11.2", "max_position_embeddings=40960"),
    # from the 0.12.0 wheel `scaling_factor = 1.0` and `derived_max_model_len *=
    # scaling_factor` for any rope_parameters, which patch_rope_parameters builds from
    # rope_theta: 40960 x 1.0 = 40960.0 (0.12.0 and 0.34.0 wheels)
    ("qwen3-8b", "0.12.0", "max_position_embeddings=40960.0"),
    ("qwen3-8b", "0.34.0", "max_position_embeddings=40960.0"),
    # Llama-3.1's llama3 block is skipped (su / longrope / llama3): no multiply on 0.11.2,
    # 131072 x 1.0 from 0.12.0
    ("meta-llama/Llama-3.1-8B-Instruct", "0.11.2", "max_position_embeddings=131072"),
    ("meta-llama/Llama-3.1-8B-Instruct", "0.12.0", "max_position_embeddings=131072.0"),
    # DeepSeek-V3: yarn "factor": 40, a JSON integer: original 4096 x 40 = 163840 stays an
    # int on 0.11.2 and 0.29.0 (rp.get("factor") is the int); from 0.30.0 yarn is skipped and
    # max_position_embeddings 163840 x 1.0 = 163840.0
    ("deepseek-ai/DeepSeek-V3", "0.11.2", "max_position_embeddings=163840"),
    ("deepseek-ai/DeepSeek-V3", "0.29.0", "max_position_embeddings=163840"),
    ("deepseek-ai/DeepSeek-V3", "0.30.0", "max_position_embeddings=163840.0"),
    # Qwen3-VL-32B: rope_scaling {"rope_type": "default", mrope_section ...} has no factor,
    # so rope_scaling.get("factor", 1.0) = 1.0 on 0.11.2 too: 262144 x 1.0
    ("Qwen/Qwen3-VL-32B-Instruct", "0.11.2", "max_position_embeddings=262144.0"),
    # Gemma-3: "gemma3" in the text model_type skips the multiply in every release;
    # Gemma3TextConfig's max_position_embeddings 131072 as an int
    ("google/gemma-3-12b-it", "0.34.0", "max_position_embeddings=131072"),
])
def test_the_refusal_prints_the_derived_length_as_vllm_does(model, release, shown):
    config = QWEN3_8B if model == "qwen3-8b" else catalog_entry(model).config
    assert _shown(config, release) == shown


def test_a_config_without_rope_keeps_an_int_length():
    # no rope_theta and no rope block, on a model type whose transformers class has no
    # rope_theta default (Nemotron-H): vLLM 0.34.0 builds no rope_parameters, so nothing is
    # multiplied and the config's 8192 prints as written
    config = json.loads((CONFIGS / "nvidia__Nemotron-H-56B-Base-8K.json").read_text())
    assert "rope_theta" not in config and "rope_scaling" not in config
    assert _shown(config, "0.34.0") == "max_position_embeddings=8192"
