"""planner.units.gib_text: a byte figure in GiB, or a smaller unit where GiB would read zero;
gib_text_as_given and number_as_given: a figure typed in shown as planned."""

import pytest

from planner.model.config.parser import parse_model_config
from planner.report import kv_pool_text
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.plan import PlanRequest, plan
from planner.units import gib_text, gib_text_as_given, number_as_given
from tests.cli.tiny_model import TINY_CONFIG
from ui.format import gib


def test_a_figure_at_least_0_01_gib_is_in_gib_with_separators() -> None:
    assert gib_text(0) == "0.00 GiB"  # zero is zero
    assert gib_text(22 * 2**30 + 2**29) == "22.50 GiB"
    assert gib_text(1536 * 2**30) == "1,536.00 GiB"
    # 11 MiB = 11,534,336 B = 0.0107 GiB: at least 0.01 GiB (10,737,418.24 B)
    assert gib_text(11 * 2**20) == "0.01 GiB"


def test_a_tiny_figure_never_reads_zero() -> None:
    # 10 MiB = 10,485,760 B is under 0.01 GiB: in MiB; 4,096 B under 0.01 MiB (10,485.76 B):
    # in KiB; 10 B under 0.01 KiB (10.24 B): in bytes; a negative figure alike
    assert gib_text(10 * 2**20) == "10.00 MiB"
    assert gib_text(4096) == "4.00 KiB"
    assert gib_text(2000) == "1.95 KiB"  # 2,000 / 1,024 = 1.953
    assert gib_text(10) == "10 B"
    assert gib_text(-2048) == "-2.00 KiB"
    # one decimal: 0.1 GiB = 107,374,182.4 B is the smallest GiB figure; 0.05 GiB = 51.2 MiB
    assert gib_text(2**30 // 20, digits=1) == "51.2 MiB"


def test_a_kv_pool_of_4_kib_reads_4_kib_not_zero() -> None:
    # the tiny Llama's 64-token blocks are 4 layers x 32,768 B = 131,072 B; a 4,096 B pool
    # (--kv-cache-memory-bytes 4096) holds none: its formula said "0.00 GiB // 131,072 B = 0"
    result = plan(PlanRequest(
        model=parse_model_config(TINY_CONFIG, name="tiny/llama"),
        cluster=preset_cluster("rtx-3090", 1),
        engine=EngineSettings(vllm_version="0.34.0", kv_cache_memory_bytes=4096)), nearest=False)
    [blocks] = [t for t in result.terms if t.key == "num_blocks"]
    assert blocks.formula == "4.00 KiB // 131,072 B = 0"
    assert result.kv_cache_bytes_per_gpu == 4096  # the JSON number is the bytes, as before
    assert kv_pool_text(4096) == "4.00 KiB"  # the CLI's "KV cache per GPU" and the report
    assert (gib(4096), gib(None)) == ("4.00 KiB", "—")  # the app's


def test_the_tiny_llamas_formula_parts_read_mib_not_zero() -> None:
    # 16 tokens, 1 sequence: the activation is 3.637 x 1 x 32,000 x 4 B (465,536 B) +
    # 0.308 x 16 x (512 + 2,048) x 2 B (25,231 B) = 490,767 B = 0.468 MiB; it read "0.00 GiB".
    # The runner buffers, 128,000 + 4,000 + 4,000 + 17,924 = 153,924 B, at three decimals:
    # 153,924 / 2**20 = 0.1468 MiB; it read "0.000 GiB"
    result = plan(PlanRequest(
        model=parse_model_config(TINY_CONFIG, name="tiny/llama"),
        cluster=preset_cluster("rtx-3090", 1),
        engine=EngineSettings(vllm_version="0.34.0", max_model_len=2048,
                              max_num_batched_tokens=16, max_num_seqs=1)), nearest=False)
    formulas = {t.key: t.formula for t in result.terms}
    assert formulas["activation"].endswith(" = 0.47 MiB")
    assert formulas["runner_buffers"].endswith(" = 153,924 B (0.147 MiB)")
    assert " - 0.47 MiB activation - " in formulas["kv_cache"]


@pytest.mark.parametrize(("n_bytes", "shown"), [
    # 1023.999 GiB: 2**40 - 1,073,741.824 = 1,099,510,554,034.176 B, planned as ...034 B; at two
    # decimals it read 1,024.00 GiB = 2**40 B, the size refused as 1 TiB
    (1_099_510_554_034, "1,023.999 GiB"),
    (20 * 2**30, "20.00 GiB"),  # a round total keeps two decimals
    (1_073_742, "0.001 GiB"),  # 0.001 GiB: 1,073,741.824 B; 1.02 MiB is 1,069,548 B
    (1_048_576, "1.00 MiB"),
])
def test_a_total_given_in_gib_reads_back_to_the_byte(n_bytes: int, shown: str) -> None:
    assert gib_text_as_given(n_bytes) == shown


@pytest.mark.parametrize(("value", "shown"), [(1023.999, "1023.999"), (24.0, "24"),
                                              (23.57123, "23.57123"), (1e-05, "1e-05")])
def test_a_number_as_given_is_the_float_planned(value: float, shown: str) -> None:
    assert number_as_given(value) == shown
