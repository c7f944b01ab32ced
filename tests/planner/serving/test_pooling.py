"""Pooling models (embeddings, classes, scores, rewards) are refused in one line, never planned
as generators on the Transformers backend. Read by hand in the wheels:
model_executor/models/registry.py's tables (0.9.1, 0.17.0, 0.18.0, 0.34.0) and
_SUFFIX_TO_DEFAULTS (vllm/config/__init__.py in 0.10.1, vllm/config/model.py in 0.11.0,
0.19.0, 0.34.0); before 0.10.1 the pooling tasks of vllm/config.py _RUNNER_TASKS."""

import json
from pathlib import Path

import pytest

from planner.serving.pooling import pooling_refusal
from planner.serving.vllm_cli import vllm_cli
from tests.cli.conftest import run_main
from tests.conftest import load_ref_config
from tools.extract_vllm_cli import _architectures, _runner_defaults

LLAMA, _ = load_ref_config("meta-llama__Meta-Llama-3.1-8B")
"""Llama 3.1 8B's config, under other architectures below."""
TAIL = "Headroom plans text generation only."


def _registry_line(version: str, arch: str, table: str, runner: str) -> str:
    return (f"vLLM {version} serves {arch} as a pooling model (embeddings, classes, scores or "
            f"rewards: model_executor/models/registry.py {table}; `vllm serve {runner}`); "
            + TAIL)


def _suffix_line(version: str, arch: str, suffix: str) -> str:
    return (f"vLLM {version} has no class of its own for {arch} and serves it as a pooling "
            f"model by its name (vllm/config _SUFFIX_TO_DEFAULTS: *{suffix} runs on "
            "`--runner pooling`); " + TAIL)


def test_the_registry_tables_name_the_pooling_models_of_each_release() -> None:
    # 0.34.0: "BertModel": ("bert", "BertEmbeddingModel") and the headless "LlamaModel":
    # ("llama", "LlamaForCausalLM") in _EMBEDDING_MODELS, "Qwen2ForRewardModel" in
    # _REWARD_MODELS (0.18.0 on; _EMBEDDING_MODELS up to 0.17.0), and "Qwen2ForCausalLM" in
    # _EMBEDDING_MODELS as well as _TEXT_GENERATION_MODELS, a generator
    new, old = vllm_cli("0.34.0"), vllm_cli("0.17.0")
    assert new.pooling_architectures["BertModel"] == "_EMBEDDING_MODELS"
    assert new.pooling_architectures["Qwen2ForRewardModel"] == "_REWARD_MODELS"
    assert old.pooling_architectures["Qwen2ForRewardModel"] == "_EMBEDDING_MODELS"
    assert old.pooling_architectures["BertForSequenceClassification"] == "_CROSS_ENCODER_MODELS"
    assert "Qwen2ForCausalLM" in new.pooling_architectures and "Qwen2ForCausalLM" in (
        new.architectures)
    # the suffix table: 14 pairs in 0.10.1, 15 from 0.13.0 (ForTokenClassification), the
    # generator's four first and the catch-all "Model" last; none before 0.10.1
    assert vllm_cli("0.10.0").runner_defaults == ()
    assert vllm_cli("0.10.1").runner_defaults[:5] == (
        ("ForCausalLM", "generate"), ("ForConditionalGeneration", "generate"),
        ("ChatModel", "generate"), ("LMHeadModel", "generate"), ("ForTextEncoding", "pooling"))
    assert vllm_cli("0.34.0").runner_defaults[-1] == ("Model", "pooling")
    assert len(vllm_cli("0.12.0").runner_defaults) == 14
    assert len(vllm_cli("0.13.0").runner_defaults) == 15


@pytest.mark.parametrize(("version", "arch", "line"), [
    ("0.34.0", "LlamaModel",
     _registry_line("0.34.0", "LlamaModel", "_EMBEDDING_MODELS", "--runner pooling")),
    ("0.34.0", "BertModel",
     _registry_line("0.34.0", "BertModel", "_EMBEDDING_MODELS", "--runner pooling")),
    ("0.19.0", "Qwen2ForRewardModel",
     _registry_line("0.19.0", "Qwen2ForRewardModel", "_REWARD_MODELS", "--runner pooling")),
    # 0.9.1 lists it ("Auto-converted (see adapters.py)"); 0.34.0 has no class and its
    # name decides: the first suffix it ends with is ForSequenceClassification (pooling)
    ("0.9.1", "Qwen2ForSequenceClassification",
     _registry_line("0.9.1", "Qwen2ForSequenceClassification", "_EMBEDDING_MODELS",
                    "--task embed|classify|score|reward")),
    ("0.34.0", "Qwen2ForSequenceClassification",
     _suffix_line("0.34.0", "Qwen2ForSequenceClassification", "ForSequenceClassification")),
    ("0.34.0", "LlamaForRewardModel", _suffix_line("0.34.0", "LlamaForRewardModel",
                                                   "RewardModel")),
    ("0.34.0", "AcmeModel", _suffix_line("0.34.0", "AcmeModel", "Model")),
    # generators: in _TEXT_GENERATION_MODELS (ChatGLMModel ends with "Model"; Qwen2ForCausalLM
    # is in _EMBEDDING_MODELS too), or by name (ForCausalLM comes before "Model")
    ("0.34.0", "ChatGLMModel", None),
    ("0.34.0", "Qwen2ForCausalLM", None),
    ("0.34.0", "AcmeForCausalLM", None),
    # before 0.10.1 no suffix table: v1_oracle says the release has no class for it
    ("0.10.0", "AcmeModel", None),
    # GritLM is in _TEXT_GENERATION_MODELS and _EMBEDDING_MODELS up to 0.28.0, and gritlm.py's
    # class sets is_pooling_model = True, which _get_default_runner_type asks first (0.10.1 on);
    # 0.10.0's _resolve_task takes generation first
    ("0.19.0", "GritLM",
     _registry_line("0.19.0", "GritLM", "_EMBEDDING_MODELS", "--runner pooling")),
    ("0.28.0", "GritLM",
     _registry_line("0.28.0", "GritLM", "_EMBEDDING_MODELS", "--runner pooling")),
    ("0.10.0", "GritLM", None),
])
def test_each_release_says_which_architectures_it_pools(
        version: str, arch: str, line: str | None) -> None:
    assert pooling_refusal((arch,), vllm_cli(version)) == line


def test_the_first_architecture_vllm_decides_on_decides() -> None:
    # _get_default_runner_type returns at the first one in the registry or with a suffix
    cli = vllm_cli("0.34.0")
    assert pooling_refusal(("LlamaForCausalLM", "BertModel"), cli) is None
    assert pooling_refusal(("BertModel", "LlamaForCausalLM"), cli) == _registry_line(
        "0.34.0", "BertModel", "_EMBEDDING_MODELS", "--runner pooling")


@pytest.mark.parametrize(("arch", "version"), [
    ("LlamaModel", "0.34.0"), ("Qwen2ForSequenceClassification", "0.34.0"),
    ("BertModel", "0.10.0"), ("XLMRobertaModel", "0.21.0")])
def test_the_cli_refuses_a_pooling_model_in_one_line(
        arch: str, version: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    # planned before as a generator on the Transformers backend ("has no model class of its
    # own for LlamaModel"), or refused on 0.10.0 as one that "would try the Transformers
    # backend"
    (tmp_path / "config.json").write_text(json.dumps(LLAMA | {"architectures": [arch]}))
    for command in ("plan", "sweep", "recommend"):
        code, out, err = run_main(capsys, command, "--model", str(tmp_path), "--gpu",
                                  "h100-sxm", "--vllm-version", version, "--json")
        assert code == 2 and out == "" and err.count("\n") == 1, err
        assert f" {arch} " in err and "as a pooling model" in err, err
        assert err.endswith(TAIL + "\n"), err


def test_the_extractor_reads_the_pooling_tables_and_the_suffix_table() -> None:
    registry = ('_TEXT_GENERATION_MODELS = {"LlamaForCausalLM": ("llama", "L")}\n'
                '_EMBEDDING_MODELS = {"BertModel": ("bert", "B"), "ColPali": ("c", "C"),\n'
                '    **{k: v for k, v in _TEXT_GENERATION_MODELS.items()}}\n'
                '_LATE_INTERACTION_MODELS = {"ColPali": ("c", "C")}\n')
    assert _architectures(registry)["pooling_architectures"] == {
        "BertModel": "_EMBEDDING_MODELS", "ColPali": "_LATE_INTERACTION_MODELS"}
    model_py = ('_SUFFIX_TO_DEFAULTS: list[tuple[str, tuple[RunnerType, ConvertType]]] = [\n'
                '    ("ForCausalLM", ("generate", "none")),\n'
                '    ("Model", ("pooling", "embed")),\n]\n')
    assert _runner_defaults(["x = 1\n", model_py]) == [["ForCausalLM", "generate"],
                                                       ["Model", "pooling"]]
    assert _runner_defaults(["x = 1\n"]) == []
