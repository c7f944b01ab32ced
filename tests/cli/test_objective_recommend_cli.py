"""`python -m planner sweep --objective` and `python -m planner recommend`: hand-checkable
orders on the tiny hand-written model (tests/cli/tiny_model.py), bad input exits 2."""

import csv
import io
import json
from pathlib import Path

import pytest

from cli.planner_cli import main
from tests.cli.conftest import run_main as _run


def test_sweep_objective_fewest_gpus_ranks_one_gpu_first(capsys, model_dir: Path) -> None:
    # the tiny model (~70 MB of weights) fits one RTX 3090, so the best rows use one GPU;
    # the default (context) puts TP=1 x PP=4 first: 256 B of fp8 KV per token per GPU
    base = ["sweep", "--model", str(model_dir), "--gpu", "rtx-3090", "--gpus", "4",
            "--max-model-len", "4096", "--json"]
    code, out, _ = _run(capsys, *base, "--objective", "fewest-gpus")
    data = json.loads(out)
    assert code == 0 and data["objective"] == "fewest-gpus"
    assert data["rows"][0]["gpus_used"] == 1
    code, out, _ = _run(capsys, *base)
    data = json.loads(out)
    assert data["objective"] == "context"
    assert (data["rows"][0]["layout"]["tp"], data["rows"][0]["layout"]["pp"]) == (1, 4)
    assert data["rows"][0]["kv_bytes_per_token_per_gpu"] == 2 * 1 * 2 * 64 * 1


@pytest.mark.parametrize("command", ["sweep", "report"])
@pytest.mark.parametrize("flags", [["--objective", "speed"], ["--tpot-ms", "0"],
                                   ["--tpot-ms", "fast"]])
def test_bad_sweep_objective_flags_exit_2(capsys, model_dir: Path, flags: list[str],
                                          command: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main([command, "--model", str(model_dir), "--gpu", "rtx-3090", *flags])
    err = capsys.readouterr().err
    assert caught.value.code == 2 and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("argv", "note"), [
    (["sweep", "--tpot-ms", "20"],
     "--tpot-ms ranks --objective throughput only: ignored with --objective context"),
    (["sweep", "--objective", "throughput", "--tpot-ms", "20"], None),
    (["report", "--objective", "throughput"],
     "--objective and --tpot-ms rank the report's sweep: ignored without --sweep"),
    (["report", "--sweep", "--objective", "fewest-gpus", "--tpot-ms", "20"],
     "--tpot-ms ranks --objective throughput only: ignored with --objective fewest-gpus"),
    # the throughput ranking searches each row's concurrency itself: the one asked went unused
    # without a word ("speed at ..., each row at the concurrency with the most output tokens/s")
    (["sweep", "--objective", "throughput", "--concurrency", "32"],
     "--concurrency 32 is ignored with --objective throughput: each row runs at the "
     "concurrency with the most output tokens/s, up to what its KV cache and max_num_seqs "
     "hold"),
    (["sweep", "--concurrency", "32"], None),
    # the report's own plan runs at it
    (["report", "--sweep", "--objective", "throughput", "--concurrency", "32"], None),
])
def test_ranking_flags_nothing_reads_are_named_on_stderr(capsys, model_dir: Path,
                                                         argv: list[str], note) -> None:
    code, _, err = _run(capsys, argv[0], "--model", str(model_dir), "--gpu", "rtx-3090",
                        "--max-model-len", "4096", *argv[1:])
    assert code == 0
    notes = [line for line in err.splitlines() if ": note: " in line]
    assert notes == ([] if note is None else [f"python -m planner {argv[0]}: note: {note}"])


SEED = "Qwen/Qwen3-235B-A22B-GPTQ-Int4"
"""Bundled catalog entry. Its GPTQ int4 weights are ~235 B params x ~4.16 bits = ~114 GiB:
more than 4 RTX 3090s hold at 0.9 (4 x 23.57 GiB x 0.9 = 84.9 GiB), less than 8 (169.7 GiB);
more than 1 H100 holds (79.19 x 0.9 = 71.3 GiB), less than 2 (142.5 GiB)."""


def _recommend(capsys, *flags: str) -> dict:
    code, out, err = _run(capsys, "recommend", "--model", SEED, "--gpu", "rtx-3090",
                          "--gpu", "h100-sxm", "--context", "4096", "--json", *flags)
    assert code == 0, err
    return json.loads(out)


def test_recommend_lists_the_cheapest_by_memory_and_price(capsys) -> None:
    data = _recommend(capsys)
    # 8 x $0.468 = $3.744/h beats 2 x $3.99 = $7.98/h (default table)
    assert [(r["gpu_key"], r["gpus"]) for r in data["rows"]] == [("rtx-3090", 8),
                                                                 ("h100-sxm", 2)]
    assert data["rows"][0]["usd_per_hour"] == pytest.approx(8 * 0.468)
    assert data["rows"][1]["usd_per_hour"] == pytest.approx(2 * 3.99)
    assert data["pruned"] == 4  # 1, 2 and 4 RTX 3090s, 1 H100: memory below the weights
    assert "runpod.io" in data["rows"][1]["price_source"]


def test_a_price_override_changes_the_order(capsys) -> None:
    # at $1 per RTX 3090, 8 of them ($8/h) cost more than 2 H100s ($7.98/h)
    data = _recommend(capsys, "--price", "rtx-3090=1")
    assert [(r["gpu_key"], r["usd_per_hour"]) for r in data["rows"]] == [
        ("h100-sxm", pytest.approx(7.98)), ("rtx-3090", pytest.approx(8.0))]
    assert data["rows"][1]["price_source"] == "given by the user"


def test_prices_file_and_text_output(capsys, tmp_path: Path) -> None:
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"rtx-3090": 1.0, "h100-sxm": 5.0}))
    code, out, _ = _run(capsys, "recommend", "--model", SEED, "--gpu", "rtx-3090", "--gpu",
                        "h100-sxm", "--context", "4096", "--prices", str(prices))
    assert code == 0
    first = next(line for line in out.splitlines() if line.startswith("1 "))
    assert "8x rtx-3090" in first and "8.00" in first  # $8/h beats 2 x $5 = $10/h
    assert first.endswith("vllm serve")  # a GPTQ checkpoint as stored: launchable
    assert "Searched 2 priced GPU presets x" in out
    code, out, _ = _run(capsys, "recommend", "--model", SEED, "--gpu", "rtx-3090",
                        "--context", "4096", "--prices", str(prices))
    assert "Searched 1 priced GPU preset x (1, 2, 4, 8) GPUs" in out


@pytest.mark.parametrize("text", ['{"rtx-3090": 1, "rtx-3090": 2}',
                                  '{"h100-sxm": 5, "rtx-3090": 1, "rtx-3090": 1}'])
def test_a_prices_file_giving_a_gpu_twice_exits_2(capsys, tmp_path: Path, text: str) -> None:
    # json keeps the last of two values of one key without a word: the RTX 3090 was planned at
    # $2 (or at $1, the two alike) where two spellings of it ('RTX 3090', 'rtx-3090') exit 2
    prices = tmp_path / "prices.json"
    prices.write_text(text)
    code, out, err = _run(capsys, "recommend", "--model", SEED, "--gpu", "rtx-3090",
                          "--context", "4096", "--prices", str(prices))
    assert (code, out) == (2, "")
    assert err == (f"python -m planner recommend: error: --prices {prices}: 'rtx-3090' is given "
                   "twice: give each once.\n")


def test_a_price_for_a_gpu_named_as_people_write_it_says_which_preset(capsys,
                                                                      tmp_path: Path) -> None:
    # "H100" is h100-sxm; --gpu H100 says so and names h100-pcie and h100-nvl, but --price
    # H100=2 priced the SXM card without a word (a PCIe renter's price on the SXM preset)
    prices = tmp_path / "prices.json"
    prices.write_text('{"H100": 2}')
    for flags, said, others in (
            (["--price", "H100=2"], "--price 'H100'", "--price h100-pcie=USD or --price "
             "h100-nvl=USD"),
            (["--prices", str(prices)], f"--prices {prices}: 'H100'", "'h100-pcie' or "
             "'h100-nvl'")):
        code, _, err = _run(capsys, "recommend", "--model", SEED, "--gpu", "h100-sxm",
                            "--context", "4096", *flags)
        assert code == 0
        assert (f"python -m planner recommend: note: {said} is the h100-sxm preset (NVIDIA "
                f"H100 80GB HBM3); for the other H100 presets give {others}") in err.splitlines()


def test_the_prices_line_names_the_prices_given(capsys) -> None:
    # the Prices line called every row's price the table's on-demand list price, a --price
    # included: it names the GPUs whose price was given (here rtx-3090's $1; the H100's is the
    # table's, and a run without --price keeps the line as it was)
    code, out, _ = _run(capsys, "recommend", "--model", SEED, "--gpu", "rtx-3090", "--gpu",
                        "h100-sxm", "--context", "4096", "--price", "rtx-3090=1")
    assert code == 0
    assert out.splitlines()[-1] == (
        "Prices: $ per GPU-hour, table of 2026-11-30 (on-demand list prices, --json gives each "
        "source), except those given (--price, --prices): rtx-3090; * marks an estimate.")
    code, out, _ = _run(capsys, "recommend", "--model", SEED, "--gpu", "h100-sxm",
                        "--context", "4096")
    assert code == 0
    assert out.splitlines()[-1] == (
        "Prices: $ per GPU-hour, table of 2026-11-30 (on-demand list prices, --json gives each "
        "source); * marks an estimate.")



def test_a_concurrency_in_the_thousands_reads_with_a_separator(capsys, monkeypatch) -> None:
    # 1,000 requests of Qwen3-0.6B at 2,048 tokens: one H100's fp8 pool holds about 630 (28
    # layers x 8 KV heads x 256 x 1 B = 57,344 B a token), so 2 GPUs at DP=2 serve it, at the
    # 1,000 asked. The "at C" cell read "1000" beside "49,362.1" and "1,260.19"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    code, out, _ = _run(capsys, "recommend", "--model", "Qwen/Qwen3-0.6B", "--gpu", "h100-sxm",
                        "--gpus-max", "2", "--context", "2048", "--concurrency", "1000")
    assert code == 0
    first = next(line for line in out.splitlines() if line.startswith("1 "))
    assert "  1,000  " in first and "TP=1 x DP=2" in first


@pytest.mark.parametrize(("flags", "message"), [
    (["--price", "rtx-3090=abc"], "is not GPU=USD_PER_GPU_HOUR"),
    # a well-formed price out of range names the range, as 5000 does (it said "not GPU=USD")
    (["--price", "rtx-3090=-1"], "must be a number of $ per GPU-hour >= 0 and <= 1,000, got -1"),
    (["--price", "rtx-3090=5000"], "must be a number of $ per GPU-hour >= 0 and <= 1,000, got "
     "5000"),
    (["--price", "rtx-9999=1"], "unknown GPU preset 'rtx-9999'"),
    (["--gpu", "rtx-9999"], "unknown GPU preset 'rtx-9999'"),
    (["--context", "100", "--input-len", "1024"], "cannot hold an input of 1,024 tokens"),
    # 1,024 + 1,024 > 1,500: 0.34 would generate 1,500 - 1,024 = 476 tokens, 0.31 rejects it
    (["--context", "1500", "--input-len", "1024", "--output-len", "1024"],
     "an output of 1,024 tokens (vLLM 0.34.0 would cut each output to 476 tokens): give a "
     "context of 2,048 tokens or more"),
    (["--context", "1500", "--input-len", "1024", "--output-len", "1024", "--vllm-version",
      "0.31.0"], "(vLLM 0.31.0 rejects such a request)"),
    (["--gpus-max", "0"], "is outside 1..4,096"),
    (["--prices", "/nonexistent/prices.json"], "--prices /nonexistent/prices.json: cannot read"),
    # 1,000,000 requests/s x 256 output tokens: beyond 4,096 GPUs of any preset (a bound)
    (["--requests-per-s", "1000000", "--output-len", "256", "--gpus-max", "4096"],
     "256,000,000 output tokens/s needs at least"),
    # nothing meets a 1 us TPOT even alone, on any count up to 16
    (["--tpot-ms", "0.001", "--gpus-max", "16"], "meets the TTFT/TPOT targets even with one"),
    # presets without a default price (docs/prices.md: "none"): said "--price KEY=USD" only
    (["--gpu", "mi300x", "--gpu", "gb200"], "recommend: error: no GPU in the search has a price "
     "(mi300x, gb200: none on record): give one with --price mi300x=USD (per GPU-hour).\n"),
])
def test_bad_recommend_input_exits_2_with_one_line(capsys, flags: list[str], message: str
                                                    ) -> None:
    try:
        code = main(["recommend", "--model", SEED, *flags])
    except SystemExit as caught:
        code = caught.code
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert message in err


def test_targets_and_a_request_rate_hold_in_every_row(capsys) -> None:
    # 0.5 requests/s x 512 output tokens = 256 output tokens/s needed
    data = _recommend(capsys, "--requests-per-s", "0.5", "--input-len", "1024",
                      "--output-len", "512", "--tpot-ms", "120", "--ttft-ms", "10000")
    assert data["rows"]
    for row in data["rows"]:
        assert row["output_tokens_per_s"] >= 256
        assert row["tpot_ms"] <= 120 and row["ttft_ms"] <= 10_000
        # one request gets a token every TPOT: 1,000 / TPOT ms tokens/s
        assert row["output_tokens_per_s_per_request"] == pytest.approx(1e3 / row["tpot_ms"])
        assert row["prefill_tokens_per_s"] > 0
        # $ per million output tokens at the rate served: $/h / (256 tok/s x 3600 s) x 1e6
        assert row["usd_per_million_output_tokens"] == pytest.approx(
            row["usd_per_hour"] / (256 * 3600) * 1e6)


def test_nothing_within_gpus_max_names_the_fewest_that_serve(capsys) -> None:
    # Llama 3.1 405B, 64 x 32,000 tokens: more than 8 H100s hold, 16 serve (worked out in
    # tests/planner/serving/test_way_out.py)
    flags = ("recommend", "--model", "meta-llama/Meta-Llama-3.1-405B", "--gpu", "h100-sxm",
             "--context", "32k", "--concurrency", "64")
    code, out, _ = _run(capsys, *flags)
    assert code == 0 and "No configuration serves this workload within the search." in out
    line = out.split("within the search.\n")[1].splitlines()[1]
    assert line.startswith("Searching on up to 64 GPUs: 16 would serve it (16x h100-sxm, ")
    # its 16 GPUs are two nodes over the DGX H100's network, assumed: said as recommend's
    # note on rows over nodes says it (one 400 Gb/s ConnectX-7 per GPU)
    step = "): rerun with --gpus-max 16."
    assert f"{step} The network between nodes was neither given nor measured: " in line
    assert line.endswith(" assume 400 Gb/s per GPU (DGX H100: 8x ConnectX-7, 400 Gb/s each "
                         "(NVIDIA DGX BasePOD RA)).")
    code, out, _ = _run(capsys, *flags, "--json")
    assert code == 0 and json.loads(out)["way_out"] == line
    # a network given (8 NICs x 400 Gb/s per node): nothing assumed, nothing said
    code, out, _ = _run(capsys, *flags, "--network", "8x400", "--json")
    given = json.loads(out)["way_out"]
    assert code == 0 and given.endswith(step) and given == line.split(step)[0] + step
    code, out, _ = _run(capsys, *flags, "--gpus-max", "16", "--json")
    data = json.loads(out)
    assert [r["gpus"] for r in data["rows"]] == [16] and data["way_out"] == ""


def test_an_impossible_target_lists_nothing_and_says_so(capsys) -> None:
    code, out, _ = _run(capsys, "recommend", "--model", SEED, "--gpu", "rtx-3090",
                        "--context", "4096", "--tpot-ms", "0.001")
    assert code == 0
    assert "No configuration serves this workload within the search." in out
    # and why: 1, 2 and 4 RTX 3090s hold less than the ~114 GiB of weights (SEED), so every
    # plan is on 8; none is short of a TPOT of 0.001 ms but by its own figure, named
    why = out.split("within the search.\n")[1].splitlines()[0]
    assert why.startswith("Of ") and " miss the TPOT target (0.001 ms) (best TPOT " in why
    assert "in flight: Qwen/Qwen3-235B-A22B-GPTQ-Int4 on 8x rtx-3090, GPTQ int4" in why
    data = _recommend(capsys, "--tpot-ms", "0.001")
    # (both presets: the H100 counts of 2 and more are planned too)
    assert not data["rows"] and {f["reason"] for f in data["fell_out"]} <= {"memory", "tpot"}
    assert sum(f["plans"] for f in data["fell_out"]) == data["plans_made"] > 0


def test_sweep_rows_carry_speed_at_the_load(capsys, model_dir: Path) -> None:
    code, out, _ = _run(capsys, "sweep", "--model", str(model_dir), "--gpu", "rtx-3090",
                        "--gpus", "2", "--max-model-len", "4096", "--input-len", "512",
                        "--output-len", "128", "--concurrency", "3", "--json")
    data = json.loads(out)
    # no --spec-acceptance-length: the load carries the key, null (speculative decoding off)
    assert code == 0 and data["load"] == {"input_len": 512, "output_len": 128, "concurrency": 3,
                                          "arrival": "staggered", "spec_acceptance_length": None}
    for row in data["rows"]:
        if row["fits"]:
            assert row["tpot_ms"] > 0 and row["speed_concurrency"] == 3
        else:
            assert row["tpot_ms"] is None


@pytest.mark.parametrize("objective", [["--objective", "throughput", "--tpot-ms", "5"],
                                       ["--objective", "fewest-gpus"], []])
def test_report_ranks_its_alternatives_as_the_sweep_does(capsys, model_dir: Path,
                                                         objective: list[str]) -> None:
    # `report --sweep` takes sweep's load and objective flags: the same rows, in the same
    # order, with the same speed figures as `python -m planner sweep` prints
    common = ["--model", str(model_dir), "--gpu", "rtx-3090", "--gpus", "2",
              "--max-model-len", "4096", "--input-len", "512", "--output-len", "128",
              "--concurrency", "3", *objective]
    code, out, err = _run(capsys, "sweep", *common, "--json")
    assert code == 0, err
    swept = json.loads(out)
    code, out, err = _run(capsys, "report", *common, "--sweep", "--format", "json")
    assert code == 0, err
    reported = json.loads(out)
    assert reported["sweep"]["objective"] == swept["objective"] == (
        objective[1] if objective else "context")
    assert reported["load"] == swept["load"] == {"input_len": 512, "output_len": 128,
                                                 "concurrency": 3, "arrival": "staggered",
                                                 "spec_acceptance_length": None}

    def key(row: dict) -> tuple:
        return (row["quant_key"], row["layout"]["tp"], row["layout"]["pp"],
                row["layout"]["ep"], row["kv_cache_dtype"], row["ttft_ms"], row["tpot_ms"],
                row["output_tokens_per_s"], row["speed_concurrency"])
    assert [key(r) for r in reported["sweep"]["rows"]] == [key(r) for r in swept["rows"]]
    assert any(r["tpot_ms"] for r in reported["sweep"]["rows"])
    code, out, _ = _run(capsys, "report", *common, "--sweep")
    assert code == 0
    intro = next(line for line in out.splitlines() if line.startswith("Top 10 of "))
    assert intro.endswith(f"ranked by {swept['objective']}:")
    assert "speed at 512 input / 128 output tokens" in intro


def test_recommend_takes_the_load_flags_plan_takes(capsys) -> None:
    # one definition (cli.args.add_load): the same names, defaults, suffixes and bounds
    from cli.args import build_parser

    parser = build_parser()
    flags = ["--input-len", "2K", "--output-len", "1k", "--concurrency", "4"]
    plan = parser.parse_args(["plan", "--model", SEED, *flags])
    rec = parser.parse_args(["recommend", "--model", SEED, *flags])
    for args in (plan, rec):
        assert (args.input_len, args.output_len, args.concurrency) == (2048, 1000, 4)
    plan = parser.parse_args(["plan", "--model", SEED])
    rec = parser.parse_args(["recommend", "--model", SEED])
    for args in (plan, rec):
        assert (args.input_len, args.output_len, args.concurrency) == (1024, 1024, 1)
    with pytest.raises(SystemExit) as caught:
        main(["recommend", "--model", SEED, "--concurrency", "0"])
    assert caught.value.code == 2 and "is outside 1..1,048,576" in capsys.readouterr().err
    text = parser._subparsers._group_actions[0].choices["recommend"].format_help()
    assert "requests served at once (default 1)" in text  # its meaning here, said as before


def test_sweep_csv_carries_dp_and_every_speed_figure_of_plan(capsys, model_dir: Path) -> None:
    # 4 GPUs: DP splits (TP=2 x DP=2, ...) are rows; the CSV says which, and each fitting
    # row's speed is what `plan` prints for that layout at the same load
    load = ["--input-len", "512", "--output-len", "128", "--concurrency", "2"]
    base = ["--model", str(model_dir), "--gpu", "rtx-3090", "--gpus", "4",
            "--max-model-len", "4096", *load]
    code, out, _ = _run(capsys, "sweep", *base, "--csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {int(r["dp"]) for r in rows} >= {1, 2, 4}
    row = next(r for r in rows if r["fits"] == "True" and int(r["dp"]) == 2
               and r["quant_key"] == "bf16")
    code, out, _ = _run(capsys, "plan", *base, "--tp", row["tp"], "--pp", row["pp"], "--dp", "2",
                        "--kv-cache-dtype", row["kv_cache_dtype"], "--json")
    planned = json.loads(out)
    assert code == 0 and planned["layout"]["dp"] == 2
    for key in ("ttft_ms", "tpot_ms", "output_tokens_per_s", "output_tokens_per_s_per_request",
                "prefill_tokens_per_s"):
        assert float(row[key]) == pytest.approx(planned[key], abs=1e-4), key
    # one request's rate is 1 / TPOT (the plan's unrounded TPOT: the CSV's 4-decimal one is
    # off by up to 1.2e-4 relative at this tiny model's 0.42 ms)
    assert float(row["output_tokens_per_s_per_request"]) == pytest.approx(
        1e3 / planned["tpot_ms"], rel=1e-4)


def test_recommend_heading_names_the_rate_and_the_room_it_requires(capsys) -> None:
    # "--requests-per-s 2 --concurrency 50" kept rows with KV room for 50 requests, but the
    # heading said only "2 requests/s"; "1 concurrent requests" read in the plural
    assert main(["recommend", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm",
                 "--requests-per-s", "2", "--concurrency", "50"]) == 0
    assert capsys.readouterr().out.startswith(
        "Cheapest configurations for 2 requests/s with KV room for 50 requests at 2,048 tokens")
    assert main(["recommend", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm"]) == 0
    assert capsys.readouterr().out.startswith(
        "Cheapest configurations for 1 concurrent request at 2,048 tokens")


def test_recommend_searches_on_the_vllm_version_given(capsys, model_dir: Path) -> None:
    # The tiny Llama (not MLA) on an RTX 3090 (compute capability 8.6) with an fp8 KV cache:
    # vLLM 0.10.2's EngineArgs._is_v1_supported_oracle keeps a non-auto cache dtype on V1
    # only as fp8 on Hopper (9.x), any dtype on 10.0, or for an MLA model, so that start-up
    # would run on V0 and the search drops it: every row is auto KV. From 0.11 there is no V0
    # engine and 0.34.0's CacheDType offers fp8: at the same GPU and price its fp8 row holds
    # twice the tokens (1 B against 2 B per element), so it ranks first.
    base = ["recommend", "--model", str(model_dir), "--gpu", "rtx-3090", "--gpus-max", "1",
            "--price", "rtx-3090=0.22", "--context", "4096", "--json"]
    rows = {}
    for version in ("0.34.0", "0.10.2"):
        code, out, err = _run(capsys, *base, "--vllm-version", version)
        assert code == 0, err
        rows[version] = json.loads(out)["rows"]
    assert rows["0.10.2"] and {r["kv_cache_dtype"] for r in rows["0.10.2"]} == {"auto"}
    assert rows["0.34.0"][0]["kv_cache_dtype"] == "fp8"
    # without the flag: the default release, 0.34.0
    code, out, _ = _run(capsys, *base)
    assert json.loads(out)["rows"] == rows["0.34.0"]


@pytest.mark.parametrize(("flags", "words"), [
    (["--vllm-version", ""], "--vllm-version: is empty: give a release such as 0.34.0"),
    (["--vllm-version", "zero"], "vLLM version 'zero' is not like '0.34.0'"),
    (["--vllm-version", "0.8.0"], "vLLM 0.8.0 is not covered"),
    # the planner's refusal with the CLI's hint (the app names its sidebar instead)
    (["--vllm-version", "0.40"], "error: vLLM 0.40 is not covered: the newest release Headroom "
     "was checked against is 0.34.x (pass --vllm-version 0.34.0 to plan with its rules)."),
    (["--vllm-version", "0.33.0", "--vllm-version", "0.10.2"], "--vllm-version"),
])
def test_recommend_refuses_a_vllm_version_as_plan_does(capsys, model_dir: Path,
                                                       flags: list[str], words: str) -> None:
    errors = []
    for command in ("plan", "recommend"):
        try:
            code = main([command, "--model", str(model_dir), "--gpu", "rtx-3090", *flags])
        except SystemExit as caught:
            code = caught.code
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1, err
        assert words in err
        errors.append(err.partition("error: ")[2])
    assert errors[0] == errors[1]


def test_a_price_for_a_gpu_the_search_leaves_out_is_named_on_stderr(capsys,
                                                                    tmp_path: Path) -> None:
    # audit57 team 4 (2x L40S or 1x H100?): `--gpu rtx-3090 --price h100-sxm=2` searched the
    # RTX 3090 alone and dropped the H100's price without a word, the output reading as if the
    # H100 had been weighed ("Searched 1 priced GPU preset"); a --prices file is a table for
    # every GPU and stays silent, as does a --price for a GPU --gpu names
    base = ["recommend", "--model", SEED, "--gpu", "rtx-3090", "--context", "4096"]
    code, _, err = _run(capsys, *base, "--price", "h100-sxm=2", "--price", "rtx-3090=0.3")
    assert code == 0
    notes = [line for line in err.splitlines() if ": note: --price" in line]
    assert notes == ["python -m planner recommend: note: --price h100-sxm=2 is ignored: --gpu "
                     "searches rtx-3090 only (add --gpu h100-sxm to search it)"]
    prices = tmp_path / "prices.json"
    prices.write_text('{"h100-sxm": 2}')
    code, _, err = _run(capsys, *base, "--prices", str(prices))
    assert code == 0 and ": note: --price" not in err
    # without --gpu every priced preset is searched: the price is used
    code, _, err = _run(capsys, "recommend", "--model", SEED, "--context", "4096",
                        "--gpus-max", "1", "--price", "h100-sxm=2")
    assert ": note: --price" not in err
