"""The PCIe all-reduce model against figures worked by hand from NCCL's and vLLM's sources."""

import pytest

from planner.serving.collectives import custom_allreduce_used, pcie_allreduce
from planner.serving.hardware import gpu_preset, link_spec


def _link(kind: str, gpu: str = "rtx-3090"):
    return link_spec(gpu_preset(gpu), kind)


def test_nccl_pci_rates_follow_width_times_speed_over_80() -> None:
    # NCCL topo.cc: 16 lanes x 120 (16 GT/s, x 100 Mbps) / 80 = 24 GB/s; PCIe 5.0: 16 x 240 / 80
    assert _link("pcie").nccl_bus_gbps == 24.0
    assert _link("pcie", "rtx-5090").nccl_bus_gbps == 48.0
    # without P2P: the measured host-staged 6.34 of 31.5 GB/s of the PCI-SIG 31.508 GB/s
    assert _link("pcie-no-p2p").nccl_bus_gbps == pytest.approx(31.508 * 6.34 / 31.5, rel=1e-4)


def test_two_gpus_with_p2p_run_vllms_one_shot_below_8_mib() -> None:
    # 2 barriers x 1.0 us + 10,240 B / 24 GB/s = 2 + 0.4267 = 2.4267 us
    ar = pcie_allreduce(_link("pcie"), 2, 10_240)
    assert ar.seconds == pytest.approx(2.4267e-6, rel=1e-4)
    assert "custom" in ar.formula
    # 8 MiB = 8,388,608 B and above: NCCL (should_custom_ar: inp_size < max_size)
    assert not custom_allreduce_used(_link("pcie"), 2, 8_388_608)
    assert custom_allreduce_used(_link("pcie"), 2, 8_388_592)


def test_four_pcie_gpus_never_run_the_custom_kernel() -> None:
    # "not supported on more than two PCIe-only GPUs": NCCL even with P2P
    assert not custom_allreduce_used(_link("pcie"), 4, 1024)


def test_host_staged_small_message_is_ring_ll_with_two_copies_per_step() -> None:
    # 8 GPUs, 8,192 B: LL 6.6 + 2 x 7 x 2 x 1.0 = 34.6 us + 8,192 B / (6.3415 / 4 x 8 / 14
    # GB/s = 0.90593 GB/s) = 9.0426 us -> 43.643 us; Simple 8.4 + 28 x 5.7 = 168 us + 1.5 us
    ar = pcie_allreduce(_link("pcie-no-p2p"), 8, 8192)
    assert ar.seconds == pytest.approx(43.643e-6, rel=1e-4)
    assert ar.formula.startswith("NCCL Ring LL")


def test_large_message_is_ring_simple_at_the_link_rate() -> None:
    # 2 GPUs with P2P, 20,971,520 B (> 8 MiB): Simple 8.4 + 2 x 1 x 5.7 = 19.8 us + 20,971,520
    # B / (24 GB/s x 2/2) = 873.81 us -> 893.61 us (LL: 20,971,520 / 6 GB/s = 3,495 us)
    ar = pcie_allreduce(_link("pcie"), 2, 20_971_520)
    assert ar.seconds == pytest.approx(893.61e-6, rel=1e-4)
    assert ar.formula.startswith("NCCL Ring Simple")
