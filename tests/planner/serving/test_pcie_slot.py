"""The PCIe link rate from the card and the slot it sits in (hardware.pcie_rate, link_spec).

Rates worked by hand from the PCI-SIG signalling rates: a lane carries GT/s x encoding / 8
bits GB/s per direction (8b/10b on 1.0/2.0, 128b/130b on 3.0-5.0, 242 of 256 flit bytes on
6.0), times the lanes.
"""

import pytest

from planner.serving.hardware import (
    HardwareError,
    NodeSpec,
    PcieSlot,
    gpu_preset,
    link_spec,
    pcie_rate,
    pcie_slot_problem,
    preset_cluster,
    with_pcie_slot,
)

GEN4_X8 = 8 * 16 * 128 / 130 / 8  # 15.7538 GB/s
GEN4_X16 = 16 * 16 * 128 / 130 / 8  # 31.5077
GEN3_X4 = 4 * 8 * 128 / 130 / 8  # 3.9385
GEN5_X8 = 8 * 32 * 128 / 130 / 8  # 31.5077
STAGED = 6.34 / 31.5  # the host-staged fraction measured at x16 (hardware.HOST_STAGED_FRACTION)


@pytest.mark.parametrize(("slot", "gbps", "shown"), [
    (PcieSlot(lanes=8), GEN4_X8, "PCIe 4.0 x8 = 15.75 GB/s per direction"),
    (PcieSlot(generation=3, lanes=4), GEN3_X4, "PCIe 3.0 x4 = 3.94 GB/s per direction"),
    # 1.0 and 2.0: 8b/10b, 2.5 x 0.8 / 8 = 0.25 and 5 x 0.8 / 8 = 0.5 GB/s a lane
    (PcieSlot(generation=1, lanes=1), 0.25, "PCIe 1.0 x1 = 0.25 GB/s per direction"),
    (PcieSlot(generation=2, lanes=4), 2.0, "PCIe 2.0 x4 = 2.00 GB/s per direction"),
    # a slot newer and wider than the card leaves the card's own PCIe 4.0 x16
    (PcieSlot(generation=5, lanes=16), GEN4_X16, "PCIe 4.0 x16 = 31.51 GB/s per direction"),
])
def test_an_rtx_3090_runs_at_the_lower_generation_and_the_fewer_lanes(
        slot: PcieSlot, gbps: float, shown: str) -> None:
    link = link_spec(gpu_preset("rtx-3090"), "pcie", slot)
    assert link.bandwidth_gbps == pytest.approx(gbps, rel=1e-12)
    assert link.formula.startswith(shown)
    assert (link.pcie_generation, link.pcie_lanes) == (min(4, slot.generation or 4),
                                                       min(16, slot.lanes or 16))


def test_a_narrower_slot_is_named_in_the_formula_and_the_source() -> None:
    link = link_spec(gpu_preset("rtx-3090"), "pcie", PcieSlot(lanes=8, source="--pcie-lanes 8"))
    assert link.formula == (
        "PCIe 4.0 x8 = 15.75 GB/s per direction (the card's PCIe 4.0 x16 in a slot of PCIe "
        "4.0 x8, --pcie-lanes 8: the lower generation and the fewer lanes of the two)")
    assert "slot: --pcie-lanes 8" in link.source
    # the card's own x16 without a slot: the formula as before the slot existed
    assert link_spec(gpu_preset("rtx-3090"), "pcie").formula == (
        "PCIe 4.0 x16 = 31.51 GB/s per direction")


def test_a_slot_above_the_card_is_named_as_capped_by_it() -> None:
    # --pcie-gen 5 on an RTX 3090 (PCIe 4.0 x16) runs 4.0 x16, 31.51 GB/s: the formula was the
    # card's alone, as if the flag had not been given
    link = link_spec(gpu_preset("rtx-3090"), "pcie", PcieSlot(generation=5, source="--pcie-gen 5"))
    assert link.bandwidth_gbps == pytest.approx(GEN4_X16, rel=1e-12)
    assert link.formula == (
        "PCIe 4.0 x16 = 31.51 GB/s per direction (the card's PCIe 4.0 x16 in a slot of PCIe "
        "5.0 x16, --pcie-gen 5: the lower generation and the fewer lanes of the two)")
    # a slot that is the card's own changes nothing and says nothing
    assert link_spec(gpu_preset("rtx-3090"), "pcie", PcieSlot(generation=4, lanes=16)
                     ).formula == "PCIe 4.0 x16 = 31.51 GB/s per direction"


def test_x8_cards_are_planned_at_x8() -> None:
    # RTX 4060 Ti: PCIe 4.0 x8; RTX 5060 Ti: PCIe 5.0 x8 (TechPowerUp, their preset rows)
    ti4060, ti5060 = gpu_preset("rtx-4060-ti-16gb"), gpu_preset("rtx-5060-ti-16gb")
    assert (ti4060.pcie_lanes, ti5060.pcie_lanes, gpu_preset("rtx-3090").pcie_lanes) == (8, 8, 16)
    assert link_spec(ti4060, "pcie").bandwidth_gbps == pytest.approx(GEN4_X8, rel=1e-12)
    assert link_spec(ti4060, "pcie").formula == (
        "PCIe 4.0 x8 = 15.75 GB/s per direction (the card's own PCIe 4.0 x8)")
    assert link_spec(ti5060, "pcie").bandwidth_gbps == pytest.approx(GEN5_X8, rel=1e-12)
    # in a PCIe 3.0 x16 slot the 4060 Ti runs 3.0 x8: 8 x 8 x 128/130 / 8 = 7.88 GB/s
    rate = pcie_rate(ti4060, PcieSlot(generation=3, lanes=16))
    assert (rate.generation, rate.lanes) == (3, 8)
    assert rate.gbps == pytest.approx(8 * 8 * 128 / 130 / 8, rel=1e-12)


def test_host_staged_links_are_capped_not_scaled_by_fewer_lanes() -> None:
    # staged through host memory: a fifth of the x16 rate of the generation (6.34 of 31.5 GB/s
    # measured at PCIe 4.0 x16), bound by the host; the link it crosses caps it
    gpu = gpu_preset("rtx-3090")
    for kind in ("pcie-no-p2p", "cross-socket"):
        # x8: 15.75 GB/s > 31.5077 x 0.20127 = 6.3415: the staged rate as at x16
        assert link_spec(gpu, kind, PcieSlot(lanes=8)).bandwidth_gbps == pytest.approx(
            GEN4_X16 * STAGED, rel=1e-12)
        # x2: 2 x 16 x 128/130 / 8 = 3.94 GB/s < 6.34: the link binds
        link = link_spec(gpu, kind, PcieSlot(lanes=2))
        assert link.bandwidth_gbps == pytest.approx(2 * 16 * 128 / 130 / 8, rel=1e-12)
        assert link.formula.startswith(
            "min(PCIe 4.0 x16 31.51 GB/s x 0.201 (staged through host memory; 6.34 of 31.5 GB/s "
            "measured on 2x RTX 4090), the PCIe 4.0 x2 link's 3.94 GB/s) = 3.94 GB/s (the card's")
        # an older generation scales it, as before: PCIe 3.0 x16 15.75 x 0.20127 = 3.17 GB/s
        assert link_spec(gpu, kind, PcieSlot(generation=3)).bandwidth_gbps == pytest.approx(
            16 * 8 * 128 / 130 / 8 * STAGED, rel=1e-12)


def test_nvlink_ignores_the_slot() -> None:
    link = link_spec(gpu_preset("h100-sxm"), "nvlink", PcieSlot(generation=3, lanes=1))
    assert link.bandwidth_gbps == 900 / 2
    assert (link.pcie_generation, link.pcie_lanes) == (None, None)


def test_the_slowest_node_sets_the_cluster_link() -> None:
    gpu = gpu_preset("rtx-3090")
    wide = NodeSpec(hostname="a", gpu=gpu, gpus_per_node=2, intra_node_link="pcie")
    narrow = wide.model_copy(update={"hostname": "b", "pcie_slot": PcieSlot(lanes=4)})
    cluster = preset_cluster("rtx-3090", 2, 2).model_copy(update={"nodes": (wide, narrow)})
    assert cluster.link.bandwidth_gbps == pytest.approx(4 * 16 * 128 / 130 / 8, rel=1e-12)


def test_given_fields_replace_an_audits_and_keep_the_rest() -> None:
    read = PcieSlot(generation=3, lanes=16, source="audit of rig")
    cluster = preset_cluster("rtx-3090", 2)
    cluster = cluster.model_copy(update={"nodes": tuple(
        n.model_copy(update={"pcie_slot": read}) for n in cluster.nodes)})
    slot = with_pcie_slot(cluster, None, 8, "--pcie-lanes 8").nodes[0].pcie_slot
    assert (slot.generation, slot.lanes) == (3, 8)
    assert slot.source == "lanes --pcie-lanes 8, generation audit of rig"
    # both given: the audit's are gone; none given: the cluster as it was
    both = with_pcie_slot(cluster, 4, 4, "given").nodes[0].pcie_slot
    assert (both.generation, both.lanes, both.source) == (4, 4, "given")
    assert with_pcie_slot(cluster, None, None) is cluster


@pytest.mark.parametrize(("generation", "lanes", "problem"), [
    (0, None, "PCIe generation 0 is not one of 1..6"),
    (7, None, "PCIe generation 7 is not one of 1..6"),
    (None, 3, "PCIe lanes 3 is not a link width GPUs train at (1, 2, 4, 8, 16)"),
    (None, 32, "PCIe lanes 32 is not a link width GPUs train at (1, 2, 4, 8, 16)"),
])
def test_a_generation_or_width_no_link_has_is_refused_in_one_line(
        generation: int | None, lanes: int | None, problem: str) -> None:
    assert pcie_slot_problem(generation, lanes) == problem
    with pytest.raises(HardwareError, match=r"^PCIe (generation|lanes) \d+ is not"):
        with_pcie_slot(preset_cluster("rtx-3090", 2), generation, lanes)
    assert pcie_slot_problem(4, 8) is None


def test_pcie_6_runs_flits_not_128b_130b() -> None:
    # 64 GT/s x 16 lanes / 8 = 128 GB/s raw per direction; a 256-byte flit carries 236 bytes of
    # TLP + 6 of data-link payload, and 8 of CRC + 6 of FEC are the overhead: 128 x 242 / 256
    card = gpu_preset("rtx-5090").model_copy(update={"pcie_generation": 6})
    link = link_spec(card, "pcie")
    assert link.bandwidth_gbps == 64 * 16 / 8 * (236 + 6) / 256 == 121.0
    assert link.formula == "PCIe 6.0 x16 = 121.00 GB/s per direction"
    assert "FLIT 242B/256B" in link.source
    # the same card in a 5.0 slot: 128b/130b again
    assert pcie_rate(card, PcieSlot(generation=5)).gbps == 16 * 32 * 128 / 130 / 8


def test_the_pcie_6_preset_runs_at_the_flit_rate() -> None:
    # B300 is a PCIe 6.0 card (its preset's pcie_gen=6): over PCIe, not its default NVLink,
    # it plans at 64 GT/s x 16 / 8 x 242/256 = 121.0 GB/s per direction, and host-staged at
    # 121.0 x 6.34/31.5 = 24.35 GB/s (126.0 and 25.36 under 128b/130b)
    gpu = gpu_preset("b300")
    assert gpu.pcie_generation == 6 and gpu.default_intra_node_link == "nvlink"
    assert link_spec(gpu, "pcie").bandwidth_gbps == 121.0
    assert link_spec(gpu, "pcie-no-p2p").bandwidth_gbps == pytest.approx(121.0 * STAGED)
    assert round(link_spec(gpu, "pcie-no-p2p").bandwidth_gbps, 2) == 24.35


@pytest.mark.parametrize("key", ["b200", "gb200"])
def test_the_blackwell_presets_run_pcie_5(key: str) -> None:
    # PCIe 6.0 is new in Blackwell Ultra (B300); B200 and GB200 (the same Blackwell GPU) are
    # PCIe 5.0 (gb200 was 6): over PCIe they plan at 32 GT/s x 16 x 128/130 / 8 = 63.02 GB/s
    # per direction
    gpu = gpu_preset(key)
    assert gpu.pcie_generation == 5
    assert round(link_spec(gpu, "pcie").bandwidth_gbps, 2) == 63.02
