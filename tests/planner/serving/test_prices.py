"""planner.serving.prices: every preset has a price row with its source; overrides are checked."""

import math
import re

import pytest

from planner.serving import prices
from planner.serving.hardware import GPU_PRESETS, UnknownGpuError
from planner.serving.prices import DEFAULT_PRICES, PriceError, user_price, with_overrides


def test_every_preset_has_a_row_and_every_price_a_source() -> None:
    assert set(DEFAULT_PRICES) == set(GPU_PRESETS)
    for key, row in DEFAULT_PRICES.items():
        if row.usd_per_gpu_hour is None:
            assert "give a price" in row.source, key
        else:
            assert "https://" in row.source, key  # where it was read
            assert row.estimate == row.source.startswith("estimate"), key


def test_serverless_rates_are_per_second_times_3600() -> None:
    # docs.runpod.io/serverless/pricing, active worker: 24 GB tier $0.00013/s, 48 GB $0.00024/s
    assert math.isclose(DEFAULT_PRICES["rtx-3090"].usd_per_gpu_hour, 0.00013 * 3600)
    assert math.isclose(DEFAULT_PRICES["rtx-a6000"].usd_per_gpu_hour, 0.00024 * 3600)


def test_the_rtx_a_cards_cost_their_serverless_tier() -> None:
    # docs.runpod.io/serverless/pricing, active worker: "A4000, A4500, RTX 4000 | 16 GB |
    # $0.00016 | $0.00011" -> 0.00011 x 3600 = $0.396/h; "L4, A5000, 3090 | 24 GB | $0.00019
    # | $0.00013" -> $0.468/h, as the rtx-3090 and l4 rows (they were unpriced though the
    # table's rule, pods else Lambda else this rate, reaches them)
    for key, usd, tier in (("rtx-a4000", 0.396, "A4000, A4500, RTX 4000; 16 GB"),
                           ("rtx-a4500", 0.396, "A4000, A4500, RTX 4000; 16 GB"),
                           ("rtx-a5000", 0.468, "L4, A5000, 3090; 24 GB")):
        row = DEFAULT_PRICES[key]
        assert (row.usd_per_gpu_hour, row.estimate) == (usd, False), key
        assert "docs.runpod.io/serverless/pricing, read 2026-11-30" in row.source, key
        assert f"({tier})" in row.source, key


def test_rtx_5090_and_pro_6000_cost_runpods_secure_rate_not_an_estimate() -> None:
    # RunPod's catalog on 2026-09-05 (a planning note): RTX 5090 $0.99, RTX PRO 6000 Blackwell
    # Server Edition $2.09 on Secure Cloud, with H100 SXM $3.49 and NVL $3.19 as the RunPod rows
    # of 2026-09-25 (H100 SXM rose to $3.99 by 2026-10-19)
    for key, usd in (("rtx-5090", 0.99), ("rtx-pro-6000-server", 2.09)):
        row = DEFAULT_PRICES[key]
        assert (row.usd_per_gpu_hour, row.estimate) == (usd, False), key
        assert "RunPod pods, Secure Cloud" in row.source and "2026-09-05" in row.source, key
    assert (DEFAULT_PRICES["h100-sxm"].usd_per_gpu_hour,
            DEFAULT_PRICES["h100-nvl"].usd_per_gpu_hour) == (3.99, 3.19)


def test_overrides_replace_defaults_and_keep_the_rest() -> None:
    table = with_overrides({"RTX-3090": 0.22, "v100-32gb": 0.5})
    assert table["rtx-3090"].usd_per_gpu_hour == 0.22
    assert table["rtx-3090"].source == "given by the user"
    assert table["v100-32gb"].usd_per_gpu_hour == 0.5  # had no default
    assert table["h100-sxm"] == DEFAULT_PRICES["h100-sxm"]


@pytest.mark.parametrize(("key", "usd", "message"), [
    ("rtx-9999", 1.0, "a price for an unknown GPU preset 'rtx-9999'; known: a10,"),
    # the other UnknownGpuError words read "a price for an GPU 'A100' is ambiguous" and "a
    # price for an no preset for 'A100 48GB'" once the unknown preset's were joined to "an"
    ("A100", 1.0, "a price for 'A100': GPU 'A100' is ambiguous: did you mean a100-40gb, "
     "a100-40gb-pcie, a100-80gb or a100-80gb-pcie?"),
    ("A100 48GB", 1.0, "a price for 'A100 48GB': no preset for 'A100 48GB': that GPU's preset "
     "is a100-40gb (40 GB HBM2) or a100-80gb (80 GB HBM2e), not 48 GB"),
    # a GPU NVIDIA's tables name (NVIDIA's Legacy CUDA table: the P40 is 6.1) is said to be it
    ("Tesla P40", 1.0, "a price for 'Tesla P40': no GPU preset for 'Tesla P40', a compute "
     "capability 6.1 GPU"),
    # a laptop GPU is said to be one ("a price for an no GPU preset ..." joined to "an")
    ("RTX 4090 Laptop GPU", 1.0, "a price for 'RTX 4090 Laptop GPU': no GPU preset for 'RTX "
     "4090 Laptop GPU', a laptop GPU, which no preset models"),
    ("rtx-3090", -0.1, "must be a number of $ per GPU-hour >= 0 and <= 1,000"),
    ("rtx-3090", float("nan"), "must be a number of $ per GPU-hour >= 0 and <= 1,000"),
    # 1e308 x 2 GPUs overflowed to an "inf" $/hour and a 300-character table cell
    ("rtx-3090", 1e308, "must be a number of $ per GPU-hour >= 0 and <= 1,000, got 1e+308"),
    ("rtx-3090", 1000.01, "<= 1,000, got 1000.01"),
])
def test_bad_overrides_are_refused(key: str, usd: float, message: str) -> None:
    with pytest.raises(PriceError, match=re.escape(message)):
        user_price(key, usd)
    assert user_price("rtx-3090", 1000.0).usd_per_gpu_hour == 1000.0  # the bound itself


def test_the_wording_follows_the_errors_type_not_its_first_words(monkeypatch) -> None:
    # it branched on the text starting "unknown ": an ambiguous-name error worded so read
    # "a price for an unknown ..."; only NoGpuPresetError reads "a price for an unknown GPU
    # preset", the others name the key given
    def refuse(key: str):
        raise UnknownGpuError("unknown words of another error")

    monkeypatch.setattr(prices, "gpu_preset", refuse)
    with pytest.raises(PriceError) as info:
        user_price("h100", 1.0)
    assert str(info.value) == "a price for 'h100': unknown words of another error"
