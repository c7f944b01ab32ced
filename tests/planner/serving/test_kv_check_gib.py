"""vLLM's KV cache check refusal, quoted in a plan, with its figures written as the release
writes them (plan.shared.vllm_kv_check_gib, vllm_versions.KV_CHECK_GIB_AS_ROUNDED_FROM):
f"{b / GiB_bytes:.2f}" in the 0.9.0-0.13.0 wheels (v1/core/kv_cache_utils.py
check_enough_kv_cache_memory), utils/mem_utils.py format_gib's f"{round(b / GiB_bytes, 2)}"
from 0.14.0 (0.14.0-0.34.0), GiB_bytes = 1 << 30 in both."""

import pytest

from planner.serving.plan.shared import vllm_kv_check_gib


@pytest.mark.parametrize(("n_bytes", "version", "written"), [
    # 4.5 GiB = 4.5 x 1,073,741,824 = 4,831,838,208 B: "4.5" from 0.14.0, as the 0.20.2 log
    # of ../shared/calibration/vllm-other-gpus.json (file-fs61370435018) quotes it for
    # Qwen3-VL-4B-Instruct-FP8 ("4.5 GiB KV cache is needed"); "4.50" before
    (4_831_838_208, "0.20.2", "4.5 GiB"),
    (4_831_838_208, "0.14.0", "4.5 GiB"),
    (4_831_838_208, "0.13.0", "4.50 GiB"),
    # 5,569,498,841 B / 1,073,741,824 = 5.18699999... GiB: rounded 5.19 at both releases
    # (5.18 only if it were truncated, which neither does)
    (5_569_498_841, "0.19.0", "5.19 GiB"),
    (5_569_498_841, "0.9.0", "5.19 GiB"),
    # 1 TiB = 1,024 GiB: no thousands separator (gib writes "1,024.00 GiB")
    (1_099_511_627_776, "0.34.0", "1024.0 GiB"),
    (1_099_511_627_776, "0.11.0", "1024.00 GiB"),
    # 3 MiB = 3,145,728 B = 0.0029296875 GiB: 0.0 (gib writes "3.00 MiB")
    (3_145_728, "0.34.0", "0.0 GiB"),
    (3_145_728, "0.13.0", "0.00 GiB"),
])
def test_a_figure_reads_as_the_release_writes_it(n_bytes: int, version: str,
                                                 written: str) -> None:
    assert vllm_kv_check_gib(n_bytes, version) == written
