"""DeepSeek-style grouped top-k routing (n_group, topk_group): the values vLLM stops on are
refused with one line, the ones it routes otherwise are planned with a warning
(planner.model.config.moe.grouped_check; sources in its NOTE: vLLM deepseek_v2.py
DeepseekV2MoE passes use_grouped_topk=True, num_expert_group=n_group, topk_group=topk_group to
FusedMoE; fused_moe.py grouped_topk 0.9.1-0.14.0, router/grouped_topk_router.py 0.15.0-0.34.0
take torch.topk(group_scores, k=topk_group) of [tokens, n_group]; router_factory.py 0.15.0-0.34.0
raises on a None n_group / topk_group, layer.py 0.9.1-0.23.0 asserts)."""

import json

import pytest

from planner.model.config.parser import parse_model_config
from planner.model.spec import ConfigError
from tests.cli.conftest import run_main
from tests.conftest import load_ref_config


def _v3(**changes: object) -> dict:
    """DeepSeek-V3's config.json (256 routed experts in n_group 8 groups of 32, topk_group 4,
    num_experts_per_tok 8) with `changes`; a None value drops the key."""
    config, _ = load_ref_config("deepseek-ai__DeepSeek-V3")
    config = {**config, **changes}
    return {k: v for k, v in config.items() if k not in changes or changes[k] is not None}


def test_deepseek_v3_as_published_has_no_grouping_warning() -> None:
    spec = parse_model_config(_v3())
    assert not [w for w in spec.warnings if "n_group" in w or "topk_group" in w]


def test_topk_group_above_n_group_is_refused() -> None:
    # 9 of 8 groups: torch.topk(k=9) of 8 columns raises in vLLM's grouped top-k
    with pytest.raises(ConfigError, match=r"^config.json: topk_group = 9 is more than n_group "
                                          r"= 8: vLLM's grouped top-k picks topk_group of the "
                                          r"n_group expert groups"):
        parse_model_config(_v3(topk_group=9))


def test_topk_group_equal_to_n_group_plans() -> None:
    # every group picked: plain top-k in effect, nothing raises
    spec = parse_model_config(_v3(topk_group=8))
    assert spec.layers[3].mlp.num_experts == 256


def test_null_n_group_is_refused() -> None:
    config = _v3()
    config["n_group"] = None  # written out as null: DeepseekV3Config keeps the None
    with pytest.raises(ConfigError, match=r"^config.json: n_group null: vLLM's grouped top-k "
                                          r"routing needs n_group and topk_group"):
        parse_model_config(config)


def test_deepseek_v2_without_topk_group_is_refused() -> None:
    # transformers 5.25.0 DeepseekV2Config: `topk_group: int | None = None`, so vLLM's FusedMoE
    # gets None; DeepseekV3Config's default (4) stands in for V3 instead
    config = _v3(topk_group=None, model_type="deepseek_v2",
                 architectures=["DeepseekV2ForCausalLM"])
    with pytest.raises(ConfigError, match=r"topk_group missing \(DeepseekV2Config's default is "
                                          r"None\)"):
        parse_model_config(config)
    spec = parse_model_config(_v3(topk_group=None))
    assert not [w for w in spec.warnings if "topk_group" in w]


def test_experts_not_splitting_into_groups_plan_with_a_warning() -> None:
    # 256 experts in 7 groups: 256 % 7 = 4, so vLLM 0.13 on routes with plain top-k
    # (valid_grouping) and 0.9-0.12 stop; the weights are the same 256 experts
    spec = parse_model_config(_v3(n_group=7, topk_group=4))
    assert spec.layers[3].mlp.num_experts == 256
    assert ("n_routed_experts = 256 does not split into n_group = 7 groups of more than one "
            "expert: vLLM 0.13 on route with plain top-k over all experts (valid_grouping) "
            "(0.9-0.12 stop at start-up") in " ".join(spec.warnings)
    # above the expert count: no grouping, and no topk_group check (vLLM does not group)
    spec = parse_model_config(_v3(n_group=512, topk_group=600))
    assert any("does not split into n_group = 512" in w for w in spec.warnings)


def test_more_experts_per_token_than_the_picked_groups_hold_plan_with_a_warning() -> None:
    # 256 / 64 = 4 experts a group, 1 group picked: 4 experts for num_experts_per_tok 8
    spec = parse_model_config(_v3(n_group=64, topk_group=1))
    assert any(w.startswith("num_experts_per_tok = 8 is more than the 1 x 4 experts of "
                            "topk_group groups") for w in spec.warnings)
    # 2 groups of 4 = 8: enough, no warning
    spec = parse_model_config(_v3(n_group=64, topk_group=2))
    assert not [w for w in spec.warnings if "topk_group" in w]


def test_the_cli_refuses_it_in_one_line(capsys, tmp_path) -> None:
    (tmp_path / "config.json").write_text(json.dumps(_v3(topk_group=9)))
    code, out, err = run_main(capsys, "plan", "--model", str(tmp_path), "--gpu", "h100-sxm",
                              "--gpus", "8")
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "topk_group = 9 is more than n_group = 8" in err


def test_kimi_k25_text_model_is_checked_as_kimi_k2() -> None:
    # Kimi K2.5 (kimi_k25) wraps a kimi_k2 text_config, a DeepSeek-V3 MoE routing with
    # grouped top-k: its text_config's topk_group above n_group stops vLLM as V3's does
    # (it was planned without a word); as published (n_group 1, topk_group 1) it plans
    config, _ = load_ref_config("moonshotai__Kimi-K2.5")
    assert not [w for w in parse_model_config(config).warnings if "topk_group" in w]
    config["text_config"] = {**config["text_config"], "topk_group": 2}
    with pytest.raises(ConfigError, match=r"^config.json: text_config.topk_group = 2 is more "
                                          r"than n_group = 1"):
        parse_model_config(config)
