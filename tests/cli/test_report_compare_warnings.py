"""`report --compare` lists each compared model's warnings under the comparison table, as the
app's Compare page lists them under its grid (planner.report.model_warnings: the plan's, with
the parameter check against the checkpoint, then the config's own), each escaped.

Hand-checked: gemma-3-4b-it on one H100 at --max-num-seqs 16 fits on figures that leave out
the SigLIP vision encoder's start-up profile (tests/app/test_compare.py: the same plan reads
yes* there): vLLM's default 8,192 batched tokens / 16 sequences = 512 tokens per sequence,
above the 8 the measured start-ups hold it inside. The tiny checkpoint of
tests/cli/test_param_check_cli.py stores 16,384,000 of its architecture's 41,685,504
parameters; DeepSeek-V4-Flash's config carries compressed.DSV4_WARNING. Qwen3-8B has none.
"""

import json

from planner.model.config.compressed import DSV4_WARNING
from planner.text import md_escape
from tests.cli.conftest import run_main
from tests.cli.test_param_check_cli import LINE, _folder

H100 = ["--gpu", "h100-sxm", "--gpus", "1", "--date", "2026-01-01"]


def test_a_compared_models_unmodelled_warning_is_listed_under_its_yes_star(capsys) -> None:
    gemma = "google/gemma-3-4b-it"
    code, out, _ = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", *H100,
                            "--max-num-seqs", "16", "--compare", gemma)
    assert code == 0
    lines = out.splitlines()
    at = lines.index(f"- {md_escape(gemma)}: 2 warnings:")
    assert lines[at - 1].startswith(f"- yes\\* ({gemma}): fits on figures that leave out "
                                    "Gemma 3 SigLIP vision encoder start-up profile")
    warning = lines[at + 1]
    assert warning.startswith("  - vLLM profiles the Gemma 3 SigLIP vision encoder")
    assert "8,192 / 16 = 512 batched tokens per sequence" in warning
    assert "'\\{\"image\": 0, \"video\": 0\\}'" in warning  # escaped, as all the report's text
    # its second: the batched tokens bind its concurrency (plan.window_reservation): at the
    # report's 40,960 tokens, 1 full group of cdiv(40,960, 64) = 640 blocks + 6 sliding groups
    # of cdiv(1,023 + 2 x 8,192, 64) + 1 = 273 = 2,278 blocks, 6 x (273 - (cdiv(1,023, 64) +
    # 1)) = 1,536 of them for the tokens in flight (34 layers, every 6th full: 5 + 29)
    assert lines[at + 2].startswith("  - \\--max-num-batched-tokens binds the concurrency: a "
                                    "request of 40,960 tokens takes 2,278 blocks, 1,536 of them")
    assert lines[at + 3] == ""  # the report's own model (Qwen3-8B) is not listed


def test_the_parameter_check_and_the_configs_warnings_are_listed(capsys, tmp_path) -> None:
    folder = _folder(tmp_path, {"model.embed_tokens.weight": [32000, 512]})
    v4 = "deepseek-ai/DeepSeek-V4-Flash"
    code, out, _ = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", *H100,
                            "--max-model-len", "8192", "--compare", str(folder), v4)
    assert code == 0
    lines = out.splitlines()
    tiny = lines.index(f"- {md_escape(folder)}: 1 warning:")
    assert lines[tiny + 1].startswith(f"  - {md_escape(LINE)}")
    dsv4 = next(i for i, line in enumerate(lines) if line.startswith(f"- {v4}: "))
    assert lines[dsv4].endswith(" warnings:")  # its unmodelled CUDA graphs, the config's
    listed = lines[dsv4 + 1: lines.index("", dsv4)]
    assert f"  - {md_escape(DSV4_WARNING)}" == listed[-1]  # the config's own come last
    code, out, _ = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", *H100,
                            "--max-model-len", "8192", "--compare", str(folder), "--format",
                            "json")
    assert code == 0
    own, other = json.loads(out)["comparison"]
    assert own["warnings"] == []  # its warnings are the memory plan's
    assert len(other["warnings"]) == 1 and other["warnings"][0].startswith(LINE)
