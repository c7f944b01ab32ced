"""A GPU name with its memory size added gets the note its name without the size gets: "RTX
3090" plans the rtx-3090 preset with no note, yet "RTX 3090 24GB" said "for the other RTX 3090
24GB presets give --gpu rtx-3090-ti", naming another product (the RTX 3090 Ti) as if it were
a 24 GB RTX 3090; so did "RTX 4080 16GB" (rtx-4080-super), "L40 48GB" (l40s) and "A10 24GB"
(a10g). A short name that several presets share keeps its note, less the presets of another
size: "H100 80GB" names h100-pcie (80 GB) but not h100-nvl (94 GB)."""

import pytest

from tests.cli.conftest import run_main


def _notes(capsys, gpu: str) -> str:
    code, _, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-0.6B", "--gpu", gpu)
    assert code == 0, err
    return err


@pytest.mark.parametrize(("bare", "gpu"), [
    ("RTX 3090", "RTX 3090 24GB"), ("RTX 3090", "RTX 3090 (24GB)"),
    ("RTX 4080", "RTX 4080 16GB"), ("L40", "L40 48GB"), ("A10", "A10 24GB")])
def test_a_size_added_names_no_other_product(capsys, bare: str, gpu: str) -> None:
    assert "presets give" not in _notes(capsys, bare)
    assert "presets give" not in _notes(capsys, gpu)


def test_a_shared_short_name_keeps_the_presets_of_its_size(capsys) -> None:
    err = _notes(capsys, "H100 80GB")
    assert "is the h100-sxm preset" in err and "give --gpu h100-pcie" in err, err
    assert "h100-nvl" not in err, err


def test_a_max_q_rtx_pro_6000_is_its_own_preset_without_a_stand_in_note(capsys) -> None:
    # it was planned as the Workstation Edition preset, with a note naming both; it has its
    # own preset now (rtx-pro-6000-maxq), so nothing is assumed
    for gpu in ("NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition", "rtx-pro-6000-maxq",
                "rtx-pro-6000"):
        assert "planned as the" not in _notes(capsys, gpu), gpu
