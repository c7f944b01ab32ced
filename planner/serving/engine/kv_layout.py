"""How vLLM lays out one PP stage's KV cache (StageKv: groups, pages, block sizes;
DeepSeek-V4's pages) and what one request of max_model_len needs of it."""

from collections import Counter

from pydantic import BaseModel, ConfigDict

from planner.model.attention import (
    DeepseekV4Kv,
    DraftAttentionKv,
    FullAttentionKv,
    KvLayer,
    RecurrentStateKv,
    cdiv,
)
from planner.model.attention.kvformat import KvBytes
from planner.serving.vllm_versions import BLOCK_64_DEFAULT_FROM, Version, version_label


class StageKv(BaseModel):
    """How vLLM lays out the KV cache of one PP stage: groups, page and block sizes."""

    model_config = ConfigDict(frozen=True)

    layers: tuple[KvLayer, ...]
    kinds: tuple[tuple[KvLayer, int], ...]
    group_size: int
    num_groups: int
    page_bytes: int
    block_tokens: int
    kind_blocks: tuple[int, ...]
    state_blocks: int = 1
    state_all: bool = False  # mamba_cache_mode "all": + a state page per block of the request
    bytes_per_block: int
    kv_bytes_per_token: int
    state_bytes: int
    dsv4_groups: tuple[tuple[int, int | None], ...] = ()  # DeepSeek-V4: (block, window)
    uniform_type: bool = False  # full-attention pages of two sizes in one group (turboquant)
    mixed_pages: bool = False  # kinds of different page sizes (unified from vLLM 0.12.0)
    groups: tuple[tuple[KvLayer, int, int], ...] = ()
    """The KV cache groups a request takes blocks in, kind by kind: (the kind's layer, its
    groups, their block tokens); the whole model's where vLLM groups it whole
    (vllm_versions.GLOBAL_KV_GROUPS_FROM), so also kinds with no layer on this stage."""


def _attention_block(layers: list[KvLayer], block_size: int, kv_bytes: KvBytes, tp: int,
                     align: int = 16) -> int:
    """Attention block size, raised for hybrid Mamba/GDN models so pages match.

    NOTE: vLLM HybridAttentionMambaModelConfig.verify_and_update_config: attention block =
    `align` x cdiv(mamba page, `align` x attention bytes per token per layer), then the mamba
    page is padded to the attention page; `align` (kernel_block_alignment_size) is 16, or 32
    for head size 256 on Blackwell in 0.11.1-0.17 (StateRules.attention_align), and at least
    the block size from 0.20 (vllm_versions.HYBRID_ALIGN_TO_BLOCK_FROM). Qwen3-Next at
    TP=1: GDN page 1,097,728 B, attention 2 x 2 x 256 x 2 = 2,048 B/token -> 16 x
    cdiv(1,097,728, 32,768) = 16 x 34 = 544 tokens (32 x cdiv(1,097,728, 65,536) = 544 too;
    from a block of 64, 0.34's default: 64 x cdiv(1,097,728, 131,072) = 64 x 9 = 576).
    """
    states = [kv.state_bytes(tp) for kv in layers if isinstance(kv, RecurrentStateKv)]
    per_token = max((kv.bytes_per_token(kv_bytes, tp) for kv in layers), default=0)
    if not states or per_token == 0:
        return block_size
    return max(block_size, align * cdiv(max(states), align * per_token))


FA4_FP8_HD512_BLOCK = 64
"""NOTE: vLLM v1/attention/backends/flash_attn.py _get_sm90_fa4_fp8_kv_block_size (0.31.0
wheel on, absent from 0.30.0): on Hopper (SM90) with an fp8 / fp8_e4m3 KV cache
(`cache_dtype in ("fp8", "fp8_e4m3")`: not fp8_e5m2, which FlashInfer serves), layers of head
size 512 run FlashAttention 4's FP8-dequant kernel, whose "64-token TMA tile/page" makes 64
their block size (Gemma-4's global layers; plan.derive sets fa4_fp8_hd512 for those dtypes)."""


def _kernel_block(kv: KvLayer, block: int, kv_bytes: KvBytes, fa4_fp8_hd512: bool) -> int:
    """The block size the attention backend gives this layer kind (before page unification)."""
    if fa4_fp8_hd512 and kv_bytes == 1 and getattr(kv, "head_dim", 0) == 512:
        return max(block, FA4_FP8_HD512_BLOCK)
    return block


def stage_kv(layers: tuple[KvLayer, ...], block_size: int, kv_bytes: KvBytes, tp: int,
             fa4_fp8_hd512: bool = False, state_blocks: int = 1,
             model_layers: tuple[KvLayer, ...] = (), first: int = 0,
             group_pad_ratio: float = 1.5, attention_align: int = 16,
             state_all: bool = False) -> StageKv:
    """Group the KV layers as vLLM does and size one block of this stage's (`layers`).

    NOTE: vLLM kv_cache_utils._get_kv_cache_groups_uniform_page_size: layers of equal spec
    form a type; group_size = the smallest type's layer count (or, from 0.12.0,
    vllm_versions.GROUP_PAD_FROM, the largest, when that is < `group_pad_ratio` x the
    smallest, to avoid padding: 1.25 to 0.17, 1.5 from 0.18, GROUP_PAD_WIDER_FROM); each type
    is cut into cdiv(its count, group_size) groups, group i taking its layers i, i + groups, ...
    One block = group_size pages. Gemma-3-27B: 52 sliding + 10 full -> size 10, 6 + 1 = 7
    groups; page 16 x 2 x 16 x 128 x 2 = 131,072 B; block = 10 pages = 1.25 MiB.
    Mixed page sizes (`mixed_pages`; before 0.12.0 vLLM cannot start, PAGE_UNIFY_FROM):
    unify_kv_cache_spec_page_size (0.19.0, 0.33.0 and 0.34.0 wheels) raises the
    block size of the kinds with smaller pages by max page / their page (a page that does
    not divide the largest is padded instead). Gemma-4-31B, fp8 KV: sliding layers 16 x 16
    heads x 512 x 1 B = 131,072 B, global layers 16 x 4 x 1,024 x 1 B = 65,536 B -> global
    blocks of 32 tokens, one 131,072 B page for every kind.
    `model_layers` (the whole model's, this stage from index `first`): vLLM groups the
    specs of all workers merged and gives each worker those groups with its own layers
    (vllm_versions.GLOBAL_KV_GROUPS_FROM), so the kinds, group size, groups and unified
    pages are the whole model's; a stage's block is the page x its fullest group's layers
    (get_kv_cache_config_from_groups: max len(group.layer_names); a type's run of c layers
    on the stage fills cdiv(c, that type's groups) of one group), and a request takes blocks
    in every group, empty ones too. Without `model_layers` the stage is grouped alone, as
    before that release. DeepSeek-V4 is always grouped whole (_dsv4_stage).
    """
    if layers and isinstance(layers[0], DeepseekV4Kv):
        return _dsv4_stage(model_layers or layers, range(first, first + len(layers)),
                           block_size)
    grouped = model_layers or layers
    kinds = _layer_kinds(grouped)
    counts = [n for _, n in kinds.values()]
    smallest, largest = min(counts), max(counts)
    group_size = largest if largest < group_pad_ratio * smallest else smallest
    num_groups = {key: cdiv(n, group_size) for key, (_, n) in kinds.items()}
    base = _attention_block(list(grouped), block_size, kv_bytes, tp, attention_align)
    blocks = [_kernel_block(kv, base, kv_bytes, fa4_fp8_hd512) for kv, _ in kinds.values()]
    pages = [kv.page_bytes(b, kv_bytes, tp) for (kv, _), b in zip(kinds.values(), blocks,
                                                                   strict=True)]
    page = max(pages)
    here = _layer_kinds(layers)
    if len(kinds) > 1 and all(type(kv) in (FullAttentionKv, DraftAttentionKv)
                              for kv, _ in kinds.values()):
        # turboquant's 16-bit boundary pages, or a drafter's layer of its own shape: one group
        # of every layer, a block is the sum of the pages (vLLM
        # UniformTypeKVCacheSpecs.page_size_bytes; kvformat.TURBOQUANT_NOTE)
        at = dict(zip(kinds, zip(blocks, pages, strict=True), strict=True))
        return StageKv(
            layers=layers, kinds=tuple(here.values()), group_size=len(layers), num_groups=1,
            page_bytes=page, block_tokens=base, kind_blocks=tuple(at[k][0] for k in here),
            state_blocks=state_blocks, state_all=state_all, uniform_type=True,
            bytes_per_block=sum(at[k][1] * n for k, (_, n) in here.items()),
            kv_bytes_per_token=sum(kv.bytes_per_token(kv_bytes, tp) for kv in layers),
            state_bytes=0, groups=((next(iter(kinds.values()))[0], 1, blocks[0]),))
    blocks = [b * (page // p) if p and page % p == 0 and not isinstance(kv, RecurrentStateKv)
              else b for (kv, _), b, p in zip(kinds.values(), blocks, pages, strict=True)]
    unified = dict(zip(kinds, blocks, strict=True))
    fullest = max(cdiv(n, num_groups[key]) for key, (_, n) in here.items())
    return StageKv(
        layers=layers,
        kinds=tuple(here.values()),
        group_size=fullest,
        num_groups=sum(num_groups.values()),
        page_bytes=page,
        block_tokens=min(blocks),
        kind_blocks=tuple(unified[key] for key in here),
        state_blocks=state_blocks,
        state_all=state_all,
        bytes_per_block=page * fullest,
        kv_bytes_per_token=sum(kv.bytes_per_token(kv_bytes, tp) for kv in layers),
        state_bytes=sum(kv.state_bytes(tp) for kv in layers),
        # a Mamba / GDN page is padded to the attention page (HybridAttentionMambaModelConfig)
        mixed_pages=len({p for (kv, _), p in zip(kinds.values(), pages, strict=True)
                         if not isinstance(kv, RecurrentStateKv)}) > 1,
        groups=tuple((kv, num_groups[key], unified[key]) for key, (kv, _) in kinds.items()),
    )


def _layer_kinds(layers: tuple[KvLayer, ...]) -> dict[str, tuple[KvLayer, int]]:
    """The layers' types in order of first appearance: each type's first layer and count
    (vLLM's same_type_layers, by KvLayer.group_key)."""
    kinds: dict[str, tuple[KvLayer, int]] = {}
    for kv in layers:
        head, count = kinds.get(kv.group_key, (kv, 0))
        kinds[kv.group_key] = (head, count + 1)
    return kinds


DEFAULT_BLOCK_SIZE = 16
"""vLLM config/cache.py CacheConfig.DEFAULT_BLOCK_SIZE: the block size without --block-size,
before the attention backend's preference (mla_block.mla_block_size), to 0.33
(vllm_versions.BLOCK_64_DEFAULT_FROM: 64 from 0.34; default_block_size)."""

BLOCK_64 = 64
"""vLLM 0.34's CacheConfig.DEFAULT_BLOCK_SIZE (vllm_versions.BLOCK_64_DEFAULT_FROM)."""


def default_block_size(version: Version) -> int:
    """vLLM `version`'s CacheConfig.DEFAULT_BLOCK_SIZE: 16, 64 from 0.34
    (vllm_versions.BLOCK_64_DEFAULT_FROM)."""
    return BLOCK_64 if version >= BLOCK_64_DEFAULT_FROM else DEFAULT_BLOCK_SIZE


def default_block_words() -> str:
    """vLLM's block size without --block-size for a plain decoder, in words from the rule
    itself (default_block_size; ROCM_ATTN's own 16: mla_block.rocm_attn_default), for the
    CLI's and the app's help: "16 before 0.34.0, 64 from it but 16 where ROCM_ATTN serves
    the model on an AMD GPU"."""
    return (f"{DEFAULT_BLOCK_SIZE} before {version_label(BLOCK_64_DEFAULT_FROM)}, {BLOCK_64} "
            f"from it but {DEFAULT_BLOCK_SIZE} where ROCM_ATTN serves the model on an AMD GPU")

DSV4_BLOCK = 256
"""NOTE: DeepSeek-V4 without --block-size: vLLM takes the first attention backend's preferred
block size (platforms/interface.py update_block_size_for_backend), the sparse SWA backend's
256 (sparse_swa.py DeepseekSparseSWABackend.get_preferred_block_size, 0.22.0 wheel)."""


def _dsv4_stage(model: tuple[KvLayer, ...], stage: range, block_size: int) -> StageKv:
    """DeepSeek-V4's KV layout on one PP stage: one full-context MLA group and sliding groups
    sharing one tensor layout of "layer tuples", grouped over the whole model.

    NOTE: vLLM v1/core/kv_cache_utils.py (0.22.0 wheel): group_and_unify_kv_cache_specs puts
    the full-context caches (compressed MLA, indexer) in one group and the sliding caches in
    groups of equal (block, window); _get_kv_cache_groups_uniform_groups picks the layer-tuple
    count d = _approximate_gcd (least padding, at least the MLA group's count), pads sliding
    pages to the nearest MLA page size and splits each sliding group into cdiv(n, d) groups
    (group g takes layer tuples g, g + splits, ...). A block row is sum(distinct MLA page
    sizes) x the largest tuple count (_get_kv_cache_config_deepseek_v4, _max_memory_usage_
    bytes_from_groups), and a request needs, per group, its cache's max_memory_usage in pages.
    DeepSeek-V4-Flash (21 layers of ratio 4, 20 of 128, 2 window-only), block 256: MLA pages
    37,440 + 1,728 + 8,640 = 47,808 B, d = 22 (43 window caches -> 22 + 21), row = 22 x
    47,808 = 1,051,776 B.
    Pipeline parallel: get_kv_cache_configs groups the specs merged over all workers, then
    _project_kv_cache_groups_to_worker keeps each group's layers on the worker (an empty group
    keeps the global spec), so the groups and MLA pages are the whole model's and the row
    counts the stage's tuples: PP=15 puts the two window-only layers alone on stage 0, whose
    row is 1 x 47,808 B.
    """
    caches = [(i, cache) for i, kv in enumerate(model) for cache in kv.caches(block_size)]
    full = Counter(c.page_bytes for _, c in caches if c.window is None)
    mla_pages = sorted(full)
    sliding: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for i, c in caches:
        if c.window is not None:
            sliding.setdefault((c.block, c.window), []).append((i, c.page_bytes))
    counts = [full.most_common(1)[0][1]] + [Counter(p for _, p in m).most_common(1)[0][1]
                                             for m in sliding.values()]
    d = _approximate_gcd(counts, counts[0])
    groups: list[tuple[int, int | None]] = [(block_size, None)]
    here = Counter(c.page_bytes for i, c in caches if c.window is None and i in stage)
    tuples = [max(here.values(), default=0)]
    for (block, window), members in sliding.items():
        by_size: dict[int, list[int]] = {}
        for i, page in members:
            by_size.setdefault(min(p for p in mla_pages if p >= page), []).append(i)
        splits = cdiv(len(next(iter(by_size.values()))), d)
        groups += [(block, window)] * splits
        tuples += [sum(i in stage for i in layers[g::splits])
                   for g in range(splits) for layers in by_size.values()]
    layers = model[stage.start:stage.stop]
    row = sum(mla_pages) * max(tuples)
    ratios = Counter(kv.compress_ratio for kv in layers)
    kinds = tuple((next(kv for kv in layers if kv.compress_ratio == c), n)
                  for c, n in ratios.items())
    return StageKv(
        layers=layers, kinds=kinds, group_size=max(tuples),
        num_groups=len(groups), page_bytes=sum(mla_pages), block_tokens=block_size,
        kind_blocks=(block_size,), bytes_per_block=row,
        kv_bytes_per_token=sum(kv.bytes_per_token(1, 1) for kv in layers), state_bytes=0,
        dsv4_groups=tuple(groups),
    )


def _approximate_gcd(values: list[int], lower_bound: int) -> int:
    """vLLM kv_cache_utils._approximate_gcd: the d in [lower_bound, max] with the least
    round-up padding of `values`, the larger on a tie."""
    best_d, best_pad = lower_bound, None
    for d in range(lower_bound, max(values) + 1):
        pad = sum((d - x % d) % d for x in values)
        if best_pad is None or pad < best_pad or (pad == best_pad and d > best_d):
            best_d, best_pad = d, pad
    return best_d


def _dsv4_pages(stage: StageKv, max_model_len: int, mbt: int) -> int:
    """Pages (block rows) one DeepSeek-V4 request needs: per group, cdiv(L, block) for the
    full-context group, cdiv(min(window - 1 + batched tokens, L), block) + 1 for a sliding
    one (SlidingWindowSpec.max_admission_blocks_per_request; `mbt`: from 0.26 the in-flight
    tokens, vllm_versions.window_batched_tokens)."""
    return sum(cdiv(max_model_len, block) if window is None
               else cdiv(min(window - 1 + mbt, max_model_len), block) + 1
               for block, window in stage.dsv4_groups)


def _state_pages(stage: StageKv, block: int, max_model_len: int) -> int:
    """State pages one request holds in a recurrent group of `block` tokens a page:
    stage.state_blocks, + cdiv(max_model_len, block) in mamba_cache_mode "all"
    (stage.state_all; vLLM MambaSpec.max_memory_usage_bytes, vllm_versions.MAMBA_ALL_BEFORE)."""
    return stage.state_blocks + (cdiv(max_model_len, block) if stage.state_all else 0)


def blocks_per_request(stage: StageKv, max_model_len: int, max_num_batched_tokens: int) -> int:
    """Blocks one request of max_model_len needs, summed over groups (a recurrent group holds
    _state_pages: 2 in vLLM's mamba_cache_mode "align", 3 with a prefill checkpoint's,
    StateRules.state_blocks; one a block of max_model_len in "all");
    `max_num_batched_tokens`: what sliding layers count (vllm_versions.window_batched_tokens).

    NOTE: vLLM get_max_concurrency_for_kv_cache_config: sum over groups of
    cdiv(max_memory_usage_bytes, page). Per group we take its first layer's need (all layers
    of a group are alike): Gemma-3-27B at 8192: 512 (full) + 6 x 513 (sliding) = 3,590.
    """
    if stage.dsv4_groups:
        return _dsv4_pages(stage, max_model_len, max_num_batched_tokens)
    total = 0
    for kv, groups, block in stage.groups:
        need = kv.max_memory_usage_bytes(max_model_len, block, 1, 1, max_num_batched_tokens)
        page = kv.page_bytes(block, 1, 1)
        held = _state_pages(stage, block, max_model_len) if isinstance(kv, RecurrentStateKv) \
            else 1
        total += groups * (cdiv(need, page) if page else 1) * held
    return total


def request_bytes(stage: StageKv, max_model_len: int, kv_bytes: KvBytes, tp: int, mbt: int) -> int:
    """Bytes one request of max_model_len needs on this stage (vLLM's start-up check).

    NOTE: vLLM check_enough_kv_cache_memory sums max_memory_usage_bytes over all layers of
    the worker and compares with its available memory; DeepSeek-V4: block rows x pages
    (_max_memory_usage_bytes_from_groups). A Mamba / GDN layer's pages are the padded page
    (the stage's page_bytes, the attention page): MambaSpec.page_size_bytes returns
    page_size_padded, which HybridAttentionMambaModelConfig sets to the attention page
    (cache_config.mamba_page_size_padded; 0.10.2-0.13.0 wheels, the releases that check these
    bytes alone). Nemotron-3-Nano, 0.13.0, prefix caching on: 29 layers x 121 pages x
    2,228,224 B = 7,818,838,016 B, not 7,556,657,152 B with 2,134,016 B state pages.
    """
    if stage.dsv4_groups:
        return stage.bytes_per_block * _dsv4_pages(stage, max_model_len, mbt)
    return sum(
        count * (stage.page_bytes * _state_pages(stage, block, max_model_len)
                 if isinstance(kv, RecurrentStateKv) else
                 kv.max_memory_usage_bytes(max_model_len, block, kv_bytes, tp, mbt))
        for (kv, count), block in zip(stage.kinds, stage.kind_blocks, strict=True)
    )
