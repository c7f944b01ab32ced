"""The --block-size values vLLM runs: its parser's choices (0.9.1-0.17.0, config/cache.py
BlockSize) and its attention backends' multiples of 16 (get_kv_cache_shape, supports_block_size),
as the CLI refuses them and the app offers them."""

from planner.serving.engine import DEFAULT_BLOCK_SIZE
from planner.serving.vllm_cli import VllmCli, invalid_choice, supported_versions, vllm_cli

MULTIPLE_OF_16 = ("vLLM's FLASH_ATTN and TRITON_ATTN backends raise \"Block size must be a "
                  "multiple of 16.\" (its MLA backends take multiples of 16 only)")
"""Why Headroom plans block sizes that are multiples of 16 only (block_size_errors' NOTE)."""


def block_size_errors(block_size: int) -> list[str]:
    """A --block-size Headroom does not plan: one that is not a multiple of 16.

    NOTE: the parser of vLLM 0.9.1-0.17.0 takes 1, 8, 16, 32, 64, 128 (and 256 from 0.11.1)
    only (config/cache.py BlockSize, the fixtures' --block-size choices, checked with the
    command); 0.18.0-0.34.0 take any int. FLASH_ATTN and TRITON_ATTN, the CUDA defaults below
    Blackwell, raise "Block size must be a multiple of 16." (get_kv_cache_shape, 0.9.1-0.19.0
    wheels), and from 0.18.0 the selector drops every backend whose kernel block sizes do not
    divide it (supports_block_size: the MLA backends take multiples of 16, 32, 64 or 128), so
    only some backends (FlashInfer before 0.18, FLEX_ATTENTION in 0.18-0.19) might run 1 or 8:
    which one vLLM picks is not modelled.
    """
    if block_size % 16 == 0:
        return []
    return [f"--block-size {block_size}: {MULTIPLE_OF_16}; Headroom plans multiples of 16 only."]


def block_size_refusal(block_size: int, cli: VllmCli) -> str | None:
    """Why vLLM `cli.vllm_version` will not run --block-size N, in one line: its parser's
    refusal (0.9.1-0.17.0 take the BlockSize choices only), else block_size_errors; None when
    it runs. The CLI stops on it (exit 2) before planning."""
    if not cli.accepts("--block-size", str(block_size)):
        return invalid_choice(cli, "--block-size", str(block_size))
    return next(iter(block_size_errors(block_size)), None)


def block_size_choices(cli: VllmCli) -> tuple[int, ...]:
    """The --block-size values to offer under `cli`'s release, smallest first: the parser's
    choices that block_size_refusal passes (0.9.1-0.11.0: 32-128; 0.11.1-0.17.0: 32-256),
    without vLLM's default (DEFAULT_BLOCK_SIZE, 16), which these releases run as when it is
    not given (CUDA's check_and_update_config overrides both alike for MLA). A release whose
    parser takes any int (0.18.0 on, no choices in its fixture) is offered the last listed
    ones (0.17.0's BlockSize) with 16: there a given size is kept
    (CacheConfig.user_specified_block_size) where vLLM's choice may be the backend's (32 or
    64 for MLA, mla_block.mla_block_size); block_size_refusal passes any other multiple of 16
    there, as the CLI does."""
    listed = cli.choices.get("--block-size")
    sizes = listed or next(
        other.choices["--block-size"] for other in map(vllm_cli, reversed(supported_versions()))
        if "--block-size" in other.choices)
    return tuple(sorted(size for size in map(int, sizes)
                        if (size != DEFAULT_BLOCK_SIZE or not listed)
                        and block_size_refusal(size, cli) is None))


def block_sizes_taken(cli: VllmCli) -> str:
    """The --block-size values vLLM `cli.vllm_version` runs that Headroom plans, in words: its
    parser's choices that block_size_refusal passes ("16, 32, 64 or 128" for 0.9.1-0.11.0,
    with 256 for 0.11.1-0.17.0), or "any multiple of 16" where its parser takes any int (0.18.0
    on); for the advice on a block larger than the KV pool (planner.serving.plan.verdict)."""
    listed = cli.choices.get("--block-size")
    if not listed:
        return "any multiple of 16"
    sizes = sorted(int(size) for size in listed if block_size_refusal(int(size), cli) is None)
    return f"{', '.join(map(str, sizes[:-1]))} or {sizes[-1]}"
