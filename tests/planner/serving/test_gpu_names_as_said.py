"""GPU names as people say them: a bare model number or a name without its brand word ("3090",
"A6000", "6000 Ada", "PRO 6000") is the preset whose name it is with "RTX" in front, asked back
where that name is several presets' ("6000": "RTX 6000"); and "did you mean" names presets
whose model number is near the typed one, never one that only shares characters with it
(b300 for "3090"). The expected keys are read off the presets' NVML names in
planner/serving/hardware/presets.py and worked out by near_gpu_keys' rule (its docstring):
each typed token earns 3 points for the same token, 2 for the token with characters missing
at its end (or one extra), 1 for a mistyped last character or two swapped neighbours in a
token of 4 or more; a preset is near when it earns more than half of 3 points a token."""

import pytest

from planner.serving.hardware import (
    GPU_PRESETS,
    NoGpuPresetError,
    OtherMemorySizeError,
    UnknownGpuError,
    capability_from_name,
    did_you_mean,
    near_gpu_hint,
    near_gpu_keys,
    other_presets_named,
    preset_named,
    resolve_gpu_key,
    suggested_gpu_keys,
)


@pytest.mark.parametrize(("name", "key", "others"), [
    # NVML's "NVIDIA GeForce RTX 3090" less its vendor words is "RTX 3090"; the 3090 Ti's key
    # starts with rtx-3090 too, so it is named as h100-pcie and h100-nvl are for "H100"
    ("3090", "rtx-3090", ("rtx-3090-ti",)),
    ("4090", "rtx-4090", ()), ("5090", "rtx-5090", ()),
    # the RTX 3080's 10 and 12 GB cards share one NVML name: the first listed, the others named
    ("3080", "rtx-3080", ("rtx-3080-12gb", "rtx-3080-ti")),
    # "NVIDIA RTX A6000", "NVIDIA RTX 6000 Ada Generation" (Generation is NVML's long spelling)
    ("A6000", "rtx-a6000", ()), ("6000 Ada", "rtx-6000-ada", ()),
    # "RTX PRO 6000" spells the rtx-pro-6000 key (the Workstation Edition); the Max-Q and
    # Server Edition keys start with it
    ("PRO 6000", "rtx-pro-6000", ("rtx-pro-6000-maxq", "rtx-pro-6000-server")),
    # "NVIDIA GeForce RTX 4070 SUPER" exactly; it was refused as ambiguous with the 4070 Ti
    # SUPER, whose name holds "4070" and "SUPER" too but is another card
    ("4070 Super", "rtx-4070-super", ()),
    # the quadro-rtx-8000 preset's alias "RTX 8000"; no key starts with rtx-8000
    ("8000", "quadro-rtx-8000", ()),
    # a size stated that the preset has: read as "RTX 3090 24GB", which names no other product
    # (tests/cli/test_gpu_size_note.py)
    ("3090 24GB", "rtx-3090", ()),
    # names that resolved before resolve as before
    ("L40", "l40", ()), ("H100", "h100-sxm", ("h100-pcie", "h100-nvl")),
    ("a100 80gb", "a100-80gb", ("a100-80gb-pcie",)), ("rtx 3080ti", "rtx-3080-ti", ()),
])
def test_a_name_without_its_brand_word_is_that_preset(name: str, key: str,
                                                      others: tuple[str, ...]) -> None:
    assert resolve_gpu_key(name) == key
    assert other_presets_named(name) == others


@pytest.mark.parametrize(("name", "keys"), [
    # "RTX 6000" is the Quadro RTX 6000 (Turing, 24 GB), the RTX 6000 Ada (48 GB) or an RTX PRO
    # 6000 (96 GB): the presets whose key holds the words rtx and 6000; rtx-a6000's word is
    # "a6000", another card
    ("6000", "quadro-rtx-6000, rtx-6000-ada, rtx-pro-6000, rtx-pro-6000-maxq or "
             "rtx-pro-6000-server"),
    ("4000", "rtx-4000-ada or rtx-pro-4000"),
    ("5000", "quadro-rtx-5000, rtx-5000-ada or rtx-pro-5000"),
])
def test_a_number_several_product_lines_share_is_asked_back(name: str, keys: str) -> None:
    with pytest.raises(UnknownGpuError) as info:
        resolve_gpu_key(name)
    assert str(info.value) == f"GPU {name!r} is ambiguous: did you mean {keys}?"
    assert not isinstance(info.value, NoGpuPresetError)
    with pytest.raises(UnknownGpuError, match=f"did you mean {keys}"):
        resolve_gpu_key(f"RTX {name}")  # the same as with the brand word


def test_a_number_without_its_brand_word_keeps_what_the_name_with_it_says() -> None:
    # "RTX A2000" is NVML's name of the 6 GB card, the preset the 12 GB one
    with pytest.raises(OtherMemorySizeError, match=r"^no preset for 'A2000', read as 'RTX "
                       r"A2000', NVML's name of the 6 GB card \(--gpu rtx-a2000-12gb"):
        resolve_gpu_key("A2000")
    # the rtx-3060 preset is the 12 GB card ("12 GB GDDR6")
    with pytest.raises(OtherMemorySizeError, match=r"^no preset for '3060 8GB': that GPU's "
                       r"preset is rtx-3060 \(12 GB GDDR6\), not 8 GB"):
        resolve_gpu_key("3060 8GB")
    # NVIDIA's tables' "GeForce RTX 2080" (7.5) and "GeForce RTX 4060" (8.9), no presets
    assert capability_from_name("2080") == capability_from_name("GeForce RTX 2080")
    assert capability_from_name("2080")[0] == "7.5"
    with pytest.raises(NoGpuPresetError, match=r"^no GPU preset for '4060', a compute "
                       r"capability 8\.9 GPU"):
        resolve_gpu_key("4060")
    # --gpu-name with --gpu-memory-gib (preset_named): the preset "RTX 3090" names
    assert preset_named("3090", GPU_PRESETS["rtx-3090"].memory_total_bytes).key == "rtx-3090"
    assert preset_named("Acme 3090X", 24 * 10**9) is None


@pytest.mark.parametrize(("name", "near"), [
    # read as "RTX 3090": rtx-3090 and rtx-3090-ti earn 6 of 6; b300's number 300 neither
    # starts 3090 nor is one typo from it (it was suggested for sharing "3", "0", "0")
    ("3090", ["rtx-3090", "rtx-3090-ti"]),
    # 309 starts 3090 (2 + rtx 3 = 5 of 6); rtx-5090's 5090 does not start with 309
    ("RTX 309", ["rtx-3090", "rtx-3090-ti"]),
    # 3099 is 3090 with its last digit mistyped: 3 + 1 = 4 of 6
    ("RTX 3099", ["rtx-3090", "rtx-3090-ti"]),
    # "30900": 3090 with a digit extra at the end (read as RTX: 3 + 2 = 5 of 6)
    ("30900", ["rtx-3090", "rtx-3090-ti"]),
    # rtx, 3080 and "tii" (ti with a character extra): 3 + 3 + 2 = 8 of 9 for rtx-3080-ti;
    # 6 of 9 for the RTX 3080's two cards (rtx-3080, rtx-3080-12gb), still more than half
    ("rtx 3080 tii", ["rtx-3080-ti", "rtx-3080", "rtx-3080-12gb"]),
    # h and 10, which starts 100: 3 + 2 = 5 of 6 for each H100, NVML's "H100 80GB HBM3"
    # (h100-sxm) the closest spelling; h20 (10 is not 20: a one-digit change in a 2-digit number
    # is another product) and a10 (3 of 6, not more than half) are not near
    ("h10", ["h100-sxm", "h100-nvl", "h100-pcie"]),
    # a, 6000, ada mixes the A6000 (Ampere) and the 6000 Ada: each earns 6 of 9 (a6000: a,
    # 6000; 6000 Ada: 6000, ada), the Ada first as "a6000ada" is closer to its spelling
    # (difflib); the Quadro RTX 6000 and the RTX PRO 6000s share only 6000 (3 of 9)
    ("a6000ada", ["rtx-6000-ada", "rtx-a6000"]),
    # b and 30, which starts 300: 5 of 6 for b300; a30 earns 3 (30 only), b200 nothing (30
    # does not start 200)
    ("b30", ["b300"]),
    # read as RTX 300X: mi300x earns 300 and x (6 of 9), b300 only 300 (3 of 9)
    ("300x", ["mi300x"]),
    # GTX 1080 (Pascal) is no preset; 3080 and 4080 differ from 1080 in its first digit (the
    # generation), which is another card, not a typo
    ("1080", []),
    # a word alone: the presets whose name holds it
    ("Spark", ["dgx-spark-gb10"]), ("TITAN", ["titan-rtx"]),
    ("foo", []),
])
def test_did_you_mean_names_presets_of_a_near_model_number(name: str, near: list[str]) -> None:
    assert near_gpu_keys(name) == near


@pytest.mark.parametrize(("name", "keys"), [
    ("6000", ("quadro-rtx-6000", "rtx-6000-ada", "rtx-pro-6000", "rtx-pro-6000-maxq",
              "rtx-pro-6000-server")),  # ambiguous: the presets "RTX 6000" answers to
    ("A100", ("a100-40gb", "a100-40gb-pcie", "a100-80gb", "a100-80gb-pcie")),  # ambiguous
    ("RTX 309", ("rtx-3090", "rtx-3090-ti")),  # a near miss
    ("rtx-3090", ()), ("foo", ()),  # one preset; nothing near
])
def test_one_rule_offers_the_keys_of_every_did_you_mean(name: str, keys: tuple) -> None:
    # resolve_gpu_key's refusal and near_gpu_hint (--gpu-name's and an audit's note) offer
    # suggested_gpu_keys' presets, in did_you_mean's words
    assert suggested_gpu_keys(name) == keys
    assert near_gpu_hint(name) == (f" ({did_you_mean(keys)})" if keys else "")
    if keys:
        with pytest.raises(UnknownGpuError) as refused:
            resolve_gpu_key(name)
        assert did_you_mean(keys) in str(refused.value)
