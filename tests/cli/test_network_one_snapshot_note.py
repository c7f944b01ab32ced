"""--network beside one --snapshot: the note's advice is one the command line takes.

It said "give --gpus N --nodes M to plan several nodes", which beside --snapshot exits 2
("--gpus cannot be combined with --snapshot (the snapshots say which GPUs there are)"); with
snapshots, more nodes are more --snapshot files.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "tests" / "fixtures" / "snapshots" / "rtx3090x8.json"


def test_the_note_names_another_snapshot_not_gpus_and_nodes() -> None:
    done = subprocess.run([sys.executable, "-m", "planner", "plan", "--model", "Qwen/Qwen3-8B",
                           "--snapshot", str(SNAPSHOT), "--network", "2x100"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60,
                          env={"HF_HUB_OFFLINE": "1", "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert done.stderr == (
        "python -m planner plan: note: --network (2x 100 Gb/s NICs per node) does not apply: "
        "the GPUs are one node (give another --snapshot per node to plan several nodes)\n")
