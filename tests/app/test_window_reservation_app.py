"""Plan page: the warning that --max-num-batched-tokens binds a sliding-window model's
concurrency (planner.serving.plan.window_reservation), as the CLI prints it.

gemma-3-27b-it on one H100 at 16,384 tokens, vLLM 0.34.0: a request takes 256 full blocks + 6
sliding groups x (cdiv(1,023 + 2 x 8,192, 64) + 1) = 1,798 blocks, 1,440 of them for the
tokens in flight (tests/planner/serving/test_window_reservation.py works them)."""

from tests.app.conftest import open_page, texts


def test_the_plan_page_names_the_batched_tokens() -> None:
    at = open_page(None, model="google/gemma-3-27b-it", gpu="h100-sxm", gpn="1",
                   vllm="0.34.0", len="16384")
    assert not at.exception
    shown = texts(at)
    assert "--max-num-batched-tokens binds the concurrency" in shown  # the caveats line's head
    assert ("a request of 16,384 tokens takes 1,798 blocks, 1,440 of them for the 16,384 "
            "tokens in flight") in shown
