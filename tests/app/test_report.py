"""Report page: the same report the CLI writes, previewed and downloadable."""

from tests.app.conftest import open_page


def test_report_preview_and_downloads() -> None:
    at = open_page("report")
    assert not at.exception
    markdown = at.main.markdown[-1].value
    assert markdown.startswith("# Headroom report: Qwen/Qwen3-235B-A22B-GPTQ-Int4")
    assert "preset: 8x NVIDIA GeForce RTX 3090" in markdown
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download Markdown", "Download JSON", "Download sweep CSV"]


def test_report_with_comparison_and_audit() -> None:
    at = open_page("report", cmp="Qwen/Qwen3-235B-A22B-GPTQ-Int4,Qwen/Qwen3-8B")
    at.checkbox(key="report.compare").check().run()
    assert not at.exception
    assert "Qwen/Qwen3-8B" in at.main.markdown[-1].value


def test_report_of_a_hardware_that_cannot_be_planned_is_an_inline_error() -> None:
    at = open_page("report", hw="audit")  # this test machine has no GPU
    assert not at.exception
    assert any(e.value.startswith("Cannot build the report") for e in at.error)
