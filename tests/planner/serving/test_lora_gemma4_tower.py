"""--enable-tower-connector-lora on Gemma 4 (planner.serving.lora.tower), worked by hand from the
vLLM 0.29.0-0.34.0 wheels' models/gemma4_mm.py (Gemma4ForConditionalGeneration:
supports_tower_connector_lora = True from 0.29.0; vision_tower = AutoModel.from_config(
vision_config), transformers' Gemma4VisionModel, then recursive_replace_linear(vision_tower, ...)
(models/transformers/utils.py: every nn.Linear -> replace_linear_class(..., "replicate"), a
ReplicatedLinear); embed_vision Gemma4MultimodalEmbedder.embedding_projection ReplicatedLinear(
hidden -> text hidden); get_mm_mapping tower "vision_tower", connector "embed_vision";
get_mm_lora_token_counts), lora/model_manager.py _maybe_init_mm / _create_lora_modules and
lora/layers/replicated_linear.py (ReplicatedLinearWithLoRA: A rank x in, B out x rank, whole on
every rank). 0.28.0: the same wrappers and slots (gemma4_mm.py's get_mm_lora_token_counts, tower
and get_mm_mapping as 0.29.0's; _maybe_init_mm's support test there is hasattr
get_num_mm_encoder_tokens, which interfaces.py SupportsMultiModal gives every multimodal class).
0.20.0-0.27.1: that hasattr passes too, and _maybe_init_mm sizes the tower's Punica wrapper from
the inherited stub's None (get_punica_wrapper(None, ...): punica_base.py torch.empty(None), a
TypeError at start-up): refused.

google/gemma-4-26B-A4B's vision_config (../shared/model-configs): 27 layers, hidden 1,152, 16
heads x head_dim 72 (q/k/v/o 1,152 wide, 16 KV heads), intermediate 4,304, patch 16 (3 x 16^2 =
768 values a patch), pooling_kernel_size 3, default_output_length 280; text hidden 2,816.
transformers' Gemma4VisionModel: patch_embedder.input_proj nn.Linear(768 -> 1,152); per layer
self_attn q_proj/k_proj/v_proj/o_proj and mlp gate_proj/up_proj/down_proj, each a
Gemma4ClippableLinear holding an nn.Linear `.linear`; the pooler has no linear.
N = 4 LoRAs, R = 16, bfloat16, elements 4 x 16 x (in + out) each, any TP:
- patch_embedder.input_proj: 64 x (768 + 1,152) = 122,880
- per layer: q, k, v, o 4 x 64 x 2,304 = 589,824; gate, up, down 3 x 64 x (1,152 + 4,304) =
  1,047,552: 1,637,376 a layer, 27 layers 44,209,152
- embed_vision.embedding_projection: 64 x (1,152 + 2,816) = 253,952
44,585,984 elements = 89,171,968 B on each rank at TP=1 and TP=2.
Punica at max_num_batched_tokens 8,192, max_num_seqs 1,024, max_model_len 8,192
(get_mm_max_tokens_per_item: image 280, video 32 frames x (70 + 2 + 6) = 2,496): budget
max(8,192, 280, 2,496) = 8,192; items per prompt max(min(999, 8,192 // 280) = 29, 8,192 // 2,496
= 3) = 29, so 1,024 x 29 = 29,696 batches. Tower tokens: image 280 x 3^2 = 2,520, video (no
mm_kwargs) ceil(8,192 / 70) = 118 x 70 x 9 = 74,340: 74,340; connector 8,192 (both). 0.29.0 on:
tower 4 x 74,340 x 8 + 3 x 29,696 x 8 + 2 x (2 x 74,340 + 16) x 4 = 2,378,880 + 712,704 +
1,189,568 = 4,281,152 B; connector 4 x 8,192 x 8 + 712,704 + 2 x (2 x 8,192 + 16) x 4 = 262,144
+ 712,704 + 131,200 = 1,106,048 B: 5,387,200 B.
"""

import copy
import json

import pytest

from planner.catalog import catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.serving.auto_layout import compared_engine, compared_lora_note
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.lora.tower import tower_refusal
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import command_problems, vllm_cli
from tests.cli.conftest import run_main
from tests.planner.serving.test_lora_tower import tower_term

GEMMA4 = "google/gemma-4-26B-A4B"
ENGINE = {"max_model_len": 8192, "max_num_batched_tokens": 8192, "max_num_seqs": 1024,
          "enable_lora": True, "max_loras": 4}
TOWER = (122_880 + 27 * (589_824 + 1_047_552) + 253_952) * 2
PUNICA = 4_281_152 + 1_106_048


def _plan(tp: int = 1, pp: int = 1, version: str = "0.34.0", **engine):
    return plan(PlanRequest(model=catalog_spec(GEMMA4), cluster=preset_cluster("h100", tp * pp),
                            layout=ParallelLayout(tp=tp, pp=pp),
                            engine=EngineSettings(vllm_version=version, **ENGINE, **engine)))


@pytest.mark.parametrize(("tp", "version"), [
    (1, "0.34.0"), (2, "0.34.0"), (1, "0.29.0"), (2, "0.31.0")])
def test_gemma_4_on_one_and_two_h100s_as_worked_by_hand(tp, version) -> None:
    assert (TOWER, PUNICA) == (89_171_968, 5_387_200)
    term = tower_term(_plan(tp, version=version),
                      _plan(tp, version=version, enable_tower_connector_lora=True), version,
                      TOWER, PUNICA)
    assert "two Punica wrappers of 74,340 (tower) and 8,192 (connector) tokens x 29,696 " \
        "batches" in term.note
    assert ("from the image's 280 tokens (vision_config default_output_length unless "
            "--mm-processor-kwargs names max_soft_tokens)") in term.note
    assert "embed_vision embedding_projection 253,952" in term.formula


def test_0_28_0_sizes_the_tower_as_worked_by_hand() -> None:
    # to 0.28.0 the Punica wrapper holds 5 int64 rows of its tokens, not 4 (punica_base.py
    # _embeddings_indices (2, tokens): lora.punica.EMBEDDING_INDICES_ONE_ROW_FROM):
    # tower 5 x 74,340 x 8 + 712,704 + 1,189,568 = 4,875,872 B; connector 5 x 8,192 x 8 +
    # 712,704 + 131,200 = 1,171,584 B: 6,047,456 B, the slots as 0.29.0's
    punica = 5 * 74_340 * 8 + 712_704 + 1_189_568 + 5 * 8_192 * 8 + 712_704 + 131_200
    assert punica == 6_047_456
    tower_term(_plan(version="0.28.0"), _plan(version="0.28.0", enable_tower_connector_lora=True),
               "0.28.0", TOWER, punica)


@pytest.mark.parametrize("version", ["0.20.0", "0.27.1"])
def test_releases_before_0_28_fail_at_start_up_with_the_flag(version) -> None:
    # lora/model_manager.py _maybe_init_mm (0.20.0-0.27.1): `hasattr(self.model,
    # "get_num_mm_encoder_tokens")` holds (interfaces.py SupportsMultiModal defines it, a
    # docstring only, and gemma4_mm.py's class subclasses it without its own), so it goes on
    # to `get_punica_wrapper(self.model.get_num_mm_encoder_tokens(budget), ...)`: None tokens,
    # and PunicaWrapperBase.__init__'s torch.empty(None, ...) raises TypeError
    asked = _plan(version=version, enable_tower_connector_lora=True)
    assert not asked.fits and asked.vllm_command is None
    assert [e for e in asked.errors if "get_num_mm_encoder_tokens" in e] == [
        f"--enable-tower-connector-lora: vLLM {version} fails at start-up for "
        "Gemma4ForConditionalGeneration: lora/model_manager.py _maybe_init_mm takes any model "
        "with get_num_mm_encoder_tokens, which gemma4_mm.py inherits as interfaces.py "
        "SupportsMultiModal's stub (it returns None), and sizes the tower's Punica wrapper "
        "from that None (punica_base.py torch.empty(None): a TypeError); gemma4_mm.py counts "
        "its tower's tokens from vLLM 0.28.0 (get_mm_lora_token_counts), so it is not "
        "planned: drop the flag or use vLLM 0.28.0 or later"]
    assert not any("This will be ignored." in w for w in asked.warnings)


@pytest.mark.parametrize(("version", "code"), [("0.27.1", 2), ("0.28.0", 0), ("0.34.0", 0)])
def test_the_cli_refuses_the_flag_where_vllm_fails(version, code, capsys) -> None:
    # 0.27.1 fails at start-up (the test above): one line, exit 2; 0.28.0 on plan the tower's
    # slots, the flag in a command the release's parser takes
    args = ("plan", "--model", GEMMA4, "--gpu", "h100-sxm", "--gpus", "1", "--enable-lora",
            "--enable-tower-connector-lora", "--vllm-version", version)
    got, out, err = run_main(capsys, *args, "--json")
    assert got == code, err
    if code:
        assert out == "" and len(err.strip().splitlines()) == 1, err
        assert f"vLLM {version} fails at start-up for Gemma4ForConditionalGeneration" in err
        return
    planned = json.loads(out)
    assert not any("This will be ignored." in w for w in planned["warnings"])
    assert "--enable-tower-connector-lora" in planned["vllm_command"]
    assert command_problems(planned["vllm_command"], vllm_cli(version)) == []


@pytest.mark.parametrize(("version", "later_tower"), [("0.34.0", False), ("0.32.0", True)])
def test_pipeline_stages_hold_the_wrappers_and_where_built_the_slots(version, later_tower
                                                                    ) -> None:
    # PP=2: both stages build the two wrappers; the tower on the first stage only on Model
    # Runner V2 from 0.33.0 (gemma4_mm.py builds it inside _mark_tower_model), on both before
    base = _plan(pp=2, version=version)
    lora = _plan(pp=2, version=version, enable_tower_connector_lora=True)
    assert not lora.errors
    added = [b.lora_bytes - a.lora_bytes for a, b in zip(base.per_gpu, lora.per_gpu,
                                                         strict=True)]
    assert added == [TOWER + PUNICA, PUNICA + (TOWER if later_tower else 0)]


def test_a_compared_gemma_4_keeps_its_tower_lora() -> None:
    asked = EngineSettings(**ENGINE, enable_tower_connector_lora=True)
    assert compared_engine(catalog_spec(GEMMA4), asked).enable_tower_connector_lora
    assert compared_lora_note(catalog_spec(GEMMA4), asked) is None


def test_an_audio_config_is_refused_as_not_read() -> None:
    # with audio_config gemma4_mm.py builds audio_tower and get_mm_mapping adds it (and
    # embed_audio) to the tower and connector prefixes, with an audio modality in the budget
    config = copy.deepcopy(catalog_entry(GEMMA4).config)
    config["audio_config"] = {"model_type": "gemma4_audio", "hidden_size": 1024}
    spec = parse_model_config(config, name="gemma-4-with-audio")
    assert "audio_tower and embed_audio" in tower_refusal(spec, True, 1, False)
    # every tower linear whole (ReplicatedLinear): --fully-sharded-loras splits none of them
    assert tower_refusal(catalog_spec(GEMMA4), True, 5, True) is None
