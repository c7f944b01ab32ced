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


def test_a_part_inside_a_skipped_term_says_it_is_not_subtracted(capsys) -> None:
    # EPLB's profile rearrangement is shown "inside the activation peak", which this flag makes
    # 0 B: its figure stands (vLLM's profile run still allocates it: gpu_worker
    # .determine_available_memory calls profile_run before returning the given pool, 0.11.1
    # and 0.34.0 wheels) but its note said "the activation term is the larger of this moment
    # and the forward's peak". Qwen3-30B-A3B (bf16) on 8 H100, TP=1 x DP=8 + EP, 8 redundant
    # experts (136 / 8 = 17 a rank), 2,048 batched tokens, by hand (tests/planner/serving
    # /test_eplb.py): 17 experts x 3 x 2,048 x 768 x 2 B copy + 8 x 17 x 2 x 768 x 2,048 x 2 B
    # w13 gather + 1,000 x 48 MoE layers x 128 x 4 B window + 2,048 x 2,048 x 2 B output
    moment = 17 * 9_437_184 + 8 * 17 * 6_291_456 + 1000 * 48 * 128 * 4 + 2048 * 2048 * 2
    code, out, err = run_main(
        capsys, "plan", "--model", "Qwen/Qwen3-30B-A3B", "--gpu", "h100-sxm", "--gpus", "8",
        "--tp", "1", "--dp", "8", "--ep", "--enable-eplb", "--num-redundant-experts", "8",
        "--vllm-version", "0.19.0", "--max-num-batched-tokens", "2048", "--max-num-seqs", "64",
        "--kv-cache-memory-bytes", "20G", "--json")
    assert code == 0, err
    terms = {t["key"]: t for t in json.loads(out)["terms"]}
    assert terms["activation"]["value"] == 0
    part = terms["eplb_profile"]
    assert part["value"] == moment == 1_049_034_752
    assert part["note"].startswith("not subtracted: --kv-cache-memory-bytes"), part["note"]
    # what it is made of still cites its source after that, as what holds without the flag:
    # vLLM's eplb_state.py and rebalance_execute.py, whose moment the profile would count
    without = part["note"].split(". Without it: ")[1]
    assert "rebalance_execute.py" in without and "larger of this moment" in without, without
