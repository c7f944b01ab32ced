"""planner.text.flags_as_code: a note's CLI flags, with their values, as inline code (kept on
one line by app.py's style), never the word after a flag that takes none."""

from planner.text import flags_as_code
from tests.app.conftest import open_page
from ui.context import link_message_markdown


def test_each_flag_and_its_value_is_code_and_the_prose_is_not() -> None:
    assert flags_as_code("Nearest change: --max-num-seqs 256 --max-num-batched-tokens "
                         "8192 fits.") == ("Nearest change: `--max-num-seqs 256` "
                                           "`--max-num-batched-tokens 8192` fits.")
    assert flags_as_code("--kv-cache-dtype fp8 fits") == "`--kv-cache-dtype fp8` fits"
    assert flags_as_code("TP=8 with --enable-expert-parallel fits") == \
        "TP=8 with `--enable-expert-parallel` fits"


def test_a_value_ends_before_the_sentences_full_stop() -> None:
    assert flags_as_code("Try --max-model-len 40960.") == "Try `--max-model-len 40960`."
    assert flags_as_code("at --gpu-memory-utilization 0.95.") == \
        "at `--gpu-memory-utilization 0.95`."


def test_a_values_thousands_separators_stay_in_its_code() -> None:
    # planner.serving.plan's --kv-cache-memory-bytes failure writes the bytes as {kv:,}
    assert flags_as_code("--kv-cache-memory-bytes 8,589,934,592 (8.00 GiB) and") == \
        "`--kv-cache-memory-bytes 8,589,934,592` (8.00 GiB) and"
    assert flags_as_code("Try --max-model-len 40960, or less") == \
        "Try `--max-model-len 40960`, or less"


def test_code_the_text_quotes_already_is_left_as_it_is() -> None:
    # planner.model.quant's loading note quotes its flag so: no second pair around it
    assert flags_as_code("`--quantization fp8` on a 16-bit checkpoint, or --kv-cache-dtype "
                         "fp8") == "`--quantization fp8` on a 16-bit checkpoint, or " \
                                   "`--kv-cache-dtype fp8`"
    assert flags_as_code("a -- b") == "a -- b"  # a dash, not a flag


def test_a_value_holding_hyphens_is_code_to_its_end() -> None:
    # planner.serving.hardware's preset notes and fixes.format_step: was `--gpu h100`-pcie
    assert flags_as_code("give --gpu h100-pcie or --gpu rtx-3090.") == \
        "give `--gpu h100-pcie` or `--gpu rtx-3090`."
    assert flags_as_code("--target-quant w4a16-gptq-g128 (a GPTQ") == \
        "`--target-quant w4a16-gptq-g128` (a GPTQ"


def test_a_value_quoted_as_given_is_not_made_a_flag() -> None:
    # a link's ckpt='--trust-remote-code' is refused: the reason quotes it, no flag to pass
    assert flags_as_code("the checkpoint '--trust-remote-code' starts with '-', so") == \
        "the checkpoint '--trust-remote-code' starts with '-', so"


def test_a_link_message_codes_the_reasons_flags_not_the_value_given() -> None:
    message = ("Link parameter ckpt=\"it's --tp 2\" ignored: plan it with --max-model-len "
               "4096.")
    assert link_message_markdown(message) == (
        "Link parameter ckpt=\"it's --tp 2\" ignored: plan it with `--max-model-len 4096`.")
    assert link_message_markdown("Link parameter gpu='h100': --gpu h100-pcie is") == \
        "Link parameter gpu='h100': `--gpu h100-pcie` is"


def test_the_sidebar_shows_a_link_messages_flags_as_code() -> None:
    # the MIG advice names the CLI's flag; the sidebar showed it as plain text
    at = open_page(None, gpu="H100 MIG 3g.40gb")
    assert not at.exception
    shown = [w.value for w in at.sidebar.warning]
    assert any(w.startswith("Link parameter gpu='H100 MIG 3g.40gb' ignored: ")
               and "python -m planner plan `--gpu-memory-gib` X," in w for w in shown), shown
