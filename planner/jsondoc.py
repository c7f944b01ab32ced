"""parse_json_document: bytes -> one JSON value, with its size, nesting and numbers bounded.

Every JSON document that enters Headroom from outside (config.json, hf_quant_config.json, a
hardware snapshot, a safetensors header) is parsed here, so a hostile or broken one gives one
clear JsonDocumentError instead of MemoryError, RecursionError (deep nesting) or ValueError
(an integer literal over Python's 4,300-digit conversion limit) from inside `json`.
Pure: the bytes are read at the edges (probes.files.read_bounded, an upload's bytes).
"""

import json
import sys

MAX_NESTING = 64
"""Deepest nesting accepted. Real documents nest 3-5 levels (config.json: text_config ->
rope_scaling; quantization_config -> config_groups -> group -> weights; a snapshot: gpus ->
nvlinks -> link); 64 keeps everything downstream (pydantic, pickle, reports) far from
Python's recursion limit of 1,000."""


class JsonDocumentError(ValueError):
    """A document that is too big, not JSON, or nested or numbered beyond reason (one line)."""


RESAVE_AS_UTF8 = "save it as UTF-8"
"""What _not_utf8's refusals tell the user to do (JSON in another encoding): a caller adding
its own advice leaves such a message as it is."""


class _DuplicateKey(Exception):
    """An object giving one key twice, under parse_json_document(unique_keys=True)."""


def _unique_object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """json's object_pairs_hook for unique_keys: the object, or _DuplicateKey at a key given
    twice (json.loads alone keeps the last value without a word)."""
    value: dict[str, object] = {}
    for key, item in pairs:
        if key in value:
            raise _DuplicateKey(key)
        value[key] = item
    return value


def size_text(max_bytes: int) -> str:
    """'4 MB' for 4,000,000: the limit as people read it (decimal MB, as docs/cli.md's Input
    limits states)."""
    return f"{max_bytes / 10**6:g} MB"


def json_kind(value: object) -> str:
    """A parsed JSON value's kind as JSON names it ('an array', 'null'), for messages that
    said 'a JSON list' or 'got NoneType'."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    kinds = {dict: "an object", list: "an array", str: "a string", int: "a number",
             float: "a number"}
    return kinds.get(type(value), f"a {type(value).__name__}")


def parse_json_document(data: bytes, label: str, max_bytes: int, *,
                        utf8_only: bool = False, unique_keys: bool = False) -> object:
    """The JSON value in `data` (bare Infinity/NaN accepted, as some real configs hold them);
    JsonDocumentError says what is wrong, starting with `label` (e.g. the file name).

    Any Unicode encoding json.loads detects is read (UTF-8/16/32, a UTF-8 byte-order mark),
    unless `utf8_only`: a checkpoint's own files (config.json, hf_quant_config.json,
    tokenizer_config.json, a safetensors header) are then refused in anything but UTF-8
    without a byte-order mark, as vLLM's readers refuse them (_not_utf8). `unique_keys`: an
    object giving one key twice is refused (a document Headroom alone reads, where the last
    of two values would win unseen: --prices, a hardware snapshot), not kept as json keeps it
    (the last). config.json keeps json's reading: transformers' json.loads keeps the last."""
    if len(data) > max_bytes:
        raise JsonDocumentError(f"{label} is over the {size_text(max_bytes)} limit "
                                f"({len(data):,} bytes)")
    if not data.strip():
        raise JsonDocumentError(f"{label} is empty, not JSON")
    if utf8_only and (problem := _not_utf8(data)):
        raise JsonDocumentError(f"{label} {problem}")
    try:
        value = json.loads(data, object_pairs_hook=_unique_object if unique_keys else None)
    except _DuplicateKey as dup:
        raise JsonDocumentError(f"{label}: {dup.args[0]!r} is given twice: give each "
                                "once") from None
    except RecursionError:
        raise JsonDocumentError(f"{label} is nested too deeply to be read "
                                f"(more than {MAX_NESTING} levels)") from None
    except UnicodeDecodeError:
        raise JsonDocumentError(f"{label} is not UTF-8 text, so not JSON") from None
    except json.JSONDecodeError as err:
        # json's "Unterminated string starting at" ends in "at" already
        raise JsonDocumentError(f"{label} is not valid JSON ({err.msg.removesuffix(' at')} at "
                                f"line {err.lineno}, column {err.colno})") from None
    except ValueError:  # int(): "Exceeds the limit (4300 digits) for integer string conversion"
        raise JsonDocumentError(f"{label} holds an integer of more than "
                                f"{sys.get_int_max_str_digits():,} digits, more than Python "
                                "reads (and than any real document holds)") from None
    if _depth_over(value, MAX_NESTING):
        raise JsonDocumentError(f"{label} is nested too deeply to be read "
                                f"(more than {MAX_NESTING} levels)")
    return value


def _not_utf8(data: bytes) -> str | None:
    """Why a checkpoint file vLLM reads cannot be read as it reads it (None when it can).

    NOTE: vLLM reads config.json through transformers: every wheel read, 0.9.1, 0.10.1,
    0.10.2 and 0.15.1-0.34.0, calls PretrainedConfig.get_config_dict in
    vllm/transformers_utils/config.py (get_config; HFConfigParser.parse from 0.10.2), and
    transformers' configuration_utils.py PretrainedConfig._dict_from_json_file reads the file
    with open(json_file, encoding="utf-8") and json.loads(text) (the same in transformers
    4.x and 5.24.0). json.loads of a str refuses a byte-order mark ("Unexpected UTF-8 BOM"),
    and UTF-16/32 text is no UTF-8 (0xff 0xfe stops the decode; without a mark, the NULs
    between the characters stop json). hf_quant_config.json is read with open() (the
    locale's encoding, UTF-8 on a usual Linux host) and json.load: get_hf_file_to_dict
    (vllm/transformers_utils/config.py in 0.9.1-0.10.2, repo_utils.py in 0.15.1-0.34.0) and
    vllm/model_executor/model_loader/weight_utils.py get_quant_config (0.9.1, 0.33.0);
    tokenizer_config.json by transformers' tokenization_utils_base.py
    PreTrainedTokenizerBase._from_pretrained (open(..., encoding="utf-8"), json.load); a
    safetensors header by the safetensors library, which refuses one that is not UTF-8 or
    does not start as JSON (safetensors 0.8.0 here: "invalid UTF-8 in header", "invalid JSON
    in header")."""
    found = json.detect_encoding(data)
    if found == "utf-8":
        return None  # bytes that are not UTF-8 at all are json.loads' "not UTF-8 text"
    if found == "utf-8-sig":
        return ("starts with a UTF-8 byte-order mark (BOM), which vLLM cannot load "
                f"(transformers and safetensors read UTF-8 without one): {RESAVE_AS_UTF8} "
                "without the BOM")
    return (f"is {found[:6].upper()} text, which vLLM cannot load (transformers and "
            f"safetensors read UTF-8 only): {RESAVE_AS_UTF8}")


def _depth_over(value: object, limit: int) -> bool:
    """True when lists/objects nest more than `limit` levels (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = (item.values() if isinstance(item, dict) else
                    item if isinstance(item, list) else ())
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False
