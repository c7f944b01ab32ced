"""Every `startup.NAME` or `startup.MODULE.NAME` (`planner.serving.` or `serving.` before it or
not) that the code's docstrings and comments cite is a name of the planner.serving.startup
package or one of its modules: the split of startup.py into a package (one kind of refusal a
module) left 'serving.startup.kv_format_errors' (now startup.attention_backend's) and
'startup.olmo3_rope_failure' (startup.model_config's _olmo3_rope_failure) naming nothing.
Fails on a function moved or renamed without its citations."""

import importlib
import re
from pathlib import Path

import planner.serving.startup as startup

ROOT = Path(__file__).resolve().parents[3]
REF = re.compile(r"(?<![\w/.])(?:planner\.serving\.|serving\.)?startup\.(\w+)(?:\.(\w+))?")


def _resolves(first: str, second: str) -> bool:
    try:  # a module of the package, then a name in it
        module = importlib.import_module(f"{startup.__name__}.{first}")
    except ModuleNotFoundError:
        return hasattr(startup, first)
    return not second or hasattr(module, second)


def test_every_cited_startup_name_exists() -> None:
    stale = [f"{path.relative_to(ROOT)}: startup.{first}{'.' + second if second else ''}"
             for folder in ("planner", "cli", "ui", "bench", "tools")
             for path in sorted((ROOT / folder).rglob("*.py"))
             for first, second in REF.findall(path.read_text(encoding="utf-8"))
             if not _resolves(first, second)]
    assert not stale, stale
