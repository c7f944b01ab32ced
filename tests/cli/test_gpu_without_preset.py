"""--gpu with the name of a GPU no preset has but NVIDIA's tables give a compute capability
(hardware.CAPABILITY_WITHOUT_PRESET): the error says what that GPU is, whether vLLM's wheels
run it, and how to plan it, not "did you mean l40, a40?" (a Tesla P40 is a Pascal card, the
L40 and A40 are not it) before every preset's key.

What vLLM's wheels run is wheel_arch's rule (its NOTEs: no sm_6x code in any wheel read, sm_75
and newer from 0.20.0); the capabilities are NVIDIA's Legacy CUDA table's (P40 and GTX 1080 Ti
6.1, TITAN V 7.0) and NVIDIA's earlier cuda-gpus table's (Quadro RTX 4000 7.5)."""

import pytest

from tests.cli.conftest import run_main

LEGACY = ("NVIDIA's Legacy CUDA GPU Compute Capability table (developer.nvidia.com/"
          "cuda-legacy-gpus, read 2026-12-05)")
NO_PASCAL = ("vLLM's prebuilt wheels hold no CUDA code for compute capability 6.1 on any "
             "release (7.0 and newer to 0.19, 7.5 and newer from 0.20.0), so a pip-installed "
             "vLLM cannot run it")


def refusal(capsys, *argv: str) -> str:
    code, out, err = run_main(capsys, *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert "did you mean" not in err and "known: " not in err, err
    return err


@pytest.mark.parametrize("name", ["Tesla P40", "GTX 1080 Ti"])
@pytest.mark.parametrize("command", ["plan", "sweep", "report"])
def test_a_pascal_card_by_name_says_vllm_cannot_run_it_and_how_to_plan_it(
        capsys, command: str, name: str) -> None:
    err = refusal(capsys, command, "--model", "Qwen/Qwen3-8B", "--gpu", name)
    quoted = f"'{name}'"
    assert err == (f"python -m planner {command}: error: no GPU preset for {quoted}, a compute "
                   f"capability 6.1 GPU ({LEGACY}): {NO_PASCAL}; to plan it, give "
                   f"--gpu-memory-gib X (what CUDA reports) and --gpu-name {quoted} instead "
                   "of --gpu.\n")


def test_a_volta_card_by_name_says_which_releases_run_it(capsys) -> None:
    err = refusal(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "TITAN V")
    assert ("a compute capability 7.0 GPU" in err and "vLLM's prebuilt wheels hold no CUDA "
            "code for compute capability 7.0 from 0.20.0 (7.5 and newer), so a pip-installed "
            "vLLM 0.20.0 or later cannot run it (0.19 and earlier hold code for it)") in err, err


def test_a_turing_card_by_name_gets_only_the_way_to_plan_it(capsys) -> None:
    err = refusal(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "Quadro RTX 4000")
    assert err.startswith("python -m planner plan: error: no GPU preset for 'Quadro RTX "
                          "4000', a compute capability 7.5 GPU (NVIDIA's earlier cuda-gpus "
                          "table"), err
    assert "prebuilt wheels" not in err
    assert err.endswith("; to plan it, give --gpu-memory-gib X (what CUDA reports) and "
                        "--gpu-name 'Quadro RTX 4000' instead of --gpu.\n"), err


def test_gpu_beside_gpu_memory_says_vllm_cannot_run_a_pascal_card(capsys) -> None:
    err = refusal(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "Tesla P40",
                  "--gpu-memory-gib", "24")
    assert ("give --gpu-memory-gib 24 --gpu-name 'Tesla P40' (planned with compute capability "
            f"6.1 from its name; {NO_PASCAL})") in err, err


def test_recommend_says_it_searches_presets_and_where_to_plan_it(capsys) -> None:
    err = refusal(capsys, "recommend", "--model", "Qwen/Qwen3-8B", "--gpu", "Tesla P40")
    assert err == ("python -m planner recommend: error: no GPU preset for 'Tesla P40', a "
                   f"compute capability 6.1 GPU ({LEGACY}): {NO_PASCAL}; recommend searches "
                   "the GPU presets, at their prices, only: plan, sweep or report it with "
                   "--gpu-memory-gib X (what CUDA reports) and --gpu-name 'Tesla P40'.\n")


def test_a_name_nvidia_s_tables_do_not_give_keeps_the_near_presets(capsys) -> None:
    # 3099: 3090 with its last digit mistyped (near_gpu_keys)
    code, _, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "RTX 3099")
    assert code == 2 and "unknown GPU preset 'RTX 3099'; did you mean rtx-3090" in err, err
