"""The LoRA kernels' time in the speed figures (planner.serving.speed.lora_cost), worked by hand
from the models' config.json numbers (../shared/model-configs) and the H100 SXM's datasheet
bandwidth, 3,350 GB/s (its GPU preset's).

Llama-3.1-8B-Instruct: hidden 4,096, 32 layers, 32 / 8 heads of 128 (q 4,096, k and v 1,024),
intermediate 14,336, vocabulary 128,256, untied. One adapter of rank 16 at TP=1, elements:
  qkv_proj 3 x 16 x 4,096 + (4,096 + 2 x 1,024) x 16 = 294,912; o_proj 16 x 4,096 + 4,096 x 16
  = 131,072; gate_up_proj 2 x 16 x 4,096 + 2 x 14,336 x 16 = 589,824; down_proj 16 x 14,336 +
  4,096 x 16 = 294,912: 1,310,720 a layer, x 32 = 41,943,040; embed_tokens' B 4,096 x 16 =
  65,536 (its A, 128,256 x 16, is looked up per token, not read whole); lm_head 16 x 4,096 +
  128,256 x 16 = 2,117,632: 44,126,208 elements, 88,252,416 B in bfloat16.
Activation elements one token moves (each input read once per A slice, each output read and
written by the expand):
  qkv 3 x 4,096 + 2 x 6,144 = 24,576; o 4,096 + 2 x 4,096 = 12,288; gate_up 2 x 4,096 + 2 x
  28,672 = 65,536; down 14,336 + 2 x 4,096 = 22,528: 124,928 a layer, x 32 = 3,997,696;
  embed_tokens 3 x 16 + 2 x 4,096 = 8,240: 4,005,936; the lm_head per logit row 4,096 + 2 x
  128,256 = 260,608.
"""

import json

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.lora.part import part_sums
from planner.serving.lora.settings import LoraSettings
from planner.serving.lora.slots import stage_parts
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed import ServingLoad, _context, estimate_speed
from planner.serving.speed.coefficients import FITTED
from planner.serving.speed.lora_cost import lora_work, pipeline_lora
from planner.serving.speed.step import _stage_parts, _tokens
from tests.cli.conftest import run_main

LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
QWEN3_MOE = "Qwen/Qwen3-30B-A3B"
H100_BPS = 3350e9  # the H100 SXM datasheet bandwidth, B/s
BF16_READ = H100_BPS * FITTED.bandwidth_efficiency["bf16"]  # the weights' read rate

ADAPTER_BYTES = 44_126_208 * 2  # 88,252,416 B: one adapter's slots read whole (docstring)
TOKEN_BYTES = 4_005_936 * 2  # a token's activations through the LoRA kernels
ROW_BYTES = 260_608 * 2  # a logit row's through the lm_head's


def _estimate(model: str = LLAMA, concurrency: int = 8, **engine):
    request = PlanRequest(model=catalog_spec(model), cluster=preset_cluster("h100", 1),
                          layout=ParallelLayout(), engine=EngineSettings(**engine))
    return estimate_speed(request, ServingLoad(concurrency=concurrency))


def _lora(**more):
    return {"enable_lora": True, "max_loras": 4, "max_lora_rank": 16, **more}


def _terms(est) -> dict:
    return {t.key: t for t in est.terms}


def test_one_requests_lora_flops_read_in_microseconds_not_zero() -> None:
    # one sequence: 2 x 44,126,208 = 88,252,416 FLOP (0.088 GFLOP) at the H100's 989 TFLOP/s x
    # the fitted compute efficiency (0.645 there) take 0.138 us: the formula read "= 0.000 ms"
    # (the app's speed terms, Qwen3-30B-A3B on 2 H100s), as if the compute were nothing
    term = _terms(_estimate(concurrency=1, **_lora()))["lora_decode"]
    assert "0.088 GFLOP" in term.formula
    assert ") = 0.13" in term.formula and " us; at 1 seq a step" in term.formula
    assert "= 0.000 ms" not in term.formula


def test_llama_decode_reads_the_active_adapters_slots_and_activations() -> None:
    # 8 sequences, max_loras 4: min(8, 4) = 4 adapters, 4 x 88,252,416 = 353,009,664 B;
    # activations 8 x (8,011,872 + 521,216) = 68,264,704 B; 421,274,368 B at 3,350 GB/s x the
    # bf16 efficiency (0.9: 3,015 GB/s) = 0.1397 ms; the FLOPs, 2 x 8 x 44,126,208 = 0.706
    # GFLOP, take 0.001 ms at the 16-bit rate: the read binds
    est = _estimate(**_lora())
    term = _terms(est)["lora_decode"]
    adapters = 4 * ADAPTER_BYTES
    activations = 8 * (TOKEN_BYTES + ROW_BYTES)
    assert adapters == 353_009_664 and activations == 68_264_704
    assert term.value == pytest.approx((adapters + activations) / BF16_READ * 1e3, rel=1e-12)
    assert term.value == pytest.approx(0.1397, abs=1e-4)
    assert "4 active adapters x their slots 353.01 MB + activations 68.265 MB" in term.formula
    assert "0.706 GFLOP" in term.formula
    assert "not validated against measured LoRA runs" in term.note
    assert "min(sequences in the step, max_loras)" in term.note
    assert (term.inputs["active_adapters"], term.inputs["max_loras"]) == ("4", "4")
    # the step is the base model's + the LoRA kernels, nothing else changes
    base = _estimate()
    assert est.decode_step_ms - base.decode_step_ms == pytest.approx(term.value, rel=1e-9)


def test_fewer_sequences_than_loras_read_one_adapter_each() -> None:
    # 2 sequences at max_loras 4: 2 adapters (the worst case: each request its own)
    term = _terms(_estimate(concurrency=2, **_lora()))["lora_decode"]
    assert term.value == pytest.approx(
        (2 * ADAPTER_BYTES + 2 * (TOKEN_BYTES + ROW_BYTES)) / BF16_READ * 1e3, rel=1e-12)
    assert term.inputs["active_adapters"] == "2"


def test_llama_prefill_reads_one_adapter_and_the_prompts_activations() -> None:
    # one request of 1,024 tokens, one chunk: 1 adapter, 1,024 tokens' activations and one
    # logit row: (88,252,416 + 1,024 x 8,011,872 + 521,216) B = 8,292,930,560 B / 3,015 GB/s
    # = 2.7506 ms (the FLOPs, 2 x (1,024 x 42,008,576 + 2,117,632) = 86.0 GFLOP, take 0.135
    # ms at 989.4 TFLOP/s x 0.645); it is part of the prefill
    est, base = _estimate(**_lora()), _estimate()
    term = _terms(est)["lora_prefill"]
    read = ADAPTER_BYTES + 1024 * TOKEN_BYTES + ROW_BYTES
    assert read == 8_292_930_560
    assert term.value == pytest.approx(read / BF16_READ * 1e3, rel=1e-12)
    assert term.value == pytest.approx(2.7506, abs=1e-4)
    assert est.prefill_ms - base.prefill_ms == pytest.approx(term.value, rel=1e-9)
    # the term carries its work: 1,024 x 8,011,872 + 521,216 = 8,204,678,144 B of activations,
    # 2 x (1,024 x 42,008,576 + 2,117,632) = 86,037,798,912 FLOPs
    assert (term.inputs["chunks"], term.inputs["adapter_bytes"]) == ("1", str(ADAPTER_BYTES))
    assert term.inputs["activation_bytes"] == str(1024 * TOKEN_BYTES + ROW_BYTES)
    assert term.inputs["lora_flops"] == "86037798912"
    assert ("1,024 tokens in 1 chunk through 1 stage: read the adapter's slots 88.25 MB + "
            "activations 8,204.678 MB, compute 86.038 GFLOP") in term.formula
    # at max_num_batched_tokens 512 two chunks, each reading the adapter again and one logit
    # row: 2 x 88,252,416 B, 1,024 x 8,011,872 + 2 x 521,216 B
    two = _terms(_estimate(max_num_batched_tokens=512, **_lora()))["lora_prefill"]
    assert (two.inputs["chunks"], two.inputs["adapter_bytes"]) == ("2", str(2 * ADAPTER_BYTES))
    assert two.inputs["activation_bytes"] == str(1024 * TOKEN_BYTES + 2 * ROW_BYTES)


def test_moe_experts_are_read_where_each_adapters_tokens_route() -> None:
    # Qwen3-30B-A3B (config.json): hidden 2,048, 48 layers, 32 / 4 heads of 128, 128 experts,
    # 8 a token, moe_intermediate 768, vocabulary 151,936, untied. One adapter, rank 16:
    # qkv 3 x 16 x 2,048 + (4,096 + 2 x 512) x 16 = 180,224; o 16 x 4,096 + 2,048 x 16 =
    # 98,304; router gate 16 x 2,048 + 128 x 16 = 34,816 (0.34.0: wrapped once): 313,344 a
    # layer x 48 = 15,040,512; embed_tokens' B 32,768; lm_head 16 x 2,048 + 151,936 x 16 =
    # 2,463,744: 17,537,024 read whole. Each expert (FusedMoEWithLoRA): w13 A 2 x 16 x 2,048,
    # B 2 x 768 x 16, w2 A 16 x 768, B 2,048 x 16 = 135,168, x 128 x 48 = 830,472,192. At 8
    # sequences over 4 adapters, 2 tokens each route to 1 - (1 - 8/128)^2 = 0.12109375 of the
    # experts (fused_moe_lora reads a block's (adapter, expert) slots only)
    term = _terms(_estimate(QWEN3_MOE, **_lora()))["lora_decode"]
    touched = 1 - (1 - 8 / 128) ** 2
    adapters = 4 * (17_537_024 + 830_472_192 * touched) * 2
    assert adapters == 944_816_128
    assert term.inputs["adapter_bytes"] == "944816128"


def test_without_lora_no_lora_term_and_no_lora_note() -> None:
    est = _estimate()
    assert not [t for t in est.terms if t.key.startswith("lora")]
    assert not [n for n in est.notes if "LoRA" in n]
    assert "LoRA" not in _terms(est)["decode_step"].formula


def test_the_json_and_the_report_show_the_lora_terms_unvalidated(capsys) -> None:
    args = ("--model", LLAMA, "--gpu", "h100", "--enable-lora", "--max-loras", "4",
            "--concurrency", "8")
    code, out, _ = run_main(capsys, "plan", *args, "--json")
    terms = {t["name"]: t for t in json.loads(out)["speed_terms"]}
    assert code == 0 and terms["lora_decode"]["value"] == pytest.approx(0.1397, abs=1e-4)
    assert "not validated against measured LoRA runs" in terms["lora_prefill"]["label"]
    code, out, _ = run_main(capsys, "report", *args)
    performance = out[out.index("## Performance expectations"):]
    assert code == 0 and ("Decode: LoRA kernels per stage step (not validated against measured "
                          "LoRA runs): max(read, compute)") in performance


PREFILL_NOTE = ("1 adapter read: the one request's own, its prompt prefilled alone (no other "
                "request's adapter in its chunks); its slots read whole by every chunk on every "
                "stage; calibration, vLLM source and what is not counted: as lora_decode's note")
"""lora_prefill's note for a dense model: its one adapter (a prefill is timed at one request:
the 1 active adapter of test_llama_prefill_reads_one_adapter_and_the_prompts_activations),
not lora_decode's min(sequences, max_loras), and a reference to the shared caveats."""


def test_the_prefill_note_says_its_one_adapter_not_the_decodes_caveats(capsys) -> None:
    args = ("--model", LLAMA, "--gpu", "h100", "--enable-lora", "--max-loras", "4",
            "--concurrency", "8")
    code, out, _ = run_main(capsys, "plan", *args, "--json")
    terms = {t["name"]: t for t in json.loads(out)["speed_terms"]}
    decode, prefill = terms["lora_decode"]["note"], terms["lora_prefill"]["note"]
    assert code == 0 and prefill == PREFILL_NOTE
    # the decode's note keeps its adapters and the caveats the prefill's refers to, once
    assert decode.startswith("adapters read: min(sequences in the step, max_loras): each "
                             "request a different adapter (the worst case); not validated")
    assert "punica_gpu.py" in decode and "launch and tail time" in decode
    # and the estimate's note tells the two apart
    note = next(n for n in json.loads(out)["speed"]["notes"] if n.startswith("--enable-lora"))
    assert ("a decode step's at min(sequences in the step, max_loras): each request a "
            "different adapter (the worst case), a prefill's the one request's own") in note
    code, out, _ = run_main(capsys, "report", *args)
    performance = out[out.index("## Performance expectations"):]
    # its inputs line ("- label: inputs; note"), as the report's figures list shows it
    prefill_line = next(x for x in performance.splitlines()
                        if x.startswith("- Prefill: LoRA kernels"))
    assert code == 0 and prefill_line.endswith(f"lora_flops = 86037798912; {PREFILL_NOTE}")


def test_a_moe_and_an_mla_prefill_note_name_their_experts_and_kv_b_proj() -> None:
    # Qwen3-30B-A3B's routed experts are read as the chunk's tokens touch them
    # (test_moe_experts_are_read_where_each_adapters_tokens_route); DeepSeek-V2-Lite's MLA
    # kv_b_proj runs in prefill only (test_mla_kv_b_proj_lora_runs_in_prefill_only)
    moe = _terms(_estimate(QWEN3_MOE, **_lora()))["lora_prefill"].note
    assert "every stage, its routed experts' as the chunk's tokens touch them; calibration" in moe
    mla = _terms(_estimate("deepseek-ai/DeepSeek-V2-Lite-Chat", **_lora()))["lora_prefill"].note
    assert ("its routed experts' as the chunk's tokens touch them, MLA's kv_b_proj too "
            "(prefill only); calibration") in mla


def test_modules_wrapped_again_through_an_alias_are_read_once() -> None:
    # DeepSeek-V2-Lite-Chat: vLLM 0.21.0 wraps the MLA projections again through the MLA
    # wrapper's references (kv_b_proj three times) and the router gate twice, 0.34.0 once each
    # (wrapped_by_id): more slots, but the forward calls one wrapper, so a step reads the same
    deepseek = "deepseek-ai/DeepSeek-V2-Lite-Chat"
    old, new = (_terms(_estimate(deepseek, vllm_version=v, **_lora()))["lora_decode"]
                for v in ("0.21.0", "0.34.0"))
    assert old.inputs["adapter_bytes"] == new.inputs["adapter_bytes"]
    assert old.inputs["activation_bytes"] == new.inputs["activation_bytes"]


def test_mla_kv_b_proj_lora_runs_in_prefill_only() -> None:
    # DeepSeek-V2-Lite-Chat (config.json): 27 MLA layers, 16 heads, kv_lora_rank 512,
    # qk_nope_head_dim 128, v_head_dim 128. vLLM's MLA calls kv_b_proj in prefill only
    # (layers/attention/mla_attention.py forward_mha, _compute_prefill_context); decode
    # multiplies by the absorbed W_UK / W_UV. One adapter's kv_b_proj slots at rank 16, TP=1:
    # A 16 x 512 = 8,192 + B 16 x (128 + 128) x 16 = 65,536 = 73,728 a layer, x 27 = 1,990,656
    # elements, 3,981,312 B; a token moves 512 + 2 x 4,096 = 8,704 a layer, x 27 = 235,008
    # elements, 470,016 B. On 0.21.0 kv_b_proj is wrapped three times, one wrapper runs: the same
    deepseek = catalog_spec("deepseek-ai/DeepSeek-V2-Lite-Chat")
    for version in ((0, 34, 0), (0, 21, 0)):
        lora = LoraSettings(max_loras=4, rank=16, fully_sharded=False, version=version)
        (stage,) = pipeline_lora(deepseek, ParallelLayout(), lora, 2)
        # a step of 1 sequence, of 8 (4 adapters) and a 1,024-token chunk of one request
        for tokens, seqs, adapters in ((1, 1, 1), (8, 8, 4), (1024, 1, 1)):
            decode, prefill = (lora_work(stage, tokens, tokens, seqs, seqs, p)
                               for p in (False, True))
            assert prefill.adapter_bytes - decode.adapter_bytes == pytest.approx(
                adapters * 3_981_312, rel=1e-9)
            assert prefill.activation_bytes - decode.activation_bytes == tokens * 470_016
            assert prefill.flops - decode.flops == 2 * tokens * 1_990_656
    # the decode term (1 sequence: 1 adapter) reads one kv_b_proj's slots fewer than a
    # one-token prefill step would
    lora = LoraSettings(max_loras=4, rank=16, fully_sharded=False, version=(0, 34, 0))
    (stage,) = pipeline_lora(deepseek, ParallelLayout(), lora, 2)
    term = _terms(_estimate("deepseek-ai/DeepSeek-V2-Lite-Chat", concurrency=1,
                            **_lora()))["lora_decode"]
    assert float(term.inputs["adapter_bytes"]) == pytest.approx(
        lora_work(stage, 1, 1, 1, 1, True).adapter_bytes - 3_981_312, rel=1e-12)


def test_slots_no_text_step_runs_are_not_read() -> None:
    # Qwen3-Next-80B-A3B (config.json): 48 layers, every 4th full attention, so 36 Gated
    # DeltaNet layers; conv kernel 4, 16 key heads and 32 value heads of 128 (key 2,048, value
    # 4,096). conv1d's slots, 4 x rank 16 at TP=1: A 16 x 4 = 64 + B (2 x 2,048 + 4,096) x 16
    # = 131,072, 131,136 a layer x 36 x 4 = 18,883,584 elements; vLLM hands conv1d.weight to
    # the causal_conv1d kernels and never calls the module, so a step reads none of them
    spec = catalog_spec("Qwen/Qwen3-Next-80B-A3B-Instruct")
    lora = LoraSettings(max_loras=4, rank=16, fully_sharded=False, version=(0, 34, 0))
    parts = stage_parts(spec, range(spec.num_layers), True, True, 1, lora)
    woken = [p._replace(idle=False) if p.name == "conv1d" else p for p in parts]
    assert part_sums(woken)[0] - part_sums(parts)[0] == 18_883_584
    # Qwen3-VL-32B's vision tower and connector (--enable-tower-connector-lora: 71,299,072 B of
    # slots, test_lora_tower) run on image inputs only: a text step reads and moves the same
    vl = catalog_spec("Qwen/Qwen3-VL-32B-Instruct")
    text, tower = (pipeline_lora(vl, ParallelLayout(), lora._replace(tower=flag), 2)
                   for flag in (False, True))
    assert text == tower


def test_deepseek_v3_2_indexer_wq_b_lora_runs_in_decode_and_prefill() -> None:
    # DeepSeek-V3.2 is DeepSeek-V3 (config.json: the same numbers) plus the sparse-attention
    # indexer on its 61 layers; its forward calls indexer.wq_b on q_c every step (deepseek_v2.py
    # Indexer.forward; models/deepseek_v32/attention.py DeepseekV32Attention.forward from 0.29.0),
    # wk_weights_proj is not wrapped. One adapter's wq_b at rank 16, whole on every rank:
    # A 16 x 1,536 = 24,576 + B 64 x 128 x 16 = 131,072 = 155,648 a layer, x 61 = 9,494,528
    # elements, 18,989,056 B; a token moves 1,536 + 2 x 8,192 = 17,920 a layer, x 61 =
    # 1,093,120 elements, 2,186,240 B; in decode and prefill alike
    lora = LoraSettings(max_loras=4, rank=16, fully_sharded=False, version=(0, 34, 0))
    v3, v32 = (pipeline_lora(catalog_spec(m), ParallelLayout(tp=8), lora, 2)[0]
               for m in ("deepseek-ai/DeepSeek-V3", "deepseek-ai/DeepSeek-V3.2"))
    for prefill in (False, True):
        for tokens, seqs, adapters in ((1, 1, 1), (8, 8, 4)):
            old, new = (lora_work(s, tokens, tokens, seqs, seqs, prefill) for s in (v3, v32))
            assert new.adapter_bytes - old.adapter_bytes == pytest.approx(
                adapters * 18_989_056, rel=1e-9)
            assert new.activation_bytes - old.activation_bytes == tokens * 2_186_240
            assert new.flops - old.flops == 2 * tokens * 9_494_528


def test_each_pp_stage_reads_its_own_embedding_and_lm_head_lora() -> None:
    # Llama-3.1-8B-Instruct (config.json): 32 layers, hidden 4,096, 32 / 8 heads of 128,
    # intermediate 14,336, vocabulary 128,256, untied; at PP=8 each stage holds 4 layers. One
    # adapter at rank 16, a layer: qkv 3 x 16 x 4,096 + (4,096 + 2 x 1,024) x 16 = 294,912;
    # o 16 x 4,096 + 4,096 x 16 = 131,072; gate_up 2 x 16 x 4,096 + 2 x 14,336 x 16 =
    # 589,824; down 16 x 14,336 + 4,096 x 16 = 294,912: 1,310,720 elements, x 4 = 5,242,880.
    # vLLM builds embed_tokens on the first PP rank only and lm_head on the last (models/
    # llama.py LlamaModel / LlamaForCausalLM: PPMissingLayer elsewhere, 0.34.0); a step reads
    # the embedding's B whole (4,096 x 16 = 65,536; its A rows per token) and the lm_head's
    # A and B (16 x 4,096 + 128,256 x 16 = 2,117,632). So the middle stages read no embedding
    # LoRA: they were charged the first stage's 65,536 (their Stage figures are alike)
    request = PlanRequest(model=catalog_spec(LLAMA), cluster=preset_cluster("rtx-3090", 8),
                          layout=ParallelLayout(pp=8), engine=EngineSettings(**_lora()))
    ctx = _context(request, FITTED, plan(request).max_num_batched_tokens)
    assert [ctx.lora[k].adapter_elements for k in ctx.order] == (
        [5_242_880 + 65_536] + [5_242_880] * 6 + [5_242_880 + 2_117_632])
    # one sequence's decode step (1 adapter), in bf16: a token moves a layer's qkv 3 x 4,096
    # + 2 x 6,144, o 4,096 + 2 x 4,096, gate_up 2 x 4,096 + 2 x 28,672, down 14,336 + 2 x
    # 4,096 = 124,928 elements, x 4 = 499,712; the embedding 3 x 16 + 2 x 4,096 = 8,240; the
    # logit row 4,096 + 2 x 128,256 = 260,608. Bytes: first (5,308,416 + 507,952) x 2 =
    # 11,632,736; middle (5,242,880 + 499,712) x 2 = 11,485,184; last (7,360,512 + 499,712 +
    # 260,608) x 2 = 16,241,664
    parts = _stage_parts(ctx, _tokens(ctx, 1), 1, 1024, prefill=False)
    read = [parts[k]["lora_adapter_bytes"] + parts[k]["lora_activation_bytes"]
            for k in ctx.order]
    assert read == [11_632_736] + [11_485_184] * 6 + [16_241_664]
    # the stages together read what one GPU of the whole model reads: 11,632,736 + 6 x
    # 11,485,184 + 16,241,664 = 96,785,504 B = ADAPTER_BYTES + TOKEN_BYTES + ROW_BYTES
    assert sum(read) == 96_785_504 == ADAPTER_BYTES + TOKEN_BYTES + ROW_BYTES
    # at one sequence the decode step walks every stage once: the LoRA kernels add the eight
    # reads at the 3090's 936 GB/s x the bf16 efficiency (the read binds: the FLOPs, 2 x
    # 5,242,880 a middle stage, take well under a microsecond)
    load = ServingLoad(concurrency=1)
    est = estimate_speed(request, load)
    base = estimate_speed(request.model_copy(update={"engine": EngineSettings()}), load)
    assert est.decode_step_ms - base.decode_step_ms == pytest.approx(
        96_785_504 / (936e9 * FITTED.bandwidth_efficiency["bf16"]) * 1e3, rel=1e-9)


def test_gpt_oss_lora_reads_at_the_efficiency_its_term_names() -> None:
    # under --enable-lora vLLM runs gpt-oss's MXFP4 experts on Marlin (lora.moe's docstring),
    # the weight-only family: its efficiency, 0.9 (Marlin's own kernel timings, capped at 0.9),
    # is the rate of the weights and the LoRA reads alike, and both terms name it so
    terms = _terms(_estimate("openai/gpt-oss-20b", concurrency=1, **_lora()))
    for key in ("decode_weights", "lora_decode"):
        assert "3,350 GB/s" in terms[key].formula
        assert "x 0.900 weight-only efficiency" in terms[key].formula
    lora = terms["lora_decode"]
    read = float(lora.inputs["adapter_bytes"]) + float(lora.inputs["activation_bytes"])
    assert lora.value == pytest.approx(read / (H100_BPS * 0.9) * 1e3, rel=1e-6)
