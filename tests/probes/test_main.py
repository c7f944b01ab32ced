"""`python -m probes`: exit codes through a subprocess, output through main() in-process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from probes import nvml
from probes.__main__ import main, render_summary
from probes.audit_summary import audit_summary
from probes.snapshot import load_snapshot
from tests.probes.conftest import NO_GPU_VM, RTX3090X8
from tests.probes.fake_nvml import FakeNvml

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "probes", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_summary_exits_zero_on_any_machine() -> None:
    done = run()
    assert done.returncode == 0, done.stderr
    assert "Host:" in done.stdout and "Findings:" in done.stdout


def test_json_is_a_loadable_snapshot(tmp_path: Path) -> None:
    done = run("--json", "--model-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    snap = load_snapshot(done.stdout.encode())
    assert snap.host.disks[-1].path == str(tmp_path)


@pytest.mark.parametrize("args", [
    ("--bogus",),
    ("--model-dir", "/etc/hostname"),
    ("--load", "/no/such/snapshot.json"),
])
def test_bad_input_exits_2_with_one_line(args: tuple[str, ...]) -> None:
    done = run(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("python -m probes: error: ")


@pytest.mark.parametrize(("args", "words"), [
    # before: a live audit of this machine (--load '' read as not given), exit 0
    (("--load", ""), "argument --load: is empty: give a snapshot file"),
    (("--model-dir", ""), "argument --model-dir: is empty: give a directory"),
    # a traceback before (OSError: File name too long); then the 5,000 characters echoed whole,
    # now cut as planner.text.shortened cuts (61 characters, then "...")
    (("--model-dir", "x" * 5000), f"argument --model-dir: {'x' * 61}... cannot be a directory "
     "(File name too long)."),
    # before: --model-dir silently unused (a recorded snapshot's disks cannot be measured)
    (("--load", str(RTX3090X8), "--model-dir", "/tmp"),
     "--model-dir measures this machine's disks: it does not apply to --load"),
    # before: the last --load won and the first file was silently never read, exit 0
    (("--load", str(RTX3090X8), "--load", str(RTX3090X8)),
     f"argument --load: given twice ('{RTX3090X8}', then '{RTX3090X8}'): give it once."),
    # before: the disk listed twice
    (("--model-dir", "/tmp", "--model-dir", "/tmp/"),
     "argument --model-dir: '/tmp' given twice: give each once."),
])
def test_empty_and_conflicting_arguments_are_named(args: tuple[str, ...], words: str) -> None:
    done = run(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith(f"python -m probes: error: {words}"), done.stderr


def test_corrupt_snapshot_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "node1.json"
    bad.write_text('{"kind": "headroom.hardware-snapshot", "schema_version": 9}')
    done = run("--load", str(bad))
    assert done.returncode == 2
    assert done.stderr.strip() == (f"python -m probes: error: {bad}: schema_version 9 is not "
                                   "supported (this Headroom reads version 1).")


def test_no_gpu_summary(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(nvml, "pynvml", FakeNvml([], init_error=12))  # LIBRARY_NOT_FOUND
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "GPUs: none (NVML could not load: libnvidia-ml.so.1 not found" in out
    assert "[WARNING] No NVIDIA GPU found" in out


def test_host_counts_read_as_english(capsys: pytest.CaptureFixture) -> None:
    # the recorded VM: 1 socket, 2 cores, 2 threads, 1 NUMA node (no-gpu-vm.json's host);
    # read "1 socket(s)", "1 NUMA node(s)"
    assert main(["--load", str(NO_GPU_VM)]) == 0
    out = capsys.readouterr().out
    assert "  CPU: Intel(R) Xeon(R) Processor, 1 socket, 2 cores / 2 threads, 1 NUMA node\n" in out
    # the 3090 rig's EPYC 7402P: 1 socket, 24 cores, 48 threads (rtx3090x8.json's host)
    assert main(["--load", str(RTX3090X8)]) == 0
    assert ", 1 socket, 24 cores / 48 threads, 1 NUMA node\n" in capsys.readouterr().out
    # the report's audit table reads the same way
    summary = audit_summary(load_snapshot(RTX3090X8))
    cpu = next(f.value for f in summary.host if f.label == "CPU")
    assert cpu == "AMD EPYC 7402P 24-Core Processor: 1 socket, 24 cores / 48 threads, 1 NUMA"


def test_summary_of_the_3090_rig(capsys: pytest.CaptureFixture) -> None:
    assert main(["--load", str(RTX3090X8)]) == 0
    out = capsys.readouterr().out
    assert "GPUs: 8, driver 570.172.08, CUDA (driver) 12.8" in out
    # 1 MiB used of 24576 MiB: under 0.01 GiB (10.24 MiB), so in MiB, not "0.00 GiB"
    assert "1.00 MiB / 24.00 GiB" in out
    rows = {line.split()[0]: line.split()[1:9] for line in out.splitlines()
            if line.startswith("GPU") and "NODE" in line}
    assert rows["GPU2"] == ["NODE", "NODE", "X", "PIX", "PXB", "NODE", "NODE", "NODE"]
    assert "  PXB  = Connection traversing multiple PCIe bridges" in out
    assert "[WARNING] No NVLink: tensor parallelism runs over PCIe" in out
    assert "ECC mode: not supported" in out


@pytest.mark.parametrize("args", [("--json",), ()])
def test_a_closed_stdout_pipe_ends_quietly(args: tuple[str, ...]) -> None:
    # `python -m probes --json | head -c 10`, made deterministic: the pipe's only read end is
    # closed before the child writes, so its first write meets EPIPE (BrokenPipeError).
    snapshot = ROOT / "tests" / "fixtures" / "snapshots" / "rtx3090x8.json"
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([sys.executable, "-m", "probes", "--load", str(snapshot), *args],
                              cwd=ROOT, stdout=write_end, stderr=subprocess.PIPE, text=True,
                              timeout=60)  # fmt: skip
    finally:
        os.close(write_end)
    assert done.returncode == 141  # 128 + SIGPIPE, as a shell reports a piped writer
    assert done.stderr == ""  # no BrokenPipeError traceback, no "Exception ignored"


def test_head_of_the_json_is_clean() -> None:
    # The real pipeline: whichever side wins the race, no traceback reaches stderr.
    done = subprocess.run(f"{sys.executable} -m probes --json | head -c 10", shell=True,
                          cwd=ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.stdout == '{\n  "kind"'
    assert done.stderr == ""


def test_summary_shows_host_probe_notes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    # A host fact the probe could not read is said, not silently left empty.
    snap = load_snapshot(RTX3090X8)
    noted = snap.model_copy(
        update={"host": snap.host.model_copy(update={"notes": ["nvcc --version failed: boom"]})}
    )
    path = tmp_path / "noted.json"
    path.write_text(noted.to_json())
    assert main(["--load", str(path)]) == 0
    assert "  host: nvcc --version failed: boom" in capsys.readouterr().out


def test_report_gpu_table_shows_the_current_and_max_pcie_link(capsys) -> None:
    # the recorded RTX 3090s idle at Gen1 x16 (pcie_generation_current 1) of their Gen4 x16
    # max, the link the plan runs at: the table shows both, the header says which is which
    from cli.planner_cli import main as planner_main
    assert planner_main(["report", "--model", "Qwen/Qwen3-8B", "--snapshot", str(RTX3090X8),
                         "--tp", "8", "--date", "2026-01-01"]) == 0
    out = capsys.readouterr().out
    assert ("| GPU | Name | Memory total | Used | PCIe link now (max) | Power limit | Temp | ECC "
            "| NVLinks |\n") in out
    # GPU0 uses 1,048,576 B: 1.00 MiB, which read "0.00 GiB" (planner.units.gib_text)
    assert "| 0 | NVIDIA GeForce RTX 3090 | 24.00 GiB | 1.00 MiB | Gen1 x16 (Gen4 x16) |" in out


def test_a_little_swap_in_use_reads_mib_in_both_audit_tables() -> None:
    # the rig's 8,589,930,496 B of swap (8 GiB + 4 KiB: 8.00 GiB) with 3 MiB = 3,145,728 B
    # used, under 0.01 GiB (10,737,418.24 B): "3.00 MiB used", where both read "0.00 GiB"
    snap = load_snapshot(RTX3090X8)
    snap = snap.model_copy(update={"host": snap.host.model_copy(
        update={"swap_used_bytes": 3 * 2**20})})
    swap = next(f.value for f in audit_summary(snap).host if f.label == "Swap")
    assert swap == "8.00 GiB (3.00 MiB used)"
    assert ", swap 8.00 GiB (3.00 MiB used)\n" in render_summary(snap, [])


def test_gpu_row_with_no_max_pcie_link_shows_the_current_one() -> None:
    snap = load_snapshot(RTX3090X8)
    gpu = snap.gpus[0].model_copy(update={"pcie_generation_max": None})
    one = audit_summary(snap.model_copy(update={"gpus": [gpu]})).gpus[0]
    assert one.pcie_link == "Gen1 x16"


def test_a_snapshot_path_with_spaces_is_advised_quoting(tmp_path: Path, capsys) -> None:
    # --load took '.../my', 'node.json' was left over: quoting advice where the words joined
    # name a file, none where they do not (a word typed by mistake)
    (tmp_path / "my node.json").write_text("{}")
    for last, advice in (("node.json", f" (--load takes one value: quote one with spaces, "
                                       f"--load '{tmp_path}/my node.json')"), ("x", "")):
        with pytest.raises(SystemExit) as exc:
            main(["--load", str(tmp_path / "my"), last])
        assert exc.value.code == 2
        assert capsys.readouterr().err == (f"python -m probes: error: unrecognized arguments: "
                                           f"{last}{advice}.\n")
