"""probes.files: bounded reads that trust no st_size and refuse anything but a regular file."""

import os
import threading
from pathlib import Path

import pytest

from planner.jsondoc import JsonDocumentError
from probes.files import home_expanded, read_bounded, read_json_document


def test_a_regular_file_within_the_cap_is_read(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(b'{"a": 1}')
    assert read_bounded(path, 8) == b'{"a": 1}'
    assert read_json_document(path, 8) == {"a": 1}
    with pytest.raises(JsonDocumentError, match=r"over the 7e-06 MB limit \(more than 7 bytes\)"):
        read_bounded(path, 7)


def test_the_cap_counts_bytes_read_not_st_size() -> None:
    # /proc files are regular files whose st_size is 0, like the size a device reports
    assert os.stat("/proc/self/status").st_size == 0
    with pytest.raises(JsonDocumentError, match="more than 10 bytes"):
        read_bounded("/proc/self/status", 10)


@pytest.mark.parametrize(("path", "kind"), [
    ("/dev/zero", "a character device"),
    ("/tmp", "a directory"),
])
def test_non_regular_files_are_refused(path: str, kind: str) -> None:
    with pytest.raises(JsonDocumentError, match=f"{path} is {kind}, not a regular file"):
        read_bounded(path, 10)


def test_a_link_to_nothing_is_named_not_cannot_read(tmp_path: Path) -> None:
    # a snapshot or config named through a link whose target moved read "cannot read (No
    # such file or directory)", though ls shows the file
    link = tmp_path / "node.json"
    link.symlink_to(tmp_path / "moved.json")
    with pytest.raises(JsonDocumentError) as info:
        read_bounded(link, 10)
    assert str(info.value) == f"{link} is a symbolic link to {tmp_path / 'moved.json'}, which " \
        "does not exist"


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "node.json"
    os.mkfifo(fifo)
    box: dict = {}

    def read() -> None:
        try:
            read_bounded(fifo, 10)
        except JsonDocumentError as exc:
            box["error"] = str(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(10)  # a blocking open would wait for a writer forever
    assert box.get("error") == f"{fifo} is a FIFO (named pipe), not a regular file"


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(JsonDocumentError, match="cannot read .No such file or directory"):
        read_bounded(tmp_path / "absent.json", 10)


def test_home_expanded_leaves_a_home_no_user_has_as_written() -> None:
    # pathlib's expanduser raised RuntimeError ("Could not determine home directory") for
    # ~nouser: `--model ~nouser/x` and `python -m probes --model-dir ~nouser` were tracebacks
    assert home_expanded("~/models/x") == Path.home() / "models" / "x"
    assert home_expanded("~no-such-user-h526/x") == Path("~no-such-user-h526/x")
    assert home_expanded("/abs/x") == Path("/abs/x")
