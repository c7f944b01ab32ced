"""The launch command: a `vllm serve` line that loads what was planned, or a note saying why
there is none. One function decides it for the app, the CLI, the sweep and the report.

What-if weight formats (a 16-bit checkpoint planned as GPTQ, AWQ, NVFP4, ...) are not
something `vllm serve <16-bit repo>` produces, so the command points at a checkpoint that
holds the planned format (one the user names, or a known one), or passes vLLM's runtime
`--quantization` flag where vLLM quantizes at load (fp8), or there is no command.
"""

import json
import shlex
from collections.abc import Mapping
from functools import cache, lru_cache
from typing import NamedTuple

from planner.catalog import catalog_entry, catalog_spec
from planner.model import quant
from planner.model.config.quant import W4AFP8_SCHEME
from planner.model.spec import ModelSpec
from planner.serving.eagle import eagle_speculative_config
from planner.serving.engine import EngineSettings, served_dtype
from planner.serving.eplb import eplb_launch_flags
from planner.serving.long_len import env_prefix
from planner.serving.mm_modes import given_limits
from planner.serving.runner_choice import runner_env_prefix
from planner.serving.startup import quantization_mismatch
from planner.serving.startup.quant_method import bnb_what_if_dropped
from planner.serving.startup.wna16_loaders import act_order_errors
from planner.serving.video_pruning import pruning_flags
from planner.serving.vllm_cli import (
    VllmCli,
    command_problems,
    release_numbers,
    transformers_model_types,
    transformers_remote_tokenizer_skipped,
    transformers_tokenizer_classes,
    vllm_cli,
)
from planner.serving.vllm_versions import (
    INC_OVERRIDE_FROM,
    Version,
    covered_releases,
    deprecated_quantization,
    vllm_rules,
)
from planner.serving.weights import weights_bytes
from planner.text import with_article
from planner.units import gib_text, kv_cache_dtype_flag, number_as_given

QUANTIZED_CHECKPOINTS: dict[str, tuple[str, ...]] = {
    "Qwen/Qwen3-235B-A22B": (
        "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "Qwen/Qwen3-235B-A22B-FP8",
        "nvidia/Qwen3-235B-A22B-NVFP4",
    ),
    "Qwen/Qwen3-30B-A3B": ("Qwen/Qwen3-30B-A3B-FP8",),
    "Qwen/Qwen3-32B": ("Qwen/Qwen3-32B-FP8",),
    "meta-llama/Llama-3.1-8B-Instruct": (
        "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w4a16",
        "RedHatAI/Meta-Llama-3.1-8B-Instruct-quantized.w8a8",
    ),
    "meta-llama/Llama-3.1-70B-Instruct": ("nvidia/Llama-3.1-70B-Instruct-FP8",),
}
"""Quantized checkpoints of a 16-bit model, by the model's repo id. Every one is a bundled
catalog entry (planner/catalog_data, with its source), published as a quantization of that
model by its maker (Qwen, NVIDIA ModelOpt, RedHatAI/Neural Magic); which format each holds is
read from its own config, never assumed."""


UNTOOLED_SCHEMES: tuple[str, ...] = (W4AFP8_SCHEME, "fp8-block128-fp4experts")
"""What-if formats the launch note names no quantizing tool for: quant_method "w4afp8"
(vLLM 0.34.0 W4AFP8Config) and DeepSeek-V4's own FP8 + FP4-expert layout, which neither
llm-compressor (compressed-tensors configs) nor GPTQModel (gptq configs) writes."""

FAMILY_TOOLS = {"torchao": "torchao", "ocp_mx": "AMD Quark"}
"""The tool that writes a what-if format's checkpoint where llm-compressor and GPTQModel write
none: a quant_method "torchao" config (torchao's quantize_ and save), a Quark OCP MX one (AMD
Quark's export); the launch note names it."""

NO_COMMAND = "No launch command: "
"""How a launch note without a command starts (most of this module's notes). Where a line
already says there is none ("no launch command for #3: ", recommend's "what-if, no command: "
and "no command: ", the Recommend page's), the note's own opening is dropped, so it is not
said twice."""

CHECKPOINT_STEP = "(--target-checkpoint)"
"""How a what-if format's launch note asks for a checkpoint in that format, in the CLI's words:
the app names its Plan page's field instead (ui.context.app_words)."""

TORCHAO_AT_LOAD_FROM: Version = (0, 11, 1)
"""NOTE: the first release whose model_loader/weight_utils.py get_quant_config takes a
quantization config from --hf-overrides (quantization_config_file / quantization_config_dict_json,
which TorchAOConfig reads: from_config_file / from_config_dict_json) for a checkpoint without
one: absent from the 0.9.1 and 0.11.0 wheels, in 0.11.1, 0.12.0, 0.14.0, 0.19.0, 0.24.0,
0.29.0 and 0.34.0. So vLLM can make a torchao format at load there, from a command Headroom
does not write."""


class Launch(NamedTuple):
    """The model-and-engine half of the launch: `vllm serve MODEL` plus flags, or None with
    the reason in `note` (a note may also accompany a command: what it loads). `refused`:
    what vLLM's parser would refuse in the command planned (then there is no command, and the
    plan does not fit: vLLM would not start)."""

    head: str | None
    note: str
    refused: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    """Known checkpoints of the model in another format the note suggests planning instead
    (_no_checkpoint_launch): fitted_note says which of them the GPUs at hand cannot hold."""
    note_around_others: tuple[str, str] = ("", "")
    """The note's text before and after its clause on `others` (_others_clause), from which
    fitted_note builds the note again with that clause weighed against the GPUs."""


@lru_cache(maxsize=256)
def catalog_checkpoint_scheme(repo_id: str) -> str | None:
    """The weight scheme key a catalog checkpoint holds (from its config), None if absent.
    Bounded: the app and CLI ask it of the --target-checkpoint typed, any string."""
    if catalog_entry(repo_id) is None:
        return None
    return quant.checkpoint_scheme(_checkpoint_spec(repo_id)).key


@cache
def _checkpoint_spec(repo_id: str) -> ModelSpec:
    """A catalog checkpoint's ModelSpec (catalog.catalog_spec), parsed once: recommend's
    what-if launches ask for the same few (Qwen3-30B-A3B over every GPU preset: 160 parses,
    ~15% of its run, before this cache)."""
    return catalog_spec(repo_id)


def _refused_as_stored(repo_id: str, version: Version) -> list[str]:
    """Why vLLM `version` refuses a catalog checkpoint's own quantization config whatever the
    GPU ([] where it loads it): its group act-order from 0.30 (wna16_loaders.act_order_errors), a
    property of the checkpoint that its format key does not carry."""
    spec = _checkpoint_spec(repo_id)
    return act_order_errors(spec, quant.checkpoint_scheme(spec), version)


MODEL_STEP = "(--model)"
"""How a checkpoint format refusal asks to plan the checkpoint itself, in the CLI's words: the
app names its Model page instead (ui.context.app_words)."""


DROP_CHECKPOINT_STEP = "leave out --target-checkpoint"
"""How a checkpoint format refusal asks to serve the planned model itself, in the CLI's words:
the app asks to empty its Plan page's field instead (ui.context.app_words)."""


def checkpoint_format_refusal(checkpoint: str, held: quant.QuantScheme,
                              target: quant.QuantScheme, model: str) -> str:
    """Why a checkpoint given for the `target` what-if format (--target-checkpoint, the app's
    checkpoint field) is no launch of the plan: it holds `held` (its own config says so: a
    catalog entry's, or a local folder's config.json the CLI reads), so `vllm serve` would
    load weights of another size than planned (Qwen/Qwen3-235B-A22B-FP8 given for w4a16:
    27.66 GiB per GPU at TP=8, not 14.56). Where it is the planned `model` itself, planning
    it is no way out: without it, vLLM makes the format at load where it can (launch)."""
    other = f"give {with_article(target.label)} checkpoint {CHECKPOINT_STEP}"
    if checkpoint == model:
        return (f"{checkpoint} is the model planned itself, whose checkpoint holds {held.key} "
                f"weights ({held.label}), not the {target.key} planned: "
                f"{DROP_CHECKPOINT_STEP} to have vLLM make {target.label} weights of it at load "
                f"where it can (the launch note then says how), or {other}.")
    return (f"{checkpoint} holds {held.key} weights ({held.label}), not the {target.key} "
            f"planned: a command loading it would not run this plan; plan {checkpoint} itself "
            f"{MODEL_STEP}, or {other}.")


def known_checkpoint(model: str, scheme_key: str, version: Version) -> str | None:
    """A known checkpoint of `model` in exactly the format `scheme_key` that vLLM `version`
    loads (_refused_as_stored), else None."""
    return next((repo for repo in QUANTIZED_CHECKPOINTS.get(model, ())
                 if catalog_checkpoint_scheme(repo) == scheme_key
                 and not _refused_as_stored(repo, version)), None)


def _checkpoint_checked(in_catalog: bool, s: EngineSettings) -> str:
    """Whose config says a --target-checkpoint holds the format planned, for its launch note:
    Headroom's catalog's, the folder's config.json the CLI read
    (s.target_checkpoint_config_read), or none, where its format is taken as given (a hub
    repo outside the catalog is not fetched for it, a config.json Headroom cannot parse)."""
    if in_catalog:
        return "its config in Headroom's catalog holds that format"
    if s.target_checkpoint_config_read:
        return "its config.json holds that format"
    return ("its format is taken as given: Headroom's catalog does not hold it, and no "
            "config.json of it was parsed")


def fp8_made_at_load(model: str, scheme: quant.QuantScheme, s: EngineSettings,
                     method: str | None, version: Version) -> bool:
    """Whether the command launch() writes has vLLM `version` make fp8 from `model`'s 16-bit
    weights while loading them (`--quantization fp8` on a checkpoint with no quant_method:
    `method` None): not where a checkpoint in the format is loaded instead (--target-checkpoint,
    a known one)."""
    return (scheme.runtime and scheme.vllm_quantization == "fp8" and method is None
            and not (s.target_quant and (s.target_checkpoint
                                         or known_checkpoint(model, scheme.key, version))))


def launch(model: str, scheme: quant.QuantScheme, s: EngineSettings, engine_flags: str,
           cli: VllmCli, unservable: str | None = None, method: str | None = None,
           as_stored_errors: tuple[str, ...] = (), long: bool = False) -> Launch:
    """The command head for `model` planned in `scheme` with settings `s` on vLLM `cli`.

    `engine_flags` are the engine flags (max_model_len, batch limits, KV dtype, ...); the
    layout flags go in between (with_layout). A command vLLM's parser would refuse is
    never returned: its problems become the note. `unservable` (ModelSpec.unservable) says
    why `model` is nothing vLLM can load: no command then, unless a --target-checkpoint is
    what it loads. `method`: the checkpoint's quant_method (quant_method.config_quant_method),
    which a release that deprecates it loads only with --allow-deprecated-quantization
    (vllm_versions.DEPRECATED_QUANTIZATION), and which a runtime what-if's --quantization
    must be, except "auto-round", which vLLM loads as stored whatever --quantization says
    (INC_OVERRIDE_FROM): `as_stored_errors` are its refusals of it so
    (autoround.inc_as_stored_errors). `long`: a max_model_len past the derived one, which
    vLLM serves only with VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 in the command's environment
    (long_len.env_prefix; the parser check reads the command without it, as vLLM's parser
    never sees it).
    """
    if unservable and not (s.target_quant and s.target_checkpoint):
        return Launch(None, unservable)
    note = ""
    serve = f"vllm serve {shlex.quote(model)}"  # a folder's path may hold spaces
    if s.revision:  # the commit planned, not whatever main is when the server starts
        serve += f" --revision {shlex.quote(s.revision)}"
    if s.target_quant:
        what_if = _what_if_serve(serve, model, scheme, s, cli, method, as_stored_errors)
        if what_if.head is None:
            return what_if
        serve, note = what_if.head, what_if.note
    if s.trust_remote_code:
        serve += " --trust-remote-code"
    deprecated = _deprecated_note(method, s.vllm_version)
    if deprecated and not s.target_quant:
        serve += " --allow-deprecated-quantization"
        note = deprecated
    head = f"{serve} {engine_flags}"
    problems = command_problems(head, cli)
    if problems:
        return Launch(None, "No launch command: " + "; ".join(problems), tuple(problems))
    # the runner asked and a length past the derived one, as the environment of the command
    # (every node's copy over --nnodes)
    return Launch(env_prefix(long)
                  + runner_env_prefix(vllm_rules(s.vllm_version), s.model_runner) + head, note)


def _what_if_serve(serve: str, model: str, scheme: quant.QuantScheme, s: EngineSettings,
                   cli: VllmCli, method: str | None,
                   as_stored_errors: tuple[str, ...]) -> Launch:
    """The `vllm serve` part (Launch.head) and its note of the what-if format `scheme`, in
    launch's order: the --target-checkpoint given, a known checkpoint, else `serve`
    (`model`'s) with vLLM's --quantization where it makes the format at load; no head, the
    note saying why (and the known checkpoints in other formats it suggests), where there is
    no command."""
    version = vllm_rules(cli.vllm_version).version
    if s.target_checkpoint:
        return Launch(*_given_checkpoint(model, scheme, s))
    known = known_checkpoint(model, scheme.key, version)
    if known:
        flag, kv_note = _kv_as_planned(known, s, cli)
        return Launch(f"vllm serve {known}{flag}",
                      f"Loads {known}, the catalog's {scheme.label} checkpoint of {model}."
                      f"{kv_note}")
    refusal = _runtime_refusal(model, scheme, cli, method, as_stored_errors, version)
    if refusal:
        return Launch(None, refusal)
    if scheme.runtime and scheme.vllm_quantization and cli.accepts(
            "--quantization", scheme.vllm_quantization):
        return Launch(f"{serve} --quantization {scheme.vllm_quantization}",
                      f"vLLM quantizes {model} to {scheme.label} while loading it.")
    return _no_checkpoint_launch(model, scheme, cli, version)


def _given_checkpoint(model: str, scheme: quant.QuantScheme,
                      s: EngineSettings) -> tuple[str | None, str]:
    """(`vllm serve` of the --target-checkpoint, its note), or (None, why) where its config
    in the catalog holds another format than `scheme` (checkpoint_format_refusal)."""
    checkpoint = s.target_checkpoint or ""
    held = catalog_checkpoint_scheme(checkpoint)
    if held is not None and held != scheme.key:
        return None, f"No {scheme.label} command: " + checkpoint_format_refusal(
            checkpoint, quant.scheme(held), scheme, model)
    return f"vllm serve {shlex.quote(checkpoint)}", (
        f"Loads {checkpoint}, given as the {scheme.label} checkpoint of "
        f"{model} ({_checkpoint_checked(held is not None, s)}).")


def _runtime_refusal(model: str, scheme: quant.QuantScheme, cli: VllmCli, method: str | None,
                     as_stored_errors: tuple[str, ...], version: Version) -> str | None:
    """Why vLLM `cli` cannot make the what-if `scheme` from `model`'s checkpoint at load
    (None where nothing stops it): an AutoRound checkpoint it loads as stored
    (_auto_round_note), a quant_method other than the --quantization planned, or no
    bitsandbytes method in the release."""
    runtime = scheme.runtime and scheme.vllm_quantization
    if runtime and method == "auto-round" and version >= INC_OVERRIDE_FROM:
        return _auto_round_note(model, scheme, cli, as_stored_errors)
    if runtime and method not in (None, scheme.vllm_quantization):
        # config/model.py _verify_quantization compares the config's quant_method with
        # --quantization (startup.quantization_errors); no override claims an unread one
        q = scheme.vllm_quantization
        return (f"No {scheme.label} command: {model}'s config names quant_method {method!r}, "
                f"and vLLM {cli.vllm_version} stops at --quantization {q} on it "
                f"(\"{quantization_mismatch(method, q)}\"): give "
                f"{with_article(scheme.label)} checkpoint of it {CHECKPOINT_STEP}.")
    if bnb_what_if_dropped(scheme, cli):
        # neither made at load nor loaded: no "quantize it first" advice
        return (f"No {scheme.label} command: vLLM {cli.vllm_version} has no bitsandbytes "
                "quantization method (see the verdict).")
    return None


def _auto_round_note(model: str, scheme: quant.QuantScheme, cli: VllmCli,
                     as_stored_errors: tuple[str, ...]) -> str:
    """Why an AutoRound checkpoint gives no runtime what-if from INC_OVERRIDE_FROM on: vLLM
    loads it as stored whatever --quantization says (`as_stored_errors`: its refusals of it
    so)."""
    q, label = scheme.vllm_quantization, scheme.label
    fails = (f", which vLLM {cli.vllm_version} refuses ({as_stored_errors[0]})"
             if as_stored_errors else "")
    return (f"No {label} command: vLLM {cli.vllm_version} turns {model}'s quant_method "
            "'auto-round' into 'inc' whatever --quantization says "
            f"(INCConfig.override_quantization_method), so --quantization {q} loads its "
            f"AutoRound checkpoint as stored{fails}, not {label} weights: give "
            f"{with_article(label)} checkpoint of it {CHECKPOINT_STEP}.")


def _no_checkpoint_launch(model: str, scheme: quant.QuantScheme, cli: VllmCli,
                          version: Version) -> Launch:
    """No command for the what-if `scheme` of `model`, the note saying why: no catalog
    checkpoint in it that vLLM `version` loads, and vLLM cannot make it at load; what to do
    instead (quantize it, with which tool, or give one published on the hub, or plan another
    catalog checkpoint of it: `others`, each the plan's fitted_note weighs against the GPUs at
    hand)."""
    checkpoints = QUANTIZED_CHECKPOINTS.get(model, ())
    refused = next((repo for repo in checkpoints
                    if catalog_checkpoint_scheme(repo) == scheme.key), None)
    others = tuple(repo for repo in checkpoints
                   if repo != refused and not _refused_as_stored(repo, version))
    tools = "" if scheme.key in UNTOOLED_SCHEMES else \
        f" (e.g. with {FAMILY_TOOLS.get(scheme.family, 'llm-compressor or GPTQModel')})"
    at_load = "cannot make one at load" if scheme.family != "torchao" \
        or version < TORCHAO_AT_LOAD_FROM else (
        "makes one at load only from a torchao config in --hf-overrides "
        "(quantization_config_dict_json, with --quantization torchao), a command "
        "Headroom does not write")
    loads = f" that vLLM {cli.vllm_version} loads" if refused else ""
    why = (f" The catalog's checkpoint in that format, {refused}, is refused there: "
           f"{_refused_as_stored(refused, version)[0]}." if refused else "")
    # "in Headroom's catalog", not "known": one published on the hub (Qwen/Qwen3-32B-AWQ) may
    # hold the format though the catalog does not
    before = (f"No {scheme.label} checkpoint of {model}{loads} is in Headroom's catalog and "
              f"vLLM {cli.vllm_version} {at_load}: quantize it first{tools}, or find one "
              f"published on the hub, and give its name {CHECKPOINT_STEP}")
    return Launch(None, before + _others_clause(others) + why, others=others,
                  note_around_others=(before, why))


def _others_clause(others: tuple[str, ...], too_big: dict[str, int] | None = None,
                   budget_bytes: int = 0, unmet: Mapping[str, str] | None = None) -> str:
    """The no-checkpoint note's end: the known checkpoints in `others` to plan instead, but
    those in `too_big` (repo: its weights' bytes), which are said not to fit the GPUs'
    `budget_bytes` (fitted_note), and those in `unmet` (repo: why), which are said not to
    serve the workload there (recommend.weigh_alternatives)."""
    unmet = unmet or {}
    fit = [repo for repo in others if repo not in (too_big or {}) and repo not in unmet]
    suggest = f", or plan a known checkpoint of it in another format: {', '.join(fit)}" \
        if fit else ""
    short = "".join(f" The catalog's {repo} does not serve the workload on these GPUs: {why}."
                    for repo, why in unmet.items())
    if not too_big:
        return suggest + "." + short
    big = ", ".join(f"{repo} ({gib_text(weights)} of weights)"
                    for repo, weights in too_big.items())
    one = len(too_big) == 1
    return (f"{suggest}. The catalog's {big} {'does' if one else 'do'} not fit these GPUs: "
            f"{'its' if one else 'their'} weights alone pass the GPUs' memory budget, "
            f"{gib_text(budget_bytes)} (--gpu-memory-utilization x each GPU's memory, summed)."
            f"{short}")


def fitted_note(started: Launch, budget_bytes: int, tower_dropped: bool,
                unmet: Mapping[str, str] | None = None) -> str:
    """`started`'s note with the known checkpoints it suggests (Launch.others) weighed against
    the GPUs at hand: one whose weights alone (weights.weights_bytes of its config, as stored;
    less its vision tower where `tower_dropped`, which vLLM then builds none of) pass
    `budget_bytes`, the memory budget of all the cluster's GPUs together, fits no layout there
    (recommend prunes a GPU count by the same bound) and is said not to fit, not suggested;
    one in `unmet` (repo: why; recommend.weigh_alternatives, which plans each on the row's
    GPUs) is said not to serve the workload there, not suggested either."""
    too_big = {repo: weights for repo in started.others
               if (weights := _checkpoint_weights_bytes(repo, tower_dropped)) > budget_bytes}
    unmet = {repo: why for repo, why in (unmet or {}).items() if repo not in too_big}
    if not too_big and not unmet:
        return started.note
    before, after = started.note_around_others
    return before + _others_clause(started.others, too_big, budget_bytes, unmet) + after


def what_if_alternatives(model: str, scheme: quant.QuantScheme, vllm_version: str) -> Launch:
    """The no-command launch of the what-if `scheme` of `model` on vLLM `vllm_version`
    (_no_checkpoint_launch), its `others` the catalog checkpoints it suggests: what recommend
    weighs against a what-if row's workload (weigh_alternatives)."""
    return _no_checkpoint_launch(model, scheme, vllm_cli(vllm_version),
                                 vllm_rules(vllm_version).version)


@lru_cache(maxsize=64)
def _checkpoint_weights_bytes(repo_id: str, tower_dropped: bool) -> int:
    """A catalog checkpoint's weights as stored (weights.weights_bytes), less its vision tower
    where `tower_dropped`."""
    spec = _checkpoint_spec(repo_id)
    terms = weights_bytes(spec, quant.checkpoint_scheme(spec))
    return terms.total_bytes - (terms.vision_bytes if tower_dropped else 0)


def _deprecated_note(method: str | None, vllm_version: str) -> str | None:
    """Why the command passes --allow-deprecated-quantization: vLLM `vllm_version`
    deprecates the checkpoint's quant_method `method`; None where it does not."""
    rules = vllm_rules(vllm_version)
    if not deprecated_quantization(method, rules.version):
        return None
    return (f"vLLM {rules.label} deprecates the checkpoint's {method} quantization and "
            "loads it only with --allow-deprecated-quantization (without it: \"The "
            "quantization method is deprecated and will be removed in future versions of "
            "vLLM\").")


def _kv_as_planned(checkpoint: str, s: EngineSettings, cli: VllmCli) -> tuple[str, str]:
    """(' --kv-cache-dtype D', '') where a what-if planned with a 16-bit KV cache (`auto`)
    loads a known checkpoint whose own KV cache format `auto` would take instead, else
    ('', ''); ('', note) where the release's parser cannot name the dtype planned (float16
    before 0.18, float32 in any release): the command then runs the checkpoint's format, which
    the note says.

    NOTE: vllm/utils/torch_utils.py resolve_kv_cache_dtype_string (0.14.0, 0.33.0 and 0.34.0 wheels;
    vllm_versions.CHECKPOINT_KV_DTYPE_FROM): `auto` becomes the checkpoint's
    kv_cache_quant_algo (ModelOpt FP8: fp8), a value given is returned as it is. The dtype
    named is the one `auto` means for a checkpoint without one: the model's (served_dtype);
    --kv-cache-dtype's choices are the release's CacheDType (vllm_cli fixtures: float16 from
    0.18.0, never float32).
    """
    target = _checkpoint_spec(checkpoint)
    kv = target.quant.kv_cache_dtype if target.quant else None
    if s.kv_cache_dtype != "auto" or kv is None or not vllm_rules(
            cli.vllm_version).checkpoint_kv_dtype:
        return "", ""
    dtype = served_dtype(s, target.torch_dtype)
    if cli.accepts("--kv-cache-dtype", dtype):
        return f" --kv-cache-dtype {dtype}", ""
    return "", (f" vLLM {cli.vllm_version}'s --kv-cache-dtype cannot name the {dtype} KV cache "
                f"planned, so `auto` runs the checkpoint's {kv} one (kv_cache_quant_algo): "
                "fewer bytes per token than planned; plan --kv-cache-dtype fp8 for what runs.")


REMOTE_CODE_STEP = "plan with --trust-remote-code"
"""The way remote_code_note tells to act, in the CLI's words: the app says it its own way
(ui.context.app_words)."""
VERSION_STEP = "Plan with --vllm-version {version}"
"""The step to another release (_dropped_note); the app says its sidebar's choice instead."""


def remote_code_note(spec: ModelSpec, cli: VllmCli) -> str | None:
    """Why vLLM `cli` loads `spec` only with --trust-remote-code; None when it does not need it.

    NOTE: ModelRegistry.inspect_model_cls / _try_resolve_transformers
    (model_executor/models/registry.py, 0.33.0 and 0.34.0; the same fallback from 0.10.1): when
    none of the config's architectures is a registry key, model_impl "auto" falls back to the
    Transformers backend for architectures[0], which takes the class from the transformers
    library or else from auto_map's AutoModel* entry, the repository's own code, loaded by
    try_get_class_from_dynamic_module only with trust_remote_code (without it the class is
    None and vLLM raises that the architecture is not supported). Headroom checks the
    registry keys its fixture lists (generation, multimodal and Transformers-backed tables);
    it cannot know which classes the installed transformers has, so an architecture that
    transformers ships beside an auto_map is reported here too.
    The config comes first: get_config (transformers_utils/config.py, 0.9.1-0.34.0) reads a
    model_type outside its _CONFIG_REGISTRY with AutoConfig.from_pretrained(trust_remote_code=
    ...), which runs auto_map's AutoConfig class only with trust_remote_code when transformers
    has no config class for the type, or the config.json has no top-level model_type (both
    read config_dict["model_type"], never text_config's; from 0.32.0 vLLM gives a config
    without one its _ARCHITECTURE_TO_MODEL_TYPE type, built with transformers' class:
    _config_model_type): transformers' resolve_trust_remote_code raises "The
    repository ... contains custom code which must be executed to correctly load the model"
    (dynamic_module_utils, 4.56.0 and 5.16.1), which get_config re-raises (its own "Failed to
    load the model config ... --trust-remote-code" matches only an older transformers'
    wording, "requires you to execute the configuration file"). The transformers installed
    beside vLLM is unknown: Headroom counts on the types of the lowest one the release's wheel
    allows (VllmCli.transformers_min, vllm_cli.transformers_model_types), so a type a newer
    transformers has still gets the note (conservative: the flag then runs the repository's
    config class needlessly).
    The tokenizer last: every release loads it with AutoTokenizer.from_pretrained(...,
    trust_remote_code=<flag>) unless a tokenizer mode of its own applies (vllm/tokenizers/hf.py
    HfTokenizer / CachedHfTokenizer.from_pretrained, read in 0.12.0, 0.19.0, 0.33.0 and 0.34.0;
    transformers_utils/tokenizer.py get_tokenizer, read in 0.9.2, 0.10.2 and 0.11.0; no release
    has one for an architecture whose repository ships a remote tokenizer in the catalog:
    vllm/tokenizers/registry.py _VLLM_TOKENIZERS and config/model.py, 0.13.0-0.33.0). A
    tokenizer_config.json whose auto_map names an AutoTokenizer class and whose tokenizer_class
    transformers does not have (or which names none): transformers 4.56.0 raises in
    resolve_trust_remote_code ("... contains custom code which must be executed ...") or
    "Tokenizer class X does not exist or is not currently imported", which vLLM re-raises
    ("Failed to load the tokenizer ... --trust-remote-code"); transformers 5.16.1 raises the
    same unless the config's class maps to a tokenizer, when it loads its generic
    TokenizersBackend instead, not the repository's tokenizer (models/auto/tokenization_auto.py
    AutoTokenizer.from_pretrained). Counted on the lowest transformers the release allows
    (_loads_remote_tokenizer).
    """
    if _runs_remote_code(spec, cli):
        return (f"No launch command: vLLM {cli.vllm_version} has no native "
                f"{' / '.join(spec.architectures)}: it loads only with --trust-remote-code, "
                f"which runs the repository's Python code; review it, then {REMOTE_CODE_STEP}.")
    if not _reads_remote_config(spec, cli):
        return _remote_tokenizer_note(spec, cli)
    read = _config_model_type(spec, cli)
    if read is None:
        return (f"No launch command: config.json has no top-level model_type, the one vLLM "
                f"{cli.vllm_version} and transformers look its config class up by: vLLM reads "
                "it only with --trust-remote-code, which runs the repository's Python code; "
                f"review it, then {REMOTE_CODE_STEP}.")
    return (f"No launch command: neither vLLM {cli.vllm_version} nor transformers "
            f"{cli.transformers_min} (the oldest it allows) has a config class for "
            f"model_type '{read}': vLLM reads its config only with --trust-remote-code, "
            f"which runs the repository's Python code; review it, then {REMOTE_CODE_STEP}.")


def untyped_config_note(spec: ModelSpec, cli: VllmCli) -> str | None:
    """Why vLLM `cli` cannot read config.json at all, with --trust-remote-code or without: no
    top-level model_type, none its _ARCHITECTURE_TO_MODEL_TYPE gives architectures[0] (0.32.0
    on: _config_model_type), and no auto_map AutoConfig (that case is remote_code_note's).
    None where it reads one.

    NOTE: HFConfigParser.parse (transformers_utils/config.py, 0.33.0 and 0.34.0; get_config in every
    covered release) then calls AutoConfig.from_pretrained, and transformers raises
    "Unrecognized model in MODEL. Should have a `model_type` key in its config.json." (models/
    auto/configuration_auto.py, 5.5.3 and 5.16.1), which vLLM re-raises: it is not the
    "requires you to execute the configuration file" it turns into its --trust-remote-code
    hint. transformers 4.x first tries each CONFIG_MAPPING key, longest first, as a substring of
    the model's name or path ("Fallback: use pattern matching on the string"), and builds that
    type's config from the dict where one matches: AutoConfig.from_pretrained read in 4.51.1,
    4.53.2, 4.55.0, 4.55.2 (the minimums of vLLM 0.9.1-0.11.0) and 4.56.0, the same fallback in
    each (4.51.1 differs only on the auto_map path, which this note leaves to
    remote_code_note). Counted on the lowest transformers the release allows
    (VllmCli.transformers_min), as remote_code_note does."""
    if spec.remote_config_class is not None or _config_model_type(spec, cli) is not None:
        return None
    name, minimum = spec.name or "<model>", cli.transformers_min
    by_name = minimum.split(".")[0] == "4"
    if by_name and any(t in name for t in transformers_model_types(minimum)):
        return None
    arch = (f" nor one vLLM {cli.vllm_version} gives {spec.architectures[0]}"
            if cli.architecture_model_types and spec.architectures else "")
    return (f"No launch command: config.json has no top-level model_type{arch}, and no "
            f"auto_map AutoConfig: vLLM {cli.vllm_version} stops with transformers {minimum}'s "
            f"(the oldest it allows) \"Unrecognized model in {name}. Should have a `model_type` "
            "key in its config.json\"" + (" (nor a model type in its name)" if by_name else "")
            + "; --trust-remote-code does not change that: add the model_type (the one of its "
            "architecture) to config.json.")


def unknown_type_note(spec: ModelSpec, cli: VllmCli) -> str | None:
    """Why vLLM `cli` cannot read config.json at all, with --trust-remote-code or without: its
    model_type is none that the release's config registry or transformers has a config class
    for (_unknown_model_type), and no auto_map AutoConfig brings one (with one, that is
    remote_code_note's case). None where it reads one.

    NOTE: HFConfigParser.parse (transformers_utils/config.py, read in 0.19.0, 0.24.0 and
    0.34.0) registers only a model_type in _CONFIG_REGISTRY, then calls
    AutoConfig.from_pretrained, and transformers raises ValueError("The checkpoint you are
    trying to load has model type `T` but Transformers does not recognize this architecture.
    This could be because of an issue with the checkpoint, or because your version of
    Transformers is out of date. ...") (models/auto/configuration_auto.py, 4.56.0 and 5.5.3:
    CONFIG_MAPPING's KeyError where config.json has no auto_map AutoConfig), which vLLM
    re-raises: it is not the "requires you to execute the configuration file" it turns into its
    --trust-remote-code hint, and the flag changes nothing without auto_map (0.34.0's get_config
    retries the parse once through with_retry, logging "Error parsing config for MODEL: ...",
    then raises it). Said only where neither the lowest transformers the release allows
    (VllmCli.transformers_min) nor any later one Headroom read (_later_transformers, each
    list checked, and each named in the note) has the type: where only a later one has it
    (gemma4 on vLLM 0.19.0: transformers 4.56.0 lacks it, 5.5.3 has it), the installed one
    decides, and the command stays. The 5.x lists count for the releases whose wheel
    requires transformers<5 too (METADATA Requires-Dist "transformers<5,>=4.56.0",
    0.11.1-0.19.0; the caps of 0.31.0-0.34.0, <5.18.0 to <5.23.0, are above every list read):
    0.19.0's own models/gemma4_mm.py imports transformers.models.gemma4, which no 4.x has, so
    its Gemma 4 runs only on a transformers past that pin."""
    v, mt, later = cli.vllm_version, _config_model_type(spec, cli), _later_transformers(cli)
    if (spec.remote_config_class is not None or not _unknown_model_type(spec, cli)
            or any(mt in transformers_model_types(t) for t in later)):
        return None
    read = f", {', '.join(later[:-1])} or {later[-1]} (the later ones Headroom read)" \
        if len(later) > 1 else f" or {later[0]} (the later one Headroom read)" if later else ""
    return (f"No launch command: config.json's model_type '{mt}' is none that vLLM {v} or "
            f"transformers {cli.transformers_min} (the oldest it allows){read} has a config "
            f"class for, and no auto_map AutoConfig brings one: vLLM {v} stops with "
            f"transformers' \"The checkpoint you are trying to load has model type `{mt}` but "
            "Transformers does not recognize this architecture\"; --trust-remote-code does not "
            "change that.")


def _remote_tokenizer_note(spec: ModelSpec, cli: VllmCli) -> str | None:
    """remote_code_note's tokenizer part: None where the tokenizer needs no remote code."""
    if not _loads_remote_tokenizer(spec, cli, trusted=False):
        return None
    named = (f"tokenizer_config.json's tokenizer_class '{spec.tokenizer_class}' is not one of "
             f"transformers {cli.transformers_min}'s (the oldest vLLM {cli.vllm_version} "
             "allows)" if spec.tokenizer_class else "tokenizer_config.json names no "
             "tokenizer_class")
    return (f"No launch command: {named} and its auto_map names the repository's own "
            f"tokenizer ({spec.remote_tokenizer_class}): vLLM loads the tokenizer only with "
            "--trust-remote-code, which runs the repository's Python code; review it, then "
            f"{REMOTE_CODE_STEP}.")


def remote_code_class(spec: ModelSpec, cli: VllmCli) -> str | None:
    """The repository's classes vLLM `cli` runs for `spec` with --trust-remote-code, joined
    by " and ": auto_map's model class where the release has no native one, else its config
    class where neither vLLM nor transformers reads the model_type, and tokenizer_config.json
    auto_map's tokenizer class where transformers lacks its tokenizer_class; None where it
    runs none."""
    runs = [spec.remote_model_class if _runs_remote_code(spec, cli) else
            spec.remote_config_class if _reads_remote_config(spec, cli) else None,
            spec.remote_tokenizer_class if _loads_remote_tokenizer(spec, cli, trusted=True)
            else None]
    return " and ".join(c for c in runs if c) or None


def remote_code_gap(spec: ModelSpec, cli: VllmCli) -> tuple[str, str] | None:
    """(the verdict's unmodelled part, the warning) where vLLM `cli` runs `spec` on the
    repository's own code through its Transformers backend (remote_code_note's case, with
    --trust-remote-code or without): Headroom's figures are those of a native model class,
    which that release lacks, so they are no confident fit. None for a native class."""
    if not _runs_remote_code(spec, cli):
        return None
    arch, v = " / ".join(spec.architectures), cli.vllm_version
    return _backend_gap(spec, cli, (
        f"vLLM {v} has no native {arch}: it runs the repository's own code "
        f"({spec.remote_model_class}) through its Transformers backend "
        "(ModelRegistry._try_resolve_transformers), which Headroom does not model."),
        remote=True)


def library_backend_gap(spec: ModelSpec, cli: VllmCli) -> tuple[str, str] | None:
    """remote_code_gap's pair where vLLM `cli` has no model class for any of `spec`'s
    architectures and no auto_map brings the repository's: it tries the transformers
    library's own class through its Transformers backend (HF-format GOT-OCR2's
    GotOcr2ForConditionalGeneration and Ovis2's Ovis2ForConditionalGeneration in every
    release, 0.9.1-0.34.0). None for a native class, or the remote-code case.

    NOTE: ModelRegistry._try_resolve_transformers (model_executor/models/registry.py, read in
    0.19.0, 0.33.0 and 0.34.0; V1 releases before 0.11 are refused first, v1_oracle): with
    model_impl "auto" it takes `getattr(transformers, architecture)` and serves it with
    model_config._get_transformers_backend_cls() where `is_backend_compatible()` (transformers'
    `_supports_attention_backend`: True on transformers 5.24.0's GotOcr2PreTrainedModel and
    Ovis2PreTrainedModel), else returns None and vLLM stops with the architecture not
    supported. Which classes the installed transformers has is not known here."""
    if (not spec.architectures or spec.remote_model_class is not None
            or cli.native(spec.architectures)):
        return None
    arch, v = " / ".join(spec.architectures), cli.vllm_version
    return _backend_gap(spec, cli, (
        f"vLLM {v} has no model class of its own for {arch} (model_executor/models/"
        "registry.py): it tries transformers' own class through its Transformers backend "
        "(ModelRegistry._try_resolve_transformers), which loads only where the installed "
        "transformers has that class and marks it compatible, and which Headroom does not "
        "model."), remote=False)


def _backend_gap(spec: ModelSpec, cli: VllmCli, how: str, *, remote: bool) -> tuple[str, str]:
    """remote_code_gap's and library_backend_gap's pair: (the verdict's unmodelled part, the
    warning: `how` vLLM `cli` runs `spec` through its Transformers backend, why the figures
    are no confident fit, and _dropped_note's tail)."""
    return (f"{' / '.join(spec.architectures)} on vLLM {cli.vllm_version}'s Transformers "
            "backend",
            f"{how} The figures are those of a native implementation, so the verdict is not a "
            "confident fit: check against a real start-up." + _dropped_note(spec, cli,
                                                                           remote=remote))


def _dropped_note(spec: ModelSpec, cli: VllmCli, *, remote: bool) -> str:
    """remote_code_gap's / library_backend_gap's tail where vLLM `cli` dropped one of `spec`'s
    architectures or moved it out of tree (VllmCli.unsupported_error): vLLM's own refusal,
    said to stop the start only where it does, and the release to plan with instead, the
    last one vLLM's table says served it, where Headroom has it and it has the class; "" for
    any other architecture.

    NOTE: ModelRegistry.inspect_model_cls (model_executor/models/registry.py, 0.11.0, 0.19.0,
    0.33.0 and 0.34.0) reaches _raise_for_unsupported only where the Transformers backend
    (_try_resolve_transformers) finds no class: `getattr(transformers, architecture)`, else
    auto_map's AutoModel class (the repository's code, `remote`), compatible with its
    backend. Without auto_map, a transformers class needs transformers' model type: where
    transformers `cli.transformers_min` (the oldest the release allows) lacks config.json's,
    none serves it, and vLLM stops there if its config loads (vLLM's own config class,
    _CONFIG_REGISTRY, or auto_map's AutoConfig: HFConfigParser.parse,
    transformers_utils/config.py); with neither, AutoConfig.from_pretrained refuses the
    model_type first. Both are said of that oldest transformers only: the one installed may be
    a later one the release allows that has the type (vLLM 0.11.0 allows transformers>=4.55.2;
    4.55.2 has no 'florence2', 4.56.0 has it, and Florence2ForConditionalGeneration is in
    0.11.0's table). A config with no model_type (nor one from the release's
    _ARCHITECTURE_TO_MODEL_TYPE) is untyped_config_note's: it stops reading the config, unless
    auto_map's AutoConfig reads it (or transformers 4.x by the model's name), and then whether
    transformers has the class is not known here."""
    found = cli.unsupported_error(spec.architectures)
    if found is None:
        return ""
    error, last = found
    said = _dropped_refusal(spec, cli, error, remote=remote)
    if (last is not None and last in covered_releases()
            and vllm_cli(last).serves(spec.architectures)):
        said += (f" {VERSION_STEP.format(version=last)}, the last release that served "
                 f"{' / '.join(spec.architectures)}.")
    return said


def _dropped_refusal(spec: ModelSpec, cli: VllmCli, error: str, *, remote: bool) -> str:
    """_dropped_note's first sentence: where vLLM `cli`'s refusal of the dropped architecture
    (`error`) stops the start, if the Transformers backend finds no class, or what stops it
    first (a config it cannot read)."""
    v, mt = cli.vllm_version, _config_model_type(spec, cli)
    later = "unless the installed transformers is a later one that has"
    if remote:
        return (f" Where the repository's class does not load through that backend, vLLM {v} "
                f"stops with \"{error}\"")
    if mt is None and untyped_config_note(spec, cli) is not None:
        return (f" Its registry refuses the architecture with \"{error}\", and before that, "
                "config.json has no model_type and no auto_map AutoConfig, so reading the "
                "config stops it first.")
    if mt is None or mt in transformers_model_types(cli.transformers_min):
        return (f" Where transformers has no such class, or it does not load through that "
                f"backend, vLLM {v} stops with \"{error}\"")
    if not _unknown_model_type(spec, cli) or spec.remote_config_class is not None:
        return (f" Transformers {cli.transformers_min} (the oldest vLLM {v} allows) has no "
                f"model type '{mt}', hence no class to fall back on: {later} it, vLLM {v} "
                f"stops with \"{error}\"")
    return (f" Its registry refuses the architecture with \"{error}\", and before that, "
            f"config.json's model_type '{mt}' is none that transformers "
            f"{cli.transformers_min} (the oldest vLLM {v} allows) or vLLM reads, and no "
            f"auto_map AutoConfig brings one, so reading the config stops it first, {later} "
            "that model type.")


def _runs_remote_code(spec: ModelSpec, cli: VllmCli) -> bool:
    """Whether `cli` has no native class for `spec` and auto_map brings the repository's."""
    return spec.remote_model_class is not None and not cli.native(spec.architectures)


def _config_model_type(spec: ModelSpec, cli: VllmCli) -> str | None:
    """The model_type `cli` looks its config class up by: config.json's top-level one (never
    text_config's), else, from 0.32.0, the one its _ARCHITECTURE_TO_MODEL_TYPE gives
    architectures[0] (HFConfigParser.parse, transformers_utils/config.py, 0.32.0-0.34.0);
    None where there is neither."""
    if spec.config_model_type is not None or not spec.architectures:
        return spec.config_model_type
    return cli.architecture_model_types.get(spec.architectures[0])


def _unknown_model_type(spec: ModelSpec, cli: VllmCli) -> bool:
    """Whether `cli` looks its config class up by a model_type (_config_model_type) that
    neither its config registry (_CONFIG_REGISTRY) nor transformers `cli.transformers_min`
    (the oldest it allows) has."""
    read = _config_model_type(spec, cli)
    return read is not None and read not in cli.config_model_types \
        and read not in transformers_model_types(cli.transformers_min)


def _later_transformers(cli: VllmCli) -> list[str]:
    """The transformers releases Headroom read (each covered vLLM release's oldest allowed:
    transformers-X.json) later than `cli`'s oldest allowed, oldest first."""
    oldest = release_numbers(cli.transformers_min)
    return [t for t in _read_transformers() if release_numbers(t) > oldest]


@cache
def _read_transformers() -> tuple[str, ...]:
    """The transformers releases Headroom read: the covered vLLM releases' oldest allowed."""
    return tuple(sorted({vllm_cli(v).transformers_min for v in covered_releases()},
                        key=release_numbers))


def _reads_remote_config(spec: ModelSpec, cli: VllmCli) -> bool:
    """Whether auto_map brings a config class for a model_type neither `cli`'s config registry
    nor transformers has, or for a config whose model_type it cannot tell (remote_code_note)."""
    return spec.remote_config_class is not None and (
        _config_model_type(spec, cli) is None or _unknown_model_type(spec, cli))


def _loads_remote_tokenizer(spec: ModelSpec, cli: VllmCli, *, trusted: bool) -> bool:
    """Whether tokenizer_config.json's auto_map brings a tokenizer class and its
    tokenizer_class is none that transformers `cli.transformers_min` names
    (TOKENIZER_MAPPING_NAMES; AutoTokenizer also tries the name with "Fast" added, and 5.x
    with it removed), or there is none (remote_code_note). Conservative where a newer
    transformers has the class, or where the config's class alone would give transformers a
    tokenizer: the flag then runs the repository's tokenizer code needlessly. Never for a
    config.json model_type in that transformers' MODELS_WITH_INCORRECT_HUB_TOKENIZER_CLASS:
    AutoTokenizer sets has_remote_code False for it and loads TokenizersBackend
    (models/auto/tokenization_auto.py), without the flag on every 5.x, with it (`trusted`)
    on 5.5.3 only (5.5.3 lists kimi_k25; 5.10.4 and 5.16.1 add 'trust_remote_code is not
    True' to the test)."""
    named = spec.tokenizer_class
    skipped = transformers_remote_tokenizer_skipped(cli.transformers_min, trusted)
    return spec.remote_tokenizer_class is not None and spec.config_model_type not in skipped \
        and (named is None or not ({named, named + "Fast", named.removesuffix("Fast")}
                                   & transformers_tokenizer_classes(cli.transformers_min)))


def engine_flags(s: EngineSettings, max_model_len: int, mbt: int, seqs: int) -> str:
    """The engine half of the `vllm serve` line (defaults spelled out where they matter); the
    same for every layout, so planner.serving.plan builds it once per model and settings.
    From vLLM 0.34 it turns the extensible KV cache off, so that vLLM sizes the pool from its
    profile run as planned (vllm_versions.EXTENSIBLE_KV_CACHE_FROM)."""
    parts = []
    if s.dtype != "auto":
        parts.append(f"--dtype {s.dtype}")
    if s.quantization:
        parts.append(f"--quantization {s.quantization}")
    if s.kv_cache_dtype != "auto":
        parts.append(kv_cache_dtype_flag(s.kv_cache_dtype))
    if s.hf_overrides:  # the JSON object as one shell word (every covered release takes it)
        parts.append(f"--hf-overrides {shlex.quote(s.hf_overrides)}")
    parts.append(f"--max-model-len {max_model_len}")
    if s.kv_cache_memory_bytes:
        parts.append(f"--kv-cache-memory-bytes {s.kv_cache_memory_bytes}")
    # with a given pool too: vLLM still checks the free memory at start-up against it
    # (v1/worker/utils.py request_memory, called by gpu_worker.py init_device whatever
    # kv_cache_memory_bytes says, 0.10.2, 0.19.0 and 0.34.0 wheels), as the plan does
    parts.append(f"--gpu-memory-utilization {number_as_given(s.gpu_memory_utilization)}")
    if not s.kv_cache_memory_bytes and vllm_rules(s.vllm_version).extensible_kv_cache:
        # the pool sized as planned (vllm_versions.EXTENSIBLE_KV_CACHE_FROM)
        parts.append("--no-enable-extensible-kv-cache")
    parts.append(f"--max-num-batched-tokens {mbt}")
    parts.append(f"--max-num-seqs {seqs}")
    if s.block_size is not None:
        parts.append(f"--block-size {s.block_size}")
    if s.enforce_eager:
        parts.append("--enforce-eager")
    # vLLM's parser takes them for any model and a model without Mamba / GDN layers reads
    # no dtype (mamba_utils.py MambaStateDtypeCalculator) nor mode (models/config.py
    # MambaModelConfig): kept as given
    parts.extend(mamba_flags(s))
    parts.extend(prefix_caching_flags(s))
    if not s.enable_chunked_prefill:
        parts.append("--no-enable-chunked-prefill")
    if s.skip_mm_profiling:
        parts.append("--skip-mm-profiling")
    if s.language_model_only:
        parts.append("--language-model-only")
    parts.extend(limit_mm_flags(s))
    if s.mm_encoder_tp_mode != "weights":
        parts.append(f"--mm-encoder-tp-mode {s.mm_encoder_tp_mode}")
    if s.mm_processor_kwargs:
        parts.append(f"--mm-processor-kwargs '{json.dumps(dict(s.mm_processor_kwargs))}'")
    parts.extend(pruning_flags(s))
    if s.moe_backend:
        parts.append(f"--moe-backend {s.moe_backend}")
    if s.all2all_backend:
        parts.append(f"--all2all-backend {s.all2all_backend}")
    if s.enable_eplb or s.num_redundant_experts is not None:
        parts += eplb_launch_flags(s.enable_eplb, s.num_redundant_experts,
                                   vllm_cli(s.vllm_version))
    parts += lora_launch_flags(s)
    if s.speculative_draft is not None:
        parts.append(eagle_speculative_config(s.speculative_draft, s.num_speculative_tokens))
    elif s.num_speculative_tokens:
        parts.append("--speculative-config '{\"method\": \"mtp\", \"num_speculative_tokens\": "
                     f"{s.num_speculative_tokens}}}'")
    return " ".join(parts)


def limit_mm_flags(s: EngineSettings) -> list[str]:
    """--limit-mm-per-prompt as given (mm_modes.given_limits), where a count is given: the
    launch command's, and the Compare page's caption."""
    if not (s.zero_mm_limits or s.mm_item_limits):
        return []
    # a modality as JSON and the object as one shell word: a name given with a quote in it
    # (vLLM stores any name: mm_modes.UNDECLARED_LIMIT_READ) left a broken command
    return [f"--limit-mm-per-prompt {shlex.quote(json.dumps(given_limits(s)))}"]


def mamba_flags(s: EngineSettings) -> list[str]:
    """--mamba-cache-dtype, --mamba-ssm-cache-dtype, --mamba-cache-mode and --mamba-block-size
    as the command passes them; each left out at auto (None: the block size)."""
    return [f"--{field.replace('_', '-')} {value}" for field, value in (
        ("mamba_cache_dtype", s.mamba_cache_dtype),
        ("mamba_ssm_cache_dtype", s.mamba_ssm_cache_dtype),
        ("mamba_cache_mode", s.mamba_cache_mode),
        ("mamba_block_size", s.mamba_block_size)) if value not in ("auto", None)]


def prefix_caching_flags(s: EngineSettings) -> list[str]:
    """--enable-prefix-caching or --no-enable-prefix-caching as given; none while unset (the
    release's own)."""
    if s.enable_prefix_caching is None:
        return []
    return ["--enable-prefix-caching" if s.enable_prefix_caching
            else "--no-enable-prefix-caching"]


def lora_launch_flags(s: EngineSettings) -> list[str]:
    """--enable-lora and its settings as the command passes them, the slots sized as planned
    (planner.serving.lora); [] without it."""
    if not s.enable_lora:
        return []
    return ["--enable-lora", f"--max-loras {s.max_loras}", f"--max-lora-rank {s.max_lora_rank}",
            *(["--fully-sharded-loras"] if s.fully_sharded_loras else []),
            *(["--specialize-active-lora"] if s.specialize_active_lora else []),
            *(["--enable-tower-connector-lora"] if s.enable_tower_connector_lora else []),
            *([f"--lora-dtype {s.lora_dtype}"] if s.lora_dtype != "auto" else [])]


def with_layout(head: str, tp: int, pp: int, dp: int, ep: bool) -> str:
    """`head` with the layout flags after the model (flags checked against every fixture by
    tests/planner/serving/test_vllm_cli.py)."""
    serve, _, flags = head.partition(" --")
    parts = [serve]
    if tp > 1:
        parts.append(f"--tensor-parallel-size {tp}")
    if pp > 1:
        parts.append(f"--pipeline-parallel-size {pp}")
    if dp > 1:
        parts.append(f"--data-parallel-size {dp}")
    if ep:
        parts.append("--enable-expert-parallel")
    return " ".join(parts) + (f" --{flags}" if flags else "")


HEAD_NODE = "$HEAD_NODE_IP"
"""Node 0's address in a command over several nodes: a shell variable each node sets."""

RAY_PORT = 6379
"""Ray's default GCS port, as vLLM's examples/online_serving/multi-node-serving.sh uses it
(Ray's CLI reference, docs.ray.io/en/latest/cluster/cli.html, `ray start --port`: "If not
provided, defaults to 6379"; worker ports are random unless --min-worker-port is set). The
Ray executor's torch.distributed group meets at the driver's address on a port get_open_port
picks at start (executor/ray_distributed_executor.py, 0.10.2 wheel)."""

MASTER_PORT = 29501
"""NOTE: vLLM's --master-port default (ParallelConfig.master_port, config/parallel.py, every wheel
0.11.1-0.34.0 read), which Headroom's --nnodes commands leave as it is: with nnodes > 1 every
rank's torch.distributed group meets at --master-addr:--master-port (distributed/
parallel_state.py init_distributed_environment; serve.py run_headless: "with head node address
... for torch.distributed process group"; 0.19.0, 0.34.0). Other ports are picked at start,
such as the leader's message queue's for remote readers (distributed/device_communicators/
shm_broadcast.py: get_open_port in 0.19.0, a bind to port 0 in 0.34.0)."""

DP_RPC_PORT = 29550
"""NOTE: vLLM's --data-parallel-rpc-port default (ParallelConfig.data_parallel_rpc_port, every
wheel 0.11.1-0.34.0; EngineArgs takes it where the flag is not given, arg_utils.py 0.19.0 and
0.34.0, with the DP address --master-addr on the mp backend): a headless node that starts DP
engines (node_rank_within_dp 0) handshakes with node 0's front end at that address and port
(serve.py run_headless; v1/engine/utils.py launch_core_engines), which only data parallelism
over nodes has."""


NCCL_PORTS = (
    "NCCL also connects the GPU processes of every node to one another over TCP, on ports each "
    "node takes from its ephemeral range (net.ipv4.ip_local_port_range): allow TCP between the "
    "nodes, or narrow that range on each and open it between them.")
"""What NCCL needs open between the nodes of a layout over several nodes, beside the ports the
notes name for torch.distributed, vLLM's data-parallel handshake and Ray. NCCL's Networking
Troubleshooting guide (docs.nvidia.com/deeplearning/nccl/user-guide/docs/troubleshooting/
networking_troubleshooting.html, "IP ports"): "NCCL opens TCP ports to connect processes together
and exchange connection information", a range restricted only through the kernel's
net.ipv4.ip_local_port_range, to open a matching range in a firewall; NCCL's maintainer
(NVIDIA/nccl issue 388): every rank connects to the process that called ncclGetUniqueId, "then
they also connect directly to each other", and the client ports cannot be chosen. So no port
number of NCCL's is named, and the nodes must reach one another, not only node 0: a group over
several nodes has its first rank, which calls ncclGetUniqueId, on whichever node holds it."""


NETWORK_INTERFACES = (
    "Where a node has more than one network interface, set VLLM_HOST_IP to the node's own "
    "address and NCCL_SOCKET_IFNAME and GLOO_SOCKET_IFNAME to the interface that reaches the "
    "other nodes")
"""What a layout over several nodes may need beside its commands. vLLM's get_ip() returns
VLLM_HOST_IP, else the address of the interface routed towards 8.8.8.8 (utils/network_utils.py
in 0.19.0, utils/__init__.py in 0.10.2), which the --nnodes leader's message queue (v1/executor/
multiproc_executor.py, 0.19.0) and the Ray executor's driver and workers announce ("Ray does not
allocate any GPUs on the driver node" when no worker announces the driver's, executor/
ray_distributed_executor.py, 0.10.2); NCCL picks its socket interface unless
NCCL_SOCKET_IFNAME names one, and PyTorch's gloo groups, which vLLM opens beside every NCCL one
(distributed/parallel_state.py, backend="gloo"), unless GLOO_SOCKET_IFNAME does (PyTorch's
torch.distributed environment variables)."""


def _reach_node_0(dp: int) -> str:
    """The ports of node 0 the other nodes of a --nnodes layout connect to (MASTER_PORT, with
    data parallelism DP_RPC_PORT too), beside those vLLM picks at start."""
    if dp > 1:
        ports = (f"ports {MASTER_PORT} and {DP_RPC_PORT} (--master-port and "
                 "--data-parallel-rpc-port)")
    else:
        ports = f"port {MASTER_PORT} (--master-port)"
    return (f"The other nodes must reach node 0 on TCP {ports} and on ports vLLM picks at start. "
            f"{NCCL_PORTS}")


def spans_nodes(command: str) -> bool:
    """Whether `command` is node 0's of a layout over several nodes (over_nodes' flags): its
    launch note says what the other nodes run."""
    return (f" --master-addr {HEAD_NODE}" in command
            or " --distributed-executor-backend ray" in command)


def other_nodes_note(command: str) -> str:
    """What a row that shows node 0's command alone (sweep, recommend: over_nodes without
    `every_node`) adds to its launch note so that the other nodes' commands can be written:
    with --nnodes, node R's is node 0's with --node-rank R and --headless ('' otherwise: on
    Ray only node 0 runs a command)."""
    return (" Node R's command is this one with --node-rank R --headless."
            if spans_nodes(command) and command.endswith(" --node-rank 0") else "")


def over_nodes(command: str, gpus: int, gpus_per_node: int, dp: int, cli: VllmCli, *,
               every_node: bool = True) -> tuple[tuple[str, ...], str]:
    """Every `vllm serve` command a layout of `gpus` GPUs (`dp` replicas) needs, node 0's
    first (without `every_node`, node 0's alone), and what to do with them ('' on one node).

    One `vllm serve` on one node starts only that node's GPUs: vLLM's ParallelConfig refuses a
    world size above them ("World size (16) is larger than the number of available GPUs (8) in this
    node. If this is intentional and you are using: - ray, set '--distributed-executor-backend
    ray'. - multiprocessing, set '--nnodes' appropriately.", vLLM 0.13.0, 0.33.0, 0.34.0
    config/parallel.py). From the release whose CLI has --nnodes (0.11.1), every node runs the same
    command with `--nnodes N --node-rank R --master-addr HEAD`, the others `--headless`;
    EngineArgs.create_engine_config then puts world / N consecutive ranks on each node and infers
    each node's data-parallel ranks (arg_utils.py, 0.13.0, 0.33.0, 0.34.0), so it reproduces the
    placement planned (node = rank // GPUs per node) only when the layout fills whole nodes
    (otherwise there is no command). With DP the replicas must also tile the nodes:
    --data-parallel-size-local is inferred as GPUs per node // replica GPUs (at least 1) and
    ParallelConfig.nnodes_within_dp as nodes // (DP / that) (the same code in the 0.11.1 and 0.11.2
    wheels), so a replica that is neither a whole number to a node nor a whole number of nodes wide
    (TP=4 x PP=3 x DP=2 on 3 x 8) is refused by 0.33.0 and 0.34.0 ("nnodes (3) must be divisible by
    the number of data parallel node groups (2)") and started with 12 workers on an 8-GPU node by
    0.12.0/0.13.0: no command. Older releases run it on Ray (0.11.1 config/parallel.py: the Ray
    executor; data_parallel_backend "ray" places the replicas): a Ray cluster over the nodes, then
    one command on node 0. Ray's replicas: the 0.9.1-0.11.0 wheels' create_dp_placement_groups
    (v1/utils.py in 0.9.1, v1/engine/utils.py after) packs each replica on one node ("For now, each
    DP rank can only be assigned to one node") and asserts that node 0 holds
    --data-parallel-size-local of them, which defaults to --data-parallel-size (engine/arg_utils.py
    create_engine_config): the command names node 0's share, and a layout whose replicas do not fit
    on its nodes that way has no command.
    """
    nodes = -(-gpus // gpus_per_node)
    if nodes == 1:
        return (command,), ""
    if cli.accepts("--nnodes"):
        return _nnodes_commands(command, gpus, gpus_per_node, dp, nodes, every_node)
    return _ray_command(command, gpus, gpus_per_node, dp, nodes, cli)


def _nnodes_commands(command: str, gpus: int, gpus_per_node: int, dp: int, nodes: int,
                     every_node: bool) -> tuple[tuple[str, ...], str]:
    """over_nodes from the release whose CLI has --nnodes: node R's command with --node-rank
    R (--headless but node 0's; node 0's alone without `every_node`) and what to do with
    them, or no command where the layout does not fill whole nodes or its replicas straddle
    them."""
    if gpus % gpus_per_node:
        return (), (f"No launch command: vLLM's --nnodes puts the same number of GPUs on "
                    f"every node, and this layout's {gpus} GPUs do not fill {nodes} nodes "
                    f"of {gpus_per_node}: pick a layout on {nodes * gpus_per_node} or "
                    f"{(nodes - 1) * gpus_per_node} GPUs.")
    replica = gpus // dp
    if dp > 1 and replica % gpus_per_node and gpus_per_node % replica:
        return (), (f"No launch command: vLLM's --nnodes places data-parallel replicas a "
                    f"whole number to a node or a whole number of nodes wide, and this "
                    f"layout's {dp} replicas of {replica} GPUs straddle nodes of "
                    f"{gpus_per_node}: pick a layout whose replica size divides, or is a "
                    f"multiple of, {gpus_per_node}.")
    common = f"{command} --nnodes {nodes} --master-addr {HEAD_NODE}"
    commands = tuple(f"{common} --node-rank {rank}" + (" --headless" if rank else "")
                     for rank in range(nodes if every_node else 1))
    return commands, (
        f"Over {nodes} nodes: set HEAD_NODE_IP to node 0's address on every node and run "
        f"node R's command there (--node-rank R; node 0 serves the API, the others run "
        f"--headless). {_reach_node_0(dp)} {NETWORK_INTERFACES}, in the shell that runs the "
        "node's command.")


def _ray_command(command: str, gpus: int, gpus_per_node: int, dp: int, nodes: int,
                 cli: VllmCli) -> tuple[tuple[str, ...], str]:
    """over_nodes before the release whose CLI has --nnodes: node 0's command on the Ray
    executor, with node 0's share of the data-parallel replicas, and how to start the Ray
    cluster under it; no command where the replicas do not fit one to a node that way."""
    ray = " --distributed-executor-backend ray"
    if dp > 1:
        replicas_per_node = gpus_per_node // (gpus // dp)
        if replicas_per_node * nodes < dp:
            return (), (f"No launch command: vLLM {cli.vllm_version} (no --nnodes) places each "
                        f"data-parallel replica within one node on Ray, and {dp} replicas of "
                        f"{gpus // dp} GPUs do not fit that way on {nodes} nodes of "
                        f"{gpus_per_node}: vLLM 0.11.1 or later runs this layout (--nnodes).")
        ray += (f" --data-parallel-backend ray --data-parallel-size-local "
                f"{replicas_per_node}")
    return (command + ray,), (
        f"Over {nodes} nodes on Ray (vLLM {cli.vllm_version} has no --nnodes): run "
        f"`ray start --head --port {RAY_PORT}` on node 0 and `ray start --address "
        f"{HEAD_NODE}:{RAY_PORT}` on each other node, then this command on node 0. The other "
        f"nodes must reach node 0 on TCP port {RAY_PORT} and on ports Ray and vLLM pick at "
        f"start. {NCCL_PORTS} {NETWORK_INTERFACES}, in the shell that runs `ray start` there "
        f"(and on node 0 in this command's too): the GPU workers are Ray's processes, to which "
        f"vLLM {cli.vllm_version} passes only its own variables (vllm/envs.py, no NCCL_ or GLOO_ "
        "one), never VLLM_HOST_IP.")
