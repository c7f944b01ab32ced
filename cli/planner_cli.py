"""`python -m planner plan|sweep|recommend|inspect|report`: the planner on the command line.

The commands read files, snapshots and the hub (through probes), call the pure planner,
and print. Bad input of any kind ends with exit code 2 and one line on stderr, no traceback.
Output never contains a Hugging Face token: anything that looks like the token in the
environment is masked before it is printed (defence in depth; no input carries it).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress

from pydantic import ValidationError

from cli.args import SWEEP_TOP_DEFAULT, build_parser
from cli.inputs import (
    CliError,
    add_notes,
    all2all_backend_setting,
    block_size_setting,
    build_cluster,
    check_lora,
    check_target_quant,
    engine_settings,
    load_model,
    load_prices,
    lora_setting,
    mamba_settings,
    mm_mode_settings,
    model_identity,
    network_assumed_note,
    note_allow_long,
    note_preset_choice,
    parallel_layout,
    runner_setting,
    speculative_draft,
)
from cli.output import emit
from cli.report_inputs import report_inputs, today
from cli.text import auto_layout_note, card_text, plan_text, recommend_text, sweep_text
from planner.jsontext import indented_json
from planner.model.checkpoint import CheckpointError, ModelSource
from planner.model.quant import UnknownSchemeError, checkpoint_scheme
from planner.model.spec import ConfigError, ModelSpec
from planner.report import (
    ComparisonRow,
    build_report,
    comparison_row,
    idle_gpus,
    model_card,
    model_warnings,
    no_speed_reason,
    param_check_warning,
    with_param_check,
)
from planner.serving.all2all import all2all_notes
from planner.serving.auto_layout import (
    at_compared_len,
    compared_engine,
    compared_layout,
    layout_rule,
)
from planner.serving.engine import EngineSettings
from planner.serving.hardware import (
    ClusterSpec,
    HardwareError,
    MigInstanceError,
    NoGpuPresetError,
    NoWsl2TotalError,
    OtherMemorySizeError,
    UnknownGpuError,
    gpu_preset,
)
from planner.serving.mm_modes import mm_refusals, served_towers
from planner.serving.plan import Plan, PlanRequest, mtp_refusal, plan
from planner.serving.prices import with_overrides
from planner.serving.recommend import (
    NoPriceError,
    Recommendation,
    RecommendError,
    Workload,
    recommend,
)
from planner.serving.speed import (
    ServingLoad,
    SpeedEstimate,
    acceptance_refusal,
    estimate_speed,
    speed_fields,
)
from planner.serving.startup.wheel_arch import no_preset_text
from planner.serving.sweep import SweepError, sweep
from planner.serving.vllm_cli import VllmCliError
from planner.serving.vllm_versions import EngineError, UncoveredRelease, vllm_rules
from planner.serving.way_out import way_out
from planner.text import one_line, sentence
from probes.audit_summary import audit_summary
from probes.hub import HubError
from probes.snapshot import SnapshotError, first_error

TOKEN_ENV_VARS = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_TOKEN")

USER_ERRORS: tuple[type[Exception], ...] = (
    CliError, ConfigError, HardwareError, HubError, SnapshotError, CheckpointError,
    UnknownSchemeError, SweepError, ValidationError, EngineError, RecommendError,
    VllmCliError,
)
"""Exceptions that mean bad input: exit code 2 with their one-line message."""


def _one_line(exc: Exception) -> str:
    """The exception's message on one line, ending with a full stop (planner.text.sentence);
    pydantic errors as 'field: message'; a vLLM release not covered with the flag that picks
    the release standing in for it."""
    if isinstance(exc, ValidationError):
        return sentence(first_error(exc))
    if isinstance(exc, UncoveredRelease) and exc.stand_in:
        return sentence(f"{exc} (pass --vllm-version {exc.stand_in} to plan with its rules)")
    return sentence(exc) or type(exc).__name__


def redact(text: str) -> str:
    """`text` with any Hugging Face token from the environment masked."""
    for name in TOKEN_ENV_VARS:
        secret = os.environ.get(name, "")
        if len(secret) >= 8:
            text = text.replace(secret, "***")
    return text


def _load(args: argparse.Namespace) -> ServingLoad:
    """The serving load of --input-len, --output-len, --concurrency, --arrival and
    --spec-acceptance-length."""
    return ServingLoad(input_len=args.input_len, output_len=args.output_len,
                       concurrency=args.concurrency, arrival=args.arrival,
                       spec_acceptance_length=_acceptance(args))


def _acceptance(args: argparse.Namespace) -> float | None:
    """--spec-acceptance-length, or CliError (exit 2) where --num-speculative-tokens N gives
    no drafts or it lies outside 1 to N + 1 (planner.serving.speed.acceptance_refusal)."""
    refusal = acceptance_refusal(args.spec_acceptance_length, args.num_speculative_tokens)
    if refusal:
        raise CliError(refusal)
    return args.spec_acceptance_length


def _plan(args: argparse.Namespace) -> tuple[
        Plan, ModelSpec, ModelSource, ClusterSpec, list, SpeedEstimate | None, bool]:
    """The plan of the flags, its inputs and speed, and whether its layout is the hardware's
    (none of --tp/--pp/--dp given: cli.inputs.parallel_layout)."""
    source, spec = _model(args, args.model, args.revision)
    cluster, snapshots = build_cluster(args)
    engine = check_target_quant(spec, check_lora(spec, _engine(args, source, spec), cluster))
    layout, auto = parallel_layout(args, spec, cluster, engine)
    request = PlanRequest(model=spec, cluster=cluster, layout=layout, engine=engine)
    result = plan(request)
    speed = estimate_speed(request, _load(args), plan_result=result)
    return result, spec, source, cluster, snapshots, speed, auto


def _engine(args: argparse.Namespace, source: ModelSource, spec: ModelSpec) -> EngineSettings:
    """engine_settings, pinning the launch command to the commit the config was read at when
    --revision chose one (the hub's sha, else the revision as given); CliError where
    the multimodal flags are not planned (mm_modes.mm_refusals: _mm_checked)."""
    engine = _mm_checked(spec, engine_settings(args))
    note_allow_long(args, spec, engine)
    if not args.revision or source.origin == "file":
        return engine
    return EngineSettings(**{**engine.model_dump(), "revision": source.commit_sha or args.revision})


def _mm_checked(spec: ModelSpec, engine: EngineSettings, named: bool = False
                ) -> EngineSettings:
    """`engine`, or CliError where --limit-mm-per-prompt leaves an audio tower Headroom does
    not size, a count above 0 is not planned, or text-only serving leaves no tower for
    --enable-tower-connector-lora (mm_modes.mm_refusals): plan's and recommend's (`named`:
    the model named first, where several are searched)."""
    refusal = next(iter(mm_refusals(spec, engine)), None)
    if refusal:
        raise CliError(f"{spec.name}: {refusal}" if named else refusal)
    return engine


def _draft_checked(spec: ModelSpec, engine: EngineSettings, named: bool) -> None:
    """CliError (exit 2) where vLLM refuses recommend's --num-speculative-tokens (MTP) or
    --speculative-model drafter for `spec` (planner.serving.plan.mtp_refusal, plan's error in
    its words): every row of that model would be refused, and beside another model's rows
    the search would drop it unseen (`named`: the model named, where several are searched)."""
    refusal = " ".join(mtp_refusal(spec, engine))
    if refusal:
        raise CliError(f"{spec.name}: {refusal}" if named else refusal)


def _model(args: argparse.Namespace, model: str, revision: str | None = None
           ) -> tuple[ModelSource, ModelSpec]:
    """load_model, keeping the note of a stand-in source (the local cache or the catalog
    answering for a failed hub fetch) for main() to print on stderr once the command has
    succeeded: "Qwen/Qwen3-235B-A22B-GPTQ-Int4: the hub is unreachable: using the bundled
    catalog config (reconstructed, unverified)"."""
    loaded = getattr(args, "preloaded", {}).pop((model, revision), None)
    try:
        if isinstance(loaded, Exception):
            raise loaded
        source, spec = loaded or load_model(model, revision, getattr(args, "hf_overrides", None))
    except ConfigError as exc:  # "config.json: ..." names no model: say which of several
        flag = _naming_flag(args, model, revision)
        if flag is None:
            raise
        raise ConfigError(f"{flag} {model}: {exc}") from exc
    if source.fallback_reason is not None:
        add_notes(args, f"{source.repo_id}: {source.notes[0]}")
    if source.tokenizer_problem is not None:
        add_notes(args, source.tokenizer_problem)
    add_notes(args, *source.processor_problems)
    return source, spec


def _naming_flag(args: argparse.Namespace, model: str, revision: str | None) -> str | None:
    """The flag that gave `model` where the command reads several models (report --compare,
    recommend with --model given more than once), for its config's error to name it; None
    where the command reads one (the --model compared with itself has its --revision)."""
    if getattr(args, "compare", None):
        return "--compare" if revision is None and model in args.compare else "--model"
    return "--model" if isinstance(args.model, list) and len(args.model) > 1 else None


def _preload(args: argparse.Namespace, models: Sequence[tuple[str, str | None]]) -> None:
    """Look up several (model, revision) at once, for _model to take in its own order: a hub
    look-up that cannot be answered waits its deadline, so a hub that never answers costs
    `report --compare` and `recommend --model ...` one deadline, not one per model (the app's
    Compare page does the same). A failure is raised when _model reaches that model."""
    wanted = list(dict.fromkeys(models))
    if len(wanted) < 2:
        return

    def attempt(item: tuple[str, str | None]) -> tuple[ModelSource, ModelSpec] | Exception:
        try:
            return load_model(*item, getattr(args, "hf_overrides", None))
        except Exception as exc:  # raised again by _model, in the command's order
            return exc

    with ThreadPoolExecutor(max_workers=min(len(wanted), 8)) as pool:
        args.preloaded = dict(zip(wanted, pool.map(attempt, wanted), strict=True))


def _keep_model_warnings(args: argparse.Namespace, warnings: tuple[str, ...]) -> None:
    """Hand the parser's warnings (unknown quant_method, unknown architecture) to main(),
    which prints them on stderr once the command has succeeded (a failure stays one line)."""
    args.model_warnings = warnings


def _drafter_warnings(engine: EngineSettings) -> list[str]:
    """The EAGLE-3 drafter config's warnings (EagleDraft.warnings: a rope_theta vLLM serves
    garbage with), which sweep and recommend give beside the model's, as plan and report give
    them among the plan's."""
    return list(engine.speculative_draft.warnings) if engine.speculative_draft else []


def cmd_plan(args: argparse.Namespace) -> str:
    """One plan, as JSON (the Plan object, `model_warnings` (the parser's), the speed keys,
    `speed_note` (why they are null, as the text says; null with a speed), and `layout_auto`:
    true where the layout is the hardware's, `layout_note` saying so) or a readable summary."""
    result, spec, source, cluster, _, speed, auto = _plan(args)
    parser = served_towers(spec, result.engine).warnings  # of the towers the flags leave
    _keep_model_warnings(args, parser)
    result = with_param_check(result, spec, source)  # as inspect and the Model page say it
    note = auto_layout_note(layout_rule(spec, cluster, result.layout, result.engine,
                                        ep=args.ep)) if auto else None
    if args.json:
        data = {**result.model_dump(mode="json"), "model_warnings": list(parser),
                **speed_fields(speed),
                "speed_note": None if speed else no_speed_reason(result, _load(args)),
                "layout_auto": auto, "layout_note": note}
        return indented_json(data) + "\n"
    # one GPU has one layout, TP=1: the rule for choosing among layouts is noise there
    return plan_text(result, speed, _load(args), checkpoint_scheme(spec).label,
                     idle_gpus(cluster, result), note if cluster.gpu_count > 1 else None)


def cmd_sweep(args: argparse.Namespace) -> str:
    """Every quantization x layout x KV dtype for the model on the cluster, best first.

    The table shows the best SWEEP_TOP_DEFAULT rows unless --top or --all is given; JSON and
    CSV hold every row unless --top is given. JSON adds `rows_total` (rows before --top) and
    `checkpoint_quant_key` (rows with another quant_key are what-ifs), `model_warnings`
    (the parser's warnings, which the other formats print on stderr) and `warnings` (the
    checkpoint's parameter check where it disagrees, as plan's; on stderr too).
    """
    if args.quantization != "auto":  # the sweep sets it per weight format: it was dropped
        raise CliError(f"--quantization {args.quantization}: sweep plans every weight format "
                       "itself (the checkpoint's, and each what-if with vLLM's --quantization "
                       "where it applies); give --quantization to plan or report")
    source, spec = _model(args, args.model, args.revision)
    checkpoint = [w for w in [param_check_warning(spec, source)] if w]  # plan's warning
    cluster, _ = build_cluster(args)
    engine = check_lora(spec, _engine(args, source, spec), cluster)
    # of the towers the flags leave, and the drafter config's (plan's are among its warnings)
    parser = (*served_towers(spec, engine).warnings, *_drafter_warnings(engine))
    args.model_warnings = (*parser, *checkpoint)  # on stderr, except with --json
    result = sweep(spec, cluster, engine,
                   objective=args.objective, tpot_ms_target=args.tpot_ms, load=_load(args))
    own_key = checkpoint_scheme(spec).key
    if not (args.json or args.csv):
        return sweep_text(result, own_key,
                          None if args.all else args.top or SWEEP_TOP_DEFAULT)
    total = len(result.rows)
    if args.top:
        result = result.model_copy(update={"rows": result.rows[: args.top]})
    if args.csv:
        return result.to_csv()
    data = {**result.model_dump(mode="json"), "rows_total": total,
            "checkpoint_quant_key": own_key, "model_warnings": list(parser),
            "warnings": checkpoint}
    return indented_json(data) + "\n"


def _searched_preset(name: str, what: str = "") -> str:
    """The preset key recommend searches for a GPU name (--gpu, or a price's: `what` "a price
    for 'X': "); CliError for a name plan takes but recommend cannot: another memory size of
    a preset's model, a MIG slice, whose own advice names flags recommend does not take, a
    GPU no preset has that NVIDIA's tables name (a Tesla P40) or a laptop GPU."""
    try:
        return gpu_preset(name).key
    except NoGpuPresetError as exc:
        if exc.unknown:  # a misspelling, or a card Headroom knows nothing of
            raise
        what_it_is = no_preset_text(exc)
    except (OtherMemorySizeError, MigInstanceError) as exc:
        what_it_is = exc.what
    raise CliError(f"{what}{what_it_is}; recommend searches the GPU presets, at their prices, "
                   "only: plan, sweep or report it with --gpu-memory-gib X (what CUDA "
                   f"reports) and --gpu-name {name.strip()!r}")


def _unsearched_prices(pairs: list[tuple[str, float]],
                       gpu_keys: list[str] | None) -> tuple[str, ...]:
    """A note for each --price whose GPU --gpu leaves out of the search: nothing reads that
    price, and the table read as if the GPU had been weighed (not an error: the search runs
    as without it). A --prices file is a table for any search and is not named; the prices'
    GPUs were checked before (cmd_recommend), so each resolves to a preset."""
    if gpu_keys is None:
        return ()
    searched = ", ".join(gpu_keys)
    return tuple(f"--price {name}={usd:g} is ignored: --gpu searches {searched} only (add "
                 f"--gpu {key} to search it)"
                 for name, usd in pairs if (key := _searched_preset(name)) not in gpu_keys)


def cmd_recommend(args: argparse.Namespace) -> str:
    """The cheapest configurations serving the workload, as a table or JSON."""
    given = load_prices(args.prices, args.price)
    for name in given:  # no preset or several: with_overrides says so, naming the nearest
        with suppress(UnknownGpuError):
            _searched_preset(name, f"a price for {name!r}: ")
    prices = with_overrides(given)
    # a price's GPU named as people write it ("H100") picked one preset of several, as --gpu
    # does: the same note, naming how to price the others
    flagged = [name for name, _ in args.price]
    note_preset_choice(args, [name for name in given if name not in flagged],
                       f"--prices {args.prices}:", "'{}'")
    note_preset_choice(args, flagged, "--price", "--price {}=USD")
    workload = Workload(
        input_len=args.input_len, output_len=args.output_len, context_tokens=args.context,
        concurrency=args.concurrency, arrival=args.arrival, requests_per_s=args.requests_per_s,
        ttft_ms=args.ttft_ms, tpot_ms=args.tpot_ms, spec_acceptance_length=_acceptance(args),
    )
    _preload(args, [(name, None) for name in args.model])
    seen: dict[str, str] = {}
    specs, checks = [], []
    for name in args.model:
        source, spec = _model(args, name)
        _once(seen, f"--model {name}", name, source)
        specs.append(spec)
        checks.append(param_check_warning(spec, source))
    named = len(specs) > 1
    gpu_keys = [_searched_preset(key) for key in args.gpu] if args.gpu else None
    note_preset_choice(args, args.gpu or [])
    # the same spelling twice is refused by the parser; two spellings of one preset here
    for i, key in enumerate(gpu_keys or ()):
        if key in gpu_keys[:i]:
            raise CliError(f"--gpu {args.gpu[gpu_keys.index(key)]!r} and --gpu {args.gpu[i]!r} "
                           f"are the same preset ({key}): give each once")
    add_notes(args, *_unsearched_prices(args.price, gpu_keys))
    # the multimodal flags checked as plan checks them: against the release, then per model
    release = vllm_rules(args.vllm_version).label
    modes = mm_mode_settings(args, release)
    engine = EngineSettings(gpu_memory_utilization=args.gpu_memory_utilization,
                            vllm_version=args.vllm_version,
                            trust_remote_code=args.trust_remote_code,
                            hf_overrides=args.hf_overrides,
                            enforce_eager=args.enforce_eager,
                            model_runner=runner_setting(args, release), **modes,
                            allow_long_max_model_len=args.allow_long_max_model_len,
                            **mamba_settings(args, release),
                            num_speculative_tokens=args.num_speculative_tokens,
                            speculative_draft=speculative_draft(args.speculative_model),
                            enable_prefix_caching=args.enable_prefix_caching,
                            **block_size_setting(args), **lora_setting(args),
                            **all2all_backend_setting(args))
    for spec in specs:
        _mm_checked(spec, engine, named)
        _draft_checked(spec, engine, named)
    # the parser's warnings (those of the towers the flags leave: served_towers) and the
    # checkpoint's parameter check, as plan and sweep give them (each model named when
    # several): on stderr once the search succeeds, and in --json's model_warnings and warnings
    parser = [f"{spec.name}: {warning}" if named else warning
              for spec in specs for warning in served_towers(spec, engine).warnings]
    parser += _drafter_warnings(engine)
    checkpoint = [f"{spec.name}: {check}" if named else check
                  for spec, check in zip(specs, checks, strict=True) if check]
    args.model_warnings = (*parser, *checkpoint)
    search = {"gpu_keys": gpu_keys, "network": args.network, "wsl2": args.wsl2,
              "engine": engine}
    try:
        result = recommend(specs, workload, prices, gpus_max=args.gpus_max, top=args.top,
                           **search)
    except NoPriceError as exc:
        raise CliError(f"{exc}: give one with --price {exc.keys[0]}=USD (per GPU-hour)") from None
    except NoWsl2TotalError as exc:  # its advice names flags recommend does not take
        raise CliError(f"--wsl2: {exc.what}; recommend searches the GPU presets on their own "
                       "totals only: plan, sweep or report it with --gpu-memory-gib X (what "
                       f"CUDA reports) and --gpu-name {exc.key}") from None
    if result.network_assumed is not None:
        add_notes(args, network_assumed_note(result.network_assumed))
    # a model searched without the --enable-lora asked (its slots not sized): on stderr, and
    # in --json's lora_notes
    # plan's notes on --all2all-backend for the rows found (ignored on a layout, the package
    # it needs): on stderr, and in --json's model_warnings
    a2a = _all2all_row_notes(result.rows, specs, engine)
    args.model_warnings = (*args.model_warnings, *result.lora_notes, *a2a)
    # where nothing serves: the same search on past --gpus-max (planner.serving.way_out)
    out = way_out(result, specs, prices, gpus_max=args.gpus_max,
                  step=lambda n: f"rerun with --gpus-max {n}", **search)
    if not args.json:
        return recommend_text(result, out)
    # the multimodal and speculative flags every row is planned with, under plan's engine
    # block's keys (the speculative ones only where given: the block kept its keys)
    drafts = {"num_speculative_tokens", "speculative_draft"} if engine.num_speculative_tokens \
        else set()
    given = {"all2all_backend"} if engine.all2all_backend else set()
    shared = engine.model_dump(mode="json", include=set(modes) | drafts | given)
    return json.dumps({**json.loads(result.model_dump_json()), "way_out": out,
                       "model_warnings": [*parser, *a2a], "warnings": checkpoint,
                       "engine": shared},
                      indent=2, ensure_ascii=False) + "\n"


def _all2all_row_notes(rows: Sequence[Recommendation], specs: Sequence[ModelSpec],
                       engine: EngineSettings) -> tuple[str, ...]:
    """What vLLM does with recommend's --all2all-backend on each row's layout, in plan's words
    (all2all.all2all_notes: ignored, replaced, the package its manager needs, the batched-DP
    token budget where the row's command sets none), each note once with the rows it is for
    ("#1, #3: ..."); none without the flag."""
    if not engine.all2all_backend:
        return ()
    version = vllm_rules(engine.vllm_version).version
    moe = {spec.name or spec.model_type: spec.is_moe for spec in specs}
    found: dict[str, list[str]] = {}
    for number, row in enumerate(rows, 1):
        for note in all2all_notes(engine.all2all_backend, version, row.layout.dp, row.layout.ep,
                                  moe[row.model_name],
                                  "max_num_batched_tokens" in row.raised_flags):
            found.setdefault(note, []).append(f"#{number}")
    return tuple(f"{', '.join(numbers)}: {note}" for note, numbers in found.items())


def cmd_inspect(args: argparse.Namespace) -> str:
    """The architecture card, as text or JSON."""
    if args.model is not None and args.model_flag is not None:
        raise CliError("give the model once: as PATH_OR_REPO_ID or as --model, not both")
    model = args.model if args.model is not None else args.model_flag
    if model is None:
        raise CliError("the following arguments are required: PATH_OR_REPO_ID (or --model "
                       "PATH_OR_REPO_ID)")
    source, spec = _model(args, model, args.revision)
    card = model_card(spec, source, hf_overrides=args.hf_overrides)
    return card.model_dump_json(indent=2) + "\n" if args.json else card_text(card)


def _once(seen: dict[str, str], given: str, name: str, source: ModelSource) -> None:
    """Record `given` ('--compare qwen/qwen3-8b') under its model's identity
    (cli.inputs.model_identity); refuse it where another flag already named that model in
    another spelling, which made two identical rows (recommend) or compared a model with
    itself (report --compare)."""
    key = model_identity(name, source)
    if key in seen:
        raise CliError(f"{given} names the same model as {seen[key]}: give each model once")
    seen[key] = given


def _comparison(args: argparse.Namespace, main: Plan, speed: SpeedEstimate | None,
                cluster: ClusterSpec, main_source: ModelSource) -> tuple[ComparisonRow, ...]:
    """The chosen plan beside each --compare model on the same GPUs and settings, each with
    its speed at the load flags. Each other model is planned in its own checkpoint format (the
    --model's --target-quant, --target-checkpoint, --quantization and --revision are its
    own) at the plan's max_model_len, capped at its own maximum where that is lower
    (compared_max_model_len, the app's Report page's rule too); on the --model's layout where
    it runs there (planner.serving.auto_layout.compared_layout, the app's rule too), with
    --enable-eplb where it has routed experts and --enable-lora where Headroom sizes its LoRA
    slots, else without LoRA and a note says so (compared_engine, model_warnings)."""
    rows = [comparison_row(main, speed)]
    engine = main.engine.model_copy(update={
        "quantization": None, "target_quant": None, "target_checkpoint": None,
        "revision": None})
    # at another --revision the --model may be compared with itself (cmd_report)
    seen = {} if args.revision else {model_identity(args.model, main_source):
                                     f"--model {args.model}"}
    for name in args.compare:
        source, spec = _model(args, name)
        _once(seen, f"--compare {name}", name, source)
        # no EPLB for a dense model
        own = compared_engine(spec, at_compared_len(spec, engine, main.max_model_len))
        layout = compared_layout(spec, cluster, main.layout, checkpoint_scheme(spec), own)
        request = PlanRequest(model=spec, cluster=cluster, layout=layout, engine=own)
        # its warnings as the app's Compare page lists them: the parameter check, then the
        # config's own; then why it is planned without the plan's LoRA, where it is
        other = with_param_check(plan(request, nearest=False), spec, source)
        rows.append(comparison_row(other, estimate_speed(request, _load(args),
                                                         plan_result=other),
                                   model_warnings(other, spec, engine), main.max_model_len))
    return tuple(rows)


def cmd_report(args: argparse.Namespace) -> str:
    """The full report in the chosen format (CSV is the sweep table)."""
    if args.model in args.compare and not args.revision:  # its row is the report's first
        raise CliError(f"--compare {args.model} is the --model itself: compare other models")
    _preload(args, [(args.model, args.revision), *((name, None) for name in args.compare)])
    chosen, spec, source, cluster, snapshots, speed, auto = _plan(args)
    comparison = _comparison(args, chosen, speed, cluster, source) if args.compare else ()
    inputs = report_inputs(
        spec, source, cluster, chosen, day=args.date or today(),
        with_sweep=args.sweep or args.format == "csv", comparison=comparison,
        audits=tuple(audit_summary(s) for s in snapshots),
        load=_load(args), objective=args.objective, tpot_ms_target=args.tpot_ms,
        layout_auto=auto, ep=args.ep,
    )
    bundle = build_report(inputs)
    return {"md": bundle.markdown, "json": bundle.json_text, "csv": bundle.csv_text}[args.format]


COMMANDS: dict[str, Callable[[argparse.Namespace], str]] = {
    "plan": cmd_plan, "sweep": cmd_sweep, "inspect": cmd_inspect, "report": cmd_report,
    "recommend": cmd_recommend,
}


def _unused_ranking_flags(args: argparse.Namespace) -> tuple[str, ...]:
    """Notes for sweep/report ranking flags given where nothing reads them (not an error: the
    command runs as without them)."""
    if args.command not in ("sweep", "report"):
        return ()
    if args.command == "report" and not (args.sweep or args.format == "csv") and (
            args.objective != "context" or args.tpot_ms is not None):
        return ("--objective and --tpot-ms rank the report's sweep: ignored without --sweep",)
    if args.tpot_ms is not None and args.objective != "throughput":
        return (f"--tpot-ms ranks --objective throughput only: ignored with --objective "
                f"{args.objective}",)
    if args.command == "sweep" and args.objective == "throughput" and args.concurrency != 1:
        return (f"--concurrency {args.concurrency:,} is ignored with --objective throughput: "
                "each row runs at the concurrency with the most output tokens/s, up to what "
                "its KV cache and max_num_seqs hold",)
    return ()


def _unused_compare(args: argparse.Namespace) -> tuple[str, ...]:
    """A note for report --compare under --format csv, whose CSV is the sweep's rows alone
    (planner.report.build_report): the comparison is planned (a bad model still exits 2) but
    nowhere printed."""
    if args.command == "report" and args.compare and args.format == "csv":
        return ("--compare is ignored with --format csv, which holds the sweep's rows only: "
                "the comparison is in --format md and json",)
    return ()


def invoked_as(argv: Sequence[str] | None = None) -> str:
    """The name the user ran, for usage and messages: the installed script's file name
    (`headroom`) when main reads sys.argv, else `python -m planner` (planner/__main__.py, and
    main called with explicit arguments)."""
    script = os.path.basename(sys.argv[0]) if argv is None and sys.argv else ""
    return script if script and not script.endswith(".py") and script[0] != "-" \
        else "python -m planner"


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector off while one command runs, back on after (main is also
    called in-process). The planner's caches grow to millions of objects in a large sweep,
    and each of the collector's full passes walks them all to free almost nothing: Llama 3.1
    405B's sweep over 4,096 GPUs made 9 full passes that freed 18,701 objects and took about
    1.7 s of its 6.8 s (Qwen3-235B-A22B's peak memory 351 -> 372 MiB without them).
    Reference counting frees everything else as before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Run one command; 0 on success, 2 on bad input (one line on stderr). `prog` names the
    command in usage and messages (default: invoked_as).

    With no command at all, the help (one line per command) goes to stderr, exit code 2.
    """
    prog = prog or invoked_as(argv)
    parser = build_parser(prog)
    if not (sys.argv[1:] if argv is None else argv):
        parser.print_help(sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        with _no_cycle_collection():
            text = COMMANDS[args.command](args)
    except USER_ERRORS as exc:
        message = redact(_one_line(exc))
        print(f"{prog} {args.command}: error: {message}", file=sys.stderr)
        return 2
    for note in dict.fromkeys((*_unused_ranking_flags(args), *_unused_compare(args),
                               *getattr(args, "source_notes", ()))):
        print(f"{prog} {args.command}: note: {one_line(redact(note))}", file=sys.stderr)
    if not getattr(args, "json", False):
        for warning in getattr(args, "model_warnings", ()):
            print(f"{prog} {args.command}: warning: {one_line(redact(warning))}",
                  file=sys.stderr)
    return emit(redact(text), f"{prog} {args.command}")
