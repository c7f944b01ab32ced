"""A Tesla K80 (compute capability 3.7) or M40 (5.2) named with --gpu-name was planned as a GPU
of unknown capability, which Headroom takes to be one vLLM's wheels run on: Qwen3-0.6B "Fits"
on a K80 with a launch command. The names now carry their capability (K80: opencv PR #7217
and instant-ngp PR #50; M40: NVIDIA's legacy table), so the wheels' rule refuses them (no
wheel holds code below 7.0; 7.5 and up from 0.20.0: planner/serving/startup/wheel_arch.py)."""

import json

import pytest

from tests.cli.conftest import run_main


@pytest.mark.parametrize(("name", "capability"), [("Tesla K80", "3.7"), ("Tesla M40", "5.2")])
@pytest.mark.parametrize("version", ["0.19.0", "0.34.0"])
def test_a_kepler_or_maxwell_card_by_name_does_not_fit(capsys, name: str, capability: str,
                                                       version: str) -> None:
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-0.6B", "--gpu-memory-gib",
                              "11.17", "--gpu-name", name, "--vllm-version", version, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert not data["fits"] and data["vllm_command"] is None
    assert any(e.startswith("vLLM's prebuilt wheels hold no CUDA code for compute capability "
                            f"{capability} ({name}) on vLLM {version}")
               for e in data["errors"]), data["errors"]
    assert f"planned with compute capability {capability} from its name" in err, err


def test_a_k80_by_gpu_says_no_release_runs_it(capsys) -> None:
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-0.6B", "--gpu", "Tesla K80")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert ("a compute capability 3.7 GPU" in err and "vLLM's prebuilt wheels hold no CUDA code "
            "for compute capability 3.7 on any release (7.0 and newer to 0.19, 7.5 and newer "
            "from 0.20.0)") in err, err
