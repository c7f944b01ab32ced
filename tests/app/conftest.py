"""AppTest helpers: the app as a user opens it (no GPU, no network), one page at a time."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
SNAPSHOTS = ROOT / "tests" / "fixtures" / "snapshots"


def open_page(page: str | None = None, **query: str) -> AppTest:
    """Run app.py (with `query` as the URL's parameters), then switch to ui/pages/<page>.py."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(query)
    at.run()
    if page is not None:
        at.switch_page(f"ui/pages/{page}.py")
        at.run()
    return at


def open_link(page: str, **query: str) -> AppTest:
    """A link straight to ui/pages/<page>.py, as a browser opens it: the session's first run
    is that page's, so it shows the sidebar's messages about the link."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(query)
    at.switch_page(f"ui/pages/{page}.py")
    at.run()
    return at


def hub_answers(monkeypatch: pytest.MonkeyPatch, repo_id: str, config: dict,
                notes: tuple[str, ...] = (), checkpoint: dict | None = None) -> None:
    """Make the hub answer `repo_id` with `config` (origin "hub") and `checkpoint` (the
    CheckpointMetadata its safetensors headers give; None: none read); other ids resolve as
    usual. The hub answers cached before are forgotten."""
    from planner.model.checkpoint import ModelSource
    from ui import io

    source = ModelSource.model_validate({
        "repo_id": repo_id, "revision": None, "commit_sha": None, "origin": "hub",
        "config": config, "hf_quant_config": None, "checkpoint": checkpoint, "notes": notes,
    })
    real = io.resolve_model
    monkeypatch.setattr(io, "resolve_model", lambda asked, *args, **kwargs: (
        source if asked == repo_id else real(asked, *args, **kwargs)))
    io.forget_hub_answers()


@pytest.fixture
def hub_reply(monkeypatch: pytest.MonkeyPatch):
    """hub_reply(repo_id, config, notes, checkpoint): hub_answers for this test; the hub answers
    cached meanwhile are forgotten after it."""
    from ui import io

    yield lambda *args, **kwargs: hub_answers(monkeypatch, *args, **kwargs)
    io.forget_hub_answers()


def show_chart(at: AppTest, tab: str) -> AppTest:
    """Open one of the Plan page's chart tabs (ui.pages.plan.CHART_TABS) as a click would; the
    tabs are lazy, so only the open one's chart is built."""
    at.session_state["plan.charts"] = tab
    at.run()
    return at


def more_options(at: AppTest) -> str:
    """The Plan page's "More vLLM options" label, asserted folded: a setting in it, from a link
    too, is counted in the label ("More vLLM options (1 set)"), not shown open (it pushed the
    verdict, TTFT and TPOT below the fold at 1366x768)."""
    options = at.expander(key="plan.more_options")
    assert not options.proto.expanded
    return options.label.replace("\u00a0", " ")


def unmodelled_verdict(at: AppTest) -> str:
    """The Plan page's verdict where the plan fits on figures that leave parts out: one
    warning, never a green success."""
    assert not any(s.value.startswith("Fits") for s in at.success)
    [verdict] = [w.value for w in at.warning if w.value.startswith("Fits (unmodelled: ")]
    return verdict


def launch_command(at: AppTest) -> str:
    """The page's launch command (its bash block: ui.format.shell_block, a line per option)
    on one line, as bash reads the block: each backslash-newline dropped with the indent after
    it; '' when the page shows none."""
    block = next((c.value for c in at.code if c.language == "bash"), "")
    return re.sub(r" \\\n +", " ", block)


def metric(at: AppTest, label: str) -> str:
    """The value of the first metric whose label starts with `label`: a label may go on past
    its name ("KV room, one request (tokens)", "Output tokens/s at 1")."""
    return next(m.value for m in at.metric if m.label.startswith(label))


def weights_bytes(at: AppTest) -> int:
    """The binding GPU's weights as the Plan page writes them ("7.58 GiB (8,144,056,320 B)")."""
    found = re.search(r"Weights on the binding GPU\s+[\d.]+ GiB \(([\d,]+) B\)", texts(at))
    assert found, "no weights row"
    return int(found.group(1).replace(",", ""))


def texts(at: AppTest) -> str:
    """Every markdown, caption, metric, message and table cell on the page, as one string."""
    parts = [str(e.value) for e in (*at.markdown, *at.caption, *at.title, *at.subheader)]
    parts += [f"{m.label}: {m.value}" for m in at.metric]
    for kind in ("error", "warning", "info", "success"):
        parts += [str(e.value) for e in at.get(kind)]
    parts += [e.value.to_string() for e in (*at.dataframe, *at.table)]
    return "\n".join(parts)


@pytest.fixture(autouse=True)
def _no_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every app test sees this machine as GPU-less (the recorded VM snapshot) and offline."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from probes.snapshot import load_snapshot
    from ui import io

    snapshot = load_snapshot(SNAPSHOTS / "no-gpu-vm.json")
    monkeypatch.setattr(io, "take_snapshot", lambda: snapshot)
    io.live_snapshot.clear()
