"""The app at laptop width (1280x800): what a refused plan, a long launch command, a refused
typed value and the sweep's caveated fits show, and where (the layout AppTest can see: which
column or container holds what; tests/browser/test_browser_laptop.py measures the pixels)."""

import json
import shlex

from cli.planner_cli import main
from tests.app.conftest import launch_command, open_page
from tests.app.test_plan import LLAMA_ON_ADA as REFUSED
from tests.app.test_video_pruning import QWEN3_VL
from ui.state import LABELS
from ui.tables import COLUMN_HELP

NEAREST_LEN = 702 * 16
"""Llama-3.1-8B at its 131,072 tokens on one RTX 4000 Ada under vLLM 0.33.0 (REFUSED): 131,072
B of KV a token, 16.00 GiB for one request, over the 1,474,968,808 B (1,406.6 MiB) pool; the
nearest change that fits is max_model_len 702 blocks of 16 = 11,232 tokens, and with an fp8 KV
cache 1,405 x 16 = 22,480 (tests/app/test_plan.py's docstring works the pool and both out from
the config, the preset and vLLM 0.33.0's rules). Its verdict, vLLM's words, is four lines at
1280 px."""

YARN = json.dumps({"rope_scaling": {"rope_type": "yarn", "factor": 4.0,
                                    "original_max_position_embeddings": 32768,
                                    "rope_theta": 1000000},
                   "max_position_embeddings": 131072})
"""A YaRN --hf-overrides serving Qwen3 at 131,072 tokens: 155 characters on the command's
`--hf-overrides` line, wider than the Plan page's block at 1280 px (about 95 monospace
characters)."""


def _cli_json(capsys, *argv: str) -> dict:
    """The CLI's JSON, in-process."""
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_the_nearest_change_sits_beside_the_memory_figures_and_apply_under_them() -> None:
    # no speed figures (it does not fit): Weights and KV pool per GPU, then the nearest change
    # with its Apply button in the room of the three speed figures, one row under the verdict;
    # under that row, the box ended at the bottom edge at 1280x800 and Apply below it
    at = open_page(None, **REFUSED)
    assert not at.exception and at.error
    columns = list(at.columns)
    weights = next(i for i, c in enumerate(columns)
                   if [m.label for m in c.metric] == ["Weights per GPU"])
    pool, beside = columns[weights + 1], columns[weights + 2]
    assert [m.label for m in pool.metric] == ["KV pool per GPU"]
    assert [i.value for i in beside.info] == [
        f"Nearest change: max_model_len {NEAREST_LEN} fits. For a longer context: KV cache "
        f"dtype fp8 with max_model_len {1405 * 16} fits."]
    # Apply under Weights per GPU, level with the advice's last lines (under the advice it was
    # below the fold where the verdict took six lines: tests/app/test_walkthrough_fixes.py)
    assert [b.key for b in columns[weights].button] == ["plan.apply_nearest_fit"]
    assert not beside.button
    # the three speed figures' room: 3 of 1 + 1 + 3 (the five figures' row of a plan that fits)
    assert [c.weight for c in columns[weights:weights + 3]] == [0.2, 0.2, 0.6]
    columns[weights].button[0].click().run()  # still the one Apply, under the figures
    assert not at.exception and at.query_params["len"] == str(NEAREST_LEN)


def test_a_fitting_plan_keeps_its_five_figures_in_one_row() -> None:
    at = open_page(None, model="Qwen/Qwen3-8B", gpu="h100-sxm", gpn="1")
    row = next(i for i, c in enumerate(at.columns) if [m.label for m in c.metric] == ["TTFT"])
    labels = [[m.label for m in c.metric] for c in list(at.columns)[row:row + 5]]
    assert [label[0].split(" at ")[0] for label in labels] == [
        "TTFT", "TPOT", "Output tokens/s", "Weights per GPU", "KV pool per GPU"]
    assert not at.info or not at.info[0].value.startswith("Nearest change")


def test_a_long_hf_overrides_command_wraps_and_copies_as_the_cli_prints_it(capsys) -> None:
    at = open_page(None, model="Qwen/Qwen3-8B", gpu="h100-sxm", gpn="1", len="131072")
    at.text_input(key="plan.hf_overrides").set_value(YARN).run()
    assert not at.exception
    [block] = [c for c in at.code if c.language == "bash"]
    assert block.proto.wrap_lines  # wrapped in the browser (display only), not scrolled
    option = next(line for line in block.value.splitlines() if "--hf-overrides" in line)
    assert len(option) > 150  # the JSON's 155 characters: wider than the block
    cli = _cli_json(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--gpus",
                    "1", "--max-model-len", "131072", "--hf-overrides", YARN, "--json")
    # what the copy button copies: the block as written, which bash reads (each backslash-
    # newline dropped) as the words of the command the CLI prints
    assert launch_command(at) == cli["vllm_command"]
    words = shlex.split(block.value.replace("\\\n", ""))
    assert words == shlex.split(cli["vllm_command"])
    # and what vLLM reads from them, independently of the CLI: the JSON typed, whole, as one
    # word after the flag, and the length asked
    assert words[:3] == ["vllm", "serve", "Qwen/Qwen3-8B"]
    assert json.loads(words[words.index("--hf-overrides") + 1]) == json.loads(YARN)
    assert words[words.index("--max-model-len") + 1] == "131072"


def test_a_malformed_json_stays_in_its_field_with_the_reason_under_it() -> None:
    # it was refused at the page's top and the field emptied (the state kept none), so the
    # text was lost; now the field keeps it, the reason in the options fold under it, and the
    # plan keeps the value before (none: no --hf-overrides in the command)
    at = open_page(None, model="Qwen/Qwen3-8B", gpu="h100-sxm", gpn="1")
    typed = '{"rope_scaling": {"factor": 4.0'
    at.text_input(key="plan.hf_overrides").set_value(typed).run()
    assert not at.exception
    assert at.text_input(key="plan.hf_overrides").value == typed
    options = at.expander(key="plan.more_options")
    [refusal] = options.get_by_key("refused-plan.hf_overrides").warning
    assert refusal.value.startswith(f"HF overrides (JSON) = {typed} refused: {typed!r} is not "
                                    "a JSON object of config keys")
    assert refusal.value.endswith(" Kept empty (the default).")
    assert not [w for w in at.main.warning if w.value.startswith("HF overrides")
                and w not in options.warning]  # once, under the field
    assert "hfov" not in at.query_params and "--hf-overrides" not in launch_command(at)
    # corrected, it is taken and the reason goes
    at.text_input(key="plan.hf_overrides").set_value(YARN).run()
    assert not at.exception and "--hf-overrides" in launch_command(at)
    assert not any(w.value.startswith("HF overrides") for w in at.warning)


def test_a_number_out_of_range_stays_typed_with_the_reason_under_its_row() -> None:
    # max_num_seqs sits in half of the right column: its reason goes under the pair, in the
    # column (a quarter-wide box wrapped it a few words a line); max_model_len's under it
    at = open_page(None, model="Qwen/Qwen3-8B", gpu="h100-sxm", gpn="1")
    at.number_input(key="plan.max_num_seqs").set_value(10**9).run()
    assert not at.exception
    assert at.number_input(key="plan.max_num_seqs").value == 10**9  # kept to correct
    right = next(c for c in at.columns if any(
        n.key == "plan.max_model_len" for n in c.number_input))
    [refusal] = right.get_by_key("refused-plan.max_num_seqs").warning
    assert refusal.value == ("max_num_seqs = 1,000,000,000 refused: the value must be less "
                             "than or equal to 65,536. Kept empty (the default).")
    assert "seqs" not in at.query_params  # planned with vLLM's default meanwhile
    # a change elsewhere keeps the field and its reason (nothing was taken)
    at.number_input(key="plan.output_len").set_value(512).run()
    assert at.number_input(key="plan.max_num_seqs").value == 10**9
    assert right.get_by_key("refused-plan.max_num_seqs").warning
    at.number_input(key="plan.max_num_seqs").set_value(64).run()
    assert at.query_params["seqs"] == "64"
    assert not any("refused" in w.value for w in at.warning)


def test_the_recommend_pages_refused_number_is_not_searched() -> None:
    # keep's fields: the page reads the value in force (the one kept), not the one shown (a
    # workload of 0 input tokens is no Workload: the search would fail on it)
    at = open_page("recommend", model="Qwen/Qwen3-8B")
    at.number_input(key="recommend.input_len").set_value(0).run()
    assert not at.exception
    assert at.number_input(key="recommend.input_len").value == 0
    [refusal] = at.main.get_by_key("refused-recommend.input_len").warning
    assert refusal.value == ("Input tokens = 0 refused: the value must be greater than or "
                             "equal to 1. Kept 1,024.")
    at.button(key="recommend.run").click().run()
    assert not at.exception and not at.error
    assert "$/hour" in at.dataframe[-1].value.columns


def test_the_sweeps_fits_column_marks_a_fit_past_the_models_length() -> None:
    # Qwen3-8B (max_position_embeddings 40,960) at 65,536 tokens with "Allow a context longer
    # than the model's": every fitting row fits on figures that leave out the output past
    # 40,960 tokens (unmodelled, as the Plan's own verdict), so it reads yes*, not a tick
    # like a plain fit; the column's tooltip says what the asterisk means
    at = open_page(None, model="Qwen/Qwen3-8B", gpu="h100-sxm", gpn="1", len="65536",
                   longlen="1")
    at.button(key="plan.run_sweep").click().run()
    assert not at.exception
    grid = at.dataframe[-2]
    cells = list(grid.value["fits"])
    assert cells and set(cells) == {"yes*"}
    assert "yes*: it fits only on figures that leave parts out" in COLUMN_HELP["fits"]
    assert COLUMN_HELP["fits"] in grid.proto.columns  # the fits column's tooltip
    [named] = [w.value for w in at.warning if w.value.startswith("yes\\*: ")]  # Markdown
    assert named.startswith(f"yes\\*: {len(cells)} rows (1-{len(cells)}, counted from the top) "
                            "fit on figures that leave out output past the model's 40,960 "
                            "tokens")


def test_a_refused_pruning_rate_stays_in_its_field_with_the_reason_under_it() -> None:
    # --video-pruning-rate takes 0 <= R < 1 (AppState): 1.5 typed stays in the options fold's
    # field with the reason under it, the plan without the flag
    at = open_page(None, **QWEN3_VL)
    at.number_input(key="plan.video_pruning_rate").set_value(1.5).run()
    assert not at.exception
    assert at.number_input(key="plan.video_pruning_rate").value == 1.5
    options = at.expander(key="plan.more_options")
    [refusal] = options.get_by_key("refused-plan.video_pruning_rate").warning
    assert refusal.value == (f"{LABELS['video_pruning_rate']} = 1.5 refused: the value must be "
                             "less than 1. Kept empty (the default).")
    assert "vprune" not in at.query_params
    assert "--video-pruning-rate" not in launch_command(at)
