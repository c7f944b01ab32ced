"""Record the model types a transformers release has a config class for, and its tokenizers.

    python tools/extract_transformers_model_types.py 4.56.0 [5.16.1 ...]

writes planner/serving/vllm_cli/transformers-X.json: the keys of CONFIG_MAPPING_NAMES
(transformers/models/auto/configuration_auto.py; in 5.x built in auto_mappings.py and extended
there), read from the release's wheel (`pip download transformers==X --no-deps`, one at a
time, deleted after) with `ast`, nothing installed or imported. vLLM reads a config through
AutoConfig.from_pretrained(trust_remote_code=...) unless its own _CONFIG_REGISTRY has the model
type (transformers_utils/config.py get_config): a config whose auto_map names an AutoConfig
class and whose model_type is in neither loads only with --trust-remote-code
(planner.serving.launch.remote_code_class). Each vLLM fixture names the lowest transformers its
wheel allows (`transformers_min`); that release's list is the one Headroom checks, since the
transformers installed beside vLLM is unknown and may be that old.

It also records MODEL_MAPPING_NAMES (transformers/models/auto/modeling_auto.py), the base
model class of each model type (llama: LlamaModel): from vLLM 0.11.1 get_config
(transformers_utils/config.py) gives a config.json with no `architectures` that class
(planner.serving.pooling.unnamed_architecture).
"""

import argparse
import ast
import hashlib
import zipfile
from pathlib import Path

if __package__:  # imported as tools.extract_transformers_model_types (the tests)
    from tools.wheel_fixtures import write_fixtures
else:  # run as python tools/extract_transformers_model_types.py
    from wheel_fixtures import write_fixtures

OUT_DIR = Path(__file__).resolve().parents[1] / "planner" / "serving" / "vllm_cli"
SOURCES = ("transformers/models/auto/auto_mappings.py",  # 5.x: imported from here
           "transformers/models/auto/configuration_auto.py")
NAME = "CONFIG_MAPPING_NAMES"
TOKENIZERS = "transformers/models/auto/tokenization_auto.py"
MODELS = "transformers/models/auto/modeling_auto.py"
MODELS_NAME = "MODEL_MAPPING_NAMES"
TOKENIZER_NAME = "TOKENIZER_MAPPING_NAMES"
SKIPPED_NAME = "MODELS_WITH_INCORRECT_HUB_TOKENIZER_CLASS"


def _keys(node: ast.expr, tables: dict[str, ast.expr], seen: frozenset) -> set[str]:
    """The string keys of a dict literal, `OrderedDict([(key, value), ...])` or a call's
    keywords, following `**NAME` into the module's NAME unless already being read
    (`X = OrderedDict(**{...}, **X)` extends the X imported)."""
    if isinstance(node, ast.Dict):
        found = {k.value for k in node.keys if isinstance(k, ast.Constant)
                 and isinstance(k.value, str)}
        return found.union(*(_keys(v, tables, seen) for k, v in zip(
            node.keys, node.values, strict=True) if k is None))
    if isinstance(node, ast.Name) and node.id in tables and node.id not in seen:
        return _keys(tables[node.id], tables, seen | {node.id})
    if not isinstance(node, ast.Call):
        return set()
    found = {k.arg for k in node.keywords if k.arg}
    found |= set().union(*(_keys(k.value, tables, seen) for k in node.keywords if not k.arg))
    for arg in node.args:
        found |= _keys(arg, tables, seen) | {
            e.elts[0].value for e in getattr(arg, "elts", ()) if isinstance(e, ast.Tuple)
            and isinstance(e.elts[0], ast.Constant) and isinstance(e.elts[0].value, str)}
    return found


def model_types(texts: list[str]) -> list[str]:
    """Every key the modules give CONFIG_MAPPING_NAMES: each `NAME = ...` and `NAME.update(...)`."""
    found: set[str] = set()
    for text in texts:
        body = ast.parse(text).body
        tables = {t.id: n.value for n in body if isinstance(n, ast.Assign | ast.AnnAssign)
                  and n.value is not None
                  for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
                  if isinstance(t, ast.Name)}
        for node in body:
            if isinstance(node, ast.Expr) and ast.unparse(node.value).startswith(f"{NAME}.update("):
                found |= _keys(node.value.args[0], tables, frozenset({NAME}))
        if NAME in tables:
            found |= _keys(tables[NAME], tables, frozenset({NAME}))
    return sorted(found)


def base_model_classes(text: str) -> dict[str, str]:
    """The module's MODEL_MAPPING_NAMES = OrderedDict([(model type, class), ...]), sorted by
    model type; a pair whose class is not one string is left out."""
    for node in ast.parse(text).body:
        if (isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets]
                == [MODELS_NAME] and isinstance(node.value, ast.Call) and node.value.args):
            return dict(sorted(
                (pair.elts[0].value, pair.elts[1].value)
                for pair in getattr(node.value.args[0], "elts", ())
                if isinstance(pair, ast.Tuple) and len(pair.elts) == 2
                and all(isinstance(e, ast.Constant) and isinstance(e.value, str)
                        for e in pair.elts)))
    return {}


def tokenizer_classes(text: str) -> list[str]:
    """Every string in the values of the module's TOKENIZER_MAPPING_NAMES assignments (4.5x
    assigns it under `if TYPE_CHECKING: ... else:`): a list of (model type, names) pairs, the
    names a string, a conditional or a tuple of them."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if (isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None
                and TOKENIZER_NAME in [t.id for t in (
                    node.targets if isinstance(node, ast.Assign) else [node.target])
                    if isinstance(t, ast.Name)]):
            for pair in ast.walk(node.value):
                if isinstance(pair, ast.Tuple) and len(pair.elts) == 2 and isinstance(
                        pair.elts[0], ast.Constant) and isinstance(pair.elts[0].value, str):
                    found |= {c.value for c in ast.walk(pair.elts[1])
                              if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    return sorted(found)


def remote_tokenizer_skipped(text: str) -> list[str]:
    """The model types in the module's MODELS_WITH_INCORRECT_HUB_TOKENIZER_CLASS set (5.x:
    AutoTokenizer.from_pretrained drops a tokenizer_config.json auto_map for a config of one
    of these types: without trust_remote_code, and in 5.5.3 with it too, skipped_with_flag);
    [] where there is none (4.x)."""
    return sorted({c.value for node in ast.walk(ast.parse(text))
                   if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None
                   and SKIPPED_NAME in [t.id for t in (
                       node.targets if isinstance(node, ast.Assign) else [node.target])
                       if isinstance(t, ast.Name)]
                   for c in ast.walk(node.value)
                   if isinstance(c, ast.Constant) and isinstance(c.value, str)})


def skipped_with_flag(text: str) -> bool:
    """Whether the `if` that drops the auto_map for those model types holds with
    trust_remote_code too (5.5.3); False where it tests `trust_remote_code is not True`
    (5.10.4, 5.16.1) or there is no such `if` (4.x)."""
    tests = [node.test for node in ast.walk(ast.parse(text)) if isinstance(node, ast.If)
             and SKIPPED_NAME in ast.unparse(node.test)]
    return bool(tests) and not any("trust_remote_code" in ast.unparse(t) for t in tests)


def fixture(wheel: Path, version: str) -> dict:
    with zipfile.ZipFile(wheel) as zf:
        read = [name for name in SOURCES if name in zf.namelist()]
        texts = [zf.read(name).decode("utf-8") for name in read]
        tokenizers = zf.read(TOKENIZERS).decode("utf-8")
        models = zf.read(MODELS).decode("utf-8")
    return {"schema": "headroom.transformers-config-types", "schema_version": 1,
            "transformers_version": version, "wheel": wheel.name,
            "wheel_sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
            "source": " + ".join(read) + f" {NAME} (AutoConfig: model types with no remote code)",
            "model_types": model_types(texts),
            "tokenizer_source": f"{TOKENIZERS} {TOKENIZER_NAME} values (AutoTokenizer: "
                                "tokenizer classes with no remote code)",
            "tokenizer_classes": tokenizer_classes(tokenizers),
            "remote_tokenizer_skipped_source": f"{TOKENIZERS} {SKIPPED_NAME} (model types "
                                               "whose auto_map tokenizer AutoTokenizer drops "
                                               "without trust_remote_code, and with it where "
                                               "remote_tokenizer_skipped_with_flag)",
            "remote_tokenizer_skipped": remote_tokenizer_skipped(tokenizers),
            "remote_tokenizer_skipped_with_flag": skipped_with_flag(tokenizers),
            "base_model_classes_source": f"{MODELS} {MODELS_NAME} (the base model class of "
                                         "each model type)",
            "base_model_classes": base_model_classes(models)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("versions", nargs="+", metavar="VERSION")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    write_fixtures("transformers", args.versions, args.out, fixture,
                   lambda data: f"{len(data['model_types'])} model types, "
                   f"{len(data['tokenizer_classes'])} tokenizer classes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
