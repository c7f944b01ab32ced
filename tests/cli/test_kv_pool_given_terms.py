"""Under --kv-cache-memory-bytes vLLM skips memory profiling, so the activation, non-torch and
CUDA graph terms are not subtracted (0 B), but their formulas still worked out what profiling
finds and contradicted the value beside them: "0.25 GiB CUDA context = 0.00 GiB", "8.4 MiB x
(51 piecewise + 35 full graphs) = 0.00 GiB", an activation formula ending "= 0.56 GiB" for a
0 B term (plan --json `terms`, the report's formulas table)."""

import json
import re

from tests.cli.conftest import run_main

ARGS = ("--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--kv-cache-memory-bytes", "8G")
SKIPPED = ("activation", "non_torch", "cuda_graphs")


def test_the_skipped_terms_say_so_and_name_no_other_figure(capsys) -> None:
    code, out, err = run_main(capsys, "plan", *ARGS, "--json")
    assert code == 0, err
    terms = {t["key"]: t for t in json.loads(out)["terms"]}
    # 8G is 8 x 2^30 B, as vLLM reads its flag; nothing else is subtracted
    assert terms["kv_cache"]["value"] == 8 << 30
    for key in SKIPPED:
        term = terms[key]
        assert term["value"] == 0, term
        assert "--kv-cache-memory-bytes" in term["formula"], term
        assert re.findall(r"[\d.]+ [GM]iB", term["formula"]) == ["0.00 GiB"], term["formula"]


def test_the_report_table_agrees(capsys) -> None:
    code, out, err = run_main(capsys, "report", *ARGS)
    assert code == 0, err
    for label in ("Profile-run activation peak", "Non-torch memory (CUDA context, NCCL)",
                  "CUDA graphs"):
        row = next(line for line in out.splitlines() if line.startswith(f"| {label} | "))
        value, formula = row.split(" | ")[1:3]
        assert value == "0.00 GiB" and re.findall(r"[\d.]+ [GM]iB", formula) == ["0.00 GiB"], row
