"""Which model runner vLLM starts a model on, per release (vllm_versions.V2_RUNNER_DEFAULTS).

Each boundary is read by hand from the unzipped PyPI wheels' config/vllm.py
(VllmConfig.use_v2_model_runner and _is_default_v2_model_runner_model) and envs.py, at the
lines named beside it; the models are the catalog's configs (their `architectures`, experts,
quantization_config and layer kinds)."""

from functools import cache

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_versions import model_runner, vllm_rules

_spec = cache(catalog_spec)


@cache
def _runner_and_reason(repo_id: str, version: str, gpu: str = "h100-sxm",
                       gpus: int = 1) -> tuple[str, str]:
    result = plan(PlanRequest(model=_spec(repo_id), cluster=preset_cluster(gpu, gpus),
                              layout=ParallelLayout(tp=gpus),
                              engine=EngineSettings(vllm_version=version, max_model_len=4096)))
    return result.model_runner, result.model_runner_reason


def _runner(repo_id: str, version: str, gpu: str = "h100-sxm", gpus: int = 1) -> str:
    return _runner_and_reason(repo_id, version, gpu, gpus)[0]


def test_opt_in_before_0_22_then_qwen3_dense():
    # 0.21.0 envs.py:1711-1712: VLLM_USE_V2_MODEL_RUNNER = bool(int(os.getenv(..., "0"))),
    # and gpu_worker.py:156 reads it: V1 unless set. 0.22.0 config/vllm.py:69
    # DEFAULT_V2_MODEL_RUNNER_ARCHITECTURES = frozenset({"Qwen3ForCausalLM"}), :532
    # `return not model_config.is_moe and not model_config.is_quantized`.
    assert _runner("Qwen/Qwen3-8B", "0.21.0") == "v1"
    assert _runner("Qwen/Qwen3-8B", "0.22.0") == "v2"
    # Llama is not on 0.22's list; 0.23.0 config/vllm.py:69-75 adds Llama and Mistral
    assert _runner("meta-llama/Llama-3.1-8B-Instruct", "0.22.0") == "v1"
    assert _runner("meta-llama/Llama-3.1-8B-Instruct", "0.23.0") == "v2"


def test_listed_quantized_and_moe_from_0_24():
    # 0.23.0 config/vllm.py:558 keeps `not is_moe and not is_quantized` (is_quantized:
    # config/model.py:1877, the config's quantization_config): Qwen3-32B-FP8 has one.
    # 0.24.0 config/vllm.py:559-560 `return any(arch in DEFAULT_V2_MODEL_RUNNER_ARCHITECTURES
    # ...)` with the list at :68-77 adding DeepseekV2ForCausalLM (a MoE).
    assert _runner("Qwen/Qwen3-32B-FP8", "0.23.0") == "v1"
    assert _runner("Qwen/Qwen3-32B-FP8", "0.24.0") == "v2"
    assert _runner("deepseek-ai/DeepSeek-V2-Lite-Chat", "0.23.0") == "v1"
    assert _runner("deepseek-ai/DeepSeek-V2-Lite-Chat", "0.24.0") == "v2"


def test_every_dense_model_from_0_25_moe_only_listed():
    # 0.25.0 config/vllm.py:571-574 `any(arch in DEFAULT_...) or not model_config.is_moe`:
    # Gemma-2 (not listed, dense) runs V1 on 0.24 and V2 from 0.25; Qwen3-30B-A3B
    # (Qwen3MoeForCausalLM, never listed: 0.25.0 :68-74, 0.28.0 :69-80) stays V1 to 0.28.
    assert _runner("google/gemma-2-9b-it", "0.24.0") == "v1"
    assert _runner("google/gemma-2-9b-it", "0.25.0") == "v2"
    for version in ("0.25.0", "0.26.0", "0.27.0", "0.28.0"):
        assert _runner("Qwen/Qwen3-30B-A3B", version) == "v1", version


def test_hybrids_run_v1_until_0_29():
    # 0.25.0 config/vllm.py:565 (0.26.0 :613) `if getattr(model_config, "is_hybrid", False):
    # return False`; 0.27.0 :651-653 (0.28.0 :705-707) only when not listed. Qwen3.5-27B
    # (Qwen3_5ForConditionalGeneration: Gated DeltaNet + attention, dense) is never listed.
    for version in ("0.25.0", "0.26.0", "0.27.0", "0.28.0"):
        assert _runner("Qwen/Qwen3.5-27B", version) == "v1", version


def test_listed_hybrid_from_0_27():
    # 0.27.0 config/vllm.py:69-79 lists KimiK3ForConditionalGeneration and :651-653 keeps a
    # hybrid on V2 when listed; 0.26.0 :613 sends every hybrid to V1 (KimiK3 is not in
    # 0.26.0's list at :68-77 either).
    kimi = ("KimiK3ForConditionalGeneration",)
    assert model_runner(vllm_rules("0.26.0"), kimi, True, False, True, rocm=False)[0] == "v1"
    assert model_runner(vllm_rules("0.27.0"), kimi, True, False, True, rocm=False)[0] == "v2"
    # an unlisted hybrid stays V1 there
    assert model_runner(vllm_rules("0.27.0"), ("Qwen3NextForCausalLM",), True, False,
                        True, rocm=False)[0] == "v1"


def test_deepseek_v4_listed_from_0_28():
    # DeepSeek-V4 is MoE: 0.27.0's list (:69-79) does not name DeepseekV4ForCausalLM, 0.28.0's
    # does (:72), and 0.28.0 :712 `return is_default_v2_architecture or not is_moe`.
    spec = _spec("deepseek-ai/DeepSeek-V4-Flash")
    assert spec.architectures == ("DeepseekV4ForCausalLM",) and spec.is_moe
    args = (spec.architectures, True, spec.quant is not None, False)
    assert model_runner(vllm_rules("0.27.0"), *args, rocm=False)[0] == "v1"
    assert model_runner(vllm_rules("0.28.0"), *args, rocm=False)[0] == "v2"


def test_listed_moe_from_0_26():
    # 0.26.0 config/vllm.py:68-77 adds LongcatFlashNgramForCausalLM and the two Inkling classes
    # to 0.25.0's list (:68-74: DeepseekV2, Qwen2Moe, GraniteMoe); :619-622 `any(listed) or not
    # is_moe`: a listed MoE runs V2
    for arch in ("LongcatFlashNgramForCausalLM", "InklingForCausalLM"):
        args = ((arch,), True, False, False)
        assert model_runner(vllm_rules("0.25.0"), *args, rocm=False)[0] == "v1", arch
        assert model_runner(vllm_rules("0.26.0"), *args, rocm=False)[0] == "v2", arch


def test_every_model_from_0_29():
    # 0.29.0 config/vllm.py:645-677 and 0.33.0 :731-767: no architecture test; V2 unless
    # Triton is missing or an unsupported feature is set (none is a Headroom setting).
    for version in ("0.29.0", "0.33.0"):
        assert _runner("Qwen/Qwen3-30B-A3B", version) == "v2", version
        assert _runner("Qwen/Qwen3.5-27B", version) == "v2", version


def test_plan_says_which_runner():
    # the seed (Qwen3-235B-A22B GPTQ-Int4, 8x RTX 3090) on the default 0.34.0: V2, its only
    # runner (the 0.34.0 wheel has no v1/worker/gpu_model_runner.py), and the activation and
    # graph terms say they are V1's rules; on 0.19 the V1 runner, no such note
    seed = plan(PlanRequest(model=_spec("Qwen/Qwen3-235B-A22B-GPTQ-Int4"),
                            cluster=preset_cluster("rtx-3090", 8),
                            layout=ParallelLayout(tp=8, ep=True),
                            engine=EngineSettings(gpu_memory_utilization=0.9)))
    assert seed.model_runner == "v2"
    assert seed.model_runner_reason.startswith("vLLM 0.34.0 ")
    assert "Model Runner V2 is the only runner" in seed.model_runner_reason
    notes = {term.key: term.note for term in seed.terms}
    assert all("Model Runner V2" in notes[key] for key in ("activation", "cuda_graphs"))
    assert not any("Model Runner V2" in w for w in seed.warnings)
    dumped = seed.model_dump(mode="json")
    assert dumped["model_runner"] == "v2"
    old = plan(PlanRequest(model=_spec("Qwen/Qwen3-8B"), cluster=preset_cluster("h100-sxm", 1),
                           engine=EngineSettings(vllm_version="0.19.0", max_model_len=4096)))
    assert old.model_runner == "v1" and "opt-in" in old.model_runner_reason
    assert not any("Model Runner V2" in term.note for term in old.terms)


@pytest.mark.parametrize("version", ["0.16.0", "0.19.0"])
def test_activation_note_says_the_fit_compiled_cold(version):
    # every v0.19 calibration log read compiles torch.compile cold ("Compiling a graph for
    # compile range (1, 8192) takes", never "Directly load the compiled graph(s)"), so the
    # activation term says which state it plans: on the fitted sampler (0.19) and on the
    # sort-sampler rule (vLLM < 0.17), whose forward part is the same fit
    p = plan(PlanRequest(model=_spec("Qwen/Qwen3-8B"), cluster=preset_cluster("h100-sxm", 1),
                         engine=EngineSettings(vllm_version=version, max_model_len=4096)))
    note = {term.key: term.note for term in p.terms}["activation"]
    assert "cold torch.compile cache" in note
    assert ("sampler: the logits and sort buffers" in note) == (version == "0.16.0")


@pytest.mark.parametrize("version", ["0.22.0", "0.23.0", "0.24.0"])
def test_unlisted_architecture_named(version):
    reason = model_runner(vllm_rules(version), ("Gemma2ForCausalLM",), False, False, False,
                          rocm=False)
    assert reason == ("v1", f"vLLM {version} config/vllm.py VllmConfig.use_v2_model_runner: "
                      "Gemma2ForCausalLM is not in DEFAULT_V2_MODEL_RUNNER_ARCHITECTURES")


def _on_rocm(version: str, arch: str, stateful: bool = False) -> str:
    """The runner of a MoE `arch` on an AMD GPU under `version`."""
    return model_runner(vllm_rules(version), (arch,), True, False, stateful, rocm=True)[0]


def test_rocm_keeps_some_architectures_on_v1():
    # 0.27.0 config/vllm.py:84-88 ROCM_EXCLUDED_V2_MODEL_RUNNER_ARCHITECTURES = {KimiK3...},
    # :92-101 default_v2_model_runner_architectures drops it on ROCm: a hybrid not listed, V1
    assert _on_rocm("0.27.0", "KimiK3ForConditionalGeneration", stateful=True) == "v1"
    # 0.28.0 :84-93 drops DeepseekV4 instead (a MoE, so V1), KimiK3 is back
    assert _on_rocm("0.28.0", "DeepseekV4ForCausalLM") == "v1"
    assert _on_rocm("0.28.0", "KimiK3ForConditionalGeneration", stateful=True) == "v2"
    # 0.29.0 :71-73 ROCM_DEFAULT_MRV1_ARCHITECTURES = {DeepseekV32, DeepseekV4}, :653-660
    # returns False for them; 0.30.0 :73-75 (0.31.0 :75-77) adds GlmMoeDsa; 0.32.0
    # use_v2_model_runner (:703-739) has no ROCm test
    assert _on_rocm("0.29.0", "DeepseekV32ForCausalLM") == "v1"
    assert _on_rocm("0.29.0", "GlmMoeDsaForCausalLM") == "v2"
    assert _on_rocm("0.30.0", "GlmMoeDsaForCausalLM") == "v1"
    assert _on_rocm("0.31.0", "DeepseekV4ForCausalLM") == "v1"
    assert _on_rocm("0.32.0", "DeepseekV4ForCausalLM") == "v2"
    # the same architectures on an NVIDIA GPU: V2 in each of those releases
    for version, arch in (("0.28.0", "DeepseekV4ForCausalLM"),
                          ("0.29.0", "DeepseekV32ForCausalLM"),
                          ("0.30.0", "GlmMoeDsaForCausalLM")):
        assert model_runner(vllm_rules(version), (arch,), True, False, False,
                            rocm=False)[0] == "v2", version


def test_plan_on_an_amd_gpu_names_rocm():
    # Qwen3-8B on one MI300X: 0.33.0 runs every model on V2 on ROCm as on CUDA, and the reason
    # says ROCm, not "an NVIDIA GPU"; on 0.29.0 it names the ROCm exceptions
    assert _runner_and_reason("Qwen/Qwen3-8B", "0.33.0", "mi300x") == (
        "v2", "vLLM 0.33.0 config/vllm.py VllmConfig.use_v2_model_runner: every model on ROCm "
        "(VLLM_USE_V2_MODEL_RUNNER=0 restores V1)")
    assert model_runner(vllm_rules("0.29.0"), ("Qwen3ForCausalLM",), False, False, False,
                        rocm=True)[1].endswith(
        "every model on ROCm but ROCM_DEFAULT_MRV1_ARCHITECTURES (VLLM_USE_V2_MODEL_RUNNER=0 "
        "restores V1)")


def test_v1_removed_in_0_34():
    # 0.34.0 wheel: no v1/worker/gpu_model_runner.py; gpu_worker.py Worker._make_model_runner
    # (:579-587) builds v1/worker/gpu/model_runner.py GPUModelRunner, and config/vllm.py has no
    # use_v2_model_runner to fall back on. 0.33.0 config/vllm.py:748-750 still let
    # VLLM_USE_V2_MODEL_RUNNER=0 pick V1, which the reason said; 0.34.0 says V1 is gone
    assert _runner_and_reason("Qwen/Qwen3-8B", "0.34.0") == (
        "v2", "vLLM 0.34.0 v1/worker/gpu_worker.py Worker._make_model_runner: Model Runner V2 "
        "is the only runner (Model Runner V1 has been removed)")
    # a MoE model on ROCm too: no architecture or platform test is left
    assert model_runner(vllm_rules("0.34.0"), ("DeepseekV4ForCausalLM",), True, True, True,
                        rocm=True)[0] == "v2"
