"""MTP speculative decoding (draft KV layers, widened conv states, state pages, draft weights)
and the MXFP4 Marlin fallback, each checked against a logged vLLM start-up."""

import pytest

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.units import GIB


def _spec(repo_id: str):
    entry = catalog_entry(repo_id)
    return parse_model_config(entry.config, entry.hf_quant_config, name=entry.repo_id)


def _qwen35(spec_tokens: int, **engine):
    # The club-3090 run (../shared/calibration/vllm-other-gpus.json club3090-pr594): 2x RTX
    # 3090, TP=2, fp8 weights and KV, 262,144 tokens, 8,192 batched tokens, 2 sequences,
    # prefix caching; Qwen3.5-27B's config stands in for Qwen3.6-27B (same layout).
    return plan(PlanRequest(
        model=_spec("Qwen/Qwen3.5-27B"), cluster=preset_cluster("rtx-3090", 2),
        layout=ParallelLayout(tp=2),
        engine=EngineSettings(quantization="fp8", kv_cache_dtype="fp8", max_model_len=262144,
                              max_num_batched_tokens=8192, max_num_seqs=2,
                              enable_prefix_caching=True, num_speculative_tokens=spec_tokens,
                              **engine)))


def test_mtp_reproduces_the_club3090_pool_arithmetic():
    # Log (club3090-pr594): Available KV cache memory 5.33 GiB, GPU KV cache size 300,220
    # tokens, Maximum concurrency for 262,144 tokens 1.15x; MTP configured (the club-3090
    # recipes use {"method": "mtp", "num_speculative_tokens": 3}).
    # By hand, from vLLM's source (mamba_utils.py gated_delta_net_state_shape, num_spec = 3;
    # kv_cache_interface.py MambaSpec "align": 2 + 3 state pages; the MTP layer's attention
    # joins the KV cache):
    #   GDN page = 10,240 / 2 x (3 + 3) x 2 B + 24 x 128 x 128 x 4 B = 61,440 + 1,572,864
    #            = 1,634,304 B
    #   attention block = 16 x cdiv(1,634,304, 16 x 1,024 B) = 1,600 tokens (page 1,638,400 B)
    #   17 attention layers (16 + 1 draft), 48 GDN -> groups of 17: 1 + 3 groups,
    #   block = 17 x 1,638,400 = 27,852,800 B; 5.33 GiB // block = 205 blocks
    #   per request = cdiv(262,144, 1,600) + 3 x (2 + 3) = 164 + 15 = 179 blocks
    #   205 / 179 = 1.1453 -> int(1.1453 x 262,144) = 300,220 tokens (the log's figure)
    p = _qwen35(3, kv_cache_memory_bytes=round(5.33 * GIB))
    assert (p.block_size, p.num_gpu_blocks) == (1600, 205)
    assert p.kv_cache_tokens == 300_220
    assert round(p.max_concurrency, 2) == 1.15
    # without speculative decoding the same pool reads 222 blocks / 174 per request: 1.28
    assert round(_qwen35(0, kv_cache_memory_bytes=round(5.33 * GIB)).max_concurrency, 2) == 1.28


def test_mtp_draft_weights_and_launch_flag():
    # One MTP layer of Qwen3.5-27B (a full-attention decoder layer) at TP=2, fp8:
    # q (with gate) 5,120 x 24 x 256 x 2 + k, v 5,120 x 4 x 256 x 2 + o 6,144 x 5,120
    # + MLP 3 x 5,120 x 17,408 + fc 2 x 5,120 x 5,120 = 424,673,280 params / 2 ranks
    # = 212,336,640 B at 1 B each, plus block-fp8 scales and norms (< 1 %).
    with_mtp, without = _qwen35(3), _qwen35(0)
    extra = with_mtp.weights_bytes_per_gpu - without.weights_bytes_per_gpu
    assert extra == pytest.approx(212_336_640, rel=0.01)
    assert ('--speculative-config \'{"method": "mtp", "num_speculative_tokens": 3}\''
            in with_mtp.vllm_command)


def test_the_speed_figures_say_they_leave_speculative_decoding_out():
    # README: "--num-speculative-tokens N ... (the speed model ignores it)"; users see it too
    from planner.serving.speed import estimate_speed

    request = PlanRequest(model=_spec("Qwen/Qwen3.5-27B"), cluster=preset_cluster("h100-sxm", 1),
                          engine=EngineSettings(max_model_len=32768, num_speculative_tokens=3))
    est = estimate_speed(request)
    assert any(n.startswith("speculative decoding (3 MTP draft tokens) is not modelled")
               for n in est.notes)
    plain = estimate_speed(request.model_copy(update={"engine": EngineSettings(
        max_model_len=32768)}))
    assert not any("speculative" in n for n in plain.notes)


def test_mtp_refused_without_mtp_layers():
    p = plan(PlanRequest(model=_spec("Qwen/Qwen3-8B"), cluster=preset_cluster("h100-sxm", 1),
                         engine=EngineSettings(num_speculative_tokens=2)))
    assert not p.fits
    assert "declares no multi-token-prediction layer" in p.verdict


def test_mxfp4_marlin_fallback_on_hopper():
    # vLLM issue #23278 (vllm-other-gpus.json vllm-i23278): gpt-oss-120b on one H100 on the
    # Marlin fallback (get_mxfp4_backend, 0.11.0 wheel: Marlin when triton_kernels is missing)
    # logged 65.9651 GiB of weights. Marlin pads experts to 3,072 x 2,944 (see
    # test_weights.py): 5,504,827,392 B more than Hopper's Triton kernel.
    spec = _spec("openai/gpt-oss-120b")
    triton = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1)))
    marlin = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1),
                              engine=EngineSettings(mxfp4_marlin=True)))
    assert marlin.weights_bytes_per_gpu - triton.weights_bytes_per_gpu == pytest.approx(
        5_504_827_392, abs=64)
    assert marlin.weights_bytes_per_gpu / GIB == pytest.approx(65.9651, rel=0.001)


def test_cli_num_speculative_tokens(capsys):
    # `--num-speculative-tokens 3` reaches the plan: the same 205-block pool arithmetic as
    # test_mtp_reproduces_the_club3090_pool_arithmetic, and the launch command's flag.
    import json

    from cli.planner_cli import main

    code = main(["plan", "--model", "Qwen/Qwen3.5-27B", "--gpu", "rtx-3090", "--gpus", "2",
                 "--tp", "2", "--quantization", "fp8", "--kv-cache-dtype", "fp8",
                 "--max-model-len", "262144", "--max-num-seqs", "2",
                 "--max-num-batched-tokens", "8192", "--kv-cache-memory", str(round(5.33 * GIB)),
                 "--vllm-version", "0.33.0", "--num-speculative-tokens", "3", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert doc["kv_cache_tokens"] == 300_220
    assert '"num_speculative_tokens": 3' in doc["vllm_command"]
