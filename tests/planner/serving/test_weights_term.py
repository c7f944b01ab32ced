"""The weights term's formula: the binding rank's weights as the sum of their parts. Worked
by hand from Llama-3.1-70B-Instruct's config.json (hidden 8,192, 80 layers, 64 query and 8
KV heads of 128, intermediate 28,672, vocab 128,256, untied, 131,072 positions), BF16 at TP=2
on 2x A100 80GB PCIe."""

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.units import GIB, MIB

LLAMA_70B = "meta-llama/Llama-3.1-70B-Instruct"


def test_weights_formula_adds_up_the_parts_by_hand() -> None:
    spec = catalog_spec(LLAMA_70B)
    result = plan(PlanRequest(model=spec, cluster=preset_cluster("a100-80gb-pcie", 2),
                              layout=ParallelLayout(tp=2),
                              engine=EngineSettings(max_model_len=32768)))
    embed = 128_256 // 2 * 8192 * 2  # vocab rows split over TP (128,256 is a multiple of 64)
    attention = 80 * (2 * 8192 * 8192 + 2 * 8192 * 8 * 128) // 2 * 2  # q, o + k, v
    mlp = 80 * 3 * 8192 * 28_672 // 2 * 2  # gate, up, down
    norms = (80 * 2 + 1) * 8192 * 2  # two per layer + the final norm, not split
    rope = 131_072 * 128 * 2  # cos/sin cache rows x rotary dim, bf16
    total = 2 * embed + attention + mlp + norms + rope
    assert total == 70_588_579_840 == result.weights_bytes_per_gpu
    weights = next(t for t in result.terms if t.key == "weights")
    assert weights.formula == (
        f"embeddings {embed / GIB:.2f} GiB + attention {attention / GIB:.2f} GiB + dense MLP "
        f"{mlp / GIB:.2f} GiB + norms {norms / MIB:.2f} MiB + lm_head {embed / GIB:.2f} GiB + "
        f"rotary cos/sin cache {rope / GIB:.2f} GiB = {total / GIB:.2f} GiB "
        "(BF16; stage 0, TP rank 0, layers 0-79)")
    assert weights.formula.startswith("embeddings 0.98 GiB + attention 11.25 GiB + dense MLP "
                                      "52.50 GiB + norms 2.52 MiB")


def test_an_ep_rank_of_another_dp_replica_adds_up_its_parts_too() -> None:
    # Qwen3-30B-A3B (config.json: hidden 2,048, 48 layers, 32 query and 4 KV heads of 128,
    # 128 experts of 768, vocab 151,936, untied, 40,960 positions), BF16 at TP=2 x DP=2 + EP
    # on 4 H100s: the experts spread over TP x DP = 4 ranks, 32 on each, in every replica
    spec = catalog_spec("Qwen/Qwen3-30B-A3B")
    result = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 4),
                              layout=ParallelLayout(tp=2, dp=2, ep=True),
                              engine=EngineSettings(max_model_len=8192)))
    embed = 151_936 // 2 * 2048 * 2
    attention = 48 * ((2 * 2048 * 4096 + 2 * 2048 * 512) // 2 + 2 * 128) * 2  # + q/k norms
    experts = 48 * 32 * 3 * 2048 * 768 * 2
    router = 48 * 2048 * 128 * 2  # replicated
    norms = (48 * 2 + 1) * 2048 * 2
    rope = 40_960 * 128 * 2
    total = 2 * embed + attention + experts + router + norms + rope
    assert total == 16_059_887_616 == result.weights_bytes_per_gpu
    # replica 1's two ranks hold what replica 0's hold
    assert [r.weights_bytes for r in result.per_gpu] == [total] * 4
    weights = next(t for t in result.terms if t.key == "weights")
    assert weights.formula == (
        "embeddings 0.29 GiB + attention 0.84 GiB + routed experts 13.50 GiB + router 0.02 GiB "
        "+ norms 0.38 MiB + lm_head 0.29 GiB + rotary cos/sin cache 10.00 MiB = 14.96 GiB "
        "(BF16; stage 0, TP rank 0, layers 0-47)")


def test_the_formula_names_what_vllm_makes_or_frees_at_load() -> None:
    # The weights a GPU holds differ from the checkpoint's size (weights_bytes) by what vLLM
    # makes or frees at load; the formula says which. DeepSeek-V3.2 (FP8) at TP 8 on H200:
    # the 16-bit kv_b_proj copy (mla_attention.py process_weights_after_loading) 61 layers x
    # 512 x 128 / 8 heads x (128 + 128) x 2 B = 255,852,544 B = 0.238 GiB, and the top-k
    # buffer (deepseek_v2.py DeepseekV2Model.__init__) 8,192 batched tokens x index_topk 2,048
    # x 4 B, between them its router's e_score_correction_bias in float32 (deepseek_v2.py
    # DeepseekV2MoE, dtype=torch.float32 from 0.10.2). MiniMax-M2.5's router in float32
    # (minimax_m2.py params_dtype=torch.float32), gpt-oss-20b's rotary cache in float32
    # (gpt_oss.py get_rope(dtype=torch.float32)), and Qwen2.5-7B as GPTQ int4 on an RTX 4090
    # on vLLM 0.33 without the zero points Marlin frees (mixed_precision/marlin.py);
    # Llama-3.1-70B in BF16 says none of them.
    cases = (
        ("deepseek-ai/DeepSeek-V3.2", "h200", 8, {}, (
            "; attention holds the 0.24 GiB 16-bit copy of kv_b_proj vLLM makes at load "
            "(W_UK_T / W_UV); router's e_score_correction_bias in float32, as vLLM builds it; "
            "buffers: the top-k indices vLLM allocates at init, 8,192 batched tokens x 2,048 x "
            "4 B)")),
        ("MiniMaxAI/MiniMax-M2.5", "h200", 4, {}, "; router in float32, as vLLM builds it)"),
        ("openai/gpt-oss-20b", "a100-80gb", 1, {},
         "; rotary cos/sin cache in float32, as vLLM builds it)"),
        ("Qwen/Qwen2.5-7B-Instruct", "rtx-4090", 1,
         {"vllm_version": "0.33.0", "target_quant": "w4a16-gptq-g128"},
         "; without the unused GPTQ zero points vLLM's Marlin frees at load)"),
        (LLAMA_70B, "a100-80gb", 2, {}, "layers 0-79)"),
    )
    for model, gpu, n, settings, tail in cases:
        result = plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster(gpu, n),
                                  layout=ParallelLayout(tp=n),
                                  engine=EngineSettings(max_model_len=4096, **settings)))
        formula = next(t for t in result.terms if t.key == "weights").formula
        assert formula.endswith(tail), (model, formula)


def test_the_router_note_names_a_float32_router_only_over_the_checkpoints_own_bits() -> None:
    # vLLM builds MiniMax-M2's gate in float32 whatever the checkpoint (minimax_m2.py
    # MiniMaxM2MoE: GateLinear(params_dtype=torch.float32), no quant_config; 0.34.0 wheel):
    # 62 layers x (3,072 x 256 + 256) = 48,774,656 router parameters x 4 B = 195,098,624 B =
    # 0.18 GiB on every GPU. The FP8 checkpoint stores it in BF16 (modules_to_not_convert
    # "gate"), so these are bytes vLLM makes at load and the note says so; as a GGUF
    # (llama.cpp stores ffn_gate_inp in F32: llama-quant.cpp) the checkpoint holds the same
    # float32 router already, and nothing is made at load: no note.
    note = "; router in float32, as vLLM builds it"
    formulas = {}
    for target in (None, "gguf-q4_k_m"):
        result = plan(PlanRequest(
            model=catalog_spec("MiniMaxAI/MiniMax-M2.5"), cluster=preset_cluster("h200", 4),
            layout=ParallelLayout(tp=4),
            engine=EngineSettings(max_model_len=4096,
                                  **({"target_quant": target} if target else {}))))
        formulas[target] = next(t for t in result.terms if t.key == "weights").formula
    assert all(" + router 0.18 GiB + " in f for f in formulas.values()), formulas
    assert formulas[None].endswith(f"layers 0-61{note})")
    assert formulas["gguf-q4_k_m"].endswith("(GGUF Q4_K_M (mix); stage 0, TP rank 0, layers 0-61)")
