"""Which configs and tokenizers vLLM loads only with --trust-remote-code, worked out by reading
the wheels' source (vllm/transformers_utils/config.py HFConfigParser.parse / get_config,
registry.py, vllm/tokenizers/hf.py, and the CONFIG_MAPPING_NAMES / TOKENIZER_MAPPING_NAMES of
the lowest transformers each wheel's METADATA allows), not by running Headroom: the command
Headroom prints or withholds must agree."""

from functools import cache

import pytest

from planner.catalog import catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.launch import (
    remote_code_class,
    remote_code_note,
    unknown_type_note,
    untyped_config_note,
)
from planner.serving.layout import ParallelLayout
from planner.serving.plan import summary_figures
from planner.serving.vllm_cli import supported_versions, vllm_cli
from tests.conftest import load_remote_code_config
from tools.extract_transformers_model_types import (
    remote_tokenizer_skipped,
    skipped_with_flag,
    tokenizer_classes,
)
from tools.extract_vllm_cli import _architecture_model_types

_spec = cache(catalog_spec)
ACME = load_remote_code_config()
"""The hand-made Llama-sized config (tests.conftest.REMOTE_CODE_CONFIG; auto_map:
configuration_acme.AcmeConfig, modeling_acme.AcmeForCausalLM)."""

MINIMAX, DECILM = "configuration_minimax_m2.MiniMaxM2Config", "configuration_decilm.DeciLMConfig"
NEMOTRON_H = "configuration_nemotron_h.NemotronHConfig"
KIMI_TOKENIZER = "tokenization_kimi.TikTokenTokenizer"
"""Kimi-K2-Instruct's and Kimi-K2.5's tokenizer_config.json: tokenizer_class
TikTokenTokenizer, auto_map AutoTokenizer [tokenization_kimi.TikTokenTokenizer, null] (the
catalog entries' sources). No transformers release's TOKENIZER_MAPPING_NAMES
(models/auto/tokenization_auto.py, read in the 4.56.0, 5.5.3 and 5.16.1 wheels) names
TikTokenTokenizer, and no vLLM release has a tokenizer of its own for their architectures
(tokenizers/registry.py _VLLM_TOKENIZERS, config/model.py, 0.19.0 and 0.33.0): AutoTokenizer
runs the repository's class, or stops (4.56.0: resolve_trust_remote_code's "... contains
custom code ...") or loads 5.x's generic TokenizersBackend instead."""
WITH_AUTO_MAP = ("MiniMaxAI/MiniMax-M2.5", "MiniMaxAI/MiniMax-M2.7", "deepseek-ai/DeepSeek-R1",
                 "deepseek-ai/DeepSeek-V3", "deepseek-ai/DeepSeek-V2-Lite-Chat",
                 "microsoft/phi-2", "moonshotai/Kimi-K2-Instruct", "moonshotai/Kimi-K2.5",
                 "nvidia/Llama-3_3-Nemotron-Super-49B-v1",
                 "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16",
                 "nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8", "nvidia/Nemotron-H-56B-Base-8K")
"""Every catalog model whose config.json has an auto_map (the same model_type, architectures
and auto_map as ../shared/model-configs' copies); the others never run a repository's code."""
SOURCE_READ = {
    # vLLM 0.19.0: Requires-Dist transformers<5,>=4.56.0. Every architecture below is a
    # _TEXT_GENERATION_MODELS / _MULTIMODAL_MODELS key (registry.py), so only the config counts.
    # _CONFIG_REGISTRY has kimi_k2 and kimi_k25; transformers 4.56.0's CONFIG_MAPPING_NAMES has
    # deepseek_v2, deepseek_v3 and phi but not minimax_m2, nemotron_h or nemotron-nas. The two
    # Kimi models' tokenizer (KIMI_TOKENIZER) needs it (K2.5 not on 0.24-0.28: below).
    "0.19.0": {"MiniMaxAI/MiniMax-M2.5": MINIMAX, "MiniMaxAI/MiniMax-M2.7": MINIMAX,
               "nvidia/Llama-3_3-Nemotron-Super-49B-v1": DECILM,
               "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16": NEMOTRON_H,
               "nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8": NEMOTRON_H,
               "nvidia/Nemotron-H-56B-Base-8K": NEMOTRON_H,
               "moonshotai/Kimi-K2-Instruct": KIMI_TOKENIZER,
               "moonshotai/Kimi-K2.5": KIMI_TOKENIZER},
    # 0.25.0: transformers>=5.5.3, whose CONFIG_MAPPING_NAMES (configuration_auto.py) gains
    # minimax_m2 and nemotron_h; nemotron-nas is still in neither table. Its
    # MODELS_WITH_INCORRECT_HUB_TOKENIZER_CLASS (tokenization_auto.py) lists kimi_k25, whose
    # auto_map tokenizer AutoTokenizer then drops, flag or not: Kimi-K2.5 runs none
    "0.25.0": {"nvidia/Llama-3_3-Nemotron-Super-49B-v1": DECILM,
               "moonshotai/Kimi-K2-Instruct": KIMI_TOKENIZER},
    # 0.33.0 (the default): transformers<5.21.0,>=5.16.1 (auto_mappings.py); the same
    "0.33.0": {"nvidia/Llama-3_3-Nemotron-Super-49B-v1": DECILM,
               "moonshotai/Kimi-K2-Instruct": KIMI_TOKENIZER,
               "moonshotai/Kimi-K2.5": KIMI_TOKENIZER},
}


@pytest.mark.parametrize("version", sorted(SOURCE_READ))
@pytest.mark.parametrize("repo", WITH_AUTO_MAP)
def test_the_catalogs_remote_code_models_agree_with_the_source(repo: str, version: str) -> None:
    spec, cli = _spec(repo), vllm_cli(version)
    expected = SOURCE_READ[version].get(repo)
    assert spec.remote_config_class is not None  # every one of them names an AutoConfig
    assert remote_code_class(spec, cli) == expected
    assert (remote_code_note(spec, cli) is None) == (expected is None)


def _config(**changes: object) -> dict:
    return {k: v for k, v in {**ACME, **changes}.items() if v is not None}


LONGCAT_LIKE = _config(model_type=None, architectures=["LongcatFlashForCausalLM"], auto_map={
    "AutoConfig": "configuration_longcat_flash.LongcatFlashConfig",
    "AutoModelForCausalLM": "modeling_longcat_flash.LongcatFlashForCausalLM"})
"""config.json with no model_type, only remote code in auto_map (the case vLLM 0.32.0's
_ARCHITECTURE_TO_MODEL_TYPE comment names), under an architecture every release from 0.11.0
has in _TEXT_GENERATION_MODELS (registry.py, read in 0.19.0 and 0.33.0)."""


def test_a_config_without_model_type_reads_as_its_architectures_type_from_0_32() -> None:
    """vLLM 0.32.0 / 0.33.0 / 0.34.0 transformers_utils/config.py HFConfigParser.parse: a
    config_dict without "model_type" takes _ARCHITECTURE_TO_MODEL_TYPE[architectures[0]]
    (LongcatFlashForCausalLM, LongcatFlashNgramForCausalLM -> "longcat_flash") and, that type
    being one of the table's values, builds transformers' CONFIG_MAPPING["longcat_flash"]
    class from it: no AutoConfig, no remote code (transformers 5.16.1 has longcat_flash).
    0.31.0 has no such table: AutoConfig.from_pretrained finds no "model_type" in the dict
    (has_local_code False), so auto_map's AutoConfig runs only with trust_remote_code."""
    newer = ("0.32.0", "0.33.0", "0.34.0")
    assert [vllm_cli(v).architecture_model_types for v in ("0.31.0", *newer)] == [
        {}, *[{"LongcatFlashForCausalLM": "longcat_flash",
               "LongcatFlashNgramForCausalLM": "longcat_flash"}] * 3]
    assert all(not vllm_cli(v).architecture_model_types for v in supported_versions()
               if v not in newer)
    spec = parse_model_config(LONGCAT_LIKE, name="acme/longcat-like")
    assert remote_code_class(spec, vllm_cli("0.31.0")) == (
        "configuration_longcat_flash.LongcatFlashConfig")
    assert remote_code_note(spec, vllm_cli("0.31.0")) == (
        "No launch command: config.json has no top-level model_type, the one vLLM 0.31.0 and "
        "transformers look its config class up by: vLLM reads it only with "
        "--trust-remote-code, which runs the repository's Python code; review it, then plan "
        "with --trust-remote-code.")
    for version in ("0.32.0", "0.33.0"):
        assert remote_code_note(spec, vllm_cli(version)) is None, version
        assert remote_code_class(spec, vllm_cli(version)) is None, version
    # any other architecture without a model_type still needs it on 0.33.0
    other = parse_model_config(_config(model_type=None, architectures=["LlamaForCausalLM"]))
    assert remote_code_class(other, vllm_cli("0.33.0")) == "configuration_acme.AcmeConfig"


def test_a_config_without_model_type_or_auto_map_gets_no_command() -> None:
    """vLLM 0.33.0 HFConfigParser.parse: no "model_type", architectures[0] not in
    _ARCHITECTURE_TO_MODEL_TYPE (LongcatFlash* only), so AutoConfig.from_pretrained; with no
    auto_map transformers 5.16.1 (configuration_auto.py) finds neither remote nor local code
    and raises ValueError("Unrecognized model in acme/acme-8b. Should have a `model_type` key
    in its config.json."), which vLLM re-raises whatever --trust-remote-code says.
    transformers 4.56.0 (vLLM 0.19.0's minimum) first matches its CONFIG_MAPPING keys against
    the name: 'acme/llama-like-8b' holds "llama" and loads as LlamaConfig; 'acme/acme-8b'
    holds no type and raises as 5.x does."""
    plain = _config(model_type=None, auto_map=None, architectures=["LlamaForCausalLM"])
    spec = parse_model_config(plain, name="acme/acme-8b")
    assert untyped_config_note(spec, vllm_cli("0.33.0")) == (
        "No launch command: config.json has no top-level model_type nor one vLLM 0.33.0 gives "
        "LlamaForCausalLM, and no auto_map AutoConfig: vLLM 0.33.0 stops with transformers "
        "5.16.1's (the oldest it allows) \"Unrecognized model in acme/acme-8b. Should have a "
        "`model_type` key in its config.json\"; --trust-remote-code does not change that: add "
        "the model_type (the one of its architecture) to config.json.")
    assert untyped_config_note(spec, vllm_cli("0.19.0")) == (
        "No launch command: config.json has no top-level model_type, and no auto_map "
        "AutoConfig: vLLM 0.19.0 stops with transformers 4.56.0's (the oldest it allows) "
        "\"Unrecognized model in acme/acme-8b. Should have a `model_type` key in its "
        "config.json\" (nor a model type in its name); --trust-remote-code does not change "
        "that: add the model_type (the one of its architecture) to config.json.")
    named = parse_model_config(plain, name="acme/llama-like-8b")
    assert untyped_config_note(named, vllm_cli("0.19.0")) is None
    assert untyped_config_note(named, vllm_cli("0.25.0")) is not None  # 5.5.3: no fallback
    # the plan: no command, with the flag or without, and the same figures
    for trust in (False, True):
        figures = summary_figures(spec, preset_cluster("h100-sxm", 1), ParallelLayout(),
                                  EngineSettings(max_model_len=8192, trust_remote_code=trust),
                                  validated=True)
        assert figures["vllm_command"] is None and figures["verdict"].startswith("Fits: ")
        assert figures["launch_note"] == untyped_config_note(spec, vllm_cli("0.34.0"))
    # a model_type, an auto_map AutoConfig (remote_code_note's case) or, from 0.32.0, an
    # architecture vLLM types (LONGCAT_LIKE without its auto_map) each leave it to the others
    assert untyped_config_note(parse_model_config(ACME, name="acme/acme-8b"),
                               vllm_cli("0.33.0")) is None
    assert untyped_config_note(parse_model_config(_config(model_type=None), name="acme/acme-8b"),
                               vllm_cli("0.33.0")) is None
    longcat = parse_model_config({**LONGCAT_LIKE, "auto_map": None}, name="acme/acme-8b")
    assert untyped_config_note(longcat, vllm_cli("0.33.0")) is None
    assert untyped_config_note(longcat, vllm_cli("0.31.0")) is not None

def test_a_model_type_no_config_class_reads_gets_no_command() -> None:
    """HFConfigParser.parse (transformers_utils/config.py, 0.19.0, 0.24.0 and 0.34.0 wheels):
    'aquila' is no _CONFIG_REGISTRY key, so AutoConfig.from_pretrained; with no auto_map
    AutoConfig, transformers (configuration_auto.py, 4.56.0 and 5.5.3) raises ValueError("The
    checkpoint you are trying to load has model type `aquila` but Transformers does not
    recognize this architecture. ...") on CONFIG_MAPPING's KeyError, which vLLM re-raises with
    --trust-remote-code or without. No transformers fixture (4.51.1-5.16.1) has 'aquila'; 0.24.0
    still has AquilaForCausalLM in its registry, so only the config stops it there. Before, the
    plan printed `vllm serve acme/aquila-7b ...`."""
    config = _config(model_type="aquila", auto_map=None, architectures=["AquilaForCausalLM"])
    spec = parse_model_config(config, name="acme/aquila-7b")
    for trust in (False, True):
        figures = summary_figures(spec, preset_cluster("h100-sxm", 1), ParallelLayout(),
                                  EngineSettings(max_model_len=8192, vllm_version="0.24.0",
                                                 trust_remote_code=trust), validated=True)
        assert figures["vllm_command"] is None, figures["vllm_command"]
        assert figures["launch_note"] == (
            "No launch command: config.json's model_type 'aquila' is none that vLLM 0.24.0 or "
            "transformers 5.5.3 (the oldest it allows), 5.10.4 or 5.16.1 (the later ones "
            "Headroom read) has a config class for, and no auto_map AutoConfig brings one: vLLM "
            "0.24.0 stops with "
            "transformers' \"The checkpoint you are trying to load has model type `aquila` but "
            "Transformers does not recognize this architecture\"; --trust-remote-code does not "
            "change that.")
    assert unknown_type_note(spec, vllm_cli("0.34.0")) == (
        "No launch command: config.json's model_type 'aquila' is none that vLLM 0.34.0 or "
        "transformers 5.16.1 (the oldest it allows) has a config class for, and no auto_map "
        "AutoConfig brings one: vLLM 0.34.0 stops with transformers' \"The checkpoint you are "
        "trying to load has model type `aquila` but Transformers does not recognize this "
        "architecture\"; --trust-remote-code does not change that.")
    # auto_map's AutoConfig reads it with the flag: remote_code_note's case, not this one
    with_auto_map = _config(model_type="aquila", architectures=["AquilaForCausalLM"],
                            auto_map={"AutoConfig": "configuration_aquila.AquilaConfig"})
    remote = parse_model_config(with_auto_map, name="acme/aquila-7b")
    assert unknown_type_note(remote, vllm_cli("0.24.0")) is None
    assert remote_code_note(remote, vllm_cli("0.24.0")) is not None
    # 'gemma4': transformers 4.56.0 (vLLM 0.19.0's oldest) lacks it, 5.5.3 has it: the
    # installed transformers decides, and the command stays; 'llama' every transformers reads
    for model_type in ("gemma4", "llama"):
        typed = parse_model_config(_config(model_type=model_type, auto_map=None),
                                   name="acme/acme-8b")
        assert unknown_type_note(typed, vllm_cli("0.19.0")) is None, model_type
    # every later list counts, not only the newest: 'musicflamingo_encoder' is in transformers
    # 5.5.3's CONFIG_MAPPING_NAMES only (not 4.56.0's, 5.10.4's or 5.16.1's), and
    # 'perception_encoder' in 4.55.0's to 4.56.0's only (not 4.51.1's, vLLM 0.9.1's oldest, nor
    # any 5.x one); the note said neither "up to 5.16.1" had them
    for model_type, version in (("musicflamingo_encoder", "0.19.0"),
                                ("perception_encoder", "0.9.1")):
        typed = parse_model_config(_config(model_type=model_type, auto_map=None),
                                   name="acme/acme-8b")
        assert unknown_type_note(typed, vllm_cli(version)) is None, model_type
    # vLLM 0.29.0's oldest is 5.10.4, after which only 5.16.1 was read: one later one
    aquila = parse_model_config(_config(model_type="aquila", auto_map=None), name="acme/a-7b")
    assert "transformers 5.10.4 (the oldest it allows) or 5.16.1 (the later one Headroom read) " \
        "has a config class for" in unknown_type_note(aquila, vllm_cli("0.29.0"))


def test_the_name_fallback_uses_each_release_s_lowest_transformers() -> None:
    """transformers 4.51.1, 4.53.2, 4.55.0 and 4.55.2 (vLLM 0.9.1-0.9.2, 0.10.0, 0.10.1 and
    0.10.2-0.11.0 minimums; wheels read) have 4.56.0's fallback in AutoConfig.from_pretrained:
    with no model_type and no auto_map, CONFIG_MAPPING keys are tried as substrings of the
    name. "arcee" is a key of 4.53.2's CONFIG_MAPPING_NAMES but not of 4.51.1's, and no 4.51.1
    key is a substring of 'acme/arcee-8b': 0.9.x stops, 0.10.0 on loads an ArceeConfig."""
    plain = _config(model_type=None, auto_map=None, architectures=["LlamaForCausalLM"])
    arcee = parse_model_config(plain, name="acme/arcee-8b")
    assert untyped_config_note(arcee, vllm_cli("0.9.1")) == (
        "No launch command: config.json has no top-level model_type, and no auto_map "
        "AutoConfig: vLLM 0.9.1 stops with transformers 4.51.1's (the oldest it allows) "
        "\"Unrecognized model in acme/arcee-8b. Should have a `model_type` key in its "
        "config.json\" (nor a model type in its name); --trust-remote-code does not change "
        "that: add the model_type (the one of its architecture) to config.json.")
    for version in ("0.10.0", "0.10.1", "0.10.2", "0.11.0"):
        assert untyped_config_note(arcee, vllm_cli(version)) is None, version
    named = parse_model_config(plain, name="acme/llama-like-8b")  # "llama": every 4.x has it
    for version in ("0.9.1", "0.9.2", "0.10.0", "0.10.1", "0.10.2", "0.11.0"):
        assert untyped_config_note(named, vllm_cli(version)) is None, version


def test_a_model_type_only_in_text_config_is_not_the_one_vllm_reads() -> None:
    """Every release's get_config / HFConfigParser.parse (0.9.1 ... 0.33.0) looks up
    config_dict.get("model_type"), the top level, and so does transformers' AutoConfig
    (has_local_code: '"model_type" in config_dict', 4.56.0 and 5.16.1): text_config's type is
    read by neither, so a wrapper with none at the top and auto_map's AutoConfig loads only
    with trust_remote_code, though "llama" is transformers' own."""
    text = {k: ACME[k] for k in ("hidden_size", "intermediate_size", "num_hidden_layers",
                                 "num_attention_heads", "num_key_value_heads", "head_dim",
                                 "vocab_size", "max_position_embeddings", "rms_norm_eps")}
    wrapper = {"architectures": ["LlavaForConditionalGeneration"], "torch_dtype": "bfloat16",
               "auto_map": {"AutoConfig": "configuration_acme.AcmeVLConfig"},
               "text_config": {**text, "model_type": "llama"}, "tie_word_embeddings": False}
    spec = parse_model_config(wrapper, name="acme/vl")
    assert spec.model_type == "llama"  # planned as its text model
    for version in SOURCE_READ:
        assert remote_code_class(spec, vllm_cli(version)) == "configuration_acme.AcmeVLConfig"
        assert "config.json has no top-level model_type" in remote_code_note(
            spec, vllm_cli(version))
    # with the type at the top as well, transformers' LlavaConfig reads it
    spec = parse_model_config({**wrapper, "model_type": "llava"}, name="acme/vl")
    assert all(remote_code_note(spec, vllm_cli(v)) is None for v in SOURCE_READ)


def test_the_extractor_reads_the_architecture_to_model_type_table() -> None:
    config = ('_CONFIG_REGISTRY = LazyConfigDict(chatglm="ChatGLMConfig")\n'
              '_ARCHITECTURE_TO_MODEL_TYPE: dict[str, str] = {\n'
              '    "LongcatFlashForCausalLM": "longcat_flash",\n}\n')
    assert _architecture_model_types(config) == {"LongcatFlashForCausalLM": "longcat_flash"}
    assert _architecture_model_types('_CONFIG_REGISTRY = {"chatglm": ChatGLMConfig}\n') == {}


def _kimi_note(vllm: str, transformers: str) -> str:
    return ("No launch command: tokenizer_config.json's tokenizer_class 'TikTokenTokenizer' is "
            f"not one of transformers {transformers}'s (the oldest vLLM {vllm} allows) and its "
            "auto_map names the repository's own tokenizer (tokenization_kimi.TikTokenTokenizer)"
            ": vLLM loads the tokenizer only with --trust-remote-code, which runs the "
            "repository's Python code; review it, then plan with --trust-remote-code.")


@pytest.mark.parametrize(("version", "transformers"), [("0.19.0", "4.56.0"),
                                                       ("0.33.0", "5.16.1")])
def test_kimi_k2s_tokenizer_gets_no_command_without_the_flag(version: str,
                                                              transformers: str) -> None:
    """Kimi-K2-Instruct's config and model class are native on 0.19.0 and 0.33.0 (kimi_k2 in
    _CONFIG_REGISTRY from 0.18.0, DeepseekV3ForCausalLM in the registry), but its tokenizer is
    not (KIMI_TOKENIZER): no command by default; with the flag, one that carries it, and the
    same figures (the tokenizer changes none)."""
    kimi = _spec("moonshotai/Kimi-K2-Instruct")

    def figures(trust: bool) -> dict:
        return summary_figures(kimi, preset_cluster("b200", 8), ParallelLayout(tp=8),
                               EngineSettings(vllm_version=version, max_model_len=8192,
                                              trust_remote_code=trust), validated=True)
    plain, trusted = figures(False), figures(True)
    assert plain["vllm_command"] is None
    assert plain["launch_note"] == _kimi_note(version, transformers)
    assert plain["verdict"] == trusted["verdict"] and plain["verdict"].startswith("Fits: ")
    assert not trusted["launch_note"]
    words = trusted["vllm_command"].split()
    assert words[:3] == ["vllm", "serve", "moonshotai/Kimi-K2-Instruct"]
    assert words.count("--trust-remote-code") == 1


@pytest.mark.parametrize(("version", "note"), [("0.23.0", True), ("0.24.0", False),
                                               ("0.28.0", False), ("0.29.0", True)])
def test_kimi_k25s_tokenizer_on_transformers_5_5_3_needs_no_flag(version: str,
                                                                 note: bool) -> None:
    """transformers 5.5.3 (the oldest vLLM 0.24.0-0.28.0 allow; 0.23.0: 4.56.0, 0.29.0: 5.10.4)
    AutoTokenizer.from_pretrained (models/auto/tokenization_auto.py, read in the wheel): "if
    has_remote_code and config_model_type in MODELS_WITH_INCORRECT_HUB_TOKENIZER_CLASS:
    has_remote_code = False", and that set has "kimi_k25" (not in 4.56.0, which has no such
    set, nor in 5.10.4's or 5.16.1's). Kimi-K2.5's config.json model_type is kimi_k25, so
    its TikTokenTokenizer name, in no mapping, falls back to TokenizersBackend with no remote
    code and no error: a command without the flag, and the flag runs no tokenizer code."""
    k25, cli = _spec("moonshotai/Kimi-K2.5"), vllm_cli(version)
    assert (remote_code_note(k25, cli) is not None) == note
    assert remote_code_class(k25, cli) == (KIMI_TOKENIZER if note else None)
    # Kimi-K2-Instruct's model_type is kimi_k2, in no release's set: the flag on every one
    assert remote_code_class(_spec("moonshotai/Kimi-K2-Instruct"), cli) == KIMI_TOKENIZER


@pytest.mark.parametrize(("version", "note", "runs"), [
    ("0.19.0", True, True), ("0.25.0", False, False), ("0.33.0", False, True)])
def test_a_skipped_model_type_needs_no_flag_but_the_flag_may_run_its_tokenizer(
        version: str, note: bool, runs: bool) -> None:
    """DeepSeek-V3's config (model_type deepseek_v3, native everywhere) given Kimi's tokenizer
    files: deepseek_v3 is in MODELS_WITH_INCORRECT_HUB_TOKENIZER_CLASS of 5.5.3, 5.10.4 and
    5.16.1 (tokenization_auto.py, read in the wheels), none in 4.56.0 (0.19.0: the note, and
    the flag runs the class). 5.5.3 (0.25.0) drops the auto_map whatever the flag; 5.16.1
    (0.33.0) only when "trust_remote_code is not True": no note, but the flag runs it."""
    config = catalog_entry("deepseek-ai/DeepSeek-V3").config
    spec = parse_model_config(config, name="x", tokenizer_config={
        "tokenizer_class": "TikTokenTokenizer",
        "auto_map": {"AutoTokenizer": [KIMI_TOKENIZER, None]}})
    cli = vllm_cli(version)
    assert (remote_code_note(spec, cli) is not None) == note
    assert remote_code_class(spec, cli) == (KIMI_TOKENIZER if runs else None)


def test_a_qwen3_model_is_unchanged_by_the_tokenizer_rule() -> None:
    """Qwen3-8B has no auto_map in either file: never the flag, whatever tokenizer_config.json
    says of its class. An auto_map beside a class transformers has loads transformers' class
    without remote code (AutoTokenizer's has_local_code: resolve_trust_remote_code then returns
    False, 4.56.0 and 5.16.1): Qwen2TokenizerFast is in TOKENIZER_MAPPING_NAMES of 4.56.0 and,
    as Qwen2TokenizerFast, of 5.16.1."""
    qwen = _spec("Qwen/Qwen3-8B")
    config = catalog_entry("Qwen/Qwen3-8B").config
    plain = parse_model_config(config, name="Qwen/Qwen3-8B",
                               tokenizer_config={"tokenizer_class": "Qwen2Tokenizer"})
    with_map = parse_model_config(config, name="Qwen/Qwen3-8B", tokenizer_config={
        "tokenizer_class": "Qwen2TokenizerFast",
        "auto_map": {"AutoTokenizer": ["tokenization_qwen.QwenTokenizer", None]}})
    for version in (*SOURCE_READ, "0.9.1"):
        for spec in (qwen, plain, with_map):
            assert remote_code_note(spec, vllm_cli(version)) is None, version
            assert remote_code_class(spec, vllm_cli(version)) is None, version
    # an unknown class with that auto_map, or none named, needs it
    unknown = parse_model_config(config, tokenizer_config={
        "auto_map": {"AutoTokenizer": ["tokenization_qwen.QwenTokenizer", None]}})
    assert remote_code_class(unknown, vllm_cli("0.33.0")) == "tokenization_qwen.QwenTokenizer"
    assert remote_code_note(unknown, vllm_cli("0.33.0")).startswith(
        "No launch command: tokenizer_config.json names no tokenizer_class and its auto_map "
        "names the repository's own tokenizer (tokenization_qwen.QwenTokenizer): ")


def test_the_tokenizer_class_read_is_the_one_autotokenizer_loads() -> None:
    """AutoTokenizer.from_pretrained (4.56.0 and 5.16.1): auto_map a list (legacy) or a dict's
    AutoTokenizer entry, a [slow, fast] pair whose fast class is loaded where given."""
    config = catalog_entry("Qwen/Qwen3-8B").config
    for tokenizer, read in [
            ({"auto_map": {"AutoTokenizer": ["t.Slow", "t.Fast"]}}, "t.Fast"),
            ({"auto_map": {"AutoTokenizer": ["t.Slow", None]}}, "t.Slow"),
            ({"auto_map": ["t.Slow", None]}, "t.Slow"),
            ({"auto_map": {"AutoTokenizer": "t.Only"}}, "t.Only"),
            ({"auto_map": {"AutoConfig": "c.C"}}, None), ({"auto_map": 5}, None), ({}, None)]:
        spec = parse_model_config(config, tokenizer_config=tokenizer)
        assert spec.remote_tokenizer_class == read, tokenizer
    assert parse_model_config(config).remote_tokenizer_class is None  # no file: not known


def test_the_transformers_extractor_reads_the_tokenizer_classes() -> None:
    # 4.x: (slow, fast) pairs, under `if TYPE_CHECKING: ... else:` in 4.51; 5.x: one name
    old = ('if TYPE_CHECKING:\n    TOKENIZER_MAPPING_NAMES = OrderedDict()\nelse:\n'
           '    TOKENIZER_MAPPING_NAMES = OrderedDict([("albert", ("AlbertTokenizer" if x '
           'else None, "AlbertTokenizerFast" if y else None)), ("bert", ("BertTokenizer", '
           'None))])\n')
    new = ('TOKENIZER_MAPPING_NAMES = OrderedDict[str, str | None](\n    [("kimi_k25", '
           '"TokenizersBackend" if t() else None)]\n)\nOTHER = OrderedDict([("x", "NotIt")])\n')
    assert tokenizer_classes(old) == ["AlbertTokenizer", "AlbertTokenizerFast", "BertTokenizer"]
    assert tokenizer_classes(new) == ["TokenizersBackend"]


def test_the_transformers_extractor_reads_the_skipped_model_types() -> None:
    # 5.5.3 tokenization_auto.py's shape: an annotated set literal; 4.x has none
    text = ('MODELS_WITH_INCORRECT_HUB_TOKENIZER_CLASS: set[str] = {\n    "arctic",\n'
            '    "kimi_k25",\n}\nOTHER = {"not_it"}\n')
    assert remote_tokenizer_skipped(text) == ["arctic", "kimi_k25"]
    assert remote_tokenizer_skipped('TOKENIZER_MAPPING_NAMES = OrderedDict()\n') == []
    # 5.5.3 drops the auto_map whatever the flag; 5.10.4 / 5.16.1 test the flag too
    old = ("if has_remote_code and config_model_type in "
           "MODELS_WITH_INCORRECT_HUB_TOKENIZER_CLASS:\n    has_remote_code = False\n")
    new = ("if (\n    has_remote_code\n    and config_model_type in "
           "MODELS_WITH_INCORRECT_HUB_TOKENIZER_CLASS\n    and trust_remote_code is not True\n"
           "):\n    has_remote_code = False\n")
    assert skipped_with_flag(old) and not skipped_with_flag(new)
    assert not skipped_with_flag("x = 1\n")


@pytest.mark.parametrize(("release", "patch", "arch", "model_type"), [
    ("0.15.0", "0.15.1", "Step3p5ForCausalLM", "step3p5"),
    ("0.22.0", "0.22.1", "MellumForCausalLM", "mellum")])
def test_a_patch_release_that_adds_a_model_class_has_its_own_fixture(
        release: str, patch: str, arch: str, model_type: str) -> None:
    # the 0.15.1 wheel's registry.py _TEXT_GENERATION_MODELS and config.py _CONFIG_REGISTRY
    # add Step3p5ForCausalLM / step3p5, the 0.22.1 wheel's MellumForCausalLM / mellum, which
    # the x.y.0 wheels lack (tools/extract_vllm_cli.py of each wheel): a config with auto_map
    # runs no repository code on the patch release, and needed --trust-remote-code before it
    spec = parse_model_config(_config(model_type=model_type, architectures=[arch]))
    assert remote_code_class(spec, vllm_cli(release)) == "modeling_acme.AcmeForCausalLM"
    for version in (patch, patch[:-1] + "2"):  # a later patch plans by the newest fixture
        assert vllm_cli(version).vllm_version == patch
        assert remote_code_class(spec, vllm_cli(version)) is None, version


_QWEN2_TEXT = {"model_type": "qwen2", "hidden_size": 1024, "intermediate_size": 2816,
               "num_hidden_layers": 24, "num_attention_heads": 16, "num_key_value_heads": 16,
               "vocab_size": 151860, "max_position_embeddings": 32768,
               "tie_word_embeddings": True, "torch_dtype": "bfloat16"}
"""A small Qwen2 text model for the HF-format wrappers below (their towers are not sized)."""


@pytest.mark.parametrize(("arch", "model_type", "vision"), [
    ("GotOcr2ForConditionalGeneration", "got_ocr2", "got_ocr2_vision"),
    ("Ovis2ForConditionalGeneration", "ovis2", "ovis2_vision_model"),
])
@pytest.mark.parametrize("version", ["0.11.0", "0.19.0", "0.33.0"])
def test_an_architecture_without_a_vllm_class_runs_on_the_transformers_backend(
        arch, model_type, vision, version):
    # Neither class is a key of any registry.py from 0.9.1 to 0.33.0 (read by hand; the
    # AIDC-AI "Ovis" checkpoints are, ovis.py), nor in _TRANSFORMERS_SUPPORTED_MODELS, and the
    # config has no auto_map: with --model-impl auto vLLM tries transformers' own class through
    # its Transformers backend (registry.py _try_resolve_transformers). The plan was a plain
    # "Fits" with a launch command and no word of the backend.
    spec = parse_model_config({"architectures": [arch], "model_type": model_type,
                               "text_config": _QWEN2_TEXT,
                               "vision_config": {"model_type": vision}}, name="x/y")
    figures = summary_figures(spec, preset_cluster("h100-sxm", 1), ParallelLayout(tp=1),
                              EngineSettings(vllm_version=version), validated=True)
    assert f"{arch} on vLLM {version}'s Transformers backend" in figures["verdict"]
    assert sum(f"vLLM {version} has no model class of its own for {arch}" in w
               for w in figures["warnings"]) == 1, figures["warnings"]


def test_a_native_architecture_has_no_transformers_backend_gap():
    # Qwen2ForCausalLM is a registry key (qwen2.py) in every release
    spec = parse_model_config({**_QWEN2_TEXT, "architectures": ["Qwen2ForCausalLM"]}, name="q")
    figures = summary_figures(spec, preset_cluster("h100-sxm", 1), ParallelLayout(tp=1),
                              EngineSettings(vllm_version="0.33.0"), validated=True)
    assert figures["verdict"].startswith("Fits: ")
    assert not any("Transformers backend" in w for w in figures["warnings"])
