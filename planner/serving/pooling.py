"""Pooling models: architectures vLLM serves for embeddings, classification, scores or rewards
(its pooling runner), not text generation, which is all Headroom plans (decode, the KV cache
of generation, speed). A config naming one is refused in one line, never planned as a
generator.

NOTE: ModelConfig._get_default_runner_type (vllm/config/model.py; vllm/config/__init__.py in
0.10.1-0.10.2; read in 0.10.1, 0.11.0, 0.19.0 and 0.34.0), with --runner auto: a repository
with sentence-transformers' modules.json is pooling; else, for each of config.json's
architectures in turn, one in the registry is pooling where its class is a pooling model and
generate where it is a text generator, and one the registry lacks takes the runner of the
first suffix of _SUFFIX_TO_DEFAULTS it ends with (Qwen2ForSequenceClassification: pooling).
Before 0.10.1 ModelConfig._resolve_task (vllm/config.py, 0.9.1-0.10.0) picks the first task
the class supports, generation before pooling, and no suffix table reaches an architecture
the registry lacks (it tries the Transformers backend; 0.10.0's _normalize_archs also
converts an *ForSequenceClassification whose *ForCausalLM it has, which Headroom refuses
there as a class the release lacks: v1_oracle). Headroom holds the registry's tables
(VllmCli.pooling_architectures, architectures), not its classes: an architecture named only
in the pooling tables is refused, which includes the headless checkpoints (LlamaModel,
Qwen2Model, MistralModel) vLLM maps to a generator class there (LlamaForCausalLM) to adapt it
into an embedding model: --runner pooling serves them; on the generate runner, picked without
modules.json, the headless weights (no `model.` prefix, no lm_head) do not match the
generator's (models/utils.py AutoWeightsLoader, 0.34.0). modules.json is not read here.
"""

from planner.serving.vllm_cli import VllmCli

OLD_TASKS = "--task embed|classify|score|reward"
"""The pooling tasks before --runner (0.10.1): vllm/config.py _RUNNER_TASKS['pooling']."""

POOLING_CLASSES_LISTED_AS_GENERATORS = frozenset({"GritLM"})
"""NOTE: classes in the registry's generative tables whose model class is a pooling model,
which _get_default_runner_type (registry.is_pooling_model, asked first) serves on the pooling
runner from 0.10.1: model_executor/models/gritlm.py GritLM sets `is_pooling_model = True`
(0.10.1, 0.19.0 and 0.28.0 wheels; GritLM is in both tables until 0.28.0 and gone from
0.29.0). The fixtures hold the tables, not the classes, so this one is named here."""


def pooling_refusal(architectures: tuple[str, ...], cli: VllmCli) -> str | None:
    """One line where vLLM `cli` serves config.json's `architectures` as a pooling model
    (the module's NOTE: the first one the registry or the suffix table decides); None where
    it serves them as a generator, or says nothing of them."""
    v = cli.vllm_version
    runner = "--runner pooling" if "--runner" in cli.flags else OLD_TASKS
    for arch in architectures:
        pooling_class = (arch in POOLING_CLASSES_LISTED_AS_GENERATORS
                         and "--runner" in cli.flags)
        if not pooling_class and (arch in cli.architectures
                                  or arch in cli.transformers_architectures):
            return None
        if (table := cli.pooling_architectures.get(arch)) is not None:
            return (f"vLLM {v} serves {arch} as a pooling model (embeddings, classes, scores "
                    f"or rewards: model_executor/models/registry.py {table}; `vllm serve "
                    f"{runner}`); Headroom plans text generation only.")
        if (suffix := _runner_suffix(arch, cli)) is not None:
            if suffix[1] != "pooling":
                return None
            return (f"vLLM {v} has no class of its own for {arch} and serves it as a pooling "
                    f"model by its name (vllm/config _SUFFIX_TO_DEFAULTS: *{suffix[0]} runs on "
                    f"`--runner pooling`); Headroom plans text generation only.")
    return None


def _runner_suffix(arch: str, cli: VllmCli) -> tuple[str, str] | None:
    """The first (suffix, runner) of the release's _SUFFIX_TO_DEFAULTS that `arch` ends with
    (config/model.py try_match_architecture_defaults); None before 0.10.1, which has none."""
    return next((pair for pair in cli.runner_defaults if arch.endswith(pair[0])), None)
