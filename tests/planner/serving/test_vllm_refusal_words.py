"""vLLM's start-up refusals quoted in each release's own words and figures: the busy-GPU check
(plan.refusals.free_memory_refusal, vllm_versions.FREE_MEMORY_CHECK_ON_DEVICE_FROM) and the
KV cache check's "models's" / "model's" (MAX_SEQ_LEN_REFUSAL_SPELT_MODEL_S_FROM)."""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan
from planner.serving.plan.refusals import free_memory_refusal
from planner.serving.vllm_versions import parse_version
from planner.units import GIB

TAIL = ("on startup is less than desired GPU memory utilization (0.9, 72.0 GiB). Decrease GPU "
        "memory utilization or reduce GPU memory used by other processes.")


@pytest.mark.parametrize(("version", "device"), [
    # v1/worker/gpu_worker.py Worker.init_device, 0.9.1-0.13.0 wheels: no device named
    ("0.9.1", ""), ("0.13.0", ""),
    # v1/worker/utils.py request_memory, 0.14.0-0.34.0 wheels: f"... {init_snapshot.device_}"
    ("0.14.0", " cuda:3"), ("0.34.0", " cuda:3"),
])
def test_the_busy_gpu_refusal_reads_as_the_release_writes_it(version: str,
                                                             device: str) -> None:
    # 80 GiB = 85,899,345,920 B total, "80.0" (round(80.0, 2) as text, not "80.00 GiB");
    # free 70 GiB + 10 MiB = 75,172,413,440 B = 70.009765625 GiB, "70.01"; 0.9 x 80 GiB =
    # 77,309,411,328 B = 72 GiB, "72.0" (the float product to 0.13.0, its ceil from 0.14.0:
    # the budget, ceil(77,309,411,328.0) = 77,309,411,328 B, passed in)
    assert free_memory_refusal(3, 75_172_413_440, 85_899_345_920, 77_309_411_328, 0.9,
                               parse_version(version)) == (
        f"Free memory on device{device} (70.01/80.0 GiB) " + TAIL)


@pytest.mark.parametrize(("version", "free"), [
    # 14 GiB - 1 MiB = 15,030,288,384 B = 13.9990234375 GiB: rounded, "14.0" at both ends
    # (truncation would write "13.99"; Headroom wrote "14.00 GiB")
    ("0.9.1", "14.0"), ("0.34.0", "14.0"),
])
def test_a_busy_gpu_figure_is_rounded_not_truncated(version: str, free: str) -> None:
    assert f"({free}/80.0 GiB)" in free_memory_refusal(0, 15_030_288_384, 85_899_345_920,
                                                         77_309_411_328, 0.9,
                                                         parse_version(version))


def test_a_published_busy_gpu_refusal_is_quoted_from_its_bytes() -> None:
    # bench/public_memory_runs.json unresolved-4090x2-qwen3-coder-30b-a3b-awq-tp2-u080-64k,
    # vLLM 0.26.0: "ValueError: Free memory on device cuda:0 (13.89/23.52 GiB) on startup is
    # less than"; its --gpu-memory-utilization 0.80: 0.8 x 23.52 = 18.816, "18.82" (23.52 GiB
    # = 25,254,407,700 B; the budget ceil(0.8 x 25,254,407,700) = 20,203,526,160 B)
    free, total = round(13.89 * GIB), round(23.52 * GIB)
    assert free_memory_refusal(0, free, total, 20_203_526_160, 0.8,
                               parse_version("0.26.0")).startswith(
        "Free memory on device cuda:0 (13.89/23.52 GiB) on startup is less than desired GPU "
        "memory utilization (0.8, 18.82 GiB).")


@pytest.mark.parametrize(("version", "owner"), [
    # v1/core/kv_cache_utils.py _check_enough_kv_cache_memory: "models's" in the 0.20.0 (and
    # 0.20.2) wheel, "model's" in 0.22.0 (0.21.0 not read, taken as 0.20's)
    ("0.20.0", "models's"), ("0.22.0", "model's"),
])
def test_the_max_seq_len_refusal_spells_the_release_s_words(version: str, owner: str) -> None:
    # Qwen3-8B (../shared/model-configs/Qwen__Qwen3-8B.json): 36 layers x 8 KV heads x 128 x
    # 2 x 2 B = 147,456 B a token; 40,960 tokens = 2,560 blocks of 16 = 6,039,797,760 B =
    # 5.625 GiB, which round(5.625, 2) writes "5.62" (half to even: 5.625 is exact in
    # binary); the 1 GiB pool "1.0" (no null block held back before 0.29)
    p = plan(PlanRequest(model=catalog_spec("Qwen/Qwen3-8B"), cluster=preset_cluster(
        "h100-sxm", 1), engine=EngineSettings(vllm_version=version, max_model_len=40960,
                                              kv_cache_memory_bytes=GIB)))
    assert p.errors[0].startswith(
        f"To serve at least one request with the {owner} max seq len (40960), (5.62 GiB KV "
        "cache is needed, which is larger than the available KV cache memory (1.0 GiB).")
    assert p.verdict.startswith(f"Does not fit: To serve at least one request with the {owner}")
