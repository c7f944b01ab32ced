"""Vision towers whose start-up encoder profile the plan leaves out carry a warning and no
confident verdict; modelled towers (Qwen3-VL family, Llama 4) and towers the measured start-ups
cover (planner.serving.encoder_cover.MEASURED, at their batch shape) do not."""

import copy

import pytest

from planner.catalog import catalog_spec as _spec
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from tests.conftest import load_ref_config

PROFILE = "vision encoder on dummy items at start-up"


def _plan(spec, gpu: str = "h100-sxm", gpus: int = 1, layout: ParallelLayout | None = None,
          **engine):
    return plan(PlanRequest(model=spec, cluster=preset_cluster(gpu, gpus),
                            layout=layout or ParallelLayout(tp=gpus),
                            engine=EngineSettings(**engine)))


def _encoder_warnings(p) -> list[str]:
    return [w for w in p.warnings if PROFILE in w]


def qwen25_vl_like() -> dict:
    """A synthetic Qwen2.5-VL-style config (NOT the real model's: ../shared holds none): the
    Qwen3-8B text config under model_type qwen2_5_vl with a vision_config of depth 4,
    width 64, MLP 128, patch 14, temporal 2, merge 2, out 4096."""
    config, _ = load_ref_config("Qwen__Qwen3-8B")
    config = copy.deepcopy(config)
    config.update(model_type="qwen2_5_vl", architectures=["Qwen2_5_VLForConditionalGeneration"],
                  vision_config={"model_type": "qwen2_5_vl", "depth": 4, "hidden_size": 64,
                                 "intermediate_size": 128, "patch_size": 14,
                                 "temporal_patch_size": 2, "spatial_merge_size": 2,
                                 "out_hidden_size": 4096})
    return config


def test_an_unmodelled_tower_warns_and_is_no_confident_fit():
    # Qwen2.5-VL's tower has no encoder term: the verdict names it (beside the model_type
    # Headroom does not know), a warning says what vLLM does and how to avoid it
    spec = parse_model_config(qwen25_vl_like(), name="synthetic/qwen2.5-vl-like")
    assert spec.vision is not None and spec.vision.encoder is None
    p = _plan(spec)
    assert p.fits
    assert p.verdict.startswith("Fits (unmodelled: model_type 'qwen2_5_vl', Qwen2.5-VL vision "
                                "encoder start-up profile): ")
    [warning] = _encoder_warnings(p)
    assert warning.startswith("vLLM profiles the Qwen2.5-VL vision encoder on dummy items")
    assert "its peak is not modelled" in warning
    assert "--skip-mm-profiling leaves it out" in warning
    assert "--limit-mm-per-prompt with every modality at 0" in warning
    act = next(t for t in p.terms if t.key == "activation")
    assert "vision encoder: its start-up profile is not modelled" in act.note
    # --skip-mm-profiling: vLLM runs no encoder at start-up, nothing is left out
    skipped = _plan(spec, skip_mm_profiling=True)
    assert not _encoder_warnings(skipped)
    assert skipped.verdict.startswith("Fits (unmodelled: model_type 'qwen2_5_vl'): ")
    # a given activation peak: the figure is the user's, no warning
    assert not _encoder_warnings(_plan(spec, activation_bytes=2 * 2**30))


def test_kimi_k25_moonvit_3d_is_not_covered():
    # Kimi-VL's start-ups do not cover Kimi-K2.5's MoonViT-3D (model_type kimi_k25)
    p = _plan(_spec("moonshotai/Kimi-K2.5"), gpu="h200", gpus=8)
    assert p.fits and "Kimi-K2.5 MoonViT-3D vision encoder start-up profile" in p.verdict
    assert len(_encoder_warnings(p)) == 1


@pytest.mark.parametrize("repo_id", ["Qwen/Qwen3-VL-32B-Instruct",
                                     "meta-llama/Llama-4-Scout-17B-16E-Instruct"])
def test_a_modelled_tower_has_no_warning(repo_id):
    spec = _spec(repo_id)
    assert spec.vision.encoder is not None
    p = _plan(spec, gpu="h200", gpus=4, max_model_len=32768)
    assert not _encoder_warnings(p) and p.verdict.startswith("Fits: ")


@pytest.mark.parametrize(("repo_id", "gpu", "name", "run"), [
    ("google/gemma-3-4b-it", "h100-sxm", "Gemma 3 SigLIP", "gemma-3-12b-it"),
    ("ibm-granite/granite-vision-3.3-2b", "h100-sxm", "granite-vision (LLaVA-NeXT SigLIP)",
     "granite-vision-3.3-2b"),
    ("moonshotai/Kimi-VL-A3B-Instruct", "h100-sxm", "Kimi-VL MoonViT", "Kimi-VL-A3B-Instruct"),
    ("google/gemma-4-26B-A4B", "l40s", "Gemma 4", "unresolved-l40s-gemma4-26b-a4b-fp8"),
])
def test_a_measured_tower_at_the_measured_shape_has_no_warning_and_names_its_runs(
        repo_id, gpu, name, run):
    # vLLM's defaults there: 8,192 batched tokens / 1,024 sequences on an 80 GB H100, 2,048 /
    # 256 on the L40S: 8 per sequence, the measured start-ups' shape
    p = _plan(_spec(repo_id), gpu=gpu)
    assert p.max_num_batched_tokens == 8 * p.max_num_seqs
    assert not _encoder_warnings(p) and not p.verdict.startswith("Fits (unmodelled")
    act = next(t for t in p.terms if t.key == "activation")
    assert f"the {name} encoder's start-up profile is inside this figure" in act.note
    assert run in act.note


def test_a_measured_tower_outside_the_measured_shape_warns():
    spec = _spec("google/gemma-3-4b-it")
    # 16 sequences for 8,192 batched tokens: 512 per sequence, past the runs' 8 (the
    # encoder's dummy images follow the batched tokens, the sampler's logits the sequences)
    p = _plan(spec, max_num_seqs=16)
    assert p.verdict.startswith("Fits (unmodelled: Gemma 3 SigLIP vision encoder start-up "
                                "profile): ")
    [warning] = _encoder_warnings(p)
    assert "this plan has 8,192 / 16 = 512 batched tokens per sequence, where" in warning
    act = next(t for t in p.terms if t.key == "activation")
    assert "this plan's batch shape is outside theirs" in act.note
    # 1,024 sequences for 8,192 tokens is the runs' shape; PP=2 is not: the first stage
    # profiles the encoder without the sampler
    pp2 = _plan(spec, gpus=2, layout=ParallelLayout(pp=2))
    [warning] = _encoder_warnings(pp2)
    assert ("8,192 / 1,024 = 8 batched tokens per sequence on 2 pipeline stages (only the "
            "last one samples)") in warning
    assert not _encoder_warnings(_plan(spec, max_num_seqs=16, skip_mm_profiling=True))


@pytest.mark.parametrize(("engine", "runner", "cited"), [
    ({}, "v2", "v1/worker/gpu/model_runner.py profile_run"),  # 0.34.0: V2 its only runner
    ({"vllm_version": "0.33.0", "model_runner": "v2"}, "v2",
     "v1/worker/gpu/model_runner.py profile_run"),
    ({"vllm_version": "0.33.0", "model_runner": "v1"}, "v1",
     "v1/worker/gpu_model_runner.py profile_run")])
def test_the_warning_cites_the_profile_run_of_the_runner_the_plan_runs(engine, runner, cited):
    # Model Runner V2's profile_run (v1/worker/gpu/model_runner.py, the 0.27.0-0.34.0 wheels)
    # runs the encoder profile (EncoderRunner.profile_encoder_cache); V1's is in
    # v1/worker/gpu_model_runner.py (gone from 0.34.0)
    p = _plan(_spec("google/gemma-3-4b-it"), max_num_seqs=16, **engine)
    assert p.model_runner == runner
    [warning] = _encoder_warnings(p)
    assert f"on dummy items at start-up ({cited}) and that peak comes out" in warning


def test_recommend_names_the_rows_whose_figures_leave_the_encoder_out():
    # Kimi-K2.5's MoonViT-3D has no encoder term (test_kimi_k25_moonvit_3d_is_not_covered):
    # every row that serves it fits on figures without that peak, so recommend says which,
    # by rank; Qwen3-8B (no vision tower) rows carry no such line
    from planner.serving.prices import with_overrides
    from planner.serving.recommend import Workload, recommend

    result = recommend([_spec("moonshotai/Kimi-K2.5"), _spec("Qwen/Qwen3-8B")],
                       Workload(input_len=1000, output_len=100), with_overrides(),
                       gpu_keys=("h200",), top=20)
    kimi = [f"#{i}" for i, r in enumerate(result.rows, 1)
            if r.model_name == "moonshotai/Kimi-K2.5"]
    assert kimi and len(kimi) < len(result.rows)  # Qwen3-8B rows are there too
    assert result.caveats() == [
        f"moonshotai/Kimi-K2.5 ({', '.join(kimi)}): the figures leave out Kimi-K2.5 MoonViT-3D "
        "vision encoder start-up profile, so the KV room may be less than planned (`plan` with "
        "the row's settings gives the warning; check against a real start-up)"]


def test_no_warning_where_model_runner_v2_profiles_no_encoder():
    # vLLM 0.25.0-0.26.0 start a dense model (the Qwen2.5-VL-like one) on Model Runner V2
    # (config/vllm.py `any(listed) or not model_config.is_moe`), whose profile_run runs no
    # encoder (v1/worker/gpu/model_runner.py, 0.17.0-0.26.0 wheels): nothing is left out
    spec = parse_model_config(qwen25_vl_like(), name="synthetic/qwen2.5-vl-like")
    p = _plan(spec, vllm_version="0.26.0")
    assert p.model_runner == "v2"
    assert not _encoder_warnings(p)
    assert p.verdict.startswith("Fits (unmodelled: model_type 'qwen2_5_vl'): ")
    act = next(t for t in p.terms if t.key == "activation")
    assert "vision encoder: none profiled" in act.note
    # 0.27.0's V2 profiles it: the warning is back
    assert _encoder_warnings(_plan(spec, vllm_version="0.27.0"))


@pytest.mark.parametrize(("engine", "why"), [
    ({"language_model_only": True}, "none profiled (--language-model-only: served text-only)"),
    ({"zero_mm_limits": ("image",)}, "none profiled (--limit-mm-per-prompt"),
    ({"skip_mm_profiling": True}, "none profiled (--skip-mm-profiling)")])
def test_gemma3_without_an_encoder_profile_keeps_the_fit_and_says_it_may_overstate(engine, why):
    # the activation is the fit's S, F, R formula, whatever the tower: the Gemma 3 start-ups'
    # encoder profile is in it only as three of its rows (tests/test_public_benches.py: refit
    # without them 0.060-0.089 GiB less), not a term to take out
    spec = _spec("google/gemma-3-4b-it")
    base, served = _plan(spec), _plan(spec, **engine)
    assert served.activation_bytes_per_gpu == base.activation_bytes_per_gpu
    act = next(t for t in served.terms if t.key == "activation")
    assert (f"; vision encoder: {why}" in act.note and "yet this figure is the activation fit, "
            "whose rows include the Gemma 3 SigLIP start-ups that profiled it: refitted without "
            "these three of its 37 rows, the fit gives them 0.060-0.089 GiB less") in act.note
    assert "so it may overstate by up to that much" in act.note
    # Gemma 4's start-ups were checked, never fitted: nothing of its encoder is in the fit
    gemma4 = _plan(_spec("google/gemma-4-26B-A4B"), gpu="l40s", **engine)
    assert "yet this figure" not in next(t for t in gemma4.terms if t.key == "activation").note
