"""Writing a command's output to stdout: a reader gone (`| head`) or a stdout that cannot
take it (a full disk, a closed descriptor) ends the command with one line at most, never a
traceback. Shared by `python -m planner` and `python -m probes`."""

import os
import sys

SIGPIPE_EXIT = 141
"""What a shell reports for a process killed by SIGPIPE (128 + 13)."""
WRITE_FAILED_EXIT = 1
"""Exit code when stdout cannot be written: not bad input (exit 2), nothing to fix in the
command line."""


def emit(text: str, prog: str) -> int:
    """Write `text` to stdout: 0 when written; 141, silently, when stdout's reader has gone
    (`| head -c 10`); 1 with one line on stderr, `prog` naming the command, when stdout cannot
    be written (`> /dev/full`, `>&-`).

    NOTE (Python docs, signal module, "Note on SIGPIPE"): Python ignores SIGPIPE, so a write
    to a closed pipe raises BrokenPipeError; stdout is then pointed at devnull so the
    interpreter's final flush cannot raise (and print a traceback) a second time.
    """
    if sys.stdout is None:  # started with descriptor 1 closed
        print(f"{prog}: error: cannot write the output: stdout is closed.", file=sys.stderr)
        return WRITE_FAILED_EXIT
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_to_devnull()
        return SIGPIPE_EXIT
    except OSError as exc:
        _stdout_to_devnull()
        print(f"{prog}: error: cannot write the output ({exc.strerror or exc}).",
              file=sys.stderr)
        return WRITE_FAILED_EXIT
    return 0


def _stdout_to_devnull() -> None:
    """Point descriptor 1 at devnull: what stdout still buffers is dropped at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
