"""An option that takes one value, given twice, is refused with one line (exit 2), in every
subcommand of `python -m planner`: before, argparse kept the last (`--gpu h100-sxm --gpu
rtx-3090` planned an RTX 3090 without a word). Options that mean several things repeat, but
not the same thing twice (duplicate rows; --price kept the last price of a GPU)."""

import argparse
import json
from pathlib import Path

import pytest

from cli.args import build_parser
from cli.parser import BooleanOnce
from cli.planner_cli import main

REQUIRED = {"plan": ["--model", "m"], "sweep": ["--model", "m"], "report": ["--model", "m"],
            "recommend": ["--model", "m"], "inspect": ["m"]}
"""What each subcommand needs besides the option under test."""


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _sample(action: argparse.Action) -> str:
    """A value the option's own type takes: a choice, the default, a date, a network, a weight
    format, a JSON object (--limit-mm-per-prompt, --mm-processor-kwargs, --hf-overrides), a
    fraction below 1 (--video-pruning-rate: 0 <= R < 1), else '2' (every count, size, time and
    name of this CLI takes 2)."""
    if action.choices:
        return str(next(iter(action.choices)))
    if action.default not in (None, [], ()):
        return str(action.default)
    return {"date": "2026-01-01", "network": "8x400", "gpu_memory_utilization": "0.9",
            "target_quant": "bf16", "mm_limits": '{"image": 0}',
            "mm_processor_kwargs": '{"max_patches": 16}',
            "hf_overrides": '{"max_position_embeddings": 2}',
            "video_pruning_rate": "0.5"}.get(action.dest, "2")


SINGLE = [(command, action) for command, parser in _subparsers().items()
          for action in parser._actions
          if action.option_strings and type(action).__name__ == "_StoreOnce"]


def test_the_single_value_options_are_found() -> None:
    names = {(c, a.option_strings[0]) for c, a in SINGLE}
    # one of each kind: a name, a number with a suffix, a choice, a date, an alias pair
    assert {("plan", "--gpu"), ("plan", "--max-model-len"), ("sweep", "--dtype"),
            ("report", "--date"), ("plan", "--kv-cache-memory-bytes"),
            ("recommend", "--prices"), ("inspect", "--revision")} <= names
    # what repeats is not among them
    assert not {("plan", "--snapshot"), ("recommend", "--model"), ("recommend", "--gpu"),
                ("report", "--compare")} & names


@pytest.mark.parametrize(("command", "action"), SINGLE,
                         ids=[f"{c} {a.option_strings[0]}" for c, a in SINGLE])
def test_a_single_value_option_given_twice_is_refused(
        command: str, action: argparse.Action, capsys: pytest.CaptureFixture) -> None:
    value = _sample(action)
    # the second spelling where there is one (--kv-cache-memory-bytes / --kv-cache-memory)
    required = [] if action.dest == "model" else REQUIRED[command]
    argv = [command, *required, action.option_strings[0], value,
            action.option_strings[-1], value]
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(argv)
    err = capsys.readouterr().err
    assert done.value.code == 2
    assert err.startswith(f"python -m planner {command}: error: argument "
                          f"{'/'.join(action.option_strings)}: given twice ("), err
    assert err.endswith("): give it once.\n") and err.count("\n") == 1, err


def test_the_refusal_echoes_both_values(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["plan", "--model", "m", "--gpu", "h100-sxm", "--gpu",
                                   "rtx-3090"])
    assert capsys.readouterr().err == ("python -m planner plan: error: argument --gpu: given "
                                       "twice ('h100-sxm', then 'rtx-3090'): give it once.\n")


def test_given_once_each_is_fine_and_leaves_no_trace() -> None:
    args = build_parser().parse_args(["plan", "--model", "m", "--gpu", "rtx-3090",
                                      "--max-model-len", "32k"])
    assert (args.gpu, args.max_model_len) == ("rtx-3090", 32000)
    assert "_options_given" not in vars(args)  # the bookkeeping never reaches the command


def test_a_count_given_twice_is_echoed_as_typed(capsys: pytest.CaptureFixture) -> None:
    # echoed its value, "('32000', then '16000')", where the user typed 32k and 16k
    with pytest.raises(SystemExit):
        build_parser().parse_args(["plan", "--model", "m", "--max-model-len", "32k",
                                   "--max-model-len", "16K"])
    assert capsys.readouterr().err == ("python -m planner plan: error: argument --max-model-len: "
                                       "given twice ('32k', then '16K'): give it once.\n")


def test_a_switch_and_its_negation_are_refused(capsys: pytest.CaptureFixture) -> None:
    action = next(a for a in _subparsers()["plan"]._actions
                  if a.dest == "enable_chunked_prefill")
    assert isinstance(action, BooleanOnce)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["plan", "--model", "m", "--enable-chunked-prefill",
                                   "--no-enable-chunked-prefill"])
    assert "given twice (--enable-chunked-prefill, then --no-enable-chunked-prefill)" in \
        capsys.readouterr().err


def test_options_that_mean_several_things_repeat() -> None:
    parse = build_parser().parse_args
    plan = parse(["plan", "--model", "m", "--snapshot", "a.json", "--snapshot", "b.json"])
    assert plan.snapshot == ["a.json", "b.json"]  # one per node
    rec = parse(["recommend", "--model", "a", "--model", "b", "--gpu", "x", "--gpu", "y",
                 "--price", "x=1", "--price", "y=2"])
    assert (rec.model, rec.gpu, rec.price) == (["a", "b"], ["x", "y"], [("x", 1.0), ("y", 2.0)])
    # --compare A --compare B compared only B before; both forms now compare both
    for argv in (["--compare", "a", "--compare", "b"], ["--compare", "a", "b"]):
        assert parse(["report", "--model", "m", *argv]).compare == ["a", "b"]


REPEATABLE = [(command, action) for command, parser in _subparsers().items()
              for action in parser._actions
              if type(action).__name__ in ("_AppendEachOnce", "_ExtendEachOnce")]


def test_the_repeatable_options_are_found() -> None:
    assert {(c, a.option_strings[0]) for c, a in REPEATABLE} == {
        (command, "--snapshot") for command in ("plan", "sweep", "report")} | {
        ("recommend", "--model"), ("recommend", "--gpu"), ("recommend", "--price"),
        ("report", "--compare")}


@pytest.mark.parametrize(("command", "action"), REPEATABLE,
                         ids=[f"{c} {a.option_strings[0]}" for c, a in REPEATABLE])
def test_a_repeatable_option_given_the_same_item_twice_is_refused(
        command: str, action: argparse.Action, capsys: pytest.CaptureFixture) -> None:
    value, shown = ("rtx-3090=0.2", "'rtx-3090'") if action.dest == "price" else ("x", "'x'")
    required = [] if action.dest == "model" else REQUIRED[command]
    argv = [command, *required, action.option_strings[0], value, action.option_strings[0],
            value]
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(argv)
    assert done.value.code == 2
    assert capsys.readouterr().err == (
        f"python -m planner {command}: error: argument {action.option_strings[0]}: {shown} "
        f"given twice{' (0.2, then 0.2)' if action.dest == 'price' else ''}: give each once.\n")


def test_two_prices_for_one_gpu_are_refused_not_the_last_kept(
        capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["recommend", "--model", "m", "--price", "rtx-3090=0.2",
                                   "--price", "rtx-3090=0.3"])
    assert "argument --price: 'rtx-3090' given twice (0.2, then 0.3): give each once." in \
        capsys.readouterr().err
    # within one --compare, too
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report", "--model", "m", "--compare", "a", "b", "a"])
    assert "argument --compare: 'a' given twice" in capsys.readouterr().err


def _refusal(capsys: pytest.CaptureFixture, argv: list[str]) -> str:
    """What the CLI writes to stderr for `argv`, which it must refuse with exit 2 (the tests of
    two spellings of one preset or model, each comparing it whole)."""
    assert main(argv) == 2
    return capsys.readouterr().err


def test_two_spellings_of_one_preset_or_the_model_compared_with_itself(
        capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parser sees different words; the command sees one GPU (two rows each before) and
    one model (its report row twice)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert _refusal(capsys, ["recommend", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--gpu",
                             "RTX 3090", "--gpus-max", "1", "--context", "4096"]) == (
        "python -m planner recommend: error: --gpu 'rtx-3090' and --gpu 'RTX 3090' are the "
        "same preset (rtx-3090): give each once.\n")
    # two spellings of the RTX 3090's price: the last (0.3) was silently kept
    assert _refusal(capsys, ["recommend", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090",
                             "--price", "RTX 3090=0.2", "--price", "rtx-3090=0.3", "--context",
                             "4096"]) == (
        "python -m planner recommend: error: --price 'RTX 3090=0.2' and --price "
        "'rtx-3090=0.3' are the same preset (rtx-3090): give each once.\n")
    assert _refusal(capsys, ["report", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--compare",
                             "Qwen/Qwen3-4B", "Qwen/Qwen3-8B"]) == (
        "python -m planner report: error: --compare Qwen/Qwen3-8B is the --model itself: "
        "compare other models.\n")


@pytest.mark.parametrize(("argv", "words"), [
    (["plan", "--model", "m", "--gpu-memory-gib", "-1e18"],
     "argument --gpu-memory-gib: -1e+18 is not a GPU memory size in GiB (0 < GiB < 1024)."),
    (["recommend", "--model", "m", "--tpot-ms", "-inf"],
     "argument --tpot-ms: -inf is not a time in milliseconds (0 < ms < 3,600,000)."),
    (["sweep", "--model", "m", "--gpu-memory-utilization", "-NaN"],
     "argument --gpu-memory-utilization: nan is not a fraction of GPU memory in (0, 1]"),
    (["plan", "--model", "m", "--gpus", "-1_000"], "argument --gpus: -1,000 is outside 1..4,096."),
    # values of other kinds that start like a negative number
    (["plan", "--model", "m", "--network", "-1x400"], "argument --network: network '-1x400' is "
     "not NICS x GBITS per node, e.g. 8x400 or 2x100 (NICs x Gb/s each)."),
    (["report", "--model", "m", "--date", "-2026-01-01"],
     "argument --date: '-2026-01-01' is not a date (YYYY-MM-DD)."),
])
def test_a_negative_number_argparse_took_for_an_option_is_read_as_the_value(
        capsys: pytest.CaptureFixture, argv: list[str], words: str) -> None:
    """argparse reads only -1 and -1.5 as numbers: -1e18, -inf, -nan and -1_000 were taken
    for an unknown option, and the flag said "expected one argument" (found by fuzzing)."""
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(argv)
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert words in err and "expected one argument" not in err
    assert len(err.splitlines()) == 1


def test_two_spellings_of_one_model_are_refused(
        capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, model_dir: Path) -> None:
    """The hub and the catalog read qwen/qwen3-8b as Qwen/Qwen3-8B, and a folder and its
    config.json are one file: recommend listed each row twice, and report --compare compared
    the model with itself (found by fuzzing the CLI; exit 0 before)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert _refusal(capsys, ["recommend", "--model", "Qwen/Qwen3-8B", "--model", "qwen/qwen3-8b",
                             "--gpu", "rtx-4090", "--gpus-max", "1"]) == (
        "python -m planner recommend: error: --model qwen/qwen3-8b names the same model as "
        "--model Qwen/Qwen3-8B: give each model once.\n")
    assert _refusal(capsys, ["report", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--compare",
                             "Qwen/Qwen3-4B", "QWEN/qwen3-8B"]) == (
        "python -m planner report: error: --compare QWEN/qwen3-8B names the same model as "
        "--model Qwen/Qwen3-8B: give each model once.\n")
    assert _refusal(capsys, ["report", "--model", "Qwen/Qwen3-4B", "--gpu", "h100-sxm", "--compare",
                             "Qwen/Qwen3-8B", "qwen/Qwen3-8B"]) == (
        "python -m planner report: error: --compare qwen/Qwen3-8B names the same model as "
        "--compare Qwen/Qwen3-8B: give each model once.\n")
    config = str(model_dir / "config.json")
    assert _refusal(capsys, ["report", "--model", str(model_dir), "--gpu", "h100-sxm", "--compare",
                             config]) == (
        f"python -m planner report: error: --compare {config} names the same model as "
        f"--model {model_dir}: give each model once.\n")
    # two models are compared as before: one row each
    assert main(["report", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--compare",
                 "qwen/qwen3-4b", "--date", "2026-01-01"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| Qwen/")]
    assert [row.split(" | ")[0] for row in rows] == ["| Qwen/Qwen3-8B", "| Qwen/Qwen3-4B"]


def test_two_spellings_of_one_preset_in_a_prices_file(
        capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A --prices file pricing the RTX 3090 twice (JSON keeps both keys; the last, 0.3, was
    silently kept) exits 2 as two --price spellings do; one spelling in the file and another
    in --price is an override: the flag's $0.3 x 1 GPU = $0.3/hour."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    prices = tmp_path / "prices.json"
    prices.write_text('{"rtx-3090": 0.2, "RTX 3090": 0.3}')
    argv = ["recommend", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--gpus-max", "1",
            "--context", "4096", "--prices", str(prices)]
    assert _refusal(capsys, argv) == (
        f"python -m planner recommend: error: --prices {prices}: 'rtx-3090': 0.2 and "
        "'RTX 3090': 0.3 are the same preset (rtx-3090): give each once.\n")
    prices.write_text('{"RTX 3090": 0.2}')
    assert main([*argv, "--price", "rtx-3090=0.3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"][0]["usd_per_hour"] == 0.3


@pytest.mark.parametrize("argv", [
    ["report", "--model", "m", "--output", "x.md"],  # was read as --output-len
    ["plan", "--model", "m", "--max-model", "4096"],  # was read as --max-model-len
    ["sweep", "--model", "m", "--gpu-mem", "0.9"],  # ambiguous prefix
])
def test_no_option_is_taken_from_an_abbreviation(argv, capsys):
    # argparse's allow_abbrev would read a prefix as the one option it starts (or refuse it as
    # ambiguous, naming options the user did not type): every parser of this CLI refuses it
    # as an unknown argument, in one line, exit 2, before any model is looked up
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and len(err.strip().splitlines()) == 1
    # named by the command's parser, as every other error is (was "python -m planner: error")
    assert err == (f"python -m planner {argv[0]}: error: unrecognized arguments: {argv[-2]} "
                   f"{argv[-1]}.\n")
    assert all(not parser.allow_abbrev for parser in _subparsers().values())


def test_an_unquoted_gpu_name_is_refused_by_the_command(capsys):
    # --gpu RTX 4090 without quotes: "4090" is left over, and the error read "python -m
    # planner: error: ..." where every other error names the command
    with pytest.raises(SystemExit) as exc:
        main(["plan", "--model", "m", "--gpu", "RTX", "4090"])
    assert exc.value.code == 2
    assert capsys.readouterr().err == (
        "python -m planner plan: error: unrecognized arguments: 4090 (--gpu takes one value: "
        "quote one with spaces, --gpu 'RTX 4090').\n")
