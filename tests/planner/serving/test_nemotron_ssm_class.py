"""The Mamba2 SSM state's dtype where vLLM takes it from a Nemotron-H config
(vllm_versions.NEMOTRON_H_SSM_CONFIG_ARCHITECTURES, nemotron_ssm_default), worked by hand from
the catalog's nvidia/Nemotron-H-56B-Base-8K config and the vLLM / transformers sources.

The config: 118 layers ("M" Mamba2, "*" attention, "-" MLP), bfloat16, no
mamba_ssm_cache_dtype, auto_map AutoConfig configuration_nemotron_h.NemotronHConfig; Mamba2
mamba_num_heads 256, mamba_head_dim 64, n_groups 8, ssm_state_size 256, conv_kernel 4;
attention 8 KV heads of 128. At TP=2 (vLLM MambaStateShapeCalculator.mamba2_state_shape):
- conv (256 x 64 + 2 x 8 x 256) / 2 x (4 - 1) = (16,384 + 4,096) / 2 x 3 = 30,720 elements in
  the model dtype, 2 B: 61,440 B
- SSM 256 / 2 x 64 x 256 = 2,097,152 elements: 2 B each (float16 or the bfloat16 model dtype)
  4,194,304 B, 4 B (float32) 8,388,608 B
- a Mamba page: 61,440 + 4,194,304 = 4,255,744 B, or 61,440 + 8,388,608 = 8,450,048 B
- attention 8 / 2 heads x 128 x 2 (K, V) x 2 B = 2,048 B a token; the block is 16 x
  cdiv(page, 16 x 2,048): 16 x cdiv(4,255,744, 32,768) = 16 x 130 = 2,080 (32,768 x 129 =
  4,227,072 is short); 16 x cdiv(8,450,048, 32,768) = 16 x 258 = 4,128 (x 257 = 8,421,376 short)

Which dtype: models/config.py NemotronHForCausalLMConfig sets an "auto" mamba_ssm_cache_dtype to
`getattr(hf_config, "mamba_ssm_cache_dtype", "float16")` (0.19.1 :493-495; "float32" from 0.20.0,
:409-429). vLLM 0.19.1 allows transformers 5 (METADATA `transformers!=5.0.*,...,!=5.5.0,
>=4.56.0`; 0.19.0 `transformers<5,>=4.56.0`), and `pip install vllm==0.19.1` resolves
transformers 5.25.0. vLLM registers no nemotron_h config class (0.19.1 transformers_utils/
config.py _CONFIG_REGISTRY), so AutoConfig (:215) builds transformers 5's NemotronHConfig,
`mamba_ssm_cache_dtype: str = "float32"` (5.5.1 configuration_nemotron_h.py:121, 5.25.0 :132),
unless --trust-remote-code, where it builds the repository's auto_map class (transformers 5.5.1
configuration_auto.py:1499 `if has_remote_code and trust_remote_code and not
explicit_local_code`), which declares none (NVIDIA's, as vLLM copies it: configs/nemotron_h.py).
"""

import copy

import pytest

from planner.catalog import catalog_spec
from planner.model.config.parser import parse_model_config
from planner.model.spec import ConfigError
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from tests.conftest import load_ref_config

H56 = "nvidia/Nemotron-H-56B-Base-8K"
FLOAT16_PAGE = ("ssm state (256 heads x 64 x 256 / 2) 2,097,152 x 2 B = 4,255,744 B")
FLOAT32_PAGE = ("ssm state (256 heads x 64 x 256 / 2) 2,097,152 x 4 B = 8,450,048 B")
CLASS_NOTE = "runs under transformers 4 or 5"


def _plan(spec, version: str, **engine):
    return plan(PlanRequest(model=spec, cluster=preset_cluster("h100", 2),
                            layout=ParallelLayout(tp=2),
                            engine=EngineSettings(vllm_version=version, **engine)))


def _state_formula(result) -> str:
    return next(t for t in result.terms if t.key == "kv_bytes_per_token_per_gpu").formula


def _notes(result) -> list[str]:
    return [w for w in result.warnings if CLASS_NOTE in w]


@pytest.mark.parametrize(("version", "trust", "page", "block"), [
    ("0.19.0", False, FLOAT16_PAGE, 2_080),  # transformers<5: float16 either way
    ("0.19.0", True, FLOAT16_PAGE, 2_080),
    ("0.19.1", False, FLOAT32_PAGE, 4_128),  # transformers 5's NemotronHConfig
    ("0.19.1", True, FLOAT16_PAGE, 2_080),  # the repository's class, vLLM's float16
    ("0.20.0", True, FLOAT32_PAGE, 4_128),  # float32 either way
])
def test_the_56b_ssm_state_follows_the_config_class(version, trust, page, block) -> None:
    result = _plan(catalog_spec(H56), version, trust_remote_code=trust)
    assert page in _state_formula(result)
    assert result.block_size == block


def test_0_19_1_says_which_class_and_the_other_figure() -> None:
    spec = catalog_spec(H56)
    (native,) = _notes(_plan(spec, "0.19.1"))
    assert "planned under transformers 5" in native
    assert "declares float32" in native
    assert "float16, vLLM's fallback, half the SSM state bytes" in native
    (remote,) = _notes(_plan(spec, "0.19.1", trust_remote_code=True))
    assert "auto_map's configuration_nemotron_h.NemotronHConfig" in remote
    assert "planned in float16" in remote
    assert "float32: twice the SSM state bytes" in remote


@pytest.mark.parametrize(("model", "version", "engine"), [
    (H56, "0.19.0", {}), (H56, "0.20.0", {}),
    (H56, "0.19.1", {"mamba_ssm_cache_dtype": "float16"}),  # the flag wins over both classes
    ("nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16", "0.19.1", {}),  # its config names float32
])
def test_no_class_note_where_the_class_does_not_matter(model, version, engine) -> None:
    assert _notes(_plan(catalog_spec(model), version, **engine)) == []


def _wrapper(architecture: str, ssm_dtype: str | None) -> dict:
    """The 56B's config as a multimodal wrapper's text_config (vLLM remaps the published
    checkpoints' llm_config to text_config: transformers_utils/config.py
    _CONFIG_ATTRS_MAPPING)."""
    text, _ = load_ref_config("nvidia__Nemotron-H-56B-Base-8K")
    text = copy.deepcopy(text)
    if ssm_dtype:
        text["mamba_ssm_cache_dtype"] = ssm_dtype
    return {"architectures": [architecture], "model_type": architecture,
            "torch_dtype": "bfloat16", "text_config": text,
            "vision_config": {"patch_size": 16}}


@pytest.mark.parametrize(("architecture", "ssm_dtype", "version", "page"), [
    # NemotronHNanoVLV2Config sets no SSM dtype before 0.20.0: "auto", the model dtype's 2 B,
    # whatever text_config says; from 0.20.0 text_config's (float16: 2 B), else float32
    ("NemotronH_Nano_VL_V2", "float32", "0.19.1", FLOAT16_PAGE),
    ("NemotronH_Nano_VL_V2", "float16", "0.20.0", FLOAT16_PAGE),
    ("NemotronH_Nano_VL_V2", None, "0.20.0", FLOAT32_PAGE),
    # the Omni V3 wrappers join MODELS_CONFIG_MAP in 0.34.0 (served from 0.20.0 / 0.29.0)
    ("NemotronH_Nano_Omni_Reasoning_V3", "float32", "0.33.0", FLOAT16_PAGE),
    ("NemotronH_Nano_Omni_Reasoning_V3", "float32", "0.34.0", FLOAT32_PAGE),
])
def test_a_wrapper_reads_text_config_s_dtype_where_its_class_does(
        architecture, ssm_dtype, version, page) -> None:
    spec = parse_model_config(_wrapper(architecture, ssm_dtype))
    assert page in _state_formula(_plan(spec, version))


def test_the_published_llm_config_wrapper_is_refused() -> None:
    config = _wrapper("NemotronH_Nano_VL_V2", None)
    config["llm_config"] = config.pop("text_config")
    with pytest.raises(ConfigError, match="keeps its language model under llm_config"):
        parse_model_config(config)
