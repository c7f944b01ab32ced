"""Extract the `vllm serve` command line of one vLLM release into a small JSON fixture.

    python tools/extract_vllm_cli.py 0.33.0 [0.21.0 ...]   # writes planner/serving/vllm_cli/
    python tools/extract_vllm_cli.py 0.27.0 --registry DIR/vllm/model_executor/models/registry.py

For each version: `pip download vllm==X --no-deps` into a temporary folder (the wheel is
large: one at a time, deleted after reading), then read the wheel as a zip WITHOUT installing
or importing it, and parse its Python source with `ast`:
- flags: every option string of an `add_argument(...)` call in vllm/engine/arg_utils.py (the
  engine flags) and in vllm/entrypoints (the `serve` and API-server flags), plus one
  `--field-name` per field of the frontend dataclasses (`*FrontendArgs`), which vLLM turns
  into flags the same way;
- choices: the `Literal[...]` types vLLM builds the choices from: CacheDType
  (`--kv-cache-dtype`), QuantizationMethods (`--quantization`), ModelDType (`--dtype`),
  BlockSize (`--block-size`; 0.9.1-0.17.0, later releases type it `int`), MoEBackend
  (`--moe-backend`, vllm/config/kernel.py, from 0.17.0), All2AllBackend (`--all2all-backend`,
  vllm/config/parallel.py: the field's own `Literal[...] | None` in 0.11.1-0.13.0, the alias
  from 0.14.0), less the values arg_utils.py takes out of the parser's choices
  (`parallel_kwargs["all2all_backend"]["choices"].remove(PASSTHROUGH_ALL2ALL_BACKEND)` from
  0.32.0: 'passthrough' is set from --moe-backend, never typed);
- the minimum compute capability of each `--quantization` method: the `method_to_config`
  table of get_quantization_config() and each config class's `get_min_capability()`
  constant (vllm/config/vllm.py refuses a GPU below it);
- architectures: the model classes of the release's registry
  (vllm/model_executor/models/registry.py, the keys of _TEXT_GENERATION_MODELS and
  _MULTIMODAL_MODELS), and transformers_architectures: the keys of its
  _TRANSFORMERS_SUPPORTED_MODELS (0.10.1 on), served by vLLM's Transformers backend. The
  oracle of releases before 0.11 checks the first; a config whose repository brings its own
  model code (auto_map) and whose architecture is in neither loads only with
  --trust-remote-code (planner.serving.launch.remote_code_note). With --registry, only these
  two keys of an existing fixture are refreshed from that file (unzipped alone from the same
  wheel: `unzip WHEEL vllm/model_executor/models/registry.py`), nothing downloaded;
- previously_supported and oot_supported: the same file's _PREVIOUSLY_SUPPORTED_MODELS
  (architecture: the last release that served it, 0.10.0 on) and _OOT_SUPPORTED_MODELS
  (architecture: its plugin's URL, 0.19.0 on), both {} where the release has none. When no
  class serves a config, ModelRegistry._raise_for_unsupported names the first of its
  architectures found in either ("was supported in vLLM until v...", "is not supported
  in-tree anymore"). --registry refreshes these two keys too;
- pooling_architectures: the same file's pooling tables (POOLING_TABLES: _EMBEDDING_MODELS,
  _CROSS_ENCODER_MODELS up to 0.17, _LATE_INTERACTION_MODELS, _REWARD_MODELS,
  _TOKEN_CLASSIFICATION_MODELS and _SEQUENCE_CLASSIFICATION_MODELS from 0.18), each key with
  the last table naming it (_VLLM_MODELS spreads them in file order, the later one winning);
  --registry refreshes it too. An architecture only there vLLM serves as a pooling model
  (planner.serving.pooling);
- runner_defaults: vllm/config/model.py's (vllm/config/__init__.py's in 0.10.1-0.10.2)
  _SUFFIX_TO_DEFAULTS, [suffix, runner] in vLLM's order ([] before 0.10.1, whose task-based
  config has none): the runner ModelConfig._get_default_runner_type gives an architecture the
  registry lacks. With --model-config FILE, only this key is refreshed from that file;
- config_model_types: the keys of vllm/transformers_utils/config.py's _CONFIG_REGISTRY, the
  model types whose config vLLM reads with a class of its own. A config with auto_map's
  AutoConfig whose model_type is neither one of them nor one of transformers' loads only with
  --trust-remote-code. With --config FILE, only this key and the next are refreshed from
  that file;
- architecture_model_types: config.py's _ARCHITECTURE_TO_MODEL_TYPE (0.32.0 on; {} before),
  the model_type vLLM reads for a config.json that has none, by its architectures[0];
- transformers_min: the lowest transformers the wheel's METADATA allows (Requires-Dist:
  transformers>=X), whose model types (transformers-X.json,
  tools/extract_transformers_model_types.py) are the ones Headroom counts on. With --wheel
  WHEEL (already downloaded; its sha256 must be the fixture's), only this key is refreshed.
- eplb_architectures: the registry's architectures (both tables above) whose model class
  subclasses MixtureOfExperts (models/interfaces.py), the ones vLLM runs --enable-eplb for
  (planner.serving.eplb). With --eplb DIR (an unzipped wheel), only this key is refreshed.

Headroom reads the fixtures at run time (planner.serving.vllm_cli) to check every command
it prints; tests/planner/serving/test_vllm_cli.py checks every command it can emit.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import sys
import zipfile
from pathlib import Path

if __package__:  # imported as tools.extract_vllm_cli (the tests)
    from tools.wheel_fixtures import write_fixtures
else:  # run as python tools/extract_vllm_cli.py
    from wheel_fixtures import write_fixtures

OUT_DIR = Path(__file__).resolve().parent.parent / "planner" / "serving" / "vllm_cli"
CHOICE_TYPES = {
    "--kv-cache-dtype": "CacheDType",
    "--quantization": "QuantizationMethods",
    "--dtype": "ModelDType",
    "--block-size": "BlockSize",
    "--moe-backend": "MoEBackend",
    "--all2all-backend": "All2AllBackend",
}
CHOICE_FIELDS = {"all2all_backend": "--all2all-backend"}
"""Config fields whose Literal is written in the field's own annotation where a release has no
alias (ParallelConfig.all2all_backend: `Literal[...] | None` in 0.11.1-0.13.0, the
All2AllBackend alias from 0.14.0)."""
ARG_UTILS = "vllm/engine/arg_utils.py"
QUANT_DIR = "vllm/model_executor/layers/quantization/"
REGISTRY = "vllm/model_executor/models/registry.py"
CONFIG = "vllm/transformers_utils/config.py"
REGISTRY_TABLES = {"architectures": ("_TEXT_GENERATION_MODELS", "_MULTIMODAL_MODELS"),
                   "transformers_architectures": ("_TRANSFORMERS_SUPPORTED_MODELS",)}
POOLING_TABLES = ("_EMBEDDING_MODELS", "_CROSS_ENCODER_MODELS", "_LATE_INTERACTION_MODELS",
                  "_REWARD_MODELS", "_TOKEN_CLASSIFICATION_MODELS",
                  "_SEQUENCE_CLASSIFICATION_MODELS")
MODEL_CONFIGS = ("vllm/config/model.py", "vllm/config/__init__.py")
REMOVED_TABLES = {"previously_supported": "_PREVIOUSLY_SUPPORTED_MODELS",
                  "oot_supported": "_OOT_SUPPORTED_MODELS"}


def _sources(wheel: Path) -> dict[str, str]:
    """Every vllm/**/*.py of the wheel, by path (read from the zip, nothing installed)."""
    with zipfile.ZipFile(wheel) as zf:
        return {name: zf.read(name).decode("utf-8", "replace") for name in zf.namelist()
                if name.startswith("vllm/") and name.endswith(".py")}


def _parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except SyntaxError:
        return None


def _flag_files(sources: dict[str, str]) -> list[str]:
    return sorted(p for p in sources if p == "vllm/engine/arg_utils.py"
                  or (p.startswith("vllm/entrypoints/") and ("cli_args" in p
                                                             or p.endswith("cli/serve.py"))))


def _flags(sources: dict[str, str]) -> list[str]:
    """Option strings of add_argument calls and of frontend dataclass fields."""
    flags: set[str] = set()
    for path in _flag_files(sources):
        tree = _parse(sources[path])
        if tree is None:
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "add_argument"):
                flags.update(a.value for a in node.args if isinstance(a, ast.Constant)
                             and isinstance(a.value, str) and a.value.startswith("-"))
            if isinstance(node, ast.ClassDef) and node.name.endswith("FrontendArgs"):
                flags.update("--" + item.target.id.replace("_", "-") for item in node.body
                             if isinstance(item, ast.AnnAssign)
                             and isinstance(item.target, ast.Name))
    return sorted(flags)


def _literal_strings(node: ast.expr) -> list[str] | None:
    """The values of `Literal["a", "b"]` (or `Literal[1, 8]`) as strings, else None."""
    if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
            and node.value.id == "Literal"):
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return [str(i.value) for i in items if isinstance(i, ast.Constant)]
    return None


def _choices(sources: dict[str, str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Choices per flag from the Literal aliases (or a field's own Literal: CHOICE_FIELDS), less
    the values arg_utils.py removes from the parser's choices, and the file each came from."""
    found: dict[str, list[str]] = {}
    where: dict[str, str] = {}
    wanted = {alias: flag for flag, alias in CHOICE_TYPES.items()}
    names = (*wanted, *CHOICE_FIELDS)
    for path in sorted(sources, key=lambda p: ("/config" not in p and QUANT_DIR not in p, p)):
        if not any(name in sources[path] for name in names):
            continue
        tree = _parse(sources[path])
        for node in ast.walk(tree) if tree else ():
            target = node.targets[0] if isinstance(node, ast.Assign) else getattr(
                node, "target", None)
            if not isinstance(target, ast.Name):
                continue
            if target.id in wanted and node.value is not None:
                values, flag = _literal_strings(node.value), wanted[target.id]
            elif target.id in CHOICE_FIELDS and isinstance(node, ast.AnnAssign):
                values = next(filter(None, map(_literal_strings, ast.walk(node.annotation))),
                              None)
                flag = CHOICE_FIELDS[target.id]
            else:
                continue
            if values and flag not in found:
                found[flag], where[flag] = values, f"{path} {target.id}"
    for flag, value in _removed_choices(sources):
        if value in found.get(flag, ()):
            found[flag] = [v for v in found[flag] if v != value]
            where[flag] += f" less {value!r} ({ARG_UTILS})"
    return found, where


def _removed_choices(sources: dict[str, str]) -> list[tuple[str, str]]:
    """(flag, value) for each `kwargs["field"]["choices"].remove(VALUE)` of arg_utils.py, VALUE
    a string or a module-level string constant of the wheel (PASSTHROUGH_ALL2ALL_BACKEND)."""
    tree = _parse(sources.get(ARG_UTILS, ""))
    removed = []
    for node in ast.walk(tree) if tree else ():
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "remove" and len(node.args) == 1):
            continue
        owner = node.func.value  # kwargs["field"]["choices"]
        if not (isinstance(owner, ast.Subscript) and ast.unparse(owner.slice) == "'choices'"
                and isinstance(owner.value, ast.Subscript)
                and isinstance(owner.value.slice, ast.Constant)):
            continue
        field, arg = owner.value.slice.value, node.args[0]
        value = arg.value if isinstance(arg, ast.Constant) else (
            _string_constant(sources, arg.id) if isinstance(arg, ast.Name) else None)
        if value is not None:
            removed.append(("--" + field.replace("_", "-"), value))
    return removed


def _string_constant(sources: dict[str, str], name: str) -> str | None:
    """The string a module-level `NAME = "..."` (or `NAME: Final = "..."`) of vllm/config
    assigns, else None."""
    for path in sorted(p for p in sources if p.startswith("vllm/config") and name in sources[p]):
        for node in (_parse(sources[path]) or ast.Module(body=[])).body:
            target = node.targets[0] if isinstance(node, ast.Assign) else getattr(
                node, "target", None)
            if (isinstance(target, ast.Name) and target.id == name
                    and isinstance(getattr(node, "value", None), ast.Constant)):
                return node.value.value
    return None


def _min_capabilities(sources: dict[str, str]) -> dict[str, int]:
    """--quantization method -> the constant its config class's get_min_capability returns."""
    own: dict[str, int] = {}
    bases: dict[str, list[str]] = {}
    table: dict[str, str] = {}
    for path in (p for p in sources if p.startswith(QUANT_DIR)):
        tree = _parse(sources[path])
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.ClassDef):
                bases[node.name] = [b.id for b in node.bases if isinstance(b, ast.Name)]
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == "get_min_capability":
                        ret = next((n for n in ast.walk(item) if isinstance(n, ast.Return)),
                                   None)
                        if ret is not None and isinstance(ret.value, ast.Constant):
                            own[node.name] = int(ret.value.value)
            if (isinstance(node, ast.AnnAssign | ast.Assign) and isinstance(node.value, ast.Dict)
                    and "method_to_config" in ast.unparse(node)):
                for key, value in zip(node.value.keys, node.value.values, strict=True):
                    if isinstance(key, ast.Constant) and isinstance(value, ast.Name):
                        table[key.value] = value.id

    def capability(cls: str, seen: frozenset = frozenset()) -> int | None:
        if cls in own:
            return own[cls]
        for base in bases.get(cls, []):
            if base not in seen and (found := capability(base, seen | {cls})) is not None:
                return found
        return None

    return {method: cap for method, cls in sorted(table.items())
            if (cap := capability(cls)) is not None}


def _architectures(registry: str) -> dict:
    """The keys of the registry's tables, per fixture key (REGISTRY_TABLES), and its pooling
    tables' keys, each with the last table naming it (POOLING_TABLES)."""
    tree = _parse(registry)
    found: dict[str, set[str]] = {key: set() for key in REGISTRY_TABLES}
    pooling: dict[str, str] = {}
    for node in ast.walk(tree) if tree else ():
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        name = target.id if isinstance(target, ast.Name) else None
        if not isinstance(getattr(node, "value", None), ast.Dict):
            continue
        keys = [k.value for k in node.value.keys
                if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        key = next((k for k, tables in REGISTRY_TABLES.items() if name in tables), None)
        if key:
            found[key].update(keys)
        if name in POOLING_TABLES:
            pooling |= dict.fromkeys(keys, name)
    return ({key: sorted(names) for key, names in found.items()}
            | {"pooling_architectures": dict(sorted(pooling.items()))} | _removed(tree))


MODEL_PACKAGES = ("vllm/model_executor/models/", "vllm/models/")
MOE_INTERFACE = "MixtureOfExperts"


def _module_name(path: str) -> str:
    """vllm/models/x/__init__.py -> vllm.models.x; vllm/a/b.py -> vllm.a.b."""
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def _statements(body: list[ast.stmt]):
    """A module's statements in source order, those under `if` / `try` included: a package
    __init__.py picks its model classes by platform (vllm/models/kimi_k3 in 0.27.0: TPU, ROCm,
    else CUDA, the last import of a name winning here as CUDA's)."""
    for node in body:
        yield node
        if isinstance(node, ast.If | ast.Try):
            for part in ("body", "orelse", "handlers", "finalbody"):
                for child in getattr(node, part, []):
                    yield from _statements(child.body if isinstance(
                        child, ast.ExceptHandler) else [child])


def _eplb_architectures(sources: dict[str, str]) -> list[str]:
    """The registry's architectures (its own classes and the Transformers backend's,
    REGISTRY_TABLES) whose model class subclasses models/interfaces.py MixtureOfExperts,
    through any chain of bases the model packages define or import (MODEL_PACKAGES): the
    models vLLM builds EPLB's state for (gpu_model_runner.py is_mixture_of_experts). Read
    statically: a class only shaped like the runtime-checkable Protocol, not naming it, is
    not found."""
    modules: dict[str, tuple[dict[str, list[str]], dict[str, tuple[str, str]]]] = {}
    for path, text in sources.items():
        if not path.startswith(MODEL_PACKAGES):
            continue
        tree = _parse(text)
        name = _module_name(path)
        package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
        classes: dict[str, list[str]] = {}
        imports: dict[str, tuple[str, str]] = {}
        for node in _statements(tree.body if tree else []):
            if isinstance(node, ast.ClassDef):
                classes[node.name] = [b.id if isinstance(b, ast.Name) else b.attr
                                      for b in node.bases
                                      if isinstance(b, ast.Name | ast.Attribute)]
            elif isinstance(node, ast.ImportFrom):
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                source = (f"{base}.{node.module}" if node.module else base) if node.level \
                    else node.module or ""
                for alias in node.names:
                    imports[alias.asname or alias.name] = (source, alias.name)
        modules[name] = (classes, imports)

    def is_moe(module: str, cls: str, depth: int = 0) -> bool:
        if cls == MOE_INTERFACE:
            return True
        if depth > 30 or module not in modules:
            return False
        classes, imports = modules[module]
        if cls in classes:
            return any(is_moe(module, base, depth + 1) for base in classes[cls])
        if cls in imports:
            source, original = imports[cls]
            return original == MOE_INTERFACE or is_moe(source, original, depth + 1)
        return False

    tree = _parse(sources.get(REGISTRY, ""))
    tables = {name for names in REGISTRY_TABLES.values() for name in names}
    found = set()
    for node in ast.walk(tree) if tree else ():
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if not (isinstance(target, ast.Name) and target.id in tables
                and isinstance(getattr(node, "value", None), ast.Dict)):
            continue
        for key, value in zip(node.value.keys, node.value.values, strict=True):
            if not (isinstance(key, ast.Constant) and isinstance(value, ast.Tuple)
                    and len(value.elts) == 2
                    and all(isinstance(e, ast.Constant) for e in value.elts)):
                continue
            module, cls = (e.value for e in value.elts)
            if is_moe(module if "." in module else f"vllm.model_executor.models.{module}", cls):
                found.add(key.value)
    return sorted(found)


def _runner_defaults(sources: list[str]) -> list[list[str]]:
    """[suffix, runner] of the first source's _SUFFIX_TO_DEFAULTS list literal of
    (suffix, (runner, convert)) pairs, in order ([] where none has it)."""
    for text in sources:
        for node in (tree.body if (tree := _parse(text)) else ()):
            target = (node.targets[0] if isinstance(node, ast.Assign)
                      else getattr(node, "target", None))
            if (isinstance(target, ast.Name) and target.id == "_SUFFIX_TO_DEFAULTS"
                    and isinstance(node.value, ast.List)):
                return [[pair.elts[0].value, pair.elts[1].elts[0].value]
                        for pair in node.value.elts]
    return []


def _removed(tree: ast.Module | None) -> dict[str, dict[str, str]]:
    """The registry's module-level tables of architectures it no longer serves
    (REMOVED_TABLES), in their order ({} where a table is missing)."""
    found: dict[str, dict[str, str]] = {key: {} for key in REMOVED_TABLES}
    for node in tree.body if tree else ():
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        key = next((k for k, name in REMOVED_TABLES.items()
                    if isinstance(target, ast.Name) and target.id == name), None)
        if key and isinstance(node.value, ast.Dict):
            found[key] = {k.value: v.value for k, v in zip(node.value.keys, node.value.values,
                                                           strict=True)
                          if isinstance(k, ast.Constant) and isinstance(v, ast.Constant)}
    return found


def _config_model_types(config_py: str) -> list[str]:
    """The keys of config.py's _CONFIG_REGISTRY: a dict literal (0.9-0.10, with
    **_CONFIG_REGISTRY_OVERRIDE_HF) or LazyConfigDict(model_type="Class", **{"odd-name":
    "Class"}) (0.11 on)."""
    tree = _parse(config_py)
    named: dict[str, ast.expr] = {}
    for node in tree.body if tree else ():
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and getattr(node, "value", None) is not None:
            named[target.id] = node.value

    def keys(value: ast.expr | None) -> set[str]:
        if isinstance(value, ast.Name):
            return keys(named.get(value.id))
        if isinstance(value, ast.Dict):
            spread = (v for k, v in zip(value.keys, value.values, strict=True) if k is None)
            return {k.value for k in value.keys if isinstance(k, ast.Constant)
                    and isinstance(k.value, str)} | {name for v in spread for name in keys(v)}
        if isinstance(value, ast.Call):
            return {k.arg for k in value.keywords if k.arg} | {
                name for k in value.keywords if k.arg is None for name in keys(k.value)}
        return set()

    return sorted(keys(named.get("_CONFIG_REGISTRY")))


def _architecture_model_types(config_py: str) -> dict[str, str]:
    """config.py's _ARCHITECTURE_TO_MODEL_TYPE dict literal ({} where there is none)."""
    tree = _parse(config_py)
    for node in tree.body if tree else ():
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if (isinstance(target, ast.Name) and target.id == "_ARCHITECTURE_TO_MODEL_TYPE"
                and isinstance(node.value, ast.Dict)):
            return {k.value: v.value for k, v in zip(node.value.keys, node.value.values,
                                                     strict=True)
                    if isinstance(k, ast.Constant) and isinstance(v, ast.Constant)}
    return {}


def _transformers_min(wheel: Path) -> str:
    """X of the wheel METADATA's `Requires-Dist: transformers...>=X` (no extra)."""
    with zipfile.ZipFile(wheel) as zf:
        metadata = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        lines = zf.read(metadata).decode("utf-8").splitlines()
    return next(line.partition(">=")[2].split(",")[0].split(";")[0].strip() for line in lines
                if line.startswith("Requires-Dist: transformers") and ">=" in line
                and line.removeprefix("Requires-Dist: transformers")[:1] in "<>=!~ "
                and "extra ==" not in line)


def fixture(wheel: Path, version: str) -> dict:
    """The fixture of one wheel."""
    sources = _sources(wheel)
    choices, where = _choices(sources)
    return {
        "schema": "headroom.vllm-cli",
        "schema_version": 1,
        "vllm_version": version,
        "wheel": wheel.name,
        "wheel_sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
        "flags": _flags(sources),
        "choices": choices,
        "choices_source": where,
        "quantization_min_capability": _min_capabilities(sources),
    } | _architectures(sources.get(REGISTRY, "")) | {
        "runner_defaults": _runner_defaults([sources.get(f, "") for f in MODEL_CONFIGS]),
        "config_model_types": _config_model_types(sources.get(CONFIG, "")),
        "architecture_model_types": _architecture_model_types(sources.get(CONFIG, "")),
        "transformers_min": _transformers_min(wheel),
        "eplb_architectures": _eplb_architectures(sources)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("versions", nargs="+", metavar="VERSION")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--registry", type=Path, metavar="REGISTRY_PY",
                        help="refresh only the architecture lists and tables of the one VERSION's "
                        "fixture from this registry.py of its wheel")
    parser.add_argument("--config", type=Path, metavar="CONFIG_PY",
                        help="refresh only config_model_types and architecture_model_types of "
                        "the one VERSION's fixture from this transformers_utils/config.py of its "
                        "wheel")
    parser.add_argument("--model-config", type=Path, metavar="MODEL_CONFIG_PY",
                        help="refresh only runner_defaults of the one VERSION's fixture from "
                        "this vllm/config/model.py (0.10.1-0.10.2: vllm/config/__init__.py) of "
                        "its wheel")
    parser.add_argument("--eplb", type=Path, metavar="WHEEL_DIR",
                        help="refresh only eplb_architectures of the one VERSION's fixture from "
                        "this unzipped wheel of it (its vllm/model_executor/models/ and "
                        "vllm/models/ trees)")
    parser.add_argument("--wheel", type=Path, metavar="WHEEL",
                        help="refresh only transformers_min of the one VERSION's fixture from "
                        "this wheel of it (already downloaded)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.wheel or args.config or args.registry or args.model_config or args.eplb:
        (version,) = args.versions
        path = args.out / f"vllm-{version}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        if args.wheel:
            if hashlib.sha256(args.wheel.read_bytes()).hexdigest() != data["wheel_sha256"]:
                raise SystemExit(f"{args.wheel} is not the wheel {path.name} was extracted from")
            data["transformers_min"] = _transformers_min(args.wheel)
            said = f"transformers >= {data['transformers_min']}"
        elif args.config:
            config_py = args.config.read_text("utf-8")
            data["config_model_types"] = _config_model_types(config_py)
            data["architecture_model_types"] = _architecture_model_types(config_py)
            said = (f"{len(data['config_model_types'])} config model types, "
                    f"{len(data['architecture_model_types'])} by architecture")
        elif args.eplb:
            root = args.eplb
            data["eplb_architectures"] = _eplb_architectures({
                path.relative_to(root).as_posix(): path.read_text("utf-8", "replace")
                for path in (root / "vllm").rglob("*.py")})
            said = f"{len(data['eplb_architectures'])} architectures with EPLB"
        elif args.model_config:
            data["runner_defaults"] = _runner_defaults([args.model_config.read_text("utf-8")])
            said = f"{len(data['runner_defaults'])} runner defaults"
        else:
            data |= _architectures(args.registry.read_text("utf-8"))
            said = (f"{len(data['architectures'])} architectures, "
                    f"{len(data['transformers_architectures'])} through Transformers, "
                    f"{len(data['pooling_architectures'])} pooling, "
                    f"{len(data['previously_supported'])} removed, "
                    f"{len(data['oot_supported'])} out of tree")
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"{path}: {said}")
        return 0
    write_fixtures("vllm", args.versions, args.out, fixture,
                   lambda data: f"{len(data['flags'])} flags, "
                   f"{ {k: len(v) for k, v in data['choices'].items()} }")
    return 0


if __name__ == "__main__":
    sys.exit(main())
