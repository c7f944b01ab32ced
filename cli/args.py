"""Argument parsing for `python -m planner`: subcommands, value checks, one-line errors.

Values are checked here, at the edge, so an absurd number (utilization 1.5, max-model-len 0)
stops with exit code 2 and one line naming the flag, before any planning starts.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shlex
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import NamedTuple, get_args

from cli.parser import BooleanOnce, OneLineParser
from planner.model.config.overrides import HF_OVERRIDE_KEYS, parse_hf_overrides
from planner.model.quant import UnknownSchemeError, resolve_scheme
from planner.model.spec import ConfigError
from planner.serving.engine import checkpoint_name_problem, default_block_words
from planner.serving.eplb import redundant_count_problem
from planner.serving.hardware import (
    HardwareError,
    NetworkSpec,
    NoGpuPresetError,
    UnknownGpuError,
    capability_from_name,
    gpu_preset,
    memory_total_of_gib,
    parse_network,
    pcie_slot_problem,
)
from planner.serving.kv_unsized import unsized_reason
from planner.serving.lora.settings import LORA_DTYPES, MAX_LORA_RANKS
from planner.serving.mm_modes import modality_word
from planner.serving.mm_processor import ProcessorKwargs, parsed_processor_kwargs
from planner.serving.speed import ARRIVALS, ServingLoad
from planner.serving.speed.coefficients import EAGER_LAYER_OVERHEAD_FACTOR
from planner.serving.sweep import OBJECTIVES
from planner.serving.video_pruning import VIDEO_PRUNING_METHODS
from planner.serving.vllm_cli import (
    CountError,
    read_count,
    unmodelled_kv_cache_dtypes,
    whole_number,
)
from planner.serving.vllm_versions import (
    DEFAULT_VLLM_VERSION,
    GRAPHS_SUBTRACTED_FROM,
    version_label,
)
from planner.text import has_control, shortened
from planner.units import MambaCacheMode, MambaDtype, number_as_given
from probes.snapshot import NAME_CHARS

KV_CACHE_DTYPE_ALIASES = {
    "auto": "auto", "bf16": "bf16", "bfloat16": "bf16", "fp16": "fp16", "float16": "fp16",
    "fp32": "fp32", "float32": "fp32", "fp8": "fp8", "fp8_e4m3": "fp8_e4m3",
    "fp8_e5m2": "fp8_e5m2", "nvfp4": "nvfp4", "nvfp4_4over6": "nvfp4_4over6",
    "int8_per_token_head": "int8_per_token_head", "fp8_per_token_head": "fp8_per_token_head",
    "int4_per_token_head": "int4_per_token_head", "turboquant_k8v4": "turboquant_k8v4",
    "turboquant_4bit_nc": "turboquant_4bit_nc", "turboquant_k3v4_nc": "turboquant_k3v4_nc",
    "turboquant_3bit_nc": "turboquant_3bit_nc", "nvfp4_ds_mla": "nvfp4_ds_mla",
}
"""vLLM --kv-cache-dtype spellings -> the planner's KV dtype (every fp8 is one byte; the packed
formats are sized in planner.model.attention.kvformat); whether the targeted vLLM release takes
it is checked against its fixture (planner.serving.vllm_cli)."""

MAX_TOKENS = 1 << 31
"""Upper bound for token counts (max-model-len, batched tokens): beyond any real model."""
MAX_LOAD_TOKENS = next(m.le for m in ServingLoad.model_fields["input_len"].metadata
                       if hasattr(m, "le"))
"""--input-len / --output-len: planner.serving.speed.ServingLoad's own bound (2**24), so a
larger value is refused by its flag, not by the model's field name."""
MAX_GPUS = 4096


_COUNTED_GPU = (re.compile(r"\s*(?P<count>\d+)\s*(?:[x×*]\s*|\s)(?P<gpu>.+?)\s*", re.I),
                re.compile(r"\s*(?P<gpu>.+?)\s*[x×*]\s*(?P<count>\d+)\s*", re.I))
"""A GPU name with a count before or after it: "8x H100", "2 x RTX 3090", "RTX 3090 x2", "2 RTX
3090"; a bare number after it is no count ("H100 80", "RTX 3090 24": a memory size)."""


def _preset_named(name: str) -> bool:
    """Whether `name` resolves to one preset (gpu_preset)."""
    try:
        gpu_preset(name)
    except UnknownGpuError:
        return False
    return True


def counted_gpu(name: str, gpu_named: Callable[[str], bool] = _preset_named
                ) -> tuple[int, str] | None:
    """(count, GPU) where `name` is a GPU's name with a count of GPUs (_COUNTED_GPU, 1 to
    MAX_GPUS), else None: "2 RTX 3090" -> (2, "RTX 3090"), never (3090, "2 RTX"). The GPU is
    one `gpu_named` takes, by default a preset's name (what --gpu plans)."""
    for pattern in _COUNTED_GPU:
        match = pattern.fullmatch(name)
        if match and 0 < int(match["count"]) <= MAX_GPUS and gpu_named(match["gpu"]):
            return int(match["count"]), match["gpu"]
    return None


def _count_after(words: list[str], gpu_named: Callable[[str], bool]) -> tuple[int, str] | None:
    """(count, GPU) where the last of a GPU option's words left unquoted is a bare count after a
    name `gpu_named` takes (`--gpu RTX 3090 2`), else None; not where it is the card's memory
    in GB (_memory_labelled: `--gpu A100 80`)."""
    *name, count = words
    if (name and count.isdigit() and 0 < int(count) <= MAX_GPUS and gpu_named(" ".join(name))
            and _memory_labelled(words) is None):
        return int(count), " ".join(name)
    return None


def _memory_labelled(words: list[str]) -> str | None:
    """The GPU's name where a GPU option's words end in a bare number that is a preset's memory
    in GB (`--gpu A100 80`, `--gpu RTX 3090 24`: presets 'A100 80GB', 'RTX 3090 24GB'), else
    None: such a number is no count of GPUs. Presets only: NVIDIA's capability tables take a
    name with any size ('Tesla P100 2GB')."""
    named = f"{' '.join(words)}GB"
    return named if len(words) > 1 and words[-1].isdigit() and _preset_named(named) else None


SWEEP_TOP_DEFAULT = 20
"""Rows the readable sweep table shows unless --top or --all says otherwise."""


class _Help(argparse.HelpFormatter):
    """--help that prints each option's default, unless it is unset (None), a plain switch
    (False) or already spelled out in the help text."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (default is None or default is False or default == [] or "default" in text
                or default is argparse.SUPPRESS or not action.option_strings):
            return text
        return f"{text} (default: %(default)s)".lstrip()

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        """A description's lines each wrapped on their own, an indented one (a command to
        copy) left whole: argparse wrapped an example across lines ('--gpu 'RTX' / '3090'')."""
        return "\n".join(indent + line if line.startswith("  ")
                         else super(_Help, self)._fill_text(line, width, indent)
                         for line in text.split("\n"))


class _Parser(OneLineParser):
    """One-line errors, a single-value option refused twice (cli.parser), --help with
    defaults."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Help)
        kwargs.setdefault("spaced", _SPACED)
        super().__init__(*args, **kwargs)

    def leftover_advice(self, option: str, words: list[str],
                        namespace: argparse.Namespace) -> str:
        """As OneLineParser's, and where a GPU option's value and the words left over are a
        GPU's name with a count (counted_gpu: `--gpu 2 RTX 3090`, `--gpu RTX 3090 x2`; a preset's
        for --gpu, which plans presets only), or its value is followed by a count alone
        (`--gpu-name 'Tesla P100' 2`), the --gpus the count was likely meant for, if not
        given."""
        gpus = self._option_string_actions.get("--gpus")
        if option not in _GPU_NAMED or gpus is None:
            return super().leftover_advice(option, words, namespace)
        given = getattr(namespace, gpus.dest, None) is not None
        named = _preset_named if option == "--gpu" else _gpu_name_known
        labelled = _memory_labelled(words)
        if labelled:
            return (f" ({option} takes one value; {words[-1]} reads as the card's memory, not "
                    f"how many: give {option} {shlex.quote(labelled)})")
        counted = counted_gpu(" ".join(words), named) or _count_after(words, named)
        if counted and not given:
            count, gpu = counted
            named = "" if gpu == words[0] else f"{option} {shlex.quote(gpu)} "
            return f" ({option} names the GPU, not how many: give {named}--gpus {count})"
        if counted and counted[1] != words[0]:
            return (f" ({option} names the GPU; --gpus says how many: give {option} "
                    f"{shlex.quote(counted[1])})")
        advice = super().leftover_advice(option, words, namespace)
        if advice or counted or len(words) != 2 or given:
            return advice
        try:
            gpus.type(words[1])  # type: ignore[misc]
        except (argparse.ArgumentTypeError, ValueError):
            return ""
        return f" ({option} names the GPU, not how many: give --gpus {words[1]})"

    def parse_known_args(self, args: Sequence[str] | None = None,
                         namespace: argparse.Namespace | None = None
                         ) -> tuple[argparse.Namespace, list[str]]:
        """As OneLineParser's; a command that takes its model as --model only refuses a model
        given first by position (`plan Qwen/Qwen3-8B`, as inspect takes it), naming the flag:
        argparse said only that --model is required."""
        if args and not args[0].startswith("-") and "--model" in self._option_string_actions \
                and not self._get_positional_actions():
            self.error(f"unrecognized arguments: {args[0]} ({self.prog.split()[-1]} takes the "
                       f"model as --model: give --model {shlex.quote(args[0])})")
        return super().parse_known_args(args, namespace)


class Count(int):
    """A count as `vllm serve` reads it, keeping the text it was read from: a flag vLLM reads
    with human_readable_int (vllm_cli.HUMAN_READABLE_FLAGS) is checked here as the newest
    covered release reads it, then read again by cli.inputs for --vllm-version (t / T only from
    vllm_cli.T_SUFFIX_FROM)."""

    text: str

    def __new__(cls, value: int, text: str) -> Count:
        count = super().__new__(cls, value)
        count.text = text
        return count


def _bounded_int(low: int, high: int, flag: str | None = None):
    """argparse type: a count in [low, high], as vLLM reads `flag` (vllm_cli.read_count; None:
    one of Headroom's own counts, read like vLLM's human-readable ones: '32k', '32K')."""
    return _checked_count(lambda value: None if low <= value <= high
                          else f"{value:,} is outside {low:,}..{high:,}", flag)


class MmLimits(NamedTuple):
    """--limit-mm-per-prompt as read (_mm_limits), in the order given."""

    zero: tuple[str, ...]  # the modalities at 0 (EngineSettings.zero_mm_limits)
    counts: tuple[tuple[str, int], ...]  # those above 0 (EngineSettings.mm_item_limits)
    order: tuple[str, ...]  # every modality, in the order given (EngineSettings.mm_limit_order)


NO_LIMITS = MmLimits((), (), ())

DUMMY_OPTIONS = ("width", "height", "num_frames", "length")
"""config/multimodal.py ImageDummyOptions, VideoDummyOptions, AudioDummyOptions (0.17.0-0.34.0):
the options beside count, which size the profile's dummy items."""


def _mm_limits(text: str) -> MmLimits:
    """argparse type for --limit-mm-per-prompt: vLLM's JSON object of modality -> count (or
    {"count": n, ...}, whose count vLLM takes as 999 where unset: config/multimodal.py
    BaseDummyOptions, count >= 0), every count a JSON integer (a string "0", a null, a bool or
    a float is no count here: named as JSON); a negative count is refused as vLLM refuses it.
    A count above 0 with a dummy option (DUMMY_OPTIONS: the profile's dummy item size, not
    modelled) is refused. Text Python's JSON reader gives up on (nested past its recursion
    limit: a RecursionError traceback before; a number past its digits limit) is no such
    object either; a text, modality or count is echoed shortened."""
    try:
        limits = json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        limits = None
    if not isinstance(limits, dict) or not limits:
        raise argparse.ArgumentTypeError(
            f"{shortened(text)!r} is not a JSON object of modality limits, e.g. '{{\"image\": 4, "
            "\"video\": 0}'")
    counts = {m: c.get("count", 999) if isinstance(c, dict) else c for m, c in limits.items()}
    bad = [f"{modality_word(m)} {json.dumps(c)}" for m, c in counts.items()
           if not isinstance(c, int) or isinstance(c, bool)]
    if bad:
        raise argparse.ArgumentTypeError(
            f"{shortened(', '.join(bad))}: a limit is a whole number of items, e.g. "
            "'{\"image\": 4, \"video\": 0}'")
    negative = [f"{modality_word(m)} {c}" for m, c in counts.items() if c < 0]
    if negative:
        raise argparse.ArgumentTypeError(
            f"{shortened(', '.join(negative))}: vLLM refuses a count below 0 (config/"
            "multimodal.py BaseDummyOptions: count >= 0)")
    sized = [modality_word(m) for m, c in limits.items() if isinstance(c, dict) and counts[m]
             and set(c) & set(DUMMY_OPTIONS)]
    if sized:
        raise argparse.ArgumentTypeError(
            f"{shortened(', '.join(sized))}: a dummy size ({', '.join(DUMMY_OPTIONS)}) resizes "
            "vLLM's encoder profile items, which Headroom does not model: give the count alone")
    return MmLimits(tuple(m for m, c in counts.items() if c == 0),
                    tuple((m, c) for m, c in counts.items() if c), tuple(counts))


def _processor_kwargs(text: str) -> ProcessorKwargs:
    """argparse type for --mm-processor-kwargs: vLLM's JSON object, each key one Headroom plans
    and its value one vLLM and the processor take (mm_processor.parsed_processor_kwargs)."""
    try:
        return parsed_processor_kwargs(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _checked_count(problem: Callable[[int], str | None], flag: str | None = None):
    """argparse type: a count read as _bounded_int reads it, refused with `problem`'s words
    where it names one."""
    def parse(text: str) -> Count:
        try:
            value = read_count(text, flag)
        except CountError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        why = problem(value)
        if why:
            raise argparse.ArgumentTypeError(why)
        return Count(value, text)
    return parse


def _rounded(text: str, value: float) -> bool:
    """Whether float() read `text` as another number than the one typed: 1e400 overflows to
    inf, 1e-400 underflows to 0, 0.99999999999999999 rounds to 1.0. The number read is the
    shortest text that reads back as `value` (repr): -0.1, 1_0 and -1e18 are read as typed."""
    try:
        return not math.isnan(value) and Decimal(text) != Decimal(repr(value))
    except InvalidOperation:
        return False


def _checked_float(what: str, problem: Callable[[float], str | None]):
    """argparse type: a number Python's float() reads, refused with `problem`'s words where it
    names one, after the text typed where float() rounded it (_rounded), so a refusal does not
    contradict its own range: --video-pruning-rate 0.99999999999999999 read "1 is not a
    fraction 0 <= R < 1"; text that is no number is refused asking for `what`."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number: give {what}") from None
        why = problem(value)
        if why and _rounded(text, value):
            why = f"float() reads {text.strip()} as {number_as_given(value)}: {why}"
        if why:
            raise argparse.ArgumentTypeError(why)
        return value
    return parse


def _positive_float(high: float, what: str, *, inclusive: bool):
    """argparse type: a float in (0, high] (inclusive) or (0, high); `what` names it, the value
    as ':g' writes it where that reads back as it ('1e+09'), else in full (number_as_given:
    ':g' wrote --gpu-memory-utilization 1.0000001 as "1 is not a fraction ... in (0, 1]")."""
    def problem(value: float) -> str | None:
        inside = 0 < value <= high if inclusive else 0 < value < high
        shown = f"{value:g}" if float(f"{value:g}") == value else number_as_given(value)
        return None if inside else f"{shown} is not {what}"
    return _checked_float(what, problem)


_milliseconds = _positive_float(3.6e6, "a time in milliseconds (0 < ms < 3,600,000)",
                                inclusive=False)
_acceptance_length = _positive_float(65, "a mean acceptance length (1 to "
                                     "--num-speculative-tokens + 1)", inclusive=True)
_fraction = _positive_float(1, "a fraction of GPU memory in (0, 1] (e.g. 0.9)", inclusive=True)
_gib_float = _positive_float(1024, "a GPU memory size in GiB (0 < GiB < 1024)",
                             inclusive=False)


def _pruning_rate_problem(value: float) -> str | None:
    """Why --video-pruning-rate refuses `value`: outside [0, 1), the range vLLM's
    MultiModalConfig takes (config/multimodal.py Field(ge=0.0, lt=1.0), 0.11.1-0.34.0; 0.11.0
    checks none, planned to the same range). Named as typed (number_as_given): ':g' wrote
    1.0000001 as "1"."""
    if 0 <= value < 1:
        return None
    return (f"{number_as_given(value)} is not a fraction 0 <= R < 1: vLLM refuses it from 0.11.1 "
            "for a model with a tower (config/multimodal.py video_pruning_rate: Field(ge=0.0, "
            "lt=1.0); 0.11.0 checks none), and Headroom plans that range at every release")


_pruning_rate = _checked_float("a fraction 0 <= R < 1 (e.g. 0.75)", _pruning_rate_problem)
"""argparse type for --video-pruning-rate: a fraction in [0, 1)."""


def _gib_amount(text: str) -> float:
    """argparse type: a GPU memory size in GiB whose total in bytes the hardware model plans
    (hardware.memory_total_of_gib: 1e-300 is > 0 but rounds to 0 bytes, 1023.99999999999 is
    under 1024 but rounds to 1 TiB; the hardware model refused both without naming the flag)."""
    value = _gib_float(text)
    try:
        memory_total_of_gib(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _kv_dtype(text: str) -> str:
    try:
        return KV_CACHE_DTYPE_ALIASES[text.lower()]
    except KeyError:
        vllms = f" (vLLM offers it: {unsized_reason(text)})" if text in \
            unmodelled_kv_cache_dtypes(DEFAULT_VLLM_VERSION) else ""
        names = sorted(set(KV_CACHE_DTYPE_ALIASES) - {"bf16", "fp16", "fp32", "float32"})
        raise argparse.ArgumentTypeError(
            f"{shortened(text)!r} is not a KV cache dtype Headroom sizes{vllms}; use one of "
            f"{', '.join(names)}") from None


def _given(hint: str, strip: bool = False) -> Callable[[str], str]:
    """A type for a text argument that must hold something: a blank one would silently mean
    "not given" (--vllm-version '' planned the default release) or something else (--model ''
    read the current folder). `hint` says what to give; `strip` trims the value."""
    def parse(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError(f"is empty: give {hint}")
        return text.strip() if strip else text
    return parse


def _target_quant(text: str) -> str:
    """argparse type: a --target-quant that names a weight format (quant.resolve_scheme), kept
    as typed (cli.inputs echoes the exact scheme). An unknown one read "Unknown quantization
    scheme 'foo'. Known: ..." without the flag, as no other flag's error does."""
    text = _given("a format such as w4a16 or fp8")(text)
    try:
        resolve_scheme(text)
    except UnknownSchemeError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("Unknown", "unknown", 1)) from None
    return text


REVISION_HINT = "a branch, tag or commit, or leave --revision out for the repo's main branch"
"""What an empty --revision is told to give."""


def _checkpoint(text: str) -> str:
    """A --target-checkpoint the launch command can load (engine.checkpoint_name_problem)."""
    problem = checkpoint_name_problem(text)
    if problem == "is empty":
        raise argparse.ArgumentTypeError("is empty: give the checkpoint's repo id or folder")
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def _gpu_name(text: str) -> str:
    """A --gpu-name: given (stripped) and printable. It is printed in the plan's header, notes
    and report: a newline split the header, an escape sequence recoloured the terminal."""
    name = _given("the GPU's model, e.g. 'RTX 3090'", strip=True)(text)
    if has_control(name):
        raise argparse.ArgumentTypeError(f"{name!r} holds a control character: give the GPU's "
                                         "model, e.g. 'RTX 3090'")
    if len(name) > NAME_CHARS:
        # a 5,000-character name was planned and printed whole in the header and twice in
        # the notes, where a snapshot's GPU name is cut at NVML's longest
        raise argparse.ArgumentTypeError(
            f"{shortened(name)!r} is {len(name):,} characters: a GPU's name is at most "
            f"{NAME_CHARS} (NVML's longest); give the GPU's model, e.g. 'RTX 3090'")
    counted = counted_gpu(name)  # '8x H100' was planned as a GPU of unknown model, fp16 only
    if counted:
        raise argparse.ArgumentTypeError(f"{name!r} holds a GPU count: give --gpu-name "
                                         f"{shlex.quote(counted[1])} --gpus {counted[0]}")
    return name


_gpu = _given("a GPU preset key such as rtx-3090 or the GPU's name, e.g. 'RTX 3090'")
_quantization = _given("vLLM's --quantization method, e.g. fp8, or auto (the checkpoint's)")
_MODEL_HINT = "a repo id such as Qwen/Qwen3-8B, a config.json or a folder holding one"


def _names_a_gpu(name: str) -> bool:
    """Whether a --gpu or --gpu-name value, words left over joined to it, is worth quoting:
    a GPU's name ('RTX 4090', 'A100', 'Tesla P40'), or words that may be one, neither a
    preset's key and more ('rtx-4090 x') nor starting or ending in a bare number ('h100-sxm 2',
    '2 RTX': a count and words, _Parser.leftover_advice)."""
    if _gpu_named(name) or capability_from_name(name) is not None:
        return True
    words = name.split()
    return not words[-1].isdigit() and not words[0].isdigit() and not _gpu_named(words[0])


def _gpu_named(name: str) -> bool:
    """Whether a name designates a preset, or GPUs presets hold (an ambiguous 'A100', another
    size, a MIG slice: unknown, but a GPU's name all the same)."""
    try:
        gpu_preset(name)
    except NoGpuPresetError:
        return False
    except UnknownGpuError:
        pass
    return True


def _gpu_name_known(name: str) -> bool:
    """Whether a --gpu-name is a GPU's name: a preset's, or one NVIDIA's tables give a compute
    capability ('Tesla P100')."""
    return _preset_named(name) or capability_from_name(name) is not None


_GPU_NAMED = ("--gpu", "--gpu-name")
"""The options taking a GPU's name, which may hold spaces ('RTX 4090')."""

_SPACED = {**dict.fromkeys(_GPU_NAMED, _names_a_gpu),
           **dict.fromkeys(("--model", "--snapshot", "--prices", "--target-checkpoint"),
                           os.path.exists)}
"""Options whose value may hold spaces -> whether words left over after it, joined to it, make
one worth quoting (cli.parser.OneLineParser.leftover_advice): a GPU's name, or a path that
exists ('my models/qwen'; a repo id holds no space)."""


def _model(text: str) -> str:
    """A --model (--compare, inspect's PATH_OR_REPO_ID): given and printable. A folder whose
    name holds a newline or an escape sequence was planned, its name printed as given in the
    plan's header and inspect's card (the header split in two, the terminal recoloured); no
    repo id holds one."""
    model = _given(_MODEL_HINT)(text)
    if has_control(model):
        raise argparse.ArgumentTypeError(f"{model!r} holds a control character, which would be "
                                         f"printed as given: give {_MODEL_HINT} (rename such "
                                         "a folder)")
    return model


def _iso_date(text: str) -> date:
    """argparse type: a calendar date written YYYY-MM-DD, as --help says (Python 3.11's
    fromisoformat alone also takes '20260101' and the week date '2026-W01-1')."""
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _price(text: str) -> tuple[str, float]:
    """argparse type: 'rtx-3090=0.22' -> ('rtx-3090', 0.22) ($ per GPU-hour); its range is
    checked with the GPU (prices.user_price), which names it."""
    key, sep, usd = text.partition("=")
    try:
        value = float(usd)
    except ValueError:
        sep = ""
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not GPU=USD_PER_GPU_HOUR (e.g. rtx-3090=0.22)")
    return key.strip(), value


COMMAND_DESCRIPTIONS = {
    "plan": "One plan of a model on your GPUs: the memory per GPU (weights, activation, CUDA "
            "graphs, KV cache), whether it fits, the longest request and how many requests the "
            "KV cache holds, the speed at a load, and the `vllm serve` command.\n\nExample:\n"
            "  {prog} plan --model Qwen/Qwen3-8B --gpu 'RTX 3090' --max-model-len 8k",
    "sweep": "Every weight format x TP/PP/DP/EP layout x KV cache dtype on your GPUs, ranked "
             "by --objective, each with its memory, ceiling, concurrency, speed and command."
             "\n\nExample:\n  {prog} sweep --model Qwen/Qwen3-235B-A22B-GPTQ-Int4 --gpu rtx-3090 "
             "--gpus 8",
    "recommend": "The cheapest GPU model, count, weight format and layout that serve a "
                 "workload (--context and --concurrency, or --requests-per-s; --ttft-ms, "
                 "--tpot-ms), with $/hour and $ per million output tokens.\n\nExample:\n"
                 "  {prog} recommend --model Qwen/Qwen3-32B --context 32k --concurrency 8",
    "inspect": "A model's architecture card: layers, attention, heads, experts, parameters "
               "and context, each field with the config.json key it came from.\n\n"
               "Example:\n  {prog} inspect Qwen/Qwen3-8B",
    "report": "The whole plan as one document, every figure with its formula: Markdown "
              "(default), JSON or CSV; --sweep and --compare add the alternatives.\n\nExample:\n"
              "  {prog} report --model Qwen/Qwen3-8B --gpu l4 --max-model-len 16k > report.md",
}
"""Each command's --help description, ending in an example that runs offline (the bundled
catalog's models; tests/cli/test_cli_usability.py runs each)."""


def _add_recommend(sub, prog: str) -> None:
    """`recommend`: the cheapest GPUs x count x format x layout serving a workload."""
    rec = sub.add_parser("recommend", help="cheapest GPUs, count, format and layout that "
                         "serve a workload, with $/hour and $ per million output tokens",
                         description=COMMAND_DESCRIPTIONS["recommend"].format(prog=prog),
                         instead={"--max-model-len": "--context L", "--gpus": "--gpus-max N"})
    rec.add_argument("--model", action="append", required=True, metavar="PATH_OR_REPO_ID",
                     type=_model,
                     help="a model to place (repeat to compare several)")
    # the load flags are plan's and sweep's (add_load); --concurrency is a requirement here
    # (every row holds that many requests), not a load the KV cache caps
    work = add_load(rec, "workload (--context/--concurrency, or --requests-per-s)",
                    concurrency_help="requests served at once (default 1)")
    work.add_argument("--context", type=_bounded_int(2, MAX_TOKENS), metavar="L",
                      help="max_model_len to plan (default: input + output length)")
    rate = _positive_float(1e6, "a rate in requests per second (0 < R <= 1,000,000)",
                           inclusive=True)
    add_allow_long(work, "--context")
    work.add_argument("--requests-per-s", type=rate, metavar="R",
                      help="arrival rate to sustain: output tokens/s >= R x output length")
    work.add_argument("--ttft-ms", type=_milliseconds, metavar="X",
                      help="time-to-first-token target")
    work.add_argument("--tpot-ms", type=_milliseconds, metavar="Y",
                      help="time-per-output-token target")
    search = rec.add_argument_group("search")
    search.add_argument("--gpus-max", type=_bounded_int(1, MAX_GPUS), default=8, metavar="N",
                        help="most GPUs to consider (1, 2, 4, 8, then whole 8-GPU nodes)")
    search.add_argument("--gpu", action="append", type=_gpu, metavar="NAME",
                        help="only these presets (repeat; default: every priced preset)")
    search.add_argument("--price", action="append", type=_price, default=[],
                        metavar="GPU=USD", help="$ per GPU-hour for a preset, e.g. "
                        "rtx-3090=0.22 (repeat; overrides the default table)")
    search.add_argument("--prices", metavar="prices.json",
                        type=_given("a JSON file of $ per GPU-hour by preset"),
                        help='a JSON object of $ per GPU-hour by preset, {"rtx-3090": 0.22}')
    search.add_argument("--gpu-memory-utilization", type=_fraction, metavar="U",
                        help="default: vLLM's for --vllm-version (0.92 from 0.20, 0.9 before)")
    add_vllm_version(search)
    add_block_size(search)
    add_enforce_eager(search)
    add_model_runner(search)
    add_mamba_flags(search)
    add_speculative(search)
    add_prefix_caching(search)
    add_mm_modes(search)
    add_lora(search, "another release refused (exit 2), another model searched without "
             "LoRA (a warning names it)")
    add_all2all_backend(search)
    add_trust_remote_code(search)
    add_hf_overrides(search)
    add_wsl2(search)
    add_network(search)
    search.add_argument("--top", type=_bounded_int(1, 1000), default=10, metavar="K",
                        help="how many configurations to list (default 10)")
    rec.add_argument("--json", action="store_true",
                     help="machine-readable output: every figure and each price's source")


def add_load(parser: argparse.ArgumentParser,
             title: str = "serving load (speed: TTFT, TPOT, throughput)", *,
             concurrency_help: str = "requests in flight (default 1; capped at what the KV "
             "cache holds and at max_num_seqs)") -> argparse._ArgumentGroup:
    """The serving load the speed figures are computed at (planner.serving.speed):
    --input-len, --output-len, --concurrency, --arrival, the same for plan, sweep, report and
    recommend (which titles the group and says what its concurrency means); returns the group."""
    load = parser.add_argument_group(title)
    load.add_argument("--input-len", type=_bounded_int(1, MAX_LOAD_TOKENS), default=1024,
                      metavar="N", help="prompt tokens per request (default 1024)")
    load.add_argument("--output-len", type=_bounded_int(1, MAX_LOAD_TOKENS), default=1024,
                      metavar="N", help="output tokens per request (default 1024)")
    load.add_argument("--concurrency", type=_bounded_int(1, 1 << 20), default=1, metavar="C",
                      help=concurrency_help)
    load.add_argument("--arrival", choices=ARRIVALS, default=ARRIVALS[0],
                      help="staggered (default): requests arrive spread out, TTFT queues "
                      "behind a fitted share of the others' prefills (as in a fixed-length "
                      "benchmark); burst: all arrive together (a closed-loop benchmark of "
                      "equal lengths), TTFT from the packed prefill steps; steady: "
                      "desynchronized arrivals (production traffic, varied lengths), TTFT "
                      "waits only for the prefill work arriving with it (M/D/1; not "
                      "validated: its first blind check planned TTFT under, "
                      "docs/accuracy-speed.md)")
    return load


def add_objective(parser: argparse.ArgumentParser) -> None:
    """What ranks the sweep's fitting rows (planner.serving.sweep.rank_key): `sweep` and
    `report --sweep` take the same two flags."""
    parser.add_argument("--objective", choices=list(OBJECTIVES), default="context",
                        help="rank by: longest context (default), most concurrency, highest "
                        "throughput (within --tpot-ms), fewest GPUs; fitting rows always first")
    parser.add_argument("--tpot-ms", type=_milliseconds, metavar="Y",
                        help="with --objective throughput: rows whose time per output token is "
                        "at most Y ms rank first")


def _add_planning(parser: argparse.ArgumentParser, *, layout: bool) -> None:
    """The options plan, sweep and report share: model, hardware, vLLM settings (with the
    layout flags when `layout`; the sweep tries every layout) and serving load."""
    _add_model(parser)
    _add_hardware(parser)
    _add_engine(parser, layout=layout)
    add_load(parser)


def _add_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, metavar="PATH_OR_REPO_ID", type=_model,
                        help="config.json, a folder holding it, or a repo id (a verbatim catalog "
                             "entry, else the hub, then the cache and catalog)")
    parser.add_argument("--revision", type=_given(REVISION_HINT),
                        help="hub revision (branch, tag or commit); skips the "
                        "catalog")


def _add_hardware(parser: argparse.ArgumentParser) -> None:
    hw = parser.add_argument_group("hardware (one of --gpu, --gpu-memory-gib, --snapshot)")
    hw.add_argument("--gpu", type=_gpu, metavar="NAME",
                    help="GPU preset key (rtx-3090, h100-sxm) or the GPU's name as people or "
                    "NVML write it ('RTX 3090', 'NVIDIA GeForce RTX 3090', 'H100 80GB HBM3', "
                    "'DGX Spark')")
    hw.add_argument("--gpu-memory-gib", type=_gib_amount, metavar="X",
                    help="a custom GPU: the total CUDA reports for one GPU, in GiB: "
                    "nvidia-smi's total less the driver's reserved memory (an RTX 3090: "
                    "24,576 - 440 MiB = 23.57, not 24)")
    hw.add_argument("--gpu-name", type=_gpu_name, metavar="NAME",
                    help="with --gpu-memory-gib: the custom GPU's model as people or NVML write "
                    "it (e.g. 'A100', 'NVIDIA GeForce RTX 3090'); vLLM's batch defaults, "
                    "formats and link follow that model")
    hw.add_argument("--gpus", type=_bounded_int(1, MAX_GPUS), metavar="N",
                    help="GPUs in all (default: from --snapshot, else 1)")
    hw.add_argument("--nodes", type=_bounded_int(1, 1024), metavar="M",
                    help="nodes the GPUs are spread over (default 1)")
    hw.add_argument("--snapshot", action="append", default=[], metavar="node.json",
                    type=_given("a snapshot file (python -m probes --json > node.json)"),
                    help="audit snapshot of a node (python -m probes --json); repeat per node")
    hw.add_argument("--link", choices=["nvlink", "pcie", "pcie-no-p2p", "cross-socket"],
                    help="how GPUs in a node talk (default: the GPU preset's, or the "
                    "snapshot's topology): NVLink, PCIe with P2P, PCIe through host memory, "
                    "or across CPU sockets")
    hw.add_argument("--pcie-gen", type=_pcie("generation"), metavar="N",
                    help="the PCIe generation the GPUs' slots run at, where older than the "
                    "card's (default: the snapshot's NVML max link, else the card's); 1..6")
    hw.add_argument("--pcie-lanes", type=_pcie("lanes"), metavar="N",
                    help="the PCIe lanes the GPUs' slots are wired for, where fewer than the "
                    "card's (an x8 slot, an x4 or x1 riser; default: the snapshot's NVML max "
                    "link, else the card's: 16, 8 on the RTX 4060 Ti and 5060 Ti); 1, 2, 4, 8 "
                    "or 16")
    add_wsl2(hw, "; a --gpu-memory-gib or --snapshot total is planned as it is")
    add_network(hw)


def _add_engine(parser: argparse.ArgumentParser, *, layout: bool) -> None:
    """The vLLM settings group, in --help's order (`layout`: with _add_layout's flags)."""
    eng = parser.add_argument_group(
        "vLLM settings (the flags of `vllm serve`)",
        "--max-model-len, --max-num-batched-tokens and --kv-cache-memory-bytes take vLLM's "
        "suffixes: 32k = 32,000, 32K = 32,768 (k, m, g: x 1000; K, M, G: x 1024); the other "
        "counts are whole numbers.")
    if layout:
        _add_layout(eng)
    _add_format_and_limits(eng, layout=layout)
    add_trust_remote_code(eng)
    add_hf_overrides(eng)
    add_mm_modes(eng)
    add_enforce_eager(eng)
    add_model_runner(eng)
    add_mamba_flags(eng)
    add_speculative(eng)
    add_prefix_caching(eng)
    add_block_size(eng)
    _add_moe(eng)
    add_lora(eng, "refused elsewhere (exit 2)")
    eng.add_argument("--enable-chunked-prefill", action=BooleanOnce,
                     default=True, help="vLLM V1 default on; --no-enable-chunked-prefill "
                     "requires max_num_batched_tokens >= max_model_len")
    add_vllm_version(eng)


def add_mm_modes(group: argparse._ArgumentGroup) -> None:
    """The flags that say how vLLM serves a multimodal model (mm_modes): --skip-mm-profiling,
    --language-model-only, --limit-mm-per-prompt, --mm-encoder-tp-mode,
    --mm-processor-kwargs (mm_processor), --video-pruning-rate and --video-pruning-method
    (video_pruning); plan, sweep, report and recommend take them alike
    (cli.inputs.mm_mode_settings checks them against the release)."""
    group.add_argument("--skip-mm-profiling", action="store_true",
                       help="like vLLM's flag: no multimodal encoder profile run (by default "
                       "a Qwen3-VL-family or Llama 4 model profiles its vision encoder on its "
                       "largest images; on other vision towers it drops the "
                       "unmodelled-encoder warning)")
    group.add_argument("--language-model-only", action="store_true",
                       help="like vLLM's flag (0.17.0 on): every modality's limit 0, the "
                       "model served text-only: no vision tower built (its weights off each "
                       "GPU), no encoder profile")
    group.add_argument("--limit-mm-per-prompt", type=_mm_limits, default=None,
                       metavar="JSON", dest="mm_limits",
                       help="like vLLM's flag (e.g. '{\"image\": 4, \"video\": 0}'): with all "
                       "of the tower's modalities at 0, planned as --language-model-only; a "
                       "count above 0 (vLLM 0.16.0 on) caps the encoder profile's dummy items "
                       "at max_num_seqs x that count, and a modality at 0 leaves the profile")
    group.add_argument("--mm-encoder-tp-mode", choices=("weights", "data"), default="weights",
                       help="like vLLM's flag (0.10.2 on): 'data' holds the whole vision tower "
                       "on every GPU (Qwen2/2.5/3-VL, Qwen3.5, Llama 4 but its projector, "
                       "Kimi-VL, Kimi-K2.5; others fall back to weights or hold it whole "
                       "already), its LoRA slots at TP 1 widths, and profiles the encoder at TP "
                       "1 widths")
    group.add_argument("--mm-processor-kwargs", type=_processor_kwargs, default=(),
                       metavar="JSON",
                       help="like vLLM's flag, with the keys Headroom plans: max_soft_tokens "
                       "(Gemma 4: 70, 140, 280, 560 or 1120 soft tokens an image), max_patches "
                       "(Llama 4: the largest image's tiles, default 16), do_pan_and_scan "
                       "(Gemma 3: the largest image in 4 crops + itself, 1,280 tokens), e.g. "
                       "'{\"max_soft_tokens\": 560}'; other keys exit 2")
    group.add_argument("--video-pruning-rate", type=_pruning_rate, default=None, metavar="R",
                       help="like vLLM's flag (0.11.0 on; 0 <= R < 1): the fraction of each "
                       "video's tokens Efficient Video Sampling drops (Qwen2.5-VL, Qwen3-VL "
                       "from 0.13, Qwen3.5 from 0.27); above 0 Qwen3-VL's and Qwen3.5's "
                       "rotary cache holds 4 rows per position from vLLM 0.32 (1 without)")
    group.add_argument("--video-pruning-method", choices=VIDEO_PRUNING_METHODS, default=None,
                       help="like vLLM's flag (0.27.0 on; vLLM's default evs): vidcom2 on "
                       "Qwen3-VL and Qwen3.5 only (another pruning model exits 2)")


def _add_layout(eng: argparse._ArgumentGroup) -> None:
    """The flags plan and report take and the sweep tries itself: the layout (--tp, --pp, --dp,
    --ep), the what-if format (--target-quant, --target-checkpoint) and --kv-cache-dtype."""
    eng.add_argument("--tp", "--tensor-parallel-size", "-tp", dest="tp",
                     type=_bounded_int(1, MAX_GPUS, "--tensor-parallel-size"), metavar="T",
                     help="tensor parallel size (vLLM's spelling too): each layer split "
                     "over T GPUs (default: with none of --tp/--pp/--dp, "
                     "the hardware's layout, as the app opens on: TP = GPUs per node, the "
                     "nodes as the fewest pipeline stages that fit x data-parallel "
                     "replicas, else the fitting layout using the most GPUs; with --pp or "
                     "--dp, the GPUs / (P x D), at most GPUs per node, where the replicas "
                     "then fill whole nodes; else GPUs per node / D, or the GPUs / (P x D) "
                     "when fewer)")
    eng.add_argument("--pp", "--pipeline-parallel-size", "-pp", dest="pp",
                     type=_bounded_int(1, MAX_GPUS, "--pipeline-parallel-size"), metavar="P",
                     help="pipeline parallel size (vLLM's spelling too): the layers "
                     "in P stages, one after another (default: the hardware's layout's; "
                     "1 with --tp or --dp, else nodes)")
    eng.add_argument("--dp", "--data-parallel-size", "-dp", dest="dp",
                     type=_bounded_int(1, MAX_GPUS, "--data-parallel-size"), metavar="D",
                     help="data parallel size (vLLM's spelling too; default: the "
                     "hardware's layout's; 1 with --tp or --pp): D "
                     "replicas of TP x PP; with --ep the experts spread over TP x D ranks")
    eng.add_argument("--ep", "--enable-expert-parallel", "-ep", dest="ep", action="store_true",
                     help="expert parallelism (vLLM's spelling too): a MoE model's routed "
                     "experts whole, spread over the TP x DP ranks, instead of each expert "
                     "sliced over them (with TP x DP = 1 vLLM runs no expert parallelism)")
    eng.add_argument("--target-quant", metavar="FORMAT",
                     type=_target_quant,
                     help="what-if quantization of a 16-bit checkpoint: a scheme key "
                     "(w4a16-gptq-g128) or a common name (w4a16, int4, gptq, awq, fp8, "
                     "nvfp4, mxfp4, int8, w8a8); the exact scheme is echoed")
    eng.add_argument("--target-checkpoint", metavar="REPO_OR_PATH",
                     type=_checkpoint,
                     help="a checkpoint that holds the --target-quant format: the launch "
                     "command loads it")
    eng.add_argument("--kv-cache-dtype", type=_kv_dtype, default="auto",
                     help="auto | bfloat16 | float16 | fp8 | fp8_e4m3 | fp8_e5m2 | nvfp4 "
                     "| nvfp4_4over6 | int8_per_token_head | fp8_per_token_head | "
                     "int4_per_token_head | turboquant_k8v4 | turboquant_4bit_nc | "
                     "turboquant_k3v4_nc | turboquant_3bit_nc | nvfp4_ds_mla, as far as "
                     "--vllm-version and the GPU have them (bf16/fp16 accepted; default "
                     "auto)")


def _add_format_and_limits(eng: argparse._ArgumentGroup, *, layout: bool) -> None:
    """The weights' dtype and --quantization, then the memory and length limits: the budget,
    --max-model-len, --max-num-seqs, --max-num-batched-tokens, --kv-cache-memory-bytes."""
    eng.add_argument("--dtype", choices=["auto", "bfloat16", "float16", "float32"],
                     default="auto", help="weights' dtype for a 16-bit checkpoint")
    eng.add_argument("--quantization", type=_quantization, default="auto",
                     metavar="METHOD",
                     help="runtime --quantization, e.g. fp8 (default auto: the checkpoint's)"
                     if layout else "plan's and report's: the sweep sets each row's weight "
                     "format itself, so it refuses this (exit 2)")
    eng.add_argument("--gpu-memory-utilization", type=_fraction, metavar="U",
                     help="fraction of each GPU's memory vLLM may use (default: vLLM's for "
                     "--vllm-version, 0.92 from 0.20, 0.9 before)")
    eng.add_argument("--max-model-len",
                     type=_bounded_int(1, MAX_TOKENS, "--max-model-len"), metavar="L",
                     help="the longest request, prompt and output tokens together, that vLLM "
                     "accepts; 32K = 32,768, 32k = 32,000 (default: the max_model_len vLLM "
                     "derives from config.json for --vllm-version: the least of its length "
                     "keys, max_position_embeddings on most models, and rope scaling)")
    add_allow_long(eng)
    eng.add_argument("--max-num-seqs", type=_bounded_int(1, 1 << 20, "--max-num-seqs"), metavar="S",
                     help="the most requests a replica runs at once (default: vLLM's for the "
                     "GPU and --vllm-version: 1024 at >= 70 GiB except A100 and DGX Spark; "
                     "else 256)")
    eng.add_argument("--max-num-batched-tokens",
                     type=_bounded_int(1, MAX_TOKENS, "--max-num-batched-tokens"), metavar="B",
                     help="the most tokens one engine step takes, a prompt's chunk included "
                     "(default: vLLM's for the GPU and --vllm-version: 8192 at >= 70 GiB "
                     "except A100 and DGX Spark; 16384 at >= 160 GiB from 0.28; else 2048)")
    eng.add_argument("--kv-cache-memory-bytes", "--kv-cache-memory", dest="kv_cache_memory",
                     type=_bounded_int(1, 1 << 40, "--kv-cache-memory-bytes"), metavar="BYTES",
                     help="KV pool per GPU in bytes (8G = 8 GiB), like vLLM's flag: skips "
                     "the profiling terms (default: not passed, the pool is what the budget "
                     "leaves)")


def _add_moe(eng: argparse._ArgumentGroup) -> None:
    """The MoE flags passed to vLLM: --moe-backend, --all2all-backend, --enable-eplb and
    --num-redundant-experts."""
    eng.add_argument("--moe-backend", type=_given("a backend such as marlin"), metavar="NAME",
                     help="vLLM --moe-backend (0.17 on; the values --vllm-version's parser "
                     "takes): passed in the launch command; flashinfer_b12x (0.22 on) also "
                     "subtracts the MoE workspace it allocates per layer (sized for vLLM "
                     "0.25-0.28); default: not passed (vLLM's auto)")
    add_all2all_backend(eng)
    eng.add_argument("--enable-eplb", action="store_true",
                     help="vLLM --enable-eplb (0.9.2 on): the expert-parallel load balancer, "
                     "with --ep only; passed in the launch command; its state (expert maps, load "
                     "statistics, from 0.12 a transfer buffer) is in the weights, its "
                     "communication buffers not sized (the verdict says so)")
    eng.add_argument("--num-redundant-experts", type=_checked_count(redundant_count_problem),
                     metavar="N",
                     help="EPLB's redundant experts per MoE layer (vLLM --eplb-config "
                     "num_redundant_experts; --num-redundant-experts before 0.10.2): each EP "
                     "rank holds (routed + N) / EP size experts; needs --enable-eplb; 0..1023 "
                     "(vLLM's cap); default: not passed (0; from 0.34 the least making them "
                     "divisible)")


def add_all2all_backend(group: argparse._ArgumentGroup) -> None:
    """--all2all-backend, the same for plan, sweep, report and recommend (cli.inputs
    all2all_backend_setting reads it): recommend plans every candidate with it."""
    group.add_argument("--all2all-backend", type=_given("a backend such as deepep_low_latency"),
                       metavar="NAME",
                       help="vLLM --all2all-backend (0.11.1 on; the values --vllm-version's "
                       "parser takes): passed in the launch command; read by vLLM for MoE "
                       "models with --ep and --dp > 1 (a note says where it is ignored); the "
                       "DeepEP backends' buffers come off the KV pool; default: not passed "
                       "(allgather_reducescatter)")


def add_lora(group: argparse._ArgumentGroup, elsewhere: str) -> None:
    """--enable-lora, --max-loras, --max-lora-rank, --fully-sharded-loras,
    --specialize-active-lora, --enable-tower-connector-lora and --lora-dtype, the same for
    plan, sweep, report and recommend (cli.inputs.lora_setting reads them); `elsewhere`: what
    the command does with a model whose LoRA slots are not sized."""
    group.add_argument("--enable-lora", action="store_true",
                       help="vLLM --enable-lora (multi-LoRA serving): the LoRA slots vLLM "
                       "allocates in every wrapped layer before the KV cache is sized are in "
                       "the weights (the plan's lora term) and the CUDA graphs are captured "
                       "twice (more with --specialize-active-lora; once on Model Runner V2 "
                       "before 0.24); sized for "
                       "LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM, "
                       "MistralForCausalLM, Gemma2ForCausalLM, Gemma3ForCausalLM, "
                       "Gemma3ForConditionalGeneration and Qwen3VLForConditionalGeneration "
                       "(their language model; Qwen3-VL's and Gemma 3's tower too with "
                       "--enable-tower-connector-lora), "
                       "Phi3ForCausalLM, GraniteForCausalLM, MiMoForCausalLM and "
                       "DeciLMForCausalLM (no slots in a no-op block), Qwen3MoeForCausalLM, "
                       "Qwen3VLMoeForConditionalGeneration (its language model), "
                       "Qwen2MoeForCausalLM and MixtralForCausalLM (every expert's slots, the "
                       "shared expert's) and GptOssForCausalLM (MXFP4 experts on Marlin, "
                       "padded; NVIDIA only; with EP from 0.21.0, not fully sharded), the "
                       "hybrid Qwen3_5ForConditionalGeneration (its Gated-DeltaNet "
                       "projections and conv1d; the vision tower only with the tower flag) "
                       "and "
                       "Qwen3_5MoeForConditionalGeneration and Qwen3NextForCausalLM (those, "
                       "the shared expert and every expert's slots), "
                       "Llama4ForConditionalGeneration (its language model) and "
                       "NemotronHForCausalLM (Mamba2 projections, relu2 MLP, every expert's "
                       "slots, no router's) under vLLM 0.17.0-0.34.0, MiniMaxM2ForCausalLM "
                       "from 0.23.0, "
                       "DeepseekV2ForCausalLM and DeepseekV3ForCausalLM from 0.19.0 (with a "
                       "q_lora_rank from 0.20.0), DeepseekV32ForCausalLM and "
                       "GlmMoeDsaForCausalLM (GLM-5) and Gemma4ForConditionalGeneration (its "
                       "language model) from 0.20.0, PhiForCausalLM (qkv_proj, dense, fc1, "
                       "fc2) and GemmaForCausalLM, the embedding too where vLLM serves them "
                       "through its Transformers backend (Phi from 0.32.0, Gemma from "
                       "0.34.0), LlavaNextForConditionalGeneration "
                       "(granite-vision: its GraniteForCausalLM language model; not the tower) "
                       "from 0.29.0, "
                       f"{elsewhere}; passed in the launch command")
    group.add_argument("--max-loras", type=_bounded_int(1, 1 << 16, "--max-loras"),
                       metavar="N", help="vLLM --max-loras: LoRA adapters served in one batch, "
                       "a slot each (>= 1; default 1); needs --enable-lora")
    group.add_argument("--max-lora-rank", type=int, choices=MAX_LORA_RANKS, metavar="R",
                       help="vLLM --max-lora-rank: the slots' rank, one of "
                       f"{', '.join(map(str, MAX_LORA_RANKS))} (vLLM 0.17-0.34 config/lora.py; "
                       "default 16); needs --enable-lora")
    group.add_argument("--fully-sharded-loras", action="store_true",
                       help="vLLM --fully-sharded-loras: the column layers' LoRA A and the row "
                       "layers' LoRA B split over TP too (the rank and hidden size must divide "
                       "by TP); needs --enable-lora")
    group.add_argument("--specialize-active-lora", action="store_true",
                       help="vLLM --specialize-active-lora: every CUDA graph capture size "
                       "captured for 0, each power of two up to N and N + 1 active LoRAs (N = "
                       "--max-loras; 5 cases at N = 4), not only 0 and N + 1 (vLLM 0.17-0.34 "
                       "lora/utils.py get_captured_lora_counts); needs --enable-lora")
    group.add_argument("--enable-tower-connector-lora", action="store_true",
                       help="vLLM --enable-tower-connector-lora: the vision tower's and "
                       "connector's linears get LoRA slots too, with two Punica buffers of "
                       "their own (sized for the Qwen3-VL tower: Qwen3VL, Qwen3VLMoe, Qwen3_5 "
                       "and Qwen3_5Moe ForConditionalGeneration, Gemma 3's SigLIP tower: "
                       "Gemma3ForConditionalGeneration, Llama 4's vision model: "
                       "Llama4ForConditionalGeneration, and Gemma 4's tower: "
                       "Gemma4ForConditionalGeneration, vLLM 0.29 on (0.20-0.28 ignore the "
                       "flag), and LLaVA-NeXT's SigLIP tower and projector: "
                       "LlavaNextForConditionalGeneration, vLLM 0.29 on, from the config's "
                       "image_grid_pinpoints; at PP > 1 on the stages vLLM builds "
                       "the tower on; vLLM 0.17-0.34 lora/model_manager.py _maybe_init_mm); "
                       "needs --enable-lora")
    group.add_argument("--lora-dtype", choices=LORA_DTYPES,
                       help="vLLM --lora-dtype: the slots' element, one of "
                       f"{', '.join(LORA_DTYPES)} (vLLM 0.17-0.34 config/lora.py LoRADType; "
                       "default auto, the model's dtype); passed when not auto; needs "
                       "--enable-lora")


def add_vllm_version(group: argparse._ArgumentGroup | argparse.ArgumentParser) -> None:
    """--vllm-version, the same for plan, sweep, report and recommend: the release whose
    memory rules, batch defaults, KV cache dtypes and flags apply (checked against the covered
    releases by planner.serving.vllm_versions.vllm_rules)."""
    group.add_argument("--vllm-version", metavar="V", help="vLLM version whose memory rules "
                       "apply", type=_given(f"a release such as {DEFAULT_VLLM_VERSION}"),
                       default=DEFAULT_VLLM_VERSION)


def add_trust_remote_code(parser) -> None:
    """--trust-remote-code, the same for plan, sweep, report and recommend: launch-only."""
    parser.add_argument("--trust-remote-code", action="store_true",
                        help="the launch command passes vLLM's --trust-remote-code, which runs "
                        "the repository's own Python code (needed when the release has no "
                        "native class for the config's architecture and auto_map names one); "
                        "review that code first. Headroom never runs it: only the command "
                        "changes")


def _hf_overrides(text: str) -> str:
    """argparse type for --hf-overrides: the JSON object (model.config.overrides.
    parse_hf_overrides), kept as JSON text for EngineSettings and the launch command."""
    try:
        return json.dumps(parse_hf_overrides(text))
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_hf_overrides(parser) -> None:
    """--hf-overrides, the same for plan, sweep, report, recommend and inspect: vLLM's flag
    (every covered release's parser has it), applied to each model's config.json before
    planning (cli.inputs.load_model) and passed in the launch command."""
    parser.add_argument("--hf-overrides", type=_hf_overrides, metavar="JSON",
                        help="like vLLM's flag, a JSON object of config.json keys set before "
                        f"planning, limited to {', '.join(HF_OVERRIDE_KEYS)} (another key is "
                        "refused), e.g. a YaRN block to serve Qwen3 past its 40,960 tokens "
                        "(with its config's rope_theta, which a block without one loses from "
                        "vLLM 0.24): '{\"rope_scaling\": {\"rope_type\": \"yarn\", "
                        "\"factor\": 4.0, \"original_max_position_embeddings\": 32768, "
                        "\"rope_theta\": 1000000}, \"max_position_embeddings\": 131072}'; "
                        "for a model whose config.json "
                        "has a text_config (Qwen3-VL, Qwen3.5, Gemma 3), the same keys under "
                        "it: '{\"text_config\": {...}}'")


def add_enforce_eager(group: argparse._ArgumentGroup | argparse.ArgumentParser) -> None:
    """--enforce-eager, the same for plan, sweep, report and recommend: vLLM's flag (every
    covered release's parser has it), EngineSettings.enforce_eager."""
    group.add_argument("--enforce-eager", action="store_true",
                       help="like vLLM's flag, passed in the launch command: no CUDA graphs, "
                       "so their memory is 0 (from vLLM "
                       f"{version_label(GRAPHS_SUBTRACTED_FROM)} the KV cache gains what they "
                       "took) and every step launches each layer's kernels from Python: the "
                       f"per-layer step overhead x {EAGER_LAYER_OVERHEAD_FACTOR:g} (estimated, "
                       "unverified), so TPOT rises and TTFT a little")


def add_allow_long(group: argparse._ArgumentGroup | argparse.ArgumentParser,
                   length: str = "--max-model-len") -> None:
    """--allow-long-max-model-len, the same for plan, sweep, report and recommend (whose
    `length` is --context, which defaults to the input + output length, so it needs none):
    EngineSettings.allow_long_max_model_len (planner.serving.long_len)."""
    recommend = length == "--context"
    group.add_argument("--allow-long-max-model-len", action="store_true",
                       help=f"plan a {length}"
                       + (" (or the input + output length it defaults to)" if recommend else "")
                       + " above the max_model_len vLLM derives from "
                       "config.json as vLLM serves it with VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 "
                       "(set in the launch command): figures at that length, vLLM's warning "
                       "in the notes (and whether a request of that length reads past the "
                       "model's rotary cache), and the verdict names what is not modelled (the "
                       "output past the derived length)"
                       + ("" if recommend else f". Needs {length} (exit 2 without it)"))


def add_model_runner(group: argparse._ArgumentGroup | argparse.ArgumentParser) -> None:
    """--model-runner, the same for plan, sweep, report and recommend: the model runner
    planned (EngineSettings.model_runner; planner.serving.runner_choice)."""
    group.add_argument("--model-runner", choices=("auto", "v1", "v2"), default="auto",
                       help="vLLM's model runner to plan: auto (default: the one the release "
                       "picks for the model), or v1 / v2, which the launch command asks with "
                       "VLLM_USE_V2_MODEL_RUNNER=0 / =1 (vLLM 0.12-0.33; V2 planned from "
                       "0.22). A runner the release lacks (V2 before 0.12, V1 from 0.34) or "
                       "refuses for the model exits 2")


def add_mamba_flags(group: argparse._ArgumentGroup | argparse.ArgumentParser) -> None:
    """--mamba-cache-dtype, --mamba-ssm-cache-dtype, --mamba-cache-mode and --mamba-block-size,
    the same for plan, sweep, report and recommend: a hybrid model's recurrent state dtypes and
    paging (EngineSettings; checked against the release by cli.inputs.mamba_settings)."""
    group.add_argument("--mamba-cache-dtype", choices=get_args(MambaDtype), default="auto",
                       help="like vLLM's flag (0.10.1 on): a Mamba / Gated DeltaNet layer's "
                       "conv state (and an auto SSM state) in this dtype; auto (default): the "
                       "model dtype")
    group.add_argument("--mamba-ssm-cache-dtype", choices=get_args(MambaDtype), default="auto",
                       help="like vLLM's flag (0.10.1 on): the SSM / delta-rule state in this "
                       "dtype, over the config's (Nemotron-H mamba_ssm_cache_dtype, Qwen3.5 "
                       "mamba_ssm_dtype) and the release's default (a Gated DeltaNet model "
                       "from 0.17.0); auto (default): those, else the conv state's. float16 "
                       "from 0.13.0, bfloat16 from 0.22.0; a model without such layers: "
                       "unchanged")
    group.add_argument("--mamba-cache-mode", choices=get_args(MambaCacheMode), default="auto",
                       help="like vLLM's flag (0.15.0 on; all up to 0.31.0): how a hybrid "
                       "model's state is paged under prefix caching (on for hybrids from "
                       "0.28.0): all, a state page per block of the context, the block a "
                       "multiple of the Mamba chunk (models that support it, else align); "
                       "align, 2 pages (3 with a prefill checkpoint); none, like auto "
                       "(default), the release's own; without prefix caching every mode is "
                       "none, and 0.33.0 on ignore the flag")
    group.add_argument("--mamba-block-size", type=_bounded_int(1, MAX_TOKENS,
                                                                "--mamba-block-size"),
                       metavar="N", help="like vLLM's flag (0.11.1 on): in mamba cache mode "
                       "all, the attention block's multiple in place of the model's Mamba "
                       "chunk; no effect in align; refused (exit 2) without prefix caching "
                       "(before 0.28.0 for a hybrid)")


def add_speculative(group: argparse._ArgumentGroup | argparse.ArgumentParser) -> None:
    """--num-speculative-tokens, --speculative-model and --speculative-method, the same for
    plan, sweep, report and recommend: MTP drafts, or an EAGLE-3 drafter checkpoint
    (EngineSettings.num_speculative_tokens / speculative_draft; cli.inputs.speculative_draft
    reads the drafter's config)."""
    group.add_argument("--num-speculative-tokens", type=_bounded_int(0, 64), default=0,
                       metavar="N", help="MTP speculative decoding with the model's own MTP "
                       "layers, N draft tokens per step (vLLM --speculative-config method mtp; "
                       "default 0: off); with --speculative-model, the drafter's N")
    group.add_argument("--speculative-model", type=_model, metavar="PATH_OR_REPO_ID",
                       help="a separate drafter checkpoint (its config.json, a folder holding "
                       "it, or a repo id), vLLM --speculative-config method eagle3: its weights "
                       "and KV layers are planned on the last stage; give "
                       "--num-speculative-tokens N")
    group.add_argument("--speculative-method", choices=["eagle3"], default="eagle3",
                       help="the drafter's method (default eagle3, the one planned: a "
                       "Llama-style EAGLE-3 head)")
    group.add_argument("--spec-acceptance-length", type=_acceptance_length, metavar="X",
                       help="with drafts, model them in the speed at this mean acceptance "
                       "length: the tokens each request's step emits on average, 1 to N + 1 "
                       "(the bonus token included), as vLLM logs it in its SpecDecoding "
                       "metrics line, \"Mean acceptance length: X\"; TPOT = (verify step of "
                       "N + 1 tokens a request + N drafter passes) / X (the drafter's timing "
                       "unvalidated); unset: decode without the drafter")


def add_prefix_caching(group: argparse._ArgumentGroup | argparse.ArgumentParser) -> None:
    """--enable-prefix-caching / --no-enable-prefix-caching, the same for plan, sweep, report
    and recommend (EngineSettings.enable_prefix_caching; every release's parser takes both)."""
    group.add_argument("--enable-prefix-caching", action=BooleanOnce, default=None,
                       help="like vLLM's flag; unset (default): the release's own, on for a "
                       "model with attention only, on for a hybrid (Mamba / Gated DeltaNet "
                       "layers) from 0.28.0, off before. On for a hybrid: a mamba cache mode "
                       "(0.15.0 on; all: a state page per block, also 0.11.1-0.14.0 for a "
                       "model that supports it; align: 2 pages); vLLM turns it off for every "
                       "hybrid in 0.10.2-0.11.0 and for one without Mamba prefix caching "
                       "support in 0.11.1-0.14.0 (a note quotes its log)")


def add_block_size(group: argparse._ArgumentGroup | argparse.ArgumentParser) -> None:
    """--block-size, the same for plan, sweep, report and recommend: tokens per KV cache block
    (EngineSettings.block_size), checked against --vllm-version by cli.inputs.block_size_setting."""
    group.add_argument("--block-size",
                       type=_bounded_int(1, MAX_TOKENS, "--block-size"), metavar="N",
                       help="tokens per KV cache block, vLLM --block-size (default: vLLM's "
                       f"choice: {default_block_words()}, or the MLA backend's); 0.9.1-0.17 "
                       "take 1, 8, 16, 32, 64, 128 (and 256 from 0.11.1), 0.18 on any number; "
                       "Headroom plans multiples of 16")


def add_wsl2(group: argparse._ArgumentGroup | argparse.ArgumentParser,
             also: str = "") -> None:
    """--wsl2: the preset GPUs run under Windows WSL2 (plan, sweep, report and recommend);
    `also` ends the help with what the command's other memory flags do."""
    group.add_argument("--wsl2", action="store_true",
                       help="the GPUs run under Windows WSL2: plan a preset on its whole "
                       f"nvidia-smi total, which CUDA reports there (no driver reservation){also}")


def _pcie(field: str) -> Callable[[str], int]:
    """argparse type: a PCIe `field` ("generation" or "lanes") a PCIe link can have
    (hardware.pcie_slot_problem: the app's fields are checked alike)."""
    def parse(text: str) -> int:
        shown = repr(shortened(text))
        try:
            value = whole_number(text, shown)
        except CountError as exc:  # too many digits for int()
            raise argparse.ArgumentTypeError(str(exc)) from None
        except ValueError:
            raise argparse.ArgumentTypeError(f"{shown} is not a whole number") from None
        problem = pcie_slot_problem(**{field: value})
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return value
    return parse


def _network(text: str) -> NetworkSpec:
    try:
        return parse_network(text)
    except HardwareError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_network(group: argparse._ArgumentGroup | argparse.ArgumentParser) -> None:
    """--network, the same for plan, sweep, report and recommend: each node's NICs for GPU
    traffic x their Gb/s (planner.serving.hardware.parse_network), shared evenly by the node's
    GPUs; used between nodes only (ClusterSpec.network)."""
    group.add_argument("--network", type=_network, metavar="NICSxGBITS",
                       help="the network between nodes: NICs per node x Gb/s each, e.g. 8x400 "
                       "(a DGX: one 400 Gb/s NIC per GPU), 2x100 (two 100 GbE ports), 1x400 "
                       "(one NIC shared by the node); default: the GPU's DGX network, one "
                       "400 Gb/s NIC per GPU (800 on B300, 200 per DGX Spark)")


def build_parser(prog: str = "python -m planner") -> argparse.ArgumentParser:
    """The planner's parser with its subcommands; `prog` is the name the user ran
    (`python -m planner`, or the installed `headroom` script), used in usage and errors."""
    parser = _Parser(prog=prog,
                     description="Plan LLM inference capacity on your own GPUs (vLLM).",
                     epilog=f"{prog} COMMAND --help shows a command's options.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                title="commands", metavar="COMMAND")

    plan = sub.add_parser("plan", help="one plan: does it fit, KV cache, ceiling, concurrency",
                          description=COMMAND_DESCRIPTIONS["plan"].format(prog=prog))
    _add_planning(plan, layout=True)
    plan.add_argument("--json", action="store_true", help="machine-readable output")

    sweep = sub.add_parser("sweep", help="every quantization x layout x KV dtype, ranked",
                           description=COMMAND_DESCRIPTIONS["sweep"].format(prog=prog))
    _add_planning(sweep, layout=False)
    rows = sweep.add_mutually_exclusive_group()
    rows.add_argument("--top", type=_bounded_int(1, 1 << 20), metavar="K",
                      help=f"print only the K best rows (default: {SWEEP_TOP_DEFAULT} in the "
                      "table, every row with --json or --csv)")
    rows.add_argument("--all", action="store_true", help="print every row")
    add_objective(sweep)
    out = sweep.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="machine-readable output")
    out.add_argument("--csv", action="store_true", help="CSV, one line per row")

    _add_recommend(sub, prog)

    inspect = sub.add_parser("inspect", help="the architecture card of a model",
                             description=COMMAND_DESCRIPTIONS["inspect"].format(prog=prog))
    # the model by position, or by --model as every other command takes it (cmd_inspect
    # wants exactly one of the two)
    inspect.add_argument("model", metavar="PATH_OR_REPO_ID", type=_model, nargs="?")
    inspect.add_argument("--model", dest="model_flag", metavar="PATH_OR_REPO_ID", type=_model,
                         help="the model, as plan, sweep, report and recommend take it "
                              "(instead of PATH_OR_REPO_ID)")
    inspect.add_argument("--revision", type=_given(REVISION_HINT),
                         help="hub revision (branch, tag or commit)")
    inspect.add_argument("--json", action="store_true", help="machine-readable output")
    add_hf_overrides(inspect)

    report = sub.add_parser("report", help="a full report (Markdown, JSON or CSV)",
                            description=COMMAND_DESCRIPTIONS["report"].format(prog=prog))
    _add_planning(report, layout=True)
    report.add_argument("--sweep", action="store_true", help="add the ranked alternatives, "
                        "with their speed at the load, ranked by --objective")
    add_objective(report)
    report.add_argument("--compare", nargs="+", action="extend", default=[], metavar="MODEL",
                        type=_model, help="other models to compare on the same hardware "
                        "(several after one --compare, or repeat it)")
    report.add_argument("--format", choices=["md", "json", "csv"], default="md",
                        help="md: the Markdown report (default); json: the same as "
                        "{\"schema\": \"headroom.report\", ...}; csv: the sweep's rows, one "
                        "line each")
    report.add_argument("--date", type=_iso_date, metavar="YYYY-MM-DD",
                        help="date printed in the header (default today; fix it to reproduce)")
    return parser
