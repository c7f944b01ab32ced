"""Plan page, "More vLLM options": "Enforce eager (no CUDA graphs)", the CLI's --enforce-eager.

Qwen3-8B on one L4 at max_model_len 16,000 under vLLM 0.34.0 (the default release), worked
by hand as in tests/cli/test_enforce_eager_cli.py: vLLM's batch defaults below 70 GiB (256
sequences, 2,048 tokens) capture 51 piecewise + 35 full graphs, 86 x int(8.4 MiB) =
86 x 8,808,038 B = 757,491,268 B, which the release subtracts from the KV budget; eager
captures none, so the pool gains exactly that. TPOT at one request is the decode step, whose
per-layer overhead (55.2 us x 36 layers x 1,980 / 2,040 MHz = 1.929 ms) goes x 3.
"""

import re

import pytest

from tests.app.conftest import launch_command, metric, more_options, open_link, open_page, texts

QWEN3_L4 = {"model": "Qwen/Qwen3-8B", "gpu": "l4", "gpn": "1", "len": "16000"}
GRAPH_BYTES = 86 * 8_808_038
LAYER_OVERHEAD_MS = 55.2e-3 * 36 * 1980 / 2040


def _pool_bytes(at) -> int:
    """The KV cache pool per GPU in bytes, as the figures table gives it ("4.03 GiB (N B)")."""
    return int(re.search(r"KV cache pool per GPU\s+[\d.]+ GiB \(([\d,]+) B\)",
                         texts(at))[1].replace(",", ""))


def _tpot_ms(at) -> float:
    return float(metric(at, "TPOT").removesuffix(" ms"))


def test_ticking_it_gives_the_graphs_bytes_to_the_kv_pool_and_slows_decode() -> None:
    at = open_page(None, **QWEN3_L4)
    assert not at.exception
    box = at.checkbox(key="plan.enforce_eager")
    assert not box.value and "--enforce-eager" in box.proto.help
    assert more_options(at) == "More vLLM options"
    pool, tpot = _pool_bytes(at), _tpot_ms(at)
    assert "--enforce-eager" not in launch_command(at)
    box.check().run()
    assert not at.exception
    assert _pool_bytes(at) - pool == GRAPH_BYTES == 757_491_268
    assert "none: --enforce-eager captures no CUDA graphs" in texts(at)
    # TPOT is shown to 0.1 ms: 2 x 1.929 ms more, within the two roundings
    assert _tpot_ms(at) - tpot == pytest.approx(2 * LAYER_OVERHEAD_MS, abs=0.1)
    assert launch_command(at).endswith(" --enforce-eager")
    assert at.query_params["eager"] == "1"


def test_a_link_with_eager_plans_it_counted_on_the_folded_options() -> None:
    at = open_link("plan", **QWEN3_L4, eager="1")
    assert not at.exception and not at.sidebar.warning
    assert at.checkbox(key="plan.enforce_eager").value
    assert more_options(at) == "More vLLM options (1 set)"
    assert launch_command(at).endswith(" --enforce-eager")


def test_the_recommend_page_says_it_searches_eager() -> None:
    at = open_link("recommend", **QWEN3_L4, eager="1")
    assert not at.exception
    assert "with Enforce eager ticked: no CUDA graphs (CLI: `--enforce-eager`)." in texts(at)
