"""`report --compare` in Markdown: a compared model that does not fit says why under the
comparison table, the first sentence of its verdict (vLLM's words as the plan carries them);
the Fits cell read "no" with the reason only in the JSON's verdict.

Hand-worked on one RTX 3090 (CUDA total 23.57 GiB, vLLM 0.34's default utilization 0.92):
the budget is 0.92 x 23.57 = 21.68 GiB. Qwen3-8B (36 layers, 8 KV heads, head_dim 128, bf16)
holds 2 x 36 x 8 x 128 x 2 = 147,456 B of KV a token; at its default max_model_len 40,960 one
request needs 40,960 x 147,456 = 6,039,797,760 B = 5.625 GiB, which vLLM prints as 5.62.
Qwen3-32B (64 layers, hidden 5,120, intermediate 25,600, 64 query and 8 KV heads of 128,
vocabulary 151,936, untied) has 64 x 487,598,336 + 2 x 151,936 x 5,120 + 5,120 =
32,762,123,264 parameters, 65.5 GB in bf16: at least 61.02 GiB, three times the budget.
"""

from planner.text import first_sentence, md_escape
from tests.cli.conftest import run_main


def test_each_model_that_does_not_fit_says_why_under_the_table(capsys) -> None:
    code, out, _ = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090",
                            "--date", "2026-01-01", "--compare", "Qwen/Qwen3-32B")
    assert code == 0
    lines = out.splitlines()
    own = next(line for line in lines if line.startswith("- no (Qwen/Qwen3-8B): "))
    assert own.startswith("- " + md_escape(
        "no (Qwen/Qwen3-8B): To serve at least one request with the model's max seq len "
        "(40960), (5.62 GiB KV cache is needed"))
    assert own.endswith(")."), own  # its first sentence only: not "Based on the available..."
    assert "Based on" not in own
    other = next(line for line in lines if line.startswith("- no (Qwen/Qwen3-32B): "))
    weights = float(other.split("The weights alone (", 1)[1].split(" GiB", 1)[0])
    assert weights >= 61.02
    assert "do not fit the budget (21.68 GiB = 0.92 x 23.57 GiB)" in other


def test_first_sentence_stops_at_a_sentence_and_cuts_a_long_one_at_a_word() -> None:
    assert first_sentence("Needs 0.92 x 23.57 GiB.  Try\nless.") == "Needs 0.92 x 23.57 GiB."
    assert first_sentence("one two three four", limit=12) == "one two …"
    assert first_sentence("short", limit=12) == "short"
