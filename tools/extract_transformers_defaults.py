"""Record transformers' config-class defaults for the model types Headroom reads.

    python tools/extract_transformers_defaults.py [SITE_PACKAGES_OR_WHEEL_DIR]

writes planner/model/config/transformers-defaults.json: for each model type of
planner.model.config.families.KNOWN_TYPES that transformers has a config class for, the class
(its `model_type = "..."`), its file, the integer, boolean and string class defaults
(`hidden_size: int = 4096`, `enable_moe_block: bool = False`, `mlp_hidden_act: str =
"relu2"`; bases followed) and, for a composite class, the model type of its text_config class
(`sub_configs_defaults` / `sub_configs`). A config.json that leaves such a field out is read
by transformers (and so vLLM) with that default; the parser plans with it and says so. It also
lists the fields annotated without None (`head_dim: int`, not `int | None`): transformers 5's
strict dataclass validation refuses a config.json that writes one as null. And it records
each field's declared type where a JSON value can be checked against it (`types`:
`eos_token_id: int | list[int] | None` -> ["int", {"list": ["int"]}, "null"]), for the classes
transformers validates (decorated `@strict`, their fields and their bases'); a field whose
annotation names anything else (Literal, a TypedDict, a class, tuple, Any) is left out.

Read with `ast` from transformers/models/*/configuration_*.py of the given folder (the
installed package's site-packages, or an unzipped wheel), nothing imported. Defaults that
__post_init__ derives from other fields (LlamaConfig head_dim None -> hidden_size //
num_attention_heads) are None in the class and not recorded: the parser derives those itself.
"""

import argparse
import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "planner" / "model" / "config" / "transformers-defaults.json"


def _int(node: ast.expr) -> int | None:
    """An integer or boolean literal, or integer literals joined by + - * (MistralConfig's
    `max_position_embeddings: int = 4096 * 32`); None for anything else."""
    if isinstance(node, ast.Constant):
        return node.value if type(node.value) in (int, bool) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult):
        left, right = _int(node.left), _int(node.right)
        if type(left) is not int or type(right) is not int:
            return None
        return {ast.Add: left + right, ast.Sub: left - right,
                ast.Mult: left * right}[type(node.op)]
    return None


def _nullable(annotation: ast.expr) -> bool:
    """Whether a field's annotation admits None (`int | None`, `Optional[int]`); transformers
    5's strict dataclass validation refuses a null for any other field."""
    return any(isinstance(node, ast.Constant) and node.value is None
               or isinstance(node, ast.Name) and node.id in ("Optional", "Any")
               for node in ast.walk(annotation))


_JSON_NAMES = {"int": "int", "float": "float", "bool": "bool", "str": "str", "list": "list",
               "dict": "dict"}
"""Annotation names a config.json value is checked against, as huggingface_hub's strict
validator does (_validate_simple_type `isinstance`, int refusing a bool; _validate_list /
_validate_dict)."""


def _json_type(annotation: ast.expr) -> list | None:
    """A field annotation as the alternatives a JSON value may match ("int", "float", "bool",
    "str", "null", "list", "dict", {"list": item alternatives}); None where any alternative is
    something else, which the table then leaves unchecked. `dict[K, V]` is recorded as "dict"
    (its keys and values unchecked)."""
    if isinstance(annotation, ast.Constant) and annotation.value is None:
        return ["null"]
    if isinstance(annotation, ast.Name):
        return [_JSON_NAMES[annotation.id]] if annotation.id in _JSON_NAMES else None
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        left, right = _json_type(annotation.left), _json_type(annotation.right)
        return None if left is None or right is None else left + right
    if isinstance(annotation, ast.Subscript) and isinstance(annotation.value, ast.Name):
        outer, inner = annotation.value.id, annotation.slice
        if outer == "dict":
            return ["dict"]
        if outer == "Optional":
            alternatives = _json_type(inner)
            return None if alternatives is None else alternatives + ["null"]
        if outer == "list":
            items = _json_type(inner)
            return None if items is None else [{"list": items}]
    return None


def _strict(node: ast.ClassDef) -> bool:
    """Whether the class is decorated `@strict` (huggingface_hub), whose fields transformers
    5 validates as it sets them; a class without it checks its strict bases' fields only."""
    return any(isinstance(d, ast.Name) and d.id == "strict"
               or isinstance(d, ast.Call) and isinstance(d.func, ast.Name)
               and d.func.id == "strict" for d in node.decorator_list)


def _classes(text: str) -> dict[str, dict]:
    """Every class of a module: bases, model_type, the int and bool class defaults and the
    string ones of annotated fields, text_config class."""
    found = {}
    for node in ast.parse(text).body:
        if not isinstance(node, ast.ClassDef):
            continue
        info = {"bases": [b.id for b in node.bases if isinstance(b, ast.Name)],
                "model_type": None, "defaults": {}, "text_class": None, "annotated": set(),
                "not_null": set(), "types": {}}
        for stmt in node.body:
            target = value = None
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                target, value = stmt.target.id, stmt.value
                info["annotated"].add(target)
                if not target.startswith("_") and not _nullable(stmt.annotation):
                    info["not_null"].add(target)
                if (not target.startswith("_") and _strict(node)
                        and (json_type := _json_type(stmt.annotation)) is not None):
                    info["types"][target] = json_type
            elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(
                    stmt.targets[0], ast.Name):
                target, value = stmt.targets[0].id, stmt.value
            if target is None or value is None:
                continue
            if target == "model_type" and isinstance(value, ast.Constant):
                info["model_type"] = value.value
            elif target in ("sub_configs", "sub_configs_defaults") and isinstance(value, ast.Dict):
                for k, v in zip(value.keys, value.values, strict=True):
                    if isinstance(k, ast.Constant) and k.value == "text_config" and isinstance(
                            v, ast.Name):
                        info["text_class"] = v.id
            elif not target.startswith("_") and (number := _int(value)) is not None:
                info["defaults"][target] = number
            elif (isinstance(stmt, ast.AnnAssign) and isinstance(value, ast.Constant)
                  and isinstance(value.value, str)):  # a field (annotated), not a class name
                info["defaults"][target] = value.value
        found[node.name] = info
    return found


def _resolved(name: str, classes: dict[str, dict], part: str = "defaults") -> dict:
    """The class's `part` ("defaults", or "types": the declared types transformers checks)
    over its bases' (a base's holds unless redefined; a strict class validates every field by
    its latest annotation, and a class that is not strict records no types of its own)."""
    info = classes.get(name)
    if info is None:
        return {}
    merged: dict = {}
    for base in info["bases"]:
        merged.update(_resolved(base, classes, part))
    merged.update(info[part])
    return merged


def _not_null(name: str, classes: dict[str, dict]) -> set[str]:
    """The class's fields annotated without None, its bases' included unless re-annotated."""
    info = classes.get(name)
    if info is None:
        return set()
    inherited = set().union(*(_not_null(base, classes) for base in info["bases"]))
    return (inherited - info["annotated"]) | info["not_null"]


def extract(site: Path, version: str, known: tuple[str, ...]) -> dict:
    """The table for the model types in `known` (and their text_config classes)."""
    classes: dict[str, dict] = {}
    files: dict[str, str] = {}
    for path in sorted((site / "transformers" / "models").glob("*/configuration_*.py")):
        for name, info in _classes(path.read_text()).items():
            classes.setdefault(name, info)
            files.setdefault(name, path.relative_to(site).as_posix())
    by_type = {info["model_type"]: name for name, info in classes.items() if info["model_type"]}
    types: dict[str, dict] = {}
    wanted = list(known)
    while wanted:
        model_type = wanted.pop(0)
        name = by_type.get(model_type)
        if name is None or model_type in types:
            continue
        entry = {"class": name, "file": files[name], "defaults": _resolved(name, classes),
                 "not_null": sorted(_not_null(name, classes)),
                 "types": dict(sorted(_resolved(name, classes, "types").items()))}
        text_class = classes[name]["text_class"]
        if text_class and classes.get(text_class, {}).get("model_type"):
            entry["text_config"] = classes[text_class]["model_type"]
            wanted.append(entry["text_config"])
        types[model_type] = entry
    return {"transformers_version": version,
            "how": "tools/extract_transformers_defaults.py: integer, boolean and string class "
                   "defaults of each config class, its fields annotated without None and the "
                   "declared types of its validated fields, read with ast from the transformers "
                   "source",
            "types": dict(sorted(types.items()))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", help="folder holding transformers/ (default: the "
                        "installed package's)")
    args = parser.parse_args()
    if args.site:
        site = Path(args.site)
    else:
        import transformers  # only to find the installed source; nothing of it is run
        site = Path(transformers.__file__).resolve().parents[1]
    text = (site / "transformers" / "__init__.py").read_text()
    version = next(line.split('"')[1] for line in text.splitlines()
                   if line.startswith("__version__"))
    sys.path.insert(0, str(ROOT))
    from planner.model.config.families import KNOWN_TYPES
    table = extract(site, version, KNOWN_TYPES)
    OUT.write_text(json.dumps(table, indent=1, sort_keys=False) + "\n")
    print(f"{OUT.relative_to(ROOT)}: {len(table['types'])} model types, transformers {version}")


if __name__ == "__main__":
    main()
