"""Model page: pick from the catalog or any hub repo; architecture card, parameters, checkpoint."""

import pandas as pd
import plotly.express as px
import streamlit as st

from planner.catalog import catalog_entries
from planner.model.checkpoint import ModelSource
from planner.model.params import ParamBreakdown, count_params
from planner.model.quant import checkpoint_scheme
from planner.report import ModelCard, context_note, model_card, param_check_line
from planner.serving.weights import weights_bytes
from planner.text import md_escape, sentence, shortened
from ui import format as fmt
from ui.charts import MODEBAR
from ui.context import (
    TOKEN_KEY,
    USER_ERRORS,
    current_spec,
    error_text,
    model_source,
    show_error,
)
from ui.io import server_token_allowed
from ui.state import SHOWN_CHARS, keep, refused, set_state, state
from ui.tables import number_column

_TOKEN_WIDGET = "model.token"
_FETCH_ERROR_KEY = "model.fetch_error"
_CHOICE_KEY = "model.catalog_choice"
_TAB_KEY = "model.source_tab"
CATALOG_TAB, HUB_TAB = "Bundled catalog", "Any Hugging Face repo"
_SWITCHED_KEY = "model.switched_to"
# the hub form's revision field: a key not ending in ".revision", which set_state drops as a
# widget bound to the state's revision (it emptied the field beside the repo id fetched)
_REVISION_FIELD = "model.revision_typed"


def _keep_token() -> None:
    """on_change of the token field: keep it for this session only, then clear the field."""
    st.session_state[TOKEN_KEY] = st.session_state[_TOKEN_WIDGET].strip() or None
    st.session_state[_TOKEN_WIDGET] = ""


def _forget_token() -> None:
    """on_click: drop the session's token."""
    st.session_state[TOKEN_KEY] = None


def _use(repo_id: str, revision: str = "") -> None:
    """on_click: resolve a model (a verbatim catalog entry offline, else the hub) and make it
    the current one."""
    repo_id, revision = repo_id.strip(), revision.strip()
    if not repo_id:
        st.session_state[_FETCH_ERROR_KEY] = "Type a repo id, e.g. Qwen/Qwen3-8B."
        return
    try:
        model_source(repo_id, revision)
        problem = None
    except USER_ERRORS as exc:
        problem = error_text(exc)
    # then the state's own limits: a 101-character revision the hub resolved was refused by
    # set_state, uncaught (a pydantic traceback on the page)
    problem = problem or refused(model=repo_id, revision=revision)
    if problem:
        # which model the pages plan meanwhile: the card below is still the previous one's;
        # the id shortened wherever it is echoed (a 152-character one was shown whole twice)
        shown = shortened(repo_id, SHOWN_CHARS)
        st.session_state[_FETCH_ERROR_KEY] = (
            f"Could not use {shown}: {sentence(problem).replace(repo_id, shown)} "
            f"Every page still plans {state().model}.")
        return
    set_state(model=repo_id, revision=revision)
    st.session_state[_SWITCHED_KEY] = repo_id


def _use_typed() -> None:
    """on_click of "Fetch and use" (a click, or Enter in the repo id or revision field): the
    repo id and revision as the fields hold them now. A field typed in without Enter sends its
    text with the click, after the button was drawn, so arguments bound at drawing time were
    the text before ("Type a repo id" for a field just filled in, or the previous repo id used
    instead of the one typed)."""
    _use(st.session_state["model.repo"], st.session_state[_REVISION_FIELD])


def _pickers() -> None:
    """Catalog search, or any Hugging Face repo with revision and token."""
    current, current_revision = state().model, state().revision
    # the tab of the current model's source opens: a repo fetched from the hub (or at a
    # revision) opened on the catalog, its first entry offered as a red "Use ... instead"
    from_hub = bool(current_revision) or current not in {e.repo_id for e in catalog_entries()}
    if from_hub and "model.repo" not in st.session_state:  # its repo id and revision shown
        st.session_state["model.repo"] = current
        st.session_state[_REVISION_FIELD] = current_revision
    catalog, hub = st.tabs([CATALOG_TAB, HUB_TAB], default=HUB_TAB if from_hub else CATALOG_TAB,
                           key=_TAB_KEY, on_change="rerun")
    with catalog:
        # kept in the session across pages (keep): Streamlit forgot it once the page was left
        query = st.text_input("Search", placeholder="qwen3, llama, deepseek, fp8…",
                              **keep("model.search", "")).strip().lower()
        ids = [e.repo_id for e in catalog_entries()
               if query in f"{e.repo_id} {e.family}".lower()]
        if not ids:
            st.warning(f"No catalog model matches {md_escape(repr(query))}; try the Hugging "
                       "Face tab.")
        else:
            if st.session_state.get(_CHOICE_KEY) not in ids:  # first visit, or filtered out
                # none picked for the user: an unrelated first entry stood offered in its place
                st.session_state[_CHOICE_KEY] = current if current in ids else None
            choice = st.selectbox("Model", ids, key=_CHOICE_KEY,
                                  placeholder="Pick a catalog model",
                                  format_func=lambda i: f"{i} (current)" if i == current else i)
            if choice is None:
                st.caption(f"Every page plans {md_escape(current)} now, which is not picked "
                           "here: pick a catalog model to use it instead.")
            elif choice == current:
                st.caption("This is the model every page plans now.")
            else:
                st.button(f"Use {md_escape(choice)} instead of {md_escape(current)}",
                          on_click=_use, args=(choice,),
                          key="model.use_catalog", type="primary")
    with hub:
        # a form, so Enter in either field fetches as the button does (and leaving the repo
        # id field for the revision does not fetch the default branch first, as an on_change
        # would); the token field stays outside it: a widget in a form takes no on_change
        with st.form("model.hub", border=False):
            st.text_input("Repo id", placeholder="org/name", key="model.repo")
            st.text_input("Revision (branch, tag or commit; optional)", key=_REVISION_FIELD)
            st.form_submit_button("Fetch and use", on_click=_use_typed, key="model.fetch")
        st.text_input("Access token (gated or private repos; kept for this session only)",
                      type="password", key=_TOKEN_WIDGET, on_change=_keep_token)
        if st.session_state.get(TOKEN_KEY):
            st.caption("A token is set for this session.")
            st.button("Forget the token", on_click=_forget_token, key="model.forget_token")
        elif server_token_allowed():
            st.caption("Without a token of yours, this server's own Hugging Face login is used.")
        else:
            st.caption("This server does not lend its own Hugging Face login: private and "
                       "gated repos need your token.")
    fetch_error = st.session_state.pop(_FETCH_ERROR_KEY, None)
    if fetch_error:  # once, as the success below: it stayed through the next search
        st.error(md_escape(fetch_error))
    switched = st.session_state.pop(_SWITCHED_KEY, None)
    if switched:
        st.success(f"Now planning {md_escape(switched)}: the Plan, Compare and Report pages use "
                   "it.", icon=":material/check_circle:")


def _params_metric(label: str, n_params: int) -> tuple[str, str]:
    """A parameter count as a metric: its unit in the label, the figure alone ("Parameters
    (billions)", "235.1"). In words in the figure, "235.1 billion" read "235.1 bi…" at 1024 px
    in its quarter of the row, and Kimi-K2's "1,026.4 billion" "1,026.4 bill…" at 1280."""
    figure, unit = fmt.params(n_params).split()
    return f"{label} ({unit}s)", figure


def _card(card: ModelCard) -> None:
    """Headline facts, then every field with where it came from."""
    cols = st.columns(4)
    cols[0].metric(*_params_metric("Parameters", card.params_total))
    # "Active per token (billions)" read "Active per token (bill…" at 1024 px
    cols[1].metric(*_params_metric("Active", card.params_active),
                   help="the parameters each token uses; embeddings and lm_head included; "
                   f"{fmt.params(card.params_active - card.params_embeddings)} without the "
                   "input embedding table, as publishers often count (OpenAI's gpt-oss)")
    cols[2].metric("Layers", card.num_layers)
    cols[3].metric("Max context (tokens)", f"{card.derived_max_model_len:,}",
                   help=f"the max_model_len vLLM {card.vllm_version} (the sidebar's release) "
                   "derives from config.json: the longest --max-model-len it accepts")
    note = context_note(card.vllm_version, card.max_context_tokens, card.derived_why)
    if note:
        st.caption(md_escape(f"Max context: {note}."))
    facts = {
        "Source": card.source,
        "Architecture": f"{card.model_type} ({', '.join(card.architectures) or '—'})",
        "Attention": card.attention_pattern,
        "Heads (query / KV / head_dim)": f"{card.num_heads} / {card.num_kv_heads} / "
        f"{card.head_dim}",
        "Experts": card.experts or "dense",
        "Checkpoint format": card.checkpoint_format,
        "RoPE scaling": card.rope_scaling or "none",
    }
    st.table(pd.Series({k: md_escape(v) for k, v in facts.items()}, name="value"))
    if card.param_check is not None:
        check = card.param_check
        (st.info if check.agrees is not False else st.warning)(
            md_escape(param_check_line(check)))
    if card.fields:
        with st.expander("Every field and its source"):
            st.dataframe(pd.DataFrame([f.model_dump() for f in card.fields]), hide_index=True)
    for text in (*card.assumptions, *card.warnings):
        st.caption(md_escape(text))


def _params_label(count: int) -> str:
    """A component's parameters as its bar's label: billions to two decimals ("227.04"), or
    millions below 0.01 billion ("0.82 million"), where "0.00" read as none."""
    return f"{count / 1e9:,.2f}" if count >= 10**7 else f"{count / 1e6:,.2g} million"


def _breakdown_chart(params: ParamBreakdown) -> None:
    """Parameters by component (billions)."""
    parts = {
        "embeddings": params.embeddings, "lm_head": params.lm_head,
        "attention": params.attention, "dense MLP": params.dense_mlp,
        "routed experts": params.routed_experts, "shared experts": params.shared_experts,
        "routers": params.routers, "norms": params.norms + params.final_norm,
        "vision tower": params.vision, "MTP (not loaded)": params.mtp,
    }
    shown = {name: count for name, count in parts.items() if count > 0}
    table = pd.DataFrame({"component": list(shown),
                          "billions": [v / 1e9 for v in shown.values()],
                          "value": [_params_label(v) for v in shown.values()]})
    fig = px.bar(table, x="billions", y="component", orientation="h", text="value")
    # beside each bar, not in it: the norms' 0.0008 billion beside 227 is a bar of no pixels
    fig.update_traces(textposition="outside", cliponaxis=False)
    # t: the top bar and its figure under the modebar's 26 px, not behind it (at 10 px the
    # modebar covered the routed experts' "227.10" while the pointer was on the chart)
    fig.update_layout(height=80 + 32 * len(table), margin={"t": 30, "b": 10, "r": 80},
                      yaxis={"categoryorder": "total ascending"}, modebar=MODEBAR)
    st.plotly_chart(fig, width="stretch")


def _checkpoint(source: ModelSource) -> None:
    """The checkpoint's format and sizes: planned weights, and the hub's files when known."""
    spec = current_spec()
    own = checkpoint_scheme(spec)
    planned = weights_bytes(spec, own).total_bytes
    st.markdown(f"**{own.label}**: {own.bits_per_weight:.2f} bits per weight; weights in GPU "
                f"memory {fmt.gib(planned)} ({fmt.gb(planned)}).")
    checkpoint = source.checkpoint
    if checkpoint is None:
        st.caption(f"File sizes need the hub ({source.origin} answer). "
                   + md_escape(" ".join(source.notes)))
        return
    if checkpoint.safetensors_bytes:
        st.markdown(f"Safetensors on disk: {fmt.gb(checkpoint.safetensors_bytes)} "
                    f"({fmt.gib(checkpoint.safetensors_bytes)}).")
    if checkpoint.params_by_dtype:
        st.dataframe(pd.DataFrame({"stored dtype": list(checkpoint.params_by_dtype),
                                   "elements": list(checkpoint.params_by_dtype.values())}),
                     hide_index=True, column_config={"elements": number_column()})
    if checkpoint.gguf_files:
        st.dataframe(pd.DataFrame([{"GGUF file": f.path, "size": fmt.gb(f.size_bytes)}
                                   for f in checkpoint.gguf_files]), hide_index=True)


st.title("Model")
_pickers()
try:
    source = model_source(state().model, state().revision)
    spec = current_spec()
    params = count_params(spec)
    card = model_card(spec, source, state().vllm_version)
except USER_ERRORS as exc:
    show_error(f"Cannot read {md_escape(state().model)}", exc)
    st.stop()
st.subheader(md_escape(card.name))
_card(card)
# the CLI's stderr notes: a tokenizer or processor file not read
for problem in filter(None, (source.tokenizer_problem, *source.processor_problems)):
    st.caption(md_escape(problem))
left, right = st.columns(2)
with left:
    st.markdown("**Parameters by component**")
    _breakdown_chart(params)
with right:
    st.markdown("**Checkpoint**")
    _checkpoint(source)
