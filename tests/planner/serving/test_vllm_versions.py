"""The vLLM version table: each rule at the release its wheel shows it changing."""

import pytest

from planner.catalog import catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings, default_batch_limits
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_versions import (
    DEFAULT_VLLM_VERSION,
    EngineError,
    UncoveredRelease,
    covered_releases,
    custom_ar_enabled,
    default_gpu_memory_utilization,
    flashinfer_hd256_bug,
    free_memory_source,
    in_span,
    listed_stand_in,
    parse_version,
    require_kv_cache_dtype,
    vllm_rules,
    window_batched_tokens,
)
from planner.units import GIB


def test_default_is_the_newest_pypi_release_read():
    # `pip index versions vllm` listed 0.34.0 as the newest when the table was written
    assert DEFAULT_VLLM_VERSION == "0.34.0" == EngineSettings().vllm_version


@pytest.mark.parametrize("version, until, inside", [
    ((0, 24, 99), (0, 26, 0), False),  # before the first release
    ((0, 25, 0), (0, 26, 0), True),  # the first release is in
    ((0, 25, 9), (0, 26, 0), True),
    ((0, 26, 0), (0, 26, 0), False),  # `until` is the first release out
    ((0, 34, 0), None, True),  # no `until`: every release from the first on
    ((0, 24, 0), None, False),
])
def test_a_release_span_holds_its_first_release_and_not_its_until(version, until, inside):
    # in_span: first <= version < until, an open end where until is None; the
    # (first, until) pairs of vllm_versions, e.g. DEEPSEEK_GATE_ROUTER_DTYPE_SPAN, 0.25.0 to
    # 0.26.0: the 0.25 wheels alone
    assert in_span(version, (0, 25, 0), until) is inside


def test_the_releases_to_choose_from_are_the_fixtures_of_the_covered_range():
    # one fixture per patch release 0.9.1-0.10.2, one per minor release 0.11-0.34 (0.18.0's
    # for its flags), and 0.11.1's, whose parser is not 0.11.0's, and 0.15.1's and 0.22.1's,
    # whose registries add a model class: 5 + 24 + 3 = 32, oldest first
    releases = covered_releases()
    assert releases[:5] == ("0.9.1", "0.9.2", "0.10.0", "0.10.1", "0.10.2")
    assert [r for r in releases[5:] if not r.endswith(".0")] == ["0.11.1", "0.15.1", "0.22.1"]
    assert [r for r in releases[5:] if r.endswith(".0")] == [
        f"0.{minor}.0" for minor in range(11, 35)]
    assert releases == tuple(sorted(releases, key=parse_version))
    assert releases[-1] == "0.34.0" == DEFAULT_VLLM_VERSION and len(releases) == 32
    for release in releases:  # each is planned under its own name
        assert vllm_rules(release).label == release


def test_parse_version_accepts_vllm_spellings():
    assert parse_version("v0.19.0") == (0, 19, 0)
    assert parse_version("0.21") == (0, 21, 0)
    assert parse_version("0.20.2") == (0, 20, 2)
    # what pip and `vllm --version` print: the post release 0.10.1.1 (on PyPI, a fix of
    # 0.10.1) and a local build label ("+cu128", "+582e4e37.nv25.11") name their release
    assert parse_version("0.10.1.1") == (0, 10, 1)
    assert parse_version("0.11.0+cu128") == (0, 11, 0)
    assert parse_version("0.11.0+582e4e37.nv25.11") == (0, 11, 0)
    # PEP 440 post releases, as PyPI has vLLM 0.6.1.post1 / 0.6.3.post1: the release's rules
    assert parse_version("0.33.0.post1") == (0, 33, 0)
    assert parse_version("0.33.0post2+cu129") == (0, 33, 0)
    for bad in ("abc", "latest", "1", "0.x.1", "0.1.2.3.4", "0.12.0rc1", "0.9.2.dev3", "",
                "0.-1.0", "+cu128", "post1", "0.33.post",
                # str.isdigit takes these, int() fails on the first and reads the second
                # as 0.33.0: neither is what pip or `vllm --version` print
                "0.2\u00b2", "0.\u0663\u0663.0"):
        with pytest.raises(EngineError, match="is not like"):
            parse_version(bad)


def test_graphs_subtracted_from_0_20_wheel():
    # envs.py VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS: "0" in the 0.19.0 wheel, "1" in 0.20.0
    # (the v0.19 llm-d logs print the estimate without subtracting it)
    assert not vllm_rules("0.19.1").graphs_subtracted
    assert vllm_rules("0.20.0").graphs_subtracted and vllm_rules("0.33.0").graphs_subtracted


def test_gpu_memory_utilization_default_is_0_92_from_the_0_20_wheel():
    # config/cache.py CacheConfig.gpu_memory_utilization: Field(default=0.9) in the 0.19.0
    # wheel, Field(default=0.92) from 0.20.0 ("If unspecified, will use the default value of
    # 0.92"); EngineSettings fills an unset (or None) value from its vllm_version
    releases = ("0.9.1", "0.19.0", "0.19.1", "0.20.0", "0.28.0", "0.33.0")
    assert [default_gpu_memory_utilization(v) for v in releases] == [
        0.9, 0.9, 0.9, 0.92, 0.92, 0.92]
    assert EngineSettings().gpu_memory_utilization == 0.92  # 0.33.0
    assert EngineSettings(vllm_version="0.19.0").gpu_memory_utilization == 0.9
    assert EngineSettings(vllm_version="0.20.0",
                          gpu_memory_utilization=None).gpu_memory_utilization == 0.92
    assert EngineSettings(gpu_memory_utilization=0.85).gpu_memory_utilization == 0.85
    # a public L40S start-up with every default (bench/public_memory_runs.json: vLLM 0.28.0,
    # Qwen3-14B) logs "Available KV cache memory: 11.57 GiB". L40S 44.42 GiB = 47,695,611,822 B:
    # ceil(x 0.92) = 43,879,962,877 B against ceil(x 0.90) = 42,926,050,640 B, 953,912,237 B
    # (0.888 GiB) more budget, so the pool goes from 10.93 GiB (-5.5 %) to 11.82 (+2.2 %)
    spec = parse_model_config(catalog_entry("Qwen/Qwen3-14B").config, name="Qwen/Qwen3-14B")
    pools = [plan(PlanRequest(model=spec, cluster=preset_cluster("l40s", 1), engine=engine)
                  ).kv_cache_bytes_per_gpu for engine in (
        EngineSettings(vllm_version="0.28.0", gpu_memory_utilization=0.9),
        EngineSettings(vllm_version="0.28.0"))]
    assert pools[1] - pools[0] == 43_879_962_877 - 42_926_050_640
    # the log, not the code's own figure: within 5 % at the release's default, not at 0.9
    assert abs(pools[1] / GIB - 11.57) <= 0.05 * 11.57 < abs(pools[0] / GIB - 11.57)


def test_tokens_formula_switches_at_0_20_1():
    # v1/core/kv_cache_utils.py _report_kv_cache_config: num_blocks // groups x block size in
    # the 0.20.0 wheel, int(max_concurrency x max_model_len) in the 0.20.1 wheel (and 0.21.0-
    # 0.23.0; get_kv_cache_capacity from 0.24.0). club-3090#91 (0.20.1, 2x RTX 3090) logs
    # 619,479 tokens, a concurrency x max_model_len figure, not 171,200 blocks x 16
    assert not vllm_rules("0.20.0").tokens_from_concurrency
    assert vllm_rules("0.20.1").tokens_from_concurrency
    assert vllm_rules("0.23.0").tokens_from_concurrency


def test_batch_defaults_per_release():
    # get_batch_defaults: the >= 160 GiB tier appears in 0.28.0
    b200 = int(178.4 * GIB)
    assert default_batch_limits(b200, "NVIDIA B200", 8192, vllm_rules("0.27.0")) == (8192, 1024)
    assert default_batch_limits(b200, "NVIDIA B200", 8192, vllm_rules("0.28.0")) == (16384, 1024)


@pytest.mark.parametrize("version", ["0.11.0", "0.13.0", "0.27.0", "0.32.0", "0.33.0"])
def test_gb10_is_on_the_small_batch_tier_in_every_release(version):
    # 0.33.0 keeps GB10 small by name (is_gb10); before, nvmlDeviceGetMemoryInfo raises
    # NOT_SUPPORTED on GB10, so get_batch_defaults' except branch takes device_memory 0. The
    # logs: NVIDIA's 0.11.0 / 0.13.0 builds print "Chunked prefill is enabled with
    # max_num_batched_tokens=2048"; a 0.27.1 start-up captures "PIECEWISE 51 + FULL 35"
    # (capture sizes up to 512, full ones up to max_num_seqs = 256: 3 + 31 + 1 = 35)
    gb10 = int(119.7 * GIB)
    assert default_batch_limits(gb10, "NVIDIA GB10", 8192, vllm_rules(version), "12.1") == (
        2048, 256)


def test_given_tokens_cap_the_default_sequences_from_0_10_1():
    # engine/arg_utils.py with --max-num-batched-tokens and no --max-num-seqs: 0.10.1-0.11.0
    # min(default_max_num_seqs, self.max_num_batched_tokens or sys.maxsize), 0.11.1 on
    # min(self.max_num_seqs, self.max_num_batched_tokens); 0.9.2 / 0.10.0 take the GPU's
    # default uncapped. H100 80GB's tier: 1,024 sequences
    h100, name = int(79.19 * GIB), "NVIDIA H100 80GB HBM3"
    for version in ("0.10.1", "0.11.0", "0.20.0", "0.34.0"):
        rules = vllm_rules(version)
        assert default_batch_limits(h100, name, 40960, rules, tokens_given=512) == (512, 512)
        assert default_batch_limits(h100, name, 40960, rules, tokens_given=4096) == (
            4096, 1024)
    assert default_batch_limits(h100, name, 40960, vllm_rules("0.10.0"),
                                tokens_given=512) == (512, 1024)
    # so vLLM 0.20.0 starts Qwen3-8B at 512 tokens with 512 sequences; 0.10.0 refuses it
    spec = parse_model_config(catalog_entry("Qwen/Qwen3-8B").config, name="Qwen/Qwen3-8B")

    def planned(version: str):
        return plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1),
                                layout=ParallelLayout(), engine=EngineSettings(
                                    vllm_version=version, max_num_batched_tokens=512)))
    new, old = planned("0.20.0"), planned("0.10.0")
    assert new.fits and (new.max_num_batched_tokens, new.max_num_seqs) == (512, 512)
    assert "--max-num-batched-tokens 512 --max-num-seqs 512" in new.vllm_command
    assert not old.fits and ("max_num_batched_tokens (512) must be greater than or equal to "
                             "max_num_seqs (1024).") in old.verdict


def test_chunked_prefill_off_batches_the_whole_context():
    # engine/arg_utils.py, --no-enable-chunked-prefill and no --max-num-batched-tokens:
    # 0.11.1-0.33.0 max(max_model_len, the GPU's default), so SchedulerConfig.
    # verify_max_model_len passes (H100: 8192 / 1024, RTX 3090: 2048 / 256); 0.9.1-0.11.0
    # _set_default_args(_v1) set enable_chunked_prefill = True for non-pooling models, so the
    # flag does nothing and the defaults stand
    h100, rtx3090 = int(79.19 * GIB), int(23.57 * GIB)
    for version in ("0.12.0", "0.33.0"):
        rules = vllm_rules(version)
        assert default_batch_limits(h100, "NVIDIA H100 80GB HBM3", 40960, rules,
                                    chunked_prefill=False) == (40960, 1024)
        assert default_batch_limits(h100, "NVIDIA H100 80GB HBM3", 1000, rules,
                                    chunked_prefill=False) == (8192, 1024)
    for version in ("0.9.1", "0.10.2", "0.11.0"):
        assert default_batch_limits(rtx3090, "NVIDIA GeForce RTX 3090", 40960,
                                    vllm_rules(version), chunked_prefill=False) == (2048, 256)
    # the plan's launch line is one vLLM starts: batched tokens >= max_model_len
    spec = parse_model_config(catalog_entry("Qwen/Qwen3-8B").config, name="Qwen/Qwen3-8B")
    p = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 1),
                         layout=ParallelLayout(), engine=EngineSettings(
                             max_model_len=32768, enable_chunked_prefill=False)))
    assert p.fits and "--max-num-batched-tokens 32768 " in p.vllm_command
    assert "--no-enable-chunked-prefill" in p.vllm_command


def test_uncovered_versions_are_refused_in_one_line():
    # V0-engine era, V1 before memory_profiling (the 0.9.0 and 0.8.5 wheels' gpu_worker.py
    # subtract mem_get_info's used memory outside torch: context and other processes), and
    # unread releases
    for version, words in (("0.7.3", "V0 engine"), ("0.8.5", "CUDA context"),
                           ("0.9.0", "CUDA context"), ("0.35.0", "newest release")):
        with pytest.raises(EngineError, match=words) as err:
            vllm_rules(version)
        assert "\n" not in str(err.value)


def test_kv_cache_dtypes_per_release():
    # config/cache.py CacheDType: float16 is absent from the 0.11.0 wheel, present in 0.19.0
    with pytest.raises(EngineError, match="no --kv-cache-dtype float16"):
        require_kv_cache_dtype(vllm_rules("0.11.0"), "fp16")
    require_kv_cache_dtype(vllm_rules("0.19.0"), "fp16")
    require_kv_cache_dtype(vllm_rules("0.11.0"), "fp8")


def test_kernel_and_kv_dtype_rules_per_release():
    # flash_attn.py _get_sm90_fa4_fp8_kv_block_size: absent in 0.30.0, present in 0.31.0
    assert not vllm_rules("0.30.0").sm90_fa4_fp8_hd512 and vllm_rules("0.31").sm90_fa4_fp8_hd512
    # torch_utils.resolve_kv_cache_dtype_string: absent in 0.13.0, present in 0.14.0
    assert not vllm_rules("0.13.0").checkpoint_kv_dtype
    assert vllm_rules("0.14.0").checkpoint_kv_dtype


def test_free_memory_source_per_release_and_part():
    # vLLM utils/mem_utils.py MemorySnapshot.measure: the 0.11.0 wheel (utils/__init__.py)
    # always calls torch.cuda.mem_get_info; 0.11.1-0.19.0 replace free memory by psutil's
    # available RAM on capabilities (8, 7), (11, 0), (12, 1) ("Orin, Thor, Spark"); from
    # 0.20.0 on, on current_platform.is_integrated_gpu (torch's is_integrated property)
    def source(version, cc, unified):
        return free_memory_source(vllm_rules(version), cc, unified)

    assert source("0.11.0", "12.1", True) == "cudaMemGetInfo"  # DGX Spark before the list
    assert source("0.12.0", "12.1", True) == "psutil"
    assert source("0.33.0", "12.1", True) == "psutil"
    assert source("0.19.0", "9.0", True) == "cudaMemGetInfo"  # GH200: not in the list
    assert source("0.22.0", "9.0", True) == "unverified"  # is_integrated decides
    assert source("0.33.0", "9.0", False) == "cudaMemGetInfo"  # H100


def test_the_0_11_1_wheel_already_has_the_rules_first_read_in_0_12_0() -> None:
    """0.11.1 is a covered release of its own (its own fixture), and its wheel (the 0.11.2
    wheel alike) already holds what these rules first read in the 0.12.0 wheel:
    config/vllm.py _set_cudagraph_sizes captures every 16 above 256 (the faradawn/bench3 H200
    log of 0.11.2 lists 51 sizes up to 512: 1, 2, 4, 8..248 by 8, 256..512 by 16);
    utils/mem_utils.py MemorySnapshot.measure reads psutil on (8, 7), (11, 0), (12, 1);
    engine/arg_utils.py _set_default_args keeps --no-enable-chunked-prefill and batches
    max(max_model_len, the default); v1/attention/backends/flashinfer.py asserts block_size
    != 16 for head size 256 on capability 10.0; the 0.11.0 wheel none of them."""
    from planner.serving.engine import cuda_graph_count

    h100 = int(79.19 * GIB)
    for version in ("0.11.1", "0.11.2"):
        rules = vllm_rules(version)
        assert cuda_graph_count(256, 2048, False, rules) == (3 + 31 + 17, 3 + 32), version
        assert free_memory_source(rules, "12.1", True) == "psutil", version
        assert default_batch_limits(h100, "NVIDIA H100 80GB HBM3", 40960, rules,
                                    chunked_prefill=False) == (40960, 1024), version
        assert flashinfer_hd256_bug(rules, "10.0") and not flashinfer_hd256_bug(rules, "10.3")
    old = vllm_rules("0.11.0")
    assert cuda_graph_count(256, 2048, False, old) == (3 + 64, 3 + 32)
    assert free_memory_source(old, "12.1", True) == "cudaMemGetInfo"
    assert not flashinfer_hd256_bug(old, "10.0")


def test_gh200_plan_warns_where_vllm_reads_its_free_memory():
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    spec = catalog_spec("meta-llama/Meta-Llama-3.1-8B")

    def warning(gpu, version):
        p = plan(PlanRequest(model=spec, cluster=preset_cluster(gpu, 1),
                             layout=ParallelLayout(),
                             engine=EngineSettings(vllm_version=version)))
        return next(w for w in p.warnings if "unified memory" in w)

    assert "cudaMemGetInfo" in warning("gh200", "0.19.0")
    assert "is_integrated" in warning("gh200", "0.22.0")
    assert "psutil" in warning("dgx-spark-gb10", "0.33.0")


def test_unified_memory_plan_says_how_much_the_host_may_hold_at_start_up():
    """vLLM refuses to start below requested_memory = ceil(total x utilization) free
    (v1/worker/utils.py request_memory); on GB10 the host's RAM is that memory. By hand:
    121.69 GiB x 0.92 (0.33.0's default) = 111.95 GiB, leaving 9.74 GiB; at 0.8, 97.35 GiB
    and 24.34 GiB."""
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    spec = catalog_spec("meta-llama/Meta-Llama-3.1-8B")

    def warning(**engine):
        p = plan(PlanRequest(model=spec, cluster=preset_cluster("dgx-spark-gb10", 1),
                             layout=ParallelLayout(),
                             engine=EngineSettings(vllm_version="0.33.0", **engine)))
        return next(w for w in p.warnings if "unified memory" in w)

    assert ("at least 0.92 x 121.69 GiB = 111.95 GiB free, so the OS and other processes "
            "may hold at most 9.74 GiB") in warning()
    assert "0.8 x 121.69 GiB = 97.35 GiB free" in warning(gpu_memory_utilization=0.8)
    assert "at most 24.34 GiB" in warning(gpu_memory_utilization=0.8)
    # a given KV pool does not skip the check: gpu_worker.py init_device compares the free
    # memory with total x utilization before anything reads kv_cache_memory_bytes (the 0.13.0
    # and 0.20.0 wheels; request_memory in 0.33.0's), the utilization then being the default
    assert ("at least 0.92 x 121.69 GiB = 111.95 GiB free"
            in warning(kv_cache_memory_bytes=20 * 2**30))


def test_an_uncovered_release_carries_the_release_that_may_stand_in():
    # a later release: the newest covered (0.34.0) may stand in, and the edges say how to pick
    # it (a CLI flag, the app's sidebar), so the planner's words name neither
    with pytest.raises(UncoveredRelease) as err:
        vllm_rules("0.40")
    assert err.value.stand_in == "0.34.0"
    assert str(err.value) == ("vLLM 0.40 is not covered: the newest release Headroom was "
                              "checked against is 0.34.x")
    # before 0.9.1 vLLM sizes its memory otherwise: no release stands in
    with pytest.raises(UncoveredRelease) as err:
        vllm_rules("0.8.0")
    assert err.value.stand_in is None and "--vllm-version" not in str(err.value)


def test_a_patch_release_without_a_fixture_names_the_listed_release_standing_in():
    # planner/serving/vllm_cli/ holds vllm-0.19.0.json and vllm-0.11.1.json, no 0.19.1 or
    # 0.11.2: those plan with the newest fixture of their minor release up to them; 0.10.2,
    # 0.11.1 and 0.19.0 have their own
    assert listed_stand_in(vllm_rules("0.19.1")) == "0.19.0"
    assert listed_stand_in(vllm_rules("0.11.2")) == "0.11.1"
    assert listed_stand_in(vllm_rules("0.11.1")) is None
    assert listed_stand_in(vllm_rules("0.10.2")) is None
    assert listed_stand_in(vllm_rules("v0.19")) is None


def test_custom_ar_enabled_follows_custom_all_reduce_py():
    # CustomAllreduce.__init__: a supported world size, P2P between every rank, and two GPUs
    # or a fully NVLink-connected group
    old, new = (2, 4, 6, 8), (2, 4, 6, 8, 16)
    assert custom_ar_enabled(True, True, 8, old) and custom_ar_enabled(False, True, 2, old)
    assert not custom_ar_enabled(False, True, 4, old)  # more than two PCIe-only GPUs
    assert not custom_ar_enabled(False, False, 2, old)  # no P2P (GeForce driver)
    assert not custom_ar_enabled(True, True, 3, new)  # an unsupported world size
    assert not custom_ar_enabled(True, True, 16, old) and custom_ar_enabled(True, True, 16, new)


def test_the_dummy_sampler_sorts_before_the_0_17_wheel():
    # topk_topp_sampler.py apply_top_k_top_p: logits.sort in 0.9.1-0.16.0, the Triton kernel
    # (topk_topp_triton.py) from 0.17.0; _dummy_run returns the full hidden states from 0.9.2
    assert [vllm_rules(v).sort_sampler for v in ("0.9.1", "0.11.0", "0.16.0", "0.17.0",
                                                  "0.33.0")] == [True, True, True, False, False]
    assert [vllm_rules(v).sampler_holds_forward for v in ("0.9.1", "0.9.2")] == [False, True]


def test_encoder_profile_rules_per_release():
    # qwen3_vl.py get_max_video_tokens: "video_soft_tokens * 12.5" in the 0.11.0, 0.11.2 and
    # 0.12.0 wheels, unscaled from 0.13.0; gpu_model_runner.py profile_run pads the outputs
    # to encoder_budget (0.11.x), to max_tokens_by_modality (0.12.0), not at all (0.13.0 on)
    rules = [vllm_rules(v).encoder for v in ("0.10.2", "0.11.0", "0.11.2", "0.12.0", "0.13.0",
                                             "0.33.0")]
    assert [(r.scaled_video, r.expand_to) for r in rules] == [
        (False, ""), (True, "budget"), (True, "budget"), (True, "item"), (False, ""),
        (False, "")]


def test_l40s_0_10_2_expert_parallel_peak_is_the_sort_sampler():
    # bench/public_memory_runs.json, 8x L40S, Qwen3-235B-A22B-Instruct-2507-FP8, TP=8 + EP,
    # vLLM 0.10.2 defaults on a 44 GiB card: 2048 batched tokens, 256 seqs. The log: "1.4 GiB
    # for peak activation", "Available KV cache memory: 10.64 GiB" (the smallest worker).
    # Sampler: 256 x 151,936 = 38,895,616 logits x (2 bf16 + 4 fp32 + 4 + 8 sort + 20 scratch)
    # = 1,478,033,408 B + (2048 + 2 x 256) rows x 4096 x 2 B = 20,971,520 held
    # = 1,499,004,928 B = 1.396 GiB, over the forward's fitted 0.33 GiB
    spec = parse_model_config(catalog_entry("Qwen/Qwen3-235B-A22B-FP8").config,
                              catalog_entry("Qwen/Qwen3-235B-A22B-FP8").hf_quant_config,
                              name="Qwen/Qwen3-235B-A22B-FP8")
    p = plan(PlanRequest(model=spec, cluster=preset_cluster("l40s", 8),
                         layout=ParallelLayout(tp=8, ep=True),
                         engine=EngineSettings(vllm_version="0.10.2", max_model_len=32768)))
    assert p.activation_bytes_per_gpu == 1_499_004_928
    assert abs(p.kv_cache_bytes_per_gpu / GIB - 10.64) <= 0.01 * 10.64  # the fit: 11.17 (+5 %)


def test_flashinfer_sampler_keeps_the_fit_where_the_log_says_flashinfer_samples():
    # bench/public_memory_runs.json: Qwen2-7B on one A100 80GB, vLLM 0.10.1.1, utilization
    # 0.25, "Using FlashInfer for top-p & top-k sampling", logs "Available KV cache memory:
    # 5.01 GiB". Without the sort the fit applies: 3.637 x 256 x 152,064 x 4 B (0.528 GiB) +
    # 0.308 x 2048 x (3584 + 37,888) x 2 B (0.049 GiB) = 0.58 GiB. With the sort: 256 x 152,064
    # x 38 B = 1,479,278,592 + (2048 + 512) x 3584 x 2 B = 18,350,080 -> 1,497,628,672 B (1.395
    # GiB), 0.82 GiB more, which the pool loses (4.79 -> 3.98 GiB planned, -20 % vs the log)
    entry = catalog_entry("Qwen/Qwen2.5-7B-Instruct")
    spec = parse_model_config(entry.config, name=entry.repo_id)
    pools = {on: plan(PlanRequest(
        model=spec, cluster=preset_cluster("a100-80gb-pcie", 1),
        engine=EngineSettings(vllm_version="0.10.1", gpu_memory_utilization=0.25,
                              max_model_len=16384, flashinfer_sampler=on)))
        for on in (False, True)}
    assert pools[False].activation_bytes_per_gpu == 1_497_628_672
    assert abs(pools[True].kv_cache_bytes_per_gpu / GIB - 5.01) <= 0.05 * 5.01
    assert pools[True].activation_bytes_per_gpu / GIB == pytest.approx(0.58, abs=0.01)


def test_sliding_need_counts_max_in_flight_tokens_from_the_0_26_wheel():
    # kv_cache_interface.py SlidingWindowSpec.max_admission_blocks_per_request: window - 1 +
    # max_num_batched_tokens up to 0.25.0, window - 1 + max_in_flight_tokens from 0.26.0, =
    # max_concurrent_batches x batched tokens (config/vllm.py; async scheduling on):
    # V1 runner 2 at PP 1 and pp above, V2 runner pp + 1
    assert not vllm_rules("0.25.0").in_flight_window
    assert vllm_rules("0.26.0").in_flight_window
    assert window_batched_tokens(False, "v2", 4, 8192) == 8192
    assert window_batched_tokens(True, "v1", 1, 8192) == 2 * 8192
    assert window_batched_tokens(True, "v1", 4, 8192) == 4 * 8192
    assert window_batched_tokens(True, "v2", 1, 8192) == 2 * 8192
    assert window_batched_tokens(True, "v2", 4, 8192) == 5 * 8192


@pytest.mark.parametrize(("version", "pp", "per_request"), [
    # gpt-oss-20b: 24 layers alternating sliding (window 128) / full, 16-token blocks,
    # max_model_len 131,072, 8,192 batched tokens (H100 default); one full and one sliding
    # group on every stage. Full group: 131,072 / 16 = 8,192 blocks. Sliding group:
    # 0.25.0: cdiv(min(127 + 8,192, 131,072), 16) + 1 = cdiv(8,319, 16) + 1 = 521 -> 8,713
    ("0.25.0", 1, 8192 + 521),
    ("0.25.0", 4, 8192 + 521),
    # 0.26.0, V1 runner (MoE, not listed): PP 1 -> 2 batches, cdiv(127 + 16,384, 16) + 1
    # = 1,032 + 1; PP 4 -> 4 batches, cdiv(127 + 32,768, 16) + 1 = 2,056 + 1
    ("0.26.0", 1, 8192 + 1033),
    ("0.26.0", 4, 8192 + 2057),
    # 0.29.0, V2 runner for every model: PP 4 -> 5 batches, cdiv(127 + 40,960, 16) + 1
    # = 2,568 + 1
    ("0.29.0", 4, 8192 + 2569),
])
def test_gpt_oss_20b_sliding_need_per_release_and_pp(version, pp, per_request):
    spec = catalog_spec("openai/gpt-oss-20b")
    p = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", pp),
                         layout=ParallelLayout(pp=pp),
                         engine=EngineSettings(vllm_version=version)))
    assert p.max_concurrency == pytest.approx(p.num_gpu_blocks / per_request)
    # from 0.20.1 vLLM reports int(concurrency x max_model_len) KV tokens
    assert p.kv_cache_tokens == int(p.num_gpu_blocks / per_request * 131072)


def _scout_tp4(version: str, max_model_len: int):
    """Llama-4-Scout (catalog) planned on 4 H100s at TP 4."""
    spec = catalog_spec("meta-llama/Llama-4-Scout-17B-16E-Instruct")
    return plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 4),
                            layout=ParallelLayout(tp=4),
                            engine=EngineSettings(vllm_version=version,
                                                  max_model_len=max_model_len)))


@pytest.mark.parametrize(("version", "max_model_len", "per_request"), [
    # Llama-4-Scout: 48 layers, every 4th global, 36 chunked (attention_chunk_size 8,192) ->
    # 4 groups of 12 layers, 16-token blocks, 8,192 batched tokens (H100 default).
    # ChunkedLocalAttentionSpec: cdiv(min(chunk + T, max_model_len), block), no +1 block.
    # The llm-d v0.19.0 log (TP 4, 8,192 tokens): 91,495 blocks at 44.68x -> 2,048 blocks per
    # request = 512 full + 3 x cdiv(min(8,192 + 8,192, 8,192), 16) = 512 + 3 x 512
    ("0.19.0", 8192, 512 + 3 * 512),
    # 0.33.0 (Model Runner V2, PP 1: T = 2 x 8,192 in flight), 131,072 tokens:
    # 8,192 full + 3 x cdiv(8,192 + 16,384, 16) = 8,192 + 3 x 1,536
    ("0.33.0", 131072, 8192 + 3 * 1536),
])
def test_llama4_chunked_layers_hold_chunk_plus_batched_tokens(version, max_model_len,
                                                               per_request):
    p = _scout_tp4(version, max_model_len)
    assert p.max_concurrency == pytest.approx(p.num_gpu_blocks / per_request)


@pytest.mark.parametrize(("version", "layers_per_block", "per_request"), [
    # 0.11.0-0.13.0: VLLM_ALLOW_CHUNKED_LOCAL_ATTN_WITH_HYBRID_KV_CACHE defaults to 0, so a
    # model with attention_chunk_size runs without the hybrid KV cache manager and
    # unify_hybrid_kv_cache_specs makes every chunked layer full attention: one group of 48
    # layers, 131,072 / 16 = 8,192 blocks per request
    ("0.11.0", 48, 8192),
    ("0.13.0", 48, 8192),
    # 0.14.0 (the default flips to 1): 4 groups of 12; 8,192 full + 3 chunked groups x
    # cdiv(min(8,192 + 8,192, 131,072), 16) = 1,024
    ("0.14.0", 12, 8192 + 3 * 1024),
])
def test_llama4_chunked_layers_are_full_attention_before_0_14(version, layers_per_block,
                                                              per_request):
    p = _scout_tp4(version, 131072)
    # Scout: 8 KV heads / TP 4 = 2 per rank, head_dim 128, bf16: 2 x 2 x 128 x 2 = 1,024 B
    # per token per layer; a 16-token block of `layers_per_block` layers
    assert p.num_gpu_blocks == p.kv_cache_bytes_per_gpu // (layers_per_block * 16 * 1024)
    assert p.max_concurrency == pytest.approx(p.num_gpu_blocks / per_request)
