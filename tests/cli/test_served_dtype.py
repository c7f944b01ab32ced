"""The weight format a bfloat16 checkpoint is served in on a GPU without bfloat16 (compute
capability below 8.0: vLLM's --dtype auto falls back to float16, engine.served_dtype) is said
with the checkpoint's own: the report's Configuration line said "weights BF16" beside a memory
plan of FP16 weights, and plan's weight format line and sweep's line over its table said
"FP16" alone, sweep's as "the checkpoint's own format (FP16)", which it is not."""

from tests.cli.conftest import run_main

V100 = ["--model", "Qwen/Qwen3-8B", "--gpu", "v100-32gb", "--gpus", "2", "--vllm-version",
        "0.19.0"]
# a modded 22 GB RTX 2080 Ti (compute capability 7.5, the rtx-2080-ti preset's), as a user
# names it; Qwen3-8B's config.json says torch_dtype bfloat16
MODDED_2080TI = ["--model", "Qwen/Qwen3-8B", "--gpu-memory-gib", "22", "--gpu-name",
                 "RTX 2080 Ti 22GB", "--max-model-len", "8k"]


def test_a_bf16_checkpoint_served_as_fp16_is_said_so_in_the_configuration(capsys) -> None:
    code, out, err = run_main(capsys, "report", *V100)
    assert code == 0, err
    assert ("- Configuration: TP=2 on 2x Tesla V100-SXM2-32GB, weights FP16 (the BF16 "
            "checkpoint served in FP16, --dtype auto), KV cache auto,") in out
    # the memory plan's weights line agrees: Qwen3-8B's 8,190,735,360 parameters less the
    # replicated norms (36 x (2 x 4,096 + 2 x 128 q/k norms) + 4,096 = 308,224) split over
    # TP 2, the norms whole: 8,190,427,136 / 2 + 308,224 = 4,095,521,792 x 2 B + the rotary
    # cache 40,960 x 128 x 2 B = 8,201,529,344 B = 7.638 GiB
    assert "= 7.64 GiB (FP16; stage 0" in out
    # an Ampere card serves it as stored: the checkpoint's format alone, as before
    code, out, err = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090")
    assert code == 0, err
    assert "- Configuration: TP=1 on 1x NVIDIA GeForce RTX 3090, weights BF16, KV cache" in out


def test_plan_names_the_bf16_checkpoint_it_serves_in_fp16(capsys) -> None:
    code, out, err = run_main(capsys, "plan", *MODDED_2080TI)
    assert code == 0, err
    assert ("  weight format       fp16 (FP16: the BF16 checkpoint served in FP16, --dtype "
            "auto)\n") in out
    # FP16 weights, 2 B a parameter as BF16's: 8,190,735,360 parameters x 2 B + the rotary
    # cache 40,960 positions x 128 x 2 B (10,485,760 B) = 16,391,956,480 B = 15.27 GiB
    assert "  weights per GPU     15.27 GiB\n" in out
    # --dtype given: named as given; an Ada card serves the checkpoint as stored, as before
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-4090",
                              "--max-model-len", "8k", "--dtype", "float16")
    assert code == 0, err
    assert "(FP16: the BF16 checkpoint served in FP16, --dtype float16)\n" in out
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-4090",
                              "--max-model-len", "8k")
    assert code == 0, err
    assert "  weight format       bf16 (BF16)\n" in out


def test_sweep_names_the_checkpoints_own_format_as_stored(capsys) -> None:
    code, out, err = run_main(capsys, "sweep", *MODDED_2080TI, "--gpus", "2", "--top", "3")
    assert code == 0, err
    assert "best in the checkpoint's own format (BF16, served in FP16): #" in out
    assert "own format (FP16)" not in out
    code, out, err = run_main(capsys, "sweep", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-4090",
                              "--max-model-len", "8k", "--top", "3")
    assert code == 0, err
    assert "best in the checkpoint's own format (BF16): #" in out
