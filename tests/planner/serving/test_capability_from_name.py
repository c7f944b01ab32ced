"""hardware.capability_from_name: NVIDIA GPUs no preset holds, by the names people and NVML
write, to the compute capability NVIDIA's tables give (CAPABILITY_WITHOUT_PRESET)."""

import pytest

from planner.serving.hardware import (
    CAPABILITY_WITHOUT_PRESET,
    GPU_PRESETS,
    NoGpuPresetError,
    capability_from_name,
    preset_named,
    resolve_gpu_key,
)


@pytest.mark.parametrize(("name", "capability"), [
    ("NVIDIA GeForce RTX 2060", "7.5"), ("quadro rtx 4000", "7.5"),
    ("NVIDIA GeForce RTX 2070", "7.5"), ("RTX 2080", "7.5"),
    ("NVIDIA TITAN V", "7.0"), ("Quadro GV100", "7.0"),
    ("Tesla P100-SXM2-16GB", "6.0"), ("Tesla P40", "6.1"), ("NVIDIA GeForce GTX 1080 Ti", "6.1"),
    ("GeForce RTX 4060", "8.9"), ("NVIDIA RTX 4000 SFF Ada Generation", "8.9"),
])
def test_names_as_written_resolve(name: str, capability: str) -> None:
    assert capability_from_name(name)[0] == capability


@pytest.mark.parametrize("name", ["TITAN X", "RTX 2080 SUPER", "RTX 3090", "Mystery X", "P1"])
def test_other_names_do_not(name: str) -> None:
    # "TITAN X" is both Maxwell's GTX TITAN X (5.2) and Pascal's (6.1): left out
    assert capability_from_name(name) is None


@pytest.mark.parametrize("name", ["Quadro RTX 8000", "Quadro RTX 6000", "Quadro RTX 5000",
                                  "NVIDIA GeForce RTX 2080 Ti", "NVIDIA TITAN RTX"])
def test_the_turing_cards_with_a_preset_are_no_longer_listed(name: str) -> None:
    # each is a preset now (rtx-2080-ti, titan-rtx, quadro-rtx-8000/6000/5000), which carries 7.5
    assert capability_from_name(name) is None
    assert preset_named(name, 1).compute_capability == "7.5"


@pytest.mark.parametrize(("name", "capability"), [
    ("NVIDIA A2", "8.6"), ("NVIDIA GeForce RTX 4070", "8.9"),
    ("NVIDIA RTX A2000 12GB", "8.6"), ("NVIDIA RTX A2000", "8.6"),
    ("NVIDIA RTX 4500 Ada Generation", "8.9"), ("NVIDIA RTX 2000 Ada Generation", "8.9"),
    ("NVIDIA A16", "8.6"),
])
def test_the_ampere_and_ada_cards_with_a_preset_are_no_longer_listed(name: str,
                                                                    capability: str) -> None:
    # presets now (a2, rtx-4070, rtx-a2000-12gb, whose 6 GB card shares its chip, rtx-4500-ada,
    # rtx-2000-ada, a16), carrying the capability the table gave them
    assert capability_from_name(name) is None
    assert preset_named(name, 1).compute_capability == capability


def test_no_entry_is_a_preset_and_each_cites_a_source() -> None:
    # a preset's name is resolved first (preset_named); an entry it shadowed would be dead
    for card, (capability, source) in CAPABILITY_WITHOUT_PRESET.items():
        assert preset_named(card, 1) is None, card
        assert capability in {"3.7", "5.2", "6.0", "6.1", "7.0", "7.5", "8.6", "8.9"}
        assert "read 2026-12-05" in source
    assert not {capability_from_name(g.name) for g in GPU_PRESETS.values()} - {None}


@pytest.mark.parametrize(("name", "capability"), [
    ("GV100", "7.0"), ("gv-100", "7.0"), ("NVIDIA Quadro GV100", "7.0"),  # Quadro GV100
    ("GP100", "6.0"), ("Quadro GP100", "6.0"),  # Quadro GP100
    ("P6000", "6.1"), ("Quadro P6000", "6.1"),  # Quadro P6000
])
def test_a_quadro_is_found_by_its_short_name(name: str, capability: str) -> None:
    # NVIDIA's legacy table names "Quadro GV100" (7.0), "Quadro GP100" (6.0), "Quadro P6000"
    # (6.1); people write them without "Quadro", as "P40" without "Tesla"
    assert capability_from_name(name)[0] == capability
    # preset resolution is unchanged: no preset, and the refusal names the capability
    with pytest.raises(NoGpuPresetError, match=f"a compute capability {capability} GPU"):
        resolve_gpu_key(name)


def test_a_short_quadro_name_that_is_also_a_preset_name_is_not_the_quadro() -> None:
    # "RTX 4000" is also the RTX 4000 Ada's (8.9, the rtx-4000-ada preset): only "Quadro RTX
    # 4000" is the Turing card's 7.5
    assert capability_from_name("Quadro RTX 4000")[0] == "7.5"
    assert capability_from_name("RTX 4000") is None
