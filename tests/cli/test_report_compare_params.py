"""`report --compare` writes parameter counts in words: "8.2 B" beside the table's byte figures
(weights in GiB, "KV B/token") read as bytes.

Hand-checked (tests/fixtures/param_counts.json, transformers on the meta device): Qwen3-8B
8,190,735,360 (dense: all active); Qwen3-30B-A3B 30,532,122,624, active less the 120 unrouted
of 128 experts in each of 48 layers, 3 x 2,048 x 768 each (config.json):
30,532,122,624 - 48 x 120 x 4,718,592 = 3,353,032,704.
"""

from tests.cli.conftest import run_main


def test_the_comparison_table_gives_parameter_counts_in_words(capsys) -> None:
    code, out, _ = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm",
                            "--gpus", "1", "--max-model-len", "8192", "--date", "2026-01-01",
                            "--compare", "Qwen/Qwen3-30B-A3B")
    assert code == 0
    assert "| Qwen/Qwen3-8B | TP=1 | 8.2 billion / 8.2 billion | " in out
    assert "| Qwen/Qwen3-30B-A3B | TP=1 | 30.5 billion / 3.4 billion | " in out
