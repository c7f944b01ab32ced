"""The context window an EAGLE-3 drafter leaves the target (planner.serving.eagle_window), and
the start-up conditions of a drafter at PP > 1, worked by hand from vLLM's source (config/
vllm.py _limit_max_model_len_to_draft, config/speculative.py, config/model.py
_get_and_verify_max_len) and the drafter configs of tests/fixtures/drafters."""

import json
from pathlib import Path

import pytest

from planner.catalog import catalog_spec
from planner.serving.eagle import DraftError, eagle_note, parse_eagle_draft
from planner.serving.eagle_window import draft_max_position, draft_rope_bytes
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan

DRAFTERS = Path(__file__).resolve().parents[2] / "fixtures" / "drafters"
LLAMA_70B = "meta-llama/Meta-Llama-3.1-70B"


def _config(name: str) -> dict:
    return json.loads((DRAFTERS / name).read_text(encoding="utf-8"))


def _llama_drafter(rope_scaling: dict | None = None):
    """The SpecForge Llama-3.1-70B drafter (max_position_embeddings 4,096, llama3 x 8), or the
    same with another rope block (a what-if: no published drafter of that rope is at hand)."""
    config = _config("specforge__llama3-70B-eagle3.json")
    if rope_scaling is not None:
        config["rope_scaling"] = rope_scaling
    return parse_eagle_draft(config, "drafter")


def _plan(drafter, version: str, tp: int = 4, pp: int = 1, repo: str = LLAMA_70B, **engine):
    return plan(PlanRequest(
        model=catalog_spec(repo), cluster=preset_cluster("h100-sxm", tp * pp),
        layout=ParallelLayout(tp=tp, pp=pp),
        engine=EngineSettings(speculative_draft=drafter, num_speculative_tokens=3,
                              vllm_version=version, **engine)))


YARN = {"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 4096}


def test_the_specforge_drafters_keep_the_targets_window_on_0_34():
    # llama3 (Llama drafter) and no rope block ("default", Qwen3 drafter) are cache-only rope
    # types: vLLM raises their max_position_embeddings (4,096; 40,960) to the target's
    # max_model_len instead of lowering it. Llama-3.1-70B: 131,072 (max_position_embeddings,
    # llama3's factor not applied); Qwen3-32B: 40,960.
    llama = _plan(_llama_drafter(), "0.34.0")
    assert llama.max_model_len == 131_072
    assert not [w for w in llama.warnings if "_limit_max_model_len_to_draft" in w]
    qwen = _plan(parse_eagle_draft(_config("specforge__qwen3-32b-eagle3.json"), "d"), "0.34.0",
                 tp=2, repo="Qwen/Qwen3-32B")
    assert qwen.max_model_len == 40_960


def test_a_yarn_drafter_lowers_max_model_len_on_model_runner_v2():
    # yarn is not cache-only: the draft's ModelConfig derives max_position_embeddings 4,096
    # (0.30+ leaves yarn's factor unapplied), under the target's 131,072, so VllmConfig lowers
    # max_model_len to 4,096 on 0.34.0 and on 0.33.0's Model Runner V2, with its warning
    drafter = _llama_drafter(YARN)
    p = _plan(drafter, "0.34.0")
    assert p.max_model_len == 4096
    assert ("\"The draft model's max_model_len (4096) is smaller than the target model's "
            "(131072) and the model runner can't skip speculation for longer sequences; "
            "reducing max_model_len to 4096.\"") in " ".join(p.warnings)
    assert "--max-model-len 131072" in p.vllm_command  # vLLM lowers it after the check
    on_v2 = _plan(drafter, "0.33.0", model_runner="v2")
    assert on_v2.max_model_len == 4096
    assert "the V2 model runner can't skip speculation" in " ".join(on_v2.warnings)
    # 0.33.0 on V1 and 0.32.0 keep it
    assert _plan(drafter, "0.33.0", model_runner="v1").max_model_len == 131_072
    assert _plan(drafter, "0.32.0", model_runner="v2").max_model_len == 131_072


def test_a_dynamic_drafter_window_takes_its_factor():
    # dynamic is neither cache-only nor skipped by _get_and_verify_max_len: 4,096 x 2 = 8,192
    p = _plan(_llama_drafter({"rope_type": "dynamic", "factor": 2.0}), "0.34.0")
    assert p.max_model_len == 8192


def test_releases_before_0_27_feed_the_drafter_past_its_rotary_cache():
    # 0.17.0-0.26.0 do not raise the draft's max_position_embeddings (4,096): positions up to
    # max_model_len 131,072 index its 4,096-row cos_sin_cache (vLLM #48894)
    before = " ".join(_plan(_llama_drafter(), "0.26.0").warnings)
    assert "max_position_embeddings (4,096) but feeds it positions up to max_model_len " \
        "(131,072)" in before and "(#48894)" in before
    assert "#48894" not in " ".join(_plan(_llama_drafter(), "0.27.0").warnings)


@pytest.mark.parametrize(("version", "raises"), [("0.30.0", False), ("0.31.0", True),
                                                 ("0.34.0", True)])
def test_pp_needs_the_drafters_own_embedding_on_v2_from_0_31(version, raises):
    note = eagle_note(_llama_drafter(), 3, version)
    assert ("needs the target input embedding, but it is unavailable on this PP stage"
            in note) is raises


def test_a_rope_type_vllm_does_not_build_is_refused():
    with pytest.raises(DraftError, match="Unknown RoPE scaling type"):
        _llama_drafter({"rope_type": "x"})


def _llama_70b_drafter(**rope):
    """_llama_drafter with its llama3 rope block changed by `rope`."""
    return _llama_drafter({**_config("specforge__llama3-70B-eagle3.json")["rope_scaling"],
                           **rope})


@pytest.mark.parametrize(("version", "max_model_len", "rows"), [
    ("0.26.0", 131072, 4096),  # no override before 0.27.0: its own 4,096 positions
    ("0.27.0", 131072, 131072),  # raised to the target's max_model_len
    ("0.34.0", 32768, 32768),
])
def test_the_drafters_own_rotary_cache(version, max_model_len, rows):
    # SpecForge's Llama-3.1-70B drafter: llama3 rope, original 4,096 (the target's 8,192), so
    # never the target's get_rope key; llama3 caches max_position rows x head_dim 128 x 2 B
    spec = catalog_spec(LLAMA_70B)
    assert draft_rope_bytes(_llama_70b_drafter(), spec, version, max_model_len, 2) \
        == rows * 128 * 2


def test_a_drafter_of_the_targets_rope_key_shares_its_cache():
    # the drafter's rope as the target's (llama3 x 8, original 8,192): at 0.27.0+ its
    # max_position is raised to max_model_len; at 131,072, the target's max_position_embeddings,
    # get_rope returns the target's instance (0 B); at 32,768 it is another key
    spec = catalog_spec(LLAMA_70B)
    drafter = _llama_70b_drafter(original_max_position_embeddings=8192)
    assert draft_rope_bytes(drafter, spec, "0.34.0", 131072, 2) == 0
    assert draft_rope_bytes(drafter, spec, "0.34.0", 32768, 2) == 32768 * 128 * 2
    assert draft_rope_bytes(drafter, spec, "0.26.0", 131072, 2) == 4096 * 128 * 2


def test_a_yarn_drafter_keeps_its_positions_from_0_33():
    # yarn is not a cache-only rope type: 0.33.0 leaves max_position_embeddings (4,096) and
    # the yarn cache is original x factor = 4,096 x 8 = 32,768 rows either way
    spec = catalog_spec(LLAMA_70B)
    drafter = _llama_70b_drafter(rope_type="yarn")
    assert draft_max_position(drafter, "0.33.0", 131072) == 4096
    assert draft_max_position(drafter, "0.32.0", 131072) == 131072
    assert draft_rope_bytes(drafter, spec, "0.33.0", 131072, 2) == 32768 * 128 * 2
