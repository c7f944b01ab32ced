"""Model Runner V2 under --enforce-eager: no warm restart. The plan showed a "warm restart"
pool sized "with a warm torch.compile cache" and, where the first start-up was refused for
memory, told the user to run the same `vllm serve ... --enforce-eager` again to start warm.
Under --enforce-eager vLLM compiles nothing: VllmConfig.__post_init__ (config/vllm.py, the
0.22.0, 0.24.0, 0.28.0, 0.31.0 and 0.34.0 wheels) sets compilation_config.mode to NONE, and
the model's support_torch_compile wrapper (compilation/decorators.py __call__) then runs the
plain forward, so there is no compile cache and every start-up is the same. The plan keeps the V1
runner's activation fit, no lower than V2's sized moments, and says why.

Qwen3-8B (hidden 4,096, intermediate 12,288, vocab 151,936, bf16; 36 layers x 8 KV heads x
(128 + 128) x 2 B = 147,456 B a token) on one RTX 4090, vLLM 0.34.0 (64-token blocks, the null
block held back), vLLM's batch defaults below 70 GiB: 2,048 tokens, 256 sequences.
- V2's forward moment: 2,048 x (4,096 + 2 x 12,288 + 12,288) x 2 B = 167,772,160 B (0.156 GiB);
  its sampler's from 0.33.0 (the fp32 warm-up pass): (2,048 + 256) x 4,096 x 2 B held +
  256 x 151,936 x (2 + 4) B = 18,874,368 + 233,373,696 = 252,248,064 B (0.235 GiB).
- the V1 fit: 3.637 x 256 x 151,936 x 4 B + 0.308 x 2,048 x (4,096 + 24,576) x 2 B =
  3.637 x 155,582,464 + 0.308 x 117,440,512 = 565,853,421.6 + 36,171,677.7 = 602,025,099 B,
  above both moments, so it is the figure.
- one 40,960-token request (the default length): cdiv(40,960, 64) = 640 blocks + the null
  block = 641 x 64 x 147,456 B = 6,049,234,944 B, more than the eager pool holds.
"""

import json

from tests.cli.conftest import run_main

QWEN3 = ("--model", "Qwen/Qwen3-8B", "--gpu", "rtx-4090", "--vllm-version", "0.34.0",
         "--enforce-eager")
MOMENTS = ("its sized moments are max(forward 2,048 tokens x (4,096 residual + (24,576 gate_up "
           "+ 12,288 act)) x 2 B = 0.156 GiB, sampler (2,048 + 256) rows x 4,096 x 2 B held + "
           "logits 256 x 151,936 x (2 + 4 fp32 copy) B = 0.235 GiB) = 0.235 GiB; "
           "under --enforce-eager every start-up runs this same eager profile "
           "(compilation/decorators.py __call__ runs the plain forward), so there is no warm "
           "restart")


def _plan(capsys, *args: str) -> dict:
    code, out, err = run_main(capsys, "plan", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_a_refused_eager_start_up_offers_no_warm_restart(capsys) -> None:
    data = _plan(capsys, *QWEN3)
    assert data["model_runner"] == "v2" and not data["fits"]
    assert data["kv_cache_bytes_per_gpu"] < 641 * 64 * 147_456
    assert data["activation_bytes_per_gpu"] == 602_025_099  # the V1 fit, above V2's moments
    assert data["v2_warm_restart_available_kv_bytes"] is None
    assert data["v2_warm_restart_kv_cache_tokens"] is None
    assert (data["v2_warm_restart_fits"], data["v2_warm_restart_commands"],
            data["v2_warm_restart_launch_note"]) == (False, [], "")
    notes = {t["key"]: t["note"] for t in data["terms"]}
    assert MOMENTS in notes["activation"]
    # why nothing compiles is said once, by the fit's source (terms.EAGER_FIT_SOURCE)
    assert notes["activation"].count("VllmConfig.__post_init__") == 1
    assert "warm torch.compile cache it peaks" not in notes["activation"]
    assert notes["kv_cache"] == ""
    code, out, err = run_main(capsys, "plan", *QWEN3)
    assert code == 0, err
    assert not any(line.lstrip().lower().startswith("warm restart")
                   for line in out.splitlines()), out
    code, out, err = run_main(capsys, "report", *QWEN3)
    assert code == 0, err
    assert "- Warm restart:" not in out and "Warm restart (Model Runner V2)" not in out


def test_v2s_moments_still_floor_an_eager_activation(capsys) -> None:
    # Llama-3.1-70B-Instruct (hidden 8,192, intermediate 28,672) at TP=2 x PP=3, stage 0: the
    # V1 fit has no sampler off the last stage, 0.308 x 2,048 x (8,192 + 28,672) x 2 B =
    # 46,506,442 B, below V2's forward moment 2,048 x (8,192 + (57,344 + 28,672) / 2) x 2 B =
    # 209,715,200 B, which the eager forward holds too (with more beside it)
    data = _plan(capsys, "--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "rtx-3090",
                 "--gpus", "6", "--tp", "2", "--pp", "3", "--vllm-version", "0.34.0",
                 "--enforce-eager")
    assert data["binding_rank"] == 0
    assert data["per_gpu"][0]["activation_bytes"] == 209_715_200
    term = next(t for t in data["terms"] if t["key"] == "activation")
    assert term["formula"].startswith(
        "max(V1 runner 0.04 GiB, Model Runner V2's sized moments 0.20 GiB) = 0.20 GiB: the "
        "eager forward holds them and more (planner.serving.runner_v2); V1 runner: ")
    assert term["inputs"]["decoder_peak_bytes"] == "46506442"
    assert data["v2_warm_restart_available_kv_bytes"] is None


def test_the_fit_under_eager_says_nothing_compiled(capsys) -> None:
    """The activation fit's source names a cold torch.compile cache; under --enforce-eager (V1
    on 0.19.0 here, V2 on 0.34.0 above) nothing compiles, so it says that instead."""
    for version in ("0.19.0", "0.34.0"):
        eager = _plan(capsys, "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-4090",
                      "--vllm-version", version, "--enforce-eager")
        note = {t["key"]: t["note"] for t in eager["terms"]}["activation"]
        assert "under --enforce-eager nothing compiles" in note, note
        assert "cold torch.compile cache" not in note, note
    compiled = _plan(capsys, "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-4090",
                     "--vllm-version", "0.19.0")
    note = {t["key"]: t["note"] for t in compiled["terms"]}["activation"]
    assert "with a cold torch.compile cache" in note, note
