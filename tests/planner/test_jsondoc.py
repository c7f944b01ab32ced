"""planner.jsondoc: every way a JSON document can be too much gives one JsonDocumentError."""

import json

import pytest

from planner.jsondoc import MAX_NESTING, JsonDocumentError, parse_json_document


def test_a_real_document_parses_whatever_its_unicode_encoding() -> None:
    doc = {"model_type": "llama", "rope_scaling": {"factor": 8.0}, "eps": float("inf")}
    text = json.dumps(doc)  # 'Infinity' is written bare, as some NVIDIA configs hold it
    assert parse_json_document(text.encode(), "c", 10**6) == doc
    assert parse_json_document(text.encode("utf-16"), "c", 10**6) == doc  # a snapshot's read


@pytest.mark.parametrize(("data", "words"), [
    # transformers reads config.json as open(encoding="utf-8") then json.loads(text): the
    # mark stays as U+FEFF, and json.loads refuses it ("Unexpected UTF-8 BOM")
    (b"\xef\xbb\xbf" + b'{"model_type": "llama"}', "c starts with a UTF-8 byte-order mark "
     "(BOM), which vLLM cannot load"),
    # 0xff 0xfe opens UTF-16 with a mark; 0xff is no UTF-8 start byte
    ('{"model_type": "llama"}'.encode("utf-16"), "c is UTF-16 text, which vLLM cannot load"),
    # no mark: '{' 0x00 '"' 0x00 ... decodes as UTF-8, then json stops at the NUL
    ('{"model_type": "llama"}'.encode("utf-16-le"), "c is UTF-16 text"),
    ('{"model_type": "llama"}'.encode("utf-16-be"), "c is UTF-16 text"),
    ('{"model_type": "llama"}'.encode("utf-32"), "c is UTF-32 text"),
], ids=["utf8-bom", "utf16-bom", "utf16le", "utf16be", "utf32"])
def test_a_checkpoint_file_in_anything_but_utf8_is_refused(data: bytes, words: str) -> None:
    with pytest.raises(JsonDocumentError) as info:
        parse_json_document(data, "c", 10**6, utf8_only=True)
    assert str(info.value).startswith(words)
    assert parse_json_document(data, "c", 10**6) == {"model_type": "llama"}  # a snapshot's read


def test_a_checkpoint_file_in_utf8_is_read_whatever_it_holds() -> None:
    # non-ASCII text and leading blanks are UTF-8 too: transformers reads them
    data = ' \n{"model_type": "llama", "name": "Qwen3 \u00e9\u540d"}'.encode()
    assert parse_json_document(data, "c", 10**6, utf8_only=True) == {
        "model_type": "llama", "name": "Qwen3 \u00e9\u540d"}
    with pytest.raises(JsonDocumentError, match="c is not UTF-8 text"):  # Latin-1 'é'
        parse_json_document(b'{"name": "\xe9"}', "c", 10**6, utf8_only=True)


@pytest.mark.parametrize(("data", "cap", "words"), [
    (b"{" + b" " * 100 + b"}", 100, "c is over the 0.0001 MB limit (102 bytes)"),
    (b"[" * 5000 + b"]" * 5000, 10**6, "nested too deeply"),  # RecursionError inside json
    (b"[" * (MAX_NESTING + 1) + b"]" * (MAX_NESTING + 1), 10**6,
     f"more than {MAX_NESTING} levels"),
    (b'{"a": ' + b"9" * 4301 + b"}", 10**6, "an integer of more than 4,300 digits"),
    (b'{"a": 1,}', 100, "not valid JSON (Expecting property name enclosed in double quotes"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", 100, "not UTF-8 text"),
    # a file cut off inside a string: json says "Unterminated string starting at", once
    (b'{\n  "kind": "headroom.hard', 100,
     "not valid JSON (Unterminated string starting at line 2, column 11)"),
    (b"", 100, "c is empty, not JSON"),
    (b" \n\t\n", 100, "c is empty, not JSON"),
], ids=["size", "recursion", "depth", "bigint", "syntax", "binary", "truncated", "empty",
        "blank"])
def test_bad_documents_give_one_clear_error(data: bytes, cap: int, words: str) -> None:
    with pytest.raises(JsonDocumentError) as info:
        parse_json_document(data, "c", cap)
    assert words in str(info.value)
    assert str(info.value).startswith("c ")


def test_nesting_at_the_limit_is_accepted() -> None:
    deep = b"[" * MAX_NESTING + b"]" * MAX_NESTING
    nested: list = []
    for _ in range(MAX_NESTING - 1):
        nested = [nested]
    assert parse_json_document(deep, "c", 10**6) == nested  # MAX_NESTING lists, one in another
    # an object inside lists counts its own level too
    assert parse_json_document(b'[{"a": [1]}]', "c", 100) == [{"a": [1]}]
    too_deep = b'[{"a": ' + b"[" * (MAX_NESTING - 1) + b"]" * (MAX_NESTING - 1) + b"}]"
    with pytest.raises(JsonDocumentError):
        parse_json_document(too_deep, "c", 10**6)
