"""The lm_head tie each vLLM release builds (planner.serving.tie), where it is not the one
config.json gives. Expected figures are worked by hand from the catalog configs; the rules are
read in the wheels named in each test (and in vllm_versions' NOTEs)."""

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from planner.report import model_card
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan

GEMMA3_TABLE = 262_208 * 3_840  # gemma-3-12b-it's text vocab x hidden = 1,006,878,720
GEMMA2_TABLE = 256_000 * 3_584  # gemma-2-9b-it's vocab x hidden = 917,504,000


def _plan(config: dict, version: str, gpus: int = 1):
    return plan(PlanRequest(model=parse_model_config(config),
                            cluster=preset_cluster("h100-sxm", gpus),
                            engine=EngineSettings(vllm_version=version)))


def _asserted(p) -> bool:
    return any(e.startswith("AssertionError") for e in p.errors)


def test_gemma_2_untied_is_planned_tied_from_0_29():
    # gemma2.py Gemma2ForCausalLM, 0.29.0 and 0.33.0 wheels: no lm_head, compute_logits reads
    # self.model.embed_tokens whatever tie_word_embeddings says (0.28.0: `assert
    # config.tie_word_embeddings`). An explicit false loads one table, not two: the plan's
    # parameters and weights are the tied config's, where config.json's reading has one
    # 256,000 x 3,584 table more.
    from planner.model.params import count_params

    config = catalog_entry("google/gemma-2-9b-it").config
    untied = {**config, "tie_word_embeddings": False}
    assert (count_params(parse_model_config(untied)).total
            - count_params(parse_model_config(config)).total) == GEMMA2_TABLE
    assert _asserted(_plan(untied, "0.28.0"))
    served, tied = _plan(untied, "0.29.0"), _plan(config, "0.29.0")
    assert not _asserted(served)
    assert served.params_total == tied.params_total
    assert served.weights_bytes_total == tied.weights_bytes_total
    card = model_card(parse_model_config(untied), None, "0.29.0")
    assert card.params_total == model_card(parse_model_config(config), None, "0.29.0").params_total
    assert any("builds Gemma 2 with no lm_head" in a for a in card.assumptions)


def test_gemma_3_text_config_false_is_untied_up_to_0_19_0_only():
    # gemma3_mm.py builds Gemma3ForCausalLM from text_config through with_hf_config, which
    # copies the wrapper's tie_word_embeddings onto it from 0.24.0 (always) and in
    # 0.19.0-0.23.0 under transformers 5 (which 0.19.0's `transformers<5` rules out, and under
    # which 0.19.1-0.23.x are planned: their images and a fresh install run it); 0.16.0-0.18.1
    # only where the text config has none, never under transformers 4. text_config false, none
    # at the top: untied (one 262,208 x 3,840 table more) up to 0.19.0, Gemma3Config's True from
    # 0.19.1.
    entry = catalog_entry("google/gemma-3-12b-it")
    text = entry.config["text_config"]
    untied_text = {**entry.config, "text_config": {**text, "tie_word_embeddings": False}}
    for version, extra in (("0.18.0", GEMMA3_TABLE), ("0.19.0", GEMMA3_TABLE), ("0.19.1", 0),
                           ("0.23.0", 0), ("0.24.0", 0), ("0.33.0", 0)):
        p, tied = _plan(untied_text, version), _plan(entry.config, version)
        assert p.params_total - tied.params_total == extra, version
    # 0.13.0's Gemma3ForCausalLM asserts the tie it reads (text_config's false)
    assert _asserted(_plan(untied_text, "0.13.0"))
    # the card counts as the release builds it (inspect: the default, 0.33.0)
    spec = parse_model_config(untied_text)
    assert (model_card(spec, None, "0.19.0").params_total
            - model_card(spec, None).params_total) == GEMMA3_TABLE


def test_gemma_3_wrapper_false_is_untied_from_0_19_1():
    # the other way round: tie_word_embeddings false at the top, none in text_config:
    # Gemma3TextConfig's True up to 0.19.0, the wrapper's false from 0.19.1 (transformers 5)
    entry = catalog_entry("google/gemma-3-12b-it")
    untied_top = {**entry.config, "tie_word_embeddings": False}
    for version, extra in (("0.19.0", 0), ("0.19.1", GEMMA3_TABLE), ("0.23.0", GEMMA3_TABLE),
                           ("0.24.0", GEMMA3_TABLE)):
        p, tied = _plan(untied_top, version), _plan(entry.config, version)
        assert p.params_total - tied.params_total == extra, version


def test_paligemma_wrapper_false_is_refused_where_gemma2_asserts_the_tie_it_reads():
    # paligemma.py builds Gemma2ForCausalLM from a gemma2 text_config. A false at the top
    # alone: up to 0.19.0 the text model reads Gemma2Config's True (no refusal); 0.19.1-0.28.0
    # read the wrapper's false under transformers 5 and gemma2.py asserts the tie (refused);
    # 0.29.0 on tie always.
    text = {k: v for k, v in catalog_entry("google/gemma-2-9b-it").config.items()
            if k != "architectures"}
    config = {"model_type": "paligemma", "architectures": ["PaliGemmaForConditionalGeneration"],
              "tie_word_embeddings": False, "text_config": text}
    assert [_asserted(_plan(config, v)) for v in ("0.19.0", "0.19.1", "0.23.0", "0.24.0",
                                                  "0.28.0", "0.29.0")] == [
        False, True, True, True, True, False]
    tied = {**config, "tie_word_embeddings": True}
    assert _plan(config, "0.29.0").params_total == _plan(tied, "0.29.0").params_total


def _served_params(config: dict, version: str) -> int:
    from planner.model.params import count_params
    from planner.serving.tie import served_spec

    return count_params(served_spec(parse_model_config(config), version)).total


def _table_more_before_0_19_1(config: dict) -> int:
    """Parameters the transformers 4 releases (text_config's tie) plan over 0.19.1 on (the
    wrapper's, copied onto text_config by with_hf_config under transformers 5), each checked
    on both sides."""
    assert _served_params(config, "0.17.0") == _served_params(config, "0.19.0")
    assert (_served_params(config, "0.19.1") == _served_params(config, "0.23.0")
            == _served_params(config, "0.24.0") == _served_params(config, "0.33.0"))
    return _served_params(config, "0.19.0") - _served_params(config, "0.19.1")


def test_mistral3_without_the_top_level_flag_is_tied_from_0_19_1():
    # mistral3.py builds its text model with init_vllm_registered_model(hf_config=
    # config.text_config). Transformers 5.24.0 Mistral3Config defaults tie_word_embeddings to
    # True whatever text_config says, and with_hf_config copies it over text_config's false
    # under transformers 5, from 0.19.1 (vLLM issue #51063); under transformers 4 text_config's
    # false stands.
    # Dims chosen for the test: one vocab 32,768 x hidden 1,024 = 33,554,432 table less.
    text = {"model_type": "mistral", "hidden_size": 1024, "intermediate_size": 4096,
            "num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": 8,
            "head_dim": 128, "vocab_size": 32768, "max_position_embeddings": 4096,
            "tie_word_embeddings": False}
    config = {"model_type": "mistral3", "architectures": ["Mistral3ForConditionalGeneration"],
              "text_config": text}
    assert _table_more_before_0_19_1(config) == 32_768 * 1_024
    spec = parse_model_config(config)
    assert any("#51063" in a for a in spec.assumptions)
    # the flag written at the top is what every transformers 5 release copies
    assert _table_more_before_0_19_1({**config, "tie_word_embeddings": False}) == 0


def test_llama_4_and_qwen3_vl_wrappers_read_their_false_default_from_0_19_1():
    # mllama4.py / qwen3_vl.py build the text model through with_hf_config(config.text_config).
    # The bundled configs agree on every release: Scout none in text_config nor at the top
    # (Llama4Config's False, 5.24.0), Qwen3-VL-32B false at the top and none in text_config
    # (Qwen3VLTextConfig's False, 4.57.1).
    scout = catalog_entry("meta-llama/Llama-4-Scout-17B-16E-Instruct").config
    qwen = catalog_entry("Qwen/Qwen3-VL-32B-Instruct").config
    assert _table_more_before_0_19_1(scout) == _table_more_before_0_19_1(qwen) == 0
    # text_config true under a wrapper that says nothing (Llama4Config False) or false (Qwen3-VL):
    # tied up to 0.19.0, untied from 0.19.1. Scout: vocab 202,048 x hidden 5,120; Qwen3-VL-32B:
    # 151,936 x 5,120.
    for config, vocab, hidden in ((scout, 202_048, 5_120), (qwen, 151_936, 5_120)):
        assert (config["text_config"]["vocab_size"], config["text_config"]["hidden_size"]) == (
            vocab, hidden)
        tied_text = {**config, "text_config": {**config["text_config"],
                                               "tie_word_embeddings": True}}
        assert _table_more_before_0_19_1(tied_text) == -vocab * hidden


def test_llava_next_and_llava_defaults_differ_where_only_text_config_ties():
    # granite-vision-3.3-2b (llava_next) says true at the top and in text_config: tied on every
    # release. With the top's left out, LlavaNextConfig's False (5.24.0) is copied from 0.19.1:
    # vocab 49,156 x hidden 2,048 = 100,671,488 parameters more than text_config's true before.
    # LlavaConfig.__post_init__ takes text_config's true over its own False: tied throughout.
    config = catalog_entry("ibm-granite/granite-vision-3.3-2b").config
    assert _table_more_before_0_19_1(config) == 0
    no_top = {k: v for k, v in config.items() if k != "tie_word_embeddings"}
    assert _table_more_before_0_19_1(no_top) == -49_156 * 2_048
    assert _table_more_before_0_19_1({**no_top, "model_type": "llava"}) == 0


def test_kimi_vl_is_untied_even_where_its_top_level_says_true():
    # kimi_vl.py builds its language model as DeepseekV2ForCausalLM (0.17.0-0.34.0; its own
    # DeepseekV2Model + ParallelLMHead in the 0.9.1-0.14.0 wheels), which never ties, so a true
    # at the top keeps lm_head: vocab 163,840 x hidden 2,048 = 335,544,320 parameters
    # (it was planned tied under transformers 5, that many too few)
    config = catalog_entry("moonshotai/Kimi-VL-A3B-Instruct").config
    assert "tie_word_embeddings" not in config
    said_tied = parse_model_config({**config, "tie_word_embeddings": True})
    assert (said_tied.tie_word_embeddings, said_tied.text_tie_word_embeddings) == (False, None)
    assert _table_more_before_0_19_1({**config, "tie_word_embeddings": True}) == 0
    assert count_params(said_tied).lm_head == 163_840 * 2_048 == 335_544_320


def test_paligemma_text_config_without_model_type_is_gemma():
    # transformers 4.57.1 and 5.24.0 PaliGemmaConfig build a text_config without model_type as
    # GemmaConfig: a Gemma text model (tied by default), not an unknown "paligemma" one
    text = {k: v for k, v in catalog_entry("google/gemma-2-9b-it").config.items()
            if k not in ("architectures", "model_type", "tie_word_embeddings")}
    spec = parse_model_config({"model_type": "paligemma", "text_config": text,
                               "architectures": ["PaliGemmaForConditionalGeneration"]})
    assert spec.window.text_model_type == "gemma"
    assert spec.tie_word_embeddings and spec.text_tie_word_embeddings is None
    assert not any("not a known architecture" in w for w in spec.warnings)


def test_each_wrappers_default_is_its_transformers_5_class_default():
    # config.tie.WRAPPER_TIE_DEFAULTS, checked by building each class under transformers 5.24.0
    # with no tie_word_embeddings at the top: Gemma4Config True, Qwen3VLMoeConfig False. Each
    # catalog config with the top-level key removed and its text_config's set against that
    # default: (the wrapper's reading, which 0.19.1 on build under transformers 5;
    # text_config's where it differs, which 0.19.0 and before build)
    cases = {"google/gemma-4-26B-A4B": (False, (True, False)),
             "Qwen/Qwen3-VL-30B-A3B-Instruct": (True, (False, True))}
    for name, (text_tie, expected) in cases.items():
        config = {k: v for k, v in catalog_entry(name).config.items()
                  if k != "tie_word_embeddings"}
        config["text_config"] = {**config["text_config"], "tie_word_embeddings": text_tie}
        spec = parse_model_config(config)
        assert (spec.tie_word_embeddings, spec.text_tie_word_embeddings) == expected, name


def _tie_notes(config: dict, version: str) -> list[str]:
    return [w for w in _plan(config, version).warnings if "transformers 4 or 5" in w]


def test_releases_that_allow_transformers_4_and_5_say_what_the_other_builds():
    # Wheel METADATA: 0.19.0 `transformers<5,>=4.56.0`; 0.19.1 and 0.20.0-0.23.0
    # `transformers!=5.0.*,...,!=5.5.0,>=4.56.0`, so their images and a fresh install take
    # transformers 5 (vllm_versions.TRANSFORMERS_5_ALLOWED_FROM); 0.24.0 `>=5.5.3`.
    # with_hf_config (config/vllm.py) copies the wrapper's tie onto the text config in
    # 0.19.0-0.23.0 only under transformers >= 5. gemma-3-12b-it with text_config false
    # (Gemma3Config's True at the top): planned tied as under transformers 5, with a note that
    # transformers 4 pinned builds it untied, one 262,208 x 3,840 = 1,006,878,720-parameter
    # table more; 0.19.0 (transformers 4 only) and 0.24.0 (5 only) need none.
    entry = catalog_entry("google/gemma-3-12b-it")
    untied_text = {**entry.config, "text_config": {**entry.config["text_config"],
                                                   "tie_word_embeddings": False}}
    assert _tie_notes(untied_text, "0.19.0") == _tie_notes(untied_text, "0.24.0") == []
    for version in ("0.19.1", "0.23.0"):
        # the figure is transformers 5's: the tied config's
        p, tied = _plan(untied_text, version), _plan(entry.config, version)
        assert p.params_total == tied.params_total, version
        [note] = _tie_notes(untied_text, version)
        assert f"vLLM {version} runs under transformers 4 or 5" in note
        assert "planned under transformers 5, which its docker image and a fresh pip install " \
               "run, tied" in note
        assert "with transformers<5 pinned it builds the text model untied (text_config's): " \
               "one 262,208 x 3,840 lm_head table (1,006,878,720 parameters) more than " \
               "planned." in note
    # configs whose two readings agree get no note (the bundled one, tied throughout)
    assert _tie_notes(entry.config, "0.22.0") == []


def test_a_gemma_2_wrapper_is_refused_under_transformers_5_and_says_4_starts():
    # paligemma.py builds Gemma2ForCausalLM, which asserts the tie up to 0.28.0. A false at the
    # top alone on 0.22.0: transformers 5 copies the wrapper's false and gemma2.py refuses it
    # (planned so); transformers 4 pinned reads Gemma2Config's True and starts, which the
    # refusal says. 0.24.0 requires transformers 5: no such clause.
    text = {k: v for k, v in catalog_entry("google/gemma-2-9b-it").config.items()
            if k != "architectures"}
    config = {"model_type": "paligemma", "architectures": ["PaliGemmaForConditionalGeneration"],
              "tie_word_embeddings": False, "text_config": text}
    [error] = [e for e in _plan(config, "0.22.0").errors if e.startswith("AssertionError")]
    assert error.endswith("with transformers<5 pinned it builds text_config's true and "
                          "starts).")
    [error] = [e for e in _plan(config, "0.24.0").errors if e.startswith("AssertionError")]
    assert "transformers<5" not in error
    # the other way round (true at the top, false in text_config): planned tied on 0.22.0,
    # and transformers 4 pinned builds text_config's untied, which gemma2.py refuses
    retied = {**config, "tie_word_embeddings": True,
              "text_config": {**text, "tie_word_embeddings": False}}
    assert not _asserted(_plan(retied, "0.22.0"))
    [note] = _tie_notes(retied, "0.22.0")
    assert note.endswith("with transformers<5 pinned it builds the text model untied "
                         "(text_config's), which it refuses (`assert "
                         "config.tie_word_embeddings`).")
