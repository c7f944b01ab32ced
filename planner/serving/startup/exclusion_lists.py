"""The note where a vLLM release reads a checkpoint's exclusion list (the modules it keeps
16-bit) from another key than the newest release does, so keeps other modules 16-bit than the
plan's weights do: FP8's modules_to_not_convert before 0.10.1, a config.json ModelOpt config's
ignore / exclude_modules before 0.33 (QuantSpec.older_exclusions; the keys per method and
release: config.quant.EXCLUSION_KEYS, MODELOPT_KEYS_BEFORE)."""

from planner.model.quant import QuantScheme, stored_format
from planner.model.spec import ModelSpec
from planner.serving.vllm_versions import Version, version_label


def _shown(key: str | None, modules: tuple[str, ...]) -> str:
    """A list in the note: its key and length ("ignored_layers, empty")."""
    count = f"{len(modules)} module{'s' * (len(modules) != 1)}" if modules else "empty"
    return f"{key}, {count}" if key else "no list"


def exclusion_list_note(spec: ModelSpec, scheme: QuantScheme, version: Version) -> str | None:
    """Where vLLM `version` keeps other modules 16-bit than the plan (its exclusion list is
    another key's: QuantSpec.release_exclusions), what each reads; None where they agree or
    the checkpoint is not planned as stored (a what-if has no list)."""
    quant = spec.quant
    if quant is None or not quant.older_exclusions or not stored_format(spec, scheme):
        return None
    key, modules = quant.release_exclusions(version)
    until = quant.older_exclusions[-1].until
    newest_key, newest = quant.release_exclusions(until)
    if set(modules) == set(newest):
        return None
    return (f"vLLM {version_label(version)} reads this {quant.method} checkpoint's exclusion list "
            f"from {_shown(key, modules)}; vLLM {version_label(until)} and later read "
            f"{_shown(newest_key, newest)}. The weights here keep the "
            f"latter's modules 16-bit, as those releases build them: vLLM "
            f"{version_label(version)} keeps only the former's, so its weights differ by the "
            "modules the two lists do not share (16-bit against the checkpoint's format).")
