"""Architecture rules checked on the source: planner/ is pure; each I/O library has one home."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN_IN_PLANNER = {
    "streamlit", "probes", "cli", "ui", "pages", "huggingface_hub", "psutil", "pynvml",
    "requests", "httpx", "urllib", "socket", "http", "subprocess",
}
"""planner/ is pure: stdlib + pydantic, and the regex package vLLM matches quantization lists'
"re:" patterns with (one home: exclusion_match). Its CLI shim (__main__.py) is the one
exception."""

SOLE_IMPORTER = {
    "pynvml": "probes/nvml.py",
    "psutil": "probes/host.py",
    "huggingface_hub": "probes/hub.py",
    "regex": "planner/model/exclusion_match.py",
}


def imported_roots(path: Path) -> set[str]:
    """Top-level package names a Python file imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def project_files() -> list[Path]:
    skip = {"tests", ".venv", "bench", "build"}  # build/: `pip install .`'s copy of the sources
    return [p for p in ROOT.rglob("*.py") if not skip & set(p.relative_to(ROOT).parts)]


@pytest.mark.parametrize(
    "path",
    [p for p in (ROOT / "planner").rglob("*.py") if p.name != "__main__.py"],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_planner_is_pure(path: Path) -> None:
    assert imported_roots(path).isdisjoint(FORBIDDEN_IN_PLANNER), path


@pytest.mark.parametrize("module", sorted(SOLE_IMPORTER))
def test_io_library_has_one_home(module: str) -> None:
    importers = sorted(
        str(p.relative_to(ROOT)) for p in project_files() if module in imported_roots(p)
    )
    assert importers in ([], [SOLE_IMPORTER[module]]), importers


def test_no_trust_remote_code() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in project_files()
        if "trust_remote_code=True" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


def imported_modules(path: Path) -> set[str]:
    """Full dotted names of the modules a Python file imports (absolute imports only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path", sorted((ROOT / "planner" / "model").rglob("*.py")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_model_never_imports_serving(path: Path) -> None:
    """The floors point down: what a checkpoint is (planner.model) never depends on how an
    engine serves it (planner.serving) or on the report."""
    upward = {m for m in imported_modules(path)
              if m.startswith(("planner.serving", "planner.report"))}
    assert upward == set(), upward
