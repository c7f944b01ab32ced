"""Model page: the default catalog model, picking another, hub input errors, the token."""

import json

import pytest

from planner.text import md_escape
from tests.app.conftest import ROOT, hub_answers, open_page, texts
from ui.context import TOKEN_KEY


def test_default_model_card_and_breakdown() -> None:
    at = open_page("model")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    # Qwen3-235B-A22B model card: "235B in total and 22B activated".
    # tests/fixtures/param_counts.json (transformers on the meta device): 235,093,634,560,
    # in words: "235B" beside the page's byte figures read as bytes
    assert metrics["Parameters (billions)"] == "235.1"
    # active: less the 120 unrouted of 128 experts in each of 94 layers, 3 x 4,096 x 1,536
    # each (config.json): 235,093,634,560 - 94 x 120 x 18,874,368 = 22,190,763,520
    assert metrics["Active (billions)"] == "22.2"
    # the sidebar's model caption, beside its hardware one in GiB
    assert any(c.value.startswith("235.1 billion parameters (22.2 billion active, embeddings "
                                  "included), ") for c in at.sidebar.caption)
    assert metrics["Layers"] == "94"
    page = texts(at)
    assert "64 / 4 / 128" in page  # query heads / KV heads / head_dim from config.json
    assert "128 routed, 8 per token" in page
    assert "GPTQ int4, group 128" in page
    assert len(at.get("plotly_chart")) == 1  # the parameter breakdown


def test_a_reconstructed_catalog_config_says_why_the_hub_did_not_answer() -> None:
    # the seed model's catalog config is reconstructed: offline (every app test is), it
    # stands in for the hub's, and the sidebar of every page and the card's source say why
    stand_in = ("offline (HF_HUB_OFFLINE is set): using the bundled catalog config "
                "(reconstructed, unverified)")
    at = open_page("model")
    assert stand_in in [c.value for c in at.sidebar.caption]
    assert ("catalog: Qwen/Qwen3-235B-A22B-GPTQ-Int4 (reconstructed, unverified; offline "
            "(HF_HUB_OFFLINE is set))") in texts(at)
    verbatim = open_page("model", model="Qwen/Qwen3-8B")  # a verbatim copy: no such line
    assert not [c for c in verbatim.sidebar.caption if "bundled catalog" in c.value]
    assert "catalog: Qwen/Qwen3-8B\n" in texts(verbatim) + "\n"


def test_catalog_search_and_use_changes_the_model_everywhere() -> None:
    at = open_page("model")
    at.text_input(key="model.search").set_value("llama-3.1").run()
    assert "meta-llama/Meta-Llama-3.1-70B" in at.selectbox(key="model.catalog_choice").options
    at.selectbox(key="model.catalog_choice").set_value("meta-llama/Meta-Llama-3.1-70B").run()
    at.button(key="model.use_catalog").click().run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Layers"] == "80"  # Llama 3.1 70B
    assert at.query_params["model"] == "meta-llama/Meta-Llama-3.1-70B"
    assert at.sidebar.markdown[-1].value == "**meta-llama/Meta-Llama-3.1-70B**"


def test_a_search_with_no_match_says_so() -> None:
    at = open_page("model")
    at.text_input(key="model.search").set_value("zzz-no-such-model").run()
    assert any("No catalog model matches" in w.value for w in at.warning)


def test_invalid_repo_id_is_an_inline_error_and_the_page_stays_usable() -> None:
    at = open_page("model")
    at.text_input(key="model.repo").input("not a repo id!")  # a form: sent with its button
    at.button(key="model.fetch").click().run()
    assert not at.exception
    message = next(e.value for e in at.error if "Could not use not a repo id!" in e.value)
    assert "is not a Hugging Face repo id: expected owner/name" in message
    assert "path" not in message  # the hub's CLI hint (pass a config.json path) is not offered
    assert {m.label: m.value for m in at.metric}["Layers"] == "94"  # still the previous model
    assert message.endswith(md_escape("Every page still plans Qwen/Qwen3-235B-A22B-GPTQ-Int4."))
    assert at.query_params["model"] == "Qwen/Qwen3-235B-A22B-GPTQ-Int4"


def test_a_long_refused_repo_id_is_shortened_and_its_error_goes_with_the_next_action() -> None:
    # a 152-character id was echoed whole twice in its error (helper 446's review), which
    # stayed after a search in the catalog tab
    typed = "a/" + "b" * 150
    at = open_page("model")
    at.text_input(key="model.repo").input(typed)
    at.button(key="model.fetch").click().run()
    assert not at.exception
    shown = "a/" + "b" * 55 + "..."  # its first 57 characters: 60 with the dots
    assert [e.value for e in at.main.error] == [md_escape(
        f"Could not use {shown}: '{shown}' is not a Hugging Face repo id: expected owner/name "
        "such as Qwen/Qwen3-8B (letters, digits, '-', '_', '.'; at most 96 characters each). "
        "Plan a local config.json with the CLI (python -m planner). Every page still plans "
        "Qwen/Qwen3-235B-A22B-GPTQ-Int4.")]
    at.text_input(key="model.search").set_value("qwen3").run()
    assert not at.main.error


def test_a_model_pages_address_is_refused_with_the_repo_id_it_holds() -> None:
    # refused without a word on the id it holds before, as in the CLI
    at = open_page("model")
    at.text_input(key="model.repo").input("https://huggingface.co/Qwen/Qwen3-8B/tree/main")
    at.button(key="model.fetch").click().run()
    assert not at.exception
    message = next(e.value for e in at.error if e.value.startswith("Could not use "))
    assert md_escape("That is a model page's address; its repo id is Qwen/Qwen3-8B.") in message


def test_offline_fetch_failure_is_explained() -> None:
    at = open_page("model")
    at.text_input(key="model.repo").input("some-org/not-in-the-catalog")  # sent with the click
    at.button(key="model.fetch").click().run()
    assert not at.exception
    assert any(e.value.startswith("Could not use some-org/not-in-the-catalog") for e in at.error)


@pytest.mark.parametrize("typed", ["a" * 300, "acme/" + "b" * 256])
def test_a_repo_id_longer_than_a_file_name_is_refused_not_a_crash(typed: str) -> None:
    # the local-path check stat()ed it: "OSError: [Errno 36] File name too long" took the page
    # down (a file name holds at most 255 bytes, NAME_MAX); the CLI already read it as no path
    at = open_page("model")
    at.text_input(key="model.repo").input(typed)  # a form: sent with its button
    at.button(key="model.fetch").click().run()
    assert not at.exception
    message = next(e.value for e in at.error if e.value.startswith("Could not use "))
    assert "is not a Hugging Face repo id: expected owner/name" in message
    assert {m.label: m.value for m in at.metric}["Layers"] == "94"  # still the previous model


def test_a_local_path_is_refused() -> None:
    at = open_page("model")
    at.text_input(key="model.repo").input("/etc")  # a form: sent with its button
    at.button(key="model.fetch").click().run()
    assert any("looks like a local path" in e.value for e in at.error)


def test_token_is_kept_for_the_session_but_never_shown_or_linked() -> None:
    secret = "hf_" + "a" * 34
    at = open_page("model")
    at.text_input(key="model.token").set_value(secret).run()
    assert not at.exception
    assert at.session_state[TOKEN_KEY] == secret
    assert at.text_input(key="model.token").value == ""  # the field is cleared at once
    assert "A token is set for this session." in texts(at)
    assert secret not in texts(at)
    assert all(secret not in value for value in at.query_params.values())
    at.switch_page("ui/pages/plan.py").run()
    assert at.session_state[TOKEN_KEY] == secret  # survives page changes
    at.switch_page("ui/pages/model.py").run()
    at.button(key="model.forget_token").click().run()
    assert at.session_state[TOKEN_KEY] is None


def test_the_context_is_the_window_the_sidebars_release_derives(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Qwen3-8B's config with Qwen's yarn block (4 x original 32,768 = 131,072): vLLM 0.19
    # derives 131,072, 0.30 on keep max_position_embeddings 40,960 (yarn is not scaled)
    config = json.loads((ROOT / "tests/fixtures/configs/Qwen__Qwen3-8B.json").read_text())
    config["rope_scaling"] = {"rope_type": "yarn", "factor": 4.0,
                              "original_max_position_embeddings": 32768}
    hub_answers(monkeypatch, "example/qwen3-yarn", config)
    note = ("vLLM 0.19.0's derived max_model_len, not max_position_embeddings 40,960: yarn "
            "factor 4 x original_max_position_embeddings 32,768 rope scaling.")
    at = open_page("model", model="example/qwen3-yarn", vllm="0.19.0")
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Max context (tokens)"] == "131,072"
    assert f"Max context: {note}" in [c.value for c in at.caption]
    sidebar = [c.value for c in at.sidebar.caption]
    assert any(c.endswith(", 131,072 tokens") for c in sidebar)
    assert f"Context: {note}" in sidebar
    newer = open_page("model", model="example/qwen3-yarn", vllm="0.30.0")
    assert {m.label: m.value for m in newer.metric}["Max context (tokens)"] == "40,960"
    assert not [c for c in newer.sidebar.caption if c.value.startswith("Context:")]
    assert any(c.value.endswith(", 40,960 tokens") for c in newer.sidebar.caption)


def test_a_repo_id_typed_without_enter_is_the_one_fetched() -> None:
    # in a browser, filling the field and clicking "Fetch and use" sends the text with the
    # click, in one rerun: the button's arguments, bound when it was drawn, were the text
    # before, so a just-typed id read "Type a repo id" and a changed one used the old id
    at = open_page("model")
    at.text_input(key="model.repo").input("Qwen/Qwen3-8B")
    at.button(key="model.fetch").click()
    at.run()
    assert not at.exception and not at.error
    assert at.query_params["model"] == "Qwen/Qwen3-8B"
    at.text_input(key="model.repo").input("Qwen/Qwen3-32B")
    at.button(key="model.fetch").click()
    at.run()
    assert at.query_params["model"] == "Qwen/Qwen3-32B"
    assert any(s.value.startswith("Now planning Qwen/Qwen3-32B") for s in at.success)


def test_the_catalog_search_stays_after_a_visit_to_another_page() -> None:
    # Streamlit forgets a widget's value once its page is left: back from the Plan page the
    # search was empty again and the list the whole catalog, the current model picked
    at = open_page("model")
    at.text_input(key="model.search").set_value("deepseek").run()
    found = at.selectbox(key="model.catalog_choice").options
    assert found and all("deepseek" in option.lower() for option in found)
    at.switch_page("ui/pages/plan.py").run()
    at.switch_page("ui/pages/model.py").run()
    assert not at.exception
    assert at.text_input(key="model.search").value == "deepseek"
    assert at.selectbox(key="model.catalog_choice").options == found


def revision(at):
    """The hub form's revision field, by its label."""
    return next(field for field in at.text_input if field.label.startswith("Revision"))


def fetched(hub_reply, repo_id: str, typed_revision: str):
    """The Model page after "Fetch and use" of `repo_id` at `typed_revision`, which the hub
    answers with Qwen3-8B's config."""
    config = json.loads((ROOT / "planner" / "catalog_data" / "Qwen__Qwen3-8B.json")
                        .read_text())["config"]
    hub_reply(repo_id, config)
    at = open_page("model")
    at.text_input(key="model.repo").input(repo_id)
    revision(at).input(typed_revision)
    at.button(key="model.fetch").click()
    return at.run()


def test_a_fetched_revision_stays_in_its_field_beside_the_repo_id(hub_reply) -> None:
    # "Fetch and use" with a revision: the plans use v1, but the revision field was emptied
    # (set_state drops every widget whose key ends in ".revision"), so the form read the repo
    # id at its default branch, and a second click fetched that
    at = fetched(hub_reply, "acme/qwen", "v1")
    assert not at.exception and not at.error
    assert (at.query_params["model"], at.query_params["rev"]) == ("acme/qwen", "v1")
    assert at.text_input(key="model.repo").value == "acme/qwen"
    assert revision(at).value == "v1"
    at.button(key="model.fetch").click()
    at.run()
    assert at.query_params["rev"] == "v1"


def test_a_revision_longer_than_the_state_takes_is_refused_not_a_traceback(hub_reply) -> None:
    # the hub resolved a 101-character branch (a valid git ref), then set_state refused it
    # outside the page's check: "1 validation error for AppState revision String should have
    # at most 100 characters" in an exception box (the state's revision: max_length=100)
    at = fetched(hub_reply, "org/m", "r" * 101)
    assert not at.exception
    assert [e.value for e in at.error if e.value.startswith("Could not use ")] == [
        "Could not use org/m: Revision takes at most 100 characters (101 given). Every page "
        "still plans Qwen/Qwen3-235B-A22B-GPTQ-Int4."]
    assert at.query_params["model"] == "Qwen/Qwen3-235B-A22B-GPTQ-Int4"
    assert "rev" not in at.query_params


def test_a_parameter_count_metric_names_its_unit_in_its_label() -> None:
    """The figure alone, its unit in the label: "235.1 billion" read "235.1 bi…" at 1024 px.
    Qwen3-0.6B (tied embeddings): 596,049,920 parameters (tests/fixtures/param_counts.json,
    transformers on the meta device), under a billion: in millions, 596.0."""
    metrics = {m.label: m.value for m in open_page("model", model="Qwen/Qwen3-0.6B").metric}
    assert metrics["Parameters (millions)"] == "596.0"


def test_the_page_opens_on_the_tab_of_the_current_models_source(hub_reply) -> None:
    # r4: a model fetched from the hub opened on the catalog tab, its first entry picked and a
    # red "Use ... instead of acme/qwen" button offered to a user who had not touched it
    config = json.loads((ROOT / "planner" / "catalog_data" / "Qwen__Qwen3-8B.json")
                        .read_text())["config"]
    hub_reply("acme/qwen", config)
    at = open_page("model", model="acme/qwen", rev="v1")
    assert not at.exception and not at.error
    assert at.session_state["model.source_tab"] == "Any Hugging Face repo"
    assert at.text_input(key="model.repo").value == "acme/qwen"
    assert revision(at).value == "v1"
    assert at.selectbox(key="model.catalog_choice").value is None  # no entry picked for them
    assert "model.use_catalog" not in [b.key for b in at.button]
    assert ("Every page plans acme/qwen now, which is not picked here: pick a catalog model "
            "to use it instead.") in [c.value for c in at.caption]
    # picked by the user, the entry is offered
    at.selectbox(key="model.catalog_choice").set_value("Qwen/Qwen3-8B").run()
    assert at.button(key="model.use_catalog").label == "Use Qwen/Qwen3-8B instead of acme/qwen"
    # a catalog model: the catalog tab, itself picked, nothing to replace it with
    at = open_page("model", model="Qwen/Qwen3-8B")
    assert at.session_state["model.source_tab"] == "Bundled catalog"
    assert at.selectbox(key="model.catalog_choice").value == "Qwen/Qwen3-8B"
    assert "model.use_catalog" not in [b.key for b in at.button]
    assert at.text_input(key="model.repo").value == ""
