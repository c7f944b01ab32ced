"""The report's Configuration line names the weight format the plan sizes: a bfloat16
checkpoint on a GPU without bfloat16 (compute capability below 8.0: vLLM's --dtype auto falls
back to float16, engine.served_dtype) said "weights BF16" beside a memory plan of FP16
weights."""

from tests.cli.conftest import run_main

V100 = ["--model", "Qwen/Qwen3-8B", "--gpu", "v100-32gb", "--gpus", "2", "--vllm-version",
        "0.19.0"]


def test_a_bf16_checkpoint_served_as_fp16_is_said_so_in_the_configuration(capsys) -> None:
    code, out, err = run_main(capsys, "report", *V100)
    assert code == 0, err
    assert ("- Configuration: TP=2 on 2x Tesla V100-SXM2-32GB, weights FP16 (the BF16 "
            "checkpoint served in FP16, --dtype auto), KV cache auto,") in out
    assert "= 7.64 GiB (FP16; stage 0" in out  # the memory plan's weights line agrees
    # an Ampere card serves it as stored: the checkpoint's format alone, as before
    code, out, err = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090")
    assert code == 0, err
    assert "- Configuration: TP=1 on 1x NVIDIA GeForce RTX 3090, weights BF16, KV cache" in out
