"""vLLM's `vllm serve` command line per release, to check every command Headroom prints.

The fixtures in planner/serving/vllm_cli/ (one small JSON per vLLM release) are extracted from
the release's wheel by tools/extract_vllm_cli.py, statically (ast, nothing installed): the
flags, the choices of --kv-cache-dtype / --quantization / --dtype / --block-size /
--moe-backend / --all2all-backend (vLLM's Literal types CacheDType, QuantizationMethods,
ModelDType, BlockSize up to 0.17.0, MoEBackend from 0.17.0, All2AllBackend from 0.11.1:
planner.serving.all2all) and
each --quantization method's minimum compute capability (get_min_capability()), and the
registry's model classes (`architectures`) and the ones it serves through its Transformers
backend (`transformers_architectures`), those of either that take EPLB
(`eplb_architectures`), and the model types whose config vLLM reads with a
class of its own (`config_model_types`), the type it reads for a config.json without one
(`architecture_model_types`), and the lowest transformers its wheel allows
(`transformers_min`), the registry's pooling models (`pooling_architectures`) and the runner
vLLM gives an architecture by its name (`runner_defaults`); transformers-X.json holds that
transformers release's model types and tokenizer classes
(tools/extract_transformers_model_types.py). One fixture per minor release (x.y.0) from 0.11
on, and 0.11.1's, whose parser is not 0.11.0's (--block-size 256, --kv-cache-dtype
fp8_ds_mla, --nnodes, transformers >= 4.56.0; the 0.11.2
wheel's fixture is 0.11.1's but for its name), and 0.15.1's and 0.22.1's, whose registries add
a model class (Step3p5ForCausalLM, MellumForCausalLM: remote_code_note); before 0.11 one per
patch release, whose engine oracles differ (planner.serving.v1_oracle). The other patch
releases' wheels were extracted and compared: 0.14.1, 0.17.1, 0.18.1, 0.19.1, 0.20.1,
0.20.2, 0.25.1 and 0.27.1 give their x.y.0's fixture.
Like the bundled catalog, they are package data.
"""

import json
import re
import shlex
import sys
from functools import cache, lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from planner.model.attention.kvformat import KV_FORMATS
from planner.text import shortened
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
    architectures: frozenset[str]
    """model_executor/models/registry.py: _TEXT_GENERATION_MODELS and _MULTIMODAL_MODELS."""
    transformers_architectures: frozenset[str]
    """registry.py _TRANSFORMERS_SUPPORTED_MODELS (0.10.1 on; none before): vLLM serves them
    through its Transformers backend, with no code from the repository."""
    config_model_types: frozenset[str]
    """transformers_utils/config.py _CONFIG_REGISTRY: model types vLLM reads with its own
    config class."""
    architecture_model_types: dict[str, str]
    """transformers_utils/config.py _ARCHITECTURE_TO_MODEL_TYPE (0.32.0 on; empty before): the
    model_type HFConfigParser.parse reads, by architectures[0], for a config.json that has
    none; it then builds transformers' class for that type (CONFIG_MAPPING), no remote code."""
    transformers_min: str
    """The lowest transformers the wheel's METADATA allows (Requires-Dist: transformers>=X)."""
    previously_supported: dict[str, str] = {}
    """registry.py _PREVIOUSLY_SUPPORTED_MODELS (0.10.0 on; empty before): architectures the
    release dropped, each with the last release vLLM says served it."""
    oot_supported: dict[str, str] = {}
    """registry.py _OOT_SUPPORTED_MODELS (0.19.0 on; empty before): architectures moved out of
    tree, each with the URL of the plugin that serves them."""
    pooling_architectures: dict[str, str] = {}
    """registry.py's pooling tables (_EMBEDDING_MODELS, _CROSS_ENCODER_MODELS, ..., from
    0.18.0 _REWARD_MODELS, _SEQUENCE_CLASSIFICATION_MODELS ...): each key with the table that
    names it (planner.serving.pooling)."""
    runner_defaults: tuple[tuple[str, str], ...] = ()
    """config/model.py _SUFFIX_TO_DEFAULTS (0.10.1 on; none before): (suffix, runner) in
    vLLM's order, the runner of an architecture the registry lacks."""
    eplb_architectures: frozenset[str] = frozenset()
    """The registry's architectures (its own and the Transformers backend's) whose model class
    subclasses MixtureOfExperts: the ones vLLM runs --enable-eplb for (planner.serving.eplb)."""

    def serves(self, architectures: tuple[str, ...]) -> bool:
        """False when none of `architectures` has a model class of the release's own (True
        when none is given)."""
        return not architectures or self.built(architectures) is not None

    def built(self, architectures: tuple[str, ...], transformers: bool = False) -> str | None:
        """The first of `architectures` (config.json's order) with a model class of the
        release's own, the one vLLM builds; `transformers`: or one its Transformers backend
        lists. None where there is none."""
        served = self.architectures | self.transformers_architectures if transformers \
            else self.architectures
        return next((a for a in architectures if a in served), None)

    def native(self, architectures: tuple[str, ...]) -> bool:
        """Whether the release loads one of `architectures` with no code from the repository:
        its own model class or its Transformers backend's listed ones."""
        return self.serves(architectures) or any(
            a in self.transformers_architectures for a in architectures)

    def unsupported_error(self, architectures: tuple[str, ...]) -> tuple[str, str | None] | None:
        """(vLLM's error, the last release that served it) where the release dropped one of
        `architectures` or moved it out of tree (the release is None there: a plugin serves
        it); None where neither table names any.

        NOTE: ModelRegistry._raise_for_unsupported (model_executor/models/registry.py, read in
        every release 0.9.1-0.34.0), reached where neither the registry nor the Transformers
        backend serves the config: from 0.10.1 it raises for the first of `architectures` in
        either table, the removed one tried first, in these words (the out-of-tree table and
        its sentence arrive in 0.19.0). 0.10.0 has the table (Phi3SmallForCausalLM) but reads
        it only in model_loader/utils.py get_model_architecture, in other words ("until
        version 0.9.2"): None there, as before 0.10.0.
        """
        if _release(self.vllm_version) < (0, 10, 1):
            return None
        for arch in architectures:
            if arch in self.previously_supported:
                last = self.previously_supported[arch]
                return (f"Model architecture {arch} was supported in vLLM until v{last}, and "
                        "is not supported anymore. Please use an older version of vLLM if you "
                        "want to use this model architecture.", last)
            if arch in self.oot_supported:
                return (f"Model architecture {arch} is not supported in-tree anymore. Please "
                        f"install the plugin at {self.oot_supported[arch]} if you want to use "
                        "this model architecture.", None)
        return None

    def accepts(self, flag: str, value: str | None = None) -> bool:
        """True when `vllm serve` of this release takes `flag` (and `value`, if it has choices).

        NOTE: vLLM registers its boolean config fields with argparse.BooleanOptionalAction,
        which adds `--no-<flag>` beside `--<flag>`; the fixture lists only the `--<flag>` form.
        """
        if flag not in self.flags and not (flag.startswith("--no-")
                                           and "--" + flag[5:] in self.flags):
            return False
        return value is None or flag not in self.choices or value in self.choices[flag]


def release_numbers(version: str) -> tuple[int, int, int] | None:
    """(major, minor, patch) of a vLLM version as pip and `vllm --version` print it: 'v0.21',
    '0.20.2', a post release '0.10.1.1' or '0.6.1.post1' (PEP 440; a fix of the release: its
    rules), a local build label '0.11.0+cu128' (the same release); None for anything else (a
    pre-release '0.12.0rc1' or '0.12.0.dev3', a word)."""
    parts = re.sub(r"\.?post\d+$", "", version.strip().lstrip("v").split("+", 1)[0]).split(".")
    # ASCII digits only: str.isdigit also takes '²' (int() then raises) and '٣' (read as 3)
    if not 2 <= len(parts) <= 4 or not all(part.isascii() and part.isdigit() for part in parts):
        return None
    numbers = [int(part) for part in parts]
    return numbers[0], numbers[1], numbers[2] if len(numbers) > 2 else 0


def _release(version: str) -> tuple[int, int, int]:
    numbers = release_numbers(version)
    if numbers is None:
        raise VllmCliError(f"vLLM version {version!r} is not like '0.21' or '0.33.0'")
    return numbers


@cache
def _fixtures() -> dict[tuple[int, int, int], VllmCli]:
    found = {}
    for path in sorted(FIXTURE_DIR.glob("vllm-*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        cli = VllmCli(vllm_version=data["vllm_version"], flags=frozenset(data["flags"]),
                      choices={k: tuple(v) for k, v in data["choices"].items()},
                      quantization_min_capability=data["quantization_min_capability"],
                      architectures=frozenset(data["architectures"]),
                      transformers_architectures=frozenset(data["transformers_architectures"]),
                      config_model_types=frozenset(data["config_model_types"]),
                      architecture_model_types=data["architecture_model_types"],
                      transformers_min=data["transformers_min"],
                      previously_supported=data["previously_supported"],
                      oot_supported=data["oot_supported"],
                      pooling_architectures=data["pooling_architectures"],
                      runner_defaults=tuple(map(tuple, data["runner_defaults"])),
                      eplb_architectures=frozenset(data["eplb_architectures"]))
        found[_release(cli.vllm_version)] = cli
    return dict(sorted(found.items()))


def first_serving_release(architectures: tuple[str, ...]) -> str | None:
    """The oldest release Headroom covers whose registry has a model class of its own for one
    of `architectures` (VllmCli.serves); None where none has. The table is the fixtures: each
    release's `architectures`, extracted from its wheel's model_executor/models/registry.py
    (tools/extract_vllm_cli.py)."""
    return next((cli.vllm_version for cli in _fixtures().values()
                 if architectures and cli.serves(architectures)), None)


def unserved_refusal(architectures: tuple[str, ...], cli: VllmCli,
                     label: str | None = None) -> str | None:
    """One line where release `cli` (named `label`: a patch release its fixture stands for)
    has no model class for any of `architectures` (nor its Transformers backend's list) and a
    later release's registry has one; None otherwise.

    NOTE: ModelRegistry.inspect_model_cls (model_executor/models/registry.py, read in 0.11.0,
    0.16.0, 0.19.0 and 0.34.0) then tries the Transformers backend (_try_resolve_transformers):
    transformers' own class, or auto_map's with --trust-remote-code, else it raises "Model
    architectures [...] are not supported for now". Headroom does not model that backend's
    memory, so it plans none of these (as v1_oracle.uncovered_reason before 0.11). For the
    catalog's architectures the fallback has nothing to load in the pinned dependencies
    anyway: the wheels 0.11.1-0.19.0 require transformers<5 (METADATA Requires-Dist), and
    neither 4.56.0 nor 4.57.6 has a config class for qwen3_5, qwen3_5_moe, gemma4,
    glm_moe_dsa, kimi_k25, mimo_v2_flash, minimax_m2 or deepseek_v4 (configuration_auto.py),
    nor has the release's own _CONFIG_REGISTRY before its first registry entry."""
    first = first_serving_release(architectures)
    if first is None or cli.native(architectures) or _release(first) < _release(
            cli.vllm_version):
        return None
    names = ", ".join(architectures)
    return (f"vLLM {label or cli.vllm_version} has no model class for {names} (its model_executor/"
            f"models/registry.py; the first release whose registry has it is {first}): it "
            "would try its Transformers backend, which Headroom does not model; plan it with "
            f"vLLM {first} or later")


@cache
def _transformers(version: str) -> dict:
    return json.loads((FIXTURE_DIR / f"transformers-{version}.json").read_text("utf-8"))


@cache
def transformers_model_types(version: str) -> frozenset[str]:
    """The model types transformers `version` has a config class for (CONFIG_MAPPING_NAMES):
    transformers-X.json, from tools/extract_transformers_model_types.py."""
    return frozenset(_transformers(version)["model_types"])


def transformers_base_model_class(version: str, model_type: str) -> str | None:
    """transformers `version`'s base model class for `model_type` (MODEL_MAPPING_NAMES, llama:
    LlamaModel), None where it has none: transformers-X.json, from the same tool."""
    return _transformers(version)["base_model_classes"].get(model_type)


@cache
def transformers_tokenizer_classes(version: str) -> frozenset[str]:
    """The tokenizer classes transformers `version` names in TOKENIZER_MAPPING_NAMES (the ones
    AutoTokenizer finds with no remote code): transformers-X.json, from the same tool."""
    return frozenset(_transformers(version)["tokenizer_classes"])


@cache
def transformers_remote_tokenizer_skipped(version: str, trusted: bool) -> frozenset[str]:
    """The model types whose tokenizer_config.json auto_map transformers `version`'s
    AutoTokenizer drops (5.x MODELS_WITH_INCORRECT_HUB_TOKENIZER_CLASS; none in 4.x): without
    trust_remote_code every one; with it (`trusted`) only where the release's test ignores the
    flag (5.5.3; 5.10.4 and 5.16.1 test 'trust_remote_code is not True'). transformers-X.json,
    from the same tool."""
    data = _transformers(version)
    return frozenset(data["remote_tokenizer_skipped"]
                     if not trusted or data["remote_tokenizer_skipped_with_flag"] else ())


def supported_versions() -> tuple[str, ...]:
    """The vLLM releases with a fixture, oldest first."""
    return tuple(cli.vllm_version for cli in _fixtures().values())


@cache
def vllm_cli(version: str) -> VllmCli:
    """The fixture of a release: the newest of its minor release up to its patch ('0.21' and
    '0.21.1' -> 0.21.0; '0.11.2' -> 0.11.1; '0.10.2' -> 0.10.2, '0.9.3' -> 0.9.2)."""
    wanted = _release(version)
    found = [cli for release, cli in _fixtures().items()
             if release[:2] == wanted[:2] and release <= wanted]
    if not found:
        raise VllmCliError(
            f"no vLLM {version} command-line fixture; supported: {', '.join(supported_versions())}"
            " (add one with tools/extract_vllm_cli.py)")
    return found[-1]


def unrecognized_flag(flag: str, cli: VllmCli) -> str | None:
    """vLLM `cli.vllm_version`'s parser's refusal of a flag it does not have, in argparse's
    words, with the first release (of the fixtures) that has it; None when it has it."""
    if cli.accepts(flag):
        return None
    later = [v for v in supported_versions()
             if _release(v) > _release(cli.vllm_version) and vllm_cli(v).accepts(flag)]
    arrives = f" (the flag arrives in vLLM {later[0]})" if later else ""
    return f"vLLM {cli.vllm_version}: unrecognized arguments: {flag}{arrives}"


def command_problems(command: str, cli: VllmCli) -> list[str]:
    """What `vllm serve` of this release would refuse in `command`, in argparse's words.

    A small argparse-like check: `vllm serve MODEL` then options; an option is known, and a
    value of an option with choices is one of them. `[]` when the command parses.
    """
    tokens = _words(command)
    if tokens[:2] != ("vllm", "serve") or len(tokens) < 3 or tokens[2].startswith("-"):
        return ["not a `vllm serve MODEL ...` command"]
    problems = []
    for flag, value in _options(tokens[3:]):
        if not flag.startswith("-"):
            problems.append(f"unrecognized arguments: {flag}")
        elif not cli.accepts(flag):
            problems.append(f"vLLM {cli.vllm_version}: unrecognized arguments: {flag}")
        elif not cli.accepts(flag, value or None):
            problems.append(invalid_choice(cli, flag, value))
        else:
            try:
                read_value(value, flag, cli.vllm_version)
            except ValueError as exc:
                problems.append(f"vLLM {cli.vllm_version}: argument {flag}: {exc}")
    return problems


def _options(words: tuple[str, ...]) -> list[tuple[str, str]]:
    """The (flag, value) pairs of the words after `vllm serve MODEL`, as argparse pairs them:
    `--flag=value`, `--flag value`, a flag with no value (''), a stray word with none."""
    pairs, i = [], 0
    while i < len(words):
        flag, _, value = words[i].partition("=")
        i += 1
        if flag.startswith("-") and not value and i < len(words) and not (
                words[i].startswith("-")):
            value = words[i]
            i += 1
        pairs.append((flag, value))
    return pairs


def option_values(command: str, cli: VllmCli) -> dict[str, int | float | str]:
    """The values `vllm serve` of this release reads from `command`'s options (read_value; the
    last of a repeated flag, as argparse keeps it), '' for a flag without a value: what the
    launch command passes, to hold against what was planned. ValueError where the parser
    refuses one (command_problems says which)."""
    return {flag: read_value(value, flag, cli.vllm_version)
            for flag, value in _options(_words(command)[3:]) if flag.startswith("-")}


def read_value(text: str, flag: str, version: str) -> int | float | str:
    """`text` as `vllm serve` of `version` reads `flag`'s value: a count (COUNT_FLAGS,
    read_count), a float (FLOAT_FLAGS: Python's float(), argparse's words where it refuses), or
    the text as given. ValueError (CountError for a count) where the parser refuses it."""
    if flag in COUNT_FLAGS:
        return read_count(text, flag, version)
    if flag in FLOAT_FLAGS:
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"invalid float value: {shortened(text)!r}") from None
    return text


HUMAN_READABLE_FLAGS = frozenset({"--max-model-len", "--max-num-batched-tokens",
                                  "--kv-cache-memory-bytes"})
"""The `vllm serve` counts vLLM reads with human_readable_int ('32k'); its other integer flags
(--max-num-seqs, --tensor-parallel-size, --block-size, ...) are argparse type=int.

NOTE: vllm/engine/arg_utils.py _compute_kwargs: max_model_len and max_num_batched_tokens in
the 0.9.1-0.10.1 wheels, kv_cache_memory_bytes added with the flag in 0.10.2; the same three
(and flags Headroom does not write) in every later wheel read, to 0.33.0."""
COUNT_FLAGS = HUMAN_READABLE_FLAGS | {"--max-num-seqs", "--block-size", "--tensor-parallel-size",
                                      "--pipeline-parallel-size", "--data-parallel-size"}
"""The integer flags Headroom writes into `vllm serve` (planner.serving.launch), whose values
command_problems reads as the release does (read_count)."""
FLOAT_FLAGS = frozenset({"--gpu-memory-utilization", "--video-pruning-rate"})
"""The float flags Headroom writes into `vllm serve` (planner.serving.launch, video_pruning;
planner.units.number_as_given writes their values), which vLLM's parser reads with argparse
`type=float`: engine/arg_utils.py builds a float config field's argument with
`kwargs[name]["type"] = float` (get_kwargs `contains_type(type_hints, float)`; 0.9.1, 0.19.0 and
0.34.0 wheels read; CacheConfig.gpu_memory_utilization, MultiModalConfig.video_pruning_rate).
Headroom writes no other float: --cpu-offload-gb, --swap-space and --kv-offloading-size are
never passed, --kv-cache-memory-bytes is a count, the --speculative-config, --eplb-config,
--limit-mm-per-prompt and --mm-processor-kwargs JSON hold strings and whole numbers, and
--hf-overrides passes the user's JSON text as given (vLLM json.loads the text Headroom
planned from)."""
T_SUFFIX_FROM = (0, 13, 0)
"""human_readable_int reads t / T (x 10**12 / x 2**40) from vLLM 0.13.0. Before, its regex
matches them but neither multiplier table holds them, so `int(value)` refuses the text
(engine/arg_utils.py human_readable_int, 0.9.1-0.12.0 wheels; vllm/utils/argparse_utils.py
from 0.20)."""
MAX_MODEL_LEN_AUTO_FROM = (0, 14, 0)
"""--max-model-len takes 'auto' or -1 from vLLM 0.14.0 (human_readable_int_or_auto): the
longest length the KV cache holds, fitted at start-up (v1/core/kv_cache_planning.py
_auto_fit_max_model_len in 0.33.0)."""
_SUFFIXED = re.compile(r"(\d+(?:\.\d+)?)([kKmMgGtT])")
"""human_readable_int's pattern (fullmatch, after strip)."""


class CountError(ValueError):
    """A count vLLM's parser refuses (one-line message)."""


def read_count(text: str, flag: str | None = None, version: str | None = None) -> int:
    """`text` as `vllm serve` of `version` (default: the newest covered) reads `flag`'s value:
    human_readable_int for HUMAN_READABLE_FLAGS and for Headroom's own counts (flag None),
    int() for vLLM's other integer flags. CountError for text that parser refuses, and for
    --max-model-len auto / -1, which Headroom does not plan.

    human_readable_int (0.33.0 vllm/utils/argparse_utils.py; the same rule in every covered
    release, t / T from T_SUFFIX_FROM): after strip, digits with an optional fraction and one
    suffix; lower-case decimal, int(float(number) x 10**3 per step: '25.6k' = 25,600,
    '1.0005k' = 1,000); upper-case binary, whole numbers only ('1K' = 1,024, '1.5K' refused);
    anything else int(): '32768', '+8', '1_000', never '1.0'.
    """
    release = _release(version or supported_versions()[-1])
    value, shown = text.strip(), repr(shortened(text))
    if flag == "--max-model-len" and (value == "-1" or value.lower() == "auto"):
        if release >= MAX_MODEL_LEN_AUTO_FROM:
            raise CountError(
                f"{shown} (vLLM 0.14+: the longest length the KV cache holds, fitted at "
                "start-up) is not planned here: give a length (the plan's context ceiling is "
                "the longest that fits)")
    elif flag is None or flag in HUMAN_READABLE_FLAGS:
        match = _SUFFIXED.fullmatch(value)
        if match and (match[2] not in "tT" or release >= T_SUFFIX_FROM):
            number, suffix = match.groups()
            step = "kmgt".index(suffix.lower()) + 1
            if suffix.islower():
                try:
                    return int(float(number) * 10 ** (3 * step))
                except OverflowError:  # vLLM's parser raises it too (a traceback there)
                    raise CountError(f"{shown} is too large a count") from None
            if "." in number:
                raise CountError(f"{shown}: no fraction with a binary suffix ({suffix} = x "
                                 f"{1024 ** step:,}); {number}{suffix.lower()} is x "
                                 f"{1000 ** step:,}")
            return whole_number(number, shown) * 1024 ** step
    try:
        return whole_number(value, shown)
    except CountError:
        raise
    except ValueError:  # not digits: refused below in the words of the flag's parser
        pass
    if flag is not None and flag not in HUMAN_READABLE_FLAGS:
        raise CountError(f"{shown} is not a whole number (vLLM reads {flag} as a plain "
                         "integer: no suffix, no fraction)")
    units = ("k, m, g, t (x 1000 per step: 25.6k) or K, M, G, T (x 1024 per step, whole: 32K)"
             if release >= T_SUFFIX_FROM else "k, m, g (x 1000 per step: 25.6k) or K, M, G (x "
             f"1024 per step, whole: 32K; vLLM {'.'.join(map(str, release))} has no t / T)")
    raise CountError(f"{shown} is not a count: a whole number, or a number with a suffix {units}")


def whole_number(digits: str, shown: str) -> int:
    """int(digits), as vLLM's parser reads a count; CountError where the digits pass the limit
    Python sets on int() of a string (sys.get_int_max_str_digits(), 4,300 by default), which
    raises ValueError in vLLM's parser too: the count is too large, not malformed."""
    try:
        return int(digits)
    except ValueError:
        bare = digits.lstrip("+-").replace("_", "")
        if bare.isdigit() and len(bare) > sys.get_int_max_str_digits() > 0:
            raise CountError(f"{shown} is too large a count ({len(bare):,} digits, past the "
                             f"{sys.get_int_max_str_digits():,} Python's int() reads)") from None
        raise


def invalid_choice(cli: VllmCli, flag: str, value: str) -> str:
    """The release's parser refusing `value`, not among `flag`'s choices, in argparse's words."""
    # argparse prints repr(): quoted strings, bare ints (--block-size, type=int)
    word = "{}" if all(c.isdigit() for c in cli.choices[flag]) else "'{}'"
    allowed = ", ".join(word.format(c) for c in cli.choices[flag])
    return (f"vLLM {cli.vllm_version}: argument {flag}: invalid choice: "
            f"{word.format(shortened(value))} "
            f"(choose from {allowed})")


def choice_refusal(cli: VllmCli, flag: str, value: str) -> str | None:
    """vLLM `cli.vllm_version`'s parser refusing `value` for `flag` (invalid_choice), with the
    newest release (of the fixtures) whose parser takes it; None when this one takes it."""
    if cli.accepts(flag, value):
        return None
    taking = [v for v in supported_versions() if vllm_cli(v).accepts(flag, value)]
    hint = (f"; vLLM {taking[-1]} is the newest release Headroom covers that takes it "
            f"(--vllm-version {taking[-1]})") if taking else ""
    return invalid_choice(cli, flag, value) + hint


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
