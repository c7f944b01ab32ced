"""The lm_head tie each vLLM release builds (planner.serving.tie), where it is not the one
config.json gives. Expected figures are worked by hand from the catalog configs; the rules are
read in the wheels named in each test (and in vllm_versions' NOTEs)."""

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
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


def test_gemma_3_text_config_false_is_untied_up_to_0_18_only():
    # gemma3_mm.py builds Gemma3ForCausalLM from text_config through with_hf_config, which
    # copies the wrapper's tie_word_embeddings onto it from 0.19.0 (always; 0.16.0-0.18.1 only
    # where the text config has none). text_config false, none at the top: untied (one
    # 262,208 x 3,840 table more) up to 0.18.x, Gemma3Config's True from 0.19.0.
    entry = catalog_entry("google/gemma-3-12b-it")
    text = entry.config["text_config"]
    untied_text = {**entry.config, "text_config": {**text, "tie_word_embeddings": False}}
    for version, extra in (("0.18.0", GEMMA3_TABLE), ("0.19.0", 0), ("0.33.0", 0)):
        p, tied = _plan(untied_text, version), _plan(entry.config, version)
        assert p.params_total - tied.params_total == extra, version
    # 0.13.0's Gemma3ForCausalLM asserts the tie it reads (text_config's false)
    assert _asserted(_plan(untied_text, "0.13.0"))
    # the card counts as the release builds it (inspect: the default, 0.33.0)
    spec = parse_model_config(untied_text)
    assert (model_card(spec, None, "0.18.0").params_total
            - model_card(spec, None).params_total) == GEMMA3_TABLE


def test_gemma_3_wrapper_false_is_untied_from_0_19_only():
    # the other way round: tie_word_embeddings false at the top, none in text_config:
    # Gemma3TextConfig's True up to 0.18.x, the wrapper's false from 0.19.0
    entry = catalog_entry("google/gemma-3-12b-it")
    untied_top = {**entry.config, "tie_word_embeddings": False}
    for version, extra in (("0.18.0", 0), ("0.19.0", GEMMA3_TABLE)):
        p, tied = _plan(untied_top, version), _plan(entry.config, version)
        assert p.params_total - tied.params_total == extra, version


def test_paligemma_wrapper_false_is_refused_where_gemma2_asserts_the_tie_it_reads():
    # paligemma.py builds Gemma2ForCausalLM from a gemma2 text_config. A false at the top
    # alone: up to 0.18.x the text model reads Gemma2Config's True (no refusal); 0.19.0-0.28.0
    # read the wrapper's false and gemma2.py asserts the tie (refused); 0.29.0 on tie always.
    text = {k: v for k, v in catalog_entry("google/gemma-2-9b-it").config.items()
            if k != "architectures"}
    config = {"model_type": "paligemma", "architectures": ["PaliGemmaForConditionalGeneration"],
              "tie_word_embeddings": False, "text_config": text}
    assert [_asserted(_plan(config, v)) for v in ("0.18.0", "0.23.0", "0.28.0", "0.29.0")] == [
        False, True, True, False]
    tied = {**config, "tie_word_embeddings": True}
    assert _plan(config, "0.29.0").params_total == _plan(tied, "0.29.0").params_total
