"""The README as a newcomer follows it (issue 13, item 16).

Debian's and Ubuntu's system pip refuses to install (PEP 668: externally-managed-environment),
so the Quick start creates a virtual environment first; the README, the example report and
the app tell one story about the seed layout (TP=8 with expert parallelism).
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
EXAMPLE = (ROOT / "docs" / "examples" / "seed-8x3090-qwen3-235b-w4a16.md").read_text()


def _quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def test_quick_start_makes_a_venv_before_any_pip_install() -> None:
    commands = _quick_start_commands()
    assert commands[0] == "python3 -m venv .venv && . .venv/bin/activate"
    first_pip = next(i for i, c in enumerate(commands) if "pip install" in c)
    assert first_pip > 0
    assert "externally-managed-environment" in README


def test_readme_example_and_app_agree_on_expert_parallelism() -> None:
    flat = " ".join(README.replace("\\\n", " ").split())
    assert ("python -m planner report --model Qwen/Qwen3-235B-A22B-GPTQ-Int4 --gpu rtx-3090 "
            "--gpus 8 --tp 8 --ep ") in flat
    assert "TP=8 with expert parallelism" in flat
    launch = EXAMPLE.split("## Launch", 1)[1]
    assert "--tensor-parallel-size 8 --enable-expert-parallel" in launch
    assert "Configuration: TP=8 + EP on 8x NVIDIA GeForce RTX 3090" in EXAMPLE
    from ui.state import AppState  # the app's default: EP on

    assert AppState().ep is True
