"""--mm-processor-kwargs in the plan (planner.serving.mm_processor), figures worked by hand.

All at max_model_len 8,192, max_num_batched_tokens 8,192, max_num_seqs 1,024, max_loras 4, rank
16 (the tower LoRA tests' engine), vLLM 0.34.0 unless said. The encoder budget and items are
multimodal/encoder_budget.py's: budget = max(batched tokens, the most tokens per item of any
modality), items per prompt max(1, min(999, max_model_len // tokens per item)); the Punica
wrapper's index buffers (lora/punica_wrapper/punica_base.py, 0.29.0 on) 4 x tokens x 8 B +
3 x max_batches x 8 B + 2 x (2 x tokens + 2 x 5 + 6) x 4 B, max_batches = max_num_seqs x the
most items per prompt (lora/model_manager.py _maybe_init_mm).

Gemma 4 26B-A4B (models/gemma4_mm.py, 0.29.0-0.34.0: get_mm_max_tokens_per_item image =
max_soft_tokens, video 32 x (70 + 2 + 6) = 2,496; get_mm_lora_token_counts image tower
max_soft_tokens x pooling_kernel_size^2 (3^2), video ceil(budget / 70) x 70 x 9, connector the
budget). max_soft_tokens 280 (vision_config default_output_length): items per prompt
max(8,192 // 280 = 29, 8,192 // 2,496 = 3) = 29 -> 29,696 batches; 1,120: max(8,192 // 1,120 =
7, 3) = 7 -> 7,168 batches. Tower tokens max(1,120 x 9 = 10,080, 118 x 70 x 9 = 74,340) =
74,340 either way, connector 8,192. 1,120: tower 2,378,880 + 3 x 7,168 x 8 (172,032) +
1,189,568 = 3,740,480 B, connector 262,144 + 172,032 + 131,200 = 565,376 B: 4,305,856 B against
280's 5,387,200 (test_lora_gemma4_tower), 6 x (29,696 - 7,168) x 8 = 1,081,344 B less. The
encoder profile runs the modality with the most tokens per item (get_modality_with_max_tokens):
the video's 2,496 above any image (1,120 at most), so it does not move.

Llama 4 Scout (models/mllama4.py: get_max_num_tiles = the processor's max_patches; the dummy
image max_patches x 336 tall, 336 wide; patches_per_image 1 + tiles above one tile; a chunk
(336 / 14)^2 = 576 patches, 576 // 4 = 144 tokens after the pixel shuffle). Default 16 tiles:
17 chunks = 9,792 patches, 2,448 tokens an item, 8,192 // 2,448 = 3 items = 29,376 patches.
max_patches 4: 5 chunks = 2,880 patches, 720 tokens, 8,192 // 720 = 11 items = 31,680 patches;
held through the decoder's run: inputs 31,680 x 588 (3 x 14^2) x 2 B = 37,255,680 + outputs
31,680 / 4 = 7,920 x 5,120 x 2 B = 81,100,800 -> 118,356,480 B. max_patches 1: 1 chunk (no
global one), 144 tokens, 56 items = 32,256 patches. Tower LoRA at 4 tiles: budget 8,192, 56
chunks (8,192 // 144): tower 56 x 577 = 32,312 tokens, connector 8,064 as by default; items per
prompt 11 -> 11,264 batches: tower 1,033,984 + 270,336 + 517,120 = 1,821,440 B, connector
258,048 + 270,336 + 129,152 = 657,536 B: 2,478,976 B (default 2,085,760:
test_lora_llama4_tower).

Gemma 3 27B (models/gemma3_mm.py: get_image_size_with_most_features 896 wide x 4 x 896 tall;
get_num_crops with do_pan_and_scan: 3,584 / 896 = 4 >= 1.2, min(floor(3,584 / 256) = 14,
floor(4.5) = 4) = 4 crops of 896 px; get_num_image_tokens (4 + 1) x 256 = 1,280). Tower LoRA
(get_num_mm_encoder_tokens budget x 16): budget max(8,192, 1,280) = 8,192, 131,072 tokens each
wrapper as by default; items per prompt 8,192 // 1,280 = 6 -> 6,144 batches (default 32 ->
32,768): each wrapper 4,194,304 + 147,456 + 2,097,280 = 6,439,040 B, 12,878,080 B for two
(default 14,156,032).
Gemma 3's encoder profile (multimodal/encoder_budget.py _get_max_items and
v1/core/encoder_cache_manager.py compute_mm_encoder_budget, the same in the 0.17.0-0.34.0
wheels: items = max(1, min(budget // tokens, max_num_seqs x max(1, min(999, max_model_len //
tokens)))), budget = max(batched tokens, tokens); gemma3_mm.py _process_image_input runs the
SigLIP tower on every crop of the batch at once, num_patches = crops + 1 an image, each pooled
to 256 embeddings of the text width 5,376). At 8,192 batched tokens: with pan-and-scan
8,192 // 1,280 = 6 images (1,024 x max(1, min(999, 8,192 // 1,280 = 6)) = 6,144 does not
bind), 6 x 5 = 30 tower passes, 30 x 256 = 7,680 embeddings held, 7,680 x 5,376 x 2 B =
82,575,360 B; without it 8,192 // 256 = 32 images of one pass, 8,192 x 5,376 x 2 B =
88,080,384 B: 30 <= 32, so the measured start-ups' profile (inside the fitted activation)
holds it. The encoder cache max(8,192, 1,280) = 8,192 embeddings either way. At 1,024 batched
tokens: budget max(1,024, 1,280) = 1,280, 1,280 // 1,280 = 1 image, 5 passes; without it
max(1,024, 256) // 256 = 4 images, 4 passes: 5 > 4, not covered (a warning). At 1,280: 1 x 5 =
5 against 1,280 // 256 = 5, covered.
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.mm_processor import checked_processor_kwargs
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import command_problems, vllm_cli

GEMMA4 = "google/gemma-4-26B-A4B"
SCOUT = "meta-llama/Llama-4-Scout-17B-16E-Instruct"
GEMMA3 = "google/gemma-3-27b-it"
ENGINE = {"max_model_len": 8192, "max_num_batched_tokens": 8192, "max_num_seqs": 1024,
          "enable_lora": True, "max_loras": 4}


def _plan(model: str, gpus: int = 1, version: str = "0.34.0", gpu: str = "h100", **engine):
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster(gpu, gpus),
                            layout=ParallelLayout(tp=gpus),
                            engine=EngineSettings(vllm_version=version,
                                                  **{**ENGINE, **engine})))


def _kwargs(**given: object) -> dict:
    return {"mm_processor_kwargs": checked_processor_kwargs(given)}


def _tower_lora_bytes(model: str, gpus: int = 1, version: str = "0.34.0", gpu: str = "h100",
                      **given: object) -> int:
    """What --enable-tower-connector-lora adds to the plan's LoRA bytes."""
    kwargs = _kwargs(**given) if given else {}
    base = _plan(model, gpus, version, gpu, **kwargs)
    tower = _plan(model, gpus, version, gpu, enable_tower_connector_lora=True, **kwargs)
    assert not tower.errors
    return tower.lora_bytes_per_gpu - base.lora_bytes_per_gpu


@pytest.mark.parametrize("version", ["0.29.0", "0.34.0"])
def test_gemma_4_max_soft_tokens_1120_moves_the_tower_punica_batches(version) -> None:
    default = _tower_lora_bytes(GEMMA4, version=version)
    wide = _tower_lora_bytes(GEMMA4, version=version, max_soft_tokens=1120)
    assert default - wide == 5_387_200 - 4_305_856 == 1_081_344
    p = _plan(GEMMA4, version=version, enable_tower_connector_lora=True,
              **_kwargs(max_soft_tokens=1120))
    note = next(t for t in p.terms if t.key == "lora").note
    assert "74,340 (tower) and 8,192 (connector) tokens x 7,168 batches" in note
    assert "from the image's 1,120 tokens" in note
    assert any("max_soft_tokens 1120: an image is 1,120 soft tokens" in w
               and "the video's 2,496" in w for w in p.warnings)
    assert "--mm-processor-kwargs '{\"max_soft_tokens\": 1120}'" in p.vllm_command
    assert command_problems(p.vllm_command, vllm_cli(version)) == []


def test_gemma_4_max_soft_tokens_leaves_the_memory_without_tower_lora_alone() -> None:
    # the video (2,496 tokens an item) is profiled at any image size: nothing moves
    base, wide = _plan(GEMMA4), _plan(GEMMA4, **_kwargs(max_soft_tokens=1120))
    assert wide.kv_cache_bytes_per_gpu == base.kv_cache_bytes_per_gpu
    assert wide.activation_bytes_per_gpu == base.activation_bytes_per_gpu


@pytest.mark.parametrize(("tiles", "items", "patches"), [
    (None, 3, 29_376), (16, 3, 29_376), (4, 11, 31_680), (1, 56, 32_256)])
def test_llama_4_max_patches_sets_the_encoder_profiles_dummy_images(tiles, items,
                                                                     patches) -> None:
    kwargs = _kwargs(max_patches=tiles) if tiles else {}
    p = _plan(SCOUT, 8, gpu="h200", **kwargs)
    inputs = next(t for t in p.terms if t.key == "activation").inputs
    assert (inputs["encoder_dummy_items"], inputs["encoder_patches"]) == (str(items),
                                                                          str(patches))
    if tiles == 4:
        # 0.34.0 runs Model Runner V2, which frees the dummy input batch (31,680 patches x 3 x
        # 14^2 x 2 B = 37,255,680 B) before the decoder's dummy run and holds the outputs only
        # (v1/worker/gpu/mm/encoder_runner.py execute_mm_encoder; V1 held both: 118,356,480 B)
        assert inputs["encoder_held_bytes"] == str(81_100_800)


def test_llama_4_max_patches_4_moves_the_tower_lora_batches() -> None:
    assert _tower_lora_bytes(SCOUT, 8, gpu="h200") - 48_037_376 == 2_085_760
    assert _tower_lora_bytes(SCOUT, 8, gpu="h200", max_patches=4) - 48_037_376 == \
        1_821_440 + 657_536 == 2_478_976


def test_gemma_3_pan_and_scan_moves_the_tower_lora() -> None:
    siglip = 69_562_368  # test_lora_tower.SIGLIP_TP1
    assert _tower_lora_bytes(GEMMA3) - siglip == 14_156_032
    assert _tower_lora_bytes(GEMMA3, do_pan_and_scan=True) - siglip == 2 * 6_439_040
    assert _tower_lora_bytes(GEMMA3, do_pan_and_scan=False) - siglip == 14_156_032
    cropped = _plan(GEMMA3, **_kwargs(do_pan_and_scan=True))
    assert any("(4 + 1) x 256 = 1,280 tokens an image" in w for w in cropped.warnings)


def test_gemma_3_pan_and_scan_moves_the_tower_lora_budget_below_1280_tokens_only() -> None:
    # lora/model_manager.py _maybe_init_mm (0.34.0): tower tokens = get_mm_lora_token_counts
    # (gemma3_mm.py: num_mm_embeds x 16) of get_encoder_budget() = max(batched tokens, 1,280)
    # with pan-and-scan (v1/core/encoder_cache_manager.py compute_mm_encoder_budget), so at
    # 8,192 the 131,072 tokens above either way, at 1,024 20,480 (1,280 x 16) against 16,384.
    # Each wrapper 48 x tokens (4 int64 rows + 2 metas' 2 int32 rows) + 24 x batches + 128:
    # 2 x (983,040 + 147,456 + 128) = 2,261,248 B (6 items a prompt) against
    # 2 x (786,432 + 786,432 + 128) = 3,145,984 B (32).
    siglip = 69_562_368  # test_lora_tower.SIGLIP_TP1
    for kwargs, buffers in (({}, 3_145_984), (_kwargs(do_pan_and_scan=True), 2_261_248)):
        base = _plan(GEMMA3, max_num_batched_tokens=1024, **kwargs)
        tower = _plan(GEMMA3, max_num_batched_tokens=1024, enable_tower_connector_lora=True,
                      **kwargs)
        assert tower.lora_bytes_per_gpu - base.lora_bytes_per_gpu - siglip == buffers
    warning = next(w for w in _plan(GEMMA3, **_kwargs(do_pan_and_scan=True)).warnings
                   if "do_pan_and_scan true" in w)
    assert ("with --enable-tower-connector-lora the tower LoRA's items per prompt follow, and "
            "its budget (max(batched tokens, 1,280)) below 1,280 batched tokens") in warning
    assert "below 1,280, more (the plan is flagged, with a warning of its own)" in warning
    # vLLM's own words on it, gemma3_mm.py get_num_crops's logger.warning_once in every wheel
    # read (0.17.0-0.34.0); 0.16.0 not read, not quoted
    quote = ("Of its output, not memory, vLLM logs: \"`do_pan_and_scan=True` has suboptimal "
             "results on V1 because of the simplified attention pattern being used.\" "
             "(gemma3_mm.py get_num_crops)")
    assert warning.endswith(quote)
    for version, quoted in (("0.17.0", True), ("0.16.0", False)):
        warning = next(w for w in _plan(GEMMA3, version=version, **_kwargs(
            do_pan_and_scan=True)).warnings if "do_pan_and_scan true" in w)
        assert (quote in warning) is quoted


GAP = "vLLM profiles the Gemma 3 SigLIP vision encoder on dummy items"


@pytest.mark.parametrize(("gpus", "version"), [(1, "0.19.0"), (1, "0.34.0"), (2, "0.34.0")])
def test_gemma_3_pan_and_scan_profile_stays_within_the_measured_one(gpus, version) -> None:
    # 30 tower passes against 32 (module docstring); the SigLIP tower split over TP=2 moves
    # neither count, and the projector's outputs are the whole 5,376 wide on each GPU
    base = _plan(GEMMA3, gpus, version)
    cropped = _plan(GEMMA3, gpus, version, **_kwargs(do_pan_and_scan=True))
    assert not any(GAP in w for w in base.warnings + cropped.warnings)
    assert "unmodelled" not in cropped.verdict
    assert cropped.activation_bytes_per_gpu == base.activation_bytes_per_gpu
    assert cropped.kv_cache_bytes_per_gpu == base.kv_cache_bytes_per_gpu
    note = next(t for t in cropped.terms if t.key == "activation").note
    assert ("vLLM profiles 6 images of (4 + 1) x 256 = 1,280 tokens (max(1, min(max(8,192, "
            "1,280) // 1,280, 1,024 x max(1, min(999, 8,192 // 1,280)))), "
            "multimodal/encoder_budget.py), 6 x 5 = 30 tower passes") in note
    assert "256-token images make 32 at this batch shape, so within theirs" in note
    assert "7,680 x 5,376 x 2 B = 82,575,360 B against 8,192 rows' 88,080,384 B" in note
    assert "by up to 2 / 32 of it" in note
    assert "the encoder cache stays max(8,192, 1,280) = 8,192 embeddings" in note
    assert "do_pan_and_scan" not in next(t for t in base.terms if t.key == "activation").note


def test_gemma_3_pan_and_scan_profile_is_worked_out_once_a_setup(monkeypatch) -> None:
    # At 8,000 batched tokens, 1,000 sequences (values no other test plans, so nothing cached):
    # max(1, min(8,000 // 1,280, 1,000 x max(1, min(999, 8,000 // 1,280)))) = 6 images x 5 =
    # 30 tower passes, against min(8,000 // 256, 1,000 x 31) = 31 plain ones: within. The
    # activation note, the verdict and the warnings all read the one profile Resolved holds.
    import planner.serving.plan.derive as derive

    calls = []
    real = derive.pan_and_scan_profile

    def counting(*args):
        calls.append(args[2:])
        return real(*args)

    monkeypatch.setattr(derive, "pan_and_scan_profile", counting)
    cropped = _plan(GEMMA3, max_model_len=8000, max_num_batched_tokens=8000, max_num_seqs=1000,
                    **_kwargs(do_pan_and_scan=True))
    # once for this setup; the second, (2048, 1000, 8000), is the plan made again at 2,048
    # batched tokens for the warning that they bind its sliding groups (window_reservation:
    # min(1,023 + 2 x 8,000, 8,000) tokens a sliding group, as many as the full one's)
    assert calls == [(8000, 1000, 8000), (2048, 1000, 8000)]
    note = next(t for t in cropped.terms if t.key == "activation").note
    assert "6 x 5 = 30 tower passes" in note
    assert "256-token images make 31 at this batch shape, so within theirs" in note
    assert "unmodelled" not in cropped.verdict


@pytest.mark.parametrize(("tokens", "passes", "plain"), [(1024, 5, 4), (1280, 5, 5)])
def test_gemma_3_pan_and_scan_below_1280_batched_tokens_outgrows_the_measured_one(
        tokens, passes, plain) -> None:
    base = _plan(GEMMA3, max_num_batched_tokens=tokens)
    cropped = _plan(GEMMA3, max_num_batched_tokens=tokens, **_kwargs(do_pan_and_scan=True))
    assert not any(GAP in w for w in base.warnings)
    flagged = [w for w in cropped.warnings if GAP in w]
    assert bool(flagged) == (passes > plain)
    assert ("unmodelled: Gemma 3 SigLIP vision encoder start-up profile" in cropped.verdict) \
        == (passes > plain)
    if flagged:
        assert (f"max(1, min(max({tokens:,}, 1,280) // 1,280, 1,024 x max(1, min(999, 8,192 // "
                f"1,280)))), multimodal/encoder_budget.py), 1 x 5 = {passes} tower passes"
                ) in flagged[0]
        assert f"256-token images make {plain} at this batch shape" in flagged[0]
        assert "the excess is not sized" in flagged[0]
    else:
        note = next(t for t in cropped.terms if t.key == "activation").note
        assert "1 x 5 = 5 tower passes" in note and "make 5 at this batch shape" in note


def test_a_key_for_another_family_is_noted_and_planned_as_without_it() -> None:
    base, other = _plan(GEMMA3), _plan(GEMMA3, **_kwargs(max_patches=4))
    assert other.lora_bytes_per_gpu == base.lora_bytes_per_gpu
    assert other.kv_cache_bytes_per_gpu == base.kv_cache_bytes_per_gpu
    assert any("--mm-processor-kwargs max_patches: gemma3's processor is not one that reads it "
               "(max_patches: llama4): planned as without it" in w for w in other.warnings)


def test_text_only_serving_processes_no_image() -> None:
    base = _plan(SCOUT, 8, gpu="h200", language_model_only=True)
    other = _plan(SCOUT, 8, gpu="h200", language_model_only=True, **_kwargs(max_patches=4))
    assert other.activation_bytes_per_gpu == base.activation_bytes_per_gpu
    assert any("--mm-processor-kwargs: --language-model-only serves the model text-only" in w
               for w in other.warnings)


@pytest.mark.parametrize(("given", "why"), [
    ({"max_soft_tokens": 300},
     "max_soft_tokens 300: vLLM's Gemma 4 processor takes one of 70, 140, 280, 560, 1120"),
    # named as the JSON given (was Python's True, None, 'yes')
    ({"max_soft_tokens": True}, "max_soft_tokens true: vLLM's Gemma 4 processor takes one of"),
    ({"max_soft_tokens": None}, "max_soft_tokens null: vLLM's Gemma 4 processor takes one of"),
    ({"max_soft_tokens": 560.0}, "max_soft_tokens 560.0: vLLM's Gemma 4 processor takes one of"),
    ({"max_patches": 0}, "max_patches 0: a whole number of tiles, 1 to 1,024"),
    ({"max_patches": [4]}, "max_patches [4]: a whole number of tiles"),
    ({"do_pan_and_scan": "yes"}, 'do_pan_and_scan "yes": true or false'),
    ({"do_pan_and_scan": None}, "do_pan_and_scan null: true or false"),
    ({"num_crops": 4, "x": 1}, '"num_crops", "x": Headroom plans max_soft_tokens (Gemma 4)'),
    ([1], "not a JSON object")])
def test_values_vllm_refuses_and_keys_not_modelled_are_refused(given, why) -> None:
    with pytest.raises(ValueError) as refused:
        checked_processor_kwargs(given)
    assert why in str(refused.value)
