"""The rotary cos/sin cache of M-RoPE models, release by release: vLLM's MRotaryEmbedding
builds it over max_position_embeddings x 4 positions (rotary_embedding/mrope.py
`cache_max_position_num = max_position_embeddings * 4`, 0.9.1-0.31.0 wheels), and from 0.32.0
over max_position_embeddings x positions_factor, which Qwen3-VL / Qwen3.5 pass as 1 without
video pruning (qwen3_vl.py mrope_positions_factor). Bytes = rows x rotary_dim x dtype bytes,
worked by hand from the configs in ../shared/model-configs (the catalog's copies)."""

import pytest

from planner.catalog import catalog_entry, catalog_spec
from planner.model.config.parser import parse_model_config
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_versions import mrope_cache_factor, parse_version
from planner.serving.weights import rope_cache_bytes
from planner.units import GIB

QWEN3_VL_32B = "Qwen/Qwen3-VL-32B-Instruct"
QWEN3_VL_30B = "Qwen/Qwen3-VL-30B-A3B-Instruct"
QWEN35_27B = "Qwen/Qwen3.5-27B"


def _rope_bytes(repo_id: str, release: str) -> int:
    spec = catalog_spec(repo_id)
    factor = mrope_cache_factor(spec.mrope, spec.rope_scaling_type, spec.model_type,
                                parse_version(release))
    return rope_cache_bytes(spec, 2, factor)


@pytest.mark.parametrize(("repo_id", "release", "expected"), [
    # Qwen3-VL-32B: text_config.rope_scaling {"mrope_interleaved": true, "mrope_section":
    # [24, 20, 20], "rope_type": "default"}, max_position_embeddings 262,144, head_dim 128
    # (no partial rotary: rotary_dim 128), bf16. Up to 0.31.0: 262,144 x 4 = 1,048,576 rows
    # x 128 x 2 B = 268,435,456 B; 0.11.0 is the first release that serves it
    (QWEN3_VL_32B, "0.11.0", 1_048_576 * 128 * 2),
    (QWEN3_VL_32B, "0.31.0", 1_048_576 * 128 * 2),
    # 0.32.0 on: qwen3_vl.py passes mrope_positions_factor 1 (no video pruning): 262,144 rows
    # x 128 x 2 B = 67,108,864 B
    (QWEN3_VL_32B, "0.32.0", 262_144 * 128 * 2),
    (QWEN3_VL_32B, "0.34.0", 262_144 * 128 * 2),
    # Qwen3.5-27B: text_config.rope_parameters {"mrope_section": [11, 11, 10], "rope_type":
    # "default", "partial_rotary_factor": 0.25, ...}, head_dim 256: rotary_dim int(256 x 0.25)
    # = 64, one cache for the 16 full-attention layers (Gated DeltaNet layers have none).
    # 0.31.0: 262,144 x 4 x 64 x 2 B = 134,217,728 B; 0.32.0 (Qwen3_5DecoderLayer passes
    # the factor): 262,144 x 64 x 2 B = 33,554,432 B
    (QWEN35_27B, "0.31.0", 262_144 * 4 * 64 * 2),
    (QWEN35_27B, "0.32.0", 262_144 * 64 * 2),
    # Qwen3-VL-30B-A3B: the catalog's text_config.rope_scaling is the Hub's (a printed copy and
    # swedishembedded/brain's transcription; planner/catalog_data), Qwen3-VL-32B's M-RoPE block,
    # head_dim 128: 262,144 x 4 x 128 x 2 B = 268,435,456 B to 0.31.0; qwen3_vl_moe.py's
    # decoder layer passes mrope_positions_factor 1 from 0.32.0: 262,144 x 128 x 2 B
    (QWEN3_VL_30B, "0.11.0", 1_048_576 * 128 * 2),
    (QWEN3_VL_30B, "0.31.0", 1_048_576 * 128 * 2),
    (QWEN3_VL_30B, "0.34.0", 262_144 * 128 * 2),
])
def test_mrope_cache_bytes_by_release(repo_id, release, expected):
    assert _rope_bytes(repo_id, release) == expected


def _with_rope(rope: dict) -> dict:
    """Qwen3-VL-32B's config.json with its text_config's rope block replaced by `rope`."""
    config = catalog_entry(QWEN3_VL_32B).config
    return {**config, "text_config": {**config["text_config"], "rope_scaling": rope}}


def test_another_mrope_model_keeps_the_factor_4_after_0_32():
    # get_rope's default mrope_positions_factor is 4 (rotary_embedding/__init__.py, 0.34.0);
    # only Qwen3-VL's and Qwen3.5's decoder layers pass another. The same rope block on a
    # model type whose layers pass none (Qwen2.5-VL's) keeps 4 rows per position.
    assert mrope_cache_factor(True, None, "qwen2_5_vl", parse_version("0.34.0")) == 4
    assert mrope_cache_factor(True, None, "qwen3_vl", parse_version("0.34.0")) == 1
    # no mrope_section: no M-RoPE, one row per position
    assert mrope_cache_factor(False, None, "qwen2_5_vl", parse_version("0.31.0")) == 1


def test_yarn_mrope_is_enlarged_from_0_11_0():
    # get_rope's yarn branch builds MRotaryEmbedding for a block with mrope_section from 0.11.0
    # (YaRN's cache, arange(original x 4 x factor)); 0.10.2 builds YaRNScalingRotaryEmbedding
    # (original x factor rows). Qwen3-VL-32B with a yarn block, original 65,536, factor 2:
    # 0.11.0-0.31.0: 65,536 x 4 x 2 = 524,288 rows x 128 x 2 B = 134,217,728 B; 0.32.0 on
    # (positions factor 1): 131,072 rows x 128 x 2 B = 33,554,432 B. A linear block with
    # mrope_section is no M-RoPE at any release.
    spec = parse_model_config(_with_rope({
        "mrope_interleaved": True, "mrope_section": [24, 20, 20], "rope_type": "yarn",
        "factor": 2.0, "original_max_position_embeddings": 65_536}))
    factors = [mrope_cache_factor(spec.mrope, spec.rope_scaling_type, spec.model_type,
                                  parse_version(v)) for v in ("0.10.2", "0.11.0", "0.32.0")]
    assert factors == [1, 4, 1]
    assert [rope_cache_bytes(spec, 2, f) for f in factors] == [
        131_072 * 128 * 2, 524_288 * 128 * 2, 131_072 * 128 * 2]
    assert mrope_cache_factor(True, "linear", "qwen2_5_vl", parse_version("0.31.0")) == 1


@pytest.mark.parametrize(("release", "rope", "note"), [
    ("0.31.0", 268_435_456,
     "rotary cos/sin cache: M-RoPE (mrope_section), 262,144 positions x 4 = 1,048,576 rows x "
     "128 x 2 B = 268,435,456 B: vLLM 0.31.0's MRotaryEmbedding enlarges it for video "
     "positions (cache_max_position_num, rotary_embedding/mrope.py)"),
    ("0.34.0", 67_108_864,
     "rotary cos/sin cache: M-RoPE (mrope_section), one row per position, 262,144 rows x 128 "
     "x 2 B = 67,108,864 B: vLLM 0.34.0 builds it with mrope_positions_factor 1 without video "
     "pruning (qwen3_vl.py, 4 with --video-pruning-rate)"),
])
def test_the_weights_term_shows_the_rows_and_the_factor(release, rope, note):
    # Qwen3-VL-32B in BF16 at TP 2 on 2x H100: every GPU holds the whole cache (rows x 128 x
    # 2 B, above), and the weights term's formula says how many rows and why
    result = plan(PlanRequest(model=catalog_spec(QWEN3_VL_32B),
                              cluster=preset_cluster("h100-sxm", 2), layout=ParallelLayout(tp=2),
                              engine=EngineSettings(vllm_version=release, max_model_len=32768)))
    weights = next(t for t in result.terms if t.key == "weights")
    assert f" + rotary cos/sin cache {rope / GIB:.2f} GiB + " in weights.formula
    assert note in weights.formula
