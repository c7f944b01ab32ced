"""planner.serving.auto_layout: the layout the app opens on for given hardware.

Hand-worked: Qwen3-235B-A22B GPTQ-Int4 fits one node of 8 RTX 3090 at TP=8 (README seed
scenario), so one node is TP=8 (+ EP, kept as asked) and two nodes are two replicas of it.
Qwen3-32B has 64 query heads and 8 KV heads: TP=16 across 2 nodes of 8 would be allowed by the
heads, but auto_layout keeps TP inside a node (TP = 8). Llama-3.1-70B in bf16 needs
70.55e9 x 2 B = 131 GiB of weights: it cannot fit one RTX 3090 (budget 0.9 x 23.57 = 21.2 GiB),
so on 1 node x 1 GPU nothing fits and the one valid layout, TP=1, is returned.
"""

from planner.catalog import catalog_spec
from planner.model.config.parser import parse_model_config
from planner.model.quant import checkpoint_scheme, scheme
from planner.serving.auto_layout import (
    AUTO_LAYOUT_RULE,
    auto_layout,
    compared_layout,
    layout_refusals,
    layout_rule,
    widest_layout,
)
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import summary_figures
from tests.cli.tiny_model import TINY_CONFIG


def _auto(model: str, gpu: str, per_node: int, nodes: int, *, ep: bool = True):
    spec = catalog_spec(model)
    return auto_layout(spec, preset_cluster(gpu, per_node, nodes), checkpoint_scheme(spec),
                       EngineSettings(), ep=ep)


def test_one_node_is_tp_per_node_with_ep_as_asked() -> None:
    seed = "Qwen/Qwen3-235B-A22B-GPTQ-Int4"
    assert _auto(seed, "rtx-3090", 8, 1) == ParallelLayout(tp=8, ep=True)
    assert _auto(seed, "rtx-3090", 8, 1, ep=False) == ParallelLayout(tp=8)


def test_nodes_become_replicas_when_one_node_holds_the_model() -> None:
    layout = _auto("Qwen/Qwen3-235B-A22B-GPTQ-Int4", "rtx-3090", 8, 2)
    assert (layout.tp, layout.pp, layout.dp, layout.gpus) == (8, 1, 2, 16)


def test_tp_stays_inside_a_node() -> None:
    layout = _auto("Qwen/Qwen3-32B", "h100-sxm", 8, 2)
    assert layout.tp == 8 and layout.gpus == 16 and not layout.ep  # dense: no EP


def test_nothing_fits_still_gives_the_valid_layout() -> None:
    assert _auto("meta-llama/Meta-Llama-3.1-70B", "rtx-3090", 1, 1) == ParallelLayout(tp=1)


def test_nothing_fits_opens_on_the_layout_closest_to_fitting() -> None:
    # Llama-3.1-405B: 126 layers x (2 x 16384^2 + 2 x 16384 x 1024 attention + 3 x 16384 x
    # 53248 MLP) + 2 x 128256 x 16384 embedding and head = 405.85e9 parameters, 811.7 GB in
    # bf16: 101.5 GB per GPU at TP=8 (TP=8 x DP=2 holds that on every GPU) and ~50.7 GB at
    # TP=8 x PP=2, against an RTX 3090's 0.92 x 23.57 GiB = 23.3 GB budget. Neither fits; at
    # TP=8, PP=2 is the closer (half the weights per GPU), where the old tie-break took DP.
    layout = _auto("meta-llama/Meta-Llama-3.1-405B", "rtx-3090", 8, 2, ep=False)
    assert (layout.tp, layout.pp, layout.dp) == (8, 2, 1)
    # Qwen3-32B (64 heads, 8 KV heads: TP=3 is invalid) on 3 RTX 3090s: 32.8e9 x 2 B = 65.5 GB
    # per GPU at DP=3, a third of it (~21.8 GB, still short of a KV cache) at PP=3.
    layout = _auto("Qwen/Qwen3-32B", "rtx-3090", 3, 1, ep=False)
    assert (layout.tp, layout.pp, layout.dp) == (1, 3, 1)


def test_nothing_fits_ranks_misses_as_the_sweep_does() -> None:
    # Llama-3.3-Nemotron-Super-49B on 8 nodes of one A10G at utilization 0.6: no layout fits,
    # so at TP=1 over all 8 GPUs the misses rank as sweep.rank_key ranks them (miss_key). At
    # PP=8 stage 6 (layers 60-69) holds no attention layer and vLLM fails at start-up (no
    # memory shortfall: more memory does not fix it); PP=4 x DP=2 misses on memory. auto_layout
    # ranked by the pool alone (-kv_cache_bytes_per_gpu): PP=8's weights / 8 leave a pool
    # less short than PP=4's weights / 4, so it opened on the layout vLLM refuses
    spec = catalog_spec("nvidia/Llama-3_3-Nemotron-Super-49B-v1")
    cluster = preset_cluster("a10g", 1, 8)
    engine = EngineSettings(gpu_memory_utilization=0.6)
    pp8, pp4 = (summary_figures(spec, cluster, ParallelLayout(pp=pp, dp=8 // pp), engine)
                for pp in (8, 4))
    assert pp8["memory_shortfall_bytes_per_gpu"] is None and "(layers 60-69) holds no " \
        "attention layer" in pp8["verdict"]
    assert pp4["memory_shortfall_bytes_per_gpu"] > 0
    assert pp4["kv_cache_bytes_per_gpu"] < pp8["kv_cache_bytes_per_gpu"] < 0
    layout = auto_layout(spec, cluster, checkpoint_scheme(spec), engine, ep=False)
    assert layout == ParallelLayout(pp=4, dp=2)


def _tiny_stalls(gpus: int) -> tuple[ParallelLayout | None, str]:
    """auto_layout and layout_rule of the tiny Llama (4 layers, 2 KV heads x 64, bf16) on one
    node of `gpus` RTX 3090s, vLLM 0.28.0, a pool of 8,388,608 B per GPU."""
    spec = parse_model_config(TINY_CONFIG, name="tiny/llama")
    cluster = preset_cluster("rtx-3090", gpus)
    engine = EngineSettings(vllm_version="0.28.0", kv_cache_memory_bytes=512 * 16_384)
    chosen = auto_layout(spec, cluster, checkpoint_scheme(spec), engine, ep=False)
    return chosen, layout_rule(spec, cluster, chosen, engine, ep=False)


def test_a_first_choice_whose_longest_request_never_completes_gives_way_to_a_clean_fit() -> None:
    # TP=4: a KV head per GPU, 16 tokens x 2 (K, V) x 4 layers x 64 x 2 B = 16,384 B a block,
    # 512 blocks: 0.28's start-up check takes them for one 8,192-token request (512 blocks),
    # but BlockPool's null block leaves 511, so that request never completes, and one block
    # (16,384 B) more per GPU completes it. TP=2 x PP=2 (2 layers a stage, a KV head each:
    # 8,192 B a block, 1,024 blocks) fits cleanly, the widest TP of the 4-GPU clean fits
    # (TP=1 x PP=4 is the other). auto_layout took TP=4 and said nothing
    chosen, rule = _tiny_stalls(4)
    assert chosen == ParallelLayout(tp=2, pp=2)
    assert rule.endswith("; TP=4 was passed over: its longest request never completes on vLLM "
                         "0.28.0 (16,384 B per GPU short)")


def test_a_stalled_first_choice_is_kept_where_nothing_fits_cleanly() -> None:
    # on 2 GPUs TP=2 and TP=1 x PP=2 both stall (512 blocks of 16,384 B), and TP=1 (256 blocks
    # of 32,768 B, 8 MiB short of one request) misses: the first choice TP=2 stays, and the
    # rule names no passed-over choice
    chosen, rule = _tiny_stalls(2)
    assert chosen == ParallelLayout(tp=2) and rule == AUTO_LAYOUT_RULE


def test_the_rule_sentence_says_tp_comes_before_closeness() -> None:
    # Qwen3-32B (32.8e9 parameters, 65.5 GB in bf16) on one node of 2 RTX 3090s: ~32.8 GB of
    # weights per GPU either way against a 0.92 x 23.57 GiB = 23.3 GB budget, so no split
    # fits; TP=1 x PP=2 is short by ~0.1 GB less than TP=2 (the plans' own terms), yet the
    # widest TP is taken first (auto_layout's order: fits, GPUs, TP inside a node, larger TP,
    # then the shortfall). The sentence the app, plan and report print said "when none fits,
    # the one closest to fitting", which TP=2 is not here. (Until a54959f this test used
    # Llama-3.1-405B on 8 RTX 3090s, where TP=1 x PP=8 was 27 MB closer; Model Runner V2's
    # warm peak on every stage took that margin away.)
    spec, cluster = catalog_spec("Qwen/Qwen3-32B"), preset_cluster("rtx-3090", 2)
    short = {tp: -summary_figures(spec, cluster, ParallelLayout(tp=tp, pp=2 // tp),
                                  EngineSettings(), validated=True)["kv_cache_bytes_per_gpu"]
             for tp in (2, 1)}
    assert 0 < short[1] < short[2]
    assert _auto("Qwen/Qwen3-32B", "rtx-3090", 2, 1, ep=False) == ParallelLayout(tp=2)
    assert "if none fits, the widest TP, split closest to fitting" in AUTO_LAYOUT_RULE


def _compared(model: str, preferred: ParallelLayout, held: str | None = None,
              version: str = "0.33.0"):
    """compared_layout of a catalog model on one node of 8 H100s (its checkpoint's format, or
    `held`), and widest_layout beside it."""
    spec, cluster = catalog_spec(model), preset_cluster("h100-sxm", 8)
    fmt = scheme(held) if held else checkpoint_scheme(spec)
    engine = EngineSettings(vllm_version=version)
    return (compared_layout(spec, cluster, preferred, fmt, engine),
            widest_layout(spec, cluster, fmt, engine))


def test_a_compared_model_keeps_the_chosen_layout_where_it_runs() -> None:
    # Qwen3-8B is dense (32 query, 8 KV heads: 4 and 1 per GPU at TP=8) beside an EP plan:
    # EP means nothing without routed experts, so TP=8 as chosen, without it
    assert _compared("Qwen/Qwen3-8B", ParallelLayout(tp=8, ep=True))[0] == ParallelLayout(tp=8)
    # Qwen3-30B-A3B: 128 experts divide over TP x DP = 8 ranks, EP kept
    assert _compared("Qwen/Qwen3-30B-A3B", ParallelLayout(tp=4, dp=2, ep=True))[0] == \
        ParallelLayout(tp=4, dp=2, ep=True)


def test_ep_the_experts_do_not_divide_is_dropped_before_the_layout_is() -> None:
    # Qwen1.5-MoE-A2.7B: 60 routed experts 1,408 wide, 16 query and 16 KV heads. At TP=4 x
    # DP=2 + EP, 60 % 8 = 4 experts are left over: vLLM 0.10.0 gives them all to the last
    # rank, not planned (layout.UNEVEN_EXPERTS_FROM). Without EP each expert splits 8 ways,
    # 1,408 / 8 = 176, and 16 heads / 4: it runs, so the chosen TP=4 x DP=2 is kept where the
    # widest layout (the app's rule before) was TP=8 (16 / 8 heads, 176 wide)
    wanted = ParallelLayout(tp=4, dp=2, ep=True)
    chosen, widest = _compared("Qwen/Qwen1.5-MoE-A2.7B", wanted, version="0.10.0")
    assert chosen == ParallelLayout(tp=4, dp=2)
    assert widest == ParallelLayout(tp=8)
    # 0.33.0 splits them 8, 8, 8, 8, 7, 7, 7, 7 (determine_expert_map): EP kept
    assert _compared("Qwen/Qwen1.5-MoE-A2.7B", wanted)[0] == wanted


def test_heads_the_tp_does_not_split_take_the_widest_layout() -> None:
    # phi-4: 40 query and 10 KV heads. TP=8 and TP=4 neither divide 10 nor are divided by
    # it (with or without EP: dense), TP=5 divides both but fills 5 of the 8 GPUs; TP=2 (20
    # and 5 per GPU) fills all 8, as DP=4 (of the ties, the first layout_candidates lists)
    assert _compared("microsoft/phi-4", ParallelLayout(tp=8)) == (ParallelLayout(tp=2, dp=4),) * 2


def test_a_model_no_layout_runs_is_planned_on_the_chosen_one_to_say_why() -> None:
    # DeepSeek-V2-Lite's dense first layer has a down_proj 10,944 wide: 10,944 = 85.5 x 128,
    # so no TP cuts it into whole GPTQ groups of 128 (TP=1 included): nothing is valid, and
    # the chosen layout (64 experts over 8 ranks: EP kept) is returned for plan() to refuse
    chosen, widest = _compared("deepseek-ai/DeepSeek-V2-Lite-Chat",
                               ParallelLayout(tp=8, ep=True), "w4a16-gptq-g128")
    assert (chosen, widest) == (ParallelLayout(tp=8, ep=True), None)


def test_a_layout_the_release_refuses_is_passed_over_for_one_that_starts() -> None:
    # RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16 is GPTQ int4 g128 with desc_act in
    # float16; on an MI300X on vLLM 0.24.0 its row-parallel layers at TP > 1 find no ROCm
    # kernel (Triton and Conch take no g_idx, Exllama none on a split input: LayoutRefused,
    # wna16_kernels.gptq_tp_refusal), while TP=1 runs Exllama. Beside a TP=8 plan every TP > 1
    # layout is refused, so the widest at TP=1 (8 GPUs: DP=8, the first of the TP=1 ties) is taken,
    # not TP=8, whose plan() raised and stopped `report --compare`
    spec = catalog_spec("RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16")
    cluster, engine = preset_cluster("mi300x", 8), EngineSettings(vllm_version="0.24.0")
    layout = compared_layout(spec, cluster, ParallelLayout(tp=8), checkpoint_scheme(spec), engine)
    assert layout == ParallelLayout(tp=1, dp=8)
    assert summary_figures(spec, cluster, layout, engine)["fits"]
    # on 0.23.0 Conch takes g_idx in groups of 128: TP=8 as chosen
    assert compared_layout(spec, cluster, ParallelLayout(tp=8), checkpoint_scheme(spec),
                           EngineSettings(vllm_version="0.23.0")) == ParallelLayout(tp=8)


def test_ep_over_ranks_the_experts_do_not_divide_keeps_the_replicas() -> None:
    # the seed model (128 routed experts) on 3 nodes of 4 H100: one node holds it (it fits 8
    # RTX 3090s at TP=8), so TP=4 x DP=3 + EP, 128 = 10 x 12 + 8 experts over the 12 EP ranks
    # (11 on ranks 0-7, 10 on 8-11: vLLM's determine_expert_map from 0.10.1). It opened on
    # TP=4 x PP=3 + EP, 128 % 12 taken for a vLLM refusal.
    assert _auto("Qwen/Qwen3-235B-A22B-GPTQ-Int4", "h100-sxm", 4, 3) == \
        ParallelLayout(tp=4, dp=3, ep=True)


def test_a_model_one_gpu_holds_gets_replicas_on_three_gpus_with_ep_asked() -> None:
    # Qwen3-30B-A3B in bf16 on 1 node of 3 H100, EP wanted: 48 layers x 128 experts of
    # 3 x 2048 x 768 x 2 B = 9,437,184 B each. TP=3 is refused (32 query heads), so the valid
    # layouts on 3 GPUs decide: TP=1 x DP=3 + EP holds 43 experts a layer on rank 0 (128 =
    # 42 x 3 + 2), 85 x 48 x 9,437,184 = 38,503,710,720 B less than one GPU holding all 128,
    # and fits; it opened on TP=1 x PP=3 (no EP), DP=3 + EP taken for refused (128 % 3 = 2).
    spec, cluster = catalog_spec("Qwen/Qwen3-30B-A3B"), preset_cluster("h100-sxm", 3, 1)
    assert _auto("Qwen/Qwen3-30B-A3B", "h100-sxm", 3, 1) == ParallelLayout(tp=1, dp=3, ep=True)
    whole = summary_figures(spec, cluster, ParallelLayout(tp=1), EngineSettings())
    split = summary_figures(spec, cluster, ParallelLayout(tp=1, dp=3, ep=True), EngineSettings())
    assert whole["weights_bytes_per_gpu"] - split["weights_bytes_per_gpu"] == 38_503_710_720
    assert split["fits"]


def test_a_layout_with_a_launch_command_comes_before_one_without() -> None:
    # Qwen3-32B (64 query heads, 8 KV heads) on 2 nodes x 5 H100: TP=5 splits neither, so the
    # first choice (TP = GPUs per node) is invalid and TP=10 too; on all 10 GPUs TP is 1 or 2.
    # All fit: 32.76e9 x 2 B = 65.5 GB of bf16 weights, 32.8 GB per GPU at TP=2 against an
    # H100's 80 GB. TP=2 x DP=5 (the old pick: most GPUs, then larger TP) has 2-GPU replicas,
    # and 2 neither divides nor is a multiple of 5, so vLLM's --nnodes cannot place them
    # (launch.over_nodes: no command). TP=2 x PP=5 is one 10-GPU replica filling both nodes:
    # one command per node. It is the largest TP on 10 GPUs with a command.
    assert _auto("Qwen/Qwen3-32B", "h100-sxm", 5, 2, ep=False) == ParallelLayout(tp=2, pp=5)
    assert "else the launchable fitting layout on most GPUs" in AUTO_LAYOUT_RULE


def test_layout_refusals_count_eplbs_redundant_experts() -> None:
    # Qwen3-30B-A3B: 128 routed experts; EP over TP=8 holds 128 / 8 = 16 a rank. With EPLB's 4
    # redundant experts vLLM's FusedMoE divides 128 + 4 = 132, and 132 % 8 = 4: refused (the
    # Plan page's greyed EP box says this line); without EPLB nothing is refused
    spec = catalog_spec("Qwen/Qwen3-30B-A3B")
    cluster, ep8 = preset_cluster("h100-sxm", 8), ParallelLayout(tp=8, ep=True)
    held = checkpoint_scheme(spec)
    assert layout_refusals(spec, cluster, ep8, held, EngineSettings()) == []
    eplb = EngineSettings(enable_eplb=True, num_redundant_experts=4)
    assert layout_refusals(spec, cluster, ep8, held, eplb) == [
        "128 routed + 4 redundant experts (EPLB) = 132 are not divisible by the expert-parallel "
        "size 8 (tp x dp)."]
