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


def size_text(max_bytes: int) -> str:
    """'4 MB' for 4,000,000: the limit as people read it (decimal MB, as the README states)."""
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


def parse_json_document(data: bytes, label: str, max_bytes: int) -> object:
    """The JSON value in `data` (UTF-8/16/32, as json.loads detects; bare Infinity/NaN
    accepted, as some real configs hold them); JsonDocumentError says what is wrong,
    starting with `label` (e.g. the file name)."""
    if len(data) > max_bytes:
        raise JsonDocumentError(f"{label} is over the {size_text(max_bytes)} limit "
                                f"({len(data):,} bytes)")
    if not data.strip():
        raise JsonDocumentError(f"{label} is empty, not JSON")
    try:
        value = json.loads(data)
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
