"""--model-runner v1 / v2 (EngineSettings.model_runner, planner.serving.runner_choice): the
runner asked replaces the release's pick in every rule that branches on it, the command asks
it with VLLM_USE_V2_MODEL_RUNNER, and what vLLM refuses is refused.

Read by hand in the unzipped wheels: envs.py (no VLLM_USE_V2_MODEL_RUNNER in 0.11.1 nor
0.34.0; `bool(int(os.getenv(..., "0")))` 0.12.0-0.21.0; `maybe_convert_bool` 0.22.0-0.33.0),
config/vllm.py VllmConfig.use_v2_model_runner (a set value is returned before the default)
and _validate_v2_model_runner ("VLLM_USE_V2_MODEL_RUNNER does not yet support: hybrid/mamba
models" in 0.22.0; "... with align cache mode" in 0.23.0-0.24.0), platforms/interface.py
validate_environ (0.34.0). Figures: test_runner_buffers.py's hand-worked buffers, from the
catalog's configs (Qwen3-8B hidden 4,096, vocab 151,936, max_position_embeddings 40,960;
Qwen3-30B-A3B hidden 2,048, the same vocab and length), bf16, an H100 (8,192 batched tokens,
1,024 sequences)."""

from functools import cache

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.runner_choice import (
    asked_runner,
    runner_env_prefix,
    runner_request_refusal,
)
from planner.serving.vllm_versions import EngineError, vllm_rules

_spec = cache(catalog_spec)

# V2's buffers (test_runner_buffers.QWEN3_8B_V2, the vocab's alone): output_bin_counts
# 1,024 x 151,936 x 4 B = 622,329,856 B, prompt_bin_mask and grammar_bitmask 1,024 x 4,748 x
# 4 B = 19,447,808 B each, the request tables 1,024 x 17,924 B = 18,354,176 B
V2_BUFFERS = 622_329_856 + 2 * 19_447_808 + 18_354_176
# V1's (test_runner_buffers.test_v1_runner_at_0_28): inputs_embeds 8,192 x hidden x 2 B, the
# block table 1,024 x cdiv(40,960, 16) = 2,560 columns x 4 B = 10,485,760 B
V1_BUFFERS_QWEN3_8B = 8192 * 4096 * 2 + 10_485_760
V1_BUFFERS_QWEN3_30B = 8192 * 2048 * 2 + 10_485_760


def _plan(repo_id: str, version: str, runner: str = "auto", gpus: int = 1, nodes: int = 1,
          **layout):
    """A plan on `nodes` nodes of `gpus` H100s each."""
    return plan(PlanRequest(model=_spec(repo_id), cluster=preset_cluster("h100-sxm", gpus, nodes),
                            layout=ParallelLayout(**layout),
                            engine=EngineSettings(vllm_version=version, model_runner=runner)))


def _pool_without_buffers(p) -> int:
    g = p.per_gpu[p.binding_rank]
    return (g.budget_bytes - g.weights_bytes - g.activation_bytes - g.non_torch_bytes
            - g.cuda_graph_bytes)


def test_v2_asked_of_a_moe_model_that_runs_v1():
    # Qwen3-30B-A3B (unlisted MoE) runs V1 at 0.28.0 (44,040,192 B of V1 buffers); asked V2 it
    # holds V2's 679,579,648 B, which its pool loses
    auto, v2 = _plan("Qwen/Qwen3-30B-A3B", "0.28.0"), _plan("Qwen/Qwen3-30B-A3B", "0.28.0", "v2")
    assert auto.model_runner == "v1"
    assert auto.runner_buffer_bytes_per_gpu == V1_BUFFERS_QWEN3_30B == 44_040_192
    assert v2.model_runner == "v2" and v2.runner_buffer_bytes_per_gpu == V2_BUFFERS
    assert V2_BUFFERS == 679_579_648
    assert v2.kv_cache_bytes_per_gpu == _pool_without_buffers(v2) - 679_579_648
    assert v2.vllm_command.startswith("VLLM_USE_V2_MODEL_RUNNER=1 vllm serve Qwen/Qwen3-30B-A3B ")
    assert auto.vllm_command.startswith("vllm serve ")


def test_v1_asked_of_a_dense_model_that_runs_v2():
    # Qwen3-8B (dense) runs V2 at 0.28.0; asked V1: inputs_embeds 67,108,864 B + the block
    # table 10,485,760 B = 77,594,624 B instead of V2's 679,579,648 B
    auto, v1 = _plan("Qwen/Qwen3-8B", "0.28.0"), _plan("Qwen/Qwen3-8B", "0.28.0", "v1")
    assert (auto.model_runner, auto.runner_buffer_bytes_per_gpu) == ("v2", V2_BUFFERS)
    assert v1.model_runner == "v1"
    assert v1.runner_buffer_bytes_per_gpu == V1_BUFFERS_QWEN3_8B == 77_594_624
    assert v1.kv_cache_bytes_per_gpu == _pool_without_buffers(v1) - 77_594_624
    assert v1.vllm_command.startswith("VLLM_USE_V2_MODEL_RUNNER=0 vllm serve Qwen/Qwen3-8B ")
    assert v1.model_runner_reason.startswith("VLLM_USE_V2_MODEL_RUNNER=0 in the launch command")
    assert v1.v2_warm_restart_available_kv_bytes is None  # V2's warm restart is V2's alone


def test_the_runner_the_release_picks_asked_plans_the_same_figures():
    auto, v2 = _plan("Qwen/Qwen3-8B", "0.28.0"), _plan("Qwen/Qwen3-8B", "0.28.0", "v2")
    assert v2.kv_cache_bytes_per_gpu == auto.kv_cache_bytes_per_gpu
    assert v2.vllm_command == "VLLM_USE_V2_MODEL_RUNNER=1 " + auto.vllm_command


def test_every_node_command_carries_the_variable():
    # --nnodes: each node runs its own copy of the command, so each sets the variable
    p = _plan("meta-llama/Llama-3.1-70B-Instruct", "0.30.0", "v1", gpus=8, nodes=2, tp=8, pp=2)
    assert len(p.vllm_commands) == 2
    assert all(c.startswith("VLLM_USE_V2_MODEL_RUNNER=0 vllm serve ") for c in p.vllm_commands)


@pytest.mark.parametrize(("version", "runner", "prefix"), [
    ("0.11.1", "v1", ""),  # no variable: V1 is all it runs
    ("0.12.0", "v1", "VLLM_USE_V2_MODEL_RUNNER=0 "),
    ("0.22.0", "v2", "VLLM_USE_V2_MODEL_RUNNER=1 "),
    ("0.33.0", "v1", "VLLM_USE_V2_MODEL_RUNNER=0 "),
    ("0.34.0", "v2", ""),  # no variable ("=1 is redundant and can be unset")
    ("0.33.0", "auto", ""),
])
def test_the_variable_only_where_the_release_reads_it(version, runner, prefix):
    assert runner_env_prefix(vllm_rules(version), runner) == prefix


@pytest.mark.parametrize(("version", "runner", "words"), [
    ("0.11.1", "v2", "vLLM 0.11.1 has no VLLM_USE_V2_MODEL_RUNNER"),
    ("0.34.0", "v1", "VLLM_USE_V2_MODEL_RUNNER=0 is no longer supported: Model Runner V1 has "
                     "been removed. Unset this variable."),
    ("0.21.0", "v2", "Headroom reads V2's memory from 0.22.0"),
])
def test_a_runner_the_release_cannot_run_is_refused_naming_it(version, runner, words):
    refusal = runner_request_refusal(vllm_rules(version), runner)
    assert words in refusal and f"vLLM {version}" in refusal and "\n" not in refusal
    with pytest.raises(EngineError, match=words.split(":")[0]):
        _plan("Qwen/Qwen3-8B", version, runner)


def test_v2_of_a_hybrid_model_as_vllm_validates_it():
    # Qwen3-Next (Gated DeltaNet: inner state): refused outright by 0.22.0; by 0.23.0-0.24.0
    # only in mamba_cache_mode "align" (prefix caching on: off by default for hybrids there)
    with pytest.raises(EngineError, match="does not yet support: hybrid/mamba models\""):
        _plan("Qwen/Qwen3-Next-80B-A3B-Instruct", "0.22.0", "v2", gpus=4)
    assert _plan("Qwen/Qwen3-Next-80B-A3B-Instruct", "0.23.0", "v2", gpus=4).model_runner == "v2"
    aligned = EngineSettings(vllm_version="0.23.0", model_runner="v2", enable_prefix_caching=True)
    with pytest.raises(EngineError, match="hybrid/mamba models with align cache mode"):
        plan(PlanRequest(model=_spec("Qwen/Qwen3-Next-80B-A3B-Instruct"),
                         cluster=preset_cluster("h100-sxm", 4), engine=aligned))
    assert _plan("Qwen/Qwen3-Next-80B-A3B-Instruct", "0.25.0", "v2", gpus=4).model_runner == "v2"


def test_auto_leaves_the_settings_dump_as_it_was():
    assert "model_runner" not in EngineSettings().model_dump()
    assert EngineSettings(model_runner="v1").model_dump()["model_runner"] == "v1"


def test_v1_of_step5_is_refused_by_0_33_only_where_asked():
    # _get_v1_model_runner_unsupported_features (0.33.0 wheel): Step5 architectures
    default = ("v2", "every model")
    with pytest.raises(EngineError, match='"Model Runner V1 does not support: Step5"'):
        asked_runner(vllm_rules("0.33.0"), "v1", default, False, False, ("Step5ForCausalLM",))
    assert asked_runner(vllm_rules("0.32.0"), "v1", default, False, False,
                        ("Step5ForCausalLM",))[0] == "v1"
    assert asked_runner(vllm_rules("0.33.0"), "auto", default, False, False,
                        ("Step5ForCausalLM",)) == default


@pytest.mark.parametrize("version", ["0.26.0", "0.29.0", "0.33.0"])
def test_v1_of_longcat_flash_lite_is_refused_from_0_26(version):
    # models/longcat_flash_ngram.py LongcatFlashNgramForCausalLM.__init__, the same lines in the
    # 0.26.0-0.33.0 wheels (the file is absent from 0.25.1's): `if not
    # vllm_config.use_v2_model_runner: raise NotImplementedError("LongcatFlashNgramForCausalLM
    # (LongCat-Flash-Lite) requires the V2 model runner for its n-gram embedding state; it is
    # selected automatically unless VLLM_USE_V2_MODEL_RUNNER=0 is set.")`
    default, arch = ("v2", "every model"), ("LongcatFlashNgramForCausalLM",)
    with pytest.raises(EngineError, match=r"requires the V2 model runner for its n-gram "
                       r"embedding state; it is selected automatically unless "
                       r"VLLM_USE_V2_MODEL_RUNNER=0 is set\.\"$") as refused:
        asked_runner(vllm_rules(version), "v1", default, False, False, arch)
    assert str(refused.value).startswith(
        f"--model-runner v1: vLLM {version} refuses LongcatFlashNgramForCausalLM "
        "(models/longcat_flash_ngram.py LongcatFlashNgramForCausalLM.__init__): ")
    assert asked_runner(vllm_rules(version), "v2", default, False, False, arch)[0] == "v2"
    assert asked_runner(vllm_rules(version), "auto", default, False, False, arch) == default
    # the plain LongCat-Flash (longcat_flash.py) runs V1 when asked
    assert asked_runner(vllm_rules(version), "v1", default, False, False,
                        ("LongcatFlashForCausalLM",))[0] == "v1"
