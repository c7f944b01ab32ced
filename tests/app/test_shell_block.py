"""ui.format.shell_block: the app's launch command a line per option (a wrapped one split
'--enable-expert-parallel --max-model-len' after a hyphen at 1280 px), which bash runs as
pasted: the words are the command's."""

import shlex

from planner.serving.vllm_cli import command_problems, vllm_cli
from ui.format import shell_block

COMMAND = ("vllm serve '/models/my model' --tensor-parallel-size 8 --enable-expert-parallel "
           "--max-model-len 32768 --speculative-config '{\"method\": \"mtp\", "
           "\"num_speculative_tokens\": 2}' --hf-overrides \"{\\\"rope_scaling\\\": "
           "{\\\"factor\\\": 4.0, \\\"type\\\": \\\"yarn -x\\\"}}\" --served-model-name a\\ b")
"""Quoted values as a POSIX shell reads them: a JSON in single quotes, one in double quotes
with escaped quotes and a ' -x' inside, a path and a name holding a blank."""


def _as_bash_reads(block: str) -> list[str]:
    """The block's words: bash drops each backslash-newline (a line continuation), then
    splits as shlex does."""
    return shlex.split(block.replace("\\\n", ""))


def test_a_line_per_option_with_its_value_and_the_same_words() -> None:
    block = shell_block([COMMAND])
    assert block.splitlines() == [
        "vllm serve '/models/my model' \\",
        "  --tensor-parallel-size 8 \\",
        "  --enable-expert-parallel \\",
        "  --max-model-len 32768 \\",
        "  --speculative-config '{\"method\": \"mtp\", \"num_speculative_tokens\": 2}' \\",
        "  --hf-overrides \"{\\\"rope_scaling\\\": {\\\"factor\\\": 4.0, \\\"type\\\": "
        "\\\"yarn -x\\\"}}\" \\",
        "  --served-model-name a\\ b"]
    words = _as_bash_reads(block)
    assert words == shlex.split(COMMAND)
    assert words[-1] == "a b"  # the escaped blank is in the word, not a split
    assert command_problems(shlex.join(words), vllm_cli("0.34.0")) == []  # vLLM's parser


def test_each_node_keeps_its_comment_line_above_its_command() -> None:
    block = shell_block(["# node 0", "vllm serve m --node-rank 0",
                         "# node 1", "vllm serve m --node-rank 1 --headless"])
    assert block.splitlines() == ["# node 0", "vllm serve m \\", "  --node-rank 0",
                                  "# node 1", "vllm serve m \\", "  --node-rank 1 \\",
                                  "  --headless"]


def test_a_backslash_pair_before_a_blank_inside_double_quotes_stays_in_its_value() -> None:
    # bash reads \\ inside double quotes as one escaped backslash, so the blank after it is
    # still quoted: the JSON {"sep": "\\ "} is one word and --max-model-len keeps its line
    command = 'vllm serve m --hf-overrides "{\\"sep\\": \\"\\\\\\\\ \\"}" --max-model-len 8'
    block = shell_block([command])
    assert block.splitlines() == ["vllm serve m \\",
                                  '  --hf-overrides "{\\"sep\\": \\"\\\\\\\\ \\"}" \\',
                                  "  --max-model-len 8"]
    words = _as_bash_reads(block)
    assert words == shlex.split(command)
    assert words[4] == '{"sep": "\\\\ "}'  # JSON of a backslash and a blank
