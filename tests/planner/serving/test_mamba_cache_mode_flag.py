"""--mamba-cache-mode / --mamba-block-size (EngineSettings.mamba_cache_mode, mamba_block_size;
vllm_versions.mamba_cache_mode, plan.derive._state_rules), worked by hand from the catalog's
Nemotron-3-Nano config.json and the vLLM source.

vLLM: models/config.py MambaModelConfig.verify_and_update_config (0.15.0-0.32.0): with prefix
caching on, "none" (the default) becomes the release's pick, "all" on a model without
supports_mamba_prefix_caching falls back to "align", "align" stays; with it off every mode is
"none". v1/kv_cache_interface.py MambaSpec.max_memory_usage_bytes: "all" holds
cdiv(max_model_len, block) state pages a request, "align" 2 (+ a prefill checkpoint's from
0.32.0). platforms/interface.py _align_hybrid_block_size (0.20.0-0.31.0), in "all":
`base_chunk_size = mamba_block_size or model_config.get_mamba_chunk_size()`, `attn_block_size =
lcm(base_chunk_size, kernel_block_alignment_size) x cdiv(attn_tokens_per_mamba_state, that)`;
else `kernel_block_alignment_size x cdiv(mamba_page_size, kernel_block_alignment_size x
attn_page_size_1_token)`, and "align" sets mamba_block_size to the block.

Nemotron-3-Nano (bfloat16; 23 Mamba2 layers of 64 heads x 64, 8 groups, d_state 128, conv 4,
chunk_size 128, mamba_ssm_cache_dtype float32; 6 attention layers of 2 KV heads x 128;
max_position_embeddings 262,144). State page: conv (4,096 + 2 x 8 x 128) x 3 = 18,432 x 2 B =
36,864 B + SSM 64 x 64 x 128 = 524,288 x 4 B = 2,097,152 B = 2,134,016 B. Attention: 2 x 128 x 2
(K, V) x 2 B = 1,024 B a token, so a state is cdiv(2,134,016, 1,024) = 2,084 tokens. Layers
grouped 6 a group (4 Mamba groups, 1 attention group): a block is 6 pages of block x 1,024 B.
One H100 at 0.30.0 (prefix caching on for hybrids from 0.28.0): the pool is 10,594,473,923 B
(test_mamba_cache_mode.POOL_0_34, worked out there term by term) whatever the mode (the
profile run is the same: vllm_versions.MAMBA_ALL_BEFORE).
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import command_problems, vllm_cli
from planner.serving.vllm_versions import EngineError, mamba_mode_choices
from tests.planner.serving.test_mamba_cache_mode import POOL_0_34

NANO = "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16"
NEXT = "Qwen/Qwen3-Next-80B-A3B-Instruct"
L = 262_144
POOL = POOL_0_34


def _plan(version: str, model: str = NANO, tp: int = 1, **engine):
    return plan(PlanRequest(
        model=catalog_spec(model), cluster=preset_cluster("h100", tp),
        layout=ParallelLayout(tp=tp), engine=EngineSettings(vllm_version=version, **engine)))


def test_all_against_the_releases_align_on_0_30_0() -> None:
    # default "align": block 16 x cdiv(2,134,016, 16 x 1,024) = 16 x 131 = 2,096 (16,384 x 130 =
    # 2,129,920 is short); 2,096 x 1,024 x 6 = 12,877,824 B a block: 822 blocks (x 823 =
    # 10,598,449,152 is over the pool); a request: cdiv(262,144, 2,096) = 126 attention pages
    # (2,096 x 125 = 262,000) + 4 groups x 2 state pages = 134: int(822 x 262,144 / 134) =
    # int(215,482,368 / 134) = 1,608,077
    default = _plan("0.30.0")
    assert (default.block_size, default.num_gpu_blocks, default.kv_cache_tokens) == (
        2_096, 822, 1_608_077)
    assert default.kv_cache_bytes_per_gpu == POOL
    # "all": block lcm(128, 16) x cdiv(2,084, 128) = 128 x 17 = 2,176; 13,369,344 B a block:
    # 792 blocks (x 792 = 10,588,520,448; x 793 = 10,601,889,792 is over); a request:
    # cdiv(262,144, 2,176) = 121 pages (2,176 x 120 = 261,120) in each of the 5 groups = 605,
    # 4 x 121 = 484 of them state pages (4 x 121 x 2,228,224 B padded = 1,078,460,416 B, not
    # 4 x 2 x 2,146,304 = 17,170,432 B): int(792 x 262,144 / 605) = int(207,618,048 / 605) =
    # 343,170
    every = _plan("0.30.0", mamba_cache_mode="all")
    assert (every.block_size, every.num_gpu_blocks, every.kv_cache_tokens) == (
        2_176, 792, 343_170)
    assert every.kv_cache_bytes_per_gpu == POOL
    # "none" with prefix caching on is vLLM's field default, replaced by the release's pick
    none = _plan("0.30.0", mamba_cache_mode="none")
    assert (none.block_size, none.kv_cache_tokens) == (2_096, 1_608_077)
    assert any("Mamba cache mode is set to 'align' for NemotronHForCausalLM by default when "
               "prefix caching is enabled" in w for w in none.warnings)


def test_none_holds_one_state_page_a_group_on_0_30_0() -> None:
    # prefix caching off: "none" (MambaModelConfig), MambaSpec.max_memory_usage_bytes 1 page a
    # group; the block as in "align" (2,096), so the same 822 blocks; a request: 126 attention
    # pages + 4 groups x 1 = 130 (134 - 4 in "align"): int(822 x 262,144 / 130) =
    # int(215,482,368 / 130) = 1,657,556, concurrency 822 / 130 = 6.32
    none = _plan("0.30.0", enable_prefix_caching=False)
    assert (none.block_size, none.num_gpu_blocks, none.kv_cache_tokens) == (2_096, 822, 1_657_556)
    assert none.kv_cache_bytes_per_gpu == POOL
    assert round(none.max_concurrency, 2) == 6.32


def test_mamba_block_size_moves_the_block_in_all() -> None:
    # --mamba-block-size 512 in "all": block lcm(512, 16) x cdiv(2,084, 512) = 512 x 5 =
    # 2,560; 2,560 x 1,024 x 6 = 15,728,640 B a block: 673 blocks (x 673 = 10,585,374,720; x 674
    # = 10,601,103,360 is over); cdiv(262,144, 2,560) = 103 pages (2,560 x 102 = 261,120) x 5
    # groups = 515: int(673 x 262,144 / 515) = int(176,422,912 / 515) = 342,568
    r = _plan("0.30.0", mamba_cache_mode="all", mamba_block_size=512)
    assert (r.block_size, r.num_gpu_blocks, r.kv_cache_tokens) == (2_560, 673, 342_568)
    assert r.vllm_command.endswith("--mamba-cache-mode all --mamba-block-size 512")
    # in "align" (the default) vLLM sets mamba_block_size to the block: no change, a warning
    align = _plan("0.30.0", mamba_block_size=512)
    assert (align.block_size, align.kv_cache_tokens) == (2_096, 1_608_077)
    assert any("--mamba-block-size 512: no effect in mamba_cache_mode 'align'" in w
               for w in align.warnings)


def test_align_asked_over_0_27_0s_all_with_prefix_caching() -> None:
    # 0.27.0 with prefix caching given (the Python API; off by default for hybrids there) runs
    # Nemotron-H in "all" (docs/known-limits.md: 358,768 KV tokens); "align" asked holds 2
    # state pages a group instead: the known-limits figure 1,680,460
    every = _plan("0.27.0", enable_prefix_caching=True)
    align = _plan("0.27.0", enable_prefix_caching=True, mamba_cache_mode="align")
    assert (every.block_size, every.kv_cache_tokens) == (2_176, 358_768)
    assert (align.block_size, align.kv_cache_tokens) == (2_096, 1_680_460)


def test_a_mode_without_prefix_caching_is_none() -> None:
    # 0.27.0 by default: prefix caching off for hybrids, so "all" becomes "none" (1 state page
    # a group), as planned with no flag, and vLLM's warning says so
    base = _plan("0.27.0")
    asked = _plan("0.27.0", mamba_cache_mode="all")
    assert (asked.block_size, asked.kv_cache_tokens) == (base.block_size, base.kv_cache_tokens)
    assert any("Mamba cache mode is set to 'none' when prefix caching is disabled" in w
               for w in asked.warnings)


def test_all_falls_back_to_align_for_qwen3_next() -> None:
    # Qwen3-Next (GDN) does not support Mamba prefix caching: "all" runs "align", warned
    base = _plan("0.30.0", NEXT, 4)
    asked = _plan("0.30.0", NEXT, 4, mamba_cache_mode="all")
    assert (asked.block_size, asked.kv_cache_tokens) == (base.block_size, base.kv_cache_tokens)
    assert any("falling back to 'align' mode." in w for w in asked.warnings)


def test_mamba_block_size_without_prefix_caching_is_refused() -> None:
    with pytest.raises(EngineError, match="--mamba-block-size can only be set with "
                       "--enable-prefix-caching"):
        _plan("0.27.0", mamba_block_size=256)
    # max_model_len itself is what vLLM sets there: taken
    assert _plan("0.27.0", mamba_block_size=L).kv_cache_tokens == _plan("0.27.0").kv_cache_tokens


def test_the_command_passes_the_releases_parser() -> None:
    for version, mode in (("0.15.0", "all"), ("0.30.0", "all"), ("0.32.0", "align"),
                          ("0.34.0", "none")):
        r = _plan(version, mamba_cache_mode=mode, mamba_block_size=2_048,
                  enable_prefix_caching=True, max_model_len=32_768,
                  trust_remote_code=True)  # 0.15.0 has no nemotron_h config class
        assert f"--mamba-cache-mode {mode} --mamba-block-size 2048" in r.vllm_command
        assert command_problems(r.vllm_command, vllm_cli(version)) == []
        assert mode in mamba_mode_choices(tuple(map(int, version.split("."))))


def test_the_choices_per_release() -> None:
    # config/cache.py MambaCacheMode: Literal["all", "align", "none"] 0.15.0-0.31.0,
    # Literal["align", "none"] 0.32.0-0.34.0; no flag in the 0.14.0 parser
    assert mamba_mode_choices((0, 14, 0)) == ()
    assert mamba_mode_choices((0, 15, 0)) == ("all", "align", "none")
    assert mamba_mode_choices((0, 31, 0)) == ("all", "align", "none")
    assert mamba_mode_choices((0, 32, 0)) == ("align", "none")


def test_the_dump_keeps_its_keys_while_unset() -> None:
    dump = EngineSettings().model_dump()
    assert "mamba_cache_mode" not in dump and "mamba_block_size" not in dump
    asked = EngineSettings(mamba_cache_mode="all", mamba_block_size=512).model_dump()
    assert (asked["mamba_cache_mode"], asked["mamba_block_size"]) == ("all", 512)
