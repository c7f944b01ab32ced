"""A config.json giving the routed-expert count (or the experts per token) under two names
that disagree is planned with the one vLLM's model for that model_type reads, and warned about.

Each config is a published one (tests/fixtures/configs, SOURCES.md) or the hand-made ERNIE
shape of test_ernie45_moe.py, with a second, disagreeing name added by hand. The key vLLM reads
is from the 0.34.0 wheel: mixtral.py:247 `num_experts=config.num_local_experts`,
deepseek_v2.py:377 `num_experts=config.n_routed_experts` (built for Kimi K2.5's text_config,
kimi_k2, too), qwen3_moe.py (Qwen3MoeSparseMoeBlock) `config.num_experts`,
ernie45_moe.py:186-187 `config.moe_num_experts` / `top_k=config.moe_k`, gemma4.py:669-670
`config.num_experts` / `top_k=config.top_k_experts`.
"""

import json
from pathlib import Path

import pytest

from planner.model.config.parser import parse_model_config
from planner.model.spec import MoeMlp
from tests.planner.model.test_ernie45_moe import SMALL as ERNIE

FIXTURES = Path(__file__).parents[2] / "fixtures" / "configs"


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def _moe(spec) -> list[MoeMlp]:
    return [layer.mlp for layer in spec.layers if isinstance(layer.mlp, MoeMlp)]


def _with_text(config: dict, extra: dict) -> dict:
    """`config` with `extra` added where its text model's keys are (text_config if any)."""
    if "text_config" in config:
        return config | {"text_config": config["text_config"] | extra}
    return config | extra


CASES = [
    # (config, the disagreeing name added, experts planned, experts per token planned)
    pytest.param(_fixture("mistralai__Mixtral-8x7B-v0.1"), {"num_experts": 4}, 8, 2,
                 ["num_experts = 4", "num_local_experts = 8"], id="mixtral"),
    pytest.param(_fixture("deepseek-ai__DeepSeek-V3"), {"num_experts": 64}, 256, 8,
                 ["num_experts = 64", "n_routed_experts = 256"], id="deepseek_v3"),
    pytest.param(_fixture("moonshotai__Kimi-K2.5"), {"num_experts": 64}, 384, 8,
                 ["num_experts = 64", "n_routed_experts = 384"], id="kimi_k25-text_config"),
    pytest.param(_fixture("Qwen__Qwen3-30B-A3B"), {"num_local_experts": 32}, 128, 8,
                 ["num_experts = 128", "num_local_experts = 32"], id="qwen3_moe"),
    pytest.param(ERNIE, {"num_experts": 4}, 8, 2, ["num_experts = 4", "moe_num_experts = 8"],
                 id="ernie4_5_moe-experts"),
    pytest.param(ERNIE, {"num_experts_per_tok": 1}, 8, 2,
                 ["num_experts_per_tok = 1", "moe_k = 2"], id="ernie4_5_moe-top-k"),
    pytest.param(_fixture("google__gemma-4-26B-A4B"), {"num_experts_per_tok": 2}, 128, 8,
                 ["num_experts_per_tok = 2", "top_k_experts = 8"], id="gemma4-top-k"),
]


@pytest.mark.parametrize(("config", "extra", "experts", "top_k", "named"), CASES)
def test_disagreeing_names_plan_what_vllm_reads_and_warn(config, extra, experts, top_k, named):
    spec = parse_model_config(_with_text(config, extra), name="x")
    moe = _moe(spec)
    assert moe and {(m.num_experts, m.experts_per_token) for m in moe} == {(experts, top_k)}
    warned = [w for w in spec.warnings if "twice" in w]
    assert len(warned) == 1 and all(value in warned[0] for value in named)


def test_agreeing_names_plan_alike_without_a_warning():
    # gpt-oss-20b's config.json gives num_experts_per_tok and experts_per_token, both 4
    spec = parse_model_config(_fixture("openai__gpt-oss-20b"), name="x")
    assert {m.experts_per_token for m in _moe(spec)} == {4}
    assert not [w for w in spec.warnings if "twice" in w]
