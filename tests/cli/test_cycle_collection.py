"""main runs each command with the cyclic garbage collector off (its full passes over a large
sweep's caches cost about a quarter of the run) and leaves it as it found it: main is also
called in-process, by these tests among others."""

import gc

import pytest

from cli import planner_cli
from cli.inputs import CliError

PLAN = ["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm"]


def test_the_collector_is_off_during_a_command_and_on_after(monkeypatch, capsys):
    monkeypatch.setitem(planner_cli.COMMANDS, "plan", lambda args: f"on={gc.isenabled()}")
    assert gc.isenabled()
    assert planner_cli.main(PLAN) == 0
    assert capsys.readouterr().out.strip() == "on=False"
    assert gc.isenabled()


def test_the_collector_is_back_on_after_a_bad_input(monkeypatch):
    def refuse(args):
        raise CliError("refused")

    monkeypatch.setitem(planner_cli.COMMANDS, "plan", refuse)
    assert planner_cli.main(PLAN) == 2
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off(monkeypatch, capsys):
    monkeypatch.setitem(planner_cli.COMMANDS, "plan", lambda args: "done")
    gc.disable()
    try:
        assert planner_cli.main(PLAN) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert capsys.readouterr().out.strip() == "done"


@pytest.fixture(autouse=True)
def _collector_on():
    """Each test starts with the collector on, as a test process has it."""
    gc.enable()
    yield
    gc.enable()
