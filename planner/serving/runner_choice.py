"""The model runner a user asks for (EngineSettings.model_runner, `--model-runner v1|v2`)
against what vLLM does with VLLM_USE_V2_MODEL_RUNNER, per release ("auto": the release's own
pick, vllm_versions.model_runner, and no variable in the command).

NOTE: read in each wheel's envs.py, v1/worker/gpu_worker.py, config/vllm.py and
platforms/interface.py:
- 0.9.1-0.11.1: envs.py has no VLLM_USE_V2_MODEL_RUNNER (0.11.0, 0.11.1 wheels): V1 runs.
- 0.12.0-0.21.0 (0.12.0, 0.13.0, 0.15.0, 0.17.0-0.21.0 wheels): `bool(int(os.getenv(
  "VLLM_USE_V2_MODEL_RUNNER", "0")))`, which gpu_worker.py Worker reads: 1 builds V2
  (v1/worker/gpu/model_runner.py), 0 or unset V1. From 0.20.0 VllmConfig.__post_init__ runs
  _validate_v2_model_runner when it is set ("VLLM_USE_V2_MODEL_RUNNER does not yet support:
  hybrid/mamba models", ...); 0.12.0-0.19.x check nothing.
- 0.22.0-0.33.0: `maybe_convert_bool(os.getenv("VLLM_USE_V2_MODEL_RUNNER", None))`;
  VllmConfig.use_v2_model_runner returns a set value before its default and its fallbacks
  (the "using the V1 model runner instead" warnings are the default's only), then
  __post_init__ raises ValueError where V2 is asked for a feature it lacks
  (_validate_v2_model_runner: of Headroom's settings, a model with inner state (Mamba /
  linear attention) in 0.22.x, such a model in mamba_cache_mode "align" (prefix caching on
  it, but not the Mamba2 hybrids vLLM runs in "all": vllm_versions.mamba_cache_mode) in
  0.23.0-0.24.0; from 0.25.0 none) and, from 0.29.0, where V1 is asked for one it lacks
  (_validate_v1_model_runner: of the architectures, Step5 in 0.33.0); asked V1,
  models/longcat_flash_ngram.py LongcatFlashNgramForCausalLM.__init__ (0.26.0-0.33.0) raises
  NotImplementedError when the engine builds the model.
- 0.34.0: no variable (vllm_versions.V1_RUNNER_REMOVED_FROM); Platform.validate_environ
  raises for any value but 1 and warns that 1 "is redundant and can be unset".
So an explicit runner never falls back to the other with a warning: vLLM runs it or refuses
to start. Headroom reads V2's memory from its first default release (0.22.0,
vllm_versions.V2_RUNNER_DEFAULTS), so V2 asked of 0.12.0-0.21.x is refused here, not planned
with rules read from later releases."""

from planner.serving.vllm_versions import (
    V1_RUNNER_REMOVED_FROM,
    V2_RUNNER_DEFAULTS,
    EngineError,
    VllmRules,
    in_span,
    version_label,
)

RUNNER_ENV = "VLLM_USE_V2_MODEL_RUNNER"

RUNNER_ENV_FROM = (0, 12, 0)
"""The first release whose envs.py has VLLM_USE_V2_MODEL_RUNNER (module docstring)."""

V2_READ_FROM = V2_RUNNER_DEFAULTS[0][0]
"""The first release whose Model Runner V2 memory Headroom reads (0.22.0)."""

V2_REFUSED_STATEFUL = (((0, 22, 0), (0, 23, 0), False,
                        "VLLM_USE_V2_MODEL_RUNNER does not yet support: hybrid/mamba models"),
                       ((0, 23, 0), (0, 25, 0), True,
                        "Model Runner V2 does not yet support: hybrid/mamba models with align "
                        "cache mode"))
"""(from, before, only in mamba_cache_mode "align", vLLM's ValueError): _validate_v2_model_runner
on a model with inner state (module docstring), the releases V2 is read in."""

V1_REFUSED_ARCHITECTURES = (
    ((0, 26, 0), ("LongcatFlashNgramForCausalLM",),
     "models/longcat_flash_ngram.py LongcatFlashNgramForCausalLM.__init__",
     "LongcatFlashNgramForCausalLM (LongCat-Flash-Lite) requires the V2 model runner for its "
     "n-gram embedding state; it is selected automatically unless VLLM_USE_V2_MODEL_RUNNER=0 is "
     "set."),
    ((0, 33, 0), ("Step5ForCausalLM", "Step5ForConditionalGeneration"),
     "config/vllm.py _validate_v1_model_runner", "Model Runner V1 does not support: Step5"))
"""(from, architectures, where, vLLM's error) where V1 is asked, to 0.33.0 (0.34.0 has no V1):
LongCat-Flash-Lite's NotImplementedError, word for word in every wheel from 0.26.0 (the file's
first) to 0.33.0; Step5 in config/vllm.py _get_v1_model_runner_unsupported_features of the
0.33.0 wheel (absent from 0.32.0's)."""


def runner_request_refusal(rules: VllmRules, asked: str) -> str | None:
    """Why vLLM `rules` cannot run the runner `asked` ("auto", "v1", "v2") whatever the model,
    in one line naming the release; None where it can."""
    if asked == "auto":
        return None
    label = rules.label
    if rules.version < RUNNER_ENV_FROM and asked == "v2":
        return (f"--model-runner v2: vLLM {label} has no {RUNNER_ENV} (envs.py, from "
                f"{version_label(RUNNER_ENV_FROM)}): it runs Model Runner V1 only")
    if rules.version >= V1_RUNNER_REMOVED_FROM and asked == "v1":
        return (f"--model-runner v1: vLLM {label} has no Model Runner V1 "
                f"(platforms/interface.py: \"{RUNNER_ENV}=0 is no longer supported: Model "
                "Runner V1 has been removed. Unset this variable.\")")
    if rules.version < V2_READ_FROM and asked == "v2":
        return (f"--model-runner v2: vLLM {label} runs Model Runner V2 only opt-in "
                f"({RUNNER_ENV}=1), and Headroom reads V2's memory from "
                f"{version_label(V2_READ_FROM)}, its first default: plan it with "
                f"--vllm-version {version_label(V2_READ_FROM)} or later")
    return None


def runner_env_prefix(rules: VllmRules, asked: str) -> str:
    """The launch command's `VLLM_USE_V2_MODEL_RUNNER=0 ` / `=1 ` for a runner asked of a
    release that reads the variable ('' for "auto", and where the release has none)."""
    if asked == "auto" or not RUNNER_ENV_FROM <= rules.version < V1_RUNNER_REMOVED_FROM:
        return ""
    return f"{RUNNER_ENV}={int(asked == 'v2')} "


def asked_runner(rules: VllmRules, asked: str, default: tuple[str, str], stateful: bool,
                 align: bool, architectures: tuple[str, ...]) -> tuple[str, str]:
    """("v1" | "v2", why) for the runner `asked` where vLLM `rules` picks `default`
    (vllm_versions.model_runner) for a model with Mamba / linear-attention state (`stateful`;
    `align`: its cache in mamba_cache_mode "align"); EngineError in vLLM's words where it
    refuses to start (runner_request_refusal, then the model's)."""
    refusal = runner_request_refusal(rules, asked)
    if refusal:
        raise EngineError(refusal)
    if asked == "auto" or not runner_env_prefix(rules, asked):
        return default
    label, model = rules.label, ", ".join(architectures) or "this model"
    if asked == "v2" and stateful:
        for start, end, align_only, error in V2_REFUSED_STATEFUL:
            if in_span(rules.version, start, end) and (align or not align_only):
                raise EngineError(f"--model-runner v2: vLLM {label} refuses {model} "
                                  f"(config/vllm.py _validate_v2_model_runner): \"{error}\"")
    for start, names, where, error in V1_REFUSED_ARCHITECTURES:
        if asked == "v1" and rules.version >= start and set(architectures) & set(names):
            raise EngineError(f"--model-runner v1: vLLM {label} refuses {model} ({where}): "
                              f"\"{error}\"")
    reader = ("config/vllm.py VllmConfig.use_v2_model_runner returns it before any default"
              if rules.version >= V2_READ_FROM else "v1/worker/gpu_worker.py Worker reads it")
    return asked, (f"{runner_env_prefix(rules, asked).strip()} in the launch command "
                   f"(--model-runner {asked}): vLLM {label} {reader}; without it "
                   f"{default[0].upper()}")
