"""A ModelOpt checkpoint's unlisted MoE gate is stored quantized only where the exporting
transformers (config.json transformers_version) built it as an nn.Linear: ModelOpt gives
quantizers to nn.Linear (nvidia-modelopt 0.37.0 QuantModuleRegistry, quant_linear.py).
Read in the transformers wheels: 4.57.6 mixtral / qwen3_next / ernie4_5_moe `self.gate =
nn.Linear(...)`; 5.0.0rc0, 5.0.0, 5.2.0, 5.5.0 and 5.25.0 MixtralTopKRouter,
Qwen3NextTopKRouter, Ernie4_5_MoeTopKRouter (and MiniMaxM2TopKRouter from 5.0.0) nn.Modules
holding a bare nn.Parameter; qwen3_next's shared_expert_gate a torch.nn.Linear in all of them
(startup.stored_gate.TRANSFORMERS_ROUTER_MODULE)."""

import pytest

from planner.catalog import catalog_entry
from planner.model.quant import checkpoint_scheme
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.startup.stored_gate import stored_gate_errors, stored_gate_warnings
from tests.planner.serving.test_stored_gate import (
    KEY_ERROR,
    MIXTRAL,
    QWEN3_NEXT,
    VALUE_ERROR,
    _modelopt,
    _raised,
)


def _exported(repo: str, transformers_version: str | None, algo: str = "FP8"):
    """The catalog's `repo` exported by ModelOpt under `transformers_version` (None: the key
    dropped), its exclude_modules ['lm_head'] alone (no gate named)."""
    config = {k: v for k, v in catalog_entry(repo).config.items()
              if k != "transformers_version"}
    if transformers_version is not None:
        config["transformers_version"] = transformers_version
    return _modelopt(config, ["lm_head"], algo)


def _warnings(spec, version) -> list[str]:
    return stored_gate_warnings(spec, checkpoint_scheme(spec), version)


@pytest.mark.parametrize(("version", "raised"), [((0, 19, 0), KEY_ERROR),
                                                 ((0, 34, 0), VALUE_ERROR)])
def test_transformers_4_export_stores_the_mixtral_gate_quantized(version, raised):
    """4.57.1 < 5.0.0: the gate an nn.Linear, quantized, refused as before (mixtral.py's loop
    KeyError to 0.24.0, AutoWeightsLoader ValueError from 0.25.0)."""
    spec = _exported(MIXTRAL, "4.57.1")
    assert _raised(spec, version) == raised
    assert _warnings(spec, version) == []


@pytest.mark.parametrize("exporter", ["5.2.0", "5.0.0", "5.25.0"])
def test_transformers_5_export_stores_the_mixtral_gate_16_bit(exporter):
    """From 5.0.0 MixtralTopKRouter holds a bare weight: never quantized, stored 16-bit and
    unlisted, which vLLM loads (refused before this fix)."""
    spec = _exported(MIXTRAL, exporter)
    for version in ((0, 19, 0), (0, 34, 0)):
        assert _raised(spec, version) is None
        assert _warnings(spec, version) == []


@pytest.mark.parametrize("exporter", [None, "five", "5.0.0rc1", "5.0.0.dev0"])
def test_an_export_of_unknown_transformers_is_planned_with_the_condition(exporter):
    """No version, an unparseable one, or a pre-release of 5.0.0 itself (its tree before or
    after the router change): not refused; a warning names the condition."""
    spec = _exported(MIXTRAL, exporter)
    assert _raised(spec, (0, 34, 0)) is None
    [warning] = _warnings(spec, (0, 34, 0))
    assert warning.startswith("model.layers.0.block_sparse_moe.gate is not in this ModelOpt "
                              "checkpoint's exclude_modules: it is stored quantized only if "
                              "the exporter's transformers built it as nn.Linear (releases "
                              "before 5.0.0), and then vLLM 0.34.0 stops loading at its "
                              f"scales (mixtral.py: {VALUE_ERROR})")
    assert warning.endswith(": planned as stored 16-bit, which loads.")
    said = "gives no transformers_version" if exporter is None else \
        f"transformers_version {exporter!r} does not say which release exported it"
    assert said in warning


def test_a_4_x_dev_build_is_below_the_switch():
    """'4.57.0.dev0' (the catalog Qwen3-Next's) precedes 4.57.0 < 5.0.0: refused."""
    assert _raised(_exported(MIXTRAL, "4.57.0.dev0"), (0, 34, 0)) == VALUE_ERROR


def test_qwen3_next_shared_expert_gate_stays_an_nn_linear():
    """A 5.2.0 NVFP4 export: the router (Qwen3NextTopKRouter) stored 16-bit, but the
    shared_expert_gate, torch.nn.Linear(hidden, 1) in every wheel, quantized: 0.34.0's
    AutoWeightsLoader raises at it (layer 0's), where a 4.57.1 export stops at the router."""
    new = _exported(QWEN3_NEXT, "5.2.0", "NVFP4")
    [error] = stored_gate_errors(new, checkpoint_scheme(new), (0, 34, 0))
    assert "builds model.layers.0.mlp.shared_expert_gate unquantized" in error
    old = _exported(QWEN3_NEXT, "4.57.1", "NVFP4")
    [error] = stored_gate_errors(old, checkpoint_scheme(old), (0, 34, 0))
    assert "builds model.layers.0.mlp.gate unquantized" in error


def test_the_plan_carries_the_warning_not_a_refusal():
    """Mixtral-8x7B FP8 without transformers_version on 0.34.0, TP=2: weights
    46.7e9 * 1 B ~ 23 GB / GPU fit an H100; the plan has no load error and one warning."""
    spec = _exported(MIXTRAL, None)
    result = plan(PlanRequest(model=spec, cluster=preset_cluster("h100-sxm", 2),
                              layout=ParallelLayout(tp=2),
                              engine=EngineSettings(vllm_version="0.34.0",
                                                    max_model_len=32000)))
    assert not any("stops loading" in e for e in result.errors)
    assert sum("exporter's transformers built it as nn.Linear" in w
               for w in result.warnings) == 1
