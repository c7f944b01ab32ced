"""The argument parser of every command line here (`python -m planner`, `python -m probes`).

Three rules for bad input, the same in both: an error is one line (no usage block), exit code
2; an option that takes one value refuses a second one (argparse keeps the last of `--gpu
h100-sxm --gpu rtx-3090` and plans the other GPU without a word); an option that means several
things (--snapshot per node, --model-dir, recommend's --model and --gpu, report's --compare:
action="append" or "extend") refuses the same thing twice, which made duplicate rows or, for
--price GPU=USD, kept the last price of a GPU.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from planner.text import sentence, shortened

_NEGATIVE_VALUE = re.compile(r"^-\.?\d|^-(inf|infinity|nan)$", re.IGNORECASE)
"""A value, not an option: a '-' then a digit (no option here starts so), or -inf / -nan.
argparse's own matcher (^-\\d+$ or ^-\\d*\\.\\d+$) leaves out -1e18, -1_000, -32k, -inf and
-nan, and the values of other options that start so (`--network -1x400`, `--date
-2026-01-01`), and took them for an option: `--gpus -1e18` said "expected one argument"
instead of what is wrong with the value."""

_LONG_NUMBER = re.compile(r"[-+]?\d[\d,_]{64,}")
"""A number of more than 64 characters: argparse and the options' types echo a refused value
as given (`--tp` or `--max-lora-rank` of 4,000 digits made a line of 4,000-5,400
characters), so error() cuts it as planner.text.shortened cuts every echoed value."""

_GIVEN = "_options_given"
"""Namespace attribute holding the dests set so far in this parse (removed before returning)."""


class _Once(argparse.Action):
    """Refuses a second occurrence of its option (under any of its spellings)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        given = namespace.__dict__.setdefault(_GIVEN, {})
        if self.dest in given and self.option_strings:
            raise argparse.ArgumentError(
                self, f"given twice ({given[self.dest]}, then {_shown(option_string, values)}): "
                "give it once")
        given[self.dest] = _shown(option_string, values)
        super().__call__(parser, namespace, values, option_string)


def _shown(option: str | None, values: Any) -> str:
    """How one occurrence is echoed: its value as typed (a count's text, '32k', not its 32000:
    cli.args.Count keeps it), or the spelling of a switch."""
    if isinstance(values, (list, tuple)) or values is None:
        return option or ""
    return repr(getattr(values, "text", str(values)))


class _StoreOnce(_Once, argparse._StoreAction):
    """The default action (store), refusing a second value."""


class BooleanOnce(_Once, argparse.BooleanOptionalAction):
    """--flag / --no-flag, refusing to be given twice (--flag --no-flag contradicts itself)."""


class _EachOnce(argparse.Action):
    """Refuses an item the option already holds: a value, or the key of a (key, value) pair
    (--price rtx-3090=0.2 --price rtx-3090=0.3)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        held = {_item_key(v): v for v in getattr(namespace, self.dest, None) or ()}
        for item in values if isinstance(self, argparse._ExtendAction) else [values]:
            key = _item_key(item)
            if key in held:
                first = held[key]
                both = (f" ({', '.join(map(str, first[1:]))}, then "
                        f"{', '.join(map(str, item[1:]))})" if isinstance(item, tuple) else "")
                raise argparse.ArgumentError(self, f"{str(key)!r} given twice{both}: give "
                                             "each once")
            held[key] = item
        super().__call__(parser, namespace, values, option_string)


def _item_key(item: Any) -> Any:
    return item[0] if isinstance(item, tuple) else item


class _AppendEachOnce(_EachOnce, argparse._AppendAction):
    """action="append", refusing a repeated item."""


class _ExtendEachOnce(_EachOnce, argparse._ExtendAction):
    """action="extend", refusing a repeated item."""


def _leftover_run(command: argparse.ArgumentParser, argv: list[str],
                  extras: list[str]) -> tuple[str, list[str]] | None:
    """(option, [its value, the words left over after it]) where, in `argv` (the words after
    the subcommand's name), the first word left over follows a single-value option's value
    (`--gpu RTX 4090` unquoted: --gpu took 'RTX'); None otherwise. That word is found by
    position, the first of its equals no option took as its value: in `--max-model-len 4090
    --gpu RTX 4090` the '4090' left over is the second."""
    stray = next((extra for extra in extras if not extra.startswith("-")), None)
    at = next((i for i, word in enumerate(argv) if word == stray
               and not (i and _takes_value(command, argv[i - 1]))), None)
    if at is None:
        return None
    start, end = at, at
    while start > 0 and not argv[start - 1].startswith("-"):
        start -= 1
    while end + 1 < len(argv) and not argv[end + 1].startswith("-"):
        end += 1
    action = command._option_string_actions.get(argv[start - 1]) if start > 0 else None
    if action is None or action.nargs is not None or start == at:
        return None
    return argv[start - 1], argv[start:end + 1]


def _takes_value(command: argparse.ArgumentParser, word: str) -> bool:
    """Whether `word` is an option of `command` that takes the word after it as its value."""
    action = command._option_string_actions.get(word)
    return action is not None and action.nargs != 0


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line (no usage block), exit code 2,
    refuses a single-value option given twice and a repeatable one given the same item twice
    (subcommands' parsers included, when they are made with parser_class=OneLineParser or a
    subclass), and takes no abbreviation of a long option: `report --output x.md` would
    otherwise be read as --output-len (the only option starting so) and fail on its value, or
    worse, be taken silently by an option the user did not mean."""

    def __init__(self, *args: Any, instead: dict[str, str] | None = None,
                 spaced: dict[str, Callable[[str], bool]] | None = None,
                 **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self.instead = instead or {}  # another command's option -> this one's in its place
        self.spaced = spaced or {}  # option whose value may hold spaces (a GPU's name, a
        # folder) -> whether a value so given is one worth quoting (leftover_advice)
        self._negative_number_matcher = _NEGATIVE_VALUE  # a value, not an option (no
        # option here looks like a negative number, so argparse then reads it as one)
        self.register("action", None, _StoreOnce)
        self.register("action", "store", _StoreOnce)
        self.register("action", "append", _AppendEachOnce)
        self.register("action", "extend", _ExtendEachOnce)

    def parse_known_args(self, args: Sequence[str] | None = None,
                         namespace: argparse.Namespace | None = None
                         ) -> tuple[argparse.Namespace, list[str]]:
        namespace, extras = super().parse_known_args(args, namespace)
        namespace.__dict__.pop(_GIVEN, None)
        return namespace, extras

    def parse_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                   namespace: argparse.Namespace | None = None) -> argparse.Namespace:
        """As argparse's, but arguments left over are refused by the subcommand's parser, so
        the error names the command ("python -m planner plan: error: unrecognized arguments:
        4090", where `--gpu RTX 4090` lost its quotes), as every other error does."""
        argv = list(sys.argv[1:] if args is None else args)
        namespace, extras = self.parse_known_args(argv, namespace)
        if extras:
            command = self._command_parser(namespace)
            words = argv if command is self else argv[argv.index(command.prog.split()[-1]) + 1:]
            run = _leftover_run(command, words, extras)
            advice = (command.leftover_advice(*run, namespace)
                      if run and isinstance(command, OneLineParser) else "")
            command.error(f"unrecognized arguments: {' '.join(map(shortened, extras))}"
                          f"{self._taken_by(command, extras)}{advice}")
        return namespace

    def leftover_advice(self, option: str, words: list[str],
                        namespace: argparse.Namespace) -> str:
        """' (--gpu takes one value: quote one with spaces, --gpu 'RTX 4090')' where `option`
        took words[0] and words[1:] were left over, the option's value may hold spaces
        (`spaced`) and the words, quoted, are a plausible value it takes; "" otherwise
        (`--model Qwen/Qwen3-14B extra`: no repo id holds a space)."""
        value, plausible = " ".join(words), self.spaced.get(option)
        if plausible is None or not plausible(value):
            return ""
        action = self._option_string_actions[option]
        try:  # the words quoted must be a value the option takes
            if callable(action.type):
                action.type(value)
        except (argparse.ArgumentTypeError, TypeError, ValueError):
            return ""
        return f" ({option} takes one value: quote one with spaces, {option} {shlex.quote(value)})"

    def _taken_by(self, command: argparse.ArgumentParser, extras: list[str]) -> str:
        """' (--tp is an option of plan and report)' for each option left over that other
        subcommands take (`sweep --tp 2`: sweep ranks every layout), with the one `command`
        takes in its place where it names one (its `instead`: recommend's --context for
        --max-model-len), and the subcommand an option is named after (`plan --sweep`: the
        sweep command, not only report's --sweep); "" for options no command takes."""
        commands = next((action.choices for action in self._actions
                         if isinstance(action, argparse._SubParsersAction)), {})
        said = []
        for option in dict.fromkeys(extra.split("=")[0] for extra in extras
                                    if extra.startswith("--")):
            takers = [name for name, parser in commands.items() if parser is not command
                      and option in parser._option_string_actions]
            if takers:
                names = (f"{', '.join(takers[:-1])} and {takers[-1]}" if len(takers) > 1
                         else takers[0])
                instead = getattr(command, "instead", {}).get(option)
                said.append(f"{option} is an option of {names}" + (
                    f"; {command.prog.split()[-1]} takes {instead} instead" if instead else ""))
            if commands.get(named := option[2:]) not in (None, command):
                said.append(f"{named} is a command: {self.prog} {named}")
        return f" ({'; '.join(said)})" if said else ""

    def _command_parser(self, namespace: argparse.Namespace) -> argparse.ArgumentParser:
        """The subcommand's parser `namespace` was parsed with, else this one."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                return action.choices.get(getattr(namespace, action.dest, None), self)
        return self

    def error(self, message: str) -> NoReturn:
        message = _LONG_NUMBER.sub(lambda number: shortened(number[0]), message)
        self.exit(2, f"{self.prog}: error: {sentence(message)}\n")
