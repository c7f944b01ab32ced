"""--link over a snapshot: a link other than the one the snapshot measured is planned as
given, and a note says it overrides the measurement (review h419 #9: --link nvlink over the
recorded RTX 3090 rig, whose topology shows no NVLink at all, planned NVLink without a word).
"""

from __future__ import annotations

from tests.cli.conftest import SNAPSHOT, run_main

# the recorded rig's topology: every GPU pair NODE (PCIe across host bridges), no NVLink;
# probes.cluster plans NODE as cross-socket (hardware.links.link_from_topology)
PLAN = ("plan", "--model", "Qwen/Qwen3-8B", "--snapshot", str(SNAPSHOT))


def test_nvlink_over_a_rig_without_nvlink_is_noted(capsys) -> None:
    code, out, err = run_main(capsys, *PLAN, "--link", "nvlink")
    assert code == 0 and out
    assert ("note: --link nvlink overrides the snapshot's topology: rig-3090x8 measured "
            "cross-socket (no NVLink between any of its GPUs); planned on nvlink as given\n"
            ) in err, err


def test_another_pcie_link_is_noted_without_the_nvlink_words(capsys) -> None:
    _, _, err = run_main(capsys, *PLAN, "--link", "pcie")
    assert ("note: --link pcie overrides the snapshot's topology: rig-3090x8 measured "
            "cross-socket; planned on pcie as given\n") in err, err


def test_the_link_measured_given_again_is_not_noted(capsys) -> None:
    _, _, err = run_main(capsys, *PLAN, "--link", "cross-socket")
    assert "overrides" not in err, err
