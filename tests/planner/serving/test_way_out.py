"""planner.serving.way_out: what would serve a workload recommend found nothing for.

Hand-worked: Llama 3.1 405B (126 layers, 8 KV heads of 128) holds 126 x 8 x 128 x 2 (K, V)
x 1 byte = 258,048 bytes of fp8 KV per token, so 64 requests of 32,000 tokens need 64 x
32,000 x 258,048 = 528.5 GB of KV cache. With its smallest weights (4-bit: ~405.8e9 / 2 =
~202.9 GB) that is ~731 GB, more than 8 H100s hold at all (8 x 79.19 GiB = 680.2 GB), and DP
only adds copies of the weights: nothing serves on 8. The next count searched is 16 (whole
nodes above 8), where FP8 weights (~406 GB) and the KV cache (~934 GB together) leave ~290
GB of 16 x 79.19 GiB x 0.9 = 1,224 GB for the rest.
"""

import re

from planner.catalog import catalog_spec
from planner.serving.hardware import NetworkSpec
from planner.serving.prices import with_overrides
from planner.serving.recommend import FellOut, RecommendResult, Workload, recommend
from planner.serving.way_out import WAY_OUT_GPUS_MAX, way_out
from planner.text import capitalized

LLAMA_405B = "meta-llama/Meta-Llama-3.1-405B"
WORKLOAD = Workload(context_tokens=32_000, concurrency=64)


def _step(gpus: int) -> str:
    return f"rerun with --gpus-max {gpus}"


def test_the_fewest_gpus_that_serve_are_named_and_serve_when_searched() -> None:
    spec, prices = catalog_spec(LLAMA_405B), with_overrides()
    none = recommend([spec], WORKLOAD, prices, gpu_keys=("h100-sxm",))  # --gpus-max 8
    assert not none.rows
    line = way_out(none, [spec], prices, gpus_max=8, step=_step, gpu_keys=("h100-sxm",))
    assert line.startswith("Searching on up to 64 GPUs: 16 would serve it (16x h100-sxm, ")
    # 16 x $3.99 (the default table's H100 SXM) a launchable row: no what-if words; its 16
    # GPUs are two 8-GPU nodes, over a network none gave: the DGX H100's (one 400 Gb/s
    # ConnectX-7 per GPU) is assumed, and said as the search's own rows say it
    assert ", $63.84/hour): rerun with --gpus-max 16. The network between nodes was neither " \
        "given nor measured: " in line
    assert line.endswith(" assume 400 Gb/s per GPU (DGX H100: 8x ConnectX-7, 400 Gb/s each "
                         "(NVIDIA DGX BasePOD RA)).")
    # and it does: the search up to 16 lists it, on no fewer, with the same words
    found = recommend([spec], WORKLOAD, prices, gpus_max=16, gpu_keys=("h100-sxm",))
    assert found.rows and min(r.gpus for r in found.rows) == 16 and found.rows[0].launchable
    assert found.rows[0].nodes == 2 and line.endswith(f" {capitalized(found.network_assumed)}")
    # a search with rows needs no way out
    assert way_out(found, [spec], prices, gpus_max=16, step=_step, gpu_keys=("h100-sxm",)) == ""


def test_a_network_given_is_not_said_to_be_assumed() -> None:
    # the same 16 H100s over 8 NICs x 400 Gb/s per node given (--network 8x400): nothing
    # assumed, so the line ends at its step
    spec, prices = catalog_spec(LLAMA_405B), with_overrides()
    search = {"gpu_keys": ("h100-sxm",), "network": NetworkSpec(nics_per_node=8, nic_gbits=400)}
    none = recommend([spec], WORKLOAD, prices, **search)
    line = way_out(none, [spec], prices, gpus_max=8, step=_step, **search)
    assert line.startswith("Searching on up to 64 GPUs: 16 would serve it (16x h100-sxm, ")
    assert line.endswith(", $63.84/hour): rerun with --gpus-max 16.")


def test_a_target_no_count_meets_is_named_with_its_miss() -> None:
    # a TPOT of 0.001 ms: no GPU count meets it (the bound rules out every family up to 64)
    spec, prices = catalog_spec("Qwen/Qwen3-8B"), with_overrides()
    workload = Workload(context_tokens=4096, tpot_ms=0.001)
    none = recommend([spec], workload, prices, gpu_keys=("rtx-3090",))
    line = way_out(none, [spec], prices, gpus_max=8, step=_step, gpu_keys=("rtx-3090",))
    assert line.startswith("Searching on up to 64 GPUs: none serves it either (Qwen/Qwen3-8B: ")
    missed = line.split("; the TPOT target (0.001 ms) is missed by ")[1]
    by, best = float(missed.split(" ms")[0]), float(missed.split("(best TPOT ")[1].split()[0])
    # both rounded up to 0.1 ms from the same TPOT, 0.001 ms apart
    assert best - 0.1 <= by <= best and by > 0


def test_at_the_bound_only_the_targets_missed_are_said() -> None:
    # no search past the bound; each miss rounded away from its target, so 0.01 ms over
    # reads as missed by 0.1, never 0.0
    def result(*fell_out: FellOut) -> RecommendResult:
        return RecommendResult.model_construct(
            rows=(), workload=Workload(tpot_ms=20, ttft_ms=500), fell_out=fell_out)

    missed = result(FellOut(reason="memory", plans=4),
                    FellOut(reason="tpot", plans=3, detail="best TPOT 27.1 ms at X",
                            closest=27.04),
                    FellOut(reason="ttft", plans=1, detail="best TTFT 500.1 ms at Y",
                            closest=500.01))
    line = way_out(missed, [], {}, gpus_max=WAY_OUT_GPUS_MAX, step=_step)
    assert line == ("The TPOT target (20 ms) is missed by 7.1 ms (best TPOT 27.1 ms at X); "
                    "the TTFT target (500 ms) is missed by 0.1 ms (best TTFT 500.1 ms at Y).")
    assert way_out(result(FellOut(reason="memory", plans=4)), [], {},
                   gpus_max=WAY_OUT_GPUS_MAX, step=_step) == ""



def test_a_concurrency_no_count_holds_is_named_without_a_rate() -> None:
    # Qwen3.5-27B (16 full-attention layers of 64, 4 KV heads of 256): 16 x 4 x 256 x 2 (K, V)
    # x 2 B = 65,536 B of KV per token, so 4,096 requests of 100,001 tokens need 26.8 TB of KV
    # cache alone, more than 64 B200s hold (64 x 178.36 GiB = 12.3 TB): no count up to 64
    # holds them. No rate was asked, so the bound is the memory's; the note formatted the
    # rate (None) and raised TypeError
    spec, prices = catalog_spec("Qwen/Qwen3.5-27B"), with_overrides()
    workload = Workload(input_len=100_000, output_len=1, concurrency=4_096)
    none = recommend([spec], workload, prices, gpu_keys=("b200",))
    line = way_out(none, [spec], prices, gpus_max=8, step=_step, gpu_keys=("b200",))
    held = re.search(r"holding 4,096 requests of 100,001 tokens needs at least ([\d,]+) GPUs "
                     r"of any searched preset \(a bound from one replica's weights and one "
                     r"request's KV cache per GPU\), more than --gpus-max 64", line)
    assert held and int(held[1].replace(",", "")) > 64 and "output tokens/s" not in line
