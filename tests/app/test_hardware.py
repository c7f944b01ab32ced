"""Hardware page: preset builder by default (no GPU), live audit, uploaded snapshots."""

import json

import pytest

from tests.app.conftest import ROOT, SNAPSHOTS, open_link, open_page, show_chart, texts
from ui import io


def test_default_without_gpu_is_8x_rtx_3090_preset() -> None:
    at = open_page("hardware")
    assert not at.exception
    assert at.radio(key="hw.hardware").value == "preset"
    # RTX 3090: NVML total 24576 MiB less ~440 MiB driver reserve = 24136 MiB = 23.57 GiB
    # (the total PyTorch prints in OOM messages on a 3090 with a recent driver).
    assert "8x NVIDIA GeForce RTX 3090 (PCIe, no P2P) — 8 GPUs, 23.57 GiB per GPU" in texts(at)
    assert at.query_params["hw"] == "preset"
    assert at.query_params["gpu"] == "rtx-3090"


def test_the_presets_advice_names_the_pages_field_beside_the_flag() -> None:
    # a GeForce card's note said "pass --link pcie for a P2P-enabled driver": a CLI flag on
    # a page whose way to it is the GPU-to-GPU link choice above the note. Its flags are
    # inline code, which app.py keeps on one line (as text, a flag broke after a hyphen)
    at = open_page("hardware")
    note = next(c.value for c in at.caption if "P2P-enabled driver" in c.value)
    assert note.endswith("plan the link as pcie for a P2P-enabled driver (`--link` pcie; the "
                         "Hardware page's GPU-to-GPU link).")
    assert "`--kv-cache-dtype fp8` only stores KV in fp8" in note


def test_changing_the_gpu_changes_the_cluster_and_the_link() -> None:
    at = open_page("hardware")
    at.selectbox(key="hw.gpu").set_value("h100-sxm").run()
    at.number_input(key="hw.gpus_per_node").set_value(4).run()
    assert not at.exception
    # H100 SXM 80GB: PyTorch reports "79.19 GiB total capacity"; NVSwitch -> NVLink.
    assert "4x NVIDIA H100 80GB HBM3 (NVLink) — 4 GPUs, 79.19 GiB per GPU" in texts(at)
    assert at.query_params["gpu"] == "h100-sxm" and at.query_params["gpn"] == "4"
    assert "4x NVIDIA H100" in at.sidebar.markdown[0].value


def test_nvlink_on_a_gpu_without_nvlink_is_an_inline_error() -> None:
    at = open_page("hardware", gpu="rtx-4090")
    at.radio(key="hw.intra_node_link").set_value("nvlink").run()
    assert not at.exception
    assert any("has no NVLink" in e.value for e in at.error)
    assert at.selectbox(key="hw.gpu").value == "rtx-4090"  # the rest of the page still works


def test_every_link_the_cli_takes_is_offered_and_planned() -> None:
    at = open_page("hardware")
    # the CLI's --link choices (cli/args.py), with auto first
    assert at.radio(key="hw.intra_node_link").options == [
        "auto", "nvlink", "pcie", "pcie-no-p2p", "cross-socket"]
    at.radio(key="hw.intra_node_link").set_value("cross-socket").run()
    assert not at.exception and not at.error
    assert at.query_params["link"] == "cross-socket"
    at.switch_page("ui/pages/plan.py")
    at = show_chart(at, "Throughput and latency")
    assert not at.exception
    notes = [str(n) for t in at.table if "note" in t.value for n in t.value["note"]]
    # RTX 3090, PCIe 4.0 x16: 16 lanes x 16 GT/s x 128/130 / 8 = 31.51 GB/s, staged through host
    # memory at 6.34/31.5 = 0.201 of it (no P2P across sockets)
    assert any(n.startswith("cross-socket: PCIe 4.0 x16 31.51 GB/s x 0.201 (staged through "
                            "host memory") and "(no P2P)" in n for n in notes)


def test_dgx_sparks_are_one_per_node() -> None:
    # a DGX Spark holds one GB10: picking it from 8 per node (the default) sets 1 per node and
    # says so, rather than landing on the refusal; 2 nodes of one are planned
    at = open_page("hardware")
    at.selectbox(key="hw.gpu").set_value("dgx-spark-gb10").run()
    assert not at.exception and not at.error
    assert [i.value for i in at.info] == [
        "A DGX Spark holds one NVIDIA GB10: GPUs per node set to 1 (it was 8); plan more DGX "
        "Sparks as more Nodes."]
    assert at.number_input(key="hw.gpus_per_node").value == 1
    assert at.query_params["gpn"] == "1"
    assert "1x NVIDIA GB10 — 1 GPU" in texts(at)  # one GPU: no link in the node
    at.number_input(key="hw.nodes").set_value(2).run()
    assert not at.exception and not at.error and not at.info
    assert "2 nodes x 1x NVIDIA GB10 — 2 GPUs" in texts(at)


def test_a_gh200_picked_is_one_per_node_as_it_is_rented() -> None:
    # the GH200's price is Lambda's 1x GH200 instance, which the Recommend page plans as nodes
    # of one; picking it from 8 per node (the default) left 8 in one node over an assumed
    # link (helper 466's QA). Set to 1 and said, as for the DGX Spark; 4 per node (a 4-way
    # node) is still the user's to set, with the assumed link's warning on the Plan page
    at = open_page("hardware")
    at.selectbox(key="hw.gpu").set_value("gh200").run()
    assert not at.exception and not at.error
    assert [i.value for i in at.info] == [
        "The priced Lambda 1x GH200 instance holds one NVIDIA GH200 480GB: GPUs per node set "
        "to 1 (it was 8); plan more Lambda 1x GH200 instances as more Nodes. Machines that "
        "hold several exist (the preset's notes below): set GPUs per node for those, over a "
        "link no source gives."]
    assert at.query_params["gpn"] == "1"
    at.number_input(key="hw.nodes").set_value(2).run()
    at.number_input(key="hw.gpus_per_node").set_value(4).run()
    assert not at.exception and not at.error and not at.info
    assert at.query_params["gpn"] == "4" and at.query_params["nodes"] == "2"


def test_a_link_with_several_dgx_sparks_per_node_is_refused_in_the_pages_words() -> None:
    # given in the link, not defaulted: refused inline, the fix in the page's words (GPUs per
    # node, Nodes), not the CLI's --nodes
    at = open_page("hardware", gpu="dgx-spark-gb10", gpn="8")
    assert not at.exception
    assert any(e.value.endswith("a DGX Spark holds one NVIDIA GB10: 8 of them are 8 nodes of "
                                "one GPU each, not 1 of 8: plan 1 GPU per node on 8 nodes.")
               for e in at.error)


def test_live_audit_on_a_gpu_less_machine_explains_why() -> None:
    at = open_page("hardware", hw="audit")
    assert not at.exception
    assert "libnvidia-ml.so.1 not found" in texts(at)
    assert any("cannot be planned for" in e.value for e in at.error)


def test_live_audit_with_gpus_is_the_default_hardware(monkeypatch: pytest.MonkeyPatch) -> None:
    from probes.snapshot import load_snapshot

    snapshot = load_snapshot(SNAPSHOTS / "rtx3090x8.json")
    monkeypatch.setattr(io, "take_snapshot", lambda: snapshot)
    io.live_snapshot.clear()
    at = open_page("hardware")
    assert not at.exception
    assert at.radio(key="hw.hardware").value == "audit"
    page = texts(at)
    assert "rig-3090x8" in page
    assert "No NVLink" in page  # the recorded rig's findings, with severity
    assert any("No NVLink" in w.value for w in at.warning)
    topology = at.dataframe[1].value
    assert topology.loc["GPU0", "GPU0"] == "X" and topology.loc["GPU0", "GPU1"] == "NODE"
    assert "Connection traversing a bonded set of # NVLinks" in page  # topo -m legend


def test_uploaded_snapshots_become_the_cluster() -> None:
    at = open_page("hardware", hw="snapshots")
    good = (SNAPSHOTS / "rtx3090x8.json").read_bytes()
    at.get("file_uploader")[0].set_value(
        [("rig.json", good, "application/json"), ("bad.json", b"{not json", "application/json")]
    ).run()
    assert not at.exception
    assert any(e.value.startswith("bad.json:") and "not valid JSON" in e.value for e in at.error)
    assert "8x NVIDIA GeForce RTX 3090 (PCIe, across host bridges) — 8 GPUs" in texts(at)
    assert "snapshots: rig-3090x8" in texts(at)


def test_only_refused_uploads_say_no_usable_snapshot_not_none_given() -> None:
    # one broken file, listed with its refusal: the hardware used for planning and the
    # sidebar said "no snapshots given" under it (helper 446's review)
    at = open_page("hardware", hw="snapshots")
    at.get("file_uploader")[0].set_value([("bad.json", b"{not json", "application/json")]).run()
    assert not at.exception
    why = "no usable snapshot (1 file refused on the Hardware page)."
    assert [e.value for e in at.main.error][1:] == [f"This hardware cannot be planned for: {why}"]
    assert at.main.error[0].value.startswith("bad.json: snapshot is not valid JSON")
    # the reason once, on the page; the sidebar says there is none and points here
    assert [e.value for e in at.sidebar.error] == ["No usable hardware."]
    assert "no snapshots given" not in texts(at)
    at.switch_page("ui/pages/plan.py").run()  # the page that plans says it too
    assert any(e.value.endswith(why) for e in at.main.error)


def test_one_machine_uploaded_twice_is_refused_not_planned_as_two_nodes() -> None:
    import json

    good = (SNAPSHOTS / "rtx3090x8.json").read_bytes()
    at = open_page("hardware", hw="snapshots")
    at.get("file_uploader")[0].set_value(
        [("rig.json", good, "application/json"), ("rig-copy.json", good, "application/json")]
    ).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "rig.json and rig-copy.json describe the same machine (hostname rig-3090x8, the same 8 "
        "GPU UUIDs): each snapshot is one node, so that machine would be planned as two; give "
        "each machine's snapshot once."]
    # not 2 nodes, 16 GPUs
    assert "8x NVIDIA GeForce RTX 3090 (PCIe, across host bridges) — 8 GPUs" in texts(at)
    # two files both named node.json, the second a copy given another hostname (every GPU
    # UUID of the first): another node of that kind, as before 9fad2b9
    other = json.loads(good)
    other["hostname"] = "rig-2"
    at = open_page("hardware", hw="snapshots")
    at.get("file_uploader")[0].set_value(
        [("node.json", good, "application/json"),
         ("node.json", json.dumps(other).encode(), "application/json")]).run()
    assert not at.exception and not at.error
    assert "2 nodes x 8x NVIDIA GeForce RTX 3090 (PCIe, across host bridges) — 16 GPUs" in texts(at)


BAD_SNAPSHOTS = {
    # name -> words of its error (reproducers copied from ../shared/bad-inputs/, issue 13)
    "snapshot_deep_nested.json": "nested too deeply",
    "snapshot_ragged_nvlink.json": "topology: nvlink must be 8 x 8",
    "snapshot_ragged_pcie.json": "topology: pcie must be 8 x 8",
    "snapshot_short_gpu_indices.json": "topology: pcie must be 7 x 7",
}


def test_bad_snapshot_uploads_are_inline_errors_not_tracebacks() -> None:
    bad = ROOT / "tests" / "fixtures" / "bad_inputs"
    good = (SNAPSHOTS / "rtx3090x8.json").read_text()
    bigint = good.replace('"temperature_c": 34', '"temperature_c": ' + "9" * 4301, 1)
    assert bigint != good
    files = [(name, (bad / name).read_bytes(), "application/json") for name in BAD_SNAPSHOTS]
    files.append(("bigint.json", bigint.encode(), "application/json"))
    at = open_page("hardware", hw="snapshots")
    at.get("file_uploader")[0].set_value(files).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    for name, words in {**BAD_SNAPSHOTS, "bigint.json": "more than 4,300 digits"}.items():
        assert any(e.startswith(f"{name}:") and words in e for e in errors), (name, errors)
    assert all(e.endswith(".") for e in errors), errors  # sentences, as the CLI's errors
    # none of them became the cluster, so the sidebar and every page still work
    assert "snapshots:" not in texts(at)
    at.switch_page("ui/pages/plan.py").run()
    assert not at.exception


def test_a_snapshot_upload_listing_one_gpu_uuid_twice_is_refused() -> None:
    # the CLI's words (tests/cli/test_bad_inputs.py), after the file's name; it was planned
    import json

    raw = json.loads((SNAPSHOTS / "rtx3090x8.json").read_text())
    uuid = raw["gpus"][0]["uuid"]
    raw["gpus"][3]["uuid"] = uuid
    at = open_page("hardware", hw="snapshots")
    at.get("file_uploader")[0].set_value(
        [("node.json", json.dumps(raw).encode(), "application/json")]).run()
    assert not at.exception
    # (the backticks escaped for Markdown, so they show as typed)
    assert at.error[0].value == (
        f"node.json: snapshot: GPU UUID {uuid} is on GPU 0 and GPU 3: NVML gives every GPU its "
        "own UUID, so this snapshot is corrupt or edited (write it again with `python -m "
        "probes --json`).")
    assert "snapshots:" not in texts(at)


def test_an_upload_sharing_a_gpu_uuid_with_another_is_refused() -> None:
    # the CLI's words (tests/cli/test_bad_inputs.py): node rig-b's GPU 2 holds the rig's GPU
    # 5's UUID; both were planned, as 2 nodes x 8 GPUs
    import json

    rig = json.loads((SNAPSHOTS / "rtx3090x8.json").read_text())
    other = json.loads(json.dumps(rig))
    other["hostname"] = "rig-b"
    for gpu in other["gpus"]:
        gpu["uuid"] = gpu["uuid"][:-4] + "beef"
    shared = rig["gpus"][5]["uuid"]
    other["gpus"][2]["uuid"] = shared
    at = open_page("hardware", hw="snapshots")
    at.get("file_uploader")[0].set_value(
        [("a.json", json.dumps(rig).encode(), "application/json"),
         ("b.json", json.dumps(other).encode(), "application/json")]).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"GPU UUID {shared} is in a.json and b.json, GPU 5 of rig-3090x8 and GPU 2 of rig-b: "
        "NVML gives every GPU its own UUID, so one GPU would be planned on two nodes (write "
        "each machine's snapshot with `python -m probes --json` on it)."]
    # the first file alone: 1 node, 8 GPUs
    assert "8x NVIDIA GeForce RTX 3090 (PCIe, across host bridges) — 8 GPUs" in texts(at)


def test_a_custom_card_of_a_named_model() -> None:
    # an RTX 4090 modded to 48 GB: the preset's model (Ada, PCIe without P2P) with the memory
    # given; vLLM's batch defaults follow the 47.5 GiB (< 70 GiB: 2048 tokens / 256 seqs)
    at = open_page("hardware", gpu="rtx-4090")
    # empty means the GPU preset's total, not the LLM's anything: the label says which model
    assert at.number_input(key="hw.gpu_memory_gib").label == (
        "Memory per GPU as CUDA reports it (GiB; empty: the GPU preset's)")
    at.number_input(key="hw.gpu_memory_gib").set_value(47.5).run()
    assert not at.exception
    assert "8x NVIDIA GeForce RTX 4090" in texts(at) and "47.50 GiB per GPU" in texts(at)
    assert at.query_params["gmem"] == "47.5"
    plan_page = open_page("plan", gpu="rtx-4090", gmem="47.5")
    assert not plan_page.exception
    assert "47.50 GiB" in texts(plan_page)


def test_a_given_memory_is_labelled_as_every_gib_figure() -> None:
    # the label beside the preset formatted GiB itself: gmem=0.001 read "at 0.00 GiB (given)"
    # and gmem=1000 "1000.00 GiB" beside "1,000.00 GiB per GPU" (helper 446's review).
    # 0.001 GiB = 1,073,741.824 B, planned as 1,073,742 B, which 0.001 GiB reads back as (1.02
    # MiB is 1,069,548 B); 1023.999 read "1,024.00 GiB (given)", a size refused as 1 TiB
    for gmem, shown in (("0.001", "0.001 GiB"), ("1000", "1,000.00 GiB"),
                        ("1023.999", "1,023.999 GiB")):
        at = open_page("hardware", gpu="rtx-3090", gpn="8", model="Qwen/Qwen3-8B", gmem=gmem)
        assert not at.exception
        source = f"preset: 8x NVIDIA GeForce RTX 3090 at {shown} (given)"
        assert any(source in s.value for s in at.main.success), gmem
        assert any(source in c.value for c in at.sidebar.caption), gmem
        assert " 0.00 GiB" not in texts(at) and "1000.00 GiB" not in texts(at)
        assert f"{gmem} GiB (given; the preset's is 23.57 GiB)" in texts(at)  # as typed


def test_a_memory_the_hardware_model_refuses_is_refused_where_it_is_typed() -> None:
    # 1024 GiB is 2**40 B = 1 TiB, which the hardware model refuses (0 < bytes < 1 TiB) as
    # the CLI's --gpu-memory-gib does (0 < GiB < 1024); the page took it, then every page
    # said "No usable hardware: GPU memory must be between 1 byte and 1 TiB, got
    # 1099511627776 bytes". 1e-300 GiB rounds to 0 B: the same, from a link.
    at = open_page("hardware", gpu="rtx-4090")
    at.number_input(key="hw.gpu_memory_gib").set_value(1024.0).run()
    assert not at.exception
    shown = " ".join(w.value for w in at.main.warning)
    # named by its field's label (was "gpu_memory_gib = 1024.0 refused"), a whole number
    # written as one (1024.0 was Python's float)
    assert ("Memory per GPU as CUDA reports it = 1,024 refused: the value must be less than "
            "1,024") in shown
    assert "No usable hardware" not in texts(at) + " ".join(w.value for w in at.sidebar.warning)
    assert "gmem" not in at.query_params  # kept: the preset's 23.64 GiB
    at = open_link("plan", gpu="rtx-4090", gmem="1e-300")
    assert not at.exception and not at.error
    assert any("gmem='1e-300' ignored: 1e-300 GiB is less than one byte" in w.value
               for w in at.sidebar.warning)


def test_a_memory_under_1024_gib_that_rounds_to_1_tib_is_refused_where_it_is_typed() -> None:
    # 1023.99999999999 GiB is under 1024, but x 2^30 = 1,099,511,627,775.99 B rounds to
    # 2^40 B = 1 TiB, which the hardware model refuses: the link was taken and every page said
    # "No usable hardware: GPU memory must be between 1 byte and 1 TiB, got 1099511627776 bytes"
    at = open_link("plan", gpu="rtx-4090", gmem="1023.99999999999")
    assert not at.exception and not at.error
    warnings = " ".join(w.value for w in at.sidebar.warning)
    assert "gmem='1023.99999999999' ignored: 1023.99999999999 GiB rounds to 1 TiB" in warnings
    assert "No usable hardware" not in texts(at) + warnings


def test_the_gpu_picker_finds_a_dgx_spark_by_name() -> None:
    # the picker filters its list by what is typed: "spark" found nothing, the GB10's line
    # being "NVIDIA GB10 — 128 GB LPDDR5X unified" (the CLI's --gpu takes "DGX Spark")
    at = open_page("hardware")
    [label] = [o for o in at.selectbox(key="hw.gpu").options if "spark" in o.lower()]
    assert label == "NVIDIA GB10 (DGX Spark) — 128 GB LPDDR5X unified"
    assert "NVIDIA GeForce RTX 3090 — 24 GB GDDR6X" in at.selectbox(key="hw.gpu").options


def test_network_between_nodes_is_a_parsed_choice_in_the_url() -> None:
    at = open_page("hardware", gpu="h100-sxm", nodes="2")
    assert ("400 Gb/s NIC per GPU / 8 bits per byte = 50 GB/s per direction (preset: DGX H100"
            in texts(at))
    at.text_input(key="hw.network").set_value("2 x 100").run()
    assert not at.exception
    assert at.query_params["net"] == "2 x 100"
    # 2 x 100 Gb/s / 8 GPUs = 25 Gb/s = 3.125 GB/s per GPU
    assert ("2 NICs x 100 Gb/s per node / 8 GPUs / 8 bits per byte = 3.125 GB/s per GPU per "
            "direction (given: 2x 100 Gb/s NICs per node)") in texts(at)
    at.text_input(key="hw.network").set_value("400").run()
    assert not at.exception
    refusal = [w.value for w in at.main.warning if "refused" in w.value]
    assert len(refusal) == 1 and "is not NICS x GBITS per node" in refusal[0]
    assert at.query_params["net"] == "2 x 100"  # kept
    # the default MoE model at TP=8 x DP=2 with EP: its all-to-all crosses the network;
    # 8x400 is the DGX default, 2x100 a quarter of a 400 Gb/s NIC per GPU: slower
    ttft = {}
    for net in ("", "8x400", "2x100"):
        plan_page = open_page("plan", gpu="h100-sxm", nodes="2", net=net)
        assert not plan_page.exception
        ttft[net] = next(m.value for m in plan_page.metric if m.label == "TTFT")
    assert ttft[""] == ttft["8x400"] != ttft["2x100"]


def test_windows_wsl2_plans_the_whole_nvidia_smi_total() -> None:
    # RTX 5070 Ti under WSL2: CUDA reports nvidia-smi's 16303 MiB = 15.92 GiB (native Linux:
    # 16303 - 512 MiB = 15.42 GiB); the box is in the link only when ticked
    at = open_page("hardware", gpu="rtx-5070-ti", gpn="1")
    assert "15.42 GiB per GPU" in texts(at) and "wsl2" not in at.query_params
    at.checkbox(key="hw.wsl2").check().run()
    assert not at.exception
    # one GPU is "1 GPU" (read "1 GPUs"), here and in the sidebar's caption
    assert "1x NVIDIA GeForce RTX 5070 Ti — 1 GPU, 15.92 GiB per GPU" in texts(at)
    assert "15.92 GiB per GPU (CUDA total), 1 GPU · preset" in texts(at)
    assert "15.92 GiB under WSL2 (nvidia-smi's 16,303 MiB; native Linux: 15.42 GiB)" in texts(at)
    assert at.query_params["wsl2"] == "1"
    plan_page = open_page("plan", gpu="rtx-5070-ti", gpn="1", wsl2="1", model="Qwen/Qwen3-0.6B")
    assert not plan_page.exception
    assert "WDDM" in texts(plan_page)  # the budget term says why
    # a memory given wins: it is what CUDA reports
    at.number_input(key="hw.gpu_memory_gib").set_value(15.5).run()
    assert "15.50 GiB per GPU" in texts(at)
    at.checkbox(key="hw.wsl2").uncheck().run()
    assert "wsl2" not in at.query_params


def test_windows_wsl2_on_a_preset_without_an_nvidia_smi_total_says_what_to_give() -> None:
    at = open_page("hardware", gpu="v100-32gb", wsl2="1")
    assert not at.exception
    assert any("no nvidia-smi total is on record for v100-32gb" in e.value
               and "'Memory per GPU as CUDA reports it'" in e.value for e in at.error)
    at.number_input(key="hw.gpu_memory_gib").set_value(260.0).run()
    assert not at.error and "260.00 GiB per GPU" in texts(at)


@pytest.mark.parametrize("source", ["audit", "snapshots"])
def test_the_recommend_pages_preset_settings_show_whatever_the_source(source: str) -> None:
    # the Recommend page searches presets whatever the source, so a WSL2 box and network set
    # in the preset builder still apply there: the Hardware page shows both under the live
    # audit and the snapshots too, where unticking and clearing them reaches that page
    heading = "Presets the Recommend page searches"
    assert heading not in texts(open_page("hardware", wsl2="1", net="2x100"))  # the builder's
    at = open_page("hardware", hw=source, wsl2="1", net="2x100")
    assert not at.exception and heading in texts(at)
    assert at.checkbox(key="hw.wsl2").value and at.text_input(key="hw.network").value == "2x100"
    at.switch_page("ui/pages/recommend.py").run()
    said = [c.value for c in at.caption]
    assert any(c.startswith("Windows (WSL2), ticked on the Hardware page") for c in said)
    assert any(c.startswith("Network between nodes, from the Hardware page: 2x 100 Gb/s")
               for c in said)
    at.switch_page("ui/pages/hardware.py").run()
    at.checkbox(key="hw.wsl2").uncheck().run()
    at.text_input(key="hw.network").set_value("").run()
    assert not at.exception and "wsl2" not in at.query_params and "net" not in at.query_params
    at.switch_page("ui/pages/recommend.py").run()
    assert not any(c.value.startswith(("Windows (WSL2)", "Network between nodes"))
                   for c in at.caption)


def test_pcie_fields_set_the_link_and_the_url() -> None:
    at = open_page("hardware")
    # the RTX 3090's own link: PCIe 4.0 x16 = 16 x 16 GT/s x 128/130 / 8 = 31.51 GB/s
    assert "PCIe 4.0 x16 = 31.51 GB/s per direction" in texts(at)
    assert at.selectbox(key="hw.pcie_lanes").value is None  # the card's
    at.selectbox(key="hw.pcie_lanes").set_value(8).run()
    at.selectbox(key="hw.pcie_generation").set_value(3).run()
    assert not at.exception
    # PCIe 3.0 x8: 8 x 8 GT/s x 128/130 / 8 = 7.88 GB/s
    assert ("PCIe 3.0 x8 = 7.88 GB/s per direction (the card's PCIe 4.0 x16 in a slot of PCIe "
            "3.0 x8, given on the Hardware page" in texts(at))
    assert (at.query_params["lanes"], at.query_params["pcieg"]) == ("8", "3")
    # the plan's all-reduce runs over it: staged through host memory (no P2P on a 3090)
    at.switch_page("ui/pages/plan.py")
    at = show_chart(at, "Throughput and latency")  # a lazy tab, its terms in an expander
    assert not at.exception
    notes = [str(n) for t in at.table if "note" in t.value for n in t.value["note"]]
    # min(PCIe 3.0 x16 15.75 GB/s x 6.34/31.5 = 3.17 GB/s, the x8 link's 7.88 GB/s)
    assert any(n.startswith("pcie-no-p2p: min(PCIe 3.0 x16 15.75 GB/s x 0.201 (staged through "
                            "host") and "the PCIe 3.0 x8 link's 7.88 GB/s) = 3.17 GB/s" in n
               for n in notes)


def test_a_link_with_pcie_fields_plans_them_and_refuses_bad_ones() -> None:
    at = open_page(None, lanes="4", pcieg="9")
    assert not at.exception
    assert any("pcieg='9' ignored: PCIe generation 9 is not one of 1..6" in w.value
               for w in at.sidebar.warning)
    at.switch_page("ui/pages/hardware.py")
    at.run()
    assert at.selectbox(key="hw.pcie_lanes").value == 4
    assert at.selectbox(key="hw.pcie_generation").value is None
    assert "PCIe 4.0 x4 = 7.88 GB/s per direction" in texts(at)


def test_an_empty_file_or_a_config_uploaded_as_a_snapshot_is_named_plainly() -> None:
    # they read "Expecting value at line 1, column 1" and "kind is None, expected ..."
    config = (ROOT / "tests" / "fixtures" / "configs" / "Qwen__Qwen3-8B.json").read_bytes()
    at = open_page("hardware", hw="snapshots")
    at.get("file_uploader")[0].set_value(
        [("empty.json", b"", "application/json"), ("config.json", config, "application/json")]
    ).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert "empty.json: snapshot is empty, not JSON." in errors
    assert ("config.json: snapshot has no kind: it is not a hardware snapshot (a snapshot's kind "
            "is 'headroom.hardware-snapshot'; write one with `python -m probes --json`)."
            ) in errors


def test_a_gpu_without_bfloat16_shows_its_fp16_rate() -> None:
    # T4 datasheet: "Mixed-Precision (FP16/FP32) 65 TFLOPS"; no BF16, FP8 or FP4
    at = open_page("hardware", gpu="t4")
    assert not at.exception
    facts = at.table[0].value.iloc[:, 0]
    assert facts["Dense FP16 / FP8 / FP4"] == "65 TFLOPS / — / —"
    assert "Dense BF16 / FP8 / FP4" not in facts
    at.selectbox(key="hw.gpu").set_value("l4").run()
    # L4 datasheet: BF16 121, FP8 242.5 TFLOPS dense (the preset's row)
    assert at.table[0].value.iloc[:, 0]["Dense BF16 / FP8 / FP4"] == "121 TFLOPS / 242 TFLOPS / —"


def test_nodes_of_other_gpus_are_each_named_with_their_totals() -> None:
    # two uploaded nodes: the recorded 8x RTX 3090 rig, then one of 8 GPUs named RTX 4090 with
    # a 16 GiB NVML total. The sidebar named the first node's GPUs for both ("2 nodes x 8x
    # NVIDIA GeForce RTX 3090") and gave its memory, 23.57 GiB; then the smallest, 15.57 GiB,
    # as every GPU's: 17,179,869,184 - 461,373,440 B reserved = 16,718,495,744 B = 15.57 GiB.
    import json

    rig = json.loads((SNAPSHOTS / "rtx3090x8.json").read_text())
    other = json.loads(json.dumps(rig))
    other["hostname"] = "rig-b"
    for gpu in other["gpus"]:
        gpu.update(uuid=gpu["uuid"][:-4] + "beef", name="NVIDIA GeForce RTX 4090",
                   compute_capability="8.9", memory_total_bytes=16 * 2**30,
                   memory_free_bytes=16 * 2**30 - gpu["memory_reserved_bytes"]
                   - gpu["memory_used_bytes"])  # what the total leaves, as NVML says it
    at = open_page("hardware", hw="snapshots")
    at.get("file_uploader")[0].set_value(
        [("a.json", json.dumps(rig).encode(), "application/json"),
         ("b.json", json.dumps(other).encode(), "application/json")]).run()
    assert not at.exception
    assert at.sidebar.markdown[0].value == (
        "**2 nodes: 1 node x 8x NVIDIA GeForce RTX 3090 (PCIe, across host bridges) + 1 node x "
        "8x NVIDIA GeForce RTX 4090 (PCIe, across host bridges)**")
    # each node's CUDA total, node 0's first: 24,576 - 440 MiB reserved = 24,136 MiB = 23.57
    # GiB; 16,384 - 440 = 15,944 MiB = 15.57 GiB (the smallest, no longer shown as every GPU's)
    assert at.sidebar.caption[0].value.startswith(
        "CUDA total per GPU: 23.57 GiB (NVIDIA GeForce RTX 3090, node 0), 15.57 GiB (NVIDIA "
        "GeForce RTX 4090, node 1), 16 GPUs")


def test_nodes_of_other_gpu_counts_offer_only_layouts_vllm_places() -> None:
    # a 4-GPU node, then the 8-GPU rig: vLLM's --nnodes starts world size / nodes ranks on
    # each node, so TP=4 takes PP=1 (node 0) and PP=2 (4 + 4), not PP=3 (4 + 8: 12 / 2 = 6 a
    # node, more than node 0 holds)
    import json

    rig = json.loads((SNAPSHOTS / "rtx3090x8.json").read_text())
    small = json.loads(json.dumps(rig))
    small["hostname"] = "n0"
    small["gpus"] = small["gpus"][:4]
    for gpu in small["gpus"]:
        gpu["uuid"] = gpu["uuid"][:-4] + "beef"
    small["topology"] = {"gpu_indices": [0, 1, 2, 3],
                         "pcie": [row[:4] for row in rig["topology"]["pcie"][:4]],
                         "nvlink": [row[:4] for row in rig["topology"]["nvlink"][:4]]}
    at = open_page("hardware", hw="snapshots")
    at.get("file_uploader")[0].set_value(
        [("n0.json", json.dumps(small).encode(), "application/json"),
         ("rig.json", json.dumps(rig).encode(), "application/json")]).run()
    assert not at.exception
    assert at.sidebar.caption[0].value.startswith("23.57 GiB per GPU (CUDA total), 12 GPUs")
    at.switch_page("ui/pages/plan.py").run()
    assert not at.exception
    at.selectbox(key="plan.tp").set_value(4).run()
    assert not at.exception
    assert at.selectbox(key="plan.pp").options == ["1", "2"]


def test_a_presets_source_is_shown_without_search_index_ids() -> None:
    # "(find_string ids 55562349537, 37839904637)" and four more ids were shown as the RTX
    # 5070 Ti's source: the search index's, meaningless to a reader
    at = open_page("hardware", gpu="rtx-5070-ti")
    assert not at.exception
    shown = texts(at)
    assert "NVIDIA's GeForce RTX 50 series specifications table as reprinted: 8,960 CUDA" in shown
    assert "find_string" not in shown


def test_one_gpu_per_node_has_no_link_in_its_label_nor_a_link_to_pick() -> None:
    # 1x RTX 4090 read "1x NVIDIA GeForce RTX 4090 (PCIe, no P2P)", a link to no other GPU,
    # and the link and PCIe slot pickers were live though they change nothing there
    at = open_page("hardware", gpu="rtx-4090", gpn="1")
    assert not at.exception
    label = "1x NVIDIA GeForce RTX 4090 — 1 GPU, 23.64 GiB per GPU (CUDA total)"
    assert label in texts(at) and "P2P)" not in texts(at)
    assert at.sidebar.markdown[0].value == "**1x NVIDIA GeForce RTX 4090**"
    assert at.radio(key="hw.intra_node_link").disabled
    assert at.selectbox(key="hw.pcie_generation").disabled
    assert at.selectbox(key="hw.pcie_lanes").disabled
    assert any(c.value.startswith("One GPU per node: no GPU-to-GPU link") for c in at.caption)
    # two per node: the link is named and picked, as before
    at.number_input(key="hw.gpus_per_node").set_value(2).run()
    assert "2x NVIDIA GeForce RTX 4090 (PCIe, no P2P) — 2 GPUs" in texts(at)
    assert not at.radio(key="hw.intra_node_link").disabled
    assert not any(c.value.startswith("One GPU per node") for c in at.caption)


def test_a_snapshot_gpu_of_unknown_capability_says_it_is_planned_without_bf16() -> None:
    # an audited GPU of no preset whose compute capability was not read: fp32 / fp16 only
    # (hardware.custom_gpu), which the sidebar now says, naming the app's way to name it
    snap = json.loads((SNAPSHOTS / "rtx3090x8.json").read_bytes())
    for gpu in snap["gpus"]:
        gpu["name"], gpu["compute_capability"] = "Mystery Accelerator", None
    at = open_page("hardware", hw="snapshots")
    at.get("file_uploader")[0].set_value(
        [("rig.json", json.dumps(snap).encode(), "application/json")]).run()
    assert not at.exception
    assert ("Mystery Accelerator: its compute capability is unknown, so it is planned as a GPU "
            "without bfloat16" in texts(at)), texts(at)
    assert ("pick its model under 'GPU model' on the Hardware page, with its memory in 'Memory "
            "per GPU as CUDA reports it' to plan it as a named GPU" in texts(at))


def _mystery_plan(gib: float | None = None, **query: str):
    """The Plan page on rtx3090x8.json's eight GPUs renamed to a GPU of no preset whose
    compute capability the audit did not read (of `gib` GiB each where given)."""
    snap = json.loads((SNAPSHOTS / "rtx3090x8.json").read_bytes())
    for gpu in snap["gpus"]:
        gpu["name"], gpu["compute_capability"] = "Mystery Accelerator", None
        if gib is not None:
            gpu["memory_total_bytes"] = int(gib * 2**30)
            gpu["memory_free_bytes"] = gpu["memory_total_bytes"] - gpu["memory_used_bytes"]
    at = open_page("hardware", hw="snapshots", **query)
    at.get("file_uploader")[0].set_value(
        [("rig.json", json.dumps(snap).encode(), "application/json")]).run()
    at.switch_page("ui/pages/plan.py")
    at.run()
    assert not at.exception
    return at


def test_a_snapshot_gpu_of_unknown_capability_is_refused_an_nvfp4_kv_cache() -> None:
    # the planner's refusal (plan.refusals.unknown_capability_refusals) on the Plan page: a T4
    # (7.5) refuses nvfp4 KV on vLLM 0.34.0, so a GPU that may be one is not planned "Fits".
    # The way to name its model is the app's field, not the CLI's --gpu-name (it said both)
    at = _mystery_plan(kv="nvfp4")
    assert ("Does not fit: Mystery Accelerator: its compute capability is unknown, and vLLM "
            "0.34.0 refuses `--kv-cache-dtype nvfp4` on compute capability 7.5 (of 7.5 to "
            "12.1, which its wheels run on); pick its model under 'GPU model' on the Hardware "
            "page, with its memory in 'Memory per GPU as CUDA reports it' to plan it with its "
            "capability" in texts(at)), texts(at)
    assert "--gpu-name" not in texts(at) and "--gpu-memory-gib" not in texts(at)


def test_an_80_gib_gpu_of_unknown_capability_runs_an_fp8_kv_cache() -> None:
    # 7.5 alone refuses fp8 KV on 0.34.0, and no 7.5 preset reaches 80 x 0.9 = 72 GiB (the
    # Quadro RTX 8000: 47.46 GiB)
    at = _mystery_plan(80, kv="fp8")
    assert "compute capability is unknown, and" not in texts(at)
    assert at.selectbox(key="plan.kv_cache_dtype").value == "fp8"
    assert any(s.value.startswith("Fits:") for s in at.success), texts(at)


def test_a_kv_dtype_no_capability_runs_is_not_offered_on_a_gpu_of_unknown_capability() -> None:
    # phi-2's head 80 is not among FlashInfer's, the one nvfp4 backend: no capability runs
    # an nvfp4 cache, so the list leaves it out and a link asking for it gets auto, saying why
    at = _mystery_plan(80, model="microsoft/phi-2", kv="nvfp4")
    options = at.selectbox(key="plan.kv_cache_dtype").options
    assert "nvfp4" not in options and "fp8" in options
    assert at.selectbox(key="plan.kv_cache_dtype").value == "auto"
    assert ("is not possible here: Mystery Accelerator: its compute capability is unknown, and "
            "vLLM 0.34.0 refuses --kv-cache-dtype nvfp4 on every compute capability it may "
            "have" in " ".join(w.value for w in at.warning)), texts(at)


def test_a_preset_gpu_carries_no_bf16_note() -> None:
    assert "compute capability is unknown" not in texts(open_page("plan"))


def test_a_snapshot_upload_giving_a_key_twice_is_refused() -> None:
    # the CLI's words (tests/cli/test_bad_inputs.py): GPU 0's memory given twice, 24 GiB then
    # 12 GiB, was planned by the last without a word
    one = '"memory_total_bytes": 25769803776,'
    text = (SNAPSHOTS / "rtx3090x8.json").read_text()
    dup = text.replace(one, f'{one} "memory_total_bytes": 12884901888,', 1)
    at = open_page("hardware", hw="snapshots")
    at.get("file_uploader")[0].set_value([("node.json", dup.encode(), "application/json")]).run()
    assert not at.exception
    assert at.error[0].value == ("node.json: snapshot: 'memory_total_bytes' is given twice: "
                                 "give each once.")
    assert "snapshots:" not in texts(at)


def test_a_link_naming_a_max_q_rtx_pro_6000_opens_its_own_preset() -> None:
    """gpu=<the Max-Q Workstation Edition's NVML name> was taken as the rtx-pro-6000 preset, the
    Workstation Edition, with a warning; it is its own preset now, without one."""
    name = "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition"
    at = open_link("hardware", gpu=name)
    assert not at.exception
    assert at.query_params["gpu"] == "rtx-pro-6000-maxq"
    assert not at.sidebar.warning
    assert not open_link("hardware", gpu="rtx-pro-6000").sidebar.warning  # the Workstation


def test_the_memory_field_says_which_total_it_is() -> None:
    # as the CLI's --gpu-memory-gib: the recorded rig's 24,576 MiB less 440 MiB reserved
    at = open_page("hardware")
    field = next(n for n in at.number_input if n.key == "hw.gpu_memory_gib")
    assert field.help.endswith("nvidia-smi's total less the driver's reserved memory (an RTX "
                               "3090: 24,576 - 440 MiB = 23.57, not 24)")


def test_a_link_to_a_pascal_card_is_shown_as_that_card_not_the_near_presets() -> None:
    # it read "unknown GPU preset 'Tesla P40'; did you mean l40, a40?": neither is a P40
    # (tests/app/test_state.py has the whole message)
    at = open_link("hardware", gpu="Tesla P40")
    (warning,) = [w.value for w in at.sidebar.warning]
    assert "a compute capability 6.1 GPU" in warning and "cannot run it" in warning
    assert "did you mean" not in warning
    assert at.selectbox(key="hw.gpu").value == "rtx-3090"  # the default kept


def test_the_gpu_picker_lists_the_mid_range_presets() -> None:
    # the GPUs "RTX 4070", "RTX 3070", "RTX A4500", "A2" and "Quadro RTX 5000" had no preset
    at = open_page("hardware")
    options = at.selectbox(key="hw.gpu").options
    for label in ("NVIDIA GeForce RTX 4070 — 12 GB GDDR6X", "NVIDIA GeForce RTX 3070 — 8 GB GDDR6",
                  "NVIDIA RTX A4500 — 20 GB GDDR6 (ECC)", "NVIDIA A2 — 16 GB GDDR6 (ECC)",
                  "Quadro RTX 5000 — 16 GB GDDR6 (ECC)"):
        assert label in options, label
    at.selectbox(key="hw.gpu").set_value("rtx-4070").run()
    at.number_input(key="hw.gpus_per_node").set_value(2).run()
    assert not at.exception
    # the card's device property, 'totalmem=11874MiB': 11,874 / 1,024 = 11.60 GiB; GeForce: no P2P
    assert "2x NVIDIA GeForce RTX 4070 (PCIe, no P2P) — 2 GPUs, 11.60 GiB per GPU" in texts(at)
    assert at.query_params["gpu"] == "rtx-4070"


def test_the_gpu_picker_lists_the_workstation_presets() -> None:
    # "RTX 4500 Ada", "RTX 2000 Ada", "RTX A2000 12GB" and "A16" were capability-only names
    at = open_page("hardware")
    options = at.selectbox(key="hw.gpu").options
    for label in ("NVIDIA RTX 4500 Ada Generation — 24 GB GDDR6 (ECC)",
                  "NVIDIA RTX 2000 Ada Generation — 16 GB GDDR6 (ECC)",
                  "NVIDIA RTX A2000 12GB — 12 GB GDDR6",
                  "NVIDIA A16 — 16 GB GDDR6 (ECC) per GPU, 4 GPUs a board"):
        assert label in options, label
    at.selectbox(key="hw.gpu").set_value("a16").run()
    at.number_input(key="hw.gpus_per_node").set_value(4).run()
    assert not at.exception
    # one A16 board: 4 GPUs, each nvidia-smi's 15356 MiB less 512 MiB = 14,844 MiB = 14.50 GiB
    assert "4x NVIDIA A16 (PCIe) — 4 GPUs, 14.50 GiB per GPU" in texts(at), texts(at)
    assert at.query_params["gpu"] == "a16"


def test_the_older_driver_notes_name_the_memory_field_not_the_cli_flag() -> None:
    # (review h440 #3) the rtx-3080-ti's total was read on CUDA 11.4: the Plan page's budget
    # term and the Hardware page's preset note asked for "--gpu-memory-gib", a flag the app
    # has not; its field is "Memory per GPU as CUDA reports it"
    asked = ("give the total CUDA reports on your host (the Hardware page's 'Memory per GPU "
             "as CUDA reports it'; an audit measures it)")
    at = open_page(None, model="Qwen/Qwen3-8B", gpu="rtx-3080-ti", gpn="1")
    assert not at.exception
    [budget] = [n for table in at.table for n in table.value["note"]
                if "read on a CUDA 11.4 driver" in n]
    # the default utilization 0.92 x 157 MiB = 144.4 MiB
    assert budget.endswith("so this budget may be up to 0.92 x 157 MiB = 144 MiB high: "
                           + asked), budget
    at = open_page("hardware", gpu="rtx-3080-ti", gpn="1")
    [preset] = [c.value for c in at.caption if "read on a CUDA 11.4 driver" in c.value]
    assert preset.endswith(f"may be that much high: {asked}."), preset
    assert "--gpu-memory-gib" not in budget + preset


def test_a_snapshot_upload_with_an_asymmetric_topology_or_no_time_is_refused() -> None:
    # the CLI's words (tests/probes/test_snapshot_time_and_pairs.py); both were planned
    raw = json.loads((SNAPSHOTS / "rtx3090x8.json").read_text())
    raw["topology"]["nvlink"][0][1] = 4
    when = json.loads((SNAPSHOTS / "rtx3090x8.json").read_text())
    when["taken_at"] = "yesterday"
    at = open_page("hardware", hw="snapshots")
    at.get("file_uploader")[0].set_value(
        [("pair.json", json.dumps(raw).encode(), "application/json"),
         ("when.json", json.dumps(when).encode(), "application/json")]).run()
    assert not at.exception
    errors = [e.value for e in at.main.error]  # Markdown: '>' and '[' shown as typed
    assert errors[0].startswith(r"pair.json: snapshot: topology: GPU0-\>GPU1 is NV4 but "
                                r"GPU1-\>GPU0 is NODE (nvlink\[0\]\[1\] 4, nvlink\[1\]\[0\] 0)")
    assert errors[1].startswith("when.json: snapshot: taken_at is 'yesterday', not an ISO "
                                "8601 time")
    assert "snapshots:" not in texts(at)
