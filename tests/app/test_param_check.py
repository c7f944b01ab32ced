"""The Plan page and its sweep warn where the checkpoint's stored parameter count disagrees
with the config's, as `plan` (text and --json), `inspect` and the Model page say it
(planner.report.param_check_warning).

The hand-worked counts are tests/cli/test_param_check_cli.py's: TINY_CONFIG's architecture
holds 41,685,504 parameters; a checkpoint storing the embeddings only holds 32,000 x 512 =
16,384,000 BF16 elements, 25,301,504 fewer (-60.70 %).
"""

from tests.app.conftest import hub_answers, open_page
from tests.cli.test_param_check_cli import ARCH, LINE, STORED
from tests.cli.tiny_model import TINY_CONFIG

REPO = "acme/short-weights"


def _checkpoint(stored: int) -> dict:
    """CheckpointMetadata of `stored` BF16 elements (2 B each)."""
    return {"params_by_dtype": {"BF16": stored}, "total_params": stored,
            "tensor_bytes": 2 * stored}


def _warnings(at) -> list[str]:
    return [w.value for w in at.warning if "Parameter check" in w.value]


def test_the_plan_and_its_sweep_warn_where_the_checkpoint_disagrees(monkeypatch) -> None:
    assert STORED == 32_000 * 512 and ARCH - STORED == 25_301_504
    hub_answers(monkeypatch, REPO, TINY_CONFIG, checkpoint=_checkpoint(STORED))
    at = open_page("plan", model=REPO, gpn="1")
    assert not at.exception
    assert [w.startswith(LINE) for w in _warnings(at)] == [True]
    at.button(key="plan.run_sweep").click().run()
    assert not at.exception
    assert len(_warnings(at)) == 2  # the plan's, and the sweep's above its rows


def test_no_warning_where_they_agree(monkeypatch) -> None:
    hub_answers(monkeypatch, REPO, TINY_CONFIG, checkpoint=_checkpoint(ARCH))
    at = open_page("plan", model=REPO, gpn="1")
    assert not at.exception
    at.button(key="plan.run_sweep").click().run()
    assert not _warnings(at)
