"""The notes where a vLLM release keeps other modules 16-bit than the plan's weights do, which
follow the newest release: where it reads a checkpoint's exclusion list (the modules it keeps
16-bit) from another key (FP8's modules_to_not_convert before 0.10.1, a config.json ModelOpt
config's ignore / exclude_modules before 0.33: QuantSpec.older_exclusions; the keys per method
and release: config.quant.EXCLUSION_KEYS, MODELOPT_KEYS_BEFORE), and where it matches a
ModelOpt list's 'X*' entries whole (exclusion_match.mapper_splits)."""

from collections.abc import Callable

from planner.model.exclusion_match import (
    MAPPER_FROM,
    SPLIT_FROM,
    WRAPPER_READ_FROM,
    WRAPPER_ROOT,
    mapper_splits,
    split_entry,
    wrapper_read,
)
from planner.model.params import count_params
from planner.model.quant import (
    KEPT_BITS,
    QuantScheme,
    checkpoint_formats,
    list_keeps,
    model_keeps_16bit,
    stored_format,
)
from planner.model.spec import ModelSpec, QuantSpec
from planner.serving.vllm_versions import Version, version_label
from planner.serving.weights import quantized_params
from planner.units import gib_text


def _shown(key: str | None, modules: tuple[str, ...]) -> str:
    """A list in the note: its key and length ("ignored_layers, empty")."""
    count = f"{len(modules)} module{'s' * (len(modules) != 1)}" if modules else "empty"
    return f"{key}, {count}" if key else "no list"


def exclusion_list_note(spec: ModelSpec, scheme: QuantScheme, version: Version) -> str | None:
    """Where vLLM `version` keeps other modules 16-bit than the plan (its exclusion list is
    another key's: QuantSpec.release_exclusions), what each reads; None where they agree or
    the checkpoint is not planned as stored (a what-if has no list)."""
    quant = spec.quant
    lists = _other_list(quant, version) if quant is not None else None
    if lists is None or not stored_format(spec, scheme):
        return None
    (key, modules), (newest_key, newest) = lists
    until = quant.older_exclusions[-1].until
    return (f"vLLM {version_label(version)} reads this {quant.method} checkpoint's exclusion list "
            f"from {_shown(key, modules)}; vLLM {version_label(until)} and later read "
            f"{_shown(newest_key, newest)}. The weights here keep the "
            f"latter's modules 16-bit, as those releases build them: vLLM "
            f"{version_label(version)} keeps only the former's, so its weights differ by the "
            "modules the two lists do not share (16-bit against the checkpoint's format).")


def _other_list(quant: QuantSpec, version: Version
                ) -> tuple[tuple[str | None, tuple[str, ...]],
                           tuple[str | None, tuple[str, ...]]] | None:
    """(key, modules) of the list vLLM `version` reads and of the newest releases' where the
    two differ (QuantSpec.older_exclusions); None where they agree."""
    if not quant.older_exclusions:
        return None
    read = quant.release_exclusions(version)
    newest = quant.release_exclusions(quant.older_exclusions[-1].until)
    return None if set(read[1]) == set(newest[1]) else (read, newest)


def mapper_split_note(spec: ModelSpec, scheme: QuantScheme, version: Version) -> str | None:
    """Where vLLM `version` reads this ModelOpt checkpoint's 'X*' entries whole (exclusion_match.
    mapper_splits) or its entries rooted at a multimodal wrapper as naming no layer
    (wrapper_read), and so keeps other layers 16-bit than the weights, which follow the newest
    release: those layers and the bytes they add (quant.list_keeps), per layer and component
    the kept share's change x its quantized parameters (weights.quantized_params) x (16 - its
    planned bits) / 8, summed over the model before any TP / PP split. None where the two
    releases keep the same, and where `version` reads another list (a config.json's ignore /
    exclude_modules: exclusion_list_note says so; these figures count the newest list)."""
    quant = spec.quant
    if quant is None or quant.method != "modelopt" or not stored_format(spec, scheme) or \
            _other_list(quant, version):
        return None
    reasons = _reasons(spec, version)
    if not reasons:
        return None
    release, planned = list_keeps(spec, version), list_keeps(spec, None)
    changed = sorted(k for k in {*release, *planned} if release.get(k) != planned.get(k))
    if not changed:
        return None
    params = count_params(spec)
    formats = checkpoint_formats(spec, scheme)
    extra_bytes = 0.0
    for i, component in changed:
        bits = KEPT_BITS if model_keeps_16bit(spec, component) else formats.bits(
            i, component) if formats else scheme.bits_for(component)
        share = sum(release.get((i, component), {}).values()) - sum(
            planned.get((i, component), {}).values())
        extra_bytes += share * quantized_params(spec, params, i, component) * (
            KEPT_BITS - bits) / 8
    changes = " and ".join(f"{verb} {modules}" for verb, modules in (
        ("keeps 16-bit", _modules(changed, release, planned)),
        ("quantizes", _modules(changed, planned, release))) if modules)
    more = round(extra_bytes)
    size = (f"{abs(more):,} B ({gib_text(abs(more))}) {'more' if more > 0 else 'less'} weight "
            "than planned" if more else "as many weight bytes as planned")
    return (f"vLLM {version_label(version)} reads this ModelOpt checkpoint's exclusion list "
            f"otherwise than the weights here, which follow the newest releases: "
            f"{'; and '.join(reasons)}. So, unlike the weights here, vLLM "
            f"{version_label(version)} {changes}: {size}, across the model before any TP / PP "
            "split.")


def _reasons(spec: ModelSpec, version: Version) -> list[str]:
    """What vLLM `version` reads otherwise than the newest release in a ModelOpt list on this
    model: 'X*' whole (mapper_splits), WRAPPER_ROOT entries as no layer (wrapper_read)."""
    arch = spec.architectures[0] if spec.architectures else ""
    reasons = []
    if mapper_splits(spec, version) != mapper_splits(spec):
        since = version_label(max(MAPPER_FROM[arch], SPLIT_FROM))
        reasons.append(f"it matches {_entries(spec, split_entry)} as written, where vLLM "
                       f"{since} and later (apply_vllm_mapper's split and an hf_to_vllm_mapper "
                       f"on {arch}) read each such 'X*' as 'X' and 'X.*'")
    if wrapper_read(spec, version) != wrapper_read(spec):
        since = version_label(WRAPPER_READ_FROM[arch])
        reasons.append(f"{_entries(spec, lambda e: e.startswith(WRAPPER_ROOT))}, rooted at "
                       f"'{WRAPPER_ROOT}', name no layer it builds, where vLLM {since} and "
                       f"later read them as {arch}'s text layers (hf_to_vllm_mapper renames "
                       "that root)")
    return reasons


def _entries(spec: ModelSpec, chosen: Callable[[str], bool]) -> str:
    """The checkpoint list's entries that `chosen` picks, quoted, the first two and how many
    more ("'*mlp.gate*'", "'a*', 'b*' and 3 more")."""
    entries = [f"'{e}'" for e in spec.quant.excluded_modules if chosen(e)]
    shown = ", ".join(entries[:2])
    return f"{shown} and {len(entries) - 2} more" if len(entries) > 2 else shown


def _modules(changed: list[tuple[int, str]], kept: dict[tuple[int, str], dict[str, float]],
             other: dict[tuple[int, str], dict[str, float]]) -> str:
    """The modules `kept` holds 16-bit in `changed` and `other` does not, by name with the
    layer index left out, those of the same layers together ("mlp.gate_proj, mlp.up_proj in
    layers 0-27"); a component kept whole by its name ("attention in layer 3")."""
    by_name: dict[str, list[int]] = {}
    for i, component in changed:
        theirs = other.get((i, component), {})
        for module in kept.get((i, component), {}):
            if module not in theirs:
                name = module.split(f"layers.{i}.", 1)[-1] if module else component
                by_name.setdefault(name, []).append(i)
    by_layers: dict[str, list[str]] = {}
    for name, found in by_name.items():
        by_layers.setdefault(_layers(found), []).append(name)
    return "; ".join(f"{', '.join(names)} in {layers}" for layers, names in by_layers.items())


def _layers(indices: list[int]) -> str:
    """Layer indices in words, runs joined ("layers 0-3, 7")."""
    runs: list[list[int]] = []
    for i in sorted(set(indices)):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    words = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)
    return f"layer{'s' * (len(indices) > 1)} {words}"
