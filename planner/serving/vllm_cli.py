"""vLLM's `vllm serve` command line per release, to check every command Headroom prints.

The fixtures in planner/serving/vllm_cli/ (one small JSON per vLLM release) are extracted from
the release's wheel by tools/extract_vllm_cli.py, statically (ast, nothing installed): the
flags, the choices of --kv-cache-dtype / --quantization / --dtype / --block-size (vLLM's
Literal types CacheDType, QuantizationMethods, ModelDType, and BlockSize up to 0.17.0) and
each --quantization method's minimum compute capability (get_min_capability()); the fixtures
of releases before 0.11 also list the registry's model classes (`architectures`). One fixture
per minor release (x.y.0) from 0.11 on; before it one per patch release, whose engine oracles
differ (planner.serving.v1_oracle).
Like the bundled catalog, they are package data.
"""

import json
import shlex
from functools import cache, lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from planner.model.attention.kvformat import KV_FORMATS
from planner.units import KV_DTYPE_BYTES, VLLM_KV_DTYPE

FIXTURE_DIR = Path(__file__).resolve().parent / "vllm_cli"


class VllmCliError(ValueError):
    """A vLLM version Headroom has no command-line fixture for (one-line message)."""


class VllmCli(BaseModel):
    """The `vllm serve` flags and choices of one vLLM release."""

    model_config = ConfigDict(frozen=True)

    vllm_version: str
    flags: frozenset[str]
    choices: dict[str, tuple[str, ...]]
    quantization_min_capability: dict[str, int]
    architectures: frozenset[str] | None = None

    def serves(self, architectures: tuple[str, ...]) -> bool:
        """False when the fixture lists the release's model classes and none of
        `architectures` is among them (True when it does not list them, or none is given)."""
        return (self.architectures is None or not architectures
                or any(a in self.architectures for a in architectures))

    def accepts(self, flag: str, value: str | None = None) -> bool:
        """True when `vllm serve` of this release takes `flag` (and `value`, if it has choices).

        NOTE: vLLM registers its boolean config fields with argparse.BooleanOptionalAction,
        which adds `--no-<flag>` beside `--<flag>`; the fixture lists only the `--<flag>` form.
        """
        if flag not in self.flags and not (flag.startswith("--no-")
                                           and "--" + flag[5:] in self.flags):
            return False
        return value is None or flag not in self.choices or value in self.choices[flag]


def _release(version: str) -> tuple[int, int, int]:
    parts = version.strip().lstrip("v").split(".")
    try:
        return (int(parts[0]), int(parts[1]) if len(parts) > 1 else 0,
                int(parts[2]) if len(parts) > 2 else 0)
    except ValueError:
        raise VllmCliError(f"vLLM version {version!r} is not like '0.21' or '0.33.0'") from None


@cache
def _fixtures() -> dict[tuple[int, int, int], VllmCli]:
    found = {}
    for path in sorted(FIXTURE_DIR.glob("vllm-*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        archs = data.get("architectures")
        cli = VllmCli(vllm_version=data["vllm_version"], flags=frozenset(data["flags"]),
                      choices={k: tuple(v) for k, v in data["choices"].items()},
                      quantization_min_capability=data["quantization_min_capability"],
                      architectures=frozenset(archs) if archs is not None else None)
        found[_release(cli.vllm_version)] = cli
    return dict(sorted(found.items()))


def supported_versions() -> tuple[str, ...]:
    """The vLLM releases with a fixture, oldest first."""
    return tuple(cli.vllm_version for cli in _fixtures().values())


@cache
def vllm_cli(version: str) -> VllmCli:
    """The fixture of a release: the newest of its minor release up to its patch ('0.21' and
    '0.21.1' -> 0.21.0; '0.10.2' -> 0.10.2, '0.9.3' -> 0.9.2)."""
    wanted = _release(version)
    found = [cli for release, cli in _fixtures().items()
             if release[:2] == wanted[:2] and release <= wanted]
    if not found:
        raise VllmCliError(
            f"no vLLM {version} command-line fixture; supported: {', '.join(supported_versions())}"
            " (add one with tools/extract_vllm_cli.py)")
    return found[-1]


def command_problems(command: str, cli: VllmCli) -> list[str]:
    """What `vllm serve` of this release would refuse in `command`, in argparse's words.

    A small argparse-like check: `vllm serve MODEL` then options; an option is known, and a
    value of an option with choices is one of them. `[]` when the command parses.
    """
    tokens = _words(command)
    if tokens[:2] != ("vllm", "serve") or len(tokens) < 3 or tokens[2].startswith("-"):
        return ["not a `vllm serve MODEL ...` command"]
    problems, i = [], 3
    while i < len(tokens):
        flag, _, value = tokens[i].partition("=")
        i += 1
        if not flag.startswith("-"):
            problems.append(f"unrecognized arguments: {flag}")
            continue
        if not value and i < len(tokens) and not tokens[i].startswith("-"):
            value = tokens[i]
            i += 1
        if not cli.accepts(flag):
            problems.append(f"vLLM {cli.vllm_version}: unrecognized arguments: {flag}")
        elif not cli.accepts(flag, value or None):
            problems.append(invalid_choice(cli, flag, value))
    return problems


def invalid_choice(cli: VllmCli, flag: str, value: str) -> str:
    """The release's parser refusing `value`, not among `flag`'s choices, in argparse's words."""
    # argparse prints repr(): quoted strings, bare ints (--block-size, type=int)
    word = "{}" if all(c.isdigit() for c in cli.choices[flag]) else "'{}'"
    allowed = ", ".join(word.format(c) for c in cli.choices[flag])
    return (f"vLLM {cli.vllm_version}: argument {flag}: invalid choice: {word.format(value)} "
            f"(choose from {allowed})")


@lru_cache(maxsize=512)
def _words(command: str) -> tuple[str, ...]:
    """The command's words as a POSIX shell splits them (shlex, pure Python, takes longer than
    a plan; a sweep checks the same few commands again for every rerun)."""
    return tuple(shlex.split(command))


def kv_cache_dtypes(version: str) -> tuple[str, ...]:
    """The KV cache dtypes Headroom plans for this release: its --kv-cache-dtype choices
    whose size Headroom models (planner.units.KV_DTYPE_BYTES, the packed formats of
    planner.model.attention.kvformat.KV_FORMATS), in Headroom's names: nvfp4 and the int8 /
    fp8 per-token-head formats and turboquant_* from 0.20.0, int4_per_token_head from 0.25.0,
    nvfp4_4over6 from 0.28.0, nvfp4_ds_mla from 0.30.0 (each release's CacheDType)."""
    choices = vllm_cli(version).choices.get("--kv-cache-dtype", ())
    return tuple(kv for kv, spelled in VLLM_KV_DTYPE.items() if spelled in choices
                 and (kv == "auto" or kv in KV_DTYPE_BYTES or kv in KV_FORMATS))


def unmodelled_kv_cache_dtypes(version: str) -> tuple[str, ...]:
    """This release's --kv-cache-dtype choices Headroom does not size (not offered)."""
    modelled = {VLLM_KV_DTYPE[kv] for kv in kv_cache_dtypes(version)}
    return tuple(c for c in vllm_cli(version).choices.get("--kv-cache-dtype", ())
                 if c not in modelled)
