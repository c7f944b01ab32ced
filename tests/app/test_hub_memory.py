"""ui.io.hub_source: the hub's answer is kept HUB_TTL_S (600 s); a failure and a stand-in for
one (a reconstructed catalog entry answering while the hub is down) only HUB_FAILURE_TTL_S, so
the hub's own config replaces the stand-in soon after the hub is back."""

import time

import pytest

from planner.catalog import catalog_entry
from planner.model.checkpoint import ModelSource
from probes.hub import HubError
from ui import io

REPO = "google/gemma-3-27b-it"


def _source(origin: str, reason: str | None) -> ModelSource:
    entry = catalog_entry(REPO)
    return ModelSource(repo_id=REPO, revision=None, commit_sha=None, origin=origin,
                       config=entry.config, hf_quant_config=None, checkpoint=None,
                       fallback_reason=reason)


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list:
    """resolve_model answers these in turn (a HubError is raised); each call is logged."""
    queue: list = []
    asked: list = []

    def resolve(repo_id, revision, token, *, ambient_token):
        asked.append(repo_id)
        answer = queue.pop(0)
        if isinstance(answer, HubError):
            raise answer
        return answer

    monkeypatch.setattr(io, "resolve_model", resolve)
    monkeypatch.setattr(io, "HUB_FAILURE_TTL_S", 0.5)
    io.forget_hub_answers()
    yield queue, asked
    io.forget_hub_answers()


def test_a_stand_in_is_remembered_briefly_and_the_hub_answer_long(answers) -> None:
    queue, asked = answers
    stand_in = _source("catalog", "the hub is unreachable")
    fetched = _source("hub", None)
    queue += [stand_in, fetched]
    assert io.hub_source(REPO, None, None, False) == stand_in
    assert io.hub_source(REPO, None, None, False) == stand_in
    assert asked == [REPO]  # the rerun was answered from memory
    time.sleep(0.6)  # past HUB_FAILURE_TTL_S: the hub is asked again, and now answers
    assert io.hub_source(REPO, None, None, False) == fetched
    assert io.hub_source(REPO, None, None, False) == fetched
    assert asked == [REPO, REPO]  # the hub's answer is kept (HUB_TTL_S)


def test_a_failure_is_remembered_briefly(answers) -> None:
    queue, asked = answers
    queue += [HubError("network", "Cannot reach the hub."), _source("hub", None)]
    for _ in range(2):
        with pytest.raises(HubError, match="Cannot reach the hub"):
            io.hub_source(REPO, None, None, False)
    assert asked == [REPO]
    time.sleep(0.6)
    assert io.hub_source(REPO, None, None, False).origin == "hub"
    assert asked == [REPO, REPO]
