"""planner.serving.recommend: the GPU counts searched and which rows serve a workload."""

import pytest

from planner.serving.recommend import RecommendError, Workload, _serves, gpu_counts
from planner.serving.sweep import SweepRow


def test_counts_are_powers_of_two_then_whole_nodes() -> None:
    assert gpu_counts(8) == (1, 2, 4, 8)
    assert gpu_counts(6) == (1, 2, 4)
    assert gpu_counts(32) == (1, 2, 4, 8, 16, 24, 32)
    with pytest.raises(RecommendError):
        gpu_counts(0)


def _row(conc: float, tps: float | None = None, tpot: float | None = None,
         fits: bool = True) -> SweepRow:
    return SweepRow.model_construct(fits=fits, max_concurrency=conc, output_tokens_per_s=tps,
                                    tpot_ms=tpot)


def test_a_row_serves_when_it_fits_holds_the_concurrency_and_meets_targets() -> None:
    four = Workload(concurrency=4)
    assert _serves(_row(4.0), four)
    assert not _serves(_row(3.99), four)           # KV room for 3.99 requests, not 4
    assert not _serves(_row(9.0, fits=False), four)
    fast = Workload(tpot_ms=50)
    assert _serves(_row(1.0, tps=100.0, tpot=50.0), fast)
    assert not _serves(_row(1.0, tps=100.0, tpot=50.1), fast)
    assert not _serves(_row(1.0), fast)            # no speed figure: the target is unproven
    # 2 requests/s x 512 output tokens = 1,024 output tokens/s needed
    rate = Workload(requests_per_s=2, output_len=512)
    assert _serves(_row(1.0, tps=1024.0), rate)
    assert not _serves(_row(1.0, tps=1023.0), rate)
