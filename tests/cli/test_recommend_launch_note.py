"""recommend's Launch list said "what-if, no command: No launch command: ..." for a row whose
note opens with "No launch command: " (a folder without weights, a lone config file, a model
needing --trust-remote-code): the row's note is now given after "what-if, no command: " without
repeating it."""

from pathlib import Path

from tests.cli.conftest import run_main


def test_the_note_is_not_said_twice(capsys, model_dir: Path) -> None:
    # model_dir holds config.json and no weights, so no row of it has a command
    code, out, err = run_main(capsys, "recommend", "--model", str(model_dir), "--gpu",
                              "rtx-3090", "--top", "1")
    assert code == 0, err
    launch = out.split("Launch:\n", 1)[1].splitlines()[0]
    assert launch.startswith("#1  what-if, no command: "), launch
    assert "No launch command" not in launch and "holds no weights" in launch, launch
