"""--moe-backend: vLLM's flag reaches EngineSettings.moe_backend and the `vllm serve` command, a
value the targeted release's parser refuses stops in one line (exit 2), and flashinfer_b12x on
vLLM 0.25-0.28 subtracts the MoE workspace it allocates per layer in the profile run.

The workspace figure is worked by hand below from the allocation code (vLLM 0.25.1
fused_moe/experts/flashinfer_b12x_moe.py FlashInferB12xExperts._ensure_wrapper; FlashInfer
0.6.13 fused_moe/cute_dsl/b12x_moe.py B12xMoEWrapper._allocate_buffers, blackwell_sm12x/
moe_dispatch.py allocate_sm120_static_workspace / allocate_sm120_dynamic_workspace) and
nvidia/Qwen3.6-35B-A3B-NVFP4's config (../shared/model-configs: 40 layers, every one MoE,
hidden_size 2,048, num_experts 256, num_experts_per_tok 8, moe_intermediate_size 512), at the
issue-49476 start-up's --max-num-batched-tokens 8192 on one RTX PRO 6000 (TP=1).
"""

import json
import shlex

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.moe_backend import b12x_workspace_bytes
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import command_problems, vllm_cli
from tests.cli.conftest import run_main as _run

QWEN36 = ("--model", "nvidia/Qwen3.6-35B-A3B-NVFP4", "--trust-remote-code",
          "--gpu", "rtx-pro-6000", "--max-model-len", "180224", "--max-num-batched-tokens",
          "8192", "--max-num-seqs", "8", "--kv-cache-dtype", "fp8",
          "--gpu-memory-utilization", "0.92", "--skip-mm-profiling")

# routed rows R = 8,192 tokens x top-8 = 65,536 > 640 (FlashInfer's static cutover): the
# wrapper holds a static workspace for 640 rows and a dynamic one for all 65,536.
E, K = 256, 2048
STATIC = (E * 4                      # row_counts
          + 2 * E * 640 * 4          # token_map, token_weights (int32, fp32)
          + E * 640 * (K // 2)       # packed_input: FP4, two per byte
          + E * 640 * (K // 16)      # packed_input_scale: 640 rows (a multiple of 128) x 128
          + 3 * 4                    # barrier_count, barrier_epoch, active_expert_count
          + 2 * E * 4                # weight_expert_ids, global_to_local_expert
          + 640 * 4)                 # compact_topk_ids: max(256, 640)
TILES = 65_536 // 128 + 256 - 1     # base tiles + one tail tile per expert, less one = 767
TASKS = TILES * (512 // 128)        # x gate tiles of the 512-wide intermediate = 3,068
DYNAMIC = (2 * E * 4                 # row_counts, expert_write_rows
           + (E + 1) * 4             # expert_tile_base
           + 2 * TILES * 128 * 4     # token_map, token_weights over 98,176 padded rows
           + TILES * 128 * (K // 2)  # packed_input
           + TILES * 128 * (K // 16)  # packed_input_scale
           + 7 * 4                   # barriers, pair_head, producers, published, task head/tail
           + 6 * TASKS * 4           # task_ready/expert/m_tile/slice_begin/slice_count/rows
           + TILES * 4)              # tile_write_count
OUTPUT = 8192 * K * 2                # the bf16 output buffer
WORKSPACE = 40 * (STATIC + DYNAMIC + OUTPUT)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # catalog models only: no network


def test_hand_worked_parts() -> None:
    assert (STATIC, DYNAMIC, OUTPUT) == (190_060_044, 113_963_964, 33_554_432)
    assert WORKSPACE == 13_503_137_600  # 12.58 GiB
    assert b12x_workspace_bytes(256, 8, 2048, 512, 8192) == (STATIC, DYNAMIC, OUTPUT)
    # 64 tokens x top-8 = 512 rows <= 640: the static kernel alone, no dynamic workspace;
    # 8 experts, hidden 256: 32 + 32,768 + 524,288 + 8 x 512 x 16 + 12 + 64 + 2,048
    assert b12x_workspace_bytes(8, 8, 256, 128, 64) == (624_748, 0, 64 * 256 * 2)


def _plan(capsys, *flags: str) -> dict:
    code, out, err = _run(capsys, "plan", *QWEN36, "--vllm-version", "0.25.1", *flags,
                          "--json")
    assert code == 0, err
    return json.loads(out)


def test_b12x_workspace_comes_off_the_kv_cache(capsys) -> None:
    auto, b12x = _plan(capsys), _plan(capsys, "--moe-backend", "flashinfer_b12x")
    terms = {t["key"]: t for t in b12x["terms"]}
    assert terms["moe_workspace"]["value"] == WORKSPACE
    assert "moe_workspace" not in {t["key"] for t in auto["terms"]}
    assert b12x["engine"]["moe_backend"] == "flashinfer_b12x"
    assert auto["engine"]["moe_backend"] is None
    # no encoder profile (--skip-mm-profiling): the activation peak is the decoder's plus it
    act = {p["key"]: p["value"] for p in auto["terms"]}["activation"]
    assert terms["activation"]["value"] == act + WORKSPACE
    assert b12x["kv_cache_bytes_per_gpu"] == auto["kv_cache_bytes_per_gpu"] - WORKSPACE


def test_other_backends_and_other_releases_size_nothing(capsys) -> None:
    auto = _plan(capsys)
    marlin = _plan(capsys, "--moe-backend", "marlin")
    assert marlin["kv_cache_bytes_per_gpu"] == auto["kv_cache_bytes_per_gpu"]
    code, out, err = _run(capsys, "plan", *QWEN36, "--vllm-version", "0.29.0",
                          "--moe-backend", "flashinfer_b12x", "--json")
    assert code == 0, err
    later = json.loads(out)
    assert "moe_workspace" not in {t["key"] for t in later["terms"]}
    assert any("--moe-backend flashinfer_b12x" in w and "does not size it" in w
               for w in later["warnings"]), later["warnings"]


def test_the_launch_command_passes_the_backend(capsys) -> None:
    plan = _plan(capsys, "--moe-backend", "FlashInfer-B12X")  # vLLM's parser reads it so
    command = plan["vllm_command"]
    tokens = shlex.split(command)
    assert tokens[tokens.index("--moe-backend") + 1] == "flashinfer_b12x", command
    assert command_problems(command, vllm_cli("0.25.1")) == [], command
    assert "--moe-backend" not in _plan(capsys)["vllm_command"]


@pytest.mark.parametrize(("release", "said"), [
    ("0.21.0", "vLLM 0.21.0: argument --moe-backend: invalid choice: 'flashinfer_b12x' "
               "(choose from 'auto', 'triton', "),
    ("0.16.0", "vLLM 0.16.0: unrecognized arguments: --moe-backend (the flag arrives in vLLM "
               "0.17.0)"),
])
def test_a_value_the_release_refuses_exits_2_in_one_line(capsys, release, said) -> None:
    code, out, err = _run(capsys, "plan", *QWEN36, "--vllm-version", release,
                          "--moe-backend", "flashinfer_b12x")
    assert code == 2 and not out
    assert said in err and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def test_b12x_refusals_in_vllm_terms(capsys) -> None:
    code, out, err = _run(capsys, "plan", "--model", "nvidia/Qwen3.6-35B-A3B-NVFP4",
                          "--trust-remote-code", "--gpu", "h100-sxm", "--vllm-version",
                          "0.25.1", "--moe-backend", "flashinfer_b12x", "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert not plan["fits"]
    assert any("runs on SM12x GPUs only" in e and "compute capability 9.0" in e
               for e in plan["errors"]), plan["errors"]


def _at_tp(capsys, release: str, tp: int) -> tuple[int, str, str]:
    return _run(capsys, "plan", "--model", "nvidia/Qwen3.6-35B-A3B-NVFP4", "--trust-remote-code",
                "--gpu", "rtx-pro-6000", "--gpus", str(tp), "--tp", str(tp), "--vllm-version",
                release, "--moe-backend", "flashinfer_b12x", "--json")


@pytest.mark.parametrize("release", ["0.25.1", "0.26.0"])
def test_b12x_needs_a_128_multiple_per_rank_on_flashinfer_0_6_13_and_0_6_14(capsys, release
                                                                           ) -> None:
    # moe_intermediate_size 512 / TP 8 = 64 per rank: FlashInfer 0.6.13 / 0.6.14
    # _get_weight_views raises "intermediate_size (64) must be a multiple of 128" on the
    # first forward, the profile run; 512 / TP 4 = 128 runs
    code, out, err = _at_tp(capsys, release, 8)
    assert code == 2 and not out
    assert "multiple of 128, here 64" in err and len(err.strip().splitlines()) == 1, err
    code, out, err = _at_tp(capsys, release, 4)
    assert code == 0, err
    assert not any("multiple of 128" in w for w in json.loads(out)["warnings"])


def test_b12x_width_is_per_moe_rank_over_tp_x_dp(capsys) -> None:
    # without EP vLLM slices the experts over tp x dp (FusedMoEParallelConfig.make): TP=4 x
    # DP=2 -> 512 / 8 = 64 per rank, refused on 0.25.1 like TP=8
    code, out, err = _run(capsys, "plan", "--model", "nvidia/Qwen3.6-35B-A3B-NVFP4",
                          "--trust-remote-code", "--gpu", "rtx-pro-6000", "--gpus", "8", "--tp",
                          "4", "--dp", "2", "--vllm-version", "0.25.1", "--moe-backend",
                          "flashinfer_b12x", "--json")
    assert code == 2 and not out
    assert "multiple of 128, here 64" in err and len(err.strip().splitlines()) == 1, err


def test_b12x_pads_an_odd_width_on_flashinfer_0_6_16_and_says_it_is_not_sized(capsys) -> None:
    # vLLM 0.27's FlashInfer 0.6.16.post3 pads 64 to 128 and keeps the padded weights
    code, out, err = _at_tp(capsys, "0.27.0", 8)
    assert code == 0, err
    warnings = json.loads(out)["warnings"]
    assert any("intermediate size per TP rank of 64 to a multiple of 128" in w
               and "does not size it" in w for w in warnings), warnings
    code, out, err = _at_tp(capsys, "0.27.0", 4)
    assert not any("multiple of 128" in w for w in json.loads(out)["warnings"])


def test_b12x_with_an_unquantized_mtp_draft_is_refused(capsys) -> None:
    # hf_quant_config.json exclude_modules "mtp*": the draft's experts stay 16-bit, and vLLM
    # 0.25.1's unquantized MoE oracle maps only triton / flashinfer_trtllm /
    # flashinfer_cutlass / aiter (map_unquantized_backend), so it raises at start-up
    plan = _plan(capsys, "--moe-backend", "flashinfer_b12x", "--num-speculative-tokens", "1")
    assert not plan["fits"]
    assert any("not supported for unquantized MoE" in e for e in plan["errors"]), plan["errors"]
    assert _plan(capsys, "--num-speculative-tokens", "1")["fits"]  # auto maps it


def test_b12x_counts_a_quantized_mtp_drafts_experts() -> None:
    # the same model with its draft quantized too: the draft's MoE layer (a copy of the last
    # layer's: 256 experts, top-8, 2,048 x 512) builds one more wrapper in the profile run
    # (gpu_model_runner._dummy_run -> drafter.dummy_run): 41 x 337,578,440 B
    spec = catalog_spec("nvidia/Qwen3.6-35B-A3B-NVFP4")
    spec = spec.model_copy(update={"quant": spec.quant.model_copy(
        update={"excluded_modules": ()})})

    def workspace(tokens: int) -> int:
        p = plan(PlanRequest(model=spec, cluster=preset_cluster("rtx-pro-6000", 1),
                             layout=ParallelLayout(), engine=EngineSettings(
                                 vllm_version="0.25.1", moe_backend="flashinfer_b12x",
                                 max_num_batched_tokens=8192, max_num_seqs=8,
                                 num_speculative_tokens=tokens, trust_remote_code=True)))
        assert p.fits, p.errors
        return {t.key: t.value for t in p.terms}["moe_workspace"]

    assert STATIC + DYNAMIC + OUTPUT == 337_578_440
    assert workspace(0) == WORKSPACE
    assert workspace(2) == 41 * 337_578_440  # one draft layer, whatever the draft tokens


def test_the_speed_says_an_explicit_backend_is_not_modelled(capsys) -> None:
    # the speed model times the routed experts as the kernel vLLM picks itself
    # (speed.kernels.moe_kernel: Marlin MoE for this W4A16 NVFP4 checkpoint on 12.0), so it
    # says so where --moe-backend names one; not on auto, nor on a model without experts
    said = "--moe-backend flashinfer_b12x is not modelled in the speed"
    assert any(said in n for n in _plan(capsys, "--moe-backend", "flashinfer_b12x")["speed"]
               ["notes"])
    assert not any("is not modelled in the speed" in n for n in _plan(capsys)["speed"]["notes"])
    code, out, err = _run(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-pro-6000",
                          "--vllm-version", "0.25.1", "--moe-backend", "marlin", "--json")
    assert code == 0, err
    assert not any("is not modelled in the speed" in n for n in json.loads(out)["speed"]["notes"])


def test_b12x_on_an_amd_gpu_is_refused(capsys) -> None:
    # FlashInferB12xExperts._supports_current_device: current_platform.is_cuda() first, so
    # ROCm's MoE oracle raises for the explicit backend (vLLM 0.25.1 wheel)
    code, out, err = _run(capsys, "plan", "--model", "nvidia/Qwen3.6-35B-A3B-NVFP4",
                          "--trust-remote-code", "--gpu", "mi300x", "--vllm-version", "0.25.1",
                          "--moe-backend", "flashinfer_b12x", "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert not plan["fits"]
    assert any("NVIDIA SM12x GPUs only" in e for e in plan["errors"]), plan["errors"]


@pytest.mark.parametrize("release", ["0.23.0", "0.30.0", "0.33.0"])
def test_b12x_off_sm12x_is_refused_on_every_release_with_it(capsys, release) -> None:
    # FlashInferB12xExperts._supports_current_device (is_device_capability_family(120)) and
    # select_nvfp4_moe_backend's raise for an explicit backend are in the 0.22.0-0.33.0 wheels,
    # not only where the workspace is sized
    code, out, err = _run(capsys, "plan", "--model", "nvidia/Qwen3.6-35B-A3B-NVFP4",
                          "--trust-remote-code", "--gpu", "h100-sxm", "--vllm-version", release,
                          "--moe-backend", "flashinfer_b12x", "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert not plan["fits"]
    assert any("runs on SM12x GPUs only" in e for e in plan["errors"]), plan["errors"]


@pytest.mark.parametrize(("release", "refused"), [("0.24.0", False), ("0.30.0", True)])
def test_b12x_with_ep_is_refused_from_0_25(capsys, release, refused) -> None:
    # _supports_parallel_config: True in 0.22.0-0.24.0, `not use_ep` in 0.25.0-0.33.0
    code, out, err = _run(capsys, "plan", "--model", "nvidia/Qwen3.6-35B-A3B-NVFP4",
                          "--trust-remote-code", "--gpu", "rtx-pro-6000", "--gpus", "2", "--tp",
                          "2", "--ep", "--vllm-version", release, "--moe-backend",
                          "flashinfer_b12x", "--json")
    assert (code == 2) is refused, err
    assert ("does not run with expert parallelism" in err) is refused, err


def test_flydsl_is_in_the_parser_from_0_24(capsys) -> None:
    # config/kernel.py MoEBackend lists "flydsl" from the 0.24.0 wheel (vllm_cli fixtures)
    code, out, err = _run(capsys, "plan", "--model", "Qwen/Qwen3-30B-A3B", "--gpu", "mi300x",
                          "--vllm-version", "0.23.0", "--moe-backend", "flydsl")
    assert code == 2 and not out
    assert "argument --moe-backend: invalid choice: 'flydsl'" in err
    assert len(err.strip().splitlines()) == 1, err


def _backend_request(model: str, gpu, release: str, quant: str | None = None,
                    backend: str = "flydsl") -> PlanRequest:
    """`model` (or its what-if `quant`) on one `gpu` (a preset key or a GpuSpec) with
    --moe-backend `backend` on vLLM `release`."""
    from planner.serving.hardware import ClusterSpec, NodeSpec

    cluster = (preset_cluster(gpu, 1) if isinstance(gpu, str) else
               ClusterSpec(nodes=(NodeSpec(gpu=gpu, gpus_per_node=1, intra_node_link="pcie"),),
                           source="test"))
    return PlanRequest(model=catalog_spec(model), cluster=cluster, layout=ParallelLayout(),
                       engine=EngineSettings(max_model_len=4096, vllm_version=release,
                                             moe_backend=backend, target_quant=quant))


def _backend_plan(model: str, gpu, release: str, quant: str | None = None, backend: str = "flydsl"):
    return plan(_backend_request(model, gpu, release, quant, backend))


def test_flydsl_runs_compressed_tensors_int4_g32_experts_on_gfx950_only() -> None:
    # compressed_tensors_moe.py get_moe_method (0.24.0-0.33.0): on ROCm, int4 in groups of 32,
    # no LoRA, on_gfx950() and moe_backend == "flydsl" -> CompressedTensorsW4A16FlydslMoEMethod.
    # Every MoE oracle's map_*_backend lacks "flydsl" and raises "moe_backend='flydsl' is not
    # supported for <kind> MoE." (0.24.0-0.33.0); compressed-tensors int experts off that
    # branch reach oracle/int_wna16.py from 0.27.0. Qwen3-30B-A3B (128 experts) on one GPU.
    from planner.serving.hardware import custom_gpu

    gfx950 = custom_gpu(288 * 1024**3, "AMD Instinct MI355X", vendor="amd",
                        compute_capability="gfx950")
    assert _backend_plan("Qwen/Qwen3-30B-A3B", gfx950, "0.33.0", "w4a16-ct-g32").errors == []
    (error,) = _backend_plan("Qwen/Qwen3-30B-A3B", "mi300x", "0.33.0", "w4a16-ct-g32").errors
    assert error.startswith("vLLM 0.33.0: moe_backend='flydsl' is not supported for WNA16 MoE "
                            "(fused_moe/oracle/int_wna16.py raises at start-up)")
    # group 128 on gfx950 leaves the FlyDSL branch too
    (error,) = _backend_plan("Qwen/Qwen3-30B-A3B", gfx950, "0.27.0", "w4a16-ct-g128").errors
    assert "not supported for WNA16 MoE" in error
    # 0.24.0-0.26.0's CompressedTensorsWNA16MoEMethod does not ask that oracle: not refused
    assert _backend_plan("Qwen/Qwen3-30B-A3B", "mi300x", "0.26.0", "w4a16-ct-g32").errors == []
    # 16-bit, FP8 and MXFP4 experts on any GPU, AMD or NVIDIA
    for model, gpu, kind in (("Qwen/Qwen3-30B-A3B", "h100-sxm", "unquantized"),
                             ("Qwen/Qwen3-30B-A3B", gfx950, "unquantized"),
                             ("Qwen/Qwen3-30B-A3B-FP8", "mi300x", "FP8"),
                             ("openai/gpt-oss-20b", "mi300x", "MXFP4")):
        (error,) = _backend_plan(model, gpu, "0.24.0").errors
        assert f"moe_backend='flydsl' is not supported for {kind} MoE" in error, error
    # vLLM reads --moe-backend for MoE layers only
    assert _backend_plan("Qwen/Qwen3-8B", "mi300x", "0.33.0").errors == []


def test_flydsl_experts_are_named_and_timed_as_flydsl_not_moe_wna16() -> None:
    # where FlyDSL builds the experts (CompressedTensorsW4A16FlydslMoEMethod, gfx950) there is
    # no Triton MoE WNA16 fallback: no such warning, the speed model's flydsl-moe (default MoE
    # figures) instead of moe-wna16 x 1.5. An MI300X's figures with gfx950 as its target
    # stand in for a gfx950 GPU (no preset); on the MI300X itself (gfx942) 0.26.0 takes the
    # flag and the experts stay on MoE WNA16 (Marlin MoE is False on ROCm)
    from planner.serving.hardware import gpu_preset
    from planner.serving.speed import estimate_speed

    gfx950 = gpu_preset("mi300x").model_copy(update={"compute_capability": "gfx950"})
    for gpu, kernel in ((gfx950, "flydsl-moe"), ("mi300x", "moe-wna16")):
        result = _backend_plan("Qwen/Qwen3-30B-A3B", gpu, "0.26.0", "w4a16-ct-g32")
        assert result.errors == []
        assert any("MoE WNA16 (Triton) kernel" in w for w in result.warnings) is (
            kernel == "moe-wna16")
        assert any(w.startswith("--moe-backend flydsl: vLLM builds") for w in result.warnings) \
            is (kernel == "flydsl-moe")
        request = _backend_request("Qwen/Qwen3-30B-A3B", gpu, "0.26.0", "w4a16-ct-g32")
        text = " ".join(t.formula for t in estimate_speed(request).terms)
        assert f"MoE kernel {kernel}" in text, text
        assert ("WNA16 fallback" in text) is (kernel == "moe-wna16")


def test_marlin_is_refused_where_no_marlin_moe_serves_the_experts() -> None:
    # MarlinExperts._supports_current_device: is_cuda() and capability >= 7.5 (0.17.0-0.33.0
    # wheels); fp8.py / nvfp4.py (0.17.0 on), mxfp4.py (0.19.0 on) and int_wna16.py map
    # "marlin" to it, so on ROCm the oracle raises. unquantized.py never maps it: refused on
    # every GPU up to 0.32.x; 0.33.0 skips it (`not in ["auto", "humming", "marlin"]`). int8.py
    # (0.20.0 on) maps triton and humming only.
    (error,) = _backend_plan("Qwen/Qwen3-30B-A3B", "h100-sxm", "0.32.0", backend="marlin").errors
    assert error.startswith("vLLM 0.32.0: moe_backend='marlin' is not supported for "
                            "unquantized MoE (fused_moe/oracle/unquantized.py")
    assert _backend_plan("Qwen/Qwen3-30B-A3B", "h100-sxm", "0.33.0", backend="marlin").fits
    (error,) = _backend_plan("Qwen/Qwen3-30B-A3B", "h100-sxm", "0.27.0", "w8a8-int8",
                       backend="marlin").errors
    assert "not supported for Int8 MoE (fused_moe/oracle/int8.py" in error
    for model, release, kind in (("Qwen/Qwen3-30B-A3B-FP8", "0.17.0", "FP8"),
                                 ("openai/gpt-oss-20b", "0.19.0", "MXFP4")):
        (error,) = _backend_plan(model, "mi300x", release, backend="marlin").errors
        assert error == (f"vLLM {release}: --moe-backend marlin asks for Marlin's MoE, which "
                         "runs on CUDA GPUs of compute capability 7.5 or more only, not on an "
                         f"AMD GPU (ROCm): the {kind} MoE oracle (fused_moe/oracle/"
                         f"{kind.lower()}.py) raises at start-up")
        assert _backend_plan(model, "h100-sxm", release, backend="marlin").errors == []
    # 0.18.0's MXFP4 path (quantization/mxfp4.py) does not read --moe-backend: not refused
    assert _backend_plan("openai/gpt-oss-20b", "mi300x", "0.18.0", backend="marlin").errors == []


def _errors(model: str, gpu, release: str, backend: str, quant: str | None = None) -> list[str]:
    return list(_backend_plan(model, gpu, release, quant, backend).errors)


def test_a_value_the_experts_oracle_does_not_map_is_refused_with_its_list() -> None:
    # fused_moe/oracle/unquantized.py map_unquantized_backend: the dict's keys are triton,
    # flashinfer_trtllm, flashinfer_cutlass, aiter in the 0.17.0-0.26.0 wheels, batched_triton
    # after triton from 0.27.0; "cutlass" is in neither: ValueError "moe_backend='cutlass' is not
    # supported for unquantized MoE. Expected one of [...]" before any platform choice
    for release, listed in (("0.26.0", "triton, flashinfer_trtllm, flashinfer_cutlass, aiter"),
                            ("0.27.0", "triton, batched_triton, flashinfer_trtllm, "
                                       "flashinfer_cutlass, aiter")):
        assert _errors("Qwen/Qwen3-30B-A3B", "h100-sxm", release, "cutlass") == [
            f"vLLM {release}: moe_backend='cutlass' is not supported for unquantized MoE "
            f"(fused_moe/oracle/unquantized.py raises at start-up): vLLM expects one of {listed}"]
    # oracle/int8.py map_int8_backend (0.25.0 on): triton, humming; "hpc" (FP8 and Hopper only)
    (error,) = _errors("Qwen/Qwen3-30B-A3B", "h100-sxm", "0.25.0", "hpc", "w8a8-int8")
    assert error.endswith("not supported for Int8 MoE (fused_moe/oracle/int8.py raises at "
                          "start-up): vLLM expects one of triton, humming"), error
    # oracle/mxfp4.py map_mxfp4_backend has no "deep_gemm" in 0.19.0, has it from 0.20.0
    # (whose DeepGemmFP4Experts runs on a B200, compute capability 10.0)
    assert any("moe_backend='deep_gemm' is not supported for MXFP4 MoE" in e for e in
               _errors("openai/gpt-oss-20b", "h100-sxm", "0.19.0", "deep_gemm"))
    assert not any("deep_gemm" in e for e in
                   _errors("openai/gpt-oss-20b", "b200", "0.20.0", "deep_gemm"))
    # a dense model has no MoE layer for the flag to reach
    assert _errors("Qwen/Qwen3-8B", "h100-sxm", "0.26.0", "cutlass") == []


def test_cuda_only_values_on_amd_and_rocm_only_values_on_nvidia() -> None:
    # oracle/fp8.py maps flashinfer_cutlass and aiter (0.17.0-0.33.0). FlashInferExperts.
    # _supports_current_device starts with is_cuda(); AiterExperts asks rocm_aiter_ops.
    # is_fused_moe_enabled, None off ROCm gfx9 (_aiter_ops.py if_aiter_supported): the other
    # vendor's GPU fails _return_or_raise's kernel check, which raises at start-up
    fp8 = "Qwen/Qwen3-30B-A3B-FP8"
    assert _errors(fp8, "mi300x", "0.25.0", "flashinfer_cutlass") == [
        "vLLM 0.25.0: --moe-backend flashinfer_cutlass asks for FlashInfer's CUTLASS MoE, which "
        "runs on CUDA GPUs only, not on an AMD GPU (ROCm): the FP8 MoE oracle "
        "(fused_moe/oracle/fp8.py) raises at start-up"]
    assert _errors(fp8, "h100-sxm", "0.25.0", "aiter") == [
        "vLLM 0.25.0: --moe-backend aiter asks for AITER's MoE, which runs on AMD GPUs (ROCm) "
        "only, not on an NVIDIA GPU (CUDA): the FP8 MoE oracle (fused_moe/oracle/fp8.py) raises "
        "at start-up"]
    assert _errors(fp8, "h100-sxm", "0.25.0", "flashinfer_cutlass") == []
    assert _errors(fp8, "mi300x", "0.25.0", "aiter") == []
    # triton (TritonExperts: is_cuda_alike()) runs on both
    assert _errors(fp8, "mi300x", "0.25.0", "triton") == []
    # humming: HummingExpertsBase is_cuda() and capability >= 7.5, mapped by fp8.py from 0.25.0
    (error,) = _errors(fp8, "mi300x", "0.25.0", "humming")
    assert "asks for Humming's MoE, which runs on CUDA GPUs of compute capability 7.5 or more " \
           "only, not on an AMD GPU (ROCm)" in error


def test_rdna3_runs_on_gfx1100_only() -> None:
    # oracle/int_wna16.py map_wna16_backend takes "rdna3" from 0.30.0 (not 0.27.0-0.29.0);
    # Rdna3WNA16Experts needs rdna3_moe_kernel_available: is_rocm() and on_gfx1100()
    (error,) = _errors("Qwen/Qwen3-30B-A3B", "mi300x", "0.30.0", "rdna3", "w4a16-ct-g128")
    assert error == ("vLLM 0.30.0: --moe-backend rdna3 asks for vLLM's RDNA3 W4A16 MoE, which "
                     "runs on AMD gfx1100 GPUs (ROCm) only, not on gfx942: the WNA16 MoE oracle "
                     "(fused_moe/oracle/int_wna16.py) raises at start-up")
    (error,) = _errors("Qwen/Qwen3-30B-A3B", "h100-sxm", "0.30.0", "rdna3", "w4a16-ct-g128")
    assert "not on an NVIDIA GPU (CUDA)" in error


def test_the_unquantized_oracle_skips_humming_from_0_25_to_auto() -> None:
    # oracle/unquantized.py: `runner_backend not in ["auto", "humming"]` from the 0.25.0 wheel,
    # so 16-bit experts with --moe-backend humming run as under auto (a note, no refusal);
    # 0.24.0 maps it and lacks it: refused
    result = _backend_plan("Qwen/Qwen3-30B-A3B", "h100-sxm", "0.25.0", None, "humming")
    assert result.errors == []
    assert any(w.startswith("--moe-backend humming: these experts are 16-bit") and "skips "
               "'humming'" in w for w in result.warnings), result.warnings
    (error,) = _errors("Qwen/Qwen3-30B-A3B", "h100-sxm", "0.24.0", "humming")
    assert "moe_backend='humming' is not supported for unquantized MoE" in error


def test_the_cli_names_the_refusal(capsys) -> None:
    code, out, err = _run(capsys, "plan", "--model", "Qwen/Qwen3-30B-A3B-FP8", "--gpu", "mi300x",
                          "--vllm-version", "0.25.0", "--moe-backend", "flashinfer-cutlass")
    assert code == 0, err
    assert ("Does not fit: vLLM 0.25.0: --moe-backend flashinfer_cutlass asks for FlashInfer's "
            "CUTLASS MoE, which runs on CUDA GPUs only") in out, out


def test_aiter_on_amd_needs_vllm_rocm_use_aiter() -> None:
    # AiterExperts._supports_current_device: rocm_aiter_ops.is_fused_moe_enabled(), from
    # VLLM_ROCM_USE_AITER (default "False") and VLLM_ROCM_USE_AITER_MOE (default "True");
    # Headroom's command sets no such variable: a note on AMD, the refusal on NVIDIA instead
    for model, kind in (("Qwen/Qwen3-30B-A3B-FP8", "FP8"), ("Qwen/Qwen3-30B-A3B", "unquantized")):
        result = _backend_plan(model, "mi300x", "0.25.0", None, "aiter")
        assert result.errors == []
        assert any(w.startswith("--moe-backend aiter: vLLM 0.25.0 runs AITER's MoE only with "
                                "VLLM_ROCM_USE_AITER=1") and f"the {kind} MoE oracle" in w
                   for w in result.warnings), result.warnings
    nvidia = _backend_plan("Qwen/Qwen3-30B-A3B-FP8", "h100-sxm", "0.25.0", None, "aiter")
    assert not any("VLLM_ROCM_USE_AITER" in w for w in nvidia.warnings)


@pytest.mark.parametrize(("gpu", "release", "refused", "backend"), [
    # OAI Triton MoE's device check: CUDA (9, 0) <= capability < (11, 0) up to 0.31,
    # < (13, 0) from 0.32; ROCm the same window in 0.19-0.21 (gfx1100 reads 11.0), gfx90a/942/
    # 950 and gfx11/gfx12 from 0.22. A100 8.0, H100 9.0, B200 10.0, RTX PRO 6000 12.0
    ("a100-80gb", "0.25.0", "compute capability 8.0", "triton"),
    ("h100-sxm", "0.25.0", None, "triton"), ("b200", "0.19.0", None, "triton"),
    ("rtx-pro-6000", "0.31.0", "compute capability 12.0", "triton"),
    ("rtx-pro-6000", "0.32.0", None, "triton"), ("gfx1100", "0.21.0", "gfx1100", "triton"),
    ("gfx1100", "0.22.0", None, "triton"), ("gfx1030", "0.22.0", "gfx1030", "triton"),
    # triton_unfused (0.20 on) -> TRITON_UNFUSED -> UnfusedOAITritonExperts, whose device check
    # is BaseOAITritonExperts' (the same window): RTX 3090 8.6 refused, as A100 is
    ("rtx-3090", "0.34.0", "compute capability 8.6", "triton_unfused"),
    ("h100-sxm", "0.34.0", None, "triton_unfused"), ("b200", "0.20.0", None, "triton_unfused"),
    ("rtx-pro-6000", "0.31.0", "compute capability 12.0", "triton_unfused"),
    ("rtx-pro-6000", "0.32.0", None, "triton_unfused"),
    ("gfx1030", "0.22.0", "gfx1030", "triton_unfused"),
])
def test_triton_for_gpt_oss_runs_where_the_oai_triton_moe_does(gpu, release, refused,
                                                               backend) -> None:
    from planner.serving.hardware import gpu_preset

    target = (gpu_preset("mi300x").model_copy(update={"compute_capability": gpu})
              if gpu.startswith("gfx") else gpu)
    said = [e for e in _backend_plan("openai/gpt-oss-20b", target, release, None,
                                     backend).errors if "Triton MoE" in e]
    if refused is None:
        assert said == [], said
    else:
        assert said == [f"vLLM {release}: --moe-backend {backend} asks for OpenAI's Triton MoE for "
                        f"these MXFP4 experts, which does not run on {refused}: the MXFP4 MoE "
                        "oracle (fused_moe/oracle/mxfp4.py) raises at start-up; leave the MoE "
                        "backend to vLLM (auto)"], said


def test_flashinfer_trtllm_and_cutedsl_run_on_sm100_only() -> None:
    # TrtLlm*Experts and FlashInferCuteDSLExperts: is_cuda() and
    # is_device_capability_family(100) (0.17.0-0.33.0 wheels): an H100 (9.0) and an RTX PRO
    # 6000 (12.0) are refused, a B200 (10.0) runs them
    for gpu, cc in (("h100-sxm", "9.0"), ("rtx-pro-6000", "12.0")):
        assert _errors("Qwen/Qwen3-30B-A3B-FP8", gpu, "0.25.0", "flashinfer_trtllm") == [
            "vLLM 0.25.0: --moe-backend flashinfer_trtllm asks for FlashInfer's TRT-LLM MoE, "
            f"which runs on compute capability 10.x (B200, B300) only, not on compute "
            f"capability {cc}: the FP8 MoE oracle (fused_moe/oracle/fp8.py) raises at start-up"]
    assert _errors("Qwen/Qwen3-30B-A3B-FP8", "b200", "0.25.0", "flashinfer_trtllm") == []
    # 16-bit experts: TrtLlmBf16Experts from 0.20.0; 0.19.0's unquantized oracle checks
    # FlashInfer TRT-LLM its own way (not this rule)
    assert _errors("Qwen/Qwen3-30B-A3B", "h100-sxm", "0.20.0", "flashinfer_trtllm")
    assert _errors("Qwen/Qwen3-30B-A3B", "h100-sxm", "0.19.0", "flashinfer_trtllm") == []
    (error,) = _errors("nvidia/Qwen3.6-35B-A3B-NVFP4", "h100-sxm", "0.25.0", "flashinfer_cutedsl")
    assert "asks for FlashInfer's CuteDSL MoE, which runs on compute capability 10.x" in error


def test_cutlass_for_nvfp4_experts_runs_on_sm100_and_sm12x_and_on_sm110_until_0_34() -> None:
    # oracle/nvfp4.py map_nvfp4_backend: "cutlass" -> VLLM_CUTLASS -> [CutlassExpertsFp4], whose
    # _supports_current_device is is_cuda() and is_device_capability_family(100), (110) or (120)
    # in the 0.17.0-0.33.0 wheels; the 0.34.0 wheel drops 110 ("SM110 excluded: grouped NVFP4
    # kernel is sm100-only"). The device check comes first in is_supported_config, so the
    # oracle raises "NvFp4 MoE backend 'VLLM_CUTLASS' does not support the deployment
    # configuration since kernel does not support current device cuda." on an H100 (9.0) at
    # both releases and on an 11.0 GPU (Jetson Thor; a custom GPU here) from 0.34.0 only.
    from planner.serving.hardware import custom_gpu

    nvfp4 = "nvidia/Qwen3.6-35B-A3B-NVFP4"
    for release, families in (("0.33.0", "10.x, 11.x or 12.x"), ("0.34.0", "10.x or 12.x")):
        assert _errors(nvfp4, "h100-sxm", release, "cutlass") == [
            f"vLLM {release}: --moe-backend cutlass asks for vLLM's CUTLASS MoE, which runs on "
            f"compute capability {families} only, not on compute capability 9.0: the NvFP4 MoE "
            "oracle (fused_moe/oracle/nvfp4.py) raises at start-up"]
        for gpu in ("b200", "rtx-pro-6000"):
            assert _errors(nvfp4, gpu, release, "cutlass") == [], (gpu, release)
    thor = custom_gpu(128 * 1024**3, "NVIDIA Thor", compute_capability="11.0")
    assert _errors(nvfp4, thor, "0.33.0", "cutlass") == []
    assert _errors(nvfp4, thor, "0.34.0", "cutlass") == [
        "vLLM 0.34.0: --moe-backend cutlass asks for vLLM's CUTLASS MoE, which runs on compute "
        "capability 10.x or 12.x only, not on compute capability 11.0: the NvFP4 MoE oracle "
        "(fused_moe/oracle/nvfp4.py) raises at start-up"]


@pytest.mark.parametrize(("typed", "read"), [("-", "_"), ("NaN", "nan")])
def test_a_refused_value_is_echoed_as_typed_and_as_read(capsys, typed, read) -> None:
    # vLLM's parser lower-cases it and reads '-' as '_', and refuses what it read: the line
    # said only "invalid choice: '_'", which is not what was typed
    code, out, err = _run(capsys, "plan", *QWEN36, "--moe-backend", typed)
    assert code == 2 and not out and len(err.strip().splitlines()) == 1, err
    assert (f"error: --moe-backend {typed!r} is read as {read!r} (lower case, '-' as '_', as "
            f"vLLM's parser reads it): vLLM 0.34.0: argument --moe-backend: invalid choice: "
            f"{read!r} (choose from 'auto', ") in err, err


def _gpt_oss(capsys, gpu: str, release: str, *flags: str) -> dict:
    code, out, err = _run(capsys, "plan", "--model", "openai/gpt-oss-20b", "--gpu", gpu,
                          "--vllm-version", release, "--max-model-len", "8192", *flags, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize(("gpu", "release", "backend", "cc"), [
    ("a100-80gb", "0.25.0", "triton", "8.0"), ("rtx-3090", "0.34.0", "triton_unfused", "8.6")])
def test_a_refused_triton_plan_names_no_kernel_beside_the_refusal(capsys, gpu, release, backend,
                                                                  cc) -> None:
    # --moe-backend triton / triton_unfused puts gpt-oss's experts on OpenAI's Triton MoE
    # (mxfp4.mxfp4_moe_kernel_of), which does not run below 9.0 (BaseOAITritonExperts'
    # _supports_current_device): the plan is refused and sized for that kernel. The default
    # plan's note names Marlin, which runs there; the refused one names no kernel, neither
    # Marlin (not asked for) nor Triton (does not run).
    auto, named = _gpt_oss(capsys, gpu, release), _gpt_oss(capsys, gpu, release,
                                                           "--moe-backend", backend)
    assert any(f"which does not run on compute capability {cc}" in e for e in named["errors"])
    assert not any(w.startswith("MXFP4 on") for w in named["warnings"]), named["warnings"]
    assert any(w.startswith(f"MXFP4 on {auto['gpu_name']} (compute capability {cc}) runs on "
                            "the Marlin MXFP4 kernel: weights stay 4-bit")
               for w in auto["warnings"]), auto["warnings"]
    # the figures beside it: the refused plan's experts are Triton's (width to 64: 2,880 as
    # is, float32 biases), the default's Marlin's (hidden to 256, width to 128, bf16 biases):
    # 1,177,984 B per expert x 32 experts x 24 layers (test_mxfp4_moe_backend's arithmetic)
    assert auto["weights_bytes_per_gpu"] - named["weights_bytes_per_gpu"] == 904_691_712


def test_the_speed_follows_moe_backend_for_mxfp4_where_vllm_reads_it(capsys) -> None:
    # vLLM 0.19 on: the MXFP4 oracle maps --moe-backend marlin to MARLIN (map_mxfp4_backend),
    # and the speed model times the experts on it (mxfp4.mxfp4_moe_kernel_of): Marlin MoE,
    # weight-only, at its SM-bound rate, not the Triton MoE an H100 takes by default. No note
    # that the flag "is not modelled in the speed" beside figures that follow it
    auto = _gpt_oss(capsys, "h100-sxm", "0.34.0")
    marlin = _gpt_oss(capsys, "h100-sxm", "0.34.0", "--moe-backend", "marlin")
    decode = next(t["formula"] for t in marlin["speed_terms"] if t["key"] == "decode_weights")
    assert (auto["speed"]["kernel"], marlin["speed"]["kernel"]) == ("fp4", "weight-only")
    assert "Marlin MoE's SM-bound rate), MoE kernel marlin-moe)" in decode
    assert marlin["tpot_ms"] != auto["tpot_ms"]
    assert not any("is not modelled in the speed" in n for n in marlin["speed"]["notes"])
    # 0.18.0's quantization/mxfp4.py get_mxfp4_backend reads no --moe-backend: vLLM's own pick
    # (triton_kernels on 9.0) is timed, the default's figures, and the note says so
    old_auto = _gpt_oss(capsys, "h100-sxm", "0.18.0")
    old = _gpt_oss(capsys, "h100-sxm", "0.18.0", "--moe-backend", "marlin")
    assert old["tpot_ms"] == old_auto["tpot_ms"]
    assert "--moe-backend marlin is not modelled in the speed: the routed experts are timed as " \
           "the kernel vLLM picks itself for this format, GPU and release (triton-mxfp4: " \
           "speed.kernels.moe_kernel)" in old["speed"]["notes"]


def test_the_speed_follows_moe_backend_flydsl_where_flydsl_builds_the_experts() -> None:
    # --moe-backend flydsl on gfx950 (0.24 on, int4 g32 compressed-tensors experts): vLLM
    # builds them with CompressedTensorsW4A16FlydslMoEMethod and the speed times flydsl-moe
    # (moe_backend.runs_flydsl): no "not modelled" note; on gfx942 the experts stay on MoE
    # WNA16, vLLM's own pick, and the note stays
    from planner.serving.hardware import gpu_preset
    from planner.serving.speed import estimate_speed

    gfx950 = gpu_preset("mi300x").model_copy(update={"compute_capability": "gfx950"})
    for gpu, said in ((gfx950, False), ("mi300x", True)):
        notes = estimate_speed(_backend_request("Qwen/Qwen3-30B-A3B", gpu, "0.26.0",
                                                "w4a16-ct-g32")).notes
        assert any("--moe-backend flydsl is not modelled in the speed" in n
                   for n in notes) is said, notes


@pytest.mark.parametrize(("gpu", "release", "backend", "said"), [
    # vLLM 0.34.0 map_mxfp4_backend: flashinfer_cutlass -> FLASHINFER_CUTLASS_MXFP4_*, humming
    # -> HUMMING, deep_gemm -> DEEPGEMM_MXFP4: kernels no calibration row measures (the MXFP4
    # rows are gpt-oss-120b's on H100 / H200, OpenAI's Triton MoE, and B200, FlashInfer's
    # TRT-LLM MoE: perf-silicon-aic.csv), timed at the default MoE figures
    ("h100-sxm", "0.34.0", "flashinfer_cutlass", "fused-moe"),
    ("h100-sxm", "0.34.0", "humming", "humming-moe"),
    ("b200", "0.34.0", "deep_gemm", "deepgemm-moe"),
    # the measured ones say nothing: triton (its compute factor), flashinfer_trtllm (its
    # bandwidth and compute factors), marlin (Marlin MoE's SM-bound rate)
    ("h100-sxm", "0.34.0", "triton", None),
    ("b200", "0.34.0", "flashinfer_trtllm", None),
    ("h100-sxm", "0.34.0", "marlin", None),
])
def test_an_mxfp4_backend_no_row_measures_says_it_is_timed_at_the_default_figures(
        gpu, release, backend, said) -> None:
    from planner.serving.speed import estimate_speed

    notes = estimate_speed(_backend_request("openai/gpt-oss-20b", gpu, release,
                                            backend=backend)).notes
    default = [n for n in notes if "timed at the default MoE kernel's fitted efficiency" in n]
    if said is None:
        assert not default, notes
    else:
        assert default == [
            f"--moe-backend {backend}: no calibration row measures the routed experts on this "
            f"kernel ({said}: speed.kernels.moe_kernel), so they are timed at the default MoE "
            "kernel's fitted efficiency (expert bandwidth factor 0.901, compute factor 0.233: "
            "vLLM's own fused-MoE rows), unvalidated for this backend"]
    assert not any("is not modelled in the speed" in n for n in notes)


def test_an_unread_mxfp4_backend_keeps_only_the_not_modelled_note() -> None:
    # 0.18.0 reads no --moe-backend for MXFP4 (quantization/mxfp4.py get_mxfp4_backend): the
    # experts run vLLM's own pick (triton_kernels on 9.0), measured; one note, not two
    from planner.serving.speed import estimate_speed

    notes = estimate_speed(_backend_request("openai/gpt-oss-20b", "h100-sxm", "0.18.0",
                                            backend="flashinfer_cutlass")).notes
    assert [n for n in notes if "--moe-backend" in n] == [
        "--moe-backend flashinfer_cutlass is not modelled in the speed: the routed experts are "
        "timed as the kernel vLLM picks itself for this format, GPU and release (triton-mxfp4: "
        "speed.kernels.moe_kernel)"]
