"""The Plan page on a link asking for an fp8 KV cache vLLM refuses for a dense-MLA model:
DeepSeek-V2-Lite on an A100 at vLLM 0.12.0 (no MLA backend lists fp8 off 9.x and 10.x there:
attention_backend.dense_mla_backends) says why in the refusal's words and plans auto."""

from planner.text import md_escape
from tests.app.conftest import open_page

REFUSAL = (
    "No valid attention backend found for cuda with kv_cache_dtype=fp8. Reasons: "
    "{FLASH_ATTN_MLA: [kv_cache_dtype not supported, compute capability not supported], "
    "FLASHMLA: [compute capability not supported], FLASHINFER_MLA: [compute capability not "
    "supported], CUTLASS_MLA: [compute capability not supported], TRITON_MLA: [kv_cache_dtype "
    "not supported]} (compute capability 8.0). Use --kv-cache-dtype auto or a GPU of compute "
    "capability 9.x (FLASHMLA).")


def test_the_refused_fp8_cache_is_said_and_auto_is_planned() -> None:
    at = open_page(None, gpu="a100-80gb", gpn="1", model="deepseek-ai/DeepSeek-V2-Lite-Chat",
                   kv="fp8", vllm="0.12.0")
    assert not at.exception and not at.error
    assert at.warning[0].value == (f"KV cache dtype = fp8 is not possible here: "
                                   f"{md_escape(REFUSAL)} Showing KV cache dtype = auto instead.")
    kv = at.selectbox(key="plan.kv_cache_dtype")
    assert kv.options == ["auto"] and kv.value == "auto"  # bfloat16 is listed from 0.15 only
    assert at.query_params["kv"] == "auto"
