"""A --target-checkpoint (the app's checkpoint field) whose own format Headroom knows, another
than the what-if planned, is no launch of the plan (review h436 #4): the plan said "Fits" for
Qwen3-235B-A22B in W4A16 on 8 RTX 3090s and printed `vllm serve Qwen/Qwen3-235B-A22B-FP8`,
whose FP8 weights do not fit those GPUs."""

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.launch import catalog_checkpoint_scheme
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan

SEED = "Qwen/Qwen3-235B-A22B"
FP8 = "Qwen/Qwen3-235B-A22B-FP8"
GPTQ = "Qwen/Qwen3-235B-A22B-GPTQ-Int4"

# Qwen3-235B-A22B-FP8 (config.json: 94 layers, hidden 4,096, 128 experts of intermediate
# 1,536, 64 query / 4 KV heads of 128, vocab 151,936, untied, max_position_embeddings 40,960;
# quant_method fp8, weight_block_size [128, 128]) at TP=8 + EP on 8 GPUs, per GPU:
#   routed experts 16 x 3 x 4,096 x 1,536 x 94 x 1 B            = 28,387,049,472
#   their scales 16 x 3 x (32 x 12 blocks) x 4 B x 94              =      6,930,432
#   attention 94 x (q 4,096 x 1,024 + o 1,024 x 4,096 + k, v 4,096 x 128 each: the 4 KV
#     heads replicated to one a GPU) x 1 B                         =    887,095,296
#   their scales 94 x 4 B x (2 x 32 x 8 + 2 x 32 x 1 blocks)       =        216,576
#   embed_tokens + lm_head 2 x 151,936 x 4,096 x 2 B / 8           =    311,164,928
#   router 94 x 128 x 4,096 x 2 B (not split)                      =     98,566,144
#   norms 94 x (2 x 4,096 + 2 x 128) x 2 B + 4,096 x 2 B           =      1,595,776
#   rotary cos/sin cache 40,960 x 128 x 2 B                        =     10,485,760
FP8_WEIGHTS_PER_GPU = 29_703_105_024  # 27.66 GiB


def _plan(model: str, **engine):
    return plan(PlanRequest(model=catalog_spec(model), cluster=preset_cluster("rtx-3090", 8),
                            layout=ParallelLayout(tp=8, ep=True),
                            engine=EngineSettings(**engine)))


def test_a_checkpoint_holding_another_format_gets_no_command() -> None:
    fp8 = _plan(FP8)
    assert fp8.weights_bytes_per_gpu == FP8_WEIGHTS_PER_GPU
    budget = fp8.per_gpu[fp8.binding_rank].budget_bytes  # 0.92 x 23.57 GiB = 21.68 GiB
    assert not fp8.fits and budget < FP8_WEIGHTS_PER_GPU
    what_if = _plan(SEED, target_quant="w4a16-gptq-g128", target_checkpoint=FP8)
    # the W4A16 figures stand (the format planned), under 21.68 GiB, but no command loads FP8
    assert what_if.fits and what_if.weights_bytes_per_gpu < budget
    assert what_if.vllm_command is None and what_if.vllm_commands == []
    assert what_if.launch_note == (
        "No GPTQ int4, group 128 (W4A16) command: Qwen/Qwen3-235B-A22B-FP8 holds fp8-block128 "
        "weights (FP8 E4M3, 128x128 block scales), not the w4a16-gptq-g128 planned: a command "
        "loading it would not run this plan; plan Qwen/Qwen3-235B-A22B-FP8 itself (--model), or "
        "give a GPTQ int4, group 128 (W4A16) checkpoint (--target-checkpoint).")


def test_a_checkpoint_holding_the_format_planned_is_loaded_and_said_checked() -> None:
    p = _plan(SEED, target_quant="w4a16-gptq-g128", target_checkpoint=GPTQ)
    assert p.vllm_command.startswith(f"vllm serve {GPTQ} --tensor-parallel-size 8 ")
    assert p.launch_note == (
        f"Loads {GPTQ}, given as the GPTQ int4, group 128 (W4A16) checkpoint of {SEED} (its "
        "config in Headroom's catalog holds that format).")
    # a name outside the catalog: its format is taken as given
    other = _plan(SEED, target_quant="w4a16-gptq-g128", target_checkpoint="me/qwen3-w4a16")
    assert other.vllm_command.startswith("vllm serve me/qwen3-w4a16 ")
    assert other.launch_note.endswith("(its format is taken as given: Headroom's catalog does "
                                      "not hold it, and no config.json of it was parsed).")
    # (review h440 #2) a folder whose config.json the CLI read and found in the format: checked
    folder = _plan(SEED, target_quant="w4a16-gptq-g128", target_checkpoint="/ckpt/qwen3-w4a16",
                   target_checkpoint_config_read=True)
    assert folder.launch_note == (
        f"Loads /ckpt/qwen3-w4a16, given as the GPTQ int4, group 128 (W4A16) checkpoint of {SEED} "
        "(its config.json holds that format).")


def test_the_typed_checkpoints_format_cache_stays_bounded() -> None:
    # the app asks catalog_checkpoint_scheme of whatever checkpoint is typed: a cache of every
    # string typed grew as long as the app ran
    for n in range(300):
        assert catalog_checkpoint_scheme(f"someone/typed-{n}") is None
    assert catalog_checkpoint_scheme.cache_info().currsize <= 256
    assert catalog_checkpoint_scheme(FP8) == "fp8-block128"
