"""Formulas name their numbers: the activation's "(4096 + 12288)" and "0 experts x 4096" left
a reader to guess which sizes they were, and "0 seqs" on a stage without the sampler why; the
TTFT's 19.1 ms, 4.99 us and 0.0784 are fitted (speed/coefficients.py FITTED), which it did
not say."""

from tests.cli.conftest import run_main


def test_the_activation_formula_names_its_sizes(capsys) -> None:
    # Qwen3-8B (config.json: hidden_size 4096, intermediate_size 12288, gated: gate_up 24,576
    # wide, over TP=2: 12,288 a GPU; dense: no routed experts) on 2 V100s, vLLM 0.19.0
    code, out, err = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", "--gpu",
                              "v100-32gb", "--gpus", "2", "--vllm-version", "0.19.0")
    assert code == 0, err
    assert ("3.637 x 256 seqs x 151,936 vocab x 4 B + 0.308 x 2048 tokens x (4096 hidden + "
            "12288 widest MLP up-projection per GPU) x 2 B + 2.574 x 2048 tokens x 0 experts "
            "per token x 4096 hidden x 2 B = 0.55 GiB") in out


def test_a_stage_without_the_sampler_says_why_it_counts_no_seqs(capsys) -> None:
    # Kimi-K2 at TP=4 x PP=4 binds on PP stage 2 of 0-3: the sampler runs on the last only
    code, out, err = run_main(capsys, "report", "--model", "moonshotai/Kimi-K2-Instruct",
                              "--gpu", "h100-sxm", "--gpus", "16", "--nodes", "2")
    assert code == 0, err
    assert "3.637 x 0 seqs (no sampler: not the last stage) x 163,840 vocab x 4 B" in out


def test_the_ttft_formula_says_which_figures_are_fitted(capsys) -> None:
    code, out, err = run_main(capsys, "report", "--model", "Qwen/Qwen3-8B", "--gpu",
                              "v100-32gb", "--gpus", "2", "--vllm-version", "0.19.0")
    assert code == 0, err
    assert ("Time to first token (a served request): 19.1 ms fitted request overhead + 4.99 us "
            "fitted per prompt token x 1,024 prompt tokens + ") in out
    assert " + 0.0784 fitted share x 0 others x " in out
