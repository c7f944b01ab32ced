"""--enable-lora on granite-vision (LLaVA-NeXT) and MiMo-V2-Flash (planner.serving.lora), worked
by hand from the configs (planner/catalog_data/ibm-granite__granite-vision-3.3-2b.json, a
RECONSTRUCTED config: "written from public knowledge", provenance "reconstructed"; its text
numbers are those of granite-3.1-2b-instruct but for the vocabulary, 49,156 there) and the
vLLM sources of every release of settings.LORA_READ (0.17.0-0.34.0):

- models/llava_next.py LlavaNextForConditionalGeneration: SupportsLoRA from 0.29.0 (0.17.0-0.28.0:
  `class LlavaNextForConditionalGeneration(nn.Module, SupportsMultiModal, SupportsPP)`, so
  v1/worker/lora_model_runner_mixin.py load_lora_model raises "... does not support LoRA
  yet."); 0.29.0-0.34.0: packed_modules_mapping qkv_proj (q/k/v, 3 A) and gate_up_proj
  (gate/up, 2 A), no embedding_modules of its own; language_model =
  init_vllm_registered_model(hf_config=text_config), here granite.py GraniteForCausalLM, whose
  embedding_modules embed_tokens and lm_head lora/utils.py get_supported_lora_modules reads off
  every module: both wrapped (the tied lm_head its own ParallelLMHead, tie_weights).
  get_mm_mapping: language_model "language_model", connector "multi_modal_projector",
  tower_model "vision_tower": lora/model_manager.py _maybe_init_mm gives those two no Punica
  wrapper without --enable-tower-connector-lora, so no slots; with it the tower is sized from
  image_grid_pinpoints (test_lora_llava_next_tower), which this config lacks, so refused here.
- MiMoV2FlashForCausalLM (models/mimo_v2_flash.py 0.17.0-0.20.2, mimo_v2.py 0.21.0-0.34.0): never
  SupportsLoRA (nn.Module, SupportsPP, MixtureOfExperts, SupportsEagle3 from 0.25.0; no
  supports_lora, no embedding_modules), so vLLM fails at start-up in every release: nothing to
  size, whatever TP or EP.

N = max_loras = 4, R = max_lora_rank = 16, bfloat16 (2 B), the shapes of test_lora.py's
docstring; Punica at 8,192 batched tokens and 1,024 sequences from 0.29.0 (test_lora.PUNICA:
lora/punica_wrapper/punica_base.py; the 0.17.0-0.28.0 extra _embeddings_indices row of 65,536
B never applies here: the class is not SupportsLoRA there).
"""

import pytest

from planner.catalog import catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.lora.coverage import model_refusal
from planner.serving.lora.settings import LoraSettings
from planner.serving.lora.slots import stage_parts
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_versions import LayoutRefused
from tests.planner.serving.test_lora import PUNICA

VISION = "ibm-granite/granite-vision-3.3-2b"
MIMO_V2 = "XiaomiMiMo/MiMo-V2-Flash"

# granite-vision-3.3-2b's text_config: hidden 2,048, 32 / 8 heads of 64 (2,048 / 32),
# intermediate 8,192, vocabulary 49,156, 40 layers, tied. TP=1, per layer:
# qkv 4 x (3 x 16 x 2,048 + (2,048 + 512 + 512) x 16) = 589,824; o 4 x (16 x 2,048 + 2,048 x 16)
# = 262,144; gate_up 4 x (2 x 16 x 2,048 + 2 x 8,192 x 16) = 1,310,720; down 4 x (16 x 8,192 +
# 2,048 x 16) = 655,360: 2,818,048 a layer, 112,721,920 for 40
VISION_LAYERS = 40 * (589_824 + 262_144 + 1_310_720 + 655_360)
# embed_tokens and lm_head each 4 x (49,156 x 16 + 2,048 x 16) = 3,277,056
VISION_ENDS = 2 * 4 * (49156 * 16 + 2048 * 16)
VISION_TP1 = (VISION_LAYERS + VISION_ENDS) * 2 + PUNICA  # 238,552,064 + 417,920 B
# TP=2: q 1,024 and kv 256 a rank, intermediate 4,096, o_proj input 1,024: qkv 4 x (3 x 16 x
# 2,048 + 1,536 x 16) = 491,520; o 4 x (16 x 1,024 + 2,048 x 16) = 196,608; gate_up 4 x (2 x 16
# x 2,048 + 2 x 4,096 x 16) = 786,432; down 4 x (16 x 4,096 + 2,048 x 16) = 393,216; the
# lm_head's int64 mapping over 49,156 padded to 64: 49,216 x 8 B = 393,728
VISION_TP2 = ((40 * (491_520 + 196_608 + 786_432 + 393_216) + VISION_ENDS) * 2 + 49216 * 8
              + PUNICA)  # 163,341,952 B


def _plan(model: str, version: str = "0.34.0", tp: int = 1, ep: bool = False, **engine):
    return plan(PlanRequest(
        model=catalog_spec(model), cluster=preset_cluster("h100", tp),
        layout=ParallelLayout(tp=tp, ep=ep), engine=EngineSettings(vllm_version=version,
                                                                   **engine)))


@pytest.mark.parametrize("version", ["0.29.0", "0.31.0", "0.34.0"])
def test_granite_vision_sizes_its_granite_language_model_as_worked_by_hand(version) -> None:
    base = _plan(VISION, version)
    lora = _plan(VISION, version, enable_lora=True, max_loras=4, max_lora_rank=16)
    assert not lora.errors
    assert lora.lora_bytes_per_gpu == VISION_TP1 == 238_969_984
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == VISION_TP1
    lora_term = next(t for t in lora.terms if t.key == "lora")
    assert "vision_tower and multi_modal_projector get no LoRA" in lora_term.note


def test_granite_vision_at_tp2_splits_its_layers_and_maps_its_lm_head() -> None:
    lora = _plan(VISION, tp=2, enable_lora=True, max_loras=4, max_lora_rank=16)
    assert not lora.errors and lora.lora_bytes_per_gpu == VISION_TP2 == 163_341_952


def test_granite_vision_wraps_no_tower_module_without_the_flag() -> None:
    parts = stage_parts(catalog_spec(VISION), range(40), True, True, 1,
                        LoraSettings(4, 16, False, (0, 34, 0)))
    assert {p.name: p.count for p in parts} == {
        "qkv_proj": 40, "o_proj": 40, "gate_up_proj": 40, "down_proj": 40, "embed_tokens": 1,
        "lm_head": 1}


def test_granite_vision_before_029_and_its_tower_flag_are_refused() -> None:
    old = _plan(VISION, "0.28.0", enable_lora=True)
    assert any("(\"LlavaNextForConditionalGeneration does not support LoRA yet.\"" in e
               and "(it is from vLLM 0.29.0)" in e for e in old.errors), old.errors
    with pytest.raises(LayoutRefused, match="LlavaNextForConditionalGeneration's config.json "
                       "has no image_grid_pinpoints"):
        _plan(VISION, enable_lora=True, enable_tower_connector_lora=True)


def test_a_llava_next_over_a_language_model_not_read_is_refused() -> None:
    spec = catalog_spec(VISION)
    assert model_refusal(spec) is None
    as_mistral = spec.model_copy(update={"text_architectures": ("MistralForCausalLM",)})
    assert model_refusal(as_mistral) == (
        "--enable-lora: LlavaNextForConditionalGeneration's language model here is "
        "MistralForCausalLM (text_config.architectures); Headroom sizes "
        "LlavaNextForConditionalGeneration's LoRA slots over GraniteForCausalLM only, so it is "
        "not planned")


def test_granite_vision_whose_text_config_names_no_class_is_sized_as_granite() -> None:
    # vLLM 0.20.0 on fills text_config's architectures in from its model_type (config/vllm.py
    # with_hf_config: MODEL_FOR_CAUSAL_LM_MAPPING_NAMES["granite"] = GraniteForCausalLM), so the
    # same language model as the catalog config's, the same slots
    entry = catalog_entry(VISION)
    assert entry is not None
    text = {k: v for k, v in entry.config["text_config"].items() if k != "architectures"}
    spec = parse_model_config({**entry.config, "text_config": text}, name=VISION)
    assert spec.text_architectures == () and model_refusal(spec) is None
    lora = plan(PlanRequest(
        model=spec, cluster=preset_cluster("h100", 1), layout=ParallelLayout(tp=1),
        engine=EngineSettings(vllm_version="0.34.0", enable_lora=True, max_loras=4,
                              max_lora_rank=16)))
    assert not lora.errors and lora.lora_bytes_per_gpu == VISION_TP1
    as_llama = parse_model_config({**entry.config, "text_config": {**text, "model_type": "llama"}},
                                  name=VISION)
    assert model_refusal(as_llama) == (
        "--enable-lora: LlavaNextForConditionalGeneration's language model here is "
        "LlamaForCausalLM (text_config.model_type \"llama\"); Headroom sizes "
        "LlavaNextForConditionalGeneration's LoRA slots over GraniteForCausalLM only, so it is "
        "not planned")


@pytest.mark.parametrize(("version", "file"), [
    ("0.17.0", "mimo_v2_flash.py"), ("0.20.2", "mimo_v2_flash.py"), ("0.21.0", "mimo_v2.py"),
    ("0.34.0", "mimo_v2.py")])
@pytest.mark.parametrize("ep", [False, True])
def test_mimo_v2_flash_is_refused_in_vllm_words_in_every_release(version, file, ep) -> None:
    refused = _plan(MIMO_V2, version, tp=8, ep=ep, enable_lora=True, max_loras=4,
                    max_lora_rank=16)
    assert any(e.startswith(f"--enable-lora: vLLM {version} fails at start-up "
                            "(\"MiMoV2FlashForCausalLM does not support LoRA yet.\"")
               and file in e for e in refused.errors), refused.errors
