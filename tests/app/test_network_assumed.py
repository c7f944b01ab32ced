"""The sidebar says when the network between nodes is assumed (neither given on the Hardware
page nor read by the snapshots' audits), what is assumed and how to give it; the plans
assumed one NIC per GPU at the GPU's DGX rate silently. Given, read, or on one node: no
such caption."""

import json

from tests.app.conftest import SNAPSHOTS, open_page

ASSUMED = "The network between nodes was neither given nor measured"


def _assumed(at) -> list[str]:
    return [c.value for c in at.sidebar.caption if c.value.startswith(ASSUMED)]


def test_preset_nodes_without_a_network_say_so_and_a_given_one_does_not() -> None:
    at = open_page("hardware", gpu="h100-sxm", nodes="2")
    assert not at.exception
    # DGX H100: eight 400 Gb/s ConnectX-7 for its eight GPUs
    [note] = _assumed(at)
    assert "assume 400 Gb/s per GPU (DGX H100: 8x ConnectX-7, 400 Gb/s each" in note
    assert note.endswith("; give it in the Hardware page's 'Network between nodes' (as the "
                         "CLI's --network).")
    at.text_input(key="hw.network").set_value("2x100").run()
    assert not at.exception and not _assumed(at)
    at = open_page("hardware", gpu="h100-sxm")  # one node: nothing crosses a network
    assert not at.exception and not _assumed(at)


def _upload(nics: list | None):
    """The 8x RTX 3090 rig and a copy as another machine, both listing `nics`."""
    rig = json.loads((SNAPSHOTS / "rtx3090x8.json").read_text())
    rig["host"]["nics"] = nics
    other = json.loads(json.dumps(rig))
    other["hostname"] = "rig-b"
    for gpu in other["gpus"]:
        gpu["uuid"] = gpu["uuid"][:-4] + "beef"
    at = open_page("hardware", hw="snapshots")
    at.get("file_uploader")[0].set_value(
        [("a.json", json.dumps(rig).encode(), "application/json"),
         ("b.json", json.dumps(other).encode(), "application/json")]).run()
    assert not at.exception
    return at


def test_snapshots_that_read_no_port_say_so_and_ones_that_did_not() -> None:
    [note] = _assumed(_upload([]))
    # an RTX 3090 has no DGX reference: NETWORK_DEFAULT_GBITS, 400 Gb/s, unverified
    assert "assume 400 Gb/s per GPU (unverified: no DGX reference for NVIDIA GeForce RTX " \
           "3090, " in note
    assert note.endswith("; plan the snapshots with the CLI's --network NICSxGBITS (the "
                         "Hardware page's network field applies to presets).")
    assert not _assumed(_upload([{"name": "eth0", "kind": "ethernet", "gbits": 100.0}]))
