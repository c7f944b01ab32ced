"""--language-model-only, --limit-mm-per-prompt 0 and --mm-encoder-tp-mode data in the plan.

Figures worked by hand from ../shared/model-configs/Qwen__Qwen3-VL-32B-Instruct.json
(vision_config: depth 27, hidden_size 1152, intermediate_size 4304, patch_size 16,
temporal_patch_size 2, in_channels 3, num_position_embeddings 2304, spatial_merge_size 2,
out_hidden_size 5120, deepstack_visual_indexes [8, 16, 24]; bfloat16) and the vLLM sources:
qwen3_vl.py Qwen3_VisionTransformer, built inside interfaces.py
SupportsMultiModal._mark_tower_model(vllm_config, {"image", "video"}) (0.15.0-0.34.0), which
makes it a StageMissingLayer with no weights when both limits are 0 (config/multimodal.py
get_limit_per_prompt: 0 for every modality under --language-model-only, 0.17.0 on); the
0.11.0-0.14.0 qwen3_vl.py sets `self.visual = None` under the same test.

Tower parameters:
  patch_embed Conv3d 3 x 2 x 16 x 16 x 1152 + bias 1152         =   1,770,624
  pos_embed 2304 x 1152                                           =   2,654,208
  per block: norms 4 x 1152 + qkv 1152 x 3456 + 3456 + proj 1152^2 + 1152
             + fc1 1152 x 4304 + 4304 + fc2 4304 x 1152 + 1152    =  15,239,504
  27 blocks                                                       = 411,466,608
  merger: LayerNorm 2 x 1152 + fc1 4608^2 + 4608 + fc2 4608 x 5120 + 5120 = 44,838,656
  3 deepstack mergers (LayerNorm over 4608: 9,216 instead of 2,304) = 134,536,704
  total                                                           = 595,266,800
Held whole on every TP rank at the default weights mode (patch_embed, pos_embed, norms, the
row-parallel biases proj / fc2 / merger fc2): 4,424,832 + 27 x (4,608 + 1,152 + 1,152)
+ (2,304 + 5,120) + 3 x (9,216 + 5,120) = 4,661,888.
  TP1: 595,266,800 x 2 B = 1,190,533,600 B per GPU
  TP2: ((595,266,800 - 4,661,888) / 2 + 4,661,888) x 2 B = 299,964,344 x 2 = 599,928,688 B
  --mm-encoder-tp-mode data at TP2 (qwen3_vl.py use_data_parallel: every linear layer
  disable_tp): the whole 1,190,533,600 B, 590,604,912 B more than the split tower.
Beside the tower, on each GPU that builds it, the deepstack input buffers qwen3_vl.py
Qwen3VLForConditionalGeneration.__init__ allocates (`self.deepstack_input_embeds = [torch.zeros(
scheduler_config.max_num_batched_tokens, config.text_config.hidden_size) for _ in
range(len(deepstack_visual_indexes))]`, the model dtype, not split over TP; from 0.28.0 only
`not isinstance(self.visual, StageMissingLayer)`, inside _mark_tower_model's meta-device
context before, `self.visual is not None` in 0.11.0-0.14.0): 3 x 8,192 x 5,120 x 2 B =
251,658,240 B at the H100's 8,192 batched tokens.

Gemma 4 (gemma4_mm.py, 0.19.0-0.34.0): the vision tower inside _mark_tower_model(vllm_config,
{"image", "video"}); with config.audio_config set, get_supported_mm_limits adds "audio" and the
audio tower is built inside _mark_tower_model(vllm_config, "audio"). google/gemma-4-26B-A4B's
tower and embed_vision: 572,794,416 parameters (test_config_vision.test_gemma4_26b_by_hand),
held whole on each GPU, x 2 B (bfloat16) = 1,145,588,832 B.
"""

import json
import shlex

import pytest

from planner.catalog import catalog_spec
from planner.model.config.parser import parse_model_config
from planner.model.spec import ModelSpec
from planner.report import model_warnings
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.mm_modes import served_towers
from planner.serving.plan import Plan, PlanRequest, plan
from planner.serving.replicas import families
from planner.serving.sweep import layout_candidates
from planner.serving.vllm_cli import command_problems, vllm_cli
from planner.serving.vllm_versions import EngineError
from tests.conftest import load_ref_config

QWEN3_VL = "Qwen/Qwen3-VL-32B-Instruct"
TOWER_PARAMS = 595_266_800
TOWER_BYTES = {1: 1_190_533_600, 2: 599_928_688}
GEMMA4_TOWER_BYTES = 572_794_416 * 2
DEEPSTACK_BYTES = 3 * 8_192 * 5_120 * 2  # 251,658,240


def _plan(model: str | ModelSpec, tp: int, version: str = "0.20.0", **flags: object) -> Plan:
    """The plan on TP x H100 at 8,192 tokens of a catalog model (or a spec)."""
    s = EngineSettings(vllm_version=version, max_model_len=8192, **flags)
    spec = catalog_spec(model) if isinstance(model, str) else model
    return plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", tp),
                            layout=ParallelLayout(tp=tp), engine=s))


def _terms(model: str | ModelSpec, tp: int, version: str = "0.20.0", **flags: object) -> dict:
    """The plan's terms by key (_plan)."""
    return {t.key: t for t in _plan(model, tp, version, **flags).terms}


def test_the_tower_counted_is_the_hand_count() -> None:
    assert catalog_spec(QWEN3_VL).vision.params == TOWER_PARAMS


@pytest.mark.parametrize("tp", [1, 2])
@pytest.mark.parametrize("flags", [{"language_model_only": True},
                                   {"zero_mm_limits": ("image", "video")}])
def test_text_only_takes_the_tower_off_each_gpu(tp: int, flags: dict) -> None:
    base, text = _terms(QWEN3_VL, tp), _terms(QWEN3_VL, tp, **flags)
    assert base["weights"].value - text["weights"].value == TOWER_BYTES[tp] + DEEPSTACK_BYTES
    note = text["weights"].note
    assert "vLLM builds no vision tower" in note and "_mark_tower_model" in note
    # no encoder profile: what it kept through the decoder's run goes too, the dummy image's
    # 65,536 patches x 1,536 values + 16,384 tokens x 5,120 x (1 + 3 deepstack), x 2 B
    assert base["activation"].inputs["encoder_held_bytes"] == str(
        65_536 * 1_536 * 2 + 16_384 * 5_120 * 4 * 2)
    assert "encoder_held_bytes" not in text["activation"].inputs


@pytest.mark.parametrize("tp", [1, 2])
def test_deepstack_buffers_sit_whole_beside_the_tower(tp: int) -> None:
    # qwen3_vl.py deepstack_input_embeds: 3 x max_num_batched_tokens x text hidden x 2 B on
    # each GPU, TP or not, in the weights (allocated while the model is built)
    weights = _terms(QWEN3_VL, tp)["weights"]
    assert weights.inputs["buffers_bytes"] == str(DEEPSTACK_BYTES)
    assert "3 x 8,192 batched tokens x 5,120 x 2 B = 251,658,240 B" in weights.formula
    text = _terms(QWEN3_VL, tp, language_model_only=True)["weights"]
    assert "buffers_bytes" not in text.inputs
    assert "its 251,658,240 B of deepstack input buffers" in text.note


def test_deepstack_buffers_follow_the_tower_over_pipeline_stages() -> None:
    # 0.34.0 interfaces.py _mark_tower_model: no tower after the first PP stage, so
    # use_deepstack is False there (qwen3_vl.py `not isinstance(self.visual,
    # StageMissingLayer)`); 0.27.0 (V1) builds the tower, and its buffers, on every stage
    def stage_buffers(version: str) -> list[int]:
        s = EngineSettings(vllm_version=version, max_model_len=8192)
        p = plan(PlanRequest(model=catalog_spec(QWEN3_VL), cluster=preset_cluster("h100-sxm", 2),
                             layout=ParallelLayout(pp=2), engine=s))
        return [g.weights_bytes for g in p.per_gpu]
    new, old = stage_buffers("0.34.0"), stage_buffers("0.27.0")
    # and every stage's M-RoPE rotary cache holds 4 rows a position on 0.27.0, one on 0.34.0:
    # 3 x 262,144 x 128 x 2 B = 201,326,592 B more on both (weights.rope_cache_rows)
    mrope = 3 * 262_144 * 128 * 2
    assert old[1] - new[1] == TOWER_BYTES[1] + DEEPSTACK_BYTES + mrope
    assert old[0] - new[0] == mrope


def test_a_modality_left_above_zero_keeps_the_tower() -> None:
    base, video = _terms(QWEN3_VL, 1), _terms(QWEN3_VL, 1, zero_mm_limits=("image",))
    assert video["weights"].value == base["weights"].value
    # the profile moves to the 2-frame dummy video (mm_modes.profiled_video_patches): one item
    # either way at 8,192 tokens (budget 16,384 // 16,384, 12,288 // 12,288), where the held
    # outputs and input + the decoder bind: an image holds 65,536 x 1,536 x 2 + 16,384 x 5,120
    # x 4 x 2 = 872,415,232 B, a video 49,152 x 1,536 x 2 + 12,288 x 5,120 x 4 x 2 =
    # 654,311,424 B: 218,103,808 B less
    assert base["activation"].value - video["activation"].value == 218_103_808


def test_data_mode_holds_the_whole_tower_and_profiles_it_unsplit() -> None:
    base, data = _terms(QWEN3_VL, 2), _terms(QWEN3_VL, 2, mm_encoder_tp_mode="data")
    assert data["weights"].value - base["weights"].value == TOWER_BYTES[1] - TOWER_BYTES[2]
    assert "--mm-encoder-tp-mode data: the whole vision tower on each GPU" in (
        data["weights"].note)
    # the ViT block's live set (engine.encoder_profile) at TP 1: attention 11 x 1,152 =
    # 12,672 per patch; at TP 2: (4 + 8 / 2) x 1,152 = 9,216; plus input 1,536, positions
    # 1,152 and the deepstack outputs 3 x 5,120 / 4 = 3,840 per patch, 65,536 patches, 2 B
    per_patch = 1_536 + 1_152 + 3_840
    assert data["activation"].inputs["vision_encoder_peak_bytes"] == str(
        65_536 * (per_patch + 12_672) * 2)
    assert base["activation"].inputs["vision_encoder_peak_bytes"] == str(
        65_536 * (per_patch + 9_216) * 2)
    # at TP 1 there is nothing to split: the same plan
    assert _terms(QWEN3_VL, 1, mm_encoder_tp_mode="data")["weights"].value == (
        _terms(QWEN3_VL, 1)["weights"].value)


UNDECLARED_NOTE = ("takes no such input (its class declares {}: get_supported_mm_limits), and "
                   "vLLM 0.20.0 reads a limit only for a modality the class declares")


def test_a_modality_the_class_does_not_declare_is_kept_and_planned_as_absent() -> None:
    # vLLM 0.17.0-0.34.0 (config/multimodal.py _validate_limit_per_prompt stores any key;
    # multimodal/processing/context.py allowed_mm_limits loops over get_supported_mm_limits
    # only): gemma3_mm.py declares {"image": None}, so "video": 0 is stored and never read,
    # and image 0 alone serves Gemma 3 text-only
    gemma = "google/gemma-3-27b-it"
    both, image = (_plan(gemma, 1, zero_mm_limits=limits)
                   for limits in (("image", "video"), ("image",)))
    assert [t.value for t in both.terms] == [t.value for t in image.terms]
    assert both.fits and both.errors == []
    said = [n for n in both.warnings if n.startswith("--limit-mm-per-prompt video 0: ")]
    assert len(said) == 1 and UNDECLARED_NOTE.format("image") in said[0], both.warnings
    assert "kept in the launch command as given, planned as without it" in said[0]
    assert both.vllm_command.endswith("""--limit-mm-per-prompt '{"image": 0, "video": 0}'""")
    assert not any("video 0: " in n for n in image.warnings)
    # Qwen3-VL with only an unknown key at 0: image and video keep 999 items, so the plan is
    # the one without the flag, with both notes
    qwen, base = _plan(QWEN3_VL, 1, zero_mm_limits=("foo",)), _plan(QWEN3_VL, 1)
    assert [t.value for t in qwen.terms] == [t.value for t in base.terms]
    assert any(n.startswith("--limit-mm-per-prompt foo 0: qwen3_vl "
                            + UNDECLARED_NOTE.format("image, video")) for n in qwen.warnings)
    assert any("keeps image 999, video 999 items per prompt" in n for n in qwen.warnings)


def test_a_modality_named_with_quotes_stays_one_json_word_in_the_command() -> None:
    # the name as vLLM's JSON reader gives it back: the command's object, split as a shell
    # splits it, reads as the names given
    p = _plan(QWEN3_VL, 1, zero_mm_limits=("image", "video", 'it\'s "x"'))
    words = shlex.split(p.vllm_command)
    limits = json.loads(words[words.index("--limit-mm-per-prompt") + 1])
    assert limits == {"image": 0, "video": 0, 'it\'s "x"': 0}
    assert command_problems(p.vllm_command, vllm_cli("0.20.0")) == []


def test_limits_keep_the_order_given_and_name_the_empty_modality() -> None:
    # the launch command writes the object as given (zeros went first before); an empty key,
    # which vLLM stores and never reads (UNDECLARED_LIMIT_READ), is named "" (it read ': 1')
    p = _plan(QWEN3_VL, 1, zero_mm_limits=("video",), mm_item_limits=(("", 1), ("image", 2)),
              mm_limit_order=("image", "", "video"))
    words = shlex.split(p.vllm_command)
    assert words[words.index("--limit-mm-per-prompt") + 1] == '{"image": 2, "": 1, "video": 0}'
    assert any(n.startswith('--limit-mm-per-prompt "" 1: qwen3_vl takes no such input')
               for n in p.warnings), p.warnings


def test_before_0_15_only_guarded_classes_drop_the_tower() -> None:
    # 0.14.0 qwen3_vl.py: `self.visual = None` with image and video at 0; gemma3_mm.py has no
    # guard before 0.15.0 (its tower built whatever the limits), though the worker runs
    # text-only (multimodal/registry.py supports_multimodal_inputs)
    zero = {"zero_mm_limits": ("image", "video")}
    assert (_terms(QWEN3_VL, 1, "0.14.0")["weights"].value
            - _terms(QWEN3_VL, 1, "0.14.0", **zero)["weights"].value) == (
                TOWER_BYTES[1] + DEEPSTACK_BYTES)
    gemma = "google/gemma-3-27b-it"
    s = EngineSettings(vllm_version="0.14.0", max_model_len=8192, zero_mm_limits=("image",))
    p = plan(PlanRequest(model=catalog_spec(gemma), cluster=preset_cluster("h100-sxm", 1),
                         layout=ParallelLayout(tp=1), engine=s))
    weights = next(t for t in p.terms if t.key == "weights").value
    assert weights == _terms(gemma, 1, "0.14.0")["weights"].value
    assert any("still builds and loads its vision tower" in n for n in p.warnings)
    assert (_terms(gemma, 1, "0.20.0")["weights"].value
            > _terms(gemma, 1, "0.20.0", zero_mm_limits=("image",))["weights"].value)


def test_data_mode_on_a_model_that_falls_back_is_the_default_with_a_note() -> None:
    gemma = "google/gemma-3-27b-it"
    s = EngineSettings(vllm_version="0.20.0", max_model_len=8192, mm_encoder_tp_mode="data")
    p = plan(PlanRequest(model=catalog_spec(gemma), cluster=preset_cluster("h100-sxm", 2),
                         layout=ParallelLayout(tp=2), engine=s))
    assert next(t for t in p.terms if t.key == "weights").value == (
        _terms(gemma, 2)["weights"].value)
    assert any("falls back to weights" in n for n in p.warnings)


def _gemma4(audio: bool) -> ModelSpec:
    """google/gemma-4-26B-A4B's config.json (audio_config null), or a copy with an audio tower."""
    config, _ = load_ref_config("google__gemma-4-26B-A4B")
    if audio:  # the keys E2B's gemma4_audio config opens with; its tower is not sized
        config = {**config, "audio_config": {"model_type": "gemma4_audio", "hidden_size": 1024}}
    return parse_model_config(config, name="gemma-4-26B-A4B" + ("-audio" * audio))


def test_gemma4_without_audio_is_text_only_at_image_and_video_zero() -> None:
    spec, zero = _gemma4(audio=False), {"zero_mm_limits": ("image", "video")}
    base = _terms(spec, 1)["weights"].value
    assert base - _terms(spec, 1, **zero)["weights"].value == GEMMA4_TOWER_BYTES
    assert _terms(spec, 1, language_model_only=True)["weights"].value == base - (
        GEMMA4_TOWER_BYTES)


def test_gemma4_with_audio_left_at_999_is_refused_not_planned_text_only() -> None:
    # the audio tower keeps its 999 items: built, loaded and profiled by vLLM, not sized here
    spec = _gemma4(audio=True)
    p = _plan(spec, 1, zero_mm_limits=("image", "video"))
    assert not p.fits and len(p.errors) == 1
    assert p.errors[0].startswith("--limit-mm-per-prompt image 0, video 0: "
                                  "Gemma4ForConditionalGeneration here has an audio_config, so "
                                  "vLLM keeps audio's 999 items per prompt"), p.errors
    # every declared modality at 0, or --language-model-only: text-only, the vision tower off
    base = _terms(spec, 1)["weights"].value
    for flags in ({"zero_mm_limits": ("image", "video", "audio")},
                  {"language_model_only": True}):
        text = _plan(spec, 1, **flags)
        assert not any("audio_config" in e for e in text.errors)
        weights = next(t for t in text.terms if t.key == "weights").value
        assert base - weights == GEMMA4_TOWER_BYTES
    # audio alone at 0 leaves image and video: the vision tower stays, a note says why
    kept = _plan(spec, 1, zero_mm_limits=("audio",))
    assert next(t for t in kept.terms if t.key == "weights").value == base
    assert any("keeps audio 0, image 999, video 999 items" in w for w in kept.warnings)


AUDIO_WARNING = ("audio_config: the audio tower's parameters and weights are not counted "
                 "(vLLM loads it): weights too low")


def _audio_named(p: Plan) -> list[str]:
    """Where the plan names the unsized audio tower: its verdict and warnings."""
    return [text for text in (p.verdict, *p.warnings) if "audio tower (audio_config)" in text]


@pytest.mark.parametrize("version", ["0.19.0", "0.25.0", "0.34.0"])
@pytest.mark.parametrize("flags", [{"language_model_only": True},
                                   {"zero_mm_limits": ("audio",)},
                                   {"zero_mm_limits": ("image", "video", "audio")}])
def test_no_audio_tower_no_audio_warning(version: str, flags: dict) -> None:
    # gemma4_mm.py (0.19.0-0.34.0) builds audio_tower and embed_audio inside
    # _mark_tower_model(vllm_config, "audio"): StageMissingLayers, no weights, where audio's
    # limit is 0 (get_limit_per_prompt: 0 for each under --language-model-only), so the plan
    # no longer says an unsized audio tower leaves the weights too low
    spec = _gemma4(audio=True)
    assert spec.unmodelled == ("audio tower (audio_config)",) and AUDIO_WARNING in spec.warnings
    p = _plan(spec, 1, version, **flags)
    assert p.errors == [] and _audio_named(p) == [] and p.verdict.startswith("Fits: ")
    assert AUDIO_WARNING not in served_towers(spec, p.engine).warnings
    assert AUDIO_WARNING not in model_warnings(p, spec)
    # audio above 0 builds it: named in the verdict and warnings, as before
    kept = _plan(spec, 1, version, zero_mm_limits=("image",))
    assert kept.verdict.startswith("Fits (unmodelled: audio tower (audio_config)): ")
    assert any(w.startswith("Not modelled: audio tower (audio_config) (gemma4)")
               for w in kept.warnings)
    assert AUDIO_WARNING in model_warnings(kept, spec)


def test_gemma4_before_vllm_has_gemma4_mm_is_refused() -> None:
    # the 0.18.1 wheel has no gemma4_mm.py (models/registry.py has no Gemma4 entry): it would
    # try its Transformers backend, which Headroom does not model (vllm_cli.unserved_refusal)
    spec = _gemma4(audio=True)
    with pytest.raises(EngineError, match=r"^vLLM 0\.18\.1 has no model class for Gemma4"):
        _plan(spec, 1, "0.18.1", language_model_only=True)


@pytest.mark.parametrize(("version", "why"), [
    # 0.33.0 gemma4_mm.py has no supports_encoder_tp_data: config/model.py falls back
    ("0.33.0", "vLLM 0.33.0 does not take it for gemma4 and falls back to weights"),
    # 0.34.0 takes it, but the tower's linears are ReplicatedLinear at weights mode already
    ("0.34.0", "vLLM 0.34.0 takes it for gemma4, whose vision tower every GPU holds whole")])
def test_gemma4_data_mode_plans_the_default_and_says_why(version: str, why: str) -> None:
    spec = _gemma4(audio=False)
    data = _plan(spec, 2, version, mm_encoder_tp_mode="data")
    weights = next(t for t in data.terms if t.key == "weights").value
    assert weights == _terms(spec, 2, version)["weights"].value
    assert [n for n in data.warnings if n.startswith("--mm-encoder-tp-mode data")] == [
        f"--mm-encoder-tp-mode data: {why}" + (
            " (config/model.py: \"This model does not support `--mm-encoder-tp-mode data`\")"
            if version == "0.33.0" else " at weights mode too (models/transformers/utils.py "
            "recursive_replace_linear \"replicate\"), so only the images are spread")
        + ": planned as the default"]


def test_data_mode_activation_formula_says_the_encoder_is_at_tp1_widths() -> None:
    # the 2.34 GiB peak at TP 2 is the TP 1 block (65,536 x (6,528 + 12,672) x 2 B =
    # 2,516,582,400 B, as above): the formula says why, the default's does not
    base, data = _terms(QWEN3_VL, 2), _terms(QWEN3_VL, 2, mm_encoder_tp_mode="data")
    said = "the tower whole: TP 1 widths on each of the 2 GPUs (--mm-encoder-tp-mode data)"
    assert said in data["activation"].formula
    assert "TP 1 widths" not in base["activation"].formula
    assert "TP 1 widths" not in _terms(QWEN3_VL, 1, mm_encoder_tp_mode="data")[
        "activation"].formula


def test_kimi_vl_data_mode_before_0_14_is_the_default_the_tower_whole_already() -> None:
    # 0.13.0 kimi_vl.py sets supports_encoder_tp_data, but moonvit.py and kimi_vl.py build
    # MoonViT and its projector as ReplicatedLinear (vllm_versions.MOONVIT_SPLIT_FROM): every
    # GPU holds the whole tower at weights mode too. The note said data mode added the split
    # tower's difference (0.38 GiB a GPU at TP 2) to a plan whose bytes did not move
    model = "moonshotai/Kimi-VL-A3B-Instruct"
    base, data = _plan(model, 2, "0.13.0"), _plan(model, 2, "0.13.0", mm_encoder_tp_mode="data")
    assert data.weights_bytes_per_gpu == base.weights_bytes_per_gpu
    weights = next(t for t in data.terms if t.key == "weights")
    assert "--mm-encoder-tp-mode data: the whole vision tower" not in weights.note
    assert any("vLLM 0.13.0 takes it for kimi_vl, whose vision tower every GPU holds whole at "
               "weights mode too" in w and w.endswith("planned as the default")
               for w in data.warnings), data.warnings
    # from 0.14.0 MoonViT is split over TP at weights mode: data mode holds it whole, more
    base, data = _plan(model, 2, "0.14.0"), _plan(model, 2, "0.14.0", mm_encoder_tp_mode="data")
    assert data.weights_bytes_per_gpu > base.weights_bytes_per_gpu


@pytest.mark.parametrize("flags", [{"language_model_only": True},
                                   {"zero_mm_limits": ("image",)},
                                   {"mm_encoder_tp_mode": "data"}])
def test_a_text_model_plans_as_without_the_flags_and_says_so(flags: dict) -> None:
    # vLLM builds no MultiModalConfig for a text model (config/model.py: only where
    # _model_info.supports_multimodal) and ignores these flags; they were taken silently
    base, flagged = _plan("Qwen/Qwen3-8B", 2), _plan("Qwen/Qwen3-8B", 2, **flags)
    assert flagged.weights_bytes_per_gpu == base.weights_bytes_per_gpu
    assert flagged.kv_cache_tokens == base.kv_cache_tokens
    assert [w for w in flagged.warnings if w not in base.warnings] == [
        next(w for w in flagged.warnings if "qwen3 has no vision tower that Headroom counts, "
             "so the plan is as without the flag" in w)]


TOWER_LORA = {"enable_lora": True, "enable_tower_connector_lora": True}
LMO_OFF_LOG = ("Disabling `enable_tower_connector_lora` because the multimodal model is "
               "configured to initialize the language model only.")


@pytest.mark.parametrize(("version", "flags"), [
    ("0.17.0", {"language_model_only": True}), ("0.18.1", {"language_model_only": True}),
    ("0.17.0", {"zero_mm_limits": ("image", "video")}),
    ("0.19.0", {"zero_mm_limits": ("image", "video")}),
    ("0.34.0", {"zero_mm_limits": ("image", "video")})])
def test_tower_lora_where_vllm_fails_at_start_up_is_refused(version: str, flags: dict) -> None:
    # the tower is a StageMissingLayer (no modules to wrap), and lora/model_manager.py
    # _maybe_init_mm sizes the tower's Punica wrapper from max(mm_budget.mm_max_items_per_prompt
    # .values()), which multimodal/encoder_budget.py fills from the modalities above 0 only
    # (tower_modalities, every wheel 0.17.0-0.34.0; get_limit_per_prompt is 0 for each under
    # --language-model-only): max() of nothing, a ValueError. The 0.17.0-0.18.1 wheels have no
    # language_model_only test before it; with the limits at 0 no release has one
    refused = _plan(QWEN3_VL, 2, version, **TOWER_LORA, **flags)
    assert not refused.fits and refused.vllm_command is None
    assert any(e.startswith("--enable-tower-connector-lora with ")
               and "the model is served text-only" in e
               and f"vLLM {version} fails at start-up sizing the tower's Punica wrapper" in e
               for e in refused.errors), refused.errors
    # one modality left above 0 keeps the tower, and its LoRA slots, planned
    assert _plan(QWEN3_VL, 2, version, **TOWER_LORA, zero_mm_limits=("image",)).errors == []


@pytest.mark.parametrize(("given", "release"), [("0.29", "0.29.0"), ("v0.21.0", "0.21.0")])
def test_tower_lora_refusal_names_the_release(given: str, release: str) -> None:
    # --vllm-version as typed ('0.29', 'v0.21.0') named the release in the refusal as typed
    refused = _plan(QWEN3_VL, 2, given, **TOWER_LORA, zero_mm_limits=("image", "video"))
    assert any(f"and vLLM {release} fails at start-up sizing the tower's Punica wrapper" in e
               for e in refused.errors), refused.errors


@pytest.mark.parametrize("version", ["0.19.0", "0.19.1", "0.27.1", "0.34.0"])
def test_tower_lora_under_language_model_only_is_turned_off_from_0_19(version: str) -> None:
    # 0.19.0-0.34.0 lora/model_manager.py _maybe_init_mm, after the model-support test:
    # `if multimodal_config.language_model_only: logger.warning("Disabling
    # `enable_tower_connector_lora` because the multimodal model is configured to initialize
    # the language model only."); supports_tower_connector_lora = False; return` (no tower or
    # connector wrapper), so vLLM starts with the language model's slots alone
    lmo = {"language_model_only": True}
    off = _plan(QWEN3_VL, 2, version, **TOWER_LORA, **lmo)
    without = _plan(QWEN3_VL, 2, version, enable_lora=True, **lmo)
    assert off.errors == [] and off.fits
    assert off.lora_bytes_per_gpu == without.lora_bytes_per_gpu > 0
    assert off.weights_bytes_per_gpu == without.weights_bytes_per_gpu
    assert [w for w in off.warnings if w not in without.warnings] == [
        f"--enable-tower-connector-lora with --language-model-only: vLLM {version} turns it off "
        f"(lora/model_manager.py _maybe_init_mm: \"{LMO_OFF_LOG}\"), so no vision tower or "
        "connector gets LoRA slots: planned as without the flag"]
    # the flag stays in the command: vLLM's parser takes it in every release, and only logs
    assert "--enable-tower-connector-lora" in off.vllm_command
    assert "--language-model-only" in off.vllm_command
    assert command_problems(off.vllm_command, vllm_cli(version)) == []


@pytest.mark.parametrize("version", ["0.20.0", "0.27.1", "0.28.0", "0.34.0"])
def test_gemma4_tower_lora_at_every_limit_zero_fails_in_every_release(version: str) -> None:
    # _maybe_init_mm's model-support test passes for Gemma 4 in every release with its LoRA:
    # hasattr get_num_mm_encoder_tokens to 0.28.0 (interfaces.py SupportsMultiModal defines it
    # and gemma4_mm.py's class subclasses it), supports_tower_connector_lora = True from 0.29.0;
    # with the limits at 0 (not --language-model-only) it reaches max() of no modality's items
    # per prompt, a ValueError, in each, before any tower token count
    p = _plan(_gemma4(audio=False), 1, version, **TOWER_LORA,
              zero_mm_limits=("image", "video"))
    assert [e for e in p.errors if e.startswith("--enable-tower-connector-lora")] == [
        "--enable-tower-connector-lora with --limit-mm-per-prompt image 0, video 0: the model "
        "is served text-only, so vLLM builds no vision tower for LoRA to wrap, and vLLM "
        f"{version} fails at start-up sizing the tower's Punica wrapper from no modality's "
        "items per prompt (lora/model_manager.py _maybe_init_mm, max() of an empty sequence; "
        "vLLM 0.19.0 on turns the flag off under --language-model-only instead, and starts), "
        "so it is not planned: drop one of them"]
    assert not any("This will be ignored." in w for w in p.warnings)


@pytest.mark.parametrize("version", ["0.20.0", "0.27.1", "0.28.0"])
def test_gemma4_tower_lora_under_language_model_only_is_turned_off(version: str) -> None:
    # the model-support test passes (above), then `multimodal_config.language_model_only`:
    # "Disabling `enable_tower_connector_lora` ..." and return, before the stub's None tokens
    # 0.20.0-0.27.1 fail on otherwise (lora.tower.gemma4_tower_refusal)
    lmo = {"language_model_only": True}
    off = _plan(_gemma4(audio=False), 1, version, **TOWER_LORA, **lmo)
    without = _plan(_gemma4(audio=False), 1, version, enable_lora=True, **lmo)
    assert off.errors == [] and off.lora_bytes_per_gpu == without.lora_bytes_per_gpu > 0
    assert [w for w in off.warnings if w not in without.warnings] == [
        f"--enable-tower-connector-lora with --language-model-only: vLLM {version} turns it off "
        f"(lora/model_manager.py _maybe_init_mm: \"{LMO_OFF_LOG}\"), so no vision tower or "
        "connector gets LoRA slots: planned as without the flag"]
    assert command_problems(off.vllm_command, vllm_cli(version)) == []


def test_llama4_data_mode_keeps_the_projector_split() -> None:
    # mllama4.py (0.17.0, 0.34.0): every Llama4VisionModel and vision_adapter linear takes
    # disable_tp=use_data_parallel, Llama4MultiModalProjector's linear_1 (a ColumnParallelLinear)
    # does not. Scout's vision_config: depth 34, hidden 1408, MLP 5632, patch 14, image 336
    # (24 x 24 = 576 patches a chunk), 3 channels, projector 4096 / 4096, vision_output_dim
    # 4096; text hidden 5120; bfloat16. Tower parameters:
    #   patch linear 3 x 14^2 x 1408 = 827,904; embeddings 1408 + 577 x 1408 + 4 x 1408 =
    #   819,456; 34 blocks x (4 h^2 + 4 h + 2 h i + i + h + 4 h = 23,807,872) = 809,467,648;
    #   adapter 5632 x 4096 + 4096^2 = 39,845,888; projector 4096 x 5120 = 20,971,520:
    #   871,932,416 in all; whole at weights mode 819,456 + 34 x 6 x 1408 = 1,106,688.
    # TP 8, weights mode: (871,932,416 - 1,106,688) / 8 + 1,106,688 = 109,959,904 a GPU;
    # data mode: 871,932,416 - 20,971,520 + 20,971,520 / 8 = 853,582,336 (the projector whole
    # made it 871,932,416: 36,700,160 B a GPU too many)
    model = "meta-llama/Llama-4-Scout-17B-16E-Instruct"
    base, data = _plan(model, 8), _plan(model, 8, mm_encoder_tp_mode="data")
    assert data.weights_bytes_per_gpu - base.weights_bytes_per_gpu == (
        (853_582_336 - 109_959_904) * 2)
    weights = next(t for t in data.terms if t.key == "weights")
    assert "but its multi_modal_projector linear_1, which TP still splits" in weights.note


def test_data_mode_tower_lora_slots_are_tp1_widths() -> None:
    # under data mode the tower's linears are built with disable_tp (tp_size 1) and their LoRA
    # layers take base_layer.tp_size (lora/layers/base_linear.py, 0.34.0): TP 1 slots on every
    # GPU. Rank 16, 1 LoRA, Qwen3-VL-32B (h 1152, MLP 4304, merged 4 x 1152 = 4608, out 5120;
    # attn.qkv one A), column A 16 x in + B out / TP x 16, row A 16 x in / TP + B out x 16:
    #   per block, TP 8 -> TP 1: qkv 25,344 -> 73,728, proj 20,736 -> 36,864,
    #   fc1 and fc2 27,040 -> 87,296 each: +185,024, x 27 = 4,995,648
    #   4 mergers: fc1 82,944 -> 147,456, fc2 91,136 -> 155,648: +129,024 x 4 = 516,096
    #   5,511,744 elements x 2 B = 11,023,488 B more a GPU
    lora = {"enable_lora": True, "enable_tower_connector_lora": True}
    base = _terms(QWEN3_VL, 8, "0.34.0", **lora)["lora"]
    data = _terms(QWEN3_VL, 8, "0.34.0", mm_encoder_tp_mode="data", **lora)["lora"]
    assert data.value - base.value == 11_023_488
    assert "visual attn.qkv 27 x 73,728" in data.formula
    # every slot is a (max_loras, 1, out, in) plane (lora/layers/base_linear.py
    # create_lora_weights, lora_slots = max_loras): --max-loras 4 holds 4 x 11,023,488 B more
    four = {**lora, "max_loras": 4, "max_lora_rank": 16}
    assert (_terms(QWEN3_VL, 8, "0.34.0", mm_encoder_tp_mode="data", **four)["lora"].value
            - _terms(QWEN3_VL, 8, "0.34.0", **four)["lora"].value) == 44_093_952
    # Llama 4's multi_modal_projector linear_1 has no disable_tp: still split, 16 x 4096 +
    # 5120 / 8 x 16 = 75,776, where its vision blocks' qkv_proj is TP 1's (3 A): 3 x 16 x 1408
    # + 3 x 1408 x 16 = 135,168
    scout = _terms("meta-llama/Llama-4-Scout-17B-16E-Instruct", 8, "0.34.0",
                   mm_encoder_tp_mode="data", **lora)["lora"].formula
    assert "multi_modal_projector linear_1 75,776 " in scout
    assert "vision_model self_attn.qkv_proj 34 x 135,168 " in scout


def test_deepstack_buffers_follow_the_batched_tokens_of_each_plan() -> None:
    # the weights are cached per model: two plans of one spec at 8,192 and 4,096 batched tokens
    # differ by 3 x 4,096 x 5,120 x 2 B = 125,829,120 B, in either order (the second plan took
    # the first's buffers before the batched tokens were part of the cache key: recommend plans
    # one spec on GPUs of other batch sizes)
    def weights(mbt: int) -> int:
        return _plan(QWEN3_VL, 1, max_num_batched_tokens=mbt).weights_bytes_per_gpu
    assert weights(8192) - weights(4096) == 3 * 4_096 * 5_120 * 2
    assert weights(2048) - weights(8192) == -3 * 6_144 * 5_120 * 2


@pytest.mark.parametrize(("flags", "refused"), [
    ({}, True), ({"mm_encoder_tp_mode": "data"}, False),
    ({"language_model_only": True}, True), ({"zero_mm_limits": ("image", "video")}, True),
    ({"language_model_only": True, "mm_encoder_tp_mode": "data"}, False)])
def test_vision_heads_need_tp_to_divide_them_unless_data_mode(flags: dict, refused: bool) -> None:
    # Qwen3-VL-32B's tower has 16 heads; TP=32 (4 nodes of 8 H100s) splits them at weights mode
    # (Qwen2_5_VisionAttention divide(16, 32) asserts). Data mode makes the attention's tp_size 1
    # (vision.py is_vit_use_data_parallel). Text-only serving still constructs the tower on the
    # meta device (interfaces.py _mark_tower_model, utils.py no_init_weights), so the same
    # divide() runs and asserts there: still refused, unless data mode too
    cluster = preset_cluster("h100-sxm", 32)
    s = EngineSettings(vllm_version="0.34.0", max_model_len=8192, **flags)
    spec = catalog_spec(QWEN3_VL)
    got = plan(PlanRequest(model=spec, cluster=cluster, layout=ParallelLayout(tp=32), engine=s))
    assert any("vision tower's 16 attention heads" in e for e in got.errors) == refused
    # the sweep's layouts (and the app's, and recommend's families) follow it
    assert (32 in {lay.tp for lay in layout_candidates(spec, cluster, s)}) != refused
    fams = families(spec, cluster, ("bf16",), ("auto",), 32, "0.34.0", s.mm_encoder_tp_mode)
    assert (32 in {f.tp for f in fams}) != (s.mm_encoder_tp_mode == "weights")
