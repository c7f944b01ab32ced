"""Architectures a vLLM release dropped, or moved to a plugin: vLLM's own refusal and the
release to plan with instead, read from each wheel's model_executor/models/registry.py
(_PREVIOUSLY_SUPPORTED_MODELS, _OOT_SUPPORTED_MODELS, ModelRegistry._raise_for_unsupported;
every fixture release 0.9.1-0.34.0 unzipped and read, the tables extracted into the fixtures
by tools/extract_vllm_cli.py --registry). The expected sentences are written out by hand."""

import pytest

from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import summary_figures
from planner.serving.vllm_cli import vllm_cli
from tests.conftest import load_remote_code_config

ACME = load_remote_code_config()
"""The hand-made Llama-sized config (tests.conftest.REMOTE_CODE_CONFIG), renamed below."""

AQUILA_GONE = ("Model architecture AquilaForCausalLM was supported in vLLM until v0.24.0, and "
               "is not supported anymore. Please use an older version of vLLM if you want to "
               "use this model architecture.")
"""registry.py _raise_for_unsupported's sentence for AquilaForCausalLM: 0.25.0-0.34.0's
_PREVIOUSLY_SUPPORTED_MODELS has "AquilaForCausalLM": "0.24.0"; 0.24.0's _TEXT_GENERATION_MODELS
still has it (aquila -> llama.py LlamaForCausalLM), 0.25.0's does not."""
AQUILA_STEP = "Plan with --vllm-version 0.24.0, the last release that served AquilaForCausalLM."
BACKEND = ("vLLM 0.34.0 has no model class of its own for AquilaForCausalLM (model_executor/"
           "models/registry.py): it tries transformers' own class through its Transformers "
           "backend (ModelRegistry._try_resolve_transformers), which loads only where the "
           "installed transformers has that class and marks it compatible, and which Headroom "
           "does not model. The figures are those of a native implementation, so the verdict "
           "is not a confident fit: check against a real start-up.")


def _warnings(version: str, without: tuple[str, ...] = (), **config) -> list[str]:
    spec = parse_model_config({**{k: v for k, v in ACME.items()
                                  if k not in ("auto_map", *without)}, **config}, name="x/y")
    return summary_figures(spec, preset_cluster("h100-sxm", 1), ParallelLayout(tp=1),
                           EngineSettings(vllm_version=version), validated=True)["warnings"]


def _backend_warning(warnings: list[str], arch: str) -> str:
    [found] = [w for w in warnings if "has no model class of its own for " + arch in w
               or "has no native " + arch in w]
    return found


def test_the_tables_grow_release_by_release():
    # read in each wheel's registry.py: no table in 0.9.1/0.9.2; 0.10.0 lists Phi3Small
    # ("0.9.2"); 0.11.0 adds the encoder-decoders removed after 0.10.2 (Bart, Donut, Florence2,
    # MBart, Mllama); 0.19.0 moves Bart, MBart and Florence2 to _OOT_SUPPORTED_MODELS;
    # 0.25.0 adds Aquila ("0.24.0"); 0.34.0 lists 52 and 5 out of tree
    assert vllm_cli("0.9.2").previously_supported == {}
    assert vllm_cli("0.10.0").previously_supported == {"Phi3SmallForCausalLM": "0.9.2"}
    assert vllm_cli("0.18.0").previously_supported["BartForConditionalGeneration"] == "0.10.2"
    assert vllm_cli("0.18.0").oot_supported == {}
    assert "BartForConditionalGeneration" not in vllm_cli("0.19.0").previously_supported
    assert (vllm_cli("0.19.0").oot_supported["BartForConditionalGeneration"]
            == "https://github.com/vllm-project/bart-plugin")
    assert "AquilaForCausalLM" not in vllm_cli("0.24.0").previously_supported
    assert "AquilaForCausalLM" in vllm_cli("0.24.0").architectures
    assert vllm_cli("0.25.0").previously_supported["AquilaForCausalLM"] == "0.24.0"
    assert "AquilaForCausalLM" not in vllm_cli("0.25.0").architectures
    assert (len(vllm_cli("0.34.0").previously_supported), len(vllm_cli("0.34.0").oot_supported)
            ) == (52, 5)


def test_vllms_refusal_names_the_first_listed_architecture():
    cli = vllm_cli("0.34.0")
    bart = ("Model architecture BartForConditionalGeneration is not supported in-tree anymore. "
            "Please install the plugin at https://github.com/vllm-project/bart-plugin if you "
            "want to use this model architecture.")
    assert cli.unsupported_error(("BartForConditionalGeneration", "AquilaForCausalLM")) == (
        bart, None)
    assert cli.unsupported_error(("AcmeForCausalLM", "AquilaForCausalLM")) == (
        AQUILA_GONE, "0.24.0")
    assert cli.unsupported_error(("AcmeForCausalLM",)) is None
    # 0.10.0 reads its table only in model_loader/utils.py, in other words; 0.10.1 on raise
    # it from _raise_for_unsupported
    assert vllm_cli("0.10.0").unsupported_error(("Phi3SmallForCausalLM",)) is None
    assert vllm_cli("0.10.1").unsupported_error(("Phi3SmallForCausalLM",)) == (
        "Model architecture Phi3SmallForCausalLM was supported in vLLM until v0.9.2, and is "
        "not supported anymore. Please use an older version of vLLM if you want to use this "
        "model architecture.", "0.9.2")


def test_a_dropped_architecture_with_its_own_config_class_stops_and_names_the_release():
    # auto_map's AutoConfig reads the config (with --trust-remote-code); transformers 5.16.1
    # (vLLM 0.34.0's Requires-Dist transformers>=5.16.1) has no 'aquila' model type, so
    # getattr(transformers, "AquilaForCausalLM") finds nothing and no AutoModel is mapped:
    # _raise_for_unsupported. The warning said the backend "loads only where ...", and no more
    warnings = _warnings("0.34.0", architectures=["AquilaForCausalLM"], model_type="aquila",
                         auto_map={"AutoConfig": "configuration_aquila.AquilaConfig"})
    assert _backend_warning(warnings, "AquilaForCausalLM") == (
        f"{BACKEND} Transformers 5.16.1 (the oldest vLLM 0.34.0 allows) has no model type "
        "'aquila', hence no class to fall back on: unless the installed transformers is a "
        f"later one that has it, vLLM 0.34.0 stops with \"{AQUILA_GONE}\" {AQUILA_STEP}")


def test_without_a_config_class_the_config_stops_it_first():
    # the lead's case: Llama-3.1-shaped, architectures AquilaForCausalLM, model_type aquila,
    # no auto_map. transformers_utils/config.py HFConfigParser.parse (0.34.0): 'aquila' is no
    # _CONFIG_REGISTRY key, so AutoConfig.from_pretrained refuses it before the registry
    warnings = _warnings("0.34.0", architectures=["AquilaForCausalLM"], model_type="aquila")
    assert _backend_warning(warnings, "AquilaForCausalLM") == (
        f"{BACKEND} Its registry refuses the architecture with \"{AQUILA_GONE}\", and before "
        "that, config.json's model_type 'aquila' is none that transformers 5.16.1 (the oldest "
        "vLLM 0.34.0 allows) or vLLM reads, and no auto_map AutoConfig brings one, so reading "
        "the config stops it first, unless the installed transformers is a later one that has "
        f"that model type. {AQUILA_STEP}")


FLORENCE2_GONE = ("Model architecture Florence2ForConditionalGeneration was supported in vLLM "
                  "until v0.10.2, and is not supported anymore. Please use an older version of "
                  "vLLM if you want to use this model architecture.")
"""0.11.0-0.18.0's _PREVIOUSLY_SUPPORTED_MODELS: "Florence2ForConditionalGeneration": "0.10.2"."""


def test_a_later_transformers_the_release_allows_may_have_the_class():
    # vLLM 0.11.0's METADATA: Requires-Dist transformers>=4.55.2, no upper bound. 4.55.2 has no
    # 'florence2' model type, 4.56.0 has it (the transformers-4.55.2 / -4.56.0 fixtures), and
    # with it getattr(transformers, "Florence2ForConditionalGeneration") finds the class
    # _try_resolve_transformers serves (registry.py, 0.11.0). The warning said the start stops
    # outright, counted on 4.55.2 alone; it says so only for the oldest transformers now
    warnings = _warnings("0.11.0", architectures=["Florence2ForConditionalGeneration"],
                         model_type="florence2")
    assert _backend_warning(warnings, "Florence2ForConditionalGeneration").endswith(
        f"check against a real start-up. Its registry refuses the architecture with "
        f"\"{FLORENCE2_GONE}\", and before that, config.json's model_type 'florence2' is none "
        "that transformers 4.55.2 (the oldest vLLM 0.11.0 allows) or vLLM reads, and no "
        "auto_map AutoConfig brings one, so reading the config stops it first, unless the "
        "installed transformers is a later one that has that model type. Plan with "
        "--vllm-version 0.10.2, the last release that served Florence2ForConditionalGeneration.")
    # with auto_map's AutoConfig the config loads: 4.55.2 has no class, a later one may
    warnings = _warnings("0.11.0", architectures=["Florence2ForConditionalGeneration"],
                         model_type="florence2",
                         auto_map={"AutoConfig": "configuration_florence2.Florence2Config"})
    assert (" Transformers 4.55.2 (the oldest vLLM 0.11.0 allows) has no model type "
            "'florence2', hence no class to fall back on: unless the installed transformers is "
            f"a later one that has it, vLLM 0.11.0 stops with \"{FLORENCE2_GONE}\" Plan with"
            ) in _backend_warning(warnings, "Florence2ForConditionalGeneration")


def test_a_config_without_a_model_type_is_not_called_none():
    # no top-level model_type (and none 0.34.0's _ARCHITECTURE_TO_MODEL_TYPE gives
    # AquilaForCausalLM): the warning read "config.json's model_type 'None' is none that
    # transformers 5.16.1 ... reads". untyped_config_note's case: transformers 5.16.1's
    # AutoConfig.from_pretrained raises "Unrecognized model in x/y" before the registry
    warnings = _warnings("0.34.0", without=("model_type",), architectures=["AquilaForCausalLM"])
    assert _backend_warning(warnings, "AquilaForCausalLM") == (
        f"{BACKEND} Its registry refuses the architecture with \"{AQUILA_GONE}\", and before "
        "that, config.json has no model_type and no auto_map AutoConfig, so reading the config "
        f"stops it first. {AQUILA_STEP}")
    # with auto_map's AutoConfig the repository's class reads it, of no model type transformers
    # can be asked about: whether transformers has the class is not known here
    warnings = _warnings("0.34.0", without=("model_type",), architectures=["AquilaForCausalLM"],
                         auto_map={"AutoConfig": "configuration_aquila.AquilaConfig"})
    assert _backend_warning(warnings, "AquilaForCausalLM").endswith(
        " Where transformers has no such class, or it does not load through that backend, "
        f"vLLM 0.34.0 stops with \"{AQUILA_GONE}\" {AQUILA_STEP}")


def test_where_transformers_may_have_the_class_the_stop_is_conditional():
    # transformers 5.16.1 has the 'mpt' model type (MptForCausalLM): the backend may serve it
    warnings = _warnings("0.34.0", architectures=["MptForCausalLM"], model_type="mpt")
    assert _backend_warning(warnings, "MptForCausalLM").endswith(
        " Where transformers has no such class, or it does not load through that backend, "
        "vLLM 0.34.0 stops with \"Model architecture MptForCausalLM was supported in vLLM "
        "until v0.28.0, and is not supported anymore. Please use an older version of vLLM if "
        "you want to use this model architecture.\" Plan with --vllm-version 0.28.0, the last "
        "release that served MptForCausalLM.")


def test_the_repositorys_own_code_may_still_serve_it():
    # auto_map's AutoModelForCausalLM: _try_resolve_transformers loads the repository's class
    # and serves it where it is backend-compatible; vLLM stops only where it is not.
    # Baichuan: 0.24.0's registry still has the class, but vLLM's table says 0.23.0
    warnings = _warnings("0.34.0", architectures=["BaichuanForCausalLM"], model_type="baichuan",
                         auto_map={"AutoConfig": "configuration_baichuan.BaichuanConfig",
                                   "AutoModelForCausalLM": "modeling_baichuan.BaichuanForCausalLM"})
    assert _backend_warning(warnings, "BaichuanForCausalLM").endswith(
        "check against a real start-up. Where the repository's class does not load through "
        "that backend, vLLM 0.34.0 stops with \"Model architecture BaichuanForCausalLM was "
        "supported in vLLM until v0.23.0, and is not supported anymore. Please use an older "
        "version of vLLM if you want to use this model architecture.\" Plan with "
        "--vllm-version 0.23.0, the last release that served BaichuanForCausalLM.")


@pytest.mark.parametrize("version", ["0.24.0", "0.22.0"])
def test_a_release_that_still_has_the_class_says_nothing_of_it(version):
    warnings = _warnings(version, architectures=["AquilaForCausalLM"], model_type="aquila",
                         auto_map={"AutoConfig": "configuration_aquila.AquilaConfig"})
    assert not any("supported in vLLM until" in w or "Transformers backend" in w
                   for w in warnings), warnings


def test_an_architecture_no_table_lists_keeps_the_old_warning():
    warnings = _warnings("0.34.0", architectures=["ZetaForCausalLM"], model_type="llama")
    assert _backend_warning(warnings, "ZetaForCausalLM").endswith(
        "so the verdict is not a confident fit: check against a real start-up.")
