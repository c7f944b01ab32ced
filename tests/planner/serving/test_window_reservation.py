"""planner.serving.plan.window_reservation: the plan names --max-num-batched-tokens where the
blocks vLLM reserves for the tokens in flight in its sliding-window groups are most of a
request's, with the concurrency planned at a smaller figure."""

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan

GEMMA = "google/gemma-3-27b-it"


def _request(model: str, version: str, mml: int, mbt: int | None = None) -> PlanRequest:
    return PlanRequest(model=catalog_spec(model), cluster=preset_cluster("h100-sxm", 1),
                       layout=ParallelLayout(),
                       engine=EngineSettings(vllm_version=version, max_model_len=mml,
                                             max_num_batched_tokens=mbt))


def _notes(p) -> list[str]:
    return [w for w in p.warnings if w.startswith("--max-num-batched-tokens binds")]


def test_gemma3_on_one_h100_names_the_batched_tokens() -> None:
    # gemma-3-27b-it (62 layers, every 6th full: 10 full + 52 sliding of window 1,024) at
    # 16,384 tokens on vLLM 0.34.0, 64-token blocks, an H100's 8,192 batched tokens, 2
    # batches in flight (async scheduling, V1 at PP 1): 7 KV cache groups of 10 layers (1
    # full, 6 sliding). A request: full cdiv(16,384, 64) = 256 blocks + 6 x (cdiv(min(1,023
    # + 2 x 8,192, 16,384), 64) + 1) = 6 x 257 = 1,798 blocks; with no tokens in flight 256 +
    # 6 x (cdiv(1,023, 64) + 1) = 256 + 6 x 17 = 358, so 1,798 - 358 = 1,440 of them are the
    # in-flight tokens' (over half). At 2,048 batched tokens: 256 + 6 x (cdiv(1,023 + 4,096,
    # 64) + 1) = 256 + 6 x 81 = 742 blocks a request.
    now = plan(_request(GEMMA, "0.34.0", 16384))
    smaller = plan(_request(GEMMA, "0.34.0", 16384, 2048))
    assert now.fits and smaller.fits
    assert now.max_concurrency == now.num_gpu_blocks / 1798
    assert smaller.max_concurrency == smaller.num_gpu_blocks / 742
    (note,) = _notes(now)
    assert note == (
        "--max-num-batched-tokens binds the concurrency: a request of 16,384 tokens takes "
        "1,798 blocks, 1,440 of them for the 16,384 tokens in flight (2 batches x "
        "--max-num-batched-tokens 8192) vLLM reserves in its sliding-window groups; at "
        f"--max-num-batched-tokens 2048, {smaller.max_concurrency:,.2f} concurrent requests "
        f"at 16,384 tokens (not {now.max_concurrency:,.2f}).")
    assert smaller.max_concurrency > 2 * now.max_concurrency  # 4.31 against 1.76


def test_before_in_flight_tokens_one_batch_is_reserved() -> None:
    # vLLM 0.19.0 (16-token blocks; SlidingWindowSpec counts window - 1 + max_num_batched_
    # tokens): full cdiv(16,384, 16) = 1,024 + 6 x (cdiv(1,023 + 8,192, 16) + 1) = 6 x 577
    # = 4,486 blocks; no tokens batched: 1,024 + 6 x (cdiv(1,023, 16) + 1) = 1,024 + 390 =
    # 1,414, so 3,072 for the batched tokens.
    (note,) = _notes(plan(_request(GEMMA, "0.19.0", 16384)))
    assert note.startswith(
        "--max-num-batched-tokens binds the concurrency: a request of 16,384 tokens takes "
        "4,486 blocks, 3,072 of them for the 8,192 batched tokens (--max-num-batched-tokens "
        "8192) vLLM reserves in its sliding-window groups; at --max-num-batched-tokens 2048, ")


def test_no_note_where_the_window_or_full_layers_dominate() -> None:
    # gpt-oss-20b at 131,072 tokens (0.34.0, 16-token blocks, 12 full + 12 sliding layers of
    # window 128): full cdiv(131,072, 16) = 8,192 + cdiv(127 + 16,384, 16) + 1 = 1,033 sliding
    # blocks; the in-flight tokens' 1,033 - (cdiv(127, 16) + 1) = 1,024 are not most of 9,225.
    assert _notes(plan(_request("openai/gpt-oss-20b", "0.34.0", 131072))) == []
    # a model with no sliding window: no in-flight blocks at all
    assert _notes(plan(_request("Qwen/Qwen3-8B", "0.34.0", 16384))) == []
