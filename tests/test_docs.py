"""The README as a newcomer follows it (issue 13, item 16).

Debian's and Ubuntu's system pip refuses to install (PEP 668: externally-managed-environment),
so the Quick start creates a virtual environment first; the README, the example report and
the app tell one story about the seed layout (TP=8 with expert parallelism).
"""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
EXAMPLE = (ROOT / "docs" / "examples" / "seed-8x3090-qwen3-235b-w4a16.md").read_text()


def _doc(name: str) -> str:
    """docs/NAME less its title line: a README section moved there whole (the README split of
    2026-12-06), read as the README's section was."""
    return (ROOT / "docs" / name).read_text().split("\n", 1)[1]


CLI, APP, HUB, HARDWARE, PRICES, REPORTS = (_doc(name) for name in (
    "cli.md", "app.md", "hub.md", "hardware-audit.md", "prices.md", "reports.md"))
"""The full Command line, Using the app, Models from the Hugging Face Hub, Hardware audit,
Prices and Reports sections; the README keeps a short Command line and Using the app."""


def _quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def test_quick_start_makes_a_venv_before_any_pip_install() -> None:
    commands = _quick_start_commands()
    assert commands[0] == "python3 -m venv .venv && . .venv/bin/activate"
    first_pip = next(i for i, c in enumerate(commands) if "pip install" in c)
    assert first_pip > 0
    assert "externally-managed-environment" in README


def test_readme_example_and_app_agree_on_expert_parallelism() -> None:
    flat = " ".join(README.replace("\\\n", " ").split())
    assert ("python -m planner report --model Qwen/Qwen3-235B-A22B-GPTQ-Int4 --gpu rtx-3090 "
            "--gpus 8 --tp 8 --ep ") in flat
    assert "TP=8 with expert parallelism" in flat
    assert ("python -m planner report --model Qwen/Qwen3-235B-A22B-GPTQ-Int4 --gpu rtx-3090 "
            "--gpus 8 --tp 8 --ep ") in " ".join(REPORTS.replace("\\\n", " ").split())
    launch = EXAMPLE.split("## Launch", 1)[1]
    assert "--tensor-parallel-size 8 \\\n  --enable-expert-parallel \\\n" in launch
    assert "Configuration: TP=8 + EP on 8x NVIDIA GeForce RTX 3090" in EXAMPLE
    from ui.state import AppState  # the app's default: EP on

    assert AppState().ep is True


GROUP = re.compile(r"([\[(])([^\[\]()]*)[\])]")
"""An optional [a | b] or required (a | b) group of a synopsis (no nesting in the README)."""
METAVARS = {"K": "5", "X": "2000", "Y": "50", "R": "main", "M2": "Qwen/Qwen3-8B", "...": "",
            "JSON": '{"do_pan_and_scan": true}', "HF_JSON": '{"max_position_embeddings": 40960}'}
"""Sample values for the README's placeholders."""


def _command_line_synopses() -> list[str]:
    """Each `python -m planner` command of the Command line section (docs/cli.md),
    continuations joined."""
    section = CLI
    block = re.search(r"```bash\n(.*?)```", section, flags=re.S).group(1)
    return [" ".join(line.split()) for line in block.replace("\\\n", " ").splitlines()
            if line.startswith("python -m planner ")]


def _variants(synopsis: str) -> list[list[str]]:
    """The synopsis as written (required groups: their first choice, options left out), then
    with each choice of each group alone, placeholders filled in: argv lists."""
    groups = list(GROUP.finditer(synopsis))

    def line(chosen: dict[int, str]) -> list[str]:
        text, end = "", 0
        for i, match in enumerate(groups):
            default = match[2].split("|")[0] if match[1] == "(" else ""
            text += synopsis[end:match.start()] + chosen.get(i, default)
            end = match.end()
        words = (text + synopsis[end:]).split()[3:]  # after "python -m planner"
        return [METAVARS.get(word, word) for word in words if METAVARS.get(word, word)]

    return [line({}), *(line({i: choice}) for i, match in enumerate(groups)
                        for choice in match[2].split("|"))]


def test_readme_command_line_names_the_flags_a_first_plan_needs() -> None:
    """The README's short Command line (since the split every flag's text is docs/cli.md's)
    gives the flags of a first plan a line each: model, hardware, layout, context, load,
    link and JSON, linking the full text."""
    section = README.split("\n## Command line\n", 1)[1].split("\n## ", 1)[0]
    prose = re.sub(r"```.*?```", "", section, flags=re.S)
    items = " ".join(re.findall(r"^- (.*?)(?=^- |^$)", prose, flags=re.S | re.M))
    for flag in ("--model", "--gpu", "--gpus", "--nodes", "--tp", "--pp", "--dp", "--ep",
                 "--max-model-len", "--context", "--concurrency", "--input-len", "--output-len",
                 "--link", "--json"):
        assert re.search(rf"`{flag}[ `]", items), flag
    assert "(docs/cli.md#commands-and-flags)" in prose


def test_every_command_line_synopsis_runs_with_each_option_alone(capsys, monkeypatch,
                                                                 tmp_path) -> None:
    """README's plan line offered [--dp 2] beside --tp 8: TP=8 x DP=2 on 8 GPUs exits 2.
    Every variant of every command's synopsis parses and runs offline (the catalog's models;
    recommend's --prices prices.json a file of one price) with exit 0, --json and --csv
    output that parses (report's --format json / csv too; report had no synopsis in the block
    until 2026-12-07, its --sweep, --compare, --date in docs/reports.md alone), except where the
    README says otherwise: --revision sends the repo id
    to the hub with the local cache as its only fallback ("With `--revision`, every repo id
    goes to the hub, and a failure falls back to the cache only"), so offline, with nothing
    cached, it exits 2 in one line. About 10 s."""
    import csv
    import io

    from cli.args import build_parser
    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "prices.json").write_text('{"rtx-3090": 0.22}')
    assert "a failure falls back to the cache only" in " ".join(HUB.split())
    synopses = _command_line_synopses()
    assert {s.split()[3] for s in synopses} == {"plan", "sweep", "recommend", "report",
                                                "inspect"}
    for synopsis in synopses:
        for argv in _variants(synopsis):
            build_parser().parse_args(argv)  # SystemExit(2) on a flag or value it refuses
            capsys.readouterr()
            if "--revision" in argv:
                assert main(argv) == 2, argv
                err = capsys.readouterr().err
                assert "not in the local cache" in err and err.count("\n") == 1, err
                continue
            assert main(argv) == 0, (argv, capsys.readouterr().err)
            out = capsys.readouterr().out
            form = argv[argv.index("--format") + 1] if "--format" in argv else None
            if "--json" in argv or form == "json":
                json.loads(out)
            elif "--csv" in argv or form == "csv":
                assert len(next(csv.reader(io.StringIO(out)))) > 10


def test_readme_command_line_gives_each_command_an_example_that_runs(capsys, monkeypatch,
                                                                    tmp_path) -> None:
    """The README's short Command line (the full section is docs/cli.md since the README
    split) gives one example a command: every command the parser has, each example run as
    written offline on the bundled catalog (report's `> report.md` left to the shell) exits 0.
    About 3 s."""
    import argparse

    from cli.args import build_parser
    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)
    section = README.split("\n## Command line\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, flags=re.S)[1]
    examples = [line.split(" > ", 1)[0].split()[3:]
                for line in block.replace("\\\n", " ").splitlines()
                if line.startswith("python -m planner ")]
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert sorted(argv[0] for argv in examples) == sorted(sub.choices)
    for argv in examples:
        assert main(argv) == 0, (argv, capsys.readouterr().err)
        assert capsys.readouterr().out, argv


def test_command_line_quotes_the_recommend_bound_it_prints(capsys, monkeypatch) -> None:
    """The Command line section quotes the bound of 1,000,000 requests/s x 256 output tokens
    of Qwen3-8B ("needs at least N GPUs"); it said 6,384 when recommend printed 6,330."""
    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    section = CLI
    quoted = re.search(r'256 output tokens of Qwen3-8B "needs at least ([\d,]+) GPUs"',
                       section.replace("\n# ", " "))[1]
    assert main(["recommend", "--model", "Qwen/Qwen3-8B", "--requests-per-s", "1000000",
                 "--output-len", "256", "--gpus-max", "64"]) == 2
    assert f"needs at least {quoted} GPUs of any searched preset" in capsys.readouterr().err


def test_command_line_quotes_the_dp_kv_limited_concurrency_it_prints(capsys, monkeypatch) -> None:
    """The --dp paragraph quotes the seed model's KV-limited concurrency at --dp 2 (the
    synopsis' plan, TP=4 x DP=2); it said "134 (2 x 67)" after the per-replica pool shrank to
    92,992 tokens: 5,812 blocks // 96 blocks (1,536 tokens / 16) = 60 requests a replica, and
    "120 (2 x 60)" after vLLM 0.27's Model Runner V2 buffers (169,894,912 B a GPU,
    planner.serving.runner_buffers) came off the pool: 89,408 tokens, 1,397 blocks of 64 // 24
    (1,536 tokens / 64) = 58, and "106 (2 x 53)" once the experts, 1536 / (4 x 2) = 192 wide
    per GPU, were weighed in MoE WNA16's layout (4.25 bits at the group halved to 64, not
    Marlin's 4.156: layout.moe_wna16_load): 82,496 tokens, 1,289 blocks of 64 // 24 = 53."""
    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    section = " ".join(CLI.replace("\n# ", " ").split())
    quoted = re.search(r'"KV-limited ([\d,]+) \(2 x (\d+)\) requests" \(JSON '
                       r'speed\.kv_limited_concurrency: ([\d,]+)\)', section)
    assert quoted.groups() == ("106", "53", "106")
    argv = ["plan", "--model", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "--gpu", "rtx-3090",
            "--gpus", "8", "--gpu-memory-utilization", "0.9", "--dp", "2"]
    assert main(argv) == 0
    assert "  KV-limited          106 (2 x 53) requests holding" in capsys.readouterr().out
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["speed"]["kv_limited_concurrency"] == 106


def test_seed_speed_paragraph_quotes_the_speed_model() -> None:
    """The seed scenario's speed paragraph said 19 ms (52 tok/s), 16 ms, 24 ms and 461 / 702 /
    546 tokens/s after the per-layer overheads began to scale with the SM clock (20.3, 17.6,
    24.8 ms; 458, 697, 543). The figures are worked by hand in test_speed_seed.py; this keeps
    the README's rounded quotes on them."""
    from planner.catalog import catalog_entry
    from planner.model.config.parser import parse_model_config
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest
    from planner.serving.speed import ServingLoad, estimate_speed

    entry = catalog_entry("Qwen/Qwen3-235B-A22B-GPTQ-Int4")
    spec = parse_model_config(entry.config, entry.hf_quant_config, name=entry.repo_id)

    def speed(layout: ParallelLayout, concurrency: int):
        request = PlanRequest(model=spec, cluster=preset_cluster("rtx-3090", 8), layout=layout,
                              engine=EngineSettings(max_model_len=40960,
                                                    gpu_memory_utilization=0.9))
        return estimate_speed(request, ServingLoad(concurrency=concurrency))

    text = " ".join(README.split("## Why: the seed scenario", 1)[1].split("\n## ", 1)[0].split())
    layouts = [ParallelLayout(tp=8, ep=True), ParallelLayout(tp=4, pp=2),
               ParallelLayout(tp=1, pp=8)]
    one = [speed(layout, 1) for layout in layouts]
    busy = [speed(layout, 1000) for layout in layouts]
    assert (f"decodes one request at about {round(one[0].tpot_ms)} ms per token "
            f"({round(one[0].output_tokens_per_s_per_request)} tok/s)") in text
    assert f"TTFT about {one[0].ttft_ms / 1e3:.2f} s" in text
    assert f"6-step rings ({round(one[1].tpot_ms)} ms per token)" in text
    assert f"has none ({round(one[2].tpot_ms)} ms, and {one[2].ttft_ms / 1e3:.1f} s TTFT" in text
    # EP's busiest-GPU wait: TP=8 without EP decodes one request faster (20.93 against 22.15
    # ms), EP from 7 requests at once (38.38 against 38.49 ms; 6: 36.01 against 35.78), as
    # the plan without EP says in its note (speed.EpMarlin)
    no_ep = {c: speed(ParallelLayout(tp=8), c).tpot_ms for c in (1, 6, 7, 16)}
    with_ep = {c: speed(layouts[0], c).tpot_ms for c in (6, 7, 16)}
    assert no_ep[1] < one[0].tpot_ms and no_ep[6] < with_ep[6] and with_ep[7] < no_ep[7]
    assert speed(ParallelLayout(tp=8), 1).ep_marlin.ahead_from == 7
    assert (f"TP=8 without EP the faster of the two at one request ({round(no_ep[1])} ms per "
            "token") in text
    assert (f"runs ahead from 7 requests at once (at 16: {round(with_ep[16])} against "
            f"{round(no_ep[16])} ms per token)") in text
    concurrency = ", ".join(str(e.concurrency) for e in busy[:2]) + f" and {busy[2].concurrency}"
    assert f"concurrency ({concurrency} requests" in text
    served = [round(e.output_tokens_per_s) for e in busy]
    assert f"serve about {served[0]}, {served[1]} and {served[2]} output tokens/s" in text


def test_seed_memory_figures_quote_the_plan() -> None:
    """The seed section's memory figures at 0.90, 0.92 and 0.95 (and the Using the app
    paragraph's pool at 0.92) are the plan's, rounded as quoted; the figures themselves are
    worked by hand in tests/planner/serving/test_seed_scenario.py."""
    from planner.catalog import catalog_entry
    from planner.model.config.parser import parse_model_config
    from planner.serving.engine import EngineSettings
    from planner.serving.hardware import preset_cluster
    from planner.serving.layout import ParallelLayout
    from planner.serving.plan import PlanRequest, plan

    entry = catalog_entry("Qwen/Qwen3-235B-A22B-GPTQ-Int4")
    spec = parse_model_config(entry.config, entry.hf_quant_config, name=entry.repo_id)

    def at(utilization: float):
        return plan(PlanRequest(model=spec, cluster=preset_cluster("rtx-3090", 8),
                                layout=ParallelLayout(tp=8, ep=True),
                                engine=EngineSettings(gpu_memory_utilization=utilization)))

    gib = 2**30
    flat = " ".join(README.split())
    seed = flat.split("## Why: the seed scenario", 1)[1].split(" ## ", 1)[0]
    p90, p92, p95 = at(0.9), at(0.92), at(0.95)
    assert (f"weights {p90.weights_bytes_per_gpu / gib:.2f} GiB per GPU, activation "
            f"{p90.activation_bytes_per_gpu / gib:.2f} GiB, non-torch "
            f"{p90.non_torch_bytes_per_gpu / gib:.2f} GiB") in seed
    assert f"CUDA graphs {p90.cuda_graph_bytes_per_gpu / gib:.2f} GiB" in seed
    assert (f"a KV pool of {p90.kv_cache_bytes_per_gpu / gib:.2f} GiB per GPU = "
            f"**{p90.kv_cache_tokens:,} tokens**") in seed
    assert f"context fits {p90.max_concurrency:.2f} times" in seed
    assert (f"the pool is {p92.kv_cache_bytes_per_gpu / gib:.2f} GiB = {p92.kv_cache_tokens:,} "
            f"tokens ({p92.max_concurrency:.2f} requests)") in seed
    assert (f"at 0.95 it is {p95.kv_cache_bytes_per_gpu / gib:.2f} GiB = "
            f"{p95.kv_cache_tokens:,} tokens ({p95.max_concurrency:.2f} requests)") in seed
    app = " ".join(APP.split())
    assert f"room for {p92.kv_cache_tokens:,} tokens of KV cache" in app
    assert f"({p90.kv_cache_tokens:,} at the example report's 0.90" in app


def test_prices_table_names_every_preset_once_at_its_price() -> None:
    """The Prices section's table lists each GPU preset once, with the $/GPU-hour recommend
    uses, or in the "none" row: presets are added often, and a row missing one leaves a reader
    unsure whether recommend searches it at a price."""
    from planner.serving.hardware import GPU_PRESETS
    from planner.serving.prices import DEFAULT_PRICES

    section = PRICES
    rows = [line.split(" | ") for line in section.splitlines()
            if line.startswith("| ") and not line.startswith(("| GPU preset", "|---"))]
    listed: dict[str, float | None] = {}
    for row in rows:
        keys = row[0].removeprefix("| ").split(", ")
        usd = [float(x) for x in re.findall(r"\d+\.\d+", row[1])]
        assert usd or row[1] == "none", row
        prices = [None] * len(keys) if not usd else usd if len(usd) == len(keys) else usd * len(
            keys)  # one figure for a row's keys that share it ("rtx-3090, l4 | 0.468")
        for key, price in zip(keys, prices, strict=True):
            assert key not in listed, key
            listed[key] = price
    assert set(listed) == set(GPU_PRESETS)
    assert listed == {key: p.usd_per_gpu_hour for key, p in DEFAULT_PRICES.items()}


def test_quick_start_plan_prints_the_lines_the_readme_quotes(capsys, monkeypatch) -> None:
    """The Quick start's first plan (its `headroom plan` line, run as `python -m planner`)
    prints the verdict and `vllm serve` line quoted under it, word for word."""
    import shlex

    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    command = next(c for c in _quick_start_commands() if "headroom plan " in c)
    argv = shlex.split(command.split("headroom ", 1)[1])
    block = section.split("the verdict and the command:", 1)[1].split("\n\n")[1]
    quoted = [line[4:] for line in block.splitlines()]
    assert len(quoted) == 2 and quoted[1].startswith("vllm serve ")
    assert main(argv) == 0
    printed = capsys.readouterr().out.splitlines()
    for line in quoted:
        assert line in printed, line


def _json_keys_documented() -> dict[str, set[str]]:
    """Command Line's "JSON keys" list: each command's top-level keys (backticked outside
    parentheses, which describe a key's contents)."""
    text = CLI.split("\n## JSON keys\n\n", 1)[1].split("\n\n", 1)[0]
    documented = {}
    for item in text.split("\n- ")[1:]:
        command = re.match(r"`(\w+)", item)[1]
        body = " ".join(item.split(":", 1)[1].split())
        while re.search(r"\([^()]*\)", body):
            body = re.sub(r"\([^()]*\)", "", body)
        documented[command] = set(re.findall(r"`([a-z_0-9]+)`", body))
    return documented


def test_json_keys_paragraph_names_every_top_level_key_each_command_prints(
        capsys, monkeypatch) -> None:
    """Every key the README documents is emitted and every emitted top-level key is
    documented: plan --json printed 18 keys (model_name, per_gpu, binding_rank, ...), sweep 7,
    recommend 6, report 5 and inspect 11 that the README never named."""
    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = ["--model", "Qwen/Qwen3-8B"]
    runs = {
        "plan": ["plan", *model, "--gpu", "rtx-3090", "--json"],
        "sweep": ["sweep", *model, "--gpu", "rtx-3090", "--top", "1", "--json"],
        "recommend": ["recommend", *model, "--gpu", "rtx-3090", "--context", "8k", "--json"],
        "report": ["report", *model, "--gpu", "rtx-3090", "--format", "json", "--date",
                   "2026-01-01"],
        "inspect": ["inspect", "Qwen/Qwen3-8B", "--json"],
    }
    documented = _json_keys_documented()
    assert set(documented) == set(runs)
    for command, argv in runs.items():
        assert main(argv) == 0, command
        assert set(json.loads(capsys.readouterr().out)) == documented[command], command


def test_catalog_counts_quoted_are_the_catalog_s() -> None:
    """The Catalog and hub table and Known limits quote how many entries each kind has."""
    from collections import Counter

    from planner.catalog import catalog_entries

    kinds = Counter(entry.provenance for entry in catalog_entries())
    flat = " ".join(HUB.split())
    assert f"The bundled catalog ({sum(kinds.values())} models)" in flat
    assert f"| verbatim ({kinds['verbatim']}: a copy of the hub's file) |" in flat
    assert f"| reconstructed ({kinds['reconstructed']}) or subset" in flat
    assert kinds["subset"] == 3
    assert (f"- {kinds['reconstructed']} catalog configs are still reconstructed"
            in " ".join(README.split()))


def test_project_layout_names_every_module() -> None:
    """Project layout named none of auto_layout, launch, startup, fixes, mtp, ... (13 of
    planner/serving's modules), nor probes' endpoint and files or two of tools/' scripts, and
    put ui/speed.py under pages/. Every module of each listed folder is named in it (the
    attention kinds are "one class per kind")."""
    block = README.split("## Project layout\n\n```\n", 1)[1].split("```", 1)[0]
    words = set(re.findall(r"[a-z_0-9]+", block.lower()))
    folders = ["planner", "planner/model", "planner/model/config", "planner/serving",
               "planner/serving/engine", "planner/serving/plan", "planner/serving/speed",
               "probes", "cli", "ui", "ui/pages", "tools", "bench"]
    missing = [f"{folder}/{path.name}" for folder in folders
               for path in sorted((ROOT / folder).glob("*.py"))
               if path.stem not in ("__init__", "__main__") and path.stem not in words]
    assert missing == []
    assert "speed" not in block.split("  pages/", 1)[1].split("\nplanner/", 1)[0]


def _command_line_comments() -> str:
    """The Command line block's comment lines (docs/cli.md), joined into one line of words."""
    return " ".join(" ".join(line.lstrip("# ") for line in CLI.splitlines()
                             if line.startswith("#")).split())


def test_command_line_defaults_are_the_parsers() -> None:
    """Each default the Command line section states is the parser's (and, for the batch
    limits, vLLM's as engine.batch_defaults.default_batch_limits reads them): a default moved
    in the parser leaves the README behind unless this fails."""
    import argparse

    from cli.args import build_parser
    from planner.report import ReportInputs
    from planner.serving.engine import default_batch_limits
    from planner.serving.hardware import GPU_PRESETS
    from planner.serving.vllm_versions import vllm_rules

    text = _command_line_comments()
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))

    def default(command: str, dest: str):
        return sub.choices[command].get_default(dest)

    loads = re.findall(r"\[--input-len N\] \[--output-len N\] \[--concurrency C\] \(defaults "
                       r"(\d+), (\d+), (\d+)", text)
    assert len(loads) == 2  # plan's and sweep's
    for command in ("plan", "sweep", "report", "recommend"):
        for figures in loads:
            assert tuple(map(int, figures)) == (default(command, "input_len"),
                                                default(command, "output_len"),
                                                default(command, "concurrency"))
        assert default(command, "arrival") == re.search(
            r"\[--arrival staggered\|burst\|steady\] \([^)]*\): (\w+) \(default\)", text)[1]
        assert default(command, "vllm_version") == re.search(
            r"--vllm-version V: .*?; default ([\d.]+);", text)[1]
    for pattern, dest in ((r"--quantization METHOD \(default (\w+)", "quantization"),
                          (r"--kv-cache-dtype \(default (\w+)", "kv_cache_dtype"),
                          (r"dtype for a 16-bit checkpoint \(default (\w+):", "dtype")):
        stated = re.search(pattern, text)
        assert stated and stated[1] == default("plan", dest), pattern
    assert re.search(r"--num-speculative-tokens N: .*?; default (\d+), off\.", text)[1] == str(
        default("plan", "num_speculative_tokens"))
    assert default("plan", "moe_backend") is None and "(unset: not passed, vLLM picks)" in text
    assert re.search(r"--mm-encoder-tp-mode weights\|data \(default (\w+);", text)[1] == default(
        "plan", "mm_encoder_tp_mode")
    mamba = re.search(r"--mamba-cache-dtype / --mamba-ssm-cache-dtype [\w|]+ \(default (\w+),",
                      text)[1]
    assert mamba == default("plan", "mamba_cache_dtype") == default("plan", "mamba_ssm_cache_dtype")
    gpus_max, top = re.search(r"--gpus-max N \(default (\d+), one node\) bounds the GPU counts "
                              r"searched, --top K \(default (\d+)\)", text).groups()
    assert (default("recommend", "gpus_max"), default("recommend", "top")) == (int(gpus_max),
                                                                               int(top))
    assert default("sweep", "objective") == re.search(
        r"--objective context\|concurrency\|throughput\|fewest-gpus .*? (\w+) \(the default,",
        text)[1]
    shown = re.search(r"the table shows the best (\d+) rows", text)[1]
    assert f"default: {shown} in the table" in sub.choices["sweep"]._option_string_actions[
        "--top"].help
    reports = " ".join(REPORTS.split())
    assert default("report", "format") == re.search(r"`--format` defaults to (\w+)", reports)[1]
    assert ReportInputs.model_fields["sweep_top"].default == int(
        re.search(r"alternatives: the top (\d+) of the sweep", reports)[1])
    batch = re.search(r"(\d+) sequences / ([\d,]+) tokens on a GPU of (\d+) GiB or more "
                      r"\(H100, H200\), but ([\d,]+) tokens from (\d+) GiB on vLLM ([\d.]+) and "
                      r"later \(B200\); (\d+) / ([\d,]+) on the rest, A100s and DGX Spark", text)
    big_seqs, big_tokens, _, huge_tokens, _, huge_from, seqs, tokens = (
        int(x.replace(",", "")) if "." not in x else x for x in batch.groups())

    def limits(key: str, version: str) -> tuple[int, int]:
        gpu = GPU_PRESETS[key]
        return default_batch_limits(gpu.memory_total_bytes, gpu.name, 1 << 20,
                                    vllm_rules(version), gpu.compute_capability)

    for version in ("0.11.0", "0.27.0", huge_from, "0.33.0"):
        assert limits("h100-sxm", version) == limits("h200", version) == (big_tokens, big_seqs)
        for key in ("rtx-3090", "a100-80gb", "dgx-spark-gb10"):
            assert limits(key, version) == (tokens, seqs)
    assert limits("b200", "0.27.0") == (big_tokens, big_seqs)
    assert limits("b200", huge_from) == limits("b200", "0.33.0") == (huge_tokens, big_seqs)


def test_command_line_says_which_plan_flags_report_and_sweep_take() -> None:
    """The Command line section's one line on report's and sweep's share of plan's flags."""
    import argparse

    from cli.args import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))

    def options(command: str) -> set[str]:
        return {a.option_strings[0] for a in sub.choices[command]._actions
                if a.option_strings and a.option_strings[0] != "-h"}

    text = _command_line_comments()
    line = re.search(r"report takes every plan flag above but (--[\w-]+) \(it has (--[\w-]+)\); "
                     r"sweep takes them but the ones it varies itself \(([^)]*)\), and refuses "
                     r"(--[\w-]+)", text)
    assert options("plan") - options("report") == {line[1]}
    assert line[2] in options("report")
    assert options("plan") - options("sweep") == set(line[3].split(", "))
    assert line[4] in options("sweep")


def test_worked_examples_quoted_in_command_line_and_prices_are_plan_s(capsys, monkeypatch) -> None:
    """Examples the README quotes beside a flag or preset, each read from the README and
    compared with `plan --json`: --dtype float32 on Qwen3-8B, the flashinfer_b12x workspace
    of Qwen3.6-35B-A3B, the host-staged PCIe rates at x8 and x2 (and the RTX 4060 Ti's and
    5060 Ti's x8 links), and the T4's Qwen3-4B and gemma-2-2b-it plans."""
    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    gib = 2**30
    text = _command_line_comments()
    flat = " ".join(PRICES.split())

    def planned(*argv: str) -> dict:
        assert main(["plan", *argv, "--json"]) == 0, argv
        return json.loads(capsys.readouterr().out)

    bf16, fp32 = re.search(r"float32 doubles both \(Qwen3-8B ([\d.]+) -> ([\d.]+) GiB\)",
                           text).groups()
    for dtype, quoted in (("auto", bf16), ("float32", fp32)):
        plan = planned("--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--dtype", dtype)
        assert f"{plan['weights_bytes_per_gpu'] / gib:.2f}" == quoted

    tokens, layers, each, total = re.search(
        r"the `moe_workspace` term: Qwen3.6-35B-A3B at ([\d,]+) tokens, (\d+) x ([\d.]+) MB = "
        r"([\d.]+) GiB\)", text).groups()
    plan = planned("--model", "nvidia/Qwen3.6-35B-A3B-NVFP4", "--gpu", "rtx-pro-6000",
                   "--vllm-version", "0.25.0", "--moe-backend", "flashinfer_b12x",
                   "--max-num-batched-tokens", tokens.replace(",", ""), "--max-model-len", "8k")
    workspace = next(t for t in plan["terms"] if t["key"] == "moe_workspace")
    assert workspace["formula"].startswith(f"{layers} MoE layers x ")
    assert f"{workspace['value'] / int(layers) / 1e6:.1f}" == each
    assert f"{workspace['value'] / gib:.2f}" == total

    x8, x2 = re.search(r"= ([\d.]+) GB/s at PCIe 4.0 x8, ([\d.]+) at x2", text).groups()
    for lanes, quoted in (("8", x8), ("2", x2)):
        speed = planned("--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--gpus", "2",
                        "--tp", "2", "--max-model-len", "8k", "--pcie-gen", "4",
                        "--pcie-lanes", lanes)["speed"]
        assert f"{speed['link_bandwidth_gbps']:.2f}" == quoted
    for gpu, pattern in (("rtx-4060-ti-16gb", r"RTX 4060 Ti is PCIe 4.0 x8 .*? host memory, "
                                              r"([\d.]+) GB/s, binds"),
                         ("rtx-5060-ti-16gb", r"the host-staged copy without P2P, ([\d.]+) GB/s")):
        speed = planned("--model", "Qwen/Qwen3-8B", "--gpu", gpu, "--gpus", "2", "--tp", "2",
                        "--max-model-len", "8k")["speed"]
        assert f"{speed['link_bandwidth_gbps']:.2f}" == re.search(pattern, flat)[1], gpu

    length, weights, pool, kv_tokens = re.search(
        r"Qwen3-4B at ([\d,]+) tokens on vLLM 0.34: ([\d.]+) GiB of FP16 weights, a ([\d.]+) GiB "
        r"KV pool, ([\d,]+) tokens", flat).groups()
    plan = planned("--model", "Qwen/Qwen3-4B", "--gpu", "t4", "--max-model-len",
                   length.replace(",", ""))
    assert (f"{plan['weights_bytes_per_gpu'] / gib:.2f}",
            f"{plan['kv_cache_bytes_per_gpu'] / gib:.2f}",
            f"{plan['kv_cache_tokens']:,}") == (weights, pool, kv_tokens)
    assert plan["weight_format_label"] == "FP16"  # "GiB of FP16 weights": no bfloat16 on a T4
    gemma = re.search(r"gemma-2-2b-it takes ([\d.]+) GiB, not ([\d.]+)\)", flat).groups()
    on_t4 = planned("--model", "google/gemma-2-2b-it", "--gpu", "t4")
    on_3090 = planned("--model", "google/gemma-2-2b-it", "--gpu", "rtx-3090")
    assert (f"{on_t4['weights_bytes_per_gpu'] / gib:.2f}",
            f"{on_3090['weights_bytes_per_gpu'] / gib:.2f}") == gemma


def test_sweep_csv_ends_with_the_columns_the_readme_lists(capsys, monkeypatch) -> None:
    """"CSV adds the same columns at the end (...)": the header's last columns, in order."""
    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    listed = re.search(r"CSV adds the same columns at the end \(([^:]*): columns are only "
                       r"appended\)", _command_line_comments())[1]
    columns = re.split(r", then |, | and ", listed)
    assert main(["sweep", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--top", "1",
                 "--csv"]) == 0
    header = capsys.readouterr().out.splitlines()[0].split(",")
    assert header[-len(columns):] == columns
    assert header[header.index("vllm_command") + 1] == columns[0]  # appended after the plan's


def test_dotted_speed_and_engine_names_are_json_keys_or_module_names(capsys, monkeypatch) -> None:
    """The README and docs/ write `speed.kv_bound` (plan --json's key path) and `speed.context_rule`
    (planner.serving.speed's function) alike: each such name is one or the other."""
    import importlib

    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--max-model-len",
                 "8k", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    docs = README + "".join(path.read_text() for path in sorted((ROOT / "docs").glob("*.md")))
    names = {name for name in re.findall(r"(?<![\w./])((?:speed|engine)(?:\.[A-Za-z_]\w*)+)",
                                         docs) if not name.endswith((".py", ".md"))}
    assert {"speed.kv_bound", "engine.vllm_version", "engine.sparse_mla.sparse_mla_kv"} <= names
    for name in sorted(names):
        head, *path = name.split(".")
        if hasattr(importlib.import_module(f"planner.serving.{head}"), path[0]):
            continue
        node = data
        for key in (head, *path):
            assert isinstance(node, dict) and key in node, name
            node = node[key]


def test_command_line_hardware_defaults_are_what_plan_builds(capsys, monkeypatch) -> None:
    """"--gpus N (total, default 1) [--nodes M] (default 1)": a plan given neither has that
    many GPUs, on that many nodes."""
    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    gpus, nodes = map(int, re.search(r"--gpus N \(total, default (\d+)\) \[--nodes M\] "
                                     r"\(default (\d+)\)", _command_line_comments()).groups())
    assert main(["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--max-model-len",
                 "8k", "--json"]) == 0
    ranks = json.loads(capsys.readouterr().out)["per_gpu"]
    assert (len(ranks), len({rank["node"] for rank in ranks})) == (gpus, nodes)


def test_known_limits_quotes_the_dp_recommend_it_describes(capsys, monkeypatch) -> None:
    """Known limits' data-parallel item (its full text in docs/known-limits.md since the
    README's list was shortened) quotes recommend for Qwen3-30B-A3B at 1,000 requests/s on
    H100 (up to 1,024 GPUs), and over RTX 4090s and 5090s: it quoted TP=1 x PP=2 x DP=128
    with EP (1,024,001 output tokens/s, 40,698 requests in flight, TTFT 2,576 ms, TPOT 37.2
    ms) and 512 RTX 4090s (TP=1 x PP=4 x DP=128 with EP, $378.88 an hour) while the EP
    dispatch was costed as k routed copies; on vLLM's default backend, which gathers the other
    DP ranks' tokens, neither search finds a plan (2026-12-07); with --all2all-backend
    deepep_high_throughput the H100 search finds that layout again and the RTX one 512 RTX
    4090s, the figures it quotes. About 18 s."""
    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    flat = " ".join((ROOT / "docs" / "known-limits.md").read_text().split(
        "\n### Data parallelism of MoE models\n", 1)[1].split("\n## ", 1)[0].split())
    assert ("`recommend` of Qwen3-30B-A3B at 1,000 requests/s on H100 (up to 1,024 GPUs) "
            "finds no plan, nor over RTX 4090s and 5090s") in flat
    for gpus in (["--gpu", "h100-sxm"], ["--gpu", "rtx-4090", "--gpu", "rtx-5090"]):
        assert main(["recommend", "--model", "Qwen/Qwen3-30B-A3B", "--requests-per-s", "1000",
                     "--gpus-max", "1024", *gpus, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["rows"] == []
    ht = ("--all2all-backend", "deepep_high_throughput", "--json")
    assert main(["recommend", "--model", "Qwen/Qwen3-30B-A3B", "--requests-per-s", "1000",
                 "--gpus-max", "1024", "--gpu", "h100-sxm", *ht]) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    assert ("With `--all2all-backend deepep_high_throughput` (2026-12-07) it picks TP=1 x PP=2 "
            f"x DP=128 with EP on {row['gpus']} H100s, ${row['usd_per_hour']:,.2f} an hour: "
            f"{row['output_tokens_per_s']:,.0f} output tokens/s with "
            f"{row['speed_concurrency']:,} requests in flight, TTFT {row['ttft_ms']:,.0f} ms, "
            f"TPOT {row['tpot_ms']:.1f} ms") in flat
    assert row["layout"] == {"tp": 1, "pp": 2, "dp": 128, "ep": True}
    assert main(["recommend", "--model", "Qwen/Qwen3-30B-A3B", "--requests-per-s", "1000",
                 "--gpus-max", "1024", "--gpu", "rtx-4090", "--gpu", "rtx-5090", *ht]) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    assert (row["gpus"], row["gpu_key"], row["layout"]) == (
        512, "rtx-4090", {"tp": 1, "pp": 4, "dp": 128, "ep": True})
    assert (f"it picks {row['gpus']} RTX 4090s (TP=1 x PP=4 x DP=128 with EP, "
            f"${row['usd_per_hour']:,.2f} an hour)") in flat


def test_command_line_names_the_releases_that_take_nnodes() -> None:
    """The several-nodes paragraph said "from vLLM 0.12 every node runs ... --nnodes", "On
    0.9.1-0.11 (no --nnodes) it runs on Ray" and "On 0.12-0.26 --nnodes above 1 turns vLLM's
    custom all-reduce off", while the 0.11.1 parser has --nnodes (launch uses it there) and
    vllm_versions.NNODES_CUSTOM_AR_OFF starts at 0.11.1."""
    from planner.serving.vllm_cli import vllm_cli
    from planner.serving.vllm_versions import NNODES_CUSTOM_AR_OFF, covered_releases

    flat = " ".join(CLI.split())
    first = re.search(r"from vLLM ([\d.]+) every node runs the same command with `--nnodes",
                      flat)[1]
    ray_last = re.search(r"On 0\.9\.1-([\d.]+) \(no `--nnodes`\) it runs on Ray", flat)[1]
    off = re.search(r"On ([\d.]+)-([\d.]+) `--nnodes` above 1 turns vLLM's custom all-reduce off",
                    flat).groups()

    def key(version: str) -> tuple[int, ...]:
        return tuple(int(x) for x in version.split("."))

    with_nnodes = [v for v in covered_releases() if "--nnodes" in vllm_cli(v).flags]
    without = [v for v in covered_releases() if "--nnodes" not in vllm_cli(v).flags]
    assert min(with_nnodes, key=key) == first
    assert max(without, key=key) == ray_last
    start, end = NNODES_CUSTOM_AR_OFF
    assert key(off[0]) == start and key(off[1])[:2] == (end[0], end[1] - 1)


def test_speed_item_names_the_tp_sizes_vllm_s_custom_all_reduce_runs() -> None:
    """How the numbers are made (docs/how-the-numbers-are-made.md since the README split) said
    the custom kernel takes "2, 4, 6, 8, and 16 from 0.27";
    should_custom_ar leaves every all-reduce above 8 ranks to NCCL (0.27.0-0.34.0 wheels), as
    106588f made the speed model do: vllm_versions.CUSTOM_AR_WORLD_SIZES."""
    from planner.serving.vllm_versions import CUSTOM_AR_WORLD_SIZES

    flat = " ".join((ROOT / "docs" / "how-the-numbers-are-made.md").read_text().split())
    sizes = re.search(r"its own kernel needs a TP size it supports \(([\d, or]+):", flat)[1]
    assert tuple(int(x) for x in re.findall(r"\d+", sizes)) == tuple(sorted(CUSTOM_AR_WORLD_SIZES))


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation but '-' and '_' dropped,
    spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    """Every anchor GitHub gives `path`'s headings (a repeated one gains -1, -2, ...), outside
    fenced code."""
    count: dict[str, int] = {}
    anchors = set()
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
    for heading in re.findall(r"^#{1,6} (.+)$", text, flags=re.M):
        slug = _slug(heading)
        anchors.add(f"{slug}-{count[slug]}" if slug in count else slug)
        count[slug] = count.get(slug, 0) + 1
    return anchors


def test_every_relative_link_in_readme_and_docs_resolves() -> None:
    """The README split (74218d9) and the Known limits move link README and docs/ to each
    other's headings: each relative link names a file that exists and, with '#', a heading
    of it (GitHub's anchor), so a heading renamed or text moved leaves no dead link."""
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]  # docs/examples too
    dead = []
    for path in files:
        text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            file, _, anchor = target.partition("#")
            linked = (path.parent / file).resolve() if file else path
            if target.endswith("#") or not linked.exists() or (
                    anchor and linked.suffix == ".md" and anchor not in _anchors(linked)):
                dead.append(f"{path.name}: {target}")
    assert dead == []


def test_known_limits_links_every_limit_docs_details() -> None:
    """README's Known limits is one short line a limit; docs/known-limits.md holds the full
    text under a heading each. Every such heading is linked from the README list, and every
    group of the list is one of the file's."""
    section = README.split("\n## Known limits\n", 1)[1].split("\n## ", 1)[0]
    details = (ROOT / "docs" / "known-limits.md").read_text()
    linked = set(re.findall(r"\(docs/known-limits\.md#([\w-]+)\)", section))
    assert linked == {_slug(h) for h in re.findall(r"^### (.+)$", details, flags=re.M)}
    groups = re.findall(r"^\*\*(.+)\*\*$", section, flags=re.M)
    assert groups == re.findall(r"^## (.+)$", details, flags=re.M)


def test_command_line_utilization_and_context_defaults_are_what_runs(capsys, monkeypatch) -> None:
    """"--gpu-memory-utilization U: unset, vLLM's default for --vllm-version: 0.92 from 0.20, 0.9
    before" and recommend's "--context (default input + output length)", each read from the
    README and checked against what plan and recommend use when the flag is left out."""
    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    text = _command_line_comments()
    new, start, old = re.search(r"--gpu-memory-utilization U: unset, vLLM's default for "
                                r"--vllm-version: ([\d.]+) from ([\d.]+), ([\d.]+) before",
                                text).groups()
    minor = int(start.split(".")[1])
    for version, quoted in ((f"0.{minor - 1}.0", old), (f"0.{minor}.0", new), ("0.34.0", new)):
        assert main(["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--max-model-len",
                     "8k", "--vllm-version", version, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["engine"]["gpu_memory_utilization"] == float(
            quoted), version
    assert "--context (default input + output length)" in text
    assert main(["recommend", "--model", "Qwen/Qwen3-8B", "--concurrency", "2", "--input-len",
                 "300", "--output-len", "200", "--gpu", "rtx-3090"]) == 0
    assert ("2 concurrent requests at 500 tokens of context (input 300, output 200)"
            in capsys.readouterr().out.splitlines()[0])


def test_using_the_app_names_the_releases_covered_and_the_default() -> None:
    """The sidebar's release list as Using the app states it ("0.9.1-0.10.2, every minor
    0.11.0-0.34.0, and 0.11.1, 0.15.1, 0.22.1; default 0.34.0") is covered_releases(), and the
    default is the app's and the CLI's."""
    from cli.args import build_parser
    from planner.serving.vllm_versions import covered_releases
    from ui.state import AppState

    section = " ".join(APP.split())
    first, last, lo, hi, extra, default = re.search(
        r"the releases Headroom covers \(([\d.]+)-([\d.]+), every minor ([\d.]+)-([\d.]+), and "
        r"([\d., ]+); default ([\d.]+)\)", section).groups()
    releases = list(covered_releases())
    early = releases[releases.index(first):releases.index(last) + 1]
    minors = [f"0.{m}.0" for m in range(int(lo.split(".")[1]), int(hi.split(".")[1]) + 1)]
    assert releases[0] == first and releases[-1] == hi
    assert sorted(releases, key=lambda v: tuple(map(int, v.split(".")))) == sorted(
        {*early, *minors, *extra.split(", ")}, key=lambda v: tuple(map(int, v.split("."))))
    assert AppState().vllm_version == default
    assert build_parser().parse_args(["plan", "--model", "x"]).vllm_version == default


def test_using_the_app_names_only_link_parameters_the_app_reads() -> None:
    """Using the app names the link parameter of each choice ("`bs` in the link", "in the link
    as `in`, `out`, `conc` and `arr`", "a link pins it with `tp`, `pp` and `dp`"): each is a
    field alias of ui.state.AppState, the keys the app reads from and writes to the URL."""
    from ui.state import AppState

    section = " ".join(APP.split())
    names = r"((?:`\w+`(?:, | and )?)+)"
    groups = (re.findall(names + r" in the link", section)
              + re.findall(r"in the link as " + names, section)
              + re.findall(r"a link pins it with " + names, section))
    named = {name for group in groups for name in re.findall(r"`(\w+)`", group)}
    aliases = {field.alias or key for key, field in AppState.model_fields.items()}
    assert {"vllm", "gmu", "bs", "moe", "a2a", "eplb", "redundant", "spec", "in", "arr", "tp",
            "obj", "tpot", "net"} <= named
    assert named - aliases == set()


def test_every_repository_path_named_in_readme_and_docs_exists() -> None:
    """README and docs/ name files by path (planner/serving/eplb.py, bench/public_memory.py,
    tests/fixtures/configs/SOURCES.md, ...); each exists, with or without its .py, so a module
    moved or split (planner/serving/startup.py became a package) leaves no stale path. A path
    with a placeholder (vllm-X.json) is a pattern, not a file."""
    missing = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for named in set(re.findall(r"(?<![\w/.-])((?:planner|cli|ui|probes|bench|tools|tests)/"
                                    r"[\w/.-]*\w)", path.read_text())):
            if "-X." not in named and not ((ROOT / named).exists()
                                           or (ROOT / f"{named}.py").exists()):
                missing.append(f"{path.name}: {named}")
    assert missing == []


def test_command_line_flags_said_to_work_for_other_commands_are_theirs() -> None:
    """"--block-size N: ... (also for sweep, report, recommend; ...)": each command an "(also
    for ...)" names has the flag written just before it (--dtype, --no-enable-chunked-prefill,
    --block-size, --arrival, --pcie-lanes, --network, ...)."""
    import argparse

    from cli.args import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    text = _command_line_comments()
    claims = [(re.findall(r"--[a-z][a-z0-9-]+", text[:m.start()])[-1], command)
              for m in re.finditer(r"\(also for ([a-z, ]+?)[;:)]", text)
              for command in re.split(r", | and ", m[1])]
    assert {flag for flag, _ in claims} >= {"--dtype", "--block-size", "--arrival", "--network"}
    assert [(flag, command) for flag, command in claims
            if flag not in sub.choices[command]._option_string_actions] == []


def test_command_line_link_default_is_the_preset_s() -> None:
    """"[--link nvlink|pcie|pcie-no-p2p|cross-socket] (default: the preset's -- GeForce cards
    pcie-no-p2p, their driver refuses P2P -- ...)": every GeForce preset's default link is
    pcie-no-p2p, and the choices are the parser's."""
    import argparse

    from cli.args import build_parser
    from planner.serving.hardware import GPU_PRESETS

    text = _command_line_comments()
    choices, geforce = re.search(r"\[--link ([\w|-]+)\] \(default: the preset's -- GeForce cards "
                                 r"([\w-]+), their driver refuses P2P", text).groups()
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices["plan"]._option_string_actions["--link"].choices) == set(
        choices.split("|"))
    links = {key: str(gpu.default_intra_node_link) for key, gpu in GPU_PRESETS.items()
             if "GeForce" in gpu.name}
    assert len(links) > 10 and set(links.values()) == {geforce}


def test_command_line_kv_cache_dtype_releases_are_the_parsers() -> None:
    """--kv-cache-dtype's "(nvfp4 and int8/fp8 per-token-head from 0.20, int4 from 0.25,
    nvfp4_4over6 from 0.28)", "turboquant_k8v4 / ... (from 0.20" and "nvfp4_ds_mla (from 0.30":
    each is in the --kv-cache-dtype choices of that release's parser (command-line fixture)
    and not of the minor release before it."""
    from planner.serving.vllm_cli import vllm_cli

    text = _command_line_comments()
    packed = re.search(r"\(nvfp4 and int8/fp8 per-token-head from ([\d.]+), int4 from ([\d.]+), "
                       r"nvfp4_4over6 from ([\d.]+)\)", text).groups()
    firsts = {"nvfp4": packed[0], "int8_per_token_head": packed[0],
              "fp8_per_token_head": packed[0], "int4_per_token_head": packed[1],
              "nvfp4_4over6": packed[2],
              "turboquant_k8v4": re.search(r"turboquant_k8v4 / [\w /]+ \(from ([\d.]+),", text)[1],
              "nvfp4_ds_mla": re.search(r"nvfp4_ds_mla \(from ([\d.]+),", text)[1]}

    def offered(version: str) -> tuple[str, ...]:
        return vllm_cli(version).choices["--kv-cache-dtype"]

    for dtype, first in firsts.items():
        minor = int(first.split(".")[1])
        assert dtype in offered(f"0.{minor}.0"), dtype
        assert dtype not in offered(f"0.{minor - 1}.0"), dtype


def test_every_flag_command_line_and_using_the_app_name_exists() -> None:
    """Each --flag the two sections write is an option of a `python -m planner` command or of
    `python -m probes`, or a `vllm serve` flag of a covered release (the command-line fixtures;
    --no-X where --X is one), or one of the few other tools' options they quote: `ray start
    --head` / `--address`, `vllm bench serve --max-concurrency`, `vllm --version`, and
    `--output`, the abbreviation they say is refused. A flag renamed or dropped fails here."""
    import argparse
    import contextlib
    import io

    from cli.args import build_parser
    from planner.serving.vllm_cli import vllm_cli
    from planner.serving.vllm_versions import covered_releases
    from probes.__main__ import main as probes_main

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    known = {o for parser in sub.choices.values() for a in parser._actions
             for o in a.option_strings}
    known |= set().union(*(vllm_cli(version).flags for version in covered_releases()))
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown), contextlib.suppress(SystemExit):
        probes_main(["--help"])
    known |= set(re.findall(r"--[a-z][a-z0-9-]+", shown.getvalue()))
    others = {"--head", "--address", "--max-concurrency", "--version", "--output"}
    assert "python -m probes --load" in " ".join(HARDWARE.split())
    sections = {"docs/cli.md": CLI, "docs/app.md": APP,
                **{f"README {heading}": README.split(heading, 1)[1].split("\n## ", 1)[0]
                   for heading in ("## Command line\n", "## Using the app\n")}}
    for name, section in sections.items():
        flags = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]+", section))
        unknown = {f for f in flags - known - others if f.replace("--no-", "--", 1) not in known}
        assert unknown == set(), name


def test_using_the_app_names_where_flashinfer_refuses_gemma_at_16_token_blocks(
        capsys, monkeypatch) -> None:
    """Using the app: Gemma-2/3 at vLLM's block size is refused on "B200 and GB200 under vLLM
    0.11.1-0.17, B300 under 0.13-0.17; not the RTX 50 series, RTX PRO 6000 or GB10". It said
    B300 under 0.11.1-0.17 too, where vLLM 0.11.1-0.12 take Blackwell's backends on 10.0 only
    (the B300 is 10.3). Planned at each range's ends and the releases either side."""
    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    section = " ".join(APP.split())
    first, last, b300_first, b300_last = re.search(
        r"B200 and GB200 under vLLM ([\d.]+)-([\d.]+), B300 under ([\d.]+)-([\d.]+); not the RTX "
        r"50 series, RTX PRO 6000 or GB10\) is refused", section).groups()

    def fits(gpu: str, version: str) -> bool:
        assert main(["plan", "--model", "google/gemma-2-9b-it", "--gpu", gpu, "--vllm-version",
                     f"{version}.0" if version.count(".") == 1 else version, "--json"]) == 0
        return json.loads(capsys.readouterr().out)["fits"]

    for gpu, lo, before in (("b200", first, "0.11.0"), ("gb200", first, "0.11.0"),
                            ("b300", b300_first, "0.12.0")):
        assert fits(gpu, before) and not fits(gpu, lo) and not fits(gpu, last), gpu
        assert fits(gpu, "0.18.0"), gpu
    assert last == b300_last
    for gpu in ("rtx-5090", "rtx-pro-6000", "dgx-spark-gb10"):
        assert fits(gpu, last), gpu


def _section(heading: str) -> str:
    """One `## heading` section of the README, its lines joined into one line of words."""
    return " ".join(README.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0].split())


def _quotes(quoted: str, stored: float) -> bool:
    """A figure the README rounds to its own decimals is the stored one, so rounded."""
    decimals = len(quoted.partition(".")[2])
    return abs(float(quoted.replace(",", "")) - stored) <= 0.5 * 10 ** -decimals + 1e-9


def test_accuracy_figures_quoted_are_the_stored_bench_results() -> None:
    """Accuracy at a glance, Accuracy and Benchmarks quote the benches' results, which each
    bench's --write stores in planner/accuracy_data/ (the report reads them; the public speed
    summary is checked against its runs in tests/test_public_benches.py). 1428fb7a moved the
    public speed p90s there, in the README and, by hand, nowhere else: the example report's
    line, which quotes the stored file, was left behind. Each figure is compared at the
    README's own rounding, so a bench rerun that moves a figure must move the README too."""
    data = ROOT / "planner" / "accuracy_data"
    memory = json.loads((data / "accuracy_results.json").read_text())["figures"]
    speed = json.loads((data / "speed_accuracy_results.json").read_text())
    public = json.loads((data / "public_speed_results.json").read_text())["summary"]["all"]
    glance, accuracy, benchmarks = (_section(h) for h in
                                    ("Accuracy at a glance", "Accuracy", "Benchmarks"))
    held = speed["held_out"]

    names = {"all held-out": held["all"], "H100 SXM": held["gpu"]["h100_sxm"],
             "H200 SXM": held["gpu"]["h200_sxm"], "B200 SXM": held["gpu"]["b200_sxm"],
             "B300 SXM": held["gpu"]["b300_sxm"], "vLLM": held["backend"]["vllm"],
             "SGLang": held["backend"]["sglang"], "Llama-3.1 (dense)": held["family"]["llama-3.1"],
             "MiniMax-M2.5": held["family"]["minimax"], "gpt-oss-120b": held["family"]["gpt-oss"],
             "DeepSeek-V3/R1": held["family"]["deepseek-v3"],
             "Kimi-K2.5": held["family"]["kimi-k2"],
             "Qwen3-235B-A22B": held["family"]["qwen3-moe"], "GLM-5": held["family"]["glm-5"],
             "Qwen3.5-397B-A17B": held["family"]["qwen3.5-moe"]}
    table = re.findall(r"\| ([^|]+?) \| (\d+) \| ([\d.]+) % \| ([\d.]+) % \| ([\d.]+) % \| "
                       r"([\d.]+) % \|", accuracy.split("### Speed", 1)[1])
    assert [row[0] for row in table] == list(names)
    for name, rows, *figures in table:
        group = names[name]
        assert int(rows) == group["rows"], name
        for quoted, key in zip(figures, ("tpot_median", "tpot_p90", "ttft_median", "ttft_p90"),
                               strict=True):
            assert _quotes(quoted, group[key]), (name, key)

    def speed_figures(pattern: str, text: str) -> list[str]:
        return list(re.search(pattern, text).groups())

    everyone = held["all"]
    for quoted, key in zip(
            speed_figures(r"\| (\d+) held-out H100/H200/B200/B300 serving points.*? \| median "
                          r"([\d.]+) % / ([\d.]+) % \(p90 ([\d.]+) % / ([\d.]+) %\)", glance)
            + speed_figures(r"\| (\d+) held-out rows: TPOT median ([\d.]+) % \(p90 ([\d.]+) %\), "
                            r"TTFT median ([\d.]+) % \(p90 ([\d.]+) %\)", benchmarks),
            ("rows", "tpot_median", "ttft_median", "tpot_p90", "ttft_p90",
             "rows", "tpot_median", "tpot_p90", "ttft_median", "ttft_p90"), strict=True):
        assert _quotes(quoted, everyone[key]), key
    met, facts = sum(c["met"] for c in speed["public_checks"]), len(speed["public_checks"])
    assert f"| {met} of {facts} within range" in glance
    assert f"facts {met} of {facts} met" in benchmarks

    at_glance = speed_figures(
        r"TPOT median ([\d.]+) % \(p90 ([\d.]+) %\) over the (\d+) that report it, TTFT median "
        r"([\d.]+) % \(p90 ([\d.]+) %\) over the (\d+)", glance)
    in_table = speed_figures(
        r"all runs: TPOT median ([\d.]+) %, p90 ([\d.]+) %, (\d+) runs; TTFT median ([\d.]+) %, "
        r"p90 ([\d.]+) %, (\d+) runs", benchmarks)
    keys = ("tpot_median", "tpot_p90", "tpot_n", "ttft_median", "ttft_p90", "ttft_n")
    for quoted, key in zip(at_glance + in_table, keys * 2, strict=True):
        assert _quotes(quoted, public[key]), key

    rows = {"weights per GPU": "weights", "available KV memory": "available_kv",
            "KV cache tokens": "kv_tokens", "max concurrency": "max_concurrency",
            "max concurrency, given the logged pool": "max_concurrency_given_pool",
            "activation peak": "activation", "non-torch memory": "non_torch"}
    for label, key in rows.items():
        mape, worst = re.search(rf"\| {re.escape(label)} \| ([\d.]+) % \| ([\d.]+) % \(",
                                accuracy).groups()
        assert _quotes(mape, memory[key]["mape_pct"]), label
        assert _quotes(worst, memory[key]["worst_pct"]), label
    graphs = re.search(r"\| CUDA graph estimate .*?\| ([\d.]+) % \| ([\d.]+) % \(", accuracy)
    assert _quotes(graphs[1], memory["cuda_graphs"]["mape_pct"])
    assert _quotes(graphs[2], memory["cuda_graphs"]["worst_pct"])
    kv, concurrency = re.search(r"\| ([\d.]+) % mean error; concurrency ([\d.]+) % \|",
                                glance).groups()
    target = json.loads((data / "accuracy_results.json").read_text())["kv_target_non_h100"]
    within, cases, gib = re.search(r"\| (\d+) of (\d+) within 5 % or 0.5 GiB \(miss: .*?, "
                                   r"([\d.]+) GiB untraced\)", glance).groups()
    (miss,) = [case for case in target["detail"] if not case["within"]]
    assert (int(within), int(cases)) == (target["within"], target["cases"])
    assert _quotes(gib, miss["planned"] - miss["logged"])
    assert _quotes(kv, memory["available_kv"]["mape_pct"])
    assert _quotes(concurrency, memory["max_concurrency"]["mape_pct"])


def test_each_docs_contents_list_names_every_section_in_order() -> None:
    """docs/known-limits.md gained a HunYuan section and docs/accuracy-speed.md two dated
    ones that their Contents lists did not name: each file's list links its ## and ###
    headings, all of them, in order (the link test checks only that each link resolves)."""
    for path in sorted((ROOT / "docs").glob("*.md")):
        text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
        if "\nContents:\n" not in text:
            continue
        contents = text.split("\nContents:\n", 1)[1].split("\n## ", 1)[0]
        headings = [_slug(h) for h in re.findall(r"^#{2,3} (.+)$", text, flags=re.M)]
        assert re.findall(r"\]\(#([\w-]+)\)", contents) == headings, path.name


def test_accuracy_split_table_is_the_stored_splits() -> None:
    """Accuracy's split by GPU class and vLLM version: each row's available-KV, concurrency
    and given-the-pool MAPE (with its case count in brackets where the README gives one) is
    bench/accuracy.py's stored `splits`; "-" where no log prints the figure."""
    splits = json.loads((ROOT / "planner" / "accuracy_data" / "accuracy_results.json")
                        .read_text())["splits"]
    rows = {"NVLink datacenter": splits["gpu_class"]["NVLink datacenter"],
            "PCIe": splits["gpu_class"]["PCIe"],
            "unified memory": splits["gpu_class"]["unified memory"],
            "vLLM 0.19.0": splits["vllm_version"]["0.19.0"],
            "vLLM 0.20.2": splits["vllm_version"]["0.20.2"],
            "vLLM 0.22": splits["vllm_version"]["0.22.0"],
            "V0 engine": splits["vllm_version"]["V0 engine"],
            "0.10.1 by date": splits["vllm_version"]["0.10.1"],
            "version not printed": splits["vllm_version"]["not printed (0.34.0)"]}
    table = README.split("| split | start-ups |", 1)[1].split("\n\n", 1)[0]
    cells = {re.match(r"[^(]+", row[0])[0].strip(): row[1:] for row in
             (line.strip("|").split(" | ") for line in table.splitlines()[2:])}
    assert list(cells) == list(rows)
    for name, (_, *figures) in cells.items():
        for cell, key in zip(figures, ("available_kv", "max_concurrency",
                                       "max_concurrency_given_pool"), strict=True):
            stored = rows[name].get(key)
            if cell.strip() == "-":
                assert stored is None, (name, key)
                continue
            mape, cases = re.fullmatch(r"([\d.]+) %(?: \((\d+)\))?", cell.strip()).groups()
            assert _quotes(mape, stored["mape_pct"]), (name, key)
            assert cases is None or int(cases) == stored["cases"], (name, key)


def test_quick_start_test_command_is_the_one_ci_runs() -> None:
    """"Run the full test suite (exactly what CI runs, through `.ci/run`)": the Quick start's
    pytest line is .ci/run's last command, word for word; the README said `pip install -r
    requirements-dev.txt && python -m pytest` where .ci/run runs `python -m pip install -q
    ...`."""
    ci = (ROOT / ".ci" / "run").read_text()
    last = [line for line in ci.splitlines() if line.strip() and not line.startswith("#")][-1]
    assert [c for c in _quick_start_commands() if "pytest" in c] == [last]
    development = _section("Development")
    assert f"- Tests: `{last}` (the Quick start command;" in " ".join(development.split())



def test_reports_doc_quotes_the_comparison_cells_report_prints(capsys, monkeypatch) -> None:
    """docs/reports.md quotes two `report --compare` concurrency cells: phi-2 beside the seed
    (utilization 0.9, as the example report) capped at its own 2,048 tokens, and Qwen3-8B at
    TP=4 x DP=2 on 8 RTX 3090s, all replicas' with one replica's beside it. The DP cell still
    read "23.27 (2 x 11.64)" after vLLM 0.27's Model Runner V2 buffers came off the pool, where
    report prints 23.05 (2 x 11.53)."""
    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    flat = " ".join(REPORTS.split())
    phi2 = re.search(r'microsoft/phi-2 beside the seed reads "([\d.]+ at 2,048 \(its '
                     r'maximum\))"', flat)[1]
    dp = re.search(r'"([\d.]+ \(2 x [\d.]+\) at 40,960)" under DP \(Qwen3-8B at TP=4 x DP=2 '
                   r'on 8 RTX 3090s\)', flat)[1]

    def row(model: str, *argv: str) -> list[str]:
        assert main(["report", *argv, "--gpu", "rtx-3090", "--gpus", "8", "--compare",
                     "microsoft/phi-2"]) == 0
        line = next(line for line in capsys.readouterr().out.splitlines()
                    if line.startswith(f"| {model} | "))
        return line.strip("|").split(" | ")

    assert phi2 in row("microsoft/phi-2", "--model", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "--tp",
                       "8", "--ep", "--gpu-memory-utilization", "0.9")
    assert dp in row("Qwen/Qwen3-8B", "--model", "Qwen/Qwen3-8B", "--tp", "4", "--dp", "2")


def test_app_doc_quotes_the_compare_cell_report_compare_prints(capsys, monkeypatch) -> None:
    """docs/app.md quotes Qwen3-32B's Compare cell beside Qwen3-VL-32B on two H100s at 131,072
    tokens, planned at its own 40,960 as report --compare plans it (the app's cell is
    report's, tests/app/test_compare.py)."""
    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cell = re.search(r'Qwen3-32B, 40,960 tokens, at 131,072 on two H100s reads "([\d.]+ at '
                     r'40,960 \(its maximum\))"', " ".join(APP.split()))[1]
    assert main(["report", "--model", "Qwen/Qwen3-VL-32B-Instruct", "--compare",
                 "Qwen/Qwen3-32B", "--gpu", "h100-sxm", "--gpus", "2", "--max-model-len",
                 "131072"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines()
                if line.startswith("| Qwen/Qwen3-32B | "))
    assert cell in line.strip("|").split(" | ")


def test_command_line_quotes_the_nearest_fit_of_a_16_bit_model_too_large(capsys,
                                                                        monkeypatch) -> None:
    """docs/cli.md: Qwen3-235B-A22B (BF16) on 8x RTX 3090 fits no layout; the nearest change is
    the GPTQ int4 what-if, and the doc gives both weights per GPU. It said 54.74 GiB, the
    checkpoint's 470,187,269,120 B / 8, where the plan prints the heaviest GPU's 54.92 (its
    replicated norms and router included); asked at --tp 4, the change names TP=8."""
    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    flat = " ".join(CLI.split())
    change, bf16, int4 = re.search(
        r'Qwen3-235B-A22B on 8x RTX 3090 says "(--target-quant w4a16-gptq-g128 \(.*?\) fits)" '
        r'\(its BF16 weights are ([\d.]+) GiB a GPU, as GPTQ int4 ([\d.]+)\)', flat).groups()
    settings = json.loads(re.search(r"`(\{\"target_quant\".*?\})` there asked at `--tp 4`",
                                    flat)[1])

    def planned(*argv: str) -> dict:
        assert main(["plan", "--model", "Qwen/Qwen3-235B-A22B", "--gpu", "rtx-3090", "--gpus",
                     "8", *argv, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    gib = 2**30
    default = planned()
    assert default["nearest_fit"] == change
    assert f"{default['weights_bytes_per_gpu'] / gib:.2f}" == bf16
    assert f"{planned('--target-quant', 'w4a16-gptq-g128')['weights_bytes_per_gpu'] / gib:.2f}" \
        == int4
    assert planned("--tp", "4")["nearest_fit_change"] == settings


def test_command_line_quotes_the_recommend_row_raised_to_reach_the_rate(capsys,
                                                                       monkeypatch) -> None:
    """docs/cli.md's --requests-per-s example: 55 requests/s x 128 output tokens = 7,040
    output tokens/s needed; 1x l40s reaches them at C 418 with --max-num-seqs 418, and its
    command's flags at vLLM's default 256 sequences give fewer. It said 7,041 where recommend
    prints 7,040.6."""
    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    served, needed, at, seqs, default = re.search(
        r"l40s` lists 1x l40s, fp8, ([\d,.]+) of the ([\d,]+) output tokens/s needed at C (\d+) "
        r"with --max-num-seqs (\d+), where vLLM's 256 gives ([\d,]+)",
        _command_line_comments()).groups()
    assert needed == f"{55 * 128:,}"
    workload = ["--model", "Qwen/Qwen3-8B", "--input-len", "256", "--output-len", "128"]
    assert main(["recommend", *workload, "--requests-per-s", "55", "--gpu", "l40s",
                 "--json"]) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    assert (row["gpus"], row["quant_key"], row["kv_cache_dtype"]) == (1, "fp8-tensor", "fp8")
    assert f"{row['output_tokens_per_s']:,.1f}" == served
    assert row["speed_concurrency"] == int(at)
    assert row["raised_flags"] == {"max_num_seqs": int(seqs)}
    assert main(["plan", *workload, "--gpu", "l40s", "--max-model-len", "384", "--quantization",
                 "fp8", "--kv-cache-dtype", "fp8", "--concurrency", at, "--json"]) == 0
    assert f"{round(json.loads(capsys.readouterr().out)['output_tokens_per_s']):,}" == default


def test_command_line_quotes_the_kv_room_cell_recommend_prints(capsys, monkeypatch) -> None:
    """The recommend paragraph's "kv room (req)" example under DP: Qwen3-8B, 150 requests of
    16,000 tokens on up to 16 RTX 3090s, 16 replicas each holding ceil(150 / 16) = 10 or more.
    It read "161.70 (16 x 10.11)", a figure from before vLLM 0.27's Model Runner V2 buffers
    and 0.34's 64-token blocks, which no run printed any more."""
    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    cell, context, concurrency, gpus = re.search(
        r'the "kv room \(req\)" column reads "([\d.]+ \(16 x [\d.]+\))", all replicas\' and '
        r"one's, for Qwen3-8B at --context (\w+) --concurrency (\d+) on up to (\d+) RTX 3090s",
        _command_line_comments()).groups()
    assert main(["recommend", "--model", "Qwen/Qwen3-8B", "--context", context, "--concurrency",
                 concurrency, "--gpu", "rtx-3090", "--gpus-max", gpus]) == 0
    first = capsys.readouterr().out.splitlines()[3]
    assert first.split()[:4] == ["1", "Qwen/Qwen3-8B", f"{gpus}x", "rtx-3090"]
    assert f"  {cell}  " in first


def test_command_line_quotes_the_lora_bytes_plan_prints(capsys, monkeypatch) -> None:
    """docs/cli.md's --enable-lora paragraph quotes each sized architecture's LoRA slots at
    N = 4, R = 16 on H100s, where Punica's buffers follow vLLM's 8,192 batched tokens (on an
    RTX 4090's 2,048 Llama-3.1-8B reads 369,531,008 B, not the 369,844,352 quoted, which is
    why the paragraph names the GPU), the MoE ones (Qwen3-MoE, Qwen2-MoE, Mixtral, Qwen2-MoE
    over EP, gpt-oss, Qwen3-VL-MoE, FP8, NVFP4 and GPTQ-Int4 (over EP) Qwen3-235B-A22B,
    DeepSeek-V2-Lite, DeepSeek-V3, DeepSeek-V3.2, GLM-5 and Llama-4-Maverick on 8 H200s,
    MiniMax-M2.5 on 8 H100s) too, the hybrid Qwen3.5, Qwen3.5-MoE and Qwen3-Next, Granite, MiMo,
    Nemotron-Super-49B (DeciLM), Nemotron-H-56B, Nemotron-3-Nano and -Super (Nemotron-H), the
    --lora-dtype refusals and the Qwen3-VL tower's slots and buffers (what
    --enable-tower-connector-lora adds): each figure is `plan --json`'s lora_bytes_per_gpu."""
    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    text = _command_line_comments()
    llama = re.search(r"On H100s \(vLLM's 8,192 batched tokens, which Punica's buffers follow\), "
                      r"Llama-3.1-8B at N = 4, R = 16: ([\d,]+) B \([\d.]+ GiB\) at TP=1, "
                      r"([\d,]+) B at TP=2, ([\d,]+) B at TP=2 fully sharded; Qwen3-8B ([\d,]+) "
                      r"B and Qwen2.5-7B ([\d,]+) B at TP=1; Mistral-7B-Instruct-v0.3 ([\d,]+) "
                      r"B, gemma-2-9b-it ([\d,]+) B and phi-4 ([\d,]+) B; under 0.17.0-0.28.0 "
                      r"Llama-3.1-8B's ([\d,]+) B more", text).groups()
    moe = re.search(r"Qwen3-30B-A3B at N = 4, R = 16: ([\d,]+) B at TP=1, ([\d,]+) B at TP=2; "
                    r"Qwen1.5-MoE-A2.7B ([\d,]+) B at TP=1; Mixtral-8x7B-v0.1 ([\d,]+) B at TP=2\. "
                    r"With --enable-expert-parallel \(0.21.0 on\) each rank's own experts, whole "
                    r"\(Qwen1.5-MoE at TP=2 \+ EP: ([\d,]+) B\)", text).groups()
    gpt_oss = re.search(r"gpt-oss-20b ([\d,]+) B at TP=1, ([\d,]+) B at TP=2\.", text).groups()
    gemma3 = re.search(r"connector-lora, sized above\): ([\d,]+) B at TP=1, ([\d,]+) B at TP=2\.",
                       text).groups()
    qwen3_vl = re.search(r"without that flag\): ([\d,]+) B at TP=1, ([\d,]+) B at TP=2\.",
                         text).groups()
    vl_moe = re.search(r"Qwen3-VL-30B-A3B-Instruct ([\d,]+) B at TP=1, ([\d,]+) B at TP=2\.",
                       text).groups()
    fp8 = re.search(r"Qwen3-235B-A22B-FP8 ([\d,]+) B at TP=8\.", text).group(1)
    int4_nvfp4 = re.search(r"Qwen3-235B-A22B-NVFP4 ([\d,]+) B at TP=8; Qwen3-235B-A22B-GPTQ-Int4 "
                           r"([\d,]+) B at TP=8 \+ EP", text).groups()
    deepseek = re.search(r"DeepSeek-V2-Lite-Chat ([\d,]+) B at TP=1, ([\d,]+) B at TP=2; .*?, "
                         r"([\d,]+) B at TP=1 on 0\.21\.0\.", text).groups()
    v3 = re.search(r"DeepSeek-V3 ([\d,]+) B at TP=8 on 8 H200s, ([\d,]+) B on 0\.20\.0 ",
                   text).groups()
    v32 = re.search(r"DeepSeek-V3\.2 ([\d,]+) B at TP=8 on 8 H200s, ([\d,]+) B on 0\.20\.0\.",
                    text).groups()
    glm5 = re.search(r"GLM-5 ([\d,]+) B at TP=8 on 8 H200s \(its BF16", text).group(1)
    minimax = re.search(r"MiniMax-M2.5 ([\d,]+) B at TP=8 on 8 H100s, ([\d,]+) B at TP=8 \+ "
                        r"EP\.", text).groups()
    llama4 = re.search(r"Llama-4-Maverick ([\d,]+) B at TP=8 on 8 H200s, ([\d,]+) B on "
                       r"0\.28\.0, ([\d,]+) B at TP=8 \+ EP\.", text).groups()
    tower = re.search(r"Qwen3-VL-32B, 4 slots of rank 16, TP=1, 8,192 tokens: ([\d,]+) B of "
                      r"slots \+ ([\d,]+) B of buffers", text).groups()
    assert re.search(r"a model served in float32 \(--dtype float32\) or a --lora-dtype other "
                     r"than its served dtype \(float16 beside Llama-3.1-8B's bfloat16; "
                     r"bfloat16 on a GPU without it, where auto serves float16\) exits 2 in one "
                     r"line\.", text)
    granite_mimo_nas = re.search(
        r"granite-3.3-8b-instruct ([\d,]+) B at TP=1, ([\d,]+) B at TP=2\..*?MiMo-7B-Base "
        r"([\d,]+) B at TP=1\..*?Nemotron-Super-49B-v1 \(49 attention blocks of 80\) ([\d,]+) B "
        r"at TP=4\.", text).groups()
    nemotron_h = re.search(
        r"Nemotron-H-56B-Base-8K ([\d,]+) B at TP=4; NVIDIA-Nemotron-3-Nano-30B-A3B-BF16 "
        r"([\d,]+) B at TP=1, ([\d,]+) B at TP=2; NVIDIA-Nemotron-3-Super-120B-A12B-FP8 .*? "
        r"([\d,]+) B at TP=8\.", text).groups()
    hybrid = re.search(r"Qwen3.5-27B ([\d,]+) B at TP=1, ([\d,]+) B at TP=2 \(0.34.0\), ([\d,]+) B "
                       r"at TP=1 under 0.28.0\..*?Qwen3.5-35B-A3B ([\d,]+) B at TP=1, ([\d,]+) B "
                       r"at TP=2 \(0.34.0\), ([\d,]+) B at TP=1 under 0.18.0\..*?"
                       r"Qwen3-Next-80B-A3B ([\d,]+) B at TP=2\.", text).groups()

    def lora_bytes(model: str, *argv: str, gpu: str = "h100-sxm") -> str:
        assert main(["plan", "--model", model, "--gpu", gpu, "--enable-lora",
                     "--max-loras", "4", "--max-lora-rank", "16", *argv, "--json"]) == 0
        return f"{json.loads(capsys.readouterr().out)['lora_bytes_per_gpu']:,}"

    tp2 = ("--gpus", "2", "--tp", "2")
    planned = (lora_bytes("meta-llama/Llama-3.1-8B-Instruct"),
               lora_bytes("meta-llama/Llama-3.1-8B-Instruct", *tp2),
               lora_bytes("meta-llama/Llama-3.1-8B-Instruct", *tp2, "--fully-sharded-loras"),
               lora_bytes("Qwen/Qwen3-8B"), lora_bytes("Qwen/Qwen2.5-7B-Instruct"),
               lora_bytes("mistralai/Mistral-7B-Instruct-v0.3"),
               lora_bytes("google/gemma-2-9b-it"), lora_bytes("microsoft/phi-4"))
    older = int(lora_bytes("meta-llama/Llama-3.1-8B-Instruct", "--vllm-version", "0.28.0")
                .replace(",", "")) - int(planned[0].replace(",", ""))
    assert (*planned, f"{older:,}") == llama
    assert (lora_bytes("Qwen/Qwen3-30B-A3B"), lora_bytes("Qwen/Qwen3-30B-A3B", *tp2),
            lora_bytes("Qwen/Qwen1.5-MoE-A2.7B"), lora_bytes("mistralai/Mixtral-8x7B-v0.1", *tp2),
            lora_bytes("Qwen/Qwen1.5-MoE-A2.7B", *tp2, "--ep")) == moe
    assert (lora_bytes("openai/gpt-oss-20b"), lora_bytes("openai/gpt-oss-20b", *tp2)) == gpt_oss
    assert (lora_bytes("google/gemma-3-27b-it"), lora_bytes("google/gemma-3-27b-it", *tp2)
            ) == gemma3
    assert (lora_bytes("Qwen/Qwen3-VL-32B-Instruct"),
            lora_bytes("Qwen/Qwen3-VL-32B-Instruct", *tp2)) == qwen3_vl
    assert (lora_bytes("Qwen/Qwen3-VL-30B-A3B-Instruct"),
            lora_bytes("Qwen/Qwen3-VL-30B-A3B-Instruct", *tp2)) == vl_moe
    assert lora_bytes("Qwen/Qwen3-235B-A22B-FP8", "--gpus", "8", "--tp", "8") == fp8
    assert (lora_bytes("nvidia/Qwen3-235B-A22B-NVFP4", "--gpus", "8", "--tp", "8"),
            lora_bytes("Qwen/Qwen3-235B-A22B-GPTQ-Int4", "--gpus", "8", "--tp", "8", "--ep")
            ) == int4_nvfp4
    dsv2 = "deepseek-ai/DeepSeek-V2-Lite-Chat"
    assert (lora_bytes(dsv2), lora_bytes(dsv2, *tp2),
            lora_bytes(dsv2, "--vllm-version", "0.21.0")) == deepseek
    tp8 = ("--gpus", "8", "--tp", "8")
    assert (lora_bytes("deepseek-ai/DeepSeek-V3", *tp8, gpu="h200"),
            lora_bytes("deepseek-ai/DeepSeek-V3", *tp8, "--vllm-version", "0.20.0", gpu="h200")
            ) == v3
    assert (lora_bytes("deepseek-ai/DeepSeek-V3.2", *tp8, gpu="h200"),
            lora_bytes("deepseek-ai/DeepSeek-V3.2", *tp8, "--vllm-version", "0.20.0", gpu="h200")
            ) == v32
    assert lora_bytes("zai-org/GLM-5", *tp8, gpu="h200") == glm5
    assert (lora_bytes("MiniMaxAI/MiniMax-M2.5", *tp8),
            lora_bytes("MiniMaxAI/MiniMax-M2.5", *tp8, "--ep")) == minimax
    maverick = "meta-llama/Llama-4-Maverick-17B-128E-Instruct"
    assert (lora_bytes(maverick, *tp8, gpu="h200"),
            lora_bytes(maverick, *tp8, "--vllm-version", "0.28.0", gpu="h200"),
            lora_bytes(maverick, *tp8, "--ep", gpu="h200")) == llama4
    vl32, ctx = "Qwen/Qwen3-VL-32B-Instruct", ("--max-model-len", "8192")
    with_tower = int(lora_bytes(vl32, *ctx, "--enable-tower-connector-lora").replace(",", ""))
    assert with_tower - int(lora_bytes(vl32, *ctx).replace(",", "")) == sum(
        int(figure.replace(",", "")) for figure in tower)
    llama = "meta-llama/Llama-3.1-8B-Instruct"
    for refused in (("--dtype", "float32"), ("--lora-dtype", "float16"),
                    ("--lora-dtype", "bfloat16", "--gpu", "rtx-2080-ti")):
        argv = ["plan", "--model", llama, "--enable-lora", *refused]
        assert main(argv + ([] if "--gpu" in refused else ["--gpu", "h100-sxm"])) == 2
        assert "lora_shrink_op.py" in capsys.readouterr().err
    assert (lora_bytes("Qwen/Qwen3.5-27B"), lora_bytes("Qwen/Qwen3.5-27B", *tp2),
            lora_bytes("Qwen/Qwen3.5-27B", "--vllm-version", "0.28.0"),
            lora_bytes("Qwen/Qwen3.5-35B-A3B"), lora_bytes("Qwen/Qwen3.5-35B-A3B", *tp2),
            lora_bytes("Qwen/Qwen3.5-35B-A3B", "--vllm-version", "0.18.0"),
            lora_bytes("Qwen/Qwen3-Next-80B-A3B-Instruct", *tp2)) == hybrid
    granite = "ibm-granite/granite-3.3-8b-instruct"
    assert (lora_bytes(granite), lora_bytes(granite, *tp2), lora_bytes("XiaomiMiMo/MiMo-7B-Base"),
            lora_bytes("nvidia/Llama-3_3-Nemotron-Super-49B-v1", "--gpus", "4", "--tp", "4")
            ) == granite_mimo_nas
    nano = "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16"
    assert (lora_bytes("nvidia/Nemotron-H-56B-Base-8K", "--gpus", "4", "--tp", "4"),
            lora_bytes(nano), lora_bytes(nano, *tp2),
            lora_bytes("nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8", *tp8)) == nemotron_h


def test_command_line_quotes_three_prose_examples_plan_prints(capsys, monkeypatch) -> None:
    """docs/cli.md's prose examples that no test ran: Kimi-K2 on 2 nodes of 8 H100s passes
    TP=8 x PP=2 over for memory; Qwen3-8B on an RTX 4090 at --max-model-len 36000 is refused
    cold but its warm restart holds the request; recommend's 2x rtx-a6000 row for 500 requests
    raises --max-num-seqs to 500, and `plan` with its command's flags gives its TTFT, and at
    vLLM's 256 a client's wait for a slot."""
    from cli.planner_cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    text = _command_line_comments()

    def planned(*argv: str) -> dict:
        assert main(["plan", "--model", *argv, "--json"]) == 0, argv
        return json.loads(capsys.readouterr().out)

    passed_over = re.search(r'Kimi-K2 on 2 nodes x 8 H100, TP=4 x PP=4: "(TP=8 x PP=2 was passed '
                            r'over: it is [\d.]+ GiB per GPU short of memory)"', text)[1]
    kimi = planned("moonshotai/Kimi-K2-Instruct", "--gpu", "h100-sxm", "--gpus", "16", "--nodes",
                   "2")
    assert (kimi["layout"]["tp"], kimi["layout"]["pp"]) == (4, 4)
    assert passed_over in kimi["layout_note"]

    pool, tokens, requests = re.search(r'--max-model-len 36000: "Does not fit", warm restart '
                                       r"([\d.]+) GiB = ([\d,]+) KV tokens, ([\d.]+) requests",
                                       text).groups()
    warm = planned("Qwen/Qwen3-8B", "--gpu", "rtx-4090", "--max-model-len", "36000")
    assert not warm["fits"] and warm["v2_warm_restart_fits"]
    assert (f"{warm['v2_warm_restart_available_kv_bytes'] / 2**30:.2f}",
            f"{warm['v2_warm_restart_kv_cache_tokens']:,}",
            f"{warm['v2_warm_restart_max_concurrency']:.2f}") == (pool, tokens, requests)

    row_ttft, plan_ttft, wait = re.search(
        r"lists 2x rtx-a6000 TP=2, fp8, TTFT ([\d,]+) ms at C 500, its command with "
        r"--max-num-seqs 500; `plan` with that command's flags and --concurrency 500 gives TTFT "
        r"([\d,]+) ms, and without --max-num-seqs, at vLLM's 256, notes \"(a client waits [\d.]+ "
        r"s for a slot on average \(kv_wait, not in TTFT\))\"", text).groups()
    assert main(["recommend", "--model", "Qwen/Qwen3-8B", "--concurrency", "500", "--ttft-ms",
                 "5000", "--gpu", "rtx-a6000", "--gpus-max", "2", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    assert (row["gpus"], row["raised_flags"]) == (2, {"max_num_seqs": 500})
    assert f"{round(row['ttft_ms']):,}" == row_ttft
    flags = [flag for flag in row["vllm_command"].split()[3:]
             if flag != "--no-enable-extensible-kv-cache"]  # plan's default on 0.34, no flag
    at_500 = planned("Qwen/Qwen3-8B", "--gpu", "rtx-a6000", "--gpus", "2", "--concurrency",
                     "500", *flags)
    assert f"{round(at_500['ttft_ms']):,}" == plan_ttft
    seqs = flags.index("--max-num-seqs")
    at_256 = planned("Qwen/Qwen3-8B", "--gpu", "rtx-a6000", "--gpus", "2", "--concurrency",
                     "500", *flags[:seqs], *flags[seqs + 2:])
    assert any(wait in note for note in at_256["speed"]["notes"])
