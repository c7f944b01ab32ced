"""Bounded reads of the files users name: regular files only, never more than the cap.

A size from stat() is not trusted (it is 0 for /dev/zero and for FIFOs): the file is read up
to cap + 1 bytes and refused if that much came. Anything but a regular file (a directory, a
device, a FIFO, a socket) is refused before it is read, and a FIFO is opened non-blocking so
it can never hang the caller.
"""

import errno
import os
import stat
from pathlib import Path

from planner.jsondoc import JsonDocumentError, parse_json_document, size_text

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISSOCK, "a socket"))


def _not_regular(mode: int) -> str | None:
    """What a non-regular file is ('a FIFO (named pipe)'), or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def home_expanded(path: str | Path) -> Path:
    """`path` with a leading ~ or ~user expanded as a shell does, and left as written where
    no such user's home is known (os.path.expanduser; bash prints `~nouser/x` so), which the
    caller then finds no file at: pathlib's expanduser raises RuntimeError there ("Could not
    determine home directory"), which was a traceback for `--model ~nouser/x`."""
    return Path(os.path.expanduser(path))


def broken_link(path: str | Path) -> str | None:
    """What `path` is where it is a symbolic link that leads to no file: a loop, or a link
    whose target is gone (a model folder's config.json whose blob was deleted read "has no
    config.json", a loop "no such file or folder"); None otherwise."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop, whose links never reach a file"
    try:
        return (f"a symbolic link to {os.readlink(path)}, which does not exist"
                if os.path.islink(path) and not os.path.exists(path) else None)
    except OSError:  # a name no file system holds (over NAME_MAX / PATH_MAX)
        return None


def not_regular_file(path: str | Path) -> str | None:
    """What `path` is when it is not a regular file ('a directory', 'a FIFO (named pipe)',
    'unreadable (No such file or directory)' for a dangling link), None when it is one (a link
    to one included). Only stat() is called: nothing is opened, so a FIFO cannot block."""
    try:
        return _not_regular(os.stat(path).st_mode)
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"


def read_bounded(path: str | Path, max_bytes: int, label: str | None = None) -> bytes:
    """The bytes of a regular file of at most `max_bytes`; JsonDocumentError otherwise."""
    label = str(path) if label is None else label
    try:
        kind = _not_regular(os.stat(path).st_mode)
        if kind is None:
            # NOTE: O_NONBLOCK: a FIFO swapped in after the stat opens at once instead of
            # waiting for a writer; fstat below then refuses it. No effect on regular files.
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as file:
                kind = _not_regular(os.fstat(file.fileno()).st_mode)
                data = b"" if kind else file.read(max_bytes + 1)
    except OSError as exc:
        link = broken_link(path)
        raise JsonDocumentError(f"{label} is {link}" if link else
                                f"{label}: cannot read ({exc.strerror or exc})") from None
    if kind:
        raise JsonDocumentError(f"{label} is {kind}, not a regular file")
    if len(data) > max_bytes:
        raise JsonDocumentError(f"{label} is over the {size_text(max_bytes)} limit "
                                f"(more than {max_bytes:,} bytes)")
    return data


def read_json_document(path: str | Path, max_bytes: int, label: str | None = None, *,
                       utf8_only: bool = False, unique_keys: bool = False) -> object:
    """read_bounded, then parse_json_document (`utf8_only`, `unique_keys` as there): one JSON
    value from a file, or one clear error."""
    label = str(path) if label is None else label
    return parse_json_document(read_bounded(path, max_bytes, label), label, max_bytes,
                               utf8_only=utf8_only, unique_keys=unique_keys)
