"""--target-quant mxfp4 of a dense model: MXFP4 (experts only) quantizes routed experts and
nothing else (vLLM's Mxfp4Config gives every Linear layer UnquantizedLinearMethod,
quantization/mxfp4.py in the 0.34.0 wheel), so on Qwen3-8B, which has no experts, the plan
was the bf16 one under the MXFP4 name (15.27 GiB of weights, "fp4 kernels", a warning about
MoE kernels). It is refused in one line; a MoE model still takes it."""

import json

from tests.cli.conftest import run_main


def test_mxfp4_of_a_dense_model_is_refused(capsys) -> None:
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "b200",
                              "--target-quant", "mxfp4")
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert "quantizes routed experts only" in err and "Qwen/Qwen3-8B has none" in err, err


def test_mxfp4_of_a_moe_model_quantizes_its_experts(capsys) -> None:
    # Qwen3-30B-A3B: 48 layers x 128 experts x 3 x 2048 x 768 = 28,991,029,248 expert weights,
    # 2 B each in bf16 and 4.25 bits (4 + one 8-bit scale per 32) in MXFP4: the what-if holds
    # 28,991,029,248 x (2 - 4.25 / 8) = 42,580,574,208 B less
    args = ("plan", "--model", "Qwen/Qwen3-30B-A3B", "--gpu", "b200", "--json")
    code, out, err = run_main(capsys, *args, "--target-quant", "mxfp4")
    assert code == 0, err
    mxfp4 = json.loads(out)
    code, out, err = run_main(capsys, *args)
    assert code == 0, err
    saved = json.loads(out)["weights_bytes_total"] - mxfp4["weights_bytes_total"]
    assert saved == 42_580_574_208, saved


def test_a_group_of_1_what_if_is_planned_and_refused_as_vllm_refuses_it(capsys,
                                                                        model_dir) -> None:
    # int4 in groups of 1 carries 4 + (16 + 4) / 1 = 24 bits per weight: read as 16-bit
    # layers, it was refused as "quantizes routed experts only" on a dense model
    code, out, err = run_main(capsys, "plan", "--model", str(model_dir), "--gpu", "h100-sxm",
                              "--target-quant", "w4a16-gptq-g1")
    assert code == 0, err
    assert "Does not fit: Marlin does not support group_size = 1. " in out, out
