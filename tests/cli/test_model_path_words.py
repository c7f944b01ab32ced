"""--model values that name no model, each refused in words that say what they are (review
h419 #13): a symbolic link loop or a link to nothing read "no such file or folder"; a
folder whose config.json is such a link was said to have no config.json.
"""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import run_main

HINT = "(a model is a config.json, a folder holding one, or a repo id such as Qwen/Qwen3-8B).\n"
GIVE = ("give the model's own config.json, as its Hugging Face repo holds it (a JSON object of its "
        "settings), or its repo id.\n")
"""What a folder's unreadable config.json is followed by (h736's advice, probes.hub._read_local)."""


def _error(capsys, *argv: str) -> str:
    try:
        code, out, err = run_main(capsys, *argv)
    except SystemExit as caught:  # argparse's refusal of the value
        code, out, err = caught.code, "", capsys.readouterr().err
    assert code == 2 and not out and err.count("\n") == 1, err
    return err


def test_a_symbolic_link_loop_is_named_so(capsys, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.symlink_to(two)
    two.symlink_to(one)
    assert _error(capsys, "plan", "--model", str(one), "--gpu", "h100-sxm") == (
        f"python -m planner plan: error: {one}: a symbolic link loop, whose links never reach "
        f"a file {HINT}")


def test_a_link_to_nothing_names_its_target(capsys, tmp_path: Path) -> None:
    link = tmp_path / "model"
    link.symlink_to(tmp_path / "moved")
    assert _error(capsys, "plan", "--model", str(link), "--gpu", "h100-sxm") == (
        f"python -m planner plan: error: {link}: a symbolic link to {tmp_path / 'moved'}, "
        f"which does not exist {HINT}")


def test_a_folder_whose_config_is_a_link_to_nothing_names_the_link(capsys, tmp_path: Path
                                                                  ) -> None:
    # a hub cache snapshot folder whose blob was deleted: the folder was said to have no
    # config.json ("pass the model's folder"), the very folder given
    (tmp_path / "config.json").symlink_to(tmp_path / "blobs" / "gone")
    assert _error(capsys, "plan", "--model", str(tmp_path), "--gpu", "h100-sxm") == (
        f"python -m planner plan: error: {tmp_path / 'config.json'} is a symbolic link to "
        f"{tmp_path / 'blobs' / 'gone'}, which does not exist: {GIVE}")


def test_a_folder_whose_config_is_a_link_loop_names_the_loop(capsys, tmp_path: Path) -> None:
    (tmp_path / "config.json").symlink_to(tmp_path / "config.json")
    assert _error(capsys, "plan", "--model", str(tmp_path), "--gpu", "h100-sxm") == (
        f"python -m planner plan: error: {tmp_path / 'config.json'} is a symbolic link loop, "
        f"whose links never reach a file: {GIVE}")
