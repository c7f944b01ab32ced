"""GPU rental prices ($ per GPU-hour) for `recommend`: defaults with a source each, user-editable.

Prices move weekly and differ 2-5x between providers for the same chip, so every default names
where it was read and when, and `with_overrides` replaces any of them (CLI `--price KEY=USD`,
`--prices prices.json`, the app's editable table). Defaults are on-demand rates (no commitment,
not spot/interruptible), one provider per GPU where it lists the GPU, so rows compare:
RunPod's pods (Secure Cloud), else Lambda's on-demand list, else RunPod Serverless's always-on
worker rate, else a clearly-labelled estimate.
GPUs no one rents out by the hour at a standard price have no default (None): a recommendation
skips them unless a price is given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from planner.serving.hardware import (
    HardwareError,
    NoGpuPresetError,
    UnknownGpuError,
    gpu_preset,
)

PRICE_TABLE_DATE = "2026-11-30"
"""When this table was put together (each row also says when its source was read)."""

_RUNPOD = ("RunPod pods, Secure Cloud, on-demand: https://www.runpod.io/pricing, read "
           "2026-09-25 (as transcribed with URL and date in github.com/tgarg01/silybench-data, "
           "derived/csv/gpu_prices.csv)")
_RUNPOD_NOV = ("RunPod pods, Secure Cloud, on-demand: https://www.runpod.io/pricing, read "
               "2026-11-09 (as transcribed with URL and date in "
               "github.com/datareceipts/data-receipts, 109-gpu-pricing/vendors.json; the same "
               "rates from RunPod's API on 2026-10-19, "
               "huggingface.co/datasets/600me/gpu-cloud-h100-a100-pricing-benchmark)")
_LAMBDA = ("Lambda on-demand, 1x instance: https://lambda.ai/pricing, read 2026-09-25 (as "
           "transcribed with URL and date in github.com/tgarg01/silybench-data, "
           "derived/csv/gpu_prices.csv)")
_RUNPOD_CATALOG = ("RunPod pods, Secure Cloud, on-demand: https://www.runpod.io/pricing, as "
                   "RunPod's catalog answered on 2026-09-05 (reprinted in a planning note with "
                   "the community rate beside it)")
_SERVERLESS = ("RunPod Serverless, active (always-on) worker rate per second x 3600: "
               "https://docs.runpod.io/serverless/pricing, read 2026-11-30; a serverless tier "
               "shared by several GPUs ({tier}), usually dearer than a pod of the same GPU")


class GpuPrice(BaseModel):
    """The hourly price of one GPU of a preset, and where it comes from."""

    model_config = ConfigDict(frozen=True)

    gpu_key: str
    usd_per_gpu_hour: float | None = Field(ge=0)
    """None: no standard rental price; give one to include this GPU."""
    source: str
    estimate: bool = False
    """True when the figure is derived (a range's midpoint, a marketplace floor), not a list
    price read as is."""


def _row(key: str, usd: float | None, source: str, *, estimate: bool = False) -> GpuPrice:
    return GpuPrice(gpu_key=key, usd_per_gpu_hour=usd, source=source, estimate=estimate)


_DEFAULT_ROWS = (
    # H100 SXM and A100 80GB: RunPod's Secure rates rose after 2026-09-25 ($3.49, $1.59): two
    # later readings agree on $3.99 and $1.79; H100 PCIe and NVL are unchanged.
    _row("h100-sxm", 3.99, _RUNPOD_NOV),
    _row("h100-pcie", 2.89, _RUNPOD_NOV),
    _row("h100-nvl", 3.19, _RUNPOD_NOV),
    _row("h200", 4.59, _RUNPOD),
    _row("b200", 6.79, _RUNPOD),
    _row("a100-80gb", 1.79, _RUNPOD_NOV),
    _row("a100-80gb-pcie", 1.79, _RUNPOD_NOV),
    _row("l40s", 1.09, _RUNPOD),
    _row("rtx-4090", 0.74, _RUNPOD),
    _row("b300", 7.89, "RunPod pods, on-demand: https://www.runpod.io/pricing, read 2026-10-07 "
         "(as transcribed with URL and date in github.com/api-evangelist/runpod, "
         "plans/runpod-plans-pricing.yml)"),
    _row("a100-40gb", 1.99, _LAMBDA),
    _row("a10", 1.29, _LAMBDA),
    _row("gh200", 2.29, _LAMBDA),
    # 0.00013 $/s x 3600 = 0.468 $/h; 0.00024 x 3600 = 0.864; 0.00037 x 3600 = 1.332;
    # 0.00011 x 3600 = 0.396
    _row("rtx-3090", 0.468, _SERVERLESS.format(tier="L4, A5000, 3090; 24 GB")),
    _row("l4", 0.468, _SERVERLESS.format(tier="L4, A5000, 3090; 24 GB")),
    _row("rtx-a5000", 0.468, _SERVERLESS.format(tier="L4, A5000, 3090; 24 GB")),
    _row("rtx-a4000", 0.396, _SERVERLESS.format(tier="A4000, A4500, RTX 4000; 16 GB")),
    _row("rtx-a4500", 0.396, _SERVERLESS.format(tier="A4000, A4500, RTX 4000; 16 GB")),
    _row("rtx-a6000", 0.864, _SERVERLESS.format(tier="A6000, A40; 48 GB")),
    _row("a40", 0.864, _SERVERLESS.format(tier="A6000, A40; 48 GB")),
    _row("rtx-6000-ada", 1.332, _SERVERLESS.format(tier="L40, L40S, 6000 Ada; 48 GB")),
    _row("l40", 1.332, _SERVERLESS.format(tier="L40, L40S, 6000 Ada; 48 GB")),
    # RTX 5090, RTX PRO 6000: RunPod's catalog as two planning notes reprint it (find_string
    # ids 68544454244, queried 2026-09-05: 'RTX PRO 6000 Blackwell Server Edition | 96 GB |
    # $1.69 | $2.09', 'RTX 5090 | 32 GB | $0.69 | $0.99', community then secure, beside H100
    # SXM $3.49 and H100 NVL $3.19 as the rows above; 71344384952, 2026-09-02: the PRO 6000's
    # Secure 2.09). They were estimates (a Vast.ai range's midpoint $1.00, Akash's 'starting
    # at' $2.04) where the table's order puts RunPod's pods first.
    _row("rtx-5090", 0.99, _RUNPOD_CATALOG),
    _row("rtx-pro-6000-server", 2.09, _RUNPOD_CATALOG),
    _row("a10g", None, "AWS sells it only inside G5 instances (with CPUs and RAM), not per "
         "GPU-hour at a list price here: give a price"),
    _row("a100-40gb-pcie", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-4080", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-5070-ti", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-5080", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-3060", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-3080", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-3080-ti", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-4060-ti-16gb", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-4070-ti-super", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-4080-super", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-5060-ti-16gb", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-4070-ti", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-pro-6000", None, "no on-demand list price recorded here (RunPod's row is the "
         "Server Edition, rtx-pro-6000-server): give a price"),
    _row("rtx-pro-6000-maxq", None, "no on-demand list price recorded here (none found naming "
         "the Max-Q Workstation Edition): give a price"),
    _row("rtx-pro-5000", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-3090-ti", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-3080-12gb", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-4070-super", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-5000-ada", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-pro-4500", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-pro-4000", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-4000-ada", None, "no on-demand list price recorded here: give a price"),
    _row("l20", None, "sold in China; no on-demand list price recorded here: give a price"),
    _row("h800", None, "sold in China; no on-demand list price recorded here: give a price"),
    _row("a800", None, "sold in China; no on-demand list price recorded here: give a price"),
    _row("h20", None, "sold in China; no on-demand list price recorded here: give a price"),
    _row("gb200", None, "sold as NVL72 racks, not rented per GPU-hour at a list price: give a "
         "price"),
    _row("dgx-spark-gb10", None, "a desktop machine, not rented by the hour: give a price"),
    _row("v100-32gb", None, "no current on-demand list price found: give a price"),
    _row("v100-16gb", None, "no current on-demand list price found: give a price"),
    _row("v100-pcie-16gb", None, "no current on-demand list price found: give a price"),
    _row("v100-pcie-32gb", None, "no current on-demand list price found: give a price"),
    _row("t4", None, "no on-demand list price recorded here (the transcription the RunPod and "
         "Lambda rows come from lists no T4; Colab's and Kaggle's free T4s have no hourly "
         "price): give a price"),
    _row("mi300x", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-2080-ti", None, "no on-demand list price recorded here: give a price"),
    _row("titan-rtx", None, "no on-demand list price recorded here: give a price"),
    _row("quadro-rtx-8000", None, "no on-demand list price recorded here: give a price"),
    _row("quadro-rtx-6000", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-4070", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-3070", None, "no on-demand list price recorded here: give a price"),
    _row("a2", None, "no on-demand list price recorded here: give a price"),
    _row("quadro-rtx-5000", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-4500-ada", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-2000-ada", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-a2000-12gb", None, "no on-demand list price recorded here: give a price"),
    _row("a16", None, "no on-demand list price recorded here: give a price"),
    _row("a30", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-5070", None, "no on-demand list price recorded here: give a price"),
    _row("mi325x", None, "no on-demand list price recorded here: give a price"),
    _row("rtx-3060-ti", None, "no on-demand list price recorded here: give a price"),
)

DEFAULT_PRICES: dict[str, GpuPrice] = {row.gpu_key: row for row in _DEFAULT_ROWS}
"""The default table, by GPU preset key (every preset has a row)."""


USER_PRICE_SOURCE = "given by the user"
"""The source of a price the user gave (`--price`, `--prices`, the app's table)."""


MAX_USD_PER_GPU_HOUR = 1000.0
"""The highest price a user may give: over 100x the dearest list price here (B300, $7.89), far
below where a count of GPUs overflows a float (1e308 x 2 GPUs was an "inf" $/hour)."""


class PriceError(HardwareError):
    """A price override that cannot be used (unknown GPU, negative or not a number)."""


def user_price(gpu_key: str, usd_per_gpu_hour: float) -> GpuPrice:
    """A price the user gave for a preset, checked (a known key, a finite price >= 0)."""
    try:
        key = gpu_preset(gpu_key).key
    except UnknownGpuError as exc:
        # "unknown GPU preset 'rtx-9999'; ..." reads on after "a price for an"; the others
        # (ambiguous: "GPU 'A100' is ambiguous ..", another size, a GPU NVIDIA's tables name
        # that no preset holds, a laptop GPU) after the name
        unknown = isinstance(exc, NoGpuPresetError) and exc.unknown
        raise PriceError(f"a price for an {exc}" if unknown else
                         f"a price for {gpu_key!r}: {exc}") from None
    if not (math.isfinite(usd_per_gpu_hour) and 0 <= usd_per_gpu_hour <= MAX_USD_PER_GPU_HOUR):
        raise PriceError(f"price for {key} must be a number of $ per GPU-hour >= 0 and <= "
                         f"{MAX_USD_PER_GPU_HOUR:,.0f}, got {usd_per_gpu_hour:g}")
    return GpuPrice(gpu_key=key, usd_per_gpu_hour=usd_per_gpu_hour,
                    source=USER_PRICE_SOURCE)


def with_overrides(overrides: Mapping[str, float] | None = None) -> dict[str, GpuPrice]:
    """The default table with the user's prices in place of the defaults."""
    table = dict(DEFAULT_PRICES)
    for key, usd in (overrides or {}).items():
        price = user_price(key, usd)
        table[price.gpu_key] = price
    return table
