"""ui.context.flags_as_code: a note's CLI flags, with their values, as inline code (kept on
one line by app.py's style), never the word after a flag that takes none."""

from ui.context import flags_as_code


def test_each_flag_and_its_value_is_code_and_the_prose_is_not() -> None:
    assert flags_as_code("Nearest change that fits: --max-num-seqs 256 --max-num-batched-tokens "
                         "8192 fits.") == ("Nearest change that fits: `--max-num-seqs 256` "
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
