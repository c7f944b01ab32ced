"""Where a model's config came from, what its checkpoint stores, and whether the two agree.

Pure data and pure arithmetic: probes/hub.py fills these models from the Hugging Face Hub
(or the cache, the bundled catalog, a local file); the planner and the UI only read them.
"""

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from planner.text import counted

SAFETENSORS_DTYPE_BITS: dict[str, int] = {
    "BOOL": 8,
    "U8": 8,
    "I8": 8,
    "F8_E5M2": 8,
    "F8_E4M3": 8,
    "F8_E8M0": 8,
    "F4": 4,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
    "U16": 16,
    "I16": 16,
    "F16": 16,
    "BF16": 16,
    "U32": 32,
    "I32": 32,
    "F32": 32,
    "U64": 64,
    "I64": 64,
    "F64": 64,
    "C64": 64,
}
"""Bits per stored element of each safetensors dtype (safetensors `Dtype` enum, v0.6)."""

UNKNOWN_DTYPE = "has unknown safetensors dtype"
"""How build_checkpoint_metadata names a dtype SAFETENSORS_DTYPE_BITS lacks: a newer
safetensors' may load, so a local checkpoint holding one is not refused as corrupt."""

PACKED_VALUES_PER_ELEMENT: dict[str, int] = {"I32": 8, "U8": 2}
"""Logical weights per stored element of a packed weight tensor.

NOTE: quantized checkpoints pack sub-byte weights into wider integers.
- I32 holds 8 int4 nibbles (GPTQ/AWQ `qweight`, compressed-tensors `weight_packed`): a 4096x4096
  int4 layer is stored as [512, 4096] I32 = 2,097,152 elements = 16,777,216 weights.
- U8 holds 2 fp4 values (gpt-oss MXFP4 `*_blocks`, ModelOpt NVFP4 `weight`, bitsandbytes nf4):
  gpt-oss-20b `gate_up_proj_blocks` is [32, 5760, 90, 16] U8 = 265,420,800 bytes
  = 530,841,600 weights = 32 experts x 5760 x 2880 (hidden 2880 = 90 blocks of 32).
Source: AutoGPTQ/AWQ packing (32 // bits values per int32); OCP MX spec v1.0 (32-value blocks);
the gpt-oss and ModelOpt NVFP4 checkpoints' tensor shapes.
"""

QUANT_AUX_NAMES: frozenset[str] = frozenset(
    {
        "weight_scale_inv",  # DeepSeek/Kimi/Qwen fp8 block scales, F32, one per 128x128 block
        "weight_scale",  # ModelOpt FP8/NVFP4, compressed-tensors
        "weight_scale_2",  # ModelOpt NVFP4 global scale
        "input_scale",
        "output_scale",
        "k_scale",
        "v_scale",
        "q_scale",
        "scales",  # GPTQ/AWQ group scales
        "qzeros",  # GPTQ/AWQ packed zero points
        "g_idx",  # GPTQ act-order group index
        "weight_zero_point",
        "weight_g_idx",
        "weight_shape",  # compressed-tensors: the unpacked shape, 2 I64 elements
        "absmax",  # bitsandbytes
        "quant_map",
        "nested_absmax",
        "nested_quant_map",
    }
)
"""Last name components of tensors that hold quantization scales, zero points or indices."""


class CheckpointError(ValueError):
    """Checkpoint metadata that cannot be read or compared (names the offending value)."""


class CheckpointFile(BaseModel):
    """One file in a model repository, with its size when the hub reported it."""

    model_config = ConfigDict(frozen=True)

    path: str
    size_bytes: int | None = Field(default=None, ge=0)


class CheckpointMetadata(BaseModel):
    """What a checkpoint really stores, read from safetensors headers and the repo file list."""

    model_config = ConfigDict(frozen=True)

    params_by_dtype: dict[str, int]
    """Stored elements per safetensors dtype, scales included; empty when no header was read."""
    total_params: int = Field(ge=0)
    """Sum of stored elements: a packed int4 I32 counts once, not 8 times (see aux and packing)."""
    tensor_bytes: int = Field(ge=0)
    """Sum of elements x dtype width: the bytes the tensors occupy."""
    aux_params_by_dtype: dict[str, int] = Field(default_factory=dict)
    """Of params_by_dtype, elements in quantization scale / zero-point / index tensors."""
    files: tuple[CheckpointFile, ...] = ()
    """Every repo file with its size."""
    safetensors_bytes: int | None = None
    """Sum of *.safetensors file sizes (the true checkpoint size); None if none or sizes unknown."""
    gguf_files: tuple[CheckpointFile, ...] = ()
    """The *.gguf files, e.g. the quant choices of a GGUF-only repo."""


class ModelSource(BaseModel):
    """A model config plus where it came from (hub, cache, catalog or file) and at which commit."""

    model_config = ConfigDict(frozen=True)

    repo_id: str | None
    revision: str | None
    commit_sha: str | None
    origin: Literal["hub", "cache", "catalog", "file"]
    config: dict
    hf_quant_config: dict | None
    checkpoint: CheckpointMetadata | None
    tokenizer_config: dict | None = None
    """tokenizer_config.json where one was read (the hub, the cache, a model folder, or a
    catalog entry's tokenizer facts); None where there is none or it is not known."""
    tokenizer_problem: str | None = None
    """Why a tokenizer_config.json that exists was not read (it could not be fetched, or it is
    not a JSON object): whether vLLM needs --trust-remote-code for it is then not known, which
    the CLI says on stderr and the Model page among the notes."""
    processor_configs: dict[str, dict | None] = {}
    """The checkpoint's processor files, by name (model.config.processor.PROCESSOR_FILES:
    JSON objects from the hub, the cache or a model folder), which give a Qwen3-VL-family
    tower's image and video limits; empty for a catalog entry or a config file alone. One that
    is there but could not be read is None (processor_problems says why): the limit
    transformers would take from it is not known, so the assumed one is planned."""
    processor_problems: tuple[str, ...] = ()
    """Why a processor file that exists was not read (among the notes too), which the CLI says
    on stderr."""
    notes: tuple[str, ...] = ()
    config_provenance: Literal["verbatim", "subset", "reconstructed"] = "verbatim"
    """A bundled catalog config may be a partial copy or reconstructed (planner.catalog)."""
    fallback_reason: str | None = None
    """Why the hub's own answer is not this one: set when the local cache or the catalog
    answered for a failed hub fetch (offline, unreachable, gated...), None otherwise."""


HEADERS_NOT_READ = "safetensors headers not read"
"""How the note of a source whose safetensors headers were not read starts (probes.hub: a
corrupt or truncated file, a header the hub's metadata cannot parse, a deadline passed)."""


def unread_headers(source: ModelSource | None) -> str | None:
    """The note saying why a checkpoint's safetensors headers, which its files include, were
    not read ("safetensors headers not read: model.safetensors declares a 18,446,744,...-byte
    header, over the 100 MB safetensors limit: a corrupt file ..."); None where they were read,
    or where there are none to read (a config alone, a repo of .bin or .gguf weights)."""
    checkpoint = source.checkpoint if source else None
    if checkpoint is None or checkpoint.params_by_dtype or not any(
            f.path.endswith(".safetensors") for f in checkpoint.files):
        return None
    return next((n for n in source.notes if n.startswith(HEADERS_NOT_READ)), None)


class ParamCheck(BaseModel):
    """Architecture-derived parameter count beside the checkpoint's, with a verdict and why."""

    model_config = ConfigDict(frozen=True)

    arch_params: int
    """What the planner derived from config.json (plus vision_params when given)."""
    metadata_params: int
    """Logical weights in the checkpoint: packed elements unpacked, scale tensors left out."""
    stored_elements: int
    """Raw element count from the safetensors headers (CheckpointMetadata.total_params)."""
    difference_ratio: float | None
    """(metadata_params - arch_params) / arch_params; None when no header was read."""
    agrees: bool | None
    """Within 1 %; None when there is nothing to compare."""
    explanation: str


AGREEMENT_TOLERANCE = 0.01
"""Counts within 1 % agree: rounding in published sizes and tiny buffers stay under it."""


def is_quant_aux_tensor(name: str) -> bool:
    """Whether a tensor holds quantization scales, zero points or indices rather than weights."""
    parts = name.split(".")
    return parts[-1] in QUANT_AUX_NAMES or parts[-1].endswith("_scales") or "quant_state" in parts


def _is_safetensors(path: str) -> bool:
    return path.endswith(".safetensors")


def build_checkpoint_metadata(
    tensors: Iterable[tuple[str, str, int]], files: Iterable[CheckpointFile] = ()
) -> CheckpointMetadata:
    """Aggregate (tensor name, safetensors dtype, element count) records and a repo file list."""
    params: dict[str, int] = {}
    aux: dict[str, int] = {}
    bits_total = 0
    for name, dtype, n_elements in tensors:
        if dtype not in SAFETENSORS_DTYPE_BITS:
            raise CheckpointError(f"tensor {name!r} {UNKNOWN_DTYPE} {dtype!r}")
        params[dtype] = params.get(dtype, 0) + n_elements
        if is_quant_aux_tensor(name):
            aux[dtype] = aux.get(dtype, 0) + n_elements
        bits_total += n_elements * SAFETENSORS_DTYPE_BITS[dtype]
    file_list = tuple(files)
    shards = [f for f in file_list if _is_safetensors(f.path)]
    sizes_known = shards and all(f.size_bytes is not None for f in shards)
    return CheckpointMetadata(
        params_by_dtype=params,
        total_params=sum(params.values()),
        # NOTE: bits summed first, bytes once: 6 F4 elements = 24 bits = 3 bytes.
        tensor_bytes=bits_total // 8,
        aux_params_by_dtype=aux,
        files=file_list,
        safetensors_bytes=sum(f.size_bytes or 0 for f in shards) if sizes_known else None,
        gguf_files=tuple(f for f in file_list if f.path.endswith(".gguf")),
    )


def _storage_notes(checkpoint: CheckpointMetadata) -> list[str]:
    """Say how stored elements were turned into logical weights."""
    notes = []
    for dtype, per_element in PACKED_VALUES_PER_ELEMENT.items():
        weights = checkpoint.params_by_dtype.get(dtype, 0) - checkpoint.aux_params_by_dtype.get(
            dtype, 0
        )
        if weights:
            kind = "packed int4" if dtype == "I32" else "packed 4-bit (MXFP4/NVFP4/nf4)"
            notes.append(f"{weights:,} {dtype} elements read as {kind}, {per_element} weights each")
    aux_total = sum(checkpoint.aux_params_by_dtype.values())
    if aux_total:
        aux = sorted(checkpoint.aux_params_by_dtype.items())
        by_dtype = ", ".join(f"{n:,} {d}" for d, n in aux)
        notes.append(
            f"{aux_total:,} elements of quantization scales/zero points left out ({by_dtype})"
        )
    return notes


def logical_params(checkpoint: CheckpointMetadata) -> int:
    """Weights the checkpoint represents: packed elements unpacked, scale tensors left out."""
    return sum(
        (n - checkpoint.aux_params_by_dtype.get(dtype, 0))
        * PACKED_VALUES_PER_ELEMENT.get(dtype, 1)
        for dtype, n in checkpoint.params_by_dtype.items()
    )


def compare_param_counts(
    arch_params: int,
    checkpoint: CheckpointMetadata,
    *,
    mtp_layers: int = 0,
    vision_params: int = 0,
    mtp_params: int = 0,
) -> ParamCheck:
    """Compare the architecture's parameter count with the checkpoint's and explain a gap.

    `vision_params` is added to `arch_params` (the checkpoint stores the vision tower too);
    `mtp_layers` is how many multi-token-prediction layers the config declares: their tensors
    ship in the checkpoint but are usually not in the architecture count. `mtp_params`, when
    the planner knows their size (planner.model.params), lets the gap be attributed exactly.
    """
    if arch_params <= 0:
        raise CheckpointError(f"architecture parameter count must be positive, got {arch_params}")
    if min(vision_params, mtp_layers, mtp_params) < 0:
        raise CheckpointError("vision_params, mtp_layers and mtp_params cannot be negative")
    expected = arch_params + vision_params
    base = {"arch_params": expected, "stored_elements": checkpoint.total_params}
    if not checkpoint.params_by_dtype:
        return ParamCheck(
            **base,
            metadata_params=0,
            difference_ratio=None,
            agrees=None,
            explanation="No safetensors header was read, so the count cannot be checked.",
        )
    found = logical_params(checkpoint)
    diff = found - expected
    ratio = diff / expected
    agrees = abs(ratio) <= AGREEMENT_TOLERANCE
    what = f"checkpoint {found:,} vs architecture {expected:,}"
    mtp = (counted(mtp_layers, "multi-token-prediction layer") if mtp_layers
           else "declared multi-token-prediction layers")
    if vision_params:
        what += f" (incl. {vision_params:,} vision)"
    if agrees:
        verdict = f"Agree within 1 % ({ratio:+.2%}): {what}."
    elif diff > 0 and mtp_params and abs(diff - mtp_params) <= AGREEMENT_TOLERANCE * expected:
        verdict = (
            f"The checkpoint holds {diff:,} more parameters ({ratio:+.2%}): {what}. The "
            f"{mtp_params:,} parameters of the {mtp} account for it: stored in the "
            "checkpoint, not a parser gap."
        )
    elif diff > 0 and mtp_params:
        verdict = (
            f"The checkpoint holds {diff:,} more parameters ({ratio:+.2%}): {what}. The "
            f"multi-token-prediction layers' {mtp_params:,} parameters leave "
            f"{diff - mtp_params:,} unexplained: a parser gap or other extra tensors."
        )
    elif diff > 0 and mtp_layers:
        verdict = (
            f"The checkpoint holds {diff:,} more parameters ({ratio:+.2%}): {what}. The config "
            f"declares {mtp}, stored in the checkpoint "
            "but not counted by the architecture: most likely the gap, not a parser gap."
        )
    elif diff > 0:
        verdict = (
            f"The checkpoint holds {diff:,} more parameters ({ratio:+.2%}): {what}. Either extra "
            "tensors the config does not describe (MTP heads, a vision or audio tower) or a "
            "parser gap that undercounts the architecture."
        )
    else:
        verdict = (
            f"The checkpoint holds {-diff:,} fewer parameters ({ratio:+.2%}): {what}. The "
            "architecture count includes weights the checkpoint does not store (e.g. tied "
            "embeddings counted twice) or a packing this check does not know: a parser gap."
        )
    explanation = " ".join([verdict, *(f"Note: {n}." for n in _storage_notes(checkpoint))])
    return ParamCheck(
        **base,
        metadata_params=found,
        difference_ratio=ratio,
        agrees=agrees,
        explanation=explanation,
    )
