"""Page scripts print nothing by accident: Streamlit's "magic" writes any bare expression
statement of a page script on the page (an attribute docstring at module level showed up as
text above the Plan page's title)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [ROOT / "app.py", *sorted((ROOT / "ui" / "pages").glob("*.py"))]


def test_no_bare_strings_after_the_module_docstring() -> None:
    stray = []
    for path in SCRIPTS:
        body = ast.parse(path.read_text(encoding="utf-8")).body
        for node in body[1:]:  # body[0] is the module docstring, which magic skips
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str):
                stray.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not stray
