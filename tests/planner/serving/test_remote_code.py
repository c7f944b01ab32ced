"""Which configs vLLM loads only with --trust-remote-code, worked out by reading the wheels'
source (vllm/transformers_utils/config.py HFConfigParser.parse / get_config, registry.py, and
the CONFIG_MAPPING_NAMES of the lowest transformers each wheel's METADATA allows), not by
running Headroom: the command Headroom prints or withholds must agree."""

from functools import cache

import pytest

from planner.catalog import catalog_spec
from planner.serving.launch import remote_code_class, remote_code_note
from planner.serving.vllm_cli import vllm_cli

_spec = cache(catalog_spec)
MINIMAX, DECILM = "configuration_minimax_m2.MiniMaxM2Config", "configuration_decilm.DeciLMConfig"
NEMOTRON_H = "configuration_nemotron_h.NemotronHConfig"
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
    # deepseek_v2, deepseek_v3 and phi but not minimax_m2, nemotron_h or nemotron-nas.
    "0.19.0": {"MiniMaxAI/MiniMax-M2.5": MINIMAX, "MiniMaxAI/MiniMax-M2.7": MINIMAX,
               "nvidia/Llama-3_3-Nemotron-Super-49B-v1": DECILM,
               "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16": NEMOTRON_H,
               "nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8": NEMOTRON_H,
               "nvidia/Nemotron-H-56B-Base-8K": NEMOTRON_H},
    # 0.25.0: transformers>=5.5.3, whose CONFIG_MAPPING_NAMES (configuration_auto.py) gains
    # minimax_m2 and nemotron_h; nemotron-nas is still in neither table
    "0.25.0": {"nvidia/Llama-3_3-Nemotron-Super-49B-v1": DECILM},
    # 0.33.0 (the default): transformers<5.21.0,>=5.16.1 (auto_mappings.py); the same
    "0.33.0": {"nvidia/Llama-3_3-Nemotron-Super-49B-v1": DECILM},
}


@pytest.mark.parametrize("version", sorted(SOURCE_READ))
@pytest.mark.parametrize("repo", WITH_AUTO_MAP)
def test_the_catalogs_remote_code_models_agree_with_the_source(repo: str, version: str) -> None:
    spec, cli = _spec(repo), vllm_cli(version)
    expected = SOURCE_READ[version].get(repo)
    assert spec.remote_config_class is not None  # every one of them names an AutoConfig
    assert remote_code_class(spec, cli) == expected
    assert (remote_code_note(spec, cli) is None) == (expected is None)

