"""ui.format.figures_whole: "How every figure is computed" at 1280 px broke a figure where its
cell wrapped ("(23,283,447,209" / "B)", "14.56" / "GiB", "layers 0-" / "93"); the text keeps
each whole with no-break spaces and non-breaking hyphens, nothing else changed."""

from ui.format import NB_HYPHEN, NBSP, figures_whole


def test_a_number_keeps_its_unit_and_an_operator_stays_a_break() -> None:
    assert figures_whole("21.68 GiB (23,283,447,209 B)") == (
        f"21.68{NBSP}GiB (23,283,447,209{NBSP}B)")
    # "x" is the multiplication: the line may break at it, not between 4 and B
    assert figures_whole("151,936 vocab x 4 B = 0.86 GiB") == (
        f"151,936{NBSP}vocab x 4{NBSP}B ={NBSP}0.86{NBSP}GiB")
    assert figures_whole("0.12 %") == f"0.12{NBSP}%"


def test_a_range_and_an_inputs_value_stay_whole() -> None:
    assert figures_whole("stage 0, layers 0-93") == f"stage 0, layers 0{NB_HYPHEN}93"
    assert figures_whole("weight_format = w4a16-gptq-g128, tp = 8") == (
        f"weight_format ={NBSP}w4a16{NB_HYPHEN}gptq{NB_HYPHEN}g128, tp ={NBSP}8")
    # a hyphenated word in prose may still break after its hyphen, and a minus between two
    # figures is the break it always was
    assert figures_whole("up-projection") == "up-projection"
    assert figures_whole("21.68 GiB - 14.56 GiB") == f"21.68{NBSP}GiB - 14.56{NBSP}GiB"


def test_a_code_span_is_left_as_written() -> None:
    assert figures_whole("set `--max-model-len 4096` to 4 GiB") == (
        f"set `--max-model-len 4096` to 4{NBSP}GiB")
