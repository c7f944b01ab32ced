"""A multimodal wrapper Headroom does not size (parser.unsized_wrapper: no known architecture
itself, around a text_config of a known type) is planned as its text model only, and says so:
a warning naming the towers left out, an unmodelled part in the verdict, no size guessed for
its towers, and the lm_head count where its tie_word_embeddings and text_config's differ.

The configs are hand-built from the transformers 5.24.0 config classes' documented defaults
(models/<type>/configuration_<type>.py): LlamaConfig (vocab 32,000, hidden 4,096, MLP 11,008,
32 layers, 32 heads, untied) for Idefics3Config's text_config; Qwen2Config (vocab 151,936,
hidden 4,096, MLP 22,016, 32 layers, 32 heads) for InternVLConfig's, whose own
tie_word_embeddings defaults to True; Idefics3VisionConfig (hidden 1,152, MLP 3,072, 12
layers, patch 32, 224 px) and InternVLVisionConfig (hidden 1,024, MLP 4,096, 24 layers, patch
[14, 14], image [448, 448]); GraniteSpeechConfig's sub-configs encoder_config and
projector_config; Qwen2AudioConfig's audio_config (Qwen2AudioEncoderConfig: d_model 1,280, 32
encoder layers, MLP 5,120)."""

import json
from pathlib import Path

from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan
from planner.serving.tie import served_spec

LLAMA_TEXT = {"model_type": "llama", "vocab_size": 32_000, "hidden_size": 4_096,
              "intermediate_size": 11_008, "num_hidden_layers": 32, "num_attention_heads": 32,
              "num_key_value_heads": 32, "max_position_embeddings": 2_048,
              "tie_word_embeddings": False, "torch_dtype": "bfloat16"}
QWEN2_TEXT = {"model_type": "qwen2", "vocab_size": 151_936, "hidden_size": 4_096,
              "intermediate_size": 22_016, "num_hidden_layers": 32, "num_attention_heads": 32,
              "num_key_value_heads": 32, "max_position_embeddings": 32_768,
              "tie_word_embeddings": False, "torch_dtype": "bfloat16"}
IDEFICS3_VISION = {"model_type": "idefics3_vision", "hidden_size": 1_152,
                   "intermediate_size": 3_072, "num_hidden_layers": 12, "patch_size": 32,
                   "image_size": 224}
INTERNVL_VISION = {"model_type": "internvl_vision", "hidden_size": 1_024,
                   "intermediate_size": 4_096, "num_hidden_layers": 24, "patch_size": [14, 14],
                   "image_size": [448, 448]}

# Llama text model by hand: embeddings and lm_head 2 x 32,000 x 4,096 = 262,144,000; a layer
# has q/k/v/o 4 x 4,096^2 = 67,108,864, MLP 3 x 4,096 x 11,008 = 135,266,304 and two norms
# 8,192: 202,383,360 x 32 = 6,476,267,520; final norm 4,096: 6,738,415,616.
LLAMA_TEXT_PARAMS = 6_738_415_616
# Qwen2 text model by hand: a layer has q/k/v with biases 3 x (4,096^2 + 4,096) = 50,343,936,
# o 16,777,216, MLP 3 x 4,096 x 22,016 = 270,532,608 and norms 8,192: 337,661,952 x 32 =
# 10,805,182,464; final norm 4,096; the embedding table 151,936 x 4,096 = 622,329,856, once
# tied (11,427,516,416), twice untied (12,049,846,272).
QWEN2_TABLE = 622_329_856
QWEN2_TIED = 10_805_182_464 + 4_096 + QWEN2_TABLE


def _unsized_warnings(spec) -> list[str]:
    return [w for w in spec.warnings if "multimodal wrapper Headroom does not model" in w]


def _verdict(config: dict, version: str = "0.33.0") -> str:
    # --skip-mm-profiling: no vision encoder profile, so only the parser's parts are named
    return plan(PlanRequest(model=parse_model_config(config),
                            cluster=preset_cluster("h100-sxm", 1),
                            engine=EngineSettings(vllm_version=version,
                                                  skip_mm_profiling=True))).verdict


def test_idefics3_counts_its_text_model_only_and_says_so():
    # idefics3.py builds LlamaModel from text_config (with_hf_config(config.text_config)) and
    # its own SigLIP-style tower + connector, which Headroom does not size: it was counted
    # silently with the Qwen-VL tower formula (158,390,272 parameters for these dims), and a
    # plan with --skip-mm-profiling read a plain "Fits"
    config = {"model_type": "idefics3", "architectures": ["Idefics3ForConditionalGeneration"],
              "text_config": LLAMA_TEXT, "vision_config": IDEFICS3_VISION}
    spec = parse_model_config(config)
    assert count_params(spec).total == LLAMA_TEXT_PARAMS
    assert spec.vision is not None and spec.vision.params == 0
    assert spec.unmodelled == ("idefics3 tower weights (vision_config)",)
    [warning] = _unsized_warnings(spec)
    assert warning.startswith("idefics3 is a multimodal wrapper Headroom does not model: it "
                              "plans only the llama text model (text_config). The towers vLLM "
                              "also loads (vision_config) are not counted")
    assert "lm_head" not in warning  # both ties read False: nothing differs by release
    assert _verdict(config).startswith("Fits (unmodelled: idefics3 tower weights "
                                       "(vision_config)): ")


def test_internvl_is_planned_and_ties_from_0_19_1_as_vllm_builds_it():
    # InternVLConfig (5.24.0) holds tie_word_embeddings True and its Qwen2 text_config False;
    # interns1.py builds the text model with init_vllm_registered_model(hf_config=
    # config.text_config), whose with_hf_config copies the wrapper's under transformers 5
    # (0.19.0-0.23.0 wheels under transformers >= 5, which 0.19.1 on are planned under; always
    # in the 0.24.0 and 0.33.0 wheels, config/vllm.py). The list patch_size [14, 14] was
    # refused before ("vision_config.patch_size must be an integer"), by a tower formula not
    # InternVL's.
    config = {"model_type": "internvl", "architectures": ["InternVLForConditionalGeneration"],
              "text_config": QWEN2_TEXT, "vision_config": INTERNVL_VISION}
    spec = parse_model_config(config)
    assert (spec.tie_word_embeddings, spec.text_tie_word_embeddings) == (True, False)
    assert count_params(served_spec(spec, "0.33.0")).total == QWEN2_TIED  # 11,427,516,416
    assert count_params(served_spec(spec, "0.19.1")).total == QWEN2_TIED
    assert count_params(served_spec(spec, "0.19.0")).total == QWEN2_TIED + QWEN2_TABLE
    [warning] = _unsized_warnings(spec)
    assert ("from vLLM 0.19.1, under transformers 5 (0.24.0 on require it), config/vllm.py "
            "with_hf_config copies the internvl config's tie_word_embeddings (true) onto the "
            "text model, and the plan counts no lm_head of its own (tied to the embeddings); a "
            "checkpoint's own lm_head.weight is then not served (vLLM issue #51063); before "
            "0.19.1 it counts a separate lm_head, as vLLM builds it under transformers 4 from "
            "text_config's (false), as 0.19.1-0.23.x do with transformers<5 pinned.") in warning
    for version in ("0.23.0", "0.33.0"):
        assert _verdict(config, version).startswith(
            "Fits (unmodelled: internvl tower weights (vision_config)): ")


def test_a_top_level_false_keeps_internvl_untied_in_every_release():
    # the wrapper's value given as False: with_hf_config copies False, text_config says
    # False: one reading, a separate lm_head everywhere (12,049,846,272), no lm_head sentence
    config = {"model_type": "internvl", "tie_word_embeddings": False,
              "text_config": QWEN2_TEXT, "vision_config": INTERNVL_VISION}
    spec = parse_model_config(config)
    assert (spec.tie_word_embeddings, spec.text_tie_word_embeddings) == (False, None)
    assert count_params(served_spec(spec, "0.33.0")).total == QWEN2_TIED + QWEN2_TABLE
    assert "lm_head" not in _unsized_warnings(spec)[0]


def test_granite_speech_names_its_encoder_and_projector_configs():
    # GraniteSpeechConfig keeps its speech tower and Q-Former projector in encoder_config and
    # projector_config, not audio_config: the plan named nothing and read "Fits" with
    # --skip-mm-profiling. Its tie_word_embeddings defaults to True, GraniteConfig's to False.
    text = {**LLAMA_TEXT, "model_type": "granite"}
    config = {"model_type": "granite_speech",
              "architectures": ["GraniteSpeechForConditionalGeneration"], "text_config": text,
              "encoder_config": {"model_type": "granite_speech_encoder", "hidden_dim": 1_024,
                                 "num_layers": 10},
              "projector_config": {"model_type": "blip_2_qformer", "hidden_size": 1_024}}
    spec = parse_model_config(config)
    assert spec.vision is None  # no vision_config: no vision encoder profile either
    assert spec.unmodelled == ("granite_speech tower weights (encoder_config, "
                               "projector_config)",)
    assert (spec.tie_word_embeddings, spec.text_tie_word_embeddings) == (True, False)
    # Llama-shaped Granite: one 32,000 x 4,096 table less tied (0.19.1 on, transformers 5)
    assert count_params(served_spec(spec, "0.19.1")).total == LLAMA_TEXT_PARAMS - 131_072_000
    assert count_params(served_spec(spec, "0.19.0")).total == LLAMA_TEXT_PARAMS
    assert _verdict(config).startswith("Fits (unmodelled: granite_speech tower weights "
                                       "(encoder_config, projector_config)): ")


def test_qwen2_audio_is_warned_once_and_copies_only_a_top_level_tie():
    # Qwen2AudioConfig has no tie_word_embeddings field (5.24.0), so with_hf_config
    # (`hasattr(hf_config, "tie_word_embeddings")`) copies only one config.json gives
    audio = {"model_type": "qwen2_audio_encoder", "d_model": 1_280, "encoder_layers": 32,
             "encoder_ffn_dim": 5_120}
    config = {"model_type": "qwen2_audio", "text_config": QWEN2_TEXT, "audio_config": audio}
    spec = parse_model_config(config)
    assert [w for w in spec.warnings if "audio_config" in w] == _unsized_warnings(spec)
    assert spec.unmodelled == ("qwen2_audio tower weights (audio_config)",)
    assert (spec.tie_word_embeddings, spec.text_tie_word_embeddings) == (False, None)
    tied = parse_model_config({**config, "tie_word_embeddings": True})
    assert (tied.tie_word_embeddings, tied.text_tie_word_embeddings) == (True, False)


def test_a_wrapper_without_tower_configs_still_says_its_towers_are_not_counted():
    # Idefics3Config builds its default vision tower when config.json gives none
    spec = parse_model_config({"model_type": "idefics3", "text_config": LLAMA_TEXT})
    assert spec.vision is None and spec.unmodelled == ("idefics3 tower weights",)
    assert "(the idefics3 config class's defaults, as config.json gives none)" in \
        _unsized_warnings(spec)[0]


def test_sized_wrappers_and_known_architectures_carry_no_such_warning():
    # LLaVA's SigLIP tower is sized (vision._llava_like); a plain Llama config is no wrapper
    siglip = {"model_type": "siglip_vision_model", "hidden_size": 1_152,
              "intermediate_size": 4_304, "num_hidden_layers": 27, "patch_size": 14,
              "image_size": 384}
    llava = parse_model_config({"model_type": "llava", "text_config": LLAMA_TEXT,
                                "vision_config": siglip})
    assert llava.vision.params > 0 and not _unsized_warnings(llava)
    assert not llava.unmodelled
    assert not _unsized_warnings(parse_model_config(LLAMA_TEXT))


HANDMADE = Path(__file__).parents[2] / "fixtures" / "handmade"


def test_a_wrapper_around_an_unknown_text_model_names_both(capsys):
    """A wrapper outside KNOWN_TYPES builds its text model from text_config (init_vllm_
    registered_model(hf_config=config.text_config): parser.layer_type's NOTE), so where
    text_config.model_type is one Headroom does not know, that is what is unknown: the warning
    named only the wrapper ("model_type 'llava' is not a known architecture"), though llava is
    one Headroom sizes (SIZED_WRAPPERS). The fixture is hand-made: LlavaConfig's CLIP tower
    (hidden 1,024, 24 layers, 336 px, patch 14) around LLAMA_TEXT's dims under model_type
    "exaone", a type outside KNOWN_TYPES."""
    from tests.cli.conftest import run_main

    fixture = HANDMADE / "llava_exaone_text.config.json"
    code, out, err = run_main(capsys, "plan", "--model", str(fixture), "--gpu", "h100-sxm",
                              "--gpus", "1", "--skip-mm-profiling")
    assert code == 0, err
    assert err.splitlines()[0] == (
        "python -m planner plan: warning: the llava wrapper holds text model type 'exaone' "
        "(text_config.model_type), which is not a known architecture: its layers are read "
        "from the standard fields (hidden_size, heads, intermediate_size, experts); check the "
        "figures")
    assert "Fits (unmodelled: 'exaone' text model in 'llava'): " in out
    assert "model_type 'llava' is not a known architecture" not in out + err
    config = json.loads(fixture.read_text())
    # a wrapper Headroom does not know either: both named
    spec = parse_model_config(config | {"model_type": "foo_vl"})
    assert spec.warnings[0].startswith(
        "model_type 'foo_vl', a multimodal wrapper Headroom does not know, holds text model "
        "type 'exaone' (text_config.model_type), which is not a known architecture: ")
    assert spec.unmodelled[0] == "'exaone' text model in 'foo_vl'"
    # a known text model: the unsized-wrapper warning; no text type named: the old one
    assert _unsized_warnings(parse_model_config(
        config | {"model_type": "foo_vl", "text_config": LLAMA_TEXT}))
    untyped = {k: v for k, v in config["text_config"].items() if k != "model_type"}
    spec = parse_model_config(config | {"model_type": "foo_vl", "text_config": untyped})
    assert spec.warnings[0].startswith("model_type 'foo_vl' is not a known architecture: ")
    # a known wrapper reads its text model by its own rules (qwen3_vl.py builds it directly)
    assert not any("known architecture" in w for w in parse_model_config(
        config | {"model_type": "qwen3_vl"}).warnings)
