"""Headroom: plan LLM inference capacity on your own GPUs (`streamlit run app.py`)."""

import streamlit as st

from ui.context import HARDWARE_PAGE, MODEL_PAGE, gpu_present
from ui.sidebar import render_sidebar
from ui.state import init_state, pop_refusals, sync_query_params

st.set_page_config(page_title="Headroom", page_icon=":material/memory:", layout="wide")
init_state("audit" if gpu_present() else "preset")
# Streamlit pads the page 6rem above the title, under a 60 px header that is empty here: at
# 1366x768 the Plan page's TTFT and TPOT figures ended 14 px below the fold (gpt-oss-120b on
# 8x H200); 4rem kept them in view until a plan's warnings were named in a line under the
# verdict (DeepSeek-V4-Flash on 8x H200: the figures' row 2 px below); 3rem (48 px) still
# keeps the title, which opens with its own margin, clear of the header's menu button
# a message box's, a table's, a paragraph's or a caption's inline code (a flag: ui.context.
# flags_as_code, as app_markdown shows it; the report's `python -m probes --json > node.json`)
# on one line: wrapped, the browser split '--max-model-len' (and '--json') after a hyphen
# a number field narrower than 160 px (the Plan page's load fields and, from about 1300 px,
# max_num_seqs and Batched tokens, in a third of the row) without its - and + buttons: Streamlit
# draws them from some width on, and they left 40 px for the number ("16384" read "163" at
# 1366 px; the input tokens' "131072" "13107" at 1440); the arrow keys still step; the
# max_model_len field's under 240 px, where they cut its placeholder (DeepSeek-V3's "the
# model's: 163,84" at 1024 px)
# a static table's (st.table's) cells as wide as the page lets them, where Streamlit caps
# each at 400 px: the Compare page's verdicts ran four lines in half the table's width, the
# Hardware page's sources three; a two-column table's row names (a fact, a compared model's
# repo id) on one line, where "Qwen/Qwen3-235B-A22B-GPTQ-Int4" split after a hyphen
# a terms table's row (ui.tables.terms_table: figure, value, formula, inputs, note) as a grid:
# the figure and value in fixed columns, the formula and its inputs half the rest each, the
# note under them across both (its header hidden); five table columns in 784 px at 1280 px
# squeezed each formula into 130 px, the notes' prose taking the room
# below 1100 px the page's sides padded 1rem, not 5rem, and the sidebar 230 px, not 300: at
# 1024 px 5rem left 564 px for the page (the Compare grid's concurrency, the Recommend and
# sweep grids' speed columns out of sight to the right; TTFT "885 …" and TPOT "22.2…" cut),
# 1.5rem 676 px (the sweep's 728 px of columns, the Recommend page's 740, six long names'
# 755 on the Compare page), now 762
# and the Plan page's first row's columns 1.85 : 0.75 : 1.2, not 1.6 : 1 : 1.2 (TP, PP and DP
# are short figures), the arrivals half 1.1 of 2.1, not 1: at 1024 px the quantization read
# "Checkpoint: GPTQ int4, group 128 (W4/", the arrivals "staggered arr" and the load row's
# label "Concurren" / "cy"; a checkbox's label on two lines, not cut ("Expert parallel …");
# the Compare page's charts one a row, not two (six long names cut at each one's left edge)
# a button's label on two lines where its column is narrow, not cut: the Plan page's "Use the
# hardware's layout (TP=8 + EP)" read "Use the hardware's layout (…" at 1024 px
# a metric's figure in a column under 140 px at 1.75rem, not 2.25rem, whole, and its label
# on two lines, not cut ("Output tokens…", "Tokens/s per r…" at 1024 px), each such label two
# lines tall so the figures of a row stay level
# a launch command's line (ui.format.shell_block: an option a line) longer than its block, an
# --hf-overrides JSON, wrapped (st.code's wrap_lines), not scrolled sideways at 1280 px, its
# continuation 4ch in under its option (a hanging indent: at the block's left edge it read as
# a line of its own; an inline block a line, as wide as the block: a block-level one made the
# text a copy reads, innerText, a blank line between lines); a word longer than the line (a
# JSON typed without blanks) broken anywhere
# a typed value's refusal under its field (ui.state.typed_input) in a compact box, 14 px with
# 0.5 x 0.75rem of padding, its quoted value broken anywhere: in a 170 px column the warning's
# 16 px and 1rem padding wrapped a malformed JSON's refusal a few characters a line
# a field's help icon ("?") 0.25rem clear of its label, which wraps before it: a label that
# filled its column ran into it ("Batched tokens?" and "...extensible KV?" at 1024 px, "Output
# tokens?" at 1280; a row's fields stay level at the bottom where a label wraps)
# the Plan page's "More vLLM options", open: its panel as wide as the row it shares with the
# arrivals (the Quantization field's width: 335 px at 1280 px, not 171), its header a tab on
# it 0.25rem taller than the arrivals' box, so the panel starts under that box; in its half of
# the row the labels wrapped ("KV block size / (tokens)", "All-to-all backend / (DP + EP)",
# "Expert-parallel / load balancer / (EPLB)"). Folded, one line high beside the arrivals as
# before: the figures stay where they were
st.html("<style>[data-testid=stMainBlockContainer] {padding-top: 3rem} "
        "@media (max-width: 1100px) {[data-testid=stMainBlockContainer] "
        "{padding-left: 1rem; padding-right: 1rem} "
        "[data-testid=stSidebar] {width: 230px !important; min-width: 230px !important} "
        "[data-testid=stHorizontalBlock]:has(> * > * > .st-key-plan-quant) > "
        "[data-testid=stColumn] {flex: 1.2 1 0; min-width: 0} "
        "[data-testid=stHorizontalBlock]:has(> * > * > .st-key-plan-quant) > "
        "[data-testid=stColumn]:first-child {flex: 1.85 1 0} "
        "[data-testid=stHorizontalBlock]:has(> * > * > .st-key-plan-quant) > "
        "[data-testid=stColumn]:nth-child(2) {flex: 0.75 1 0} "
        "[data-testid=stHorizontalBlock]:has(> * > * > .st-key-plan-arrival) > "
        "[data-testid=stColumn] {flex: 1 1 0} "
        "[data-testid=stHorizontalBlock]:has(> * > * > .st-key-plan-arrival) > "
        "[data-testid=stColumn]:last-child {flex: 1.1 1 0} "
        ".st-key-compare-charts [data-testid=stHorizontalBlock] {flex-wrap: wrap} "
        ".st-key-compare-charts [data-testid=stColumn] {flex: 1 1 100%; min-width: 100%}} "
        ":is([data-testid=stCheckbox], [data-testid=stButton], [data-testid=stDownloadButton]) "
        ":is(.stMarkdownEllipsis, .stMarkdownEllipsis p) "
        "{white-space: normal} "
        "[data-testid=stCode] code.language-bash > span {display: inline-block; width: 100%; "
        "box-sizing: border-box; padding-left: 4ch; text-indent: -4ch; "
        "overflow-wrap: anywhere} "
        "[class*=st-key-refused-] [data-testid=stAlertContainer] {padding: 0.5rem 0.75rem} "
        "[class*=st-key-refused-] [data-testid=stMarkdownContainer] {font-size: 0.875rem; "
        "overflow-wrap: anywhere} "
        "[data-testid=stWidgetLabel] > div:has(> [data-testid=stTooltipIcon]) "
        "{padding-left: 0.25rem} "
        "[data-testid=stMetric] {container-type: inline-size} "
        "@container (max-width: 140px) {[data-testid=stMetricValue] {font-size: 1.75rem} "
        "[data-testid=stMetricLabel] {min-height: 2.8rem; align-items: start} "
        "[data-testid=stMetricLabel] [data-testid=stMarkdownContainer].stMarkdownEllipsis "
        "p {white-space: normal}} "
        "[data-testid=stTable] td [data-testid=stMarkdownContainer] {max-width: none} "
        "[data-testid=stTable] tr:not(:has(> :nth-child(3))) > th[scope=row] "
        "[data-testid=stMarkdownContainer] p {white-space: nowrap} "
        "[class*=st-key-terms-] :is(table, thead, tbody) {display: block} "
        "[class*=st-key-terms-] tr {display: grid; "
        "grid-template-columns: 8rem 9rem minmax(0, 1fr) minmax(0, 1fr)} "
        "[class*=st-key-terms-] tbody :is(th, td:nth-child(2)) {grid-row: span 2} "
        "[class*=st-key-terms-] :is(td, th):last-child {grid-column: 3 / -1} "
        "[class*=st-key-terms-] thead th:last-child {display: none} "
        # a figure kept whole (ui.format.figures_whole): the bare span of a `:color[...]`, an
        # inline block as wide as its text up to its cell's width; a word or a figure wider than
        # its cell broken where it must (at 1024 px "gpu_memory_utilization" ran out of its cell)
        "[class*=st-key-terms-] td [data-testid=stMarkdownContainer] p {overflow-wrap: anywhere} "
        "[class*=st-key-terms-] td span:not([class], [style]) {display: inline-block; "
        "max-width: 100%} "
        "[data-testid=stAlert] code, [data-testid=stTable] code, "
        "[data-testid=stMarkdown] :is(p, li) > code {white-space: nowrap} "
        "[data-testid=stNumberInputContainer] {container-type: inline-size} "
        "@container (max-width: 160px) {:is([data-testid=stNumberInputStepDown], "
        "[data-testid=stNumberInputStepUp]) {display: none}} "
        "@container (max-width: 240px) {.st-key-plan-max_model_len "
        ":is([data-testid=stNumberInputStepDown], [data-testid=stNumberInputStepUp]) "
        "{display: none}} "
        "[data-testid=stHorizontalBlock]:has(> * > * > .st-key-plan-more_options) "
        "{container-type: inline-size} "
        ".st-key-plan-more_options details[open] {border-style: none} "
        ".st-key-plan-more_options details[open] > * {border: 1px solid; "
        "border-color: inherit} "
        ".st-key-plan-more_options details[open] > summary {border-bottom: none; "
        "border-radius: 0.5rem 0.5rem 0 0; min-height: 2.75rem} "
        ".st-key-plan-more_options details[open] > [data-testid=stExpanderDetails] "
        "{width: 100cqw; border-radius: 0 0.5rem 0.5rem; position: relative; z-index: 1}"
        "</style>")
navigation = st.navigation(
    [
        *(st.Page(page.path, title=page.title, icon=page.icon)
          for page in (HARDWARE_PAGE, MODEL_PAGE)),
        st.Page("ui/pages/plan.py", title="Plan", icon=":material/calculate:", default=True),
        st.Page("ui/pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
        st.Page("ui/pages/recommend.py", title="Recommend", icon=":material/savings:"),
        st.Page("ui/pages/report.py", title="Report", icon=":material/description:"),
    ]
)
sync_query_params()
render_sidebar()
for refusal in pop_refusals():
    st.warning(refusal, icon=":material/block:")
navigation.run()
