"""The app names a setting it refuses, and the one its nearest fit changes, by the label of
the field the user changes (ui.state.LABELS), not by the state's field name (kv_cache_dtype,
max_num_batched_tokens, gpu_memory_gib) or the CLI's flag (--max-model-len): the CLI's words
stay the CLI's."""

import pytest

from tests.app.conftest import open_link, open_page
from ui.state import LABELS

WIDGETS = ("number_input", "selectbox", "checkbox", "slider", "text_input", "radio",
           "multiselect")


def test_a_kv_dtype_the_gpu_cannot_serve_is_refused_under_its_fields_label() -> None:
    # a V100 (compute capability 7.0) runs no FP8 KV cache (vLLM wants 8.9 for fp8e4nv): the
    # linked fp8 is dropped for auto; it read "kv_cache_dtype=fp8 is not possible here: ...
    # Showing kv_cache_dtype=auto instead." beside a field labelled "KV cache dtype"
    at = open_link("plan", model="Qwen/Qwen3-8B", gpu="v100-32gb", gpn="1", kv="fp8")
    assert not at.exception
    [warning] = [w.value for w in at.main.warning if "not possible here" in w.value]
    assert warning.startswith("KV cache dtype = fp8 is not possible here: FP8 KV cache is not "
                              "supported by the Triton attention backend")
    assert warning.endswith(" Showing KV cache dtype = auto instead.")
    assert at.selectbox(key="plan.kv_cache_dtype").label == "KV cache dtype"


def test_a_refused_choice_is_named_as_its_list_shows_it_not_by_its_key() -> None:
    # the Quantization list shows "Checkpoint: <format>" and "What-if: <format>", the KV cache
    # dtype list vLLM's spellings (bfloat16): the refusals named the state's keys (fp8-tensor,
    # checkpoint, bf16), none of them in the list. A V100 (7.0) runs no FP8 weights (vLLM's
    # Fp8Config wants 7.5); a T4 (7.5) no bfloat16 KV cache (SM80+)
    at = open_link("plan", model="Qwen/Qwen3-8B", gpu="v100-32gb", gpn="1", quant="fp8")
    [warning] = [w.value for w in at.main.warning if "not possible here" in w.value]
    assert warning.startswith(
        'Quantization = "What-if: FP8 E4M3, per-tensor scale" is not possible here: ')
    # the list names the BF16 checkpoint as the V100, without bfloat16, serves it
    assert warning.endswith(' Showing Quantization = "Checkpoint: BF16, served in FP16" '
                            'instead.')
    assert at.selectbox(key="plan.quant").options[0] == "Checkpoint: BF16, served in FP16"
    at = open_link("plan", model="Qwen/Qwen3-8B", gpu="t4", gpn="1", kv="bf16")
    [warning] = [w.value for w in at.main.warning if "not possible here" in w.value]
    assert warning.startswith("KV cache dtype = bfloat16 is not possible here: bfloat16 KV "
                              "cache is not supported on Tesla T4 (compute capability 7.5)")
    assert warning.endswith(" Showing KV cache dtype = auto instead.")
    # the list's spellings are vLLM's: float16 (the key fp16) where bfloat16 is refused
    assert "float16" in at.selectbox(key="plan.kv_cache_dtype").options


def test_the_nearest_fit_of_a_too_long_context_names_the_field_not_the_flag() -> None:
    # Qwen3-8B's config.json: max_position_embeddings 40960, the longest max_model_len vLLM
    # derives; asked for 1,000,000 the nearest change is that length, which the Plan page's
    # max_model_len field sets (it read "`--max-model-len 40960`", a flag the app has no box for);
    # the length asked fits with the "Allow a context longer than the model's" box, named so
    at = open_link("plan", model="Qwen/Qwen3-8B", gpu="rtx-3090", gpn="8", len="1000000")
    assert not at.exception
    advice = ("Nearest change: max_model_len 40960 fits. For the length asked: the \"Allow a "
              "context longer than the model's\" box fits at 1,000,000 tokens (unmodelled: "
              "output past the model's 40,960 tokens (VLLM_ALLOW_LONG_MAX_MODEL_LEN=1)).")
    assert [i.value for i in at.info if "Nearest change" in i.value] == [
        advice, f"No launch command: the plan does not fit (see the verdict). {advice}"]
    assert at.number_input(key="plan.max_model_len").label.startswith("max_model_len ")


def test_a_number_typed_out_of_range_is_refused_under_its_label() -> None:
    # the field labelled "Batched tokens" (vLLM's max_num_batched_tokens): its refusal read
    # "max_num_batched_tokens = 0 refused", a name nowhere on the page
    at = open_page()
    at.number_input(key="plan.max_num_batched_tokens").set_value(0).run()
    assert not at.exception
    assert [w.value for w in at.main.warning if "refused" in w.value] == [
        "Batched tokens = 0 refused: the value must be greater than or equal to 1. Kept empty "
        "(the default)."]


@pytest.mark.parametrize("page", ["plan", "hardware", "compare"])
def test_each_field_is_shown_under_the_label_its_refusals_name(page: str) -> None:
    # every widget bound to a state field ("<page>.<field>") is labelled with LABELS[field]
    # (then what it adds in brackets), so a refusal naming the label names the field seen
    at = open_page(page)
    assert not at.exception
    bound = [(widget.key.split(".", 1)[1], widget.label) for kind in WIDGETS
             for widget in getattr(at, kind) if widget.key and "." in widget.key]
    checked = [(field, label) for field, label in bound if field in LABELS]
    assert len(checked) >= 3, bound
    for field, label in checked:
        assert label == LABELS[field] or label.startswith(f"{LABELS[field]} "), (field, label)
