"""A --gpu-name no preset has but NVIDIA's compute capability tables list (the Quadro RTX
8000 and 5000, 7.5, before they had presets; the Quadro RTX 4000 here) was planned with no
capability, so no capability rule fired: gemma-4-26B-A4B at TP 4 on four Quadro RTX 5000s was
planned to fit on vLLM 0.26.0, where Triton stops at the first prompt (vLLM issue #57712: two
Quadro RTX 6000s, 98,304 B of shared memory a block asked, 65,536 B allowed on 7.5). The
capability now comes from the name (hardware.CAPABILITY_WITHOUT_PRESET), the note says so and
where from, and there are still no speed figures."""

import json

import pytest

from tests.cli.conftest import run_main

QUADRO = ("--gpu-memory-gib", "7.6", "--gpu-name", "Quadro RTX 4000", "--vllm-version",
          "0.26.0")


@pytest.mark.parametrize(("gpu", "name"), [(QUADRO, "Quadro RTX 4000"),
                                           (("--gpu", "quadro-rtx-5000", "--vllm-version",
                                             "0.26.0"), "Quadro RTX 5000")])
def test_gemma_4_on_four_turing_cards_is_refused_by_the_shared_memory_rule(
        capsys, gpu: tuple[str, ...], name: str) -> None:
    code, out, err = run_main(capsys, "plan", "--model", "google/gemma-4-26B-A4B", *gpu,
                              "--gpus", "4", "--tp", "4", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert not data["fits"] and data["vllm_command"] is None
    # head 512 in float16, BLOCK_M 16, 32 keys: (2 x 16 + 2 x 32) x 512 x 2 = 98,304 B
    assert any(f"on {name} (compute capability 7.5) in float16" in e
               and "needs 98,304 B of shared memory a block, over the 65,536 B" in e
               for e in data["errors"]), data["errors"]
    # the name's capability comes from the table; the preset's from the preset
    from_table = (f"--gpu-name '{name}' is no preset GPU model: planned with compute "
                  "capability 7.5 from its name (NVIDIA's earlier cuda-gpus table")
    assert (from_table in err) == (name == "Quadro RTX 4000"), err


def test_qwen3_still_fits_without_speed_figures(capsys) -> None:
    # Qwen3-0.6B: 1.12 GiB of 16-bit weights on the 8 GB card (Qwen3-4B's 7.5 GiB would not fit)
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-0.6B", *QUADRO,
                              "--max-model-len", "8000", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["fits"] and data["errors"] == []
    assert data["weight_format"] == "fp16"  # 7.5 has no bfloat16: vLLM serves it in float16
    assert "without speed figures (its bandwidth and TFLOP/s are not known)" in err
    assert "compute capability is unknown" not in err


@pytest.mark.parametrize(("name", "capability"), [
    ("NVIDIA GeForce RTX 2070", "7.5"), ("Quadro RTX 4000", "7.5"),
    ("Tesla P40", "6.1"), ("Tesla P100-PCIE-16GB", "6.0"),
    ("NVIDIA RTX 4000 SFF Ada Generation", "8.9"),
])
def test_nvml_names_resolve_to_their_capability(capsys, name: str, capability: str) -> None:
    code, _, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-4B", "--gpu-memory-gib",
                            "10", "--gpu-name", name)
    assert code == 0, err
    assert f"planned with compute capability {capability} from its name" in err, err


def test_a_pascal_card_is_refused_as_vllm_s_wheels_hold_no_code_for_it(capsys) -> None:
    # wheel_arch: no sm_6x code in any vLLM wheel read; before, a P40 by name planned to fit
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-4B", "--gpu-memory-gib",
                              "22.4", "--gpu-name", "Tesla P40", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert not data["fits"] and data["vllm_command"] is None
    assert data["errors"][0].startswith("vLLM's prebuilt wheels hold no CUDA code for compute "
                                        "capability 6.1 (Tesla P40)"), data["errors"]


def test_an_nvml_name_of_another_size_of_a_preset_keeps_the_preset_s_capability(capsys) -> None:
    # 'Tesla V100-PCIE-32GB' at 15.77 GiB is the 32 GB V100 PCIe preset's model at another memory:
    # capability 7.0 from the preset, not from this table; gemma-3-4b-it is served in float32
    # there (below 8.0)
    code, out, err = run_main(capsys, "plan", "--model", "google/gemma-3-4b-it",
                              "--gpu-memory-gib", "15.77", "--gpu-name", "Tesla V100-PCIE-32GB",
                              "--json")
    assert code == 0, err
    assert json.loads(out)["weight_format"] == "fp32"
    assert "which the v100-pcie-32gb preset (Tesla V100-PCIE-32GB, 32 GB HBM2) is not" in err, err
    assert "from its name" not in err


def test_gpu_beside_gpu_memory_names_the_capability_it_would_get(capsys) -> None:
    code, _, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-4B", "--gpu",
                            "Quadro RTX 4000", "--gpu-memory-gib", "7.6")
    assert code == 2
    assert ("No preset is named 'Quadro RTX 4000'; for a GPU no preset has, give "
            "--gpu-memory-gib 7.6 --gpu-name 'Quadro RTX 4000' (planned with compute "
            "capability 7.5 from its name)") in err, err
