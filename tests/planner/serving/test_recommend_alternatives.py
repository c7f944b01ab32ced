"""recommend.weigh_alternatives: a what-if row's launch note suggests a catalog checkpoint of
the model in another format only where it serves the workload on the row's GPUs."""

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.prices import with_overrides
from planner.serving.recommend import Workload, recommend, weigh_alternatives

MODEL = "meta-llama/Llama-3.1-70B-Instruct"
FP8 = "nvidia/Llama-3.1-70B-Instruct-FP8"
SUGGESTED = f", or plan a known checkpoint of it in another format: {FP8}."


def _what_if_row(concurrency: int):
    """recommend's one row for MODEL on up to 2x A100 40GB PCIe at 8,192 tokens: GPTQ W4A16
    on 2 GPUs, a what-if (no catalog checkpoint holds it)."""
    result = recommend([catalog_spec(MODEL)],
                       Workload(concurrency=concurrency, context_tokens=8192),
                       with_overrides({"a100-40gb-pcie": 1.5}), gpus_max=2,
                       gpu_keys=("a100-40gb-pcie",))
    (row,) = result.rows
    assert (row.run_kind, row.gpus, row.quant_key) == ("what-if", 2, "w4a16-gptq-g128")
    return row


def test_an_alternative_that_cannot_hold_the_requests_is_not_suggested() -> None:
    # 4 requests of 8,192 tokens on 2x A100 40GB PCIe (CUDA total 42,405,855,232 B; budget
    # ceil(0.92 x it) = 39,013,386,814 B a GPU). nvidia/Llama-3.1-70B-Instruct-FP8 (its
    # config.json: 80 layers, hidden 8,192, intermediate 28,672, 64 heads / 8 KV heads of
    # 128, vocab 128,256; ModelOpt FP8 weights and FP8 KV cache) split over 2 GPUs (TP=2 or
    # PP=2, either way half of each): FP8 linears a layer 2 x 8,192^2 (q, o) + 2 x 8,192 x
    # 1,024 (k, v) + 3 x 8,192 x 28,672 (MLP) = 855,638,016 B, x 80 / 2 = 34,225,520,640 B,
    # + half of the BF16 embedding and lm_head, 128,256 x 8,192 x 2 B = 2,101,346,304 B:
    # 36,326,866,944 B a GPU. KV a token a GPU: 80 / 2 layers x 2 x 8 x 128 x 1 B = 81,920 B,
    # 4 x 8,192 tokens = 2,684,354,560 B. With one BF16 hidden state of the 2,048 batched
    # tokens (2,048 x 8,192 x 2 = 33,554,432 B, a floor of the activation peak) that is
    # 39,044,775,936 B, over the budget: no layout holds the 4 requests, whatever the rest.
    # The note said "or plan a known checkpoint of it in another format: <FP8>" (its weights
    # alone, 67.70 GiB, are under the 2-GPU budget, all fitted_note weighed).
    note = _what_if_row(4).launch_note
    assert SUGGESTED not in note
    assert f"The catalog's {FP8} does not serve the workload on these GPUs: its KV cache " \
           "holds 1.55 requests of 8,192 tokens at most (TP=1 x PP=2), not 4." in note
    # 1.55: the FP8 plan's own figure at PP=2, 199 blocks x 64 / 8,192 = 1.5546875, rounded
    # down (the best of its layouts: TP=2 holds 175 blocks, 1.37)


def test_an_alternative_that_serves_stays_suggested() -> None:
    # The same row weighed against one request of 8,192 tokens, which the FP8 checkpoint's
    # plan holds (1.55 >= 1, above): its note is kept as it was, the suggestion in it.
    row = _what_if_row(4)
    before = row.launch_note.split(" The catalog's ")[0].removesuffix(".") + SUGGESTED
    row = row.model_copy(update={"launch_note": before})
    settings = EngineSettings(max_model_len=8192)
    one = Workload(concurrency=1, context_tokens=8192)
    assert weigh_alternatives(row, catalog_spec(MODEL), settings, one, None, False) == row
    four = Workload(concurrency=4, context_tokens=8192)
    assert SUGGESTED not in weigh_alternatives(row, catalog_spec(MODEL), settings, four, None,
                                               False).launch_note
