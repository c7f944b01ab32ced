"""Speculative decoding in the speed (planner.serving.speed.drafting): a verify step of k + 1
tokens a request, the drafter's k passes, TPOT = step / the mean acceptance length, worked by
hand from the drafter config of tests/fixtures/drafters (SOURCES.md there), the catalog's
DeepSeek-V3 config and vLLM 0.34.0's Model Runner V2 (drafting.py's NOTE); and
--spec-acceptance-length's refusals through the real command lines."""

import json
from pathlib import Path

import pytest

from cli.planner_cli import main
from planner.catalog import catalog_spec
from planner.serving.eagle import parse_eagle_draft
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed import ServingLoad, estimate_speed
from tests.cli.test_bad_inputs import assert_one_line_error, run

DRAFTER = (Path(__file__).resolve().parents[2] / "fixtures" / "drafters"
           / "specforge__llama3-70B-eagle3.json")


def _terms(est) -> dict:
    return {t.key: t for t in est.terms}


def _inputs(term) -> dict[str, float]:
    return {key: float(value) for key, value in term.inputs.items()}


def _llama_eagle(tau: float | None, k: int = 3, version: str = "0.34.0",
                 input_len: int = 1_024, runner: str = "auto"):
    """Llama-3.1-70B-Instruct at TP 4 on H100 SXM with SpecForge's EAGLE-3 drafter, `k` (3)
    drafts, one request of `input_len` (1,024) in + 1,024 out, on vLLM `version` and the model
    runner `runner` asks."""
    draft = parse_eagle_draft(json.loads(DRAFTER.read_text(encoding="utf-8")), "drafter")
    request = PlanRequest(model=catalog_spec("meta-llama/Llama-3.1-70B-Instruct"),
                          cluster=preset_cluster("h100-sxm", 4), layout=ParallelLayout(tp=4),
                          engine=EngineSettings(speculative_draft=draft, num_speculative_tokens=k,
                                                vllm_version=version, model_runner=runner))
    return estimate_speed(request, ServingLoad(spec_acceptance_length=tau, input_len=input_len),
                          plan_result=plan(request))


def test_llama_70b_eagle3_at_tp4_k3_tau_2_5_by_hand():
    # The drafter's bytes on one GPU (llama_eagle3.py, bf16 2 B, TP 4; test_eagle.py works the
    # first three): decoder layer 469,762,048 B + 4 norms x 8,192 x 2 = 65,536 B + its lm_head
    # 32,000 / 4 = 8,000 rows x 8,192 x 2 = 131,072,000 B = 600,899,584 B read by every pass
    # (d2t and the embedding are looked up); the first pass also reads the fc, 3 x 8,192 x
    # 8,192 x 2 = 402,653,184 B (whole on every rank): vLLM's propose runs
    # combine_hidden_states -> fc once, before it, and the later passes call no fc
    # (llama_eagle3.py LlamaModel.forward): 1,003,552,768 B. Parameters multiplied: first
    # (469,762,048 + 402,653,184 + 131,072,000) / 2 = 501,743,616, later (469,762,048 +
    # 131,072,000) / 2 = 300,417,024.
    # Its KV: 8 KV heads / 4 = 2 x 128 x (K + V) x 2 B = 1,024 B a token, over 1,024 + 1,024 / 2
    # = 1,536 tokens of context. Pass 1 runs over the verify step's 1 x (3 + 1) = 4 tokens,
    # passes 2 and 3 over 1 token each; the verify step is a decode step of 4 tokens.
    plain, spec = _llama_eagle(None), _llama_eagle(2.5)
    terms = _terms(spec)
    first, later = _inputs(terms["spec_draft_first"]), _inputs(terms["spec_draft_pass"])
    assert first["draft_weight_bytes"] == 1_003_552_768
    assert later["draft_weight_bytes"] == 600_899_584
    assert first["draft_params"] == 501_743_616
    assert later["draft_params"] == 300_417_024
    assert first["draft_kv_bytes_per_token"] == later["draft_kv_bytes_per_token"] == 1_024
    assert (first["tokens"], first["sequences"], first["context_tokens"]) == (4, 1, 1_536)
    assert (later["tokens"], later["sequences"]) == (1, 1)
    # each pass reads its bytes at the target's bf16 read rate (its decode_weights term):
    # 1,003,552,768 B / (3,350 GB/s x 0.9) = 0.33285 ms, 600,899,584 B: 0.19930 ms
    rate = _inputs(terms["decode_weights"])
    assert rate["bandwidth_gbps"] == 3_350
    read_ms = 1_003_552_768 / (3_350e9 * rate["bandwidth_efficiency"]) * 1e3
    later_ms = 600_899_584 / (3_350e9 * rate["bandwidth_efficiency"]) * 1e3
    assert first["weights_ms"] == pytest.approx(read_ms, rel=1e-5)
    assert later["weights_ms"] == pytest.approx(later_ms, rel=1e-5)
    assert read_ms == pytest.approx(0.33285, rel=1e-3)
    assert later_ms == pytest.approx(0.19930, rel=1e-3)
    # the step: verify + pass 1 + 2 more; one request: TPOT = step / 2.5, nothing else
    step = terms["spec_step"].value
    assert step == pytest.approx(terms["decode_step"].value + terms["spec_draft_first"].value
                                 + 2 * terms["spec_draft_pass"].value)
    assert spec.decode_step_ms == pytest.approx(step)
    assert spec.tpot_ms == pytest.approx(step / 2.5)
    assert spec.output_tokens_per_s_per_request == pytest.approx(2.5 / step * 1e3)
    # bounds by hand against the same plan without the drafter (T0 = its decode step): the
    # verify step reads the same weights and KV (4 tokens' GEMMs, 4 x 2 x ~17.6e9 parameters /
    # (989 TFLOP/s x ~0.65) ~ 0.22 ms, stay under the ~11.5 ms weight read), so it lies in T0 to
    # 1.02 T0; each pass at least reads its bytes (0.33285, then 2 x 0.19930 ms) and at most
    # adds 0.17 ms of all-reduce, KV and one layer's overhead: TPOT / T0 in
    # [(T0 + 0.33285 + 2 x 0.19930) / 2.5 / T0, (1.02 T0 + 0.50 + 2 x 0.37) / 2.5 / T0]
    t0 = plain.tpot_ms
    assert plain.decode_step_ms == pytest.approx(t0)
    assert (t0 + read_ms + 2 * later_ms) / 2.5 <= spec.tpot_ms \
        <= (1.02 * t0 + read_ms + 0.17 + 2 * (later_ms + 0.17)) / 2.5
    # the prompt: one request's TTFT gains the drafter's pass over it (its own term)
    assert spec.ttft_ms - plain.ttft_ms == pytest.approx(terms["spec_draft_prefill"].value)
    # the prompt's one chunk (1,024 tokens): pass 1 over it, then passes 2 and 3 read theirs
    assert terms["spec_draft_prefill"].value > read_ms + 2 * later_ms
    assert "speculative decoding (3 EAGLE-3 draft tokens from drafter) modelled at mean " \
        "acceptance length 2.5" in " ".join(spec.notes)
    assert "--spec-acceptance-length X" in " ".join(plain.notes)
    assert not any(t.key.startswith("spec_") for t in plain.terms)


@pytest.mark.parametrize(("version", "runner", "later_passes"),
                         [("0.34.0", "auto", 2), ("0.33.0", "auto", 2), ("0.33.0", "v1", 6),
                          ("0.32.0", "auto", 6)])
def test_a_prompts_non_final_chunks_propose_no_drafts_from_vllm_0_33(version, runner,
                                                                     later_passes):
    # 24,576 prompt tokens in 3 chunks of 8,192 (the plan's max_num_batched_tokens). With 3
    # drafts each proposing step adds 2 one-token passes to the chunk's pass; with 1 draft, none.
    # vLLM 0.33.0+ on Model Runner V2 (Scheduler._drafts_unused -> skip_drafts, which only
    # v1/worker/gpu/model_runner.py reads) proposes after the last chunk only: 2 passes; 0.32.0,
    # and 0.33.0 on Model Runner V1 (--model-runner v1: gpu_model_runner.py proposes the
    # scheduler's num_spec_tokens_to_schedule), after each of the 3 chunks: 3 x 2 = 6. Each such
    # pass is the decode step's later pass (spec_draft_pass) but for its KV read over a context
    # of 8,192 to 24,576 tokens in place of 24,576 + 512 (1,024 B a token: under 0.03 ms of its
    # ~0.28 ms).
    three, one = (_llama_eagle(1.5, k, version, 24_576, runner) for k in (3, 1))
    added = _terms(three)["spec_draft_prefill"].value - _terms(one)["spec_draft_prefill"].value
    assert added == pytest.approx(later_passes * _terms(three)["spec_draft_pass"].value,
                                  rel=0.03)
    assert three.ttft_ms - one.ttft_ms == pytest.approx(added)
    formula = _terms(three)["spec_draft_prefill"].formula
    assert ("after the last chunk" if later_passes == 2 else "after each chunk") in formula


def test_deepseek_v3_mtp_at_tp8_on_h200_by_hand():
    # DeepSeek-V3 (catalog config: hidden 7,168, 256 routed experts of 2,048, FP8 blocks of
    # 128 x 128 with fp32 scales, vocab 129,280, MLA latent 512 + rope 64), TP 8 on H200, one
    # MTP draft token, 8 requests. The MTP pass (a copy of the last decoder layer, a MoE layer,
    # with vLLM's deepseek_mtp.py eh_proj replicated in bf16, and the target's lm_head) on one
    # GPU:
    #   routed experts held: 256 x 3 x 7,168 x 2,048 x 1 B / 8 = 1,409,286,144 B + scales
    #   256 x 3 x 56 x 16 x 4 B / 8 = 344,064 B -> 1,409,630,208 B (the share 16 tokens touch
    #   is read);
    #   dense: lm_head 129,280 / 8 = 16,160 rows x 7,168 x 2 B = 231,669,760 B; eh_proj 2 x
    #   7,168 x 7,168 x 2 B = 205,520,896 B; enorm + hnorm 2 x 7,168 x 2 B = 28,672 B; the layer:
    #   fused q_a + kv_a (replicated) 7,168 x 2,112 B + 56 x 17 x 4 B scales = 15,142,624 B,
    #   q_b 1,536 x 3,072 + 12 x 24 x 4 = 4,719,744 B, o_proj 2,048 x 7,168 + 16 x 56 x 4 =
    #   14,683,648 B, shared expert 3 x 7,168 x 2,048 / 8 + 3 x 896 x 4 / 8 = 5,506,368 B,
    #   router 256 x 7,168 x 2 + 256 x 4 = 3,671,040 B, 4 norms 2 x 7,168 x 2 + 1,536 x 2 +
    #   512 x 2 = 32,768 B: 437,219,328 + 28,672 + 43,756,192 = 481,004,192 B, + at most MLA
    #   decode's 16-bit W_UK / W_UV copy of kv_b_proj, 512 x 4,096 x 2 B = 4,194,304 B.
    #   KV: (512 + 64) x 2 B = 1,152 B a token (MLA: whole on every rank).
    # Pass 1 runs over the verify step's 8 x (1 + 1) = 16 tokens; k = 1: no later pass.
    request = PlanRequest(model=catalog_spec("deepseek-ai/DeepSeek-V3"),
                          cluster=preset_cluster("h200", 8), layout=ParallelLayout(tp=8),
                          engine=EngineSettings(num_speculative_tokens=1))
    result = plan(request)
    plain = estimate_speed(request, ServingLoad(concurrency=8), plan_result=result)
    spec = estimate_speed(request, ServingLoad(concurrency=8, spec_acceptance_length=1.7),
                          plan_result=result)
    terms = _terms(spec)
    first = _inputs(terms["spec_draft_first"])
    assert "spec_draft_pass" not in terms
    assert first["draft_expert_bytes"] == 1_409_630_208
    assert 481_004_192 <= first["draft_weight_bytes"] <= 481_004_192 + 4_194_304
    assert first["draft_kv_bytes_per_token"] == 1_152
    assert (first["tokens"], first["sequences"]) == (16, 8)
    step = terms["spec_step"].value
    assert step == pytest.approx(terms["decode_step"].value + terms["spec_draft_first"].value)
    interference = _inputs(terms["tpot"])["interference_ms"]
    assert spec.tpot_ms == pytest.approx(step / 1.7 + interference)
    # the verify step's 16 tokens touch at least the experts 8 do, and the pass reads at
    # least its dense bytes at the fp8 read rate: TPOT >= (T0 + dense / rate) / 1.7 + the
    # interference
    rate = _inputs(terms["decode_weights"])
    dense_ms = 481_004_192 / (4_800e9 * rate["bandwidth_efficiency"]) * 1e3
    t0 = plain.decode_step_ms
    assert spec.tpot_ms >= (t0 + dense_ms) / 1.7 + interference


def test_an_mtp_estimate_without_the_length_decodes_without_drafts():
    # no acceptance length: no drafter terms, and the note names the flag that models them
    request = PlanRequest(model=catalog_spec("deepseek-ai/DeepSeek-V3"),
                          cluster=preset_cluster("h200", 8), layout=ParallelLayout(tp=8),
                          engine=EngineSettings(num_speculative_tokens=1))
    est = estimate_speed(request)
    assert not any(t.key.startswith("spec_") for t in est.terms)
    assert any("--spec-acceptance-length X (vLLM's logged \"Mean acceptance length\") models "
               "it" in note for note in est.notes)


def test_an_mtp_layer_of_its_own_shape_is_not_timed():
    # MiMo-V2-Flash's MTP layer (spec.mtp_layer, not a copy of the last decoder layer) is not
    # timed: the speed decodes without it and says so (DeepSeek-V4's own is:
    # test_dsv4_speed.py)
    request = PlanRequest(model=catalog_spec("XiaomiMiMo/MiMo-V2-Flash"),
                          cluster=preset_cluster("b200", 8), layout=ParallelLayout(tp=8),
                          engine=EngineSettings(num_speculative_tokens=1))
    for load in (ServingLoad(spec_acceptance_length=1.8), ServingLoad()):
        est = estimate_speed(request, load)
        assert not any(t.key.startswith("spec_") for t in est.terms)
        notes = " ".join(est.notes)
        assert "is not modelled: the model's MTP layer has a shape of its own" in notes
        # without the length, no hint at a flag that would not model it either
        assert "--spec-acceptance-length X" not in notes


def test_the_length_is_refused_where_the_settings_cannot_emit_it():
    request = PlanRequest(model=catalog_spec("deepseek-ai/DeepSeek-V3"),
                          cluster=preset_cluster("h200", 8), layout=ParallelLayout(tp=8),
                          engine=EngineSettings(num_speculative_tokens=1))
    with pytest.raises(ValueError, match="outside 1 to 2"):
        estimate_speed(request, ServingLoad(spec_acceptance_length=2.5))
    with pytest.raises(ValueError):
        ServingLoad(spec_acceptance_length=float("nan"))
    with pytest.raises(ValueError):
        ServingLoad(spec_acceptance_length=0.9)


def test_the_plan_json_echoes_the_length_and_adds_the_terms(capsys):
    code = main(["plan", "--model", "deepseek-ai/DeepSeek-V3", "--gpu", "h200", "--gpus", "8",
                 "--num-speculative-tokens", "1", "--spec-acceptance-length", "1.7", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["speed"]["load"]["spec_acceptance_length"] == 1.7
    names = [t["name"] for t in out["speed_terms"]]
    assert {"spec_draft_first", "spec_step", "spec_draft_prefill"} <= set(names)


def test_the_speed_heading_names_the_length(capsys):
    code = main(["plan", "--model", "deepseek-ai/DeepSeek-V3", "--gpu", "h200", "--gpus", "8",
                 "--num-speculative-tokens", "1", "--spec-acceptance-length", "1.7"])
    assert code == 0
    assert ("Speed at 1,024 in / 1,024 out, 1 request at once, mean acceptance length 1.7;"
            in capsys.readouterr().out)
    # a length just under its bound is printed as given (":g" printed 2, the bound itself)
    code = main(["plan", "--model", "deepseek-ai/DeepSeek-V3", "--gpu", "h200", "--gpus", "8",
                 "--num-speculative-tokens", "1", "--spec-acceptance-length", "1.9999999"])
    assert code == 0
    out = capsys.readouterr().out
    assert "1 request at once, mean acceptance length 1.9999999;" in out
    assert "TPOT = step / 1.9999999 (spec_step term)" in out


DSV3 = ("--model", "deepseek-ai/DeepSeek-V3", "--gpu", "h200")
NEEDS = "--spec-acceptance-length needs speculative decoding: give --num-speculative-tokens N"
NOT_A = "argument --spec-acceptance-length: {} is not a mean acceptance length"


@pytest.mark.parametrize(("command", "drafts", "value", "words"), [
    ("plan", "0", "2", NEEDS),
    ("plan", "1", "2.5", "--spec-acceptance-length 2.5 is outside 1 to 2: with 1 draft token"),
    ("plan", "1", "0.5", "--spec-acceptance-length 0.5 is outside 1 to 2"),
    # just past a bound, the value as given: ":g" printed "2 is outside 1 to 2"
    ("plan", "1", "2.0000001", "--spec-acceptance-length 2.0000001 is outside 1 to 2"),
    ("plan", "1", "0.9999999", "--spec-acceptance-length 0.9999999 is outside 1 to 2"),
    ("plan", "1", "x", "argument --spec-acceptance-length: 'x' is not a number: give a mean "
     "acceptance length (1 to --num-speculative-tokens + 1)."),
    ("plan", "1", "nan", NOT_A.format("nan")),
    ("plan", "1", "inf", NOT_A.format("inf")),
    ("sweep", "2", "4", "--spec-acceptance-length 4 is outside 1 to 3"),
    ("report", "2", "4", "--spec-acceptance-length 4 is outside 1 to 3"),
    ("recommend", "2", "4", "--spec-acceptance-length 4 is outside 1 to 3"),
])
def test_bad_acceptance_lengths_exit_2_on_one_line(command, drafts, value, words):
    gpus = () if command == "recommend" else ("--gpus", "8")
    done = run("planner", command, *DSV3, *gpus, "--num-speculative-tokens", drafts,
               "--spec-acceptance-length", value)
    assert_one_line_error(done, f"python -m planner {command}: error: ", words)


def test_verify_tokens_over_the_token_budget_are_named_not_modelled():
    # vLLM's scheduler gives each running request its k + 1 tokens from the step's budget,
    # max_num_batched_tokens (scheduler.py: min(num_new_tokens, token_budget, ...), drafts cut
    # to what was scheduled): at 512, 3 drafts and 128 requests fit (128 x 4 = 512), 200 do not
    # (200 x 4 = 800 > 512); the speed times the whole step and says so.
    draft = parse_eagle_draft(json.loads(DRAFTER.read_text(encoding="utf-8")), "drafter")
    request = PlanRequest(model=catalog_spec("meta-llama/Llama-3.1-70B-Instruct"),
                          cluster=preset_cluster("h100-sxm", 4), layout=ParallelLayout(tp=4),
                          engine=EngineSettings(speculative_draft=draft, num_speculative_tokens=3,
                                                max_num_batched_tokens=512, max_num_seqs=256))
    result = plan(request)

    def note(concurrency: int) -> str:
        est = estimate_speed(request, ServingLoad(spec_acceptance_length=2.5,
                                                  concurrency=concurrency), plan_result=result)
        assert est.concurrency == concurrency
        return " ".join(est.notes)

    assert "exceed max_num_batched_tokens" not in note(128)
    assert ("200 sequences x 4 = 800 verify tokens a step exceed max_num_batched_tokens 512: "
            "vLLM schedules at most 512 a step") in note(200)
