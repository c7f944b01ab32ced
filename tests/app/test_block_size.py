"""Plan page, "More vLLM options": the KV block size (vLLM --block-size), as the CLI's flag.

Gemma-2-9B (google/gemma-2-9b-it, ../shared/model-configs or the catalog: 42 layers, 8 KV
heads, head_dim 256, bfloat16, sliding window 4096 on every other layer) on one B200 (compute
capability 10.0) under vLLM 0.17.0: FlashInfer, first on Blackwell, asserts against head size
256 in 16-token blocks, and its message names the fix. Worked by hand at 32-token blocks:
  KV bytes per token and layer: 2 (K, V) x 8 heads x 256 dims x 2 B = 8,192 B
  two KV cache groups (21 sliding-window, 21 full-attention layers) share one page per layer:
  bytes per block = 21 layers x 32 tokens x 8,192 B = 5,505,024 B
  pool 139.35 GiB // 5,505,024 B = 27,180 blocks (27,180 x 5,505,024 B = 139.3507 GiB, one
  more would be 139.356 GiB), tokens = 27,180 // 2 groups x 32 = 434,880.
The 0.17.0 parser takes --block-size 1, 8, 16, 32, 64, 128, 256 (config/cache.py BlockSize,
the fixture); Headroom plans multiples of 16, and 16 is vLLM's choice.
"""

import shlex

from planner.serving.vllm_cli import command_problems, vllm_cli
from tests.app.conftest import launch_command, more_options, open_link, open_page, texts

GEMMA2 = {"model": "google/gemma-2-9b-it", "gpu": "b200", "gpn": "1", "vllm": "0.17.0"}
# vLLM's words as the Plan page shows them: each flag and its value as inline code
BUG = ("There is a bug in FlashInfer block_size 16 head size 256 support. Please avoid this "
       "combination by passing `--block-size 32` or `--block-size 64`.")
BLOCK_BYTES = 21 * 32 * (2 * 8 * 256 * 2)
BLOCKS = 27_180
# Gemma 2: sliding and full layers in 2 KV cache groups sharing the blocks; vLLM 0.17.0
# counts num_blocks // groups x block_size tokens, as the verdict says
FITS = (f"Fits: {BLOCKS:,} blocks = {BLOCKS // 2 * 32:,} KV tokens ({BLOCKS:,} // 2 KV cache "
        "groups x 32 tokens), ")


def block_size(at):
    return at.selectbox(key="plan.block_size")


def test_refused_at_vllms_choice_then_fits_at_32() -> None:
    at = open_page(None, **GEMMA2)
    assert not at.exception
    assert [e.value for e in at.error] == [f"Does not fit: {BUG}"]
    assert "bs" not in at.query_params
    # the widgets stay: the release's sizes are offered, the expander folded
    assert block_size(at).value is None
    # vLLM's choice as the default release (0.34.0) makes it: 64-token blocks
    # (config/cache.py CacheConfig.DEFAULT_BLOCK_SIZE, 16 to 0.33.0)
    assert "vLLM's choice: 16 before 0.34.0, 64 from it but 16 where ROCM_ATTN serves the " \
        "model on an AMD GPU, or the MLA backend's" in block_size(at).proto.help
    assert block_size(at).options == ["vLLM's choice", "32 tokens", "64 tokens", "128 tokens",
                                      "256 tokens"]
    assert more_options(at) == "More vLLM options"
    block_size(at).set_value(32).run()
    assert not at.exception and not at.error
    assert BLOCK_BYTES == 5_505_024 and BLOCKS // 2 * 32 == 434_880
    assert at.success[0].value.startswith(FITS), at.success[0].value
    assert f"139.35 GiB // {BLOCK_BYTES:,} B = {BLOCKS:,}" in texts(at)
    command = launch_command(at)
    words = shlex.split(command)
    assert words[words.index("--block-size") + 1] == "32", command
    assert command_problems(command, vllm_cli("0.17.0")) == []
    assert at.query_params["bs"] == "32"
    block_size(at).set_value(None).run()  # back to vLLM's choice: refused again
    assert [e.value for e in at.error] == [f"Does not fit: {BUG}"]
    assert "bs" not in at.query_params


def test_a_link_with_a_block_size_plans_it() -> None:
    at = open_link("plan", **GEMMA2, bs="64")
    assert not at.exception and not at.sidebar.warning and not at.error
    assert block_size(at).value == 64 and more_options(at) == "More vLLM options (1 set)"
    assert "--block-size 64" in launch_command(at) and at.query_params["bs"] == "64"
    # 0.18 on, the parser takes any int: a linked multiple of 16 is offered and planned
    at = open_link("plan", **{**GEMMA2, "vllm": "0.19.0"}, bs="48")
    assert not at.exception and not at.sidebar.warning
    assert block_size(at).value == 48 and "48 tokens" in block_size(at).options
    assert "--block-size 48" in launch_command(at)


def test_a_bad_block_size_in_a_link_is_named_and_the_default_planned() -> None:
    at = open_link("plan", **GEMMA2, bs="20")
    assert not at.exception
    # the field by its label and its sizes as it lists them, not the CLI's --block-size
    assert [w.value for w in at.sidebar.warning] == [
        "Link parameter bs='20' ignored: 20 tokens is no KV block size (tokens) choice: vLLM's "
        "FLASH_ATTN and TRITON_ATTN backends raise \"Block size must be a multiple of 16.\" "
        "(its MLA backends take multiples of 16 only); the covered vLLM releases offer vLLM's "
        "choice, 16 tokens, 32 tokens, 64 tokens, 128 tokens, 256 tokens, and from 0.18.0 any "
        "multiple of 16 tokens (the Plan page lists the sidebar's release's)."]
    assert block_size(at).value is None and [e.value for e in at.error] == [
        f"Does not fit: {BUG}"]
    # a size the sidebar's release does not take: its parser's words, vLLM's choice planned
    at = open_link("plan", **{**GEMMA2, "vllm": "0.11.0"}, bs="256")
    assert not at.exception
    assert [w.value for w in at.main.warning if "not possible here" in w.value] == [
        "KV block size (tokens) = 256 tokens is not possible here: vLLM 0.11.0: argument "
        "--block-size: invalid choice: 256 (choose from 1, 8, 16, 32, 64, 128). Showing KV "
        "block size (tokens) = vLLM's choice instead."]
    assert block_size(at).value is None and "bs" not in at.query_params


def test_compare_and_report_plan_with_the_block_size() -> None:
    both = {**GEMMA2, "cmp": "google/gemma-2-9b-it,Qwen/Qwen3-8B", "ctx": "8192"}
    refused = open_page("compare", **both)
    assert [cell.split()[0] for cell in refused.dataframe[0].value["fits"]] == ["no", "yes"]
    at = open_page("compare", **both, bs="32")
    assert not at.exception and [
        cell.split()[0] for cell in at.dataframe[0].value["fits"]] == ["yes", "yes"]
    assert "`--block-size 32`." in texts(at)
    report = open_page("report", **both, bs="32")
    assert not report.exception and "--block-size 32" in report.main.markdown[-1].value


def test_a_linked_16_is_planned_as_given_from_0_18() -> None:
    """From 0.18 vLLM keeps a given --block-size (CacheConfig.user_specified_block_size), so
    16 is offered and a link's bs=16 is written to the command, no longer read as unset."""
    at = open_link("plan", **{**GEMMA2, "vllm": "0.19.0"}, bs="16")
    assert not at.exception and not at.sidebar.warning
    assert block_size(at).value == 16 and "16 tokens" in block_size(at).options
    assert "--block-size 16" in launch_command(at) and at.query_params["bs"] == "16"


def test_a_block_larger_than_the_pool_is_put_back_to_vllms_choice_by_apply() -> None:
    # Qwen3-8B (147,456 B a token) on one RTX 3090 under vLLM 0.34.0 at --block-size 65536:
    # one block is 65,536 x 147,456 = 9,663,676,416 B (9.00 GiB), more than the KV pool of
    # the 3090 beside 15.27 GiB of weights; vLLM says "Try increasing
    # `gpu_memory_utilization`", where dropping the block size is the change
    at = open_page(None, model="Qwen/Qwen3-8B", gpu="rtx-3090", gpn="1", len="8000",
                   bs="65536")
    assert not at.exception and at.error
    assert "one KV block of 65,536 tokens is 9,663,676,416 B" in at.error[0].value
    assert at.info[0].value == ("Nearest change: KV block size (tokens) left to "
                                "vLLM's choice fits.")
    at.button(key="plan.apply_nearest_fit").click().run()
    assert not at.exception and not at.error
    assert "bs" not in at.query_params and block_size(at).value is None
    assert any(s.value.startswith("Fits:") for s in at.success)
