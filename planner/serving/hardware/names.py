"""GPU names to presets: the spellings people and NVML write (resolve_gpu_key, gpu_preset),
MIG instances' names, near-miss hints, other memory sizes, and the compute capability of
GPUs no preset holds (CAPABILITY_WITHOUT_PRESET, capability_from_name)."""

import difflib
import re

from planner.serving.hardware.presets import GPU_PRESETS, PRESET_ROWS
from planner.serving.hardware.spec import GpuSpec, UnknownGpuError
from planner.text import shortened


class NoGpuPresetError(UnknownGpuError):
    """A GPU name that is no preset's, neither ambiguous between presets nor another memory size
    of a preset's model: `name` is the name given, `near` the keys it nearly spells (a "did
    you mean"); the message lists the presets. A GPU NVIDIA's tables name (`capability`:
    capability_from_name's, a Tesla P40's 6.1) is said to be that GPU instead: its nearest
    keys (l40, a40) are other GPUs; a laptop GPU's (laptop_gpu) is said to be one, its near
    keys being the desktop cards. Callers that word it ("a price for an unknown GPU preset
    ...", the CLI's "to plan a GPU no preset has") tell it by this type."""

    def __init__(self, name: str, near: list[str]) -> None:
        self.name, self.near = name, near
        self.capability = capability_from_name(name)
        if self.capability:
            super().__init__(f"no GPU preset for {shortened(name)!r}, a compute capability "
                             f"{self.capability[0]} GPU ({self.capability[1]})")
            return
        self.laptop = laptop_gpu(name)
        if self.laptop:
            super().__init__(f"no GPU preset for {shortened(name)!r}, {self.laptop}")
            return
        hint = f"{did_you_mean(near)} " if near else ""
        super().__init__(f"unknown GPU preset {shortened(name)!r}; {hint}known: "
                         f"{', '.join(sorted(GPU_PRESETS))}")

    @property
    def unknown(self) -> bool:
        """Whether the message reads "unknown GPU preset ...", saying nothing of the GPU (not
        a capability NVIDIA's tables give, nor a laptop GPU)."""
        return self.capability is None and self.laptop is None


class AmbiguousGpuError(UnknownGpuError):
    """A GPU name several presets answer to ("6000" read as "RTX 6000", "A100": 40 or 80 GB,
    SXM or PCIe): `name` is the name given, `keys` those presets, which the message offers."""

    def __init__(self, name: str, keys: tuple[str, ...]) -> None:
        super().__init__(f"GPU {name!r} is ambiguous: {did_you_mean(keys)}")
        self.name, self.keys = name, keys


def did_you_mean(keys: list[str] | tuple[str, ...]) -> str:
    """'did you mean a, b or c?': the words every GPU "did you mean" offers its keys in."""
    listed = keys[0] if len(keys) == 1 else f"{', '.join(keys[:-1])} or {keys[-1]}"
    return f"did you mean {listed}?"


class OtherMemorySizeError(UnknownGpuError):
    """A GPU name whose model has a preset of another memory size ("RTX 4060 Ti 8GB"):
    `what` says so, `name` is the name given; the message adds how to plan it (the flags of
    plan, sweep and report)."""

    def __init__(self, what: str, name: str) -> None:
        super().__init__(f"{what}; give its memory with --gpu-memory-gib X (what CUDA reports) "
                         f"and --gpu-name {name!r}")
        self.what, self.name = what, name


class MigInstanceError(UnknownGpuError):
    """A MIG instance's name, as NVML prints it ("NVIDIA H100 80GB HBM3 MIG 1g.10gb"): `what`
    says which slice of which GPU and why no preset plans it, `name` is the name given; the
    message adds how to plan it (the flags of plan, sweep and report)."""

    def __init__(self, what: str, name: str) -> None:
        super().__init__(
            f"{what}; plan the slice as a custom GPU: --gpu-memory-gib X (the instance's total "
            f"as CUDA reports it) and --gpu-name {name!r}, one instance per replica (no NVLink or "
            "peer-to-peer between instances): its memory figures then hold, with the compute "
            "capability and formats of the GPU it is a slice of where a preset names that GPU, "
            "but there are no speed figures")
        self.what, self.name = what, name


_VENDOR_WORDS = frozenset({"nvidia", "geforce", "tesla", "amd", "instinct"})
"""Words of a GPU name no other card's name needs to tell it apart. Not "quadro": "RTX 6000"
without it is the Quadro RTX 6000 (Turing, 24 GB), the RTX 6000 Ada (48 GB) or an RTX PRO
6000 (96 GB), so it resolves to none of them and is asked back (_presets_with_words)."""
_BRAND = "RTX"
"""The brand word NVIDIA's GeForce and workstation cards' names start with ("RTX 3090", "RTX
A6000", "RTX 6000 Ada", "RTX PRO 6000"), which people leave out: a name without it that
spells no preset is read with it (resolve_gpu_key, near_gpu_keys)."""
_MEMORY_WORD = re.compile(r"\d+gb|hbm\w*|gddr\w*|lpddr\w*")
"""Words of a GPU name that only say how much and what memory it has ("80gb", "hbm3")."""


def compact_name(name: str, *, drop_memory: bool = False) -> str:
    """A GPU name as one lower-case token without vendor words or punctuation:
    "NVIDIA GeForce RTX 3090" -> "rtx3090"; with drop_memory, "H100 80GB HBM3" -> "h100".
    "24 GB" is the memory word "24gb", as stated_gb reads it ("RTX 3090 24 GB" as "... 24GB")."""
    return "".join(_name_words(name, drop_memory=drop_memory))


def _name_words(name: str, *, drop_memory: bool = False) -> list[str]:
    """The lower-case words of a GPU name compact_name joins, vendor words (and with
    drop_memory, memory words) left out: "NVIDIA RTX A6000" -> rtx, a6000."""
    words = re.split(r"[^a-z0-9]+", re.sub(r"(\d+)\s+gb\b", r"\1gb", name.lower()))
    return [w for w in words if w and w not in _VENDOR_WORDS
            and not (drop_memory and _MEMORY_WORD.fullmatch(w))]


def _spellings(rows: tuple[GpuSpec, ...], *, drop_memory: bool) -> dict[str, tuple[str, ...]]:
    """Preset keys by the compact form of their key, NVML name and aliases."""
    named = [(name, gpu.key) for gpu in rows for name in (gpu.key, gpu.name, *gpu.aliases)]
    index: dict[str, tuple[str, ...]] = {}
    for name, key in named:
        form = compact_name(name, drop_memory=drop_memory)
        if form and key not in index.get(form, ()):
            index[form] = (*index.get(form, ()), key)
    return index


BY_SPELLING = _spellings(PRESET_ROWS, drop_memory=False)
_BY_SHORT_SPELLING = _spellings(PRESET_ROWS, drop_memory=True)


_MIG_NAME = re.compile(r"(?P<gpu>.*?)[\s-]*\bMIG\s+(?P<slice>(?:\d+c\.)?\d+g\.\d+gb(?:\+\w+)?)",
                       re.IGNORECASE)
"""A MIG instance as NVML names it: the GPU's name, "MIG" and the profile ("1g.10gb",
"1c.2g.20gb", "1g.10gb+me"); NVIDIA's MIG user guide, "Supported MIG Profiles"."""


def mig_instance(name: str) -> str | None:
    """What a MIG instance's name designates, for a GPU name that is one ("H100 MIG 3g.40gb"
    -> "a MIG instance, slice 3g.40gb of H100, ..."), else None. A slice holds a share
    of the GPU's memory, SMs and bandwidth (probes.nvml.MIG_NOTE cites it), which no preset
    models."""
    match = _MIG_NAME.fullmatch(name.strip())
    if match is None:
        return None
    return (f"a MIG instance, slice {match['slice']} of {match['gpu'] or 'a GPU'}, which no "
            "preset models: a slice has a share of the GPU's memory, SMs and bandwidth, and "
            "Headroom plans whole GPUs")


def mig_parent(name: str) -> GpuSpec | None:
    """The preset of the GPU a MIG instance's name is a slice of ("NVIDIA H100 80GB HBM3 MIG
    1g.10gb" -> h100-sxm), whose compute capability and formats the slice shares (the same
    SMs, a share of them); a name two presets share ("A100": 40 or 80 GB) gives the first
    where they agree on both; None for another name or a GPU no preset names."""
    match = _MIG_NAME.fullmatch(name.strip())
    if match is None or not match["gpu"]:
        return None
    try:
        return gpu_preset(resolve_gpu_key(match["gpu"]))
    except UnknownGpuError:
        pass
    alike = {(GPU_PRESETS[k].compute_capability, GPU_PRESETS[k].native_weight_formats): k
             for k in _short_keys(match["gpu"])}
    return GPU_PRESETS[next(iter(alike.values()))] if len(alike) == 1 else None


_LAPTOP_NAME = re.compile(r"\b(?:Laptop|Mobile)\b|\bMax-Q\b", re.IGNORECASE)
"""A laptop GPU's name: NVML's "NVIDIA GeForce RTX 5070 Laptop GPU" and, for Pascal and
Turing laptops, "GeForce RTX 2080 with Max-Q Design" (an nvidia-smi productName read with
find_string, id 40525237; the driver's supported-GPU list, LibreELEC/LibreELEC.tv PR #4055:
"GeForce GTX 1080 with Max-Q Design"); pci.ids', as lspci and inxi print it, "TU104M [GeForce
RTX 2080 Mobile]", "[Quadro T2000 Mobile / Max-Q]" (hw-probe tables, find_string). "Max-P"
names no GPU in any source found: not matched."""

_DESKTOP_MAX_Q = re.compile(r"\bRTX PRO\b|\bWorkstation\b", re.IGNORECASE)
"""A Max-Q card that is no laptop GPU: "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation
Edition", a desktop card (the rtx-pro-6000-maxq preset)."""


def _laptop_name(name: str) -> bool:
    """Whether `name` is a laptop GPU's (_LAPTOP_NAME), a desktop Max-Q card's excepted."""
    found = {word.lower() for word in _LAPTOP_NAME.findall(name)}
    return bool(found - {"max-q"}) or (bool(found) and not _DESKTOP_MAX_Q.search(name))


def laptop_gpu(name: str) -> str | None:
    """What a laptop GPU's name designates ("RTX 5070 Laptop GPU", "RTX 2080 with Max-Q
    Design", "RTX 5090 Mobile" -> "a laptop GPU, ..."), else None: no preset is one, and the
    desktop card of the same number is another product
    (the rtx-5070 row's notes: "The RTX 5070 Laptop GPU is another product with its own NVML
    name: not this preset"; the rtx-3070 and rtx-4070 rows' alike), so a laptop name is never
    offered the desktop preset as a near miss."""
    if not _laptop_name(name):
        return None
    return ("a laptop GPU, which no preset models: the desktop card of its number is another "
            "product, not planned for it")


def _tokens(name: str) -> list[str]:
    """The letter and number runs of a GPU name, vendor and memory words dropped: "NVIDIA
    GeForce RTX 3080 Ti" -> rtx, 3080, ti; "H100 80GB HBM3" -> h, 100."""
    return [run for word in _name_words(name, drop_memory=True)
            for run in re.findall(r"[a-z]+|\d+", word)]


_SPELLING_TOKENS = tuple((gpu.key, _tokens(spelling), compact_name(spelling, drop_memory=True))
                         for gpu in PRESET_ROWS for spelling in (gpu.key, gpu.name, *gpu.aliases))
"""Each preset spelling (key, NVML name, aliases) as its key, tokens and compact form."""


def _one_typo(typed: str, known: str) -> bool:
    """Whether two tokens of one length differ by a mistyped last character ("3099", "3090")
    or two neighbours swapped ("3900", "3090"); not by another character elsewhere, which in
    a model number is another generation or tier ("4060", "4070"; "1080", "3080")."""
    apart = [i for i, (a, b) in enumerate(zip(typed, known, strict=True)) if a != b]
    return apart == [len(known) - 1] or (len(apart) == 2 and apart[1] == apart[0] + 1
                                         and typed[apart[0]] == known[apart[1]]
                                         and typed[apart[1]] == known[apart[0]])


def _token_closeness(typed: str, known: str) -> int:
    """How near a typed token is to a preset spelling's: 3 the same; 2 the typed one, of 2
    characters or more, starts the known one (characters missing at the end: "309" of "3090",
    "10" of "100") or is it with one character more ("30900", "b3000"); 1 one typo
    (_one_typo) in a token of 4 characters or more ("3099", "3900" for "3090"): in a shorter
    number one digit is another product (H100, H200, H800; A10, A30, A40); 0 otherwise, and
    between a number and letters."""
    if typed == known:
        return 3
    if typed.isdigit() != known.isdigit():
        return 0
    if (len(typed) >= 2 and known.startswith(typed)) or (
            len(typed) == len(known) + 1 and typed.startswith(known)):
        return 2
    return 1 if len(typed) == len(known) >= 4 and _one_typo(typed, known) else 0


def _nearness(typed: list[str], known: list[str]) -> int | None:
    """The points a preset spelling's tokens earn against the typed ones (each typed token's
    best _token_closeness), or None where the typed model number (its first number) is near
    none of the spelling's numbers: "3090" and b300 share characters, not a model number."""
    number = next((t for t in typed if t.isdigit()), None)
    if number is not None and not any(_token_closeness(number, k) for k in known):
        return None
    return sum(max((_token_closeness(t, k) for k in known), default=0) for t in typed)


def near_gpu_keys(name: str) -> list[str]:
    """Up to three preset keys close to `name` (a near miss: "RTX 309"), by the similarity of
    their tokens (_nearness): a preset is near where its model number is the typed one, or
    it with characters missing at the end or one extra, or (4 digits or more) one typo
    (_one_typo), and its tokens earn more than half of what the typed ones would earn spelled
    exactly; the most points first, then the closest spelling (difflib's ratio). A bare number
    ("3091") is read as an RTX card's, as resolve_gpu_key reads it. None for a laptop GPU's
    name (laptop_gpu), whose near spellings are the desktop cards."""
    if laptop_gpu(name):
        return []
    typed = _tokens(name)
    if typed and typed[0].isdigit():
        typed = [_BRAND.lower(), *typed]
    form = compact_name(name, drop_memory=True)
    best: dict[str, tuple[int, float]] = {}
    for key, known, spelled in _SPELLING_TOKENS:
        points = _nearness(typed, known)
        if points is not None and 2 * points > 3 * len(typed):
            ratio = difflib.SequenceMatcher(None, form, spelled).ratio()
            best[key] = max(best.get(key, (0, 0.0)), (points, ratio))
    return sorted(best, key=lambda k: (-best[k][0], -best[k][1], k))[:3]


def near_gpu_hint(name: str) -> str:
    """' (did you mean rtx-3090 or rtx-3090-ti?)' after a name no preset has (the keys
    suggested_gpu_keys offers, as --gpu's refusal does); what a MIG instance's or a laptop
    GPU's name is (mig_instance, laptop_gpu); "" where none is offered."""
    if what := mig_instance(name) or laptop_gpu(name):
        return f" ({what})"
    keys = suggested_gpu_keys(name)
    return f" ({did_you_mean(keys)})" if keys else ""


def suggested_gpu_keys(name: str) -> tuple[str, ...]:
    """The preset keys a "did you mean" offers for `name`, one rule for --gpu's refusal
    (resolve_gpu_key) and --gpu-name's or an audit's note (near_gpu_hint): the presets an
    ambiguous name answers to (AmbiguousGpuError: "6000" -> quadro-rtx-6000, rtx-6000-ada and
    the three rtx-pro-6000 cards), else the near misses (NoGpuPresetError's near_gpu_keys);
    none for a name that names one preset, a MIG instance's or another memory size's (their
    errors say what to give instead). --gpu-name "6000" offered near_gpu_keys' rtx-a6000,
    rtx-6000-ada and rtx-pro-6000, --gpu "6000" the five."""
    try:
        _resolve(name)
    except AmbiguousGpuError as exc:
        return exc.keys
    except NoGpuPresetError as exc:
        return tuple(exc.near)
    except UnknownGpuError:
        pass
    return ()


def stated_gb(name: str) -> set[int]:
    """The memory sizes a GPU name states: "NVIDIA A100-PCIE-40GB" -> {40}."""
    return {int(gb) for gb in re.findall(r"(\d+)\s*gb", name.lower())}


def _short_keys(name: str) -> tuple[str, ...]:
    """Presets the name designates with its memory words dropped, less those whose memory
    label contradicts a size the name states ("V100-PCIE-16GB" is not the 32 GB V100)."""
    keys = _BY_SHORT_SPELLING.get(compact_name(name, drop_memory=True), ())
    return tuple(k for k in keys if not states_other_memory(name, GPU_PRESETS[k]))


def _one_nvml_name(keys: tuple[str, ...]) -> tuple[str, ...]:
    """Presets that share one NVML name (the RTX 3080's 10 and 12 GB cards, both "NVIDIA
    GeForce RTX 3080") as a typed name without a size designates them: the first listed, the
    card that name meant first (rtx-3080; other_presets_named names the rest). A name stating
    a size spells its own preset's key ("RTX 3080 12GB") or is settled by _short_keys; an
    audit is settled by its memory total (match_gpu_name). Other keys pass unchanged."""
    if len(keys) > 1 and len({GPU_PRESETS[k].name for k in keys}) == 1:
        return keys[:1]
    return keys


def states_other_memory(name: str, gpu: "GpuSpec") -> bool:
    """Whether a GPU name states a memory size the preset `gpu` does not have
    ("Tesla V100-PCIE-16GB" and the 32 GB HBM2 v100-32gb, "RTX 4060 Ti 8GB" and
    rtx-4060-ti-16gb)."""
    return not stated_gb(name) <= stated_gb(gpu.memory_label)


def resolve_gpu_key(name: str) -> str:
    """The preset key for a GPU as people and NVML write it, or UnknownGpuError.

    Case, spaces and punctuation do not matter, nor vendor words ("NVIDIA GeForce RTX 3090"
    -> rtx-3090); memory words are dropped when the rest names one preset ("H100 80GB HBM3"
    is h100-sxm's NVML name; "A100" alone is ambiguous: 40 or 80 GB, SXM or PCIe, each named),
    unless the name states a size that preset does not have ("RTX 4060 Ti 8GB": the RTX 4060
    Ti preset is 16 GB). A name that spells none is read with the brand word it may leave
    out (_branded: "3090" as "RTX 3090", "A6000", "PRO 6000"; "6000" as "RTX 6000", which
    is ambiguous).
    Near misses get a "did you mean"; a MIG instance's name a MigInstanceError.
    """
    return _resolve(name)[0]


def _resolve(name: str) -> tuple[str, str]:
    """(preset key, the spelling that named it: `name` or _branded's) for resolve_gpu_key."""
    wanted = name.strip().lower()
    if wanted in GPU_PRESETS:
        return wanted, name
    if mig := mig_instance(name):
        raise MigInstanceError(f"GPU {name.strip()!r} is {mig}", name.strip())
    spellings = (name, *_branded(name))
    for typed in spellings:
        if key := _spelled_key(name, typed):
            return key, typed
    # a model number several product lines share ("6000" as "RTX 6000"); a word without one
    # ("Ti") is a near miss instead
    for typed in spellings if re.search(r"\d", name) else (name,):
        if len(keys := _presets_with_words(typed)) > 1:
            raise AmbiguousGpuError(name, keys)
    raise NoGpuPresetError(name, near_gpu_keys(name))


def _branded(name: str) -> tuple[str, ...]:
    """`name` with the brand word _BRAND in front ("3090" -> "RTX 3090", "PRO 6000" -> "RTX
    PRO 6000"), where its compact form does not start with it; none otherwise."""
    form = compact_name(name)
    return (f"{_BRAND} {name.strip()}",) if form and not form.startswith(_BRAND.lower()) else ()


def _spelled_key(name: str, typed: str) -> str | None:
    """The preset `typed` (`name` or _branded's) spells, or None where it spells none; a
    spelling of several presets, an NVML name of a size no preset holds or another memory
    size of a preset's model is an UnknownGpuError naming `name`."""
    if other := OTHER_SIZE_NVML_NAMES.get(compact_name(typed)):
        gb, key = other
        read = "" if typed == name else f", read as {typed!r}"
        raise OtherMemorySizeError(
            f"no preset for {name!r}{read}, NVML's name of the {gb} GB card (--gpu {key} plans "
            f"the other size, {GPU_PRESETS[key].name})", name)
    for keys in (BY_SPELLING.get(compact_name(typed), ()), _short_keys(typed)):
        keys = _one_nvml_name(keys)
        if len(keys) == 1:
            return keys[0]
        if keys:  # with the other forms of that model ("A100": its PCIe cards too)
            raise AmbiguousGpuError(name, tuple(sorted(
                {*keys, *_presets_starting(compact_name(typed, drop_memory=True), typed)})))
    other_size = _BY_SHORT_SPELLING.get(compact_name(typed, drop_memory=True), ())
    if other_size:
        sizes = " or ".join(f"{k} ({GPU_PRESETS[k].memory_label})" for k in other_size)
        raise OtherMemorySizeError(
            f"no preset for {name!r}: that GPU's preset is {sizes}, not "
            f"{' / '.join(f'{gb} GB' for gb in sorted(stated_gb(name)))}", name)
    return None


def _presets_with_words(name: str) -> tuple[str, ...]:
    """The presets whose key holds every word of `name` (vendor words aside): "RTX 6000" ->
    quadro-rtx-6000, rtx-6000-ada and the three rtx-pro-6000 cards, a number several product
    lines share, which no one of them may take. A bare number ("6000") is one word, none:
    resolve_gpu_key asks it with the brand word ("RTX 6000")."""
    words = {w for w in re.split(r"[^a-z0-9]+", name.lower()) if w and w not in _VENDOR_WORDS}
    return tuple(sorted(k for k in GPU_PRESETS if len(words) > 1 and words <= set(k.split("-"))))


def other_presets_named(name: str) -> tuple[str, ...]:
    """The other presets a short GPU name may mean: "H100" resolves to h100-sxm (its NVML
    name "NVIDIA H100 80GB HBM3" less the memory words), yet h100-pcie and h100-nvl are H100s
    too, so ("h100-pcie", "h100-nvl"). A full spelling (a key, NVML name or alias) names only
    the presets that share it: "NVIDIA GeForce RTX 3080" (rtx-3080) -> ("rtx-3080-12gb",), and
    so does one with a memory size added ("RTX 3090 24GB": none; "RTX 3080 10GB": none, the
    other states 12 GB); empty for a preset key, any other full spelling and a name no other
    preset's key starts with. A name read with the brand word (_branded: "3090", "PRO 6000")
    and stating no size is a short name, as "H100" is: the presets whose key starts with it so
    read ("3090" -> ("rtx-3090-ti",)); with a size ("3090 24GB") it is read as "RTX 3090 24GB"
    is."""
    chosen, typed = _resolve(name)
    if name.strip().lower() in GPU_PRESETS:
        return ()
    form = compact_name(typed, drop_memory=True)
    # a full spelling, or one with a memory size added ("RTX 3090 24GB"): the others are the
    # presets sharing its NVML name, not those whose key merely starts with it (rtx-3090-ti)
    spelled: tuple[str, ...] = ()
    if typed == name or stated_gb(name):
        spelled = BY_SPELLING.get(compact_name(typed)) or BY_SPELLING.get(form, ())
    others = (tuple(k for k in spelled if not states_other_memory(typed, GPU_PRESETS[k]))
              + _other_form_factors(typed, chosen)
              if spelled else _presets_starting(form, typed))
    return tuple(dict.fromkeys(k for k in others if k != chosen))


def preset_choice_note(name: str, named: str, other: str) -> str | None:
    """What a short GPU name chose where it may mean several presets (other_presets_named),
    None where it means one: `named` ("--gpu 'H100'", the CLI's; "Link parameter gpu='h100'",
    the app's) "is the h100-sxm preset (NVIDIA H100 80GB HBM3); for the other H100 presets
    give" each other's `other` ("--gpu {}") or'd. One text, so the CLI's note and the app's
    link message say the same."""
    others = other_presets_named(name)
    if not others:
        return None
    gpu = gpu_preset(name)
    return (f"{named} is the {gpu.key} preset ({gpu.name}); for the other {name.strip()} "
            f"presets give {' or '.join(other.format(k) for k in others)}")


def _other_form_factors(name: str, chosen: str) -> tuple[str, ...]:
    """The presets of `chosen`'s GPU in another form factor, their keys but for a form word
    (a100-80gb-pcie for a100-80gb, v100-pcie-16gb for v100-16gb), where `name` spells the
    chosen key without saying which ("A100 80GB"); none for a name that states a form word
    ("H100 SXM") or is the chosen preset's NVML name or alias ("NVIDIA A100-SXM4-80GB")."""
    gpu = GPU_PRESETS[chosen]
    if _FORM_WORDS.search(name) or compact_name(name) in {
            compact_name(spelling) for spelling in (gpu.name, *gpu.aliases)}:
        return ()
    chip = compact_name(_FORM_WORDS.sub(" ", chosen))
    return tuple(k for k in GPU_PRESETS
                 if k != chosen and compact_name(_FORM_WORDS.sub(" ", k)) == chip)


def _presets_starting(form: str, name: str) -> tuple[str, ...]:
    """The presets whose key starts with a short name's compact `form` ("h100": h100-sxm,
    h100-pcie, h100-nvl; "a100": the SXM and PCIe A100s), less those whose memory label
    contradicts a size `name` states: the presets a short name may mean."""
    return tuple(k for k in GPU_PRESETS
                 if compact_name(k).startswith(form)
                 and not states_other_memory(name, GPU_PRESETS[k]))


SIZES_WITHOUT_PRESET: dict[str, tuple[int, str]] = {
    "rtx-3060": (8, "NVIDIA's GeForce compare page: 12 / 8 GB GDDR6 (the preset's source)"),
    "rtx-4060-ti-16gb": (8, "NVIDIA's GeForce compare page: 16 / 8 GB GDDR6 (the preset's "
                         "source)"),
    "rtx-5060-ti-16gb": (8, "NVIDIA's GeForce compare page: 16 / 8 GB GDDR7 (the preset's "
                         "source)"),
}
"""Memory sizes (GB) a preset's GPU is also sold in that no preset holds, with the source:
a name that does not state a size ("RTX 3060", "RTX 4060 Ti", NVML's "NVIDIA GeForce RTX 4060
Ti" for both cards) resolves to the preset, so the CLI says which size it planned."""


_CUDA_GPUS = ("NVIDIA's CUDA GPU Compute Capability table (developer.nvidia.com/cuda-gpus, read "
              "2026-12-05)")
_CUDA_LEGACY_GPUS = ("NVIDIA's Legacy CUDA GPU Compute Capability table "
                     "(developer.nvidia.com/cuda-legacy-gpus, read 2026-12-05)")
_CUDA_GPUS_COPY = ("NVIDIA's earlier cuda-gpus table as copied in blog.csdn.net/HaoZiHuang/"
                   "article/details/125834480 (read 2026-12-05); NVIDIA's current 7.5 row was "
                   "not found: unverified against NVIDIA's own text")
_THIRD_PARTY_TABLE = ("gist.github.com/zachnicoll/f404a070611ccffda607bc65e4636d8f (a third "
                      "party's table, read 2026-12-05): unverified against NVIDIA's own text")
_KEPLER_K80 = ("opencv/opencv PR #7217, \"GPU arch between Nvidia K40 (3.5) and K80 (3.7)\", "
               "and NVlabs/instant-ngp PR #50, \"Add support for sm_37 architecture\" for K80 "
               "GPUs (read 2026-12-05): unverified against NVIDIA's own text")

CAPABILITY_WITHOUT_PRESET: dict[str, tuple[str, str]] = {
    # Turing
    "Quadro RTX 4000": ("7.5", _CUDA_GPUS_COPY),
    "GeForce RTX 2080": ("7.5", _THIRD_PARTY_TABLE),
    "GeForce RTX 2070": ("7.5", _THIRD_PARTY_TABLE),
    "GeForce RTX 2060": ("7.5", _THIRD_PARTY_TABLE),
    # Volta
    "Quadro GV100": ("7.0", _CUDA_LEGACY_GPUS),
    "NVIDIA TITAN V": ("7.0", _CUDA_LEGACY_GPUS),
    # Pascal
    "Tesla P100": ("6.0", _CUDA_LEGACY_GPUS),
    "Quadro GP100": ("6.0", _CUDA_LEGACY_GPUS),
    "Tesla P40": ("6.1", _CUDA_LEGACY_GPUS),
    "Tesla P4": ("6.1", _CUDA_LEGACY_GPUS),
    "Quadro P6000": ("6.1", _CUDA_LEGACY_GPUS),
    "NVIDIA TITAN Xp": ("6.1", _CUDA_LEGACY_GPUS),
    "GeForce GTX 1080 Ti": ("6.1", _CUDA_LEGACY_GPUS),
    "GeForce GTX 1080": ("6.1", _CUDA_LEGACY_GPUS),
    "GeForce GTX 1070 Ti": ("6.1", _CUDA_LEGACY_GPUS),
    "GeForce GTX 1070": ("6.1", _CUDA_LEGACY_GPUS),
    "GeForce GTX 1060": ("6.1", _CUDA_LEGACY_GPUS),
    # Maxwell and Kepler
    "Tesla M40": ("5.2", _CUDA_LEGACY_GPUS),
    "Tesla K80": ("3.7", _KEPLER_K80),
    # Ampere and Ada
    "NVIDIA RTX 4000 SFF Ada": ("8.9", _CUDA_GPUS),
    "GeForce RTX 4060": ("8.9", _CUDA_GPUS),
}
"""The compute capability of NVIDIA GPUs no preset holds, by the name NVIDIA's tables give,
with each entry's source: a --gpu-name naming one is planned with that capability's native
formats and refusals (still without speed figures: no bandwidth or TFLOP/s are known)."""

_FORM_WORDS = re.compile(r"\b(?:pcie|sxm\d?|generation)\b", re.IGNORECASE)
"""Words of an NVML name that say a card's form factor ("Tesla P100-PCIE-16GB") or are
NVML's longer spelling ("NVIDIA RTX 2000 Ada Generation"), not which chip it is."""


def _card_form(name: str) -> str:
    """A GPU name compacted for CAPABILITY_WITHOUT_PRESET: without vendor, memory and form
    words ("Tesla P100-PCIE-16GB" -> "p100", "NVIDIA GeForce RTX 2080 Ti" -> "rtx2080ti")."""
    return compact_name(_FORM_WORDS.sub(" ", name), drop_memory=True)


def _capability_forms(card: str) -> set[str]:
    """The compact forms a CAPABILITY_WITHOUT_PRESET name is looked up by: its own and, for a
    Quadro, the name without "Quadro" ("GV100", "P6000"), which people write as "Tesla" is left
    out of "P40", unless that short name is a preset's spelling or words ("RTX 4000" is also
    the rtx-4000-ada preset's, so only "Quadro RTX 4000" is the Turing card). "Quadro" stays a
    word of preset names (_VENDOR_WORDS), so this changes no preset's resolution."""
    short = re.sub(r"\bquadro\b", " ", card, flags=re.IGNORECASE)
    form = _card_form(short)
    taken = (_BY_SHORT_SPELLING.get(form) or _presets_starting(form, short)
             or _presets_with_words(short))
    return {_card_form(card)} | (set() if short == card or taken else {form})


_CAPABILITY_BY_FORM = {form: known for card, known in CAPABILITY_WITHOUT_PRESET.items()
                       for form in _capability_forms(card)}


def capability_from_name(name: str) -> tuple[str, str] | None:
    """(compute capability, source) of the GPU a name designates in CAPABILITY_WITHOUT_PRESET
    ("Tesla P40" -> "6.1"), a name without the brand word read with it as resolve_gpu_key
    reads one ("2080" as "RTX 2080": 7.5); None for any other name."""
    forms = [_card_form(spelling) for spelling in (name, *_branded(name))]
    return next((_CAPABILITY_BY_FORM[form] for form in forms if form in _CAPABILITY_BY_FORM),
                None)


OTHER_SIZE_NVML_NAMES: dict[str, tuple[int, str]] = {
    "rtxa2000": (6, "rtx-a2000-12gb"),
}
"""Compact NVML names of a card size no preset holds, where the preset's size has a name of
its own: "NVIDIA RTX A2000" is the 6 GB card's (Tom's Hardware France's launch report: 6 GB
GDDR6; the 12 GB card came later), the 12 GB card's "NVIDIA RTX A2000 12GB" (the
rtx-a2000-12gb row's source). Such a name is that other size, not the preset (the RTX 3060's
two sizes share one NVML name instead: SIZES_WITHOUT_PRESET)."""


def size_without_preset(name: str) -> int | None:
    """The other memory size (GB) of the GPU a name resolves to, which no preset holds, where
    the name states no size: "rtx-3060" -> 8, "RTX 4060 Ti" -> 8 (rtx-4060-ti-16gb); None for
    "RTX 3060 12GB", "rtx-4060-ti-16gb" and GPUs sold in one size."""
    known = SIZES_WITHOUT_PRESET.get(resolve_gpu_key(name))
    return None if known is None or stated_gb(name) else known[0]


def gpu_preset(key: str) -> GpuSpec:
    """The preset for a key or any spelling resolve_gpu_key() accepts."""
    return GPU_PRESETS[resolve_gpu_key(key)]


def preset_named(name: str, memory_total_bytes: int) -> GpuSpec | None:
    """The preset a GPU name designates, an ambiguous name ("A100": 40 or 80 GB) settled by
    the closest memory total, a name without the brand word read with it as resolve_gpu_key
    reads one ("3090" as "RTX 3090"); None when the name designates no preset."""
    for typed in (name, *_branded(name)):
        for index, form in ((BY_SPELLING, compact_name(typed)),
                            (_BY_SHORT_SPELLING, compact_name(typed, drop_memory=True))):
            keys = index.get(form, ())
            if keys:
                return min((GPU_PRESETS[k] for k in keys),
                           key=lambda g: abs(g.memory_total_bytes - memory_total_bytes))
    return None
