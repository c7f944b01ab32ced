"""vLLM 0.34's extensible KV cache (vllm_versions.EXTENSIBLE_KV_CACHE_FROM): on by default, it
sizes the pool after warmup from measured free memory, which Headroom does not plan; the
launch command turns it off so that vLLM sizes the pool from its profile run, as planned.

Read in the 0.34.0 wheel: config/cache.py CacheConfig.enable_extensible_kv_cache (default None,
a bool field: --enable-extensible-kv-cache / --no-enable-extensible-kv-cache, argparse's
BooleanOptionalAction), config/vllm.py VllmConfig._resolve_extensible_kv_cache (None -> on
unless --kv-cache-memory-bytes: "it sizes the KV cache from measured memory, which
kv_cache_memory_bytes overrides"), CacheConfig.resolved_gpu_memory_utilization (unset: 1.0
with it, DEFAULT_GPU_MEMORY_UTILIZATION 0.92 without)."""

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import command_problems, vllm_cli
from planner.serving.vllm_versions import default_gpu_memory_utilization


def _command(version: str, **engine) -> str:
    p = plan(PlanRequest(model=catalog_spec("Qwen/Qwen3-8B"),
                         cluster=preset_cluster("h100-sxm", 1),
                         engine=EngineSettings(vllm_version=version, **engine)))
    assert p.fits and p.vllm_command
    return p.vllm_command


def test_a_0_34_command_turns_the_extensible_kv_cache_off() -> None:
    words = _command("0.34.0").split()
    assert "--no-enable-extensible-kv-cache" in words
    # beside the utilization vLLM 0.34.0 takes without the extensible cache: 0.92
    assert words[words.index("--gpu-memory-utilization") + 1] == "0.92"
    assert default_gpu_memory_utilization("0.34.0") == 0.92
    # vLLM 0.34.0's parser takes it (the fixture lists --enable-extensible-kv-cache)
    assert command_problems(" ".join(words), vllm_cli("0.34.0")) == []


def test_no_flag_where_there_is_no_such_cache_or_the_pool_is_given() -> None:
    # 0.33.0 has no --enable-extensible-kv-cache; --kv-cache-memory-bytes turns it off in 0.34.0
    assert "extensible" not in _command("0.33.0")
    assert "extensible" not in _command("0.34.0", kv_cache_memory_bytes=8 << 30)
    assert command_problems("vllm serve m --no-enable-extensible-kv-cache",
                            vllm_cli("0.33.0")) == [
        "vLLM 0.33.0: unrecognized arguments: --no-enable-extensible-kv-cache"]
