"""A custom GPU given only by its memory (--gpu-memory-gib without --gpu-name) has no compute
capability, so Headroom plans it with fp32 and fp16 only (hardware.custom_gpu), as vLLM
serves a card below compute capability 8.0 (platforms/cuda.py supported_dtypes;
engine.served_dtype): gemma-2-9b-it, whose config says float32 and which vLLM will not run
in float16, is planned in FP32, 9,241,705,984 x 4 B = 34.4 GiB of weights, where any recent
GPU loads bfloat16 (17.2 GiB). It did so silently; the plan now says it on stderr, naming
--gpu-name, and that the GPU is taken to be one vLLM's wheels run on (a K80 named by
--gpu-name is refused: tests/cli/test_kepler_maxwell_by_name.py). With --gpu-name of a
preset the note is not printed. So does a --gpu-name no preset has, and a --snapshot GPU of
no preset whose capability the audit did not read."""

import json
from pathlib import Path

from tests.cli.conftest import SNAPSHOT, run_main

NOTE = ("note: Custom 80 GiB GPU: its compute capability is unknown, so it is planned as a "
        "GPU without bfloat16 (fp32 and fp16 only, as vLLM serves a card below compute "
        "capability 8.0: a bfloat16 model in float16, Gemma 2 in float32), where a recent GPU "
        "would load bfloat16, and as one vLLM's prebuilt wheels run on (none runs a Tesla K80 "
        "or P40); give --gpu-name MODEL (e.g. 'RTX 4090') to plan it as a named GPU")


def test_an_unnamed_custom_gpu_says_it_is_planned_without_bf16(capsys) -> None:
    code, out, err = run_main(capsys, "plan", "--model", "google/gemma-2-9b-it",
                              "--gpu-memory-gib", "80", "--json")
    assert code == 0, err
    assert NOTE in err, err
    data = json.loads(out)
    assert data["weight_format"] == "fp32"
    assert data["params_total"] == 9_241_705_984


def test_a_named_custom_gpu_prints_no_such_note(capsys) -> None:
    code, out, err = run_main(capsys, "plan", "--model", "google/gemma-2-9b-it",
                              "--gpu-memory-gib", "80", "--gpu-name", "H100 SXM", "--json")
    assert code == 0, err
    assert "compute capability is unknown" not in err, err
    assert json.loads(out)["weight_format"] == "bf16"


BF16_NOTE = ("its compute capability is unknown, so it is planned as a GPU without bfloat16 "
             "(fp32 and fp16 only, as vLLM serves a card below compute capability 8.0: a "
             "bfloat16 model in float16, Gemma 2 in float32), where a recent GPU would load "
             "bfloat16, and as one vLLM's prebuilt wheels run on (none runs a Tesla K80 or "
             "P40); ")


def test_a_gpu_name_no_preset_has_says_it_is_planned_without_bf16(capsys) -> None:
    # a name no preset has keeps no model's compute capability: fp32 / fp16 as unnamed
    code, out, err = run_main(capsys, "plan", "--model", "google/gemma-2-9b-it",
                              "--gpu-memory-gib", "80", "--gpu-name", "Mystery X", "--json")
    assert code == 0, err
    assert ("note: --gpu-name 'Mystery X' is no preset GPU model: planned as a GPU of unknown "
            "model" in err), err
    assert (f"note: Mystery X: {BF16_NOTE}give --gpu-name a preset's model (e.g. 'RTX 4090') "
            "to plan it as a named GPU" in err), err
    assert json.loads(out)["weight_format"] == "fp32"


def _snapshot(tmp_path: Path, capability: str | None) -> str:
    """The recorded 8x RTX 3090 rig as GPUs no preset names, of `capability`."""
    snap = json.loads(SNAPSHOT.read_text())
    for gpu in snap["gpus"]:
        gpu["name"], gpu["compute_capability"] = "Mystery Accelerator", capability
    path = tmp_path / "rig.json"
    path.write_text(json.dumps(snap))
    return str(path)


def test_a_snapshot_gpu_of_unknown_capability_says_it_is_planned_without_bf16(
        capsys, tmp_path: Path) -> None:
    code, out, err = run_main(capsys, "plan", "--model", "google/gemma-2-9b-it",
                              "--snapshot", _snapshot(tmp_path, None), "--json")
    assert code == 0, err
    assert (f"note: Mystery Accelerator: {BF16_NOTE}give its memory to --gpu-memory-gib and "
            "its model to --gpu-name (e.g. 'RTX 4090') in place of --snapshot to plan it as a "
            "named GPU" in err), err
    assert err.count("compute capability is unknown, so") == 1, err  # once for its 8 GPUs
    assert json.loads(out)["weight_format"] == "fp32"


def test_a_snapshot_gpu_whose_capability_was_read_prints_no_such_note(
        capsys, tmp_path: Path) -> None:
    # 8.9 (an RTX 4090's) computes bfloat16: the model's bf16 is planned, no note
    code, out, err = run_main(capsys, "plan", "--model", "google/gemma-2-9b-it",
                              "--snapshot", _snapshot(tmp_path, "8.9"), "--json")
    assert code == 0, err
    assert "compute capability is unknown, so" not in err, err
    assert json.loads(out)["weight_format"] == "bf16"


def test_a_preset_gpu_prints_no_such_note(capsys) -> None:
    code, out, err = run_main(capsys, "plan", "--model", "google/gemma-2-9b-it",
                              "--gpu", "h100-sxm", "--json")
    assert code == 0, err
    assert "compute capability is unknown" not in err, err
    assert json.loads(out)["weight_format"] == "bf16"


def test_an_nvfp4_kv_cache_on_an_unnamed_gpu_is_refused_naming_gpu_name(capsys) -> None:
    # it read "Fits" with a launch command where --gpu t4 is refused: vLLM 0.34.0 runs an
    # nvfp4 KV cache from compute capability 8.0 (FlashInfer), its wheels from 7.5
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu-memory-gib",
                              "24", "--kv-cache-dtype", "nvfp4")
    assert ("Does not fit: Custom 24 GiB GPU: its compute capability is unknown, and vLLM "
            "0.34.0 refuses --kv-cache-dtype nvfp4 on compute capability 7.5 (of 7.5 to 12.1, "
            "which its wheels run on); give a GPU model Headroom knows (--gpu-name with "
            "--gpu-memory-gib, e.g. 'RTX 4090') to plan it with its capability\n" in out), out
    assert "vllm serve" not in out
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu-memory-gib",
                              "24", "--gpu-name", "RTX 4090", "--kv-cache-dtype", "nvfp4")
    assert code == 0 and out.count("\nFits: ") == 1 and "--kv-cache-dtype nvfp4" in out, out


def test_a_bf16_kv_cache_on_an_unnamed_gpu_is_refused_in_vllms_spelling(capsys) -> None:
    # vLLM's Triton attention refuses a bfloat16 KV cache below SM80 and its wheels run on 7.5:
    # the refusal names the value vLLM and the CLI take (bfloat16), not Headroom's key (bf16)
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu-memory-gib",
                              "24", "--kv-cache-dtype", "bfloat16")
    assert ("vLLM 0.34.0 refuses --kv-cache-dtype bfloat16 on compute capability 7.5 (of 7.5 "
            "to 12.1, which its wheels run on)" in out), out
    assert "--kv-cache-dtype bf16" not in out, out


def test_a_moe_backend_on_an_unnamed_gpu_is_refused_naming_gpu_name(capsys) -> None:
    # vLLM 0.34.0's FlashInferExperts run on 9.0, 10.x and 12.x (flashinfer_cutlass_moe.py
    # _supports_current_device); an 80 GiB GPU may be 8.0 (A100 80GB, 79.25 GiB CUDA total,
    # over 80 x 0.9 = 72 GiB), which refuses --moe-backend flashinfer_cutlass; 7.5-8.9 have
    # no preset of 72 GiB (the largest: RTX A6000, 47.54 GiB)
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-30B-A3B",
                              "--gpu-memory-gib", "80", "--moe-backend", "flashinfer_cutlass")
    assert ("Does not fit: Custom 80 GiB GPU: its compute capability is unknown, and vLLM "
            "0.34.0 refuses --moe-backend flashinfer_cutlass on compute capability 8.0 (of "
            "8.0, 9.0, 10.0, 10.3, 12.0, 12.1: those of Headroom's GPUs of 72.00 GiB or more "
            "(its 80.00 GiB less 10 %) that its wheels run on); give a GPU model Headroom "
            "knows" in out), out
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-30B-A3B",
                              "--gpu-memory-gib", "80", "--gpu-name", "H100",
                              "--moe-backend", "flashinfer_cutlass")
    assert code == 0 and "\nFits: " in out and "--moe-backend flashinfer_cutlass" in out, out


def test_an_fp8_kv_cache_on_an_unnamed_80_gib_gpu_fits(capsys) -> None:
    # it read "Does not fit" as a T4 (7.5) refuses an fp8 KV cache on vLLM 0.34.0, yet no 7.5
    # GPU has 80 GiB: the largest preset, the Quadro RTX 8000, 50,959,786,967 B = 47.46 GiB,
    # is below 80 x 0.9 = 72 GiB; 8.0 and later run it
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu-memory-gib",
                              "80", "--kv-cache-dtype", "fp8")
    assert code == 0 and out.count("\nFits: ") == 1, out
    assert "--kv-cache-dtype fp8" in out and "compute capability is unknown, and" not in out


def test_a_kv_dtype_no_capability_runs_does_not_fit_on_an_unnamed_gpu(capsys) -> None:
    # phi-2's head 80 (2560 / 32) is not among FlashInfer's 64 / 128 / 256 / 512, the one
    # nvfp4 backend: every capability refuses it, and the plan read "Fits"
    code, out, err = run_main(capsys, "plan", "--model", "microsoft/phi-2", "--gpu-memory-gib",
                              "80", "--kv-cache-dtype", "nvfp4", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert not data["fits"] and data["vllm_command"] is None
    assert data["errors"] == [
        "Custom 80 GiB GPU: its compute capability is unknown, and vLLM 0.34.0 refuses "
        "--kv-cache-dtype nvfp4 on every compute capability it may have (of 8.0, 9.0, 10.0, "
        "10.3, 12.0, 12.1: those of Headroom's GPUs of 72.00 GiB or more (its 80.00 GiB less "
        "10 %) that its wheels run on); on 12.1: No valid attention backend found for cuda "
        "with kv_cache_dtype=nvfp4. Reasons: {FLASHINFER: [head_size not supported]} (compute "
        "capability 12.1)."]
