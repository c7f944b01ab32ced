"""planner.serving.sweep: candidates, validity, ranking and CSV on a tiny hand-written model; rows
agree with plan() on catalog models."""

import csv
import io

import pytest

from planner.catalog import catalog_spec
from planner.model.config.parser import parse_model_config
from planner.model.quant import checkpoint_scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout, layout_errors
from planner.serving.plan import Plan, PlanRequest, plan
from planner.serving.speed import ServingLoad, estimate_speed
from planner.serving.sweep import (
    CSV_COLUMNS,
    SweepError,
    SweepRow,
    layout_candidates,
    quant_candidates,
    quant_settings,
    ranked,
    sweep,
)
from tests.cli.tiny_model import TINY_CONFIG, TINY_KV_BYTES_PER_TOKEN_TP2
from tests.conftest import load_ref_config

SPEC = parse_model_config(TINY_CONFIG, name="tiny/llama")
CLUSTER = preset_cluster("rtx-3090", 4)


def test_layouts_are_every_valid_tp_pp_pair() -> None:
    # tp x pp <= 4 GPUs, pp <= 4 layers; TP=3 is refused (8 heads, 2 KV heads):
    # (1,1) (1,2) (1,3) (1,4) (2,1) (2,2) (4,1) = 7; dense model, so no EP variants.
    # Data parallel (issue 11) splits the 4 GPUs into replicas: tp x pp x dp = 4 with dp > 1
    # -> (1,1) x 4, (1,2) x 2, (2,1) x 2 = 3 more.
    got = {(lay.tp, lay.pp, lay.dp, lay.ep) for lay in layout_candidates(SPEC, CLUSTER)}
    assert got == {(1, 1, 1, False), (1, 2, 1, False), (1, 3, 1, False), (1, 4, 1, False),
                   (2, 1, 1, False), (2, 2, 1, False), (4, 1, 1, False),
                   (1, 1, 4, False), (1, 2, 2, False), (2, 1, 2, False)}


def test_layouts_are_listed_once_per_model_and_cluster() -> None:
    # a rerun's sweep gets the very tuple of the first; another cluster object (2 GPUs) gets
    # its own list: tp x pp <= 2 -> (1,1) (1,2) (2,1), plus (1,1) x 2 replicas = 4
    assert layout_candidates(SPEC, CLUSTER) is layout_candidates(SPEC, CLUSTER)
    two = layout_candidates(SPEC, preset_cluster("rtx-3090", 2))
    assert {(lay.tp, lay.pp, lay.dp) for lay in two} == {(1, 1, 1), (1, 2, 1), (2, 1, 1),
                                                         (1, 1, 2)}


def test_layouts_over_4096_gpus_check_only_tp_and_pp_the_model_can_take(monkeypatch) -> None:
    # Llama 3.1 405B: 128 heads, 8 KV heads, 126 layers; 512 nodes x 8 H100 = 4,096 GPUs.
    # A TP must divide the 128 heads (and 8 KV heads divide it or it them): 1, 2, ..., 128, 8
    # TPs; PP <= min(4,096 // TP, 126): 126 for TP 1-32, 64 for TP 64, 32 for TP 128, so
    # 6 x 126 + 64 + 32 = 852 (TP, PP) pairs, each checked at DP 1, and at one DP > 1 where
    # TP x PP < 4,096 divides 4,096 (PP a power of two): 7 for TP 1-32 (PP 1-64), 6 for TP 64
    # (PP 1-32), 5 for TP 128 (PP 1-16): 6 x 7 + 6 + 5 = 53. Dense: no EP. 852 + 53 = 905
    # checks, every one a layout vLLM takes, where every TP 1-4,096 and PP up to 4,096 // TP
    # was checked before (34,798 checks).
    import planner.serving.sweep as sweep_module

    checked = []
    real = sweep_module.layout_errors

    def counting(spec, cluster, layout, **kwargs):
        checked.append(layout)
        return real(spec, cluster, layout, **kwargs)

    monkeypatch.setattr(sweep_module, "layout_errors", counting)
    spec = catalog_spec("meta-llama/Meta-Llama-3.1-405B")
    layouts = layout_candidates(spec, preset_cluster("h100-sxm", 8, nodes=512))
    assert len(checked) == len(layouts) == 905
    assert {lay.tp for lay in layouts} == {1, 2, 4, 8, 16, 32, 64, 128}
    assert max(lay.pp for lay in layouts) == 126


@pytest.mark.parametrize("repo_id", ["deepseek-ai/DeepSeek-V3", "google/gemma-4-26B-A4B"])
def test_layouts_skipped_early_are_those_every_check_refuses(repo_id) -> None:
    # the layouts of 8 nodes x 8 GPUs, against every TP 1-64 x PP x DP x EP checked one by one
    spec, cluster = catalog_spec(repo_id), preset_cluster("h100-sxm", 8, nodes=8)
    every = [ParallelLayout(tp=tp, pp=pp, dp=dp, ep=ep)
             for tp in range(1, 65) for pp in range(1, 64 // tp + 1)
             for dp in range(1, 64 // (tp * pp) + 1) if dp == 1 or tp * pp * dp == 64
             for ep in (False, True) if not ep or tp * dp > 1]
    assert list(layout_candidates(spec, cluster)) == [
        lay for lay in every if not layout_errors(spec, cluster, lay)]


def test_what_if_formats_follow_the_gpu() -> None:
    # Ampere (RTX 3090): no native FP4, so mxfp4/nvfp4 are not proposed; fp8 runs weight-only.
    assert quant_candidates(SPEC, CLUSTER) == (
        "bf16", "fp8-tensor", "w8a8-int8", "w4a16-gptq-g128", "w4a16-awq-g128")
    # Blackwell (B200) computes MXFP4 and NVFP4 natively; MXFP4 quantizes routed experts only,
    # so it is proposed for a MoE model, not for this dense one (see the next test).
    b200 = preset_cluster("b200", 4)
    assert "nvfp4" in quant_candidates(SPEC, b200)
    assert "mxfp4" not in quant_candidates(SPEC, b200)
    assert {"mxfp4", "nvfp4"} <= set(quant_candidates(catalog_spec("Qwen/Qwen3-30B-A3B"), b200))


def test_mxfp4_of_a_dense_model_would_be_its_bf16_plan() -> None:
    # vLLM's Mxfp4Config leaves every Linear layer unquantized (quantization/mxfp4.py,
    # 0.34.0): on the tiny dense Llama an MXFP4 what-if holds the bf16 weights, 2 B each of
    # 4 x (2 x 512 x 512 + 2 x 512 x 128 + 3 x 512 x 1024 + 2 norms x 512) + 2 x 32000 x 512
    # + 512 (final norm) = 41,685,504 params, plus the rotary cos/sin cache vLLM builds at load
    # (max_position_embeddings 8192 x head_dim 64 x 2 B = 1,048,576 B), so the sweep does not
    # list it as a smaller format
    b200 = preset_cluster("b200", 1)
    weights = {key: plan(PlanRequest(model=SPEC, cluster=b200, engine=EngineSettings(
        **quant_settings(key, "bf16")))).weights_bytes_per_gpu for key in ("bf16", "mxfp4")}
    params = 4 * (2 * 512 * 512 + 2 * 512 * 128 + 3 * 512 * 1024 + 2 * 512) \
        + 2 * 32000 * 512 + 512
    assert params == 41_685_504
    assert weights["mxfp4"] == weights["bf16"] == 2 * params + 8192 * 64 * 2


def test_quantized_checkpoint_is_planned_as_stored() -> None:
    config = {**TINY_CONFIG, "quantization_config": {
        "quant_method": "gptq", "bits": 4, "group_size": 128, "sym": True, "desc_act": False}}
    spec = parse_model_config(config, name="tiny/llama-gptq")
    assert quant_candidates(spec, CLUSTER) == ("w4a16-gptq-g128",)


def test_sweep_covers_every_combination_ranked() -> None:
    result = sweep(SPEC, CLUSTER, EngineSettings(max_model_len=4096))
    # 5 weight formats x 2 KV dtypes x 10 layouts (7 without DP + 3 DP splits)
    assert len(result.rows) == 5 * 2 * 10
    # Command line (docs/cli.md): fitting rows first, then the longest ceiling, then the most
    # concurrency of all DP replicas (DP x one replica's), then fewer GPUs (written out here,
    # not sweep.rank_key)
    order = [(not r.fits, -r.max_context_tokens, -r.layout.dp * r.max_concurrency, r.gpus_used)
             for r in result.rows]
    assert order == sorted(order)
    fits = [row.fits for row in result.rows]
    assert fits == sorted(fits, reverse=True)  # every fitting row before any other
    tp2 = next(r for r in result.rows if r.layout == ParallelLayout(tp=2)
               and r.kv_cache_dtype == "auto" and r.quant_key == "bf16")
    assert tp2.kv_bytes_per_token_per_gpu == TINY_KV_BYTES_PER_TOKEN_TP2


def test_runtime_fp8_is_a_vllm_flag_and_offline_formats_are_not() -> None:
    result = sweep(SPEC, CLUSTER, EngineSettings(), kv_dtypes=["auto"],
                   layouts=[ParallelLayout(tp=1)])
    by_key = {row.quant_key: row for row in result.rows}
    assert "--quantization fp8" in by_key["fp8-tensor"].vllm_command
    # an offline format of a model without a known GPTQ checkpoint has no command, but a note
    gptq = by_key["w4a16-gptq-g128"]
    assert gptq.vllm_command is None
    assert gptq.launch_note.startswith("No GPTQ int4, group 128 (W4A16) checkpoint of")
    # fewer weight bits never grow the weights
    assert (by_key["bf16"].weights_bytes_per_gpu > by_key["fp8-tensor"].weights_bytes_per_gpu
            > by_key["w4a16-gptq-g128"].weights_bytes_per_gpu)


def test_explicit_choices_and_invalid_layouts() -> None:
    result = sweep(SPEC, CLUSTER, EngineSettings(), quant_keys=["bf16"], kv_dtypes=["fp8"],
                   layouts=[ParallelLayout(tp=2), ParallelLayout(tp=3)])
    assert [(r.quant_key, r.kv_cache_dtype, r.layout.tp) for r in result.rows] == [
        ("bf16", "fp8", 2)]
    with pytest.raises(SweepError):
        sweep(SPEC, CLUSTER, EngineSettings(), layouts=[ParallelLayout(tp=3)])


def test_fitting_rows_rank_before_the_rest() -> None:
    # the tiny model fits everywhere, so the ordering is checked on the seed, where some rows
    # cannot fit: bf16 needs 235,093,634,560 x 2 B / 8 = 54.7 GiB per GPU against 23.57 GiB
    spec = catalog_spec("Qwen/Qwen3-235B-A22B-GPTQ-Int4")
    result = sweep(spec, preset_cluster("rtx-3090", 8), EngineSettings(),
                   quant_keys=["bf16", "w4a16-gptq-g128"], kv_dtypes=["auto"],
                   layouts=[ParallelLayout(tp=8), ParallelLayout(tp=8, ep=True)])
    fits = [(row.quant_key, row.fits) for row in result.rows]
    assert [f for _, f in fits] == [True, True, False, False], fits
    assert {k for k, f in fits if not f} == {"bf16"}


def test_csv_has_the_header_and_one_line_per_row() -> None:
    result = sweep(SPEC, CLUSTER, EngineSettings(), kv_dtypes=["auto"])
    rows = list(csv.reader(io.StringIO(result.to_csv())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 1 + len(result.rows)
    assert [int(r[0]) for r in rows[1:]] == list(range(1, len(result.rows) + 1))


@pytest.mark.parametrize("repo_id", [
    "Qwen/Qwen3-235B-A22B-GPTQ-Int4",  # the seed: 27 of 44 rows do not fit, EP on and off
    "Qwen/Qwen1.5-MoE-A2.7B",  # what-if formats (fp8 at load, offline 4/8-bit), uneven EP
    "openai/gpt-oss-20b",  # sliding-window + full attention groups
])
def test_rows_equal_the_full_plan(repo_id: str) -> None:
    # every row is plan() of its combination: same figures, verdict and command, field by field
    spec = catalog_spec(repo_id)
    cluster = preset_cluster("rtx-3090", 8)
    engine = EngineSettings(max_num_seqs=64)
    own = checkpoint_scheme(spec).key
    result = sweep(spec, cluster, engine)
    assert len(result.rows) > 20
    shared = set(SweepRow.model_fields) & set(Plan.model_fields)
    assert {"fits", "weights_bytes_per_gpu", "kv_cache_tokens", "vllm_command"} <= shared
    for row in result.rows:
        settings = engine.model_copy(
            update={"kv_cache_dtype": row.kv_cache_dtype, **quant_settings(row.quant_key, own)})
        full = plan(PlanRequest(model=spec, cluster=cluster, layout=row.layout, engine=settings))
        for name in shared:
            assert getattr(row, name) == getattr(full, name), (row.layout, name)


def _row(name: str, ctx: int, conc: float, gpus: int, tps: float | None = None,
         tpot: float | None = None, fits: bool = True, dp: int = 1, kv: int = 0,
         short: int | None = 0, verdict: str = "Fits: ") -> SweepRow:
    """A hand-made row: only the ranked figures matter (quant_key carries the name; `conc`
    is one replica's, as a plan's max_concurrency; `kv` the KV pool per GPU, negative where
    the budget is short; `short` the plan's memory shortfall per GPU, None: refused; `verdict`
    how the plan's verdict starts)."""
    return SweepRow.model_construct(
        quant_key=name, fits=fits, max_context_tokens=ctx, max_concurrency=conc,
        gpus_used=gpus, output_tokens_per_s=tps, tpot_ms=tpot, layout=ParallelLayout(dp=dp),
        kv_cache_bytes_per_gpu=kv, memory_shortfall_bytes_per_gpu=short, verdict=verdict)


ROWS = (
    _row("a", ctx=32768, conc=2.0, gpus=8, tps=100.0, tpot=80.0),
    _row("b", ctx=16384, conc=6.0, gpus=4, tps=300.0, tpot=20.0),
    _row("c", ctx=8192, conc=3.0, gpus=1, tps=50.0, tpot=40.0),
    _row("d", ctx=65536, conc=9.0, gpus=1, fits=False),  # best everywhere, but does not fit
)


@pytest.mark.parametrize(("objective", "target", "order"), [
    ("context", None, "abcd"),       # longest ceiling: 32K > 16K > 8K
    ("concurrency", None, "bcad"),   # 6 > 3 > 2 requests
    ("fewest-gpus", None, "cbad"),   # 1 < 4 < 8 GPUs
    ("throughput", None, "bacd"),    # 300 > 100 > 50 tokens/s
    ("throughput", 50.0, "bcad"),    # a's 80 ms TPOT misses 50 ms: b (300), c (50), then a
])
def test_objectives_rank_fitting_rows_by_what_they_name(objective, target, order) -> None:
    got = ranked(reversed(ROWS), objective, target)
    assert "".join(row.quant_key for row in got) == order


@pytest.mark.parametrize("objective", ["context", "concurrency", "fewest-gpus"])
def test_concurrency_ranks_by_all_dp_replicas(objective) -> None:
    # e holds 4.0 requests per replica over DP=2: 2 x 4.0 = 8.0 together, more than f's 6.0
    # in its one replica (the same ceiling and GPUs), so e ranks first; per replica, f would
    rows = (_row("f", ctx=16384, conc=6.0, gpus=4), _row("e", ctx=16384, conc=4.0, gpus=4, dp=2))
    assert "".join(row.quant_key for row in ranked(rows, objective)) == "ef"
    assert ranked(rows, objective)[0].max_concurrency_all_replicas == 8.0


def test_seed_dp_row_outranks_the_row_one_replica_put_ahead() -> None:
    # the seed (Qwen3-235B GPTQ on 8x RTX 3090, fp8 KV, both 40,960-token ceilings): TP=1 x
    # PP=8 holds 6.97 requests in its one replica, TP=4 x DP=2 4.03 in each of its two
    # replicas (the plans' own max_concurrency, seed report docs/examples; vLLM 0.34's Model
    # Runner V2 buffers off each pool; its experts, 1536 / (4 x 2) = 192 wide per GPU, in MoE
    # WNA16's 4.25-bit layout): 2 x 4.03 = 8.06 together, so the DP layout ranks first by
    # concurrency and by the context tie-break
    spec = catalog_spec("Qwen/Qwen3-235B-A22B-GPTQ-Int4")
    pp8, dp2 = ParallelLayout(pp=8), ParallelLayout(tp=4, dp=2)
    for objective in ("context", "concurrency"):
        result = sweep(spec, preset_cluster("rtx-3090", 8),
                       EngineSettings(gpu_memory_utilization=0.9), kv_dtypes=["fp8"],
                       layouts=[pp8, dp2], objective=objective)
        first, second = result.rows
        assert (first.layout, second.layout) == (dp2, pp8), objective
        assert first.max_context_tokens == second.max_context_tokens == 40_960
        assert (round(first.max_concurrency, 2), round(second.max_concurrency, 2)) == (4.03, 6.97)
        assert round(first.max_concurrency_all_replicas, 2) == 8.06
        assert second.max_concurrency_all_replicas == second.max_concurrency  # one replica
    line = list(csv.DictReader(io.StringIO(result.to_csv())))[0]
    assert (line["dp"], line["max_concurrency_all_replicas"]) == (
        "2", str(round(2 * first.max_concurrency, 4)))
    assert first.model_dump(mode="json")["max_concurrency_all_replicas"] == \
        2 * first.max_concurrency


@pytest.mark.parametrize("objective", ["context", "concurrency", "fewest-gpus", "throughput"])
def test_rows_that_do_not_fit_rank_by_the_smallest_shortfall(objective) -> None:
    # g misses on 1 GPU by 418 GiB, h on 8 GPUs by 35 GiB, j holds a 1 GiB pool that one
    # max_model_len request (3 GiB) is 2 GiB over, i has a 1 GiB pool and a ceiling but vLLM
    # refuses it at start-up (no shortfall): fitting c first, then the memory misses j, h, g,
    # then i, whatever the objective; by GPUs alone g (1 GPU) would come before h, and by
    # its pool alone (short by nothing) i before them all
    gib = 2**30
    rows = (_row("g", ctx=0, conc=0.0, gpus=1, fits=False, kv=-418 * gib, short=418 * gib),
            _row("i", ctx=65536, conc=2.0, gpus=1, fits=False, kv=gib, short=None),
            _row("h", ctx=0, conc=0.0, gpus=8, fits=False, kv=-35 * gib, short=35 * gib),
            _row("j", ctx=32768, conc=0.0, gpus=4, fits=False, kv=gib, short=3 * gib - gib),
            _row("c", ctx=8192, conc=3.0, gpus=1, tps=50.0, tpot=40.0))
    assert "".join(row.quant_key for row in ranked(rows, objective)) == "cjhgi"


@pytest.mark.parametrize("objective", ["context", "concurrency", "fewest-gpus", "throughput"])
def test_a_row_whose_longest_request_never_completes_ranks_after_clean_fits(objective) -> None:
    # s: vLLM 0.28 starts it, but a max_model_len request never completes (a verdict starting
    # "Starts, but"): it holds more requests, on fewer GPUs, at more tokens/s than the clean
    # fit c, and a ceiling one 16-token block short (8,176), so by the objective alone it led
    # every objective but context. It ranks after c and before the memory miss m (short by
    # 1 MiB) and the row vLLM refuses (r), whatever the objective
    rows = (_row("r", ctx=8192, conc=9.0, gpus=1, fits=False, short=None),
            _row("m", ctx=8160, conc=0.0, gpus=1, fits=False, short=2**20),
            _row("s", ctx=8176, conc=9.0, gpus=1, tps=500.0, tpot=10.0,
                 verdict="Starts, but its longest request never completes: 512 blocks"),
            _row("c", ctx=8192, conc=3.0, gpus=4, tps=50.0, tpot=40.0))
    assert "".join(row.quant_key for row in ranked(rows, objective)) == "csmr"


@pytest.mark.parametrize("objective", ["context", "concurrency", "fewest-gpus", "throughput"])
def test_a_sweep_ranks_stalled_layouts_after_clean_ones(objective) -> None:
    # the tiny Llama (4 layers, 2 KV heads x 64, bf16) on 4 RTX 3090s, vLLM 0.28.0, a pool of
    # 8,388,608 B per GPU. A 16-token block per GPU is 16 x 2 (K, V) x 64 x 2 B x (layers x
    # KV heads on the GPU): 8,192 B at TP=2 x PP=2 and TP=1 x PP=4 (2 layer-heads): 1,024
    # blocks, a clean fit; 16,384 B at TP=2, TP=4 (a KV head each), TP=1 x PP=2 and PP=3 (a
    # stage of 2 layers), with or without DP: 512 blocks, which 0.28's start-up check takes
    # for one 8,192-token request (512 blocks) though BlockPool's null block leaves 511, so
    # that request never completes (ceiling 511 x 16 = 8,176); 32,768 B at TP=1: 256 blocks,
    # a memory miss. By GPUs alone the 2-GPU stalled rows came first
    result = sweep(SPEC, CLUSTER, EngineSettings(vllm_version="0.28.0",
                                                 kv_cache_memory_bytes=512 * 16_384),
                   quant_keys=["bf16"], kv_dtypes=["auto"], objective=objective)
    kinds = [(row.layout.label(), "stalls" if row.verdict.startswith("Starts, but") else row.fits)
             for row in result.rows]
    assert sorted(kinds[:2]) == [("TP=1 x PP=4", True), ("TP=2 x PP=2", True)], kinds
    assert {kind for _, kind in kinds[2:8]} == {"stalls"}, kinds
    assert {label for label, _ in kinds[2:8]} == {"TP=2", "TP=4", "TP=1 x PP=2", "TP=1 x PP=3",
                                                  "TP=2 x DP=2", "TP=1 x PP=2 x DP=2"}
    assert {kind for _, kind in kinds[8:]} == {False} and len(kinds) == 10
    assert [row.max_context_tokens for row in result.rows[1:3]] == [8192, 8176]


def test_rows_vllm_refuses_rank_after_the_memory_misses() -> None:
    # gpt-oss-20b (openai__gpt-oss-20b.json: 24 layers alternating sliding (window 128) and
    # full attention, 8 KV heads x head_dim 64) on one A10G at 0.75 utilization, vLLM
    # 0.34.0: the BF16 KV row's pool is short of one 131,072-token request, a memory miss;
    # the FP8 KV row, half the bytes a token and the longer ceiling, is refused at start-up
    # (Triton's FP8 KV cache needs SM89+, the A10G is SM86), so it ranks last though it
    # ranked first by its ceiling (old: both pools positive, short by nothing)
    result = sweep(catalog_spec("openai/gpt-oss-20b"), preset_cluster("a10g", 1),
                   EngineSettings(vllm_version="0.34.0", gpu_memory_utilization=0.75))
    bf16, fp8 = result.rows
    assert (bf16.kv_cache_dtype, fp8.kv_cache_dtype) == ("auto", "fp8")
    assert not bf16.fits and not fp8.fits
    assert 0 < bf16.kv_cache_bytes_per_gpu == fp8.kv_cache_bytes_per_gpu
    assert fp8.max_context_tokens > bf16.max_context_tokens
    assert fp8.memory_shortfall_bytes_per_gpu is None
    assert "FP8 KV cache is not supported" in fp8.verdict
    # one request needs the 12 full layers' KV at 131,072 tokens, 12 x 131,072 x 8 x 64 x
    # 2 (K, V) x 2 B = 3 GiB, plus the 12 sliding layers' window and tokens in flight (under
    # 8,192 tokens each): short by that less the pool
    token_bytes = 8 * 64 * 2 * 2
    full_layers = 12 * 131_072 * token_bytes
    assert full_layers == 3 * 2**30
    need = bf16.memory_shortfall_bytes_per_gpu + bf16.kv_cache_bytes_per_gpu
    assert full_layers < need < full_layers + 12 * 8192 * token_bytes


GEMMA4_BLOCKS = 5 * 113 + 2048
"""gemma-4-26B-A4B (google__gemma-4-26B-A4B.json: 30 layers, each sixth full attention) at
PP=2, vLLM 0.34.0, 262,144 tokens: vLLM groups the whole model's layers (get_kv_cache_configs
on the merged specs, vllm_versions.GLOBAL_KV_GROUPS_FROM), 25 sliding (window 1,024, 8 KV heads
x 256 x 2 x 2 B = 8,192 B a token, 64-token pages of 524,288 B) and 5 full (2 x 512 x 2 x 2 B
= 4,096 B a token, 128-token pages of 524,288 B), in groups of 5: 5 sliding groups of
cdiv(1,023 + 3 x 2,048 batched tokens in flight (Model Runner V2 at PP=2), 64) + 1 = 113
blocks and 1 full group of 262,144 / 128 = 2,048, which every stage's request takes (each
stage grouped alone, stage 0's 13 sliding + 2 full in twos needed 7 x 113 + 2,048 = 2,839)."""
GEMMA4_BLOCK_BYTES = 3 * 524_288
"""Both stages' block: stage 0 (layers 0-14) holds 13 sliding layers, 3 in each of the first
three sliding groups, and 2 full; stage 1 12 sliding (at most 3 a group) and 3 full."""


def _gemma4_at(extra_bytes: int = 0, **engine) -> Plan:
    """gemma-4-26B-A4B on 4x L4 at PP=2 x DP=2, BF16, utilization 0.92 + `extra_bytes` a GPU."""
    config, _ = load_ref_config("google__gemma-4-26B-A4B")
    spec, cluster = parse_model_config(config), preset_cluster("l4", 4)
    total = cluster.nodes[0].gpu.memory_total_bytes
    settings = EngineSettings(gpu_memory_utilization=0.92 + extra_bytes / total, **engine)
    return plan(PlanRequest(model=spec, cluster=cluster, layout=ParallelLayout(pp=2, dp=2),
                            engine=settings), nearest=False)


def test_a_hybrid_pp_plan_takes_its_blocks_in_the_whole_models_groups() -> None:
    # at 0.92 each worker's pool holds 2,793 blocks of 1,572,864 B, which stage 0's 2,839
    # blocks of its own groups missed (the plan said it misses); the whole model's groups
    # need 2,613 of them on every stage: it fits, 2,793 / 2,613 requests at once
    fitted = _gemma4_at()
    pool = fitted.kv_cache_bytes_per_gpu
    assert GEMMA4_BLOCKS == 2613
    assert fitted.fits and fitted.memory_shortfall_bytes_per_gpu == 0
    assert fitted.num_gpu_blocks == pool // GEMMA4_BLOCK_BYTES == 2793
    assert fitted.max_concurrency == pytest.approx(2793 / 2613)


def test_a_hybrid_stage_short_of_blocks_is_short_by_the_bytes_more_memory_needs() -> None:
    # 350 MiB a GPU less: each worker's pool holds its stage's request bytes (stage 1's, the
    # larger: 12 x 113 pages of sliding + 3 x 2,048 of full, 524,288 B each = 3.66 GiB), but
    # not the 2,613 blocks every stage's request needs and the null block vLLM 0.29+ holds
    # back: the bytes more memory must supply are 2,614 blocks less the pool
    missed = _gemma4_at(-350 * 2**20)
    pool, short = missed.kv_cache_bytes_per_gpu, missed.memory_shortfall_bytes_per_gpu
    assert pool > (12 * 113 + 3 * 2048) * 524_288 + GEMMA4_BLOCK_BYTES
    assert missed.num_gpu_blocks == pool // GEMMA4_BLOCK_BYTES
    assert missed.num_gpu_blocks < 2613
    assert not missed.fits and short == 2614 * GEMMA4_BLOCK_BYTES - pool
    assert _gemma4_at(-350 * 2**20 + short + 2**20).fits
    assert not _gemma4_at(-350 * 2**20 + short - 2**20).fits


def test_a_stage_short_of_blocks_says_so_and_what_vllm_prints() -> None:
    # the cause is the blocks, of the whole model's 6 groups; vLLM (0.29+) compares whole
    # blocks with the pool less one (kv_cache_planning.py 0.34.0): 2,613 x 1,572,864 =
    # 4,109,893,632 B = 3.83 GiB against the pool less 1,572,864 B
    missed = _gemma4_at(-350 * 2**20)
    pool, blocks = missed.kv_cache_bytes_per_gpu, missed.num_gpu_blocks
    assert missed.errors[0].startswith(
        "To serve at least one request with the model's max seq len (262144), PP stage 1 "
        "needs 2,613 KV blocks (the whole model's 6 groups, as every stage does, in pages of "
        f"one size), more than the {blocks - 1:,} every worker gets less the null block (the "
        f"fewest of any: {pool / 2**30:.2f} GiB // 1,572,864 B = {blocks:,} on PP stage 1); "
        "its request's 3.66 GiB fit its pool, its whole blocks do not.")
    assert ("vLLM says it in bytes of whole blocks (2,613 x 1,572,864 B against the pool less "
            "one block): (3.83 GiB KV cache is needed, which is larger than the available KV "
            f"cache memory ({(pool - 1_572_864) / 2**30:.2f} GiB).") in missed.errors[0]


def _gemma4_pool(pool_bytes: int, version: str) -> Plan:
    """gemma-4-26B-A4B on 4x L4 at PP=2 x DP=2, 64-token blocks, a KV pool of `pool_bytes` on
    every worker (--kv-cache-memory-bytes), on vLLM `version`."""
    config, _ = load_ref_config("google__gemma-4-26B-A4B")
    return plan(PlanRequest(
        model=parse_model_config(config), cluster=preset_cluster("l4", 4),
        layout=ParallelLayout(pp=2, dp=2), engine=EngineSettings(
            vllm_version=version, block_size=64, kv_cache_memory_bytes=pool_bytes)),
        nearest=False)


@pytest.mark.parametrize(("version", "blocks", "held"), [
    # v1/core/kv_cache_utils.py get_kv_cache_configs (0.28.0): _check_enough_kv_cache_memory
    # refuses where blocks x block bytes (_max_memory_usage_bytes_from_groups) > the pool, so
    # a worker of N blocks starts a request of N. The V1 runner at PP=2 keeps 2 batches of
    # 2,048 tokens in flight (vllm_versions.window_batched_tokens): sliding groups of
    # cdiv(1,023 + 4,096, 64) + 1 = 81 blocks, 5 x 81 + 2,048 = 2,453
    ("0.28.0", 5 * 81 + 2048, 0),
    # from 0.29.0 (kv_cache_planning.py get_kv_cache_configs in 0.34.0) the pool less one
    # block, the null block ("Reserve the null block BlockPool permanently holds back"): N - 1
    ("0.29.0", GEMMA4_BLOCKS, 1),
    ("0.34.0", GEMMA4_BLOCKS, 1),
])
def test_a_hybrid_request_fits_its_blocks_and_from_029_the_null_block(version, blocks, held
                                                                       ) -> None:
    # at the edge: a pool of (blocks + held) whole blocks fits; 1 B less is 1 B short. A
    # request uses the blocks less the null block BlockPool takes at init on every release
    # (block_pool.py): at the edge all it needs from 0.29, one 128-token full-attention block
    # fewer before (the full group's share of the blocks left: 262,144 - 128, and a warning),
    # and 1 B under one block fewer again. On 0.29+ a pool of exactly the request's blocks
    # read as fitting
    edge = (blocks + held) * GEMMA4_BLOCK_BYTES
    fits, short = _gemma4_pool(edge, version), _gemma4_pool(edge - 1, version)
    reach = 262_144 if held else 262_144 - 128
    assert fits.fits and fits.memory_shortfall_bytes_per_gpu == 0
    assert fits.num_gpu_blocks == blocks + held
    assert fits.kv_limited_context_tokens == reach
    assert any(f"needs {blocks:,} KV blocks on PP stage 1, more than the {blocks - 1:,} left"
               in w for w in fits.warnings) is not held
    assert not short.fits and short.memory_shortfall_bytes_per_gpu == 1
    assert short.kv_limited_context_tokens == reach - 128
    assert f"needs {blocks:,} KV blocks" in short.errors[0]
    if held:
        at_blocks = _gemma4_pool(blocks * GEMMA4_BLOCK_BYTES, version)
        assert not at_blocks.fits
        assert at_blocks.memory_shortfall_bytes_per_gpu == GEMMA4_BLOCK_BYTES


def test_unfitting_checkpoint_ranks_its_nearest_layout_first() -> None:
    # Qwen3-235B-A22B in BF16: 235B parameters x 2 B = 470 GB = 438 GiB of weights. One
    # 24 GiB RTX 3090 is short by more than 438 - 24 = 414 GiB; TP=8 puts 438 / 8 = 55 GiB
    # on each, short by less than 55 GiB: TP=8 is the nearer miss and ranks first
    tp1, tp8 = ParallelLayout(), ParallelLayout(tp=8)
    result = sweep(catalog_spec("Qwen/Qwen3-235B-A22B"), preset_cluster("rtx-3090", 8),
                   EngineSettings(), quant_keys=["bf16"], kv_dtypes=["auto"],
                   layouts=[tp1, tp8])
    first, second = result.rows
    assert not first.fits and not second.fits
    assert (first.layout, second.layout) == (tp8, tp1)
    assert -first.kv_cache_bytes_per_gpu < 55 * 2**30 < 414 * 2**30 < -second.kv_cache_bytes_per_gpu


def test_unknown_objective_is_a_sweep_error() -> None:
    with pytest.raises(SweepError, match="unknown objective 'speed'"):
        ranked(ROWS, "speed")  # type: ignore[arg-type]


def test_fewest_gpus_puts_one_gpu_rows_first_and_is_recorded() -> None:
    # the tiny model fits one RTX 3090 in every format, so the best rows use one GPU
    result = sweep(SPEC, CLUSTER, EngineSettings(max_model_len=4096), objective="fewest-gpus")
    assert result.objective == "fewest-gpus"
    fitting = [row.gpus_used for row in result.rows if row.fits]
    assert fitting[0] == 1 and fitting == sorted(fitting)


def test_rows_that_fit_get_speed_at_the_load_and_others_none() -> None:
    result = sweep(SPEC, CLUSTER, EngineSettings(max_model_len=4096),
                   load=ServingLoad(input_len=512, output_len=256, concurrency=3))
    assert result.load.concurrency == 3
    for row in result.rows:
        if row.fits:
            assert row.tpot_ms > 0 and row.ttft_ms > 0 and row.output_tokens_per_s > 0
            assert row.speed_concurrency == 3  # the tiny model's KV holds far more than 3
        else:
            assert row.tpot_ms is None and row.output_tokens_per_s is None


def test_throughput_within_a_tpot_target_is_the_largest_concurrency_meeting_it() -> None:
    # throughput grows with concurrency, and so does TPOT: the best concurrency for a target
    # is the largest whose TPOT meets it, so one more request must miss it
    engine = EngineSettings(max_model_len=4096)
    load = ServingLoad(input_len=512, output_len=256)
    free = sweep(SPEC, CLUSTER, engine, objective="throughput", load=load)
    single = min(row.tpot_ms for row in sweep(SPEC, CLUSTER, engine, load=load).rows
                 if row.fits)  # the fastest row with one request in flight
    target = (single + free.rows[0].tpot_ms) / 2  # between one request and the busiest row
    result = sweep(SPEC, CLUSTER, engine, objective="throughput", tpot_ms_target=target,
                   load=load)
    best = result.rows[0]
    assert best.fits and best.tpot_ms <= target
    assert 1 <= best.speed_concurrency < free.rows[0].speed_concurrency
    settings = engine.model_copy(update={"kv_cache_dtype": best.kv_cache_dtype,
                                         **quant_settings(best.quant_key, "bf16")})
    request = PlanRequest(model=SPEC, cluster=CLUSTER, layout=best.layout, engine=settings)
    more = estimate_speed(request, load.model_copy(
        update={"concurrency": best.speed_concurrency + 1}))
    assert more.tpot_ms > target
    meeting = [row.output_tokens_per_s for row in result.rows
               if row.tpot_ms is not None and row.tpot_ms <= target]
    assert best.output_tokens_per_s == max(meeting)


def test_a_deep_pp_split_sizes_one_worker_per_kind_of_stage(monkeypatch) -> None:
    # Llama 3.1 405B at TP 1 x PP 126 on 16 nodes x 8 H100: one of its 126 layers a stage, so
    # three kinds of stage (the first holds embed_tokens, the last the final norm and lm_head,
    # the 124 between are alike): 3 workers sized, where every stage's was (126). The summary
    # agrees with plan(), which sizes every rank.
    from planner.serving.plan import entry, summary_figures

    spec, cluster = catalog_spec("meta-llama/Meta-Llama-3.1-405B"), preset_cluster(
        "h100-sxm", 8, nodes=16)
    layout = ParallelLayout(tp=1, pp=126)
    sized = []
    real = entry.memory

    def counting(st, pp_stage, *worker):
        sized.append(pp_stage)
        return real(st, pp_stage, *worker)

    monkeypatch.setattr(entry, "memory", counting)
    figures = summary_figures(spec, cluster, layout, EngineSettings())
    assert sized == [0, 1, 125]
    full = plan(PlanRequest(model=spec, cluster=cluster, layout=layout,
                            engine=EngineSettings()))
    for name in ("weights_bytes_per_gpu", "kv_cache_bytes_per_gpu", "num_gpu_blocks",
                 "kv_cache_tokens", "max_concurrency", "max_context_tokens", "fits", "verdict"):
        assert figures[name] == getattr(full, name), name


def test_head_counts_are_checked_once_per_distinct_mixer(monkeypatch) -> None:
    # Llama 3.1 405B's 126 layers share one attention shape (128 heads, 8 KV heads): at a TP
    # the sweep asks about, one mixer is checked, not 126; TP 3 splits neither head count.
    import planner.serving.layout as layout_module

    checked = []
    real = layout_module._head_errors

    def counting(mixer, tp):
        checked.append(tp)
        return real(mixer, tp)

    monkeypatch.setattr(layout_module, "_head_errors", counting)
    spec = catalog_spec("meta-llama/Meta-Llama-3.1-405B")
    errors = layout_module.spec_head_errors(spec, 3)
    assert checked == [3]
    assert errors == [
        "Total number of attention heads (128) must be divisible by tensor parallel size (3).",
        "8 KV heads cannot be split or replicated evenly over tensor parallel size 3 (one must "
        "divide the other)."]
