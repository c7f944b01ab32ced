"""vLLM's multimodal encoder profile run (Qwen3-VL family, Llama 4): the ViT's peak on the largest
dummy image, checked against two logged start-ups whose pools it explains."""

import pytest

from planner.catalog import catalog_spec as _spec
from planner.serving.engine import EngineSettings, encoder_profile, qwen3_vl_dummy_video
from planner.serving.hardware import (
    ClusterSpec,
    NodeSpec,
    custom_gpu,
    preset_cluster,
)
from planner.serving.hardware.presets import estimated_total_bytes
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_versions import DEFAULT_ENCODER_RULES, EncoderRules, vllm_rules
from planner.units import GIB


def test_vit_peak_by_hand():
    # Qwen3-VL-30B-A3B vision_config: 27 blocks of 1152, MLP 4304, patch 16 x 16 x 2 frames
    # x 3 channels = 1,536 values, merge 2, 3 deepstack mergers to 2048. One 4096 x 4096
    # dummy image = 65,536 patches = 16,384 tokens (8,192 batched tokens < 16,384: 1 item).
    # ViT, bf16: input 65,536 x 1,536 x 2 = 201,326,592; positions 65,536 x 1,152 x 2 =
    # 150,994,944 (one N x h tensor: Nh); deepstack 3 x 16,384 x 2,048 x 2 = 201,326,592.
    # One block (vLLM qwen3_vl.py / qwen2_5_vl.py forward): at the attention's proj the
    # block's input (held by the caller's hidden_states), norm1(x) (the call's argument),
    # qkv 3 Nh, the q|k pair made contiguous 2 Nh, the rotated pair 2 Nh, the attention
    # output Nh and proj's output Nh are alive: 11 x 150,994,944 = 1,660,944,384; the MLP's
    # input + x + norm2(x) 3 Nh + fc1 and GELU 2 x 65,536 x 4,304 x 2 = 1,581,252,608 is less.
    enc = _spec("Qwen/Qwen3-VL-30B-A3B-Instruct").vision.encoder
    p = encoder_profile(enc, tp=1, mbt=8192, seqs=4, max_model_len=32768, act_bytes=2)
    assert (p.items, p.patches) == (1, 65_536)
    assert p.vit_peak == 201_326_592 + 150_994_944 + 201_326_592 + 1_660_944_384
    # held through the decoder's dummy run: the input + 16,384 x 2,048 x 4 x 2 B outputs
    assert p.held == 201_326_592 + 268_435_456
    # at TP=2 the ColumnParallel fc1 halves the MLP outputs; 2 x 16,384 batched tokens: 2
    p2 = encoder_profile(enc, tp=2, mbt=32768, seqs=4, max_model_len=32768, act_bytes=2)
    assert (p2.items, p2.patches) == (2, 131_072)


def test_vit_block_at_tp2_keeps_the_all_reduce_input():
    # Qwen3.5-27B's tower (no deepstack) at TP=2, one 65,536-patch image. Attention: input,
    # norm1(x), proj's partial output and the all-reduced copy (out of place: linear.py
    # RowParallelLinear keeps output_parallel) 4 Nh = 603,979,776, + qkv, q|k copy, rotated
    # q|k and attention output (3 + 2 + 2 + 1) Nh / 2 = 603,979,776 -> 1,207,959,552. MLP:
    # 3 Nh + 2 x 65,536 x 2,152 x 2 = 1,017,118,720; at fc2 5 Nh + 282,066,944 =
    # 1,037,041,664. Peak 201,326,592 + 150,994,944 + 1,207,959,552 = 1,560,281,088 B.
    enc = _spec("Qwen/Qwen3.5-27B").vision.encoder
    p = encoder_profile(enc, tp=2, mbt=8192, seqs=2, max_model_len=262144, act_bytes=2)
    assert p.vit_peak == 1_560_281_088
    # Qwen3.6-35B-A3B (same tower) at TP=1: no all-reduce copy, 11 Nh at the attention
    enc35 = _spec("nvidia/Qwen3.6-35B-A3B-NVFP4").vision.encoder
    p1 = encoder_profile(enc35, tp=1, mbt=8192, seqs=1, max_model_len=131072, act_bytes=2)
    assert p1.vit_peak == 201_326_592 + 150_994_944 + 1_660_944_384


def test_qwen3_vl_96gb_pool_within_the_target():
    # file-fs61370435018 (vllm-other-gpus.json): Qwen3-VL-30B-A3B FP8 on a 96 GB card
    # (97,887 MiB), vLLM 0.20.2, utilization 0.7, 32,768 tokens, 4 sequences: "Available KV
    # cache memory: 33.59 GiB". The activation term becomes the ViT's 2.06 GiB (decoder
    # 0.72 GiB): the pool drops by 1.34 GiB to 34.10, within 5 % (35.45 before).
    card = custom_gpu(estimated_total_bytes(97887), name="96 GB card")
    cluster = ClusterSpec(nodes=(NodeSpec(gpu=card, gpus_per_node=1, intra_node_link="pcie"),),
                          source="test")
    engine = EngineSettings(vllm_version="0.20.2", quantization="fp8",
                            gpu_memory_utilization=0.7, max_model_len=32768, max_num_seqs=4)
    spec = _spec("Qwen/Qwen3-VL-30B-A3B-Instruct")
    p = plan(PlanRequest(model=spec, cluster=cluster, engine=engine))
    # the ViT's peak worked in test_vit_peak_by_hand (the same tower, one 65,536-patch image):
    # 201,326,592 + 150,994,944 + 201,326,592 + 1,660,944,384 = 2,214,592,512 B
    assert p.activation_bytes_per_gpu == 2_214_592_512
    assert abs(p.kv_cache_bytes_per_gpu / GIB - 33.59) <= 0.05 * 33.59
    skipped = plan(PlanRequest(model=spec, cluster=cluster,
                               engine=engine.model_copy(update={"skip_mm_profiling": True})))
    assert skipped.activation_bytes_per_gpu < p.activation_bytes_per_gpu
    # the dummy image's size (QWEN3_VL_MAX_PIXELS) is not in ../shared: the figure says so
    formula = next(t.formula for t in p.terms if t.key == "activation")
    assert "(1 dummy image at the image processor's largest size, unverified: 65,536 patches" \
        in formula
    assert "--skip-mm-profiling" in skipped.vllm_command


def test_qwen36_27b_club3090_pool_at_the_release_utilization():
    # club3090-pr594: 2x RTX 3090, TP=2, MTP 3 tokens, "Available KV cache memory: 5.33 GiB".
    # Qwen3.5-27B's tower at TP=2: 1,560,281,088 B = 1.45 GiB (the test above; decoder 0.11
    # GiB). Its args hold no --gpu-memory-utilization: vLLM's default, 0.92 from 0.20
    # (vllm_versions UTILIZATION_092_FROM). Against the same plan at 0.90 with the old walk's
    # activation (input, positions, x + norm2(x) + fc1 and GELU: 1,218,445,312 B, given as an
    # override), 0.92 adds ceil(23.57 GiB x 0.92) - ceil(23.57 GiB x 0.90) = 23,283,447,209 -
    # 22,777,285,313 B of budget (0.4714 GiB) and the block's live set takes 1,560,281,088 -
    # 1,218,445,312 = 341,835,776 B: the pool grows by 164,326,120 B, and lands within 5 % of
    # the log (5.57 GiB, +4.6 %; 5.42 before, within 0.5 GiB by two errors cancelling)
    engine = EngineSettings(quantization="fp8", kv_cache_dtype="fp8", max_model_len=262144,
                            max_num_batched_tokens=8192, max_num_seqs=2,
                            enable_prefix_caching=True, num_speculative_tokens=3)
    plans = [plan(PlanRequest(
        model=_spec("Qwen/Qwen3.5-27B"), cluster=preset_cluster("rtx-3090", 2),
        layout=ParallelLayout(tp=2), engine=e)) for e in (engine, engine.model_copy(update={
            "gpu_memory_utilization": 0.9, "activation_bytes": 1_218_445_312}))]
    p, before = plans
    assert p.activation_bytes_per_gpu == 1_560_281_088
    assert p.kv_cache_bytes_per_gpu - before.kv_cache_bytes_per_gpu == (
        23_283_447_209 - 22_777_285_313 - 341_835_776)
    assert abs(p.kv_cache_bytes_per_gpu / GIB - 5.33) <= 0.05 * 5.33


def test_text_only_models_have_no_encoder_term():
    spec = _spec("Qwen/Qwen3-8B")
    assert spec.vision is None
    p = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1)))
    assert "vision encoder" not in next(t.formula for t in p.terms if t.key == "activation")


def test_llama4_scout_holds_three_dummy_images_through_the_decoder_run():
    # llm-d log meta-llama-llama-4-scout--h100-80gb--tp4pp1dp1--8192 (vLLM 0.19.0, TP=4,
    # utilization 0.95, 8,192 tokens): "Encoder cache will be initialized with a budget of
    # 8192 tokens, and profiled with 3 image items", torch peak increase 3.19 GiB, available
    # KV cache 16.75 GiB, 91,495 GPU blocks. vLLM 0.19.0 mllama4.py: the dummy image is
    # max_patches (16) tiles tall (get_image_size_with_most_features), aspect 16 x 1 -> 1 + 16
    # chunks of 336 x 336 (_call_hf_processor), (336 / 14)^2 = 576 patches each, pixel
    # shuffle 0.5 -> 144 tokens a chunk (get_patch_per_chunk): 9,792 patches, 2,448 tokens an
    # item; encoder_budget.py _get_max_items: 8,192 // 2,448 = 3 items.
    # gpu_model_runner.py profile_run keeps the outputs in encoder_cache and the dummy batch
    # referenced through _dummy_run: pixel values 3 x 17 x 3 x 336 x 336 x 2 B = 34,546,176
    # + projector outputs 3 x 2,448 x 5,120 (text width) x 2 B = 75,202,560 -> 109,748,736 B.
    spec = _spec("meta-llama/Llama-4-Scout-17B-16E-Instruct")
    p = encoder_profile(spec.vision.encoder, tp=4, mbt=8192, seqs=1024, max_model_len=8192,
                        act_bytes=2)
    assert (p.items, p.patches) == (3, 29_376)
    assert p.held == 34_546_176 + 75_202_560
    engine = EngineSettings(vllm_version="0.19.0", gpu_memory_utilization=0.95,
                            max_model_len=8192)
    req = PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 4),
                      layout=ParallelLayout(tp=4), engine=engine)
    with_mm, without = (plan(r) for r in (req, req.model_copy(update={"engine": engine.model_copy(
        update={"skip_mm_profiling": True})})))
    # the held tensors add to the decoder's peak (the ViT's own is the smaller side)
    assert with_mm.activation_bytes_per_gpu == without.activation_bytes_per_gpu + 109_748_736
    assert p.vit_peak < with_mm.activation_bytes_per_gpu
    # the pool and blocks come within 1 % of the log (1.3 % high without the encoder term)
    assert abs(with_mm.kv_cache_bytes_per_gpu / GIB - 16.75) <= 0.01 * 16.75
    assert abs(with_mm.num_gpu_blocks - 91_495) <= 0.01 * 91_495


def test_pp_later_stage_holds_and_profiles_the_tower_on_v1_only():
    # Qwen3-VL-30B-A3B bf16, PP=2 on 2x H100: vLLM builds the tower on both stages
    # (qwen3_vl_moe.py, no PP guard) and V1's profile_run calls embed_multimodal on every
    # rank (gpu_model_runner.py, no is_first_rank test); 0.33.0 on Model Runner V2 (its
    # default) skips the tower after the first stage (interfaces.py _mark_tower_model) and
    # V2 profiles the encoder on the first PP rank only (v1/worker/gpu/model_runner.py).
    # Tower 538,631,408 params x 2 B = 1,077,262,816 B, and beside it the deepstack input
    # buffers (qwen3_vl_moe.py deepstack_input_embeds, only where the tower is built): 3 x
    # 8,192 batched tokens x 2,048 text hidden x 2 B = 100,663,296 B; ViT peak 2,214,592,512 B
    # (test_vit_peak_by_hand: one 65,536-patch image at 8,192 batched tokens). Both stages
    # also hold the M-RoPE cos/sin cache (text_config.rope_scaling's mrope_section): 0.20.2
    # builds 4 rows a position, 0.33.0's decoder layer passes mrope_positions_factor 1:
    # 262,144 x (4 - 1) x 128 x 2 B = 201,326,592 B more on 0.20.2.
    rope = 262_144 * 3 * 128 * 2
    spec = _spec("Qwen/Qwen3-VL-30B-A3B-Instruct")
    stages = {}
    for version in ("0.20.2", "0.33.0"):
        p = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 2),
                             layout=ParallelLayout(pp=2), engine=EngineSettings(
                                 vllm_version=version, max_model_len=32768, max_num_seqs=4)))
        stages[p.model_runner] = list(p.per_gpu)
    v1, v2 = stages["v1"], stages["v2"]
    assert v1[1].weights_bytes - v2[1].weights_bytes == 1_077_262_816 + 100_663_296 + rope
    assert v1[0].weights_bytes - v2[0].weights_bytes == rope == 201_326_592
    assert [g.activation_bytes for g in v1] == [2_214_592_512] * 2
    assert v2[0].activation_bytes == 2_214_592_512
    assert v2[1].activation_bytes < 2_214_592_512  # the decoder's own peak only


V0_11 = EncoderRules(scaled_video=True, expand_to="budget")  # the 0.11.x wheels
V0_12 = EncoderRules(scaled_video=True, expand_to="item")  # the 0.12.0 wheel


def test_qwen3_vl_dummy_video_frames_by_hand():
    # vLLM 0.11.0 qwen2_vl.py _get_max_video_frames from 2 frames (qwen3_vl.py), capped at
    # _MAX_FRAMES_PER_VIDEO 24,576; transformers video smart_resize of the 4,096 x 4,096
    # image, factor 32, t 2, longest_edge 25,165,824. 24,576 frames: beta = sqrt(24,576 x
    # 4,096^2 / 25,165,824) = 128, edge = max(32, floor(4,096 / 128 / 32) x 32) = 32;
    # grid_t 12,288 x 2 x 2 = 49,152 patches, 12,288 embeddings (the sipeed log's budget,
    # 153,600 = 12.5 x 12,288).
    enc = _spec("Qwen/Qwen3-VL-30B-A3B-Instruct").vision.encoder
    assert qwen3_vl_dummy_video(enc, 65536) == (24_576, 49_152)
    # 3 frames: beta = sqrt(3 x 4,096^2 / 25,165,824) = sqrt(2), edge floor(2,896.3 / 32) x
    # 32 = 2,880, grid_t (3 + 1) // 2 = 2: 2 x 180^2 = 64,800 patches, 16,200 embeddings, so
    # below 16,200 tokens the loop stays at 2 frames: beta = sqrt(4 / 3), edge floor(3,547.2 /
    # 32) x 32 = 3,520, 220^2 = 48,400 patches
    assert qwen3_vl_dummy_video(enc, 16199) == (2, 48_400)
    assert qwen3_vl_dummy_video(enc, 16200)[0] == 24_576
    # a checkpoint without video_preprocessor_config.json: transformers' video processor reads
    # preprocessor_config.json (get_video_processor_dict, 4.57.0 and 5.22.0), 16,777,216 px.
    # 2 frames: 2 x 4,096^2 = 33,554,432 is over it, beta = sqrt(2), floor(2,896.3 / 32) x 32
    # = 2,880, one temporal patch of 180^2 = 32,400 patches, 8,100 embeddings; 3 frames: beta
    # sqrt(3), floor(2,364.8 / 32) x 32 = 2,336, grid_t 2: 2 x 146^2 = 42,632 patches, 10,658
    # embeddings, so at 10,657 tokens the loop stays at 2 frames. At 65,536 tokens it runs to
    # the cap: 24,576 frames give beta = sqrt(24,576) = 156.8, edge max(32, 0) = 32, the same
    # dummy as at 25,165,824
    fallback = enc.model_copy(update={"video_max_pixels": 16_777_216})
    assert qwen3_vl_dummy_video(fallback, 65536) == (24_576, 49_152)
    assert qwen3_vl_dummy_video(fallback, 10657) == (2, 32_400)
    # transformers' class default (786,432 px: only a video file without "size"): 24,576
    # frames give beta = sqrt(24,576 x 4,096^2 / 786,432) = 724.1, edge max(32, 0) = 32: the
    # same dummy. From 193 frames on each is 32 x 32 (sqrt(786,432 / n) < 64), so n frames
    # are ceil(n / 2) embeddings: the cap's 12,288 fit from 12,288 tokens, 24,575 frames'
    # 12,288 do not fit 12,287, which stops at 24,574
    bare = enc.model_copy(update={"video_max_pixels": 786_432})
    assert qwen3_vl_dummy_video(bare, 65536) == (24_576, 49_152)
    assert qwen3_vl_dummy_video(bare, 12288) == (24_576, 49_152)
    assert qwen3_vl_dummy_video(bare, 12287)[0] == 24_574


def test_qwen3_vl_dummy_video_frames_start_from_the_square_image():
    # vLLM 0.11.0-0.12.0 start the dummy video's frames from their largest image, a square:
    # qwen2_vl.py get_image_size_with_most_features resizes a 9,999,999 px square with
    # transformers' image smart_resize at longest_edge 16,777,216: beta = 9,999,999 / 4,096,
    # side floor(4,096 / (18 x 2)) x 36 = 113 x 36 = 4,068 for an 18 px, merge-2 tower (the
    # factor pair's 15 x 863 tokens, 51,780 patches, isqrt 227, would give 227 x 18 = 4,086).
    # The side only shows where no frame is shrunk: at a video longest_edge of 234,881,024
    # (a copy of Qwen3.5-9B-Base's video_preprocessor_config.json), 2 frames x 4,068^2 =
    # 33,097,248 are within it, one temporal patch of (4,068 / 18)^2 = 226^2 = 51,076 patches,
    # 12,769 embeddings (4,086 would round to 114 x 36 = 4,104: 228^2 = 51,984). 3 frames:
    # round(3 / 2) x 2 = 4 x 4,068^2 = 66,194,496 within it, grid_t (3 + 1) // 2 = 2: 102,152
    # patches, 25,538 embeddings; 4 frames the same; 5: round(2.5) = 2 in Python, as
    # transformers rounds it, x 2 = 4 frames' pixels, grid_t 3: 153,228 patches, 38,307
    # embeddings
    enc = _spec("Qwen/Qwen3-VL-30B-A3B-Instruct").vision.encoder.model_copy(
        update={"patch": 18, "video_max_pixels": 234_881_024})
    assert qwen3_vl_dummy_video(enc, 25537) == (2, 51_076)
    assert qwen3_vl_dummy_video(enc, 25538) == (4, 102_152)


@pytest.mark.parametrize("tp, mbt, max_model_len, shape, held, vit_peak", [
    # sipeed-wiki-3090x4-qwen3-vl-30b-a3b-tp4 (bench/public_memory_runs.json): vLLM 0.11.0,
    # 4x RTX 3090, TP=4, 65,536 tokens, 2,048 batched: "Encoder cache will be initialized
    # with a budget of 153600 tokens, and profiled with 1 video items". Video 153,600 >
    # image 16,384 tokens; budget max(2,048, 153,600); 153,600 // 153,600 = 1 item. Held:
    # input 49,152 x 1,536 x 2 = 150,994,944 + the output padded to the budget
    # (gpu_model_runner.py 0.11.0 new_zeros((encoder_budget, width))) 153,600 x 2,048 x
    # (1 + 3) x 2 = 2,516,582,400. While padding, the 12,288 x 8,192 x 2 = 201,326,592 B
    # unpadded output lives too: 2,868,903,936 B, above the ViT at TP=4 (6 h = 6,912 per
    # patch at the attention: (49,152 x (1,536 + 1,152 + 6,912) + 3 x 12,288 x 2,048) x 2 =
    # 1,094,713,344 B).
    (4, 2048, 65536, (1, 49_152, 24_576, 153_600), 150_994_944 + 2_516_582_400,
     150_994_944 + 2_516_582_400 + 201_326_592),
    # 8,192 tokens: the dummy stays at 2 frames of 3,520 x 3,520
    # (test_qwen3_vl_dummy_video_frames_by_hand): 48,400 patches, 12,100 embeddings,
    # int(12.5 x 12,100) = 151,250 tokens > 16,384; 1 item. Held: 48,400 x 1,536 x 2 =
    # 148,684,800 + 151,250 x 8,192 x 2 = 2,478,080,000; + 12,100 x 8,192 x 2 = 198,246,400
    # while padding (the ViT at TP=1, 11 h: (48,400 x (1,536 + 1,152 + 12,672) + 3 x 12,100
    # x 2,048) x 2 = 1,635,532,800 B, below)
    (1, 8192, 8192, (1, 48_400, 2, 151_250), 148_684_800 + 2_478_080_000,
     148_684_800 + 2_478_080_000 + 198_246_400),
])
def test_0_11_profiles_one_padded_video(tp, mbt, max_model_len, shape, held, vit_peak):
    enc = _spec("Qwen/Qwen3-VL-30B-A3B-Instruct").vision.encoder
    p = encoder_profile(enc, tp=tp, mbt=mbt, seqs=256, max_model_len=max_model_len,
                        act_bytes=2, rules=V0_11)
    assert (p.items, p.patches, p.frames, p.rows) == shape
    assert (p.held, p.vit_peak) == (held, vit_peak)


def test_sipeed_0_11_pool_holds_the_padded_video():
    # the sipeed start-up (test above): "Available KV cache memory: 2.31 GiB"
    engine = EngineSettings(vllm_version="0.11.0", max_model_len=65536)
    req = PlanRequest(model=_spec("Qwen/Qwen3-VL-30B-A3B-Instruct"),
                      cluster=preset_cluster("rtx-3090", 4), layout=ParallelLayout(tp=4),
                      engine=engine)
    with_mm, without = (plan(r) for r in (req, req.model_copy(update={"engine": engine.model_copy(
        update={"skip_mm_profiling": True})})))
    # the decoder's dummy run (its sort sampler, 1.39 GiB) over the held tensors is the peak
    assert with_mm.activation_bytes_per_gpu == without.activation_bytes_per_gpu + 2_667_577_344
    # 2.54 GiB planned vs 2.31 logged (4.59 with the image's 469,762,048 B); the weights
    # are 0.22 GiB under the log's 14.77
    assert abs(with_mm.kv_cache_bytes_per_gpu / GIB - 2.31) <= 0.25
    formula = next(t.formula for t in with_mm.terms if t.key == "activation")
    assert "1 dummy video of 24,576 frames" in formula  # was "1 dummy video(s)"
    assert "padded to 153,600 rows" in formula


def test_0_12_pads_to_the_item_and_0_11_to_the_budget():
    # 262,144 batched tokens > 153,600: the 0.11.x budget is 262,144 (262,144 // 153,600 = 1
    # item), and 0.11 pads the output to it: 262,144 x 8,192 x 2 = 4,294,967,296 B; 0.12.0
    # pads to the video's 153,600 tokens per item: 2,516,582,400 B (+ the 150,994,944 B input)
    enc = _spec("Qwen/Qwen3-VL-30B-A3B-Instruct").vision.encoder
    p11, p12 = (encoder_profile(enc, tp=1, mbt=262144, seqs=4, max_model_len=65536,
                                act_bytes=2, rules=r) for r in (V0_11, V0_12))
    assert (p11.items, p11.rows, p11.held) == (1, 262_144, 150_994_944 + 4_294_967_296)
    assert (p12.items, p12.rows, p12.held) == (1, 153_600, 150_994_944 + 2_516_582_400)


def test_from_0_13_the_image_is_profiled_unpadded():
    # 0.13.0 counts the video's 12,288 embeddings as they are: below the image's 16,384, so
    # the image is profiled as on 0.20 (test_vit_peak_by_hand) and nothing is padded
    enc = _spec("Qwen/Qwen3-VL-30B-A3B-Instruct").vision.encoder
    assert vllm_rules("0.13.0").encoder == DEFAULT_ENCODER_RULES
    p = encoder_profile(enc, tp=1, mbt=8192, seqs=4, max_model_len=65536, act_bytes=2,
                        rules=vllm_rules("0.13.0").encoder)
    assert (p.items, p.patches, p.frames, p.rows) == (1, 65_536, 0, 0)
    assert p.held == 201_326_592 + 268_435_456


def test_llama4_on_0_11_holds_outputs_padded_to_the_budget():
    # Scout at 8,192 batched tokens (test above: 3 items of 2,448 tokens, no video): 0.11.x pads
    # each output to the 8,192-token budget: pixel values 34,546,176 + 3 x 8,192 x 5,120 x 2
    # = 251,658,240 B; 0.12.0 pads to the item's 2,448 tokens, which it already has
    enc = _spec("meta-llama/Llama-4-Scout-17B-16E-Instruct").vision.encoder
    p11, p12 = (encoder_profile(enc, tp=4, mbt=8192, seqs=1024, max_model_len=8192,
                                act_bytes=2, rules=r) for r in (V0_11, V0_12))
    assert (p11.items, p11.rows, p11.held) == (3, 8_192, 34_546_176 + 251_658_240)
    assert (p12.rows, p12.held) == (0, 34_546_176 + 75_202_560)
