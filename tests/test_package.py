"""Headroom as a package: `pip install .` in a fresh venv gives a working `headroom` command
outside the checkout, and the Python API example (docs/python-api.md) runs as written."""

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parent.parent
QWEN3_8B_KV_BYTES_PER_TOKEN = 2 * 36 * 8 * 128 * 2
"""Qwen3-8B config.json: 36 layers, 8 KV heads, head_dim 128, bf16: K and V = 147,456 B."""


def _doc_block(name: str) -> str:
    """The first ```python block of docs/NAME (the README's Python API section until the
    README split of 2026-12-06)."""
    text = (ROOT / "docs" / name).read_text(encoding="utf-8")
    return re.search(r"```python\n(.*?)```", text, re.S).group(1)


def test_readme_python_api_example_runs(capsys, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    scope: dict = {}
    exec(compile(_doc_block("python-api.md"), "docs/python-api.md", "exec"), scope)  # noqa: S102
    out = capsys.readouterr().out
    assert scope["result"].fits and scope["result"].kv_bytes_per_token == \
        QWEN3_8B_KV_BYTES_PER_TOKEN
    assert "vllm serve Qwen/Qwen3-8B --max-model-len 8192" in out
    assert scope["report"].markdown.startswith("# Headroom report: Qwen/Qwen3-8B")
    assert scope["ranked"].rows[0].fits
    # the example's report is the CLI's: an L4 has bandwidth and TFLOP/s figures, so its
    # Performance section has the speed at the default load, 1,024 in / 1,024 out, one request
    # (the KV read at 1,024 + 1,024 / 2 = 1,536 tokens held on average), and the errors it
    # quotes are read (it said "No speed figures for this GPU (no bandwidth or TFLOP/s
    # figure)" and "accuracy_results.json absent", with no speed or accuracy passed)
    performance = scope["report"].markdown.split("## Performance expectations\n", 1)[1]
    performance = performance.split("\n## ", 1)[0]
    assert "No speed figures" not in performance
    assert "At 1,024 input and 1,024 output tokens per request, 1 request at once" in performance
    assert f"1 seq x 1,536 tokens x {QWEN3_8B_KV_BYTES_PER_TOKEN:,} B" in performance
    assert "- Expected error (bench/speed_accuracy.py, " in performance
    assert "absent" not in scope["report"].markdown


PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "setuptools"]
PACKAGES = find_packages(str(ROOT), include=PYPROJECT["packages"]["find"]["include"])
"""The packages `pip install .` installs, found as setuptools finds them."""


def _shipped_data() -> set[Path]:
    """Every non-Python file the wheel carries: each package's package-data globs, expanded as
    setuptools expands them (glob relative to the package's folder)."""
    shipped = set()
    for package, patterns in PYPROJECT["package-data"].items():
        folder = ROOT.joinpath(*package.split("."))
        for pattern in patterns:
            shipped |= {path.resolve() for path in folder.glob(pattern) if path.is_file()}
    return shipped


def test_every_file_in_the_packages_is_installed() -> None:
    """A folder of Python files without __init__.py is no package to find_packages, and a data
    file no package-data glob names stays behind: either one worked from a checkout and broke
    an installed `headroom` (bench/accuracy_results.json did, outside any package)."""
    roots = {name.split(".")[0] for name in PACKAGES}
    found = {ROOT.joinpath(*name.split(".")) for name in PACKAGES}
    shipped = _shipped_data()
    left = []
    for root in sorted(roots):
        for path in sorted((ROOT / root).rglob("*")):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            if path.suffix == ".py" and path.parent not in found:
                left.append(f"{path.relative_to(ROOT)}: its folder is not a package")
            elif path.suffix not in (".py", ".pyc") and path.resolve() not in shipped:
                left.append(f"{path.relative_to(ROOT)}: no package-data glob")
    assert left == []


_RECORD_OPENS = """
import os, sys
opened = set()
sys.addaudithook(lambda event, args: event == "open" and isinstance(args[0], str)
                 and opened.add(os.path.abspath(args[0])))
from cli.planner_cli import main
model = ["--model", "Qwen/Qwen3-235B-A22B-GPTQ-Int4"]
seed = [*model, "--gpu", "rtx-3090", "--gpus", "8", "--tp", "8", "--ep"]
for argv in (["plan", *seed], ["report", *seed, "--sweep", "--date", "2026-01-01"],
             ["sweep", *model, "--gpu", "rtx-3090", "--gpus", "8"],
             ["recommend", *model, "--gpus-max", "8"], ["inspect", model[1]]):
    assert main(argv, prog="headroom") == 0, argv
print("\\n".join(sorted(opened)), file=sys.stderr)
"""


def test_every_file_the_commands_open_is_installed(tmp_path: Path) -> None:
    """Each command on the seed model, from the checkout (PYTHONPATH) in another folder, with an
    audit hook recording every file opened: each one inside the checkout is a module of an
    installed package or package data. A file read from beside the packages (bench/, as the
    report's measured error was) fails here, without building or installing anything."""
    run = subprocess.run([sys.executable, "-c", _RECORD_OPENS], cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(ROOT)},
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    environment = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}  # a .venv here
    # headroom.egg-info/, which `pip install .` leaves in the checkout: the metadata of an
    # installed distribution, whose entry points pydantic's plugin loader reads on import
    opened = {path for path in map(Path, run.stderr.splitlines()) if path.is_relative_to(ROOT)
              and not any(path.resolve().is_relative_to(where) for where in environment)
              and path.parent.suffix != ".egg-info"}
    found = {ROOT.joinpath(*name.split(".")) for name in PACKAGES}
    shipped = _shipped_data()
    assert any(path.name == "accuracy_results.json" for path in opened)  # the hook sees reads
    outside = sorted(str(path.relative_to(ROOT)) for path in opened
                     if not (path.suffix in (".py", ".pyc") and (
                         path.parent in found or path.parent.parent in found))
                     and path.resolve() not in shipped and not path.is_dir())
    assert outside == []


def test_pip_install_gives_a_headroom_command_that_works_elsewhere(tmp_path: Path) -> None:
    """A copy of the sources (the build writes build/ and *.egg-info beside them), a venv
    that sees this interpreter's packages (the dependencies and setuptools), `pip install
    --no-deps --no-build-isolation --no-index` (no package index: no test touches the network),
    then `headroom plan` from another folder: the planner, its catalog and the vLLM fixtures
    come from site-packages; its `headroom report` is the checkout's, measured error included."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("planner", "probes", "cli"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "requirements.txt", "README.md"):
        shutil.copy(ROOT / name, src / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True)
    # the venv's own ensurepip setuptools (no bdist_wheel) would shadow this interpreter's
    subprocess.run([venv / "bin" / "python", "-m", "pip", "uninstall", "-q", "-y", "setuptools"],
                   check=True)
    pip = subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps",
                          "--no-build-isolation", "--no-index", str(src)],
                         capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": ""}
    run = subprocess.run([venv / "bin" / "headroom", "plan", "--model", "Qwen/Qwen3-8B",
                          "--gpu", "RTX 3090", "--max-model-len", "8192", "--json"],
                         cwd=elsewhere, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["kv_bytes_per_token"] == QWEN3_8B_KV_BYTES_PER_TOKEN
    assert data["vllm_command"].startswith("vllm serve Qwen/Qwen3-8B ")
    report = ["report", "--model", "Qwen/Qwen3-8B", "--gpu", "RTX 3090", "--date", "2026-01-01"]
    installed = subprocess.run([venv / "bin" / "headroom", *report], cwd=elsewhere, env=env,
                               capture_output=True, text=True)
    checkout = subprocess.run([sys.executable, "-m", "planner", *report], cwd=ROOT, env=env,
                              capture_output=True, text=True)
    assert installed.returncode == 0 and "absent" not in installed.stdout  # measured error
    assert installed.stdout == checkout.stdout
    refused = subprocess.run([venv / "bin" / "headroom", "plan", "--model", "Qwen/Qwen3-8B",
                              "--gpu", "RTX 9999"], cwd=elsewhere, env=env, capture_output=True,
                             text=True)
    assert refused.returncode == 2 and refused.stderr.startswith("headroom plan: error: ")
    where = subprocess.run([venv / "bin" / "python", "-c",
                            "import planner; print(planner.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True).stdout
    assert str(venv) in where  # not the checkout
    probes = subprocess.run([venv / "bin" / "python", "-m", "probes", "--json"], cwd=elsewhere,
                            env=env, capture_output=True, text=True)
    assert probes.returncode == 0 and json.loads(probes.stdout)["kind"] == \
        "headroom.hardware-snapshot"


def test_the_streamlit_floor_has_what_the_pages_call() -> None:
    """requirements.txt said streamlit>=1.40, but the Plan page's lazy chart tabs call
    st.tabs(key=..., on_change="rerun") and its "More vLLM options" st.expander(key=...),
    which Streamlit first ships in 1.55.0 (the 1.54.0 wheel's elements/layouts.py has
    neither: the Plan page raised TypeError there). The floor is that release, and the
    installed Streamlit, which the app tests run on, takes both."""
    import inspect

    import streamlit as st

    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert "streamlit>=1.55" in lines
    assert {"key", "on_change"} <= set(inspect.signature(st.tabs).parameters)
    assert "key" in inspect.signature(st.expander).parameters
