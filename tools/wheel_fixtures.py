"""The download-and-write loop the tools/extract_*.py scripts share: for each release, `pip
download PACKAGE==X --no-deps` one wheel into a temporary folder (large: one at a time,
deleted after reading), turn it into a fixture, and write PACKAGE-X.json.

The scripts run as `python tools/extract_X.py` (this folder first on sys.path) and are imported
as `tools.extract_X` by the tests (the repository root on it): each imports this module the way
its own import allows (`__package__`).
"""

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path


def write_fixtures(package: str, versions: Iterable[str], out: Path,
                   fixture: Callable[[Path, str], dict], summary: Callable[[dict], str]) -> None:
    """Download each release's wheel of `package`, write `fixture(wheel, version)` to
    out/PACKAGE-VERSION.json (one-space indent, newline-terminated) and print `summary` of it."""
    out.mkdir(parents=True, exist_ok=True)
    for version in versions:
        with tempfile.TemporaryDirectory(prefix=f"{package}-wheel-") as tmp:
            subprocess.run([sys.executable, "-m", "pip", "download", f"{package}=={version}",
                            "--no-deps", "--only-binary", ":all:", "-q", "-d", tmp], check=True)
            data = fixture(next(Path(tmp).glob(f"{package}-*.whl")), version)
        path = out / f"{package}-{version}.json"
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"{path}: {summary(data)}")
