"""The Punica wrapper's index buffers vLLM allocates on every GPU under --enable-lora: the
language model's, and with --enable-tower-connector-lora the vision tower's and connector's
(tower.tower_punica_shapes).

Read from the vLLM 0.17.0-0.34.0 wheels (settings.LORA_READ):
- punica_wrapper/punica_base.py and punica_gpu.py (ops/triton_ops/lora_kernel_metadata.py):
  the index buffers, 4 int64 of max_num_batched_tokens (to 0.28.0 5: _embeddings_indices is
  (2, max_num_batched_tokens) there, EMBEDDING_INDICES_ONE_ROW_FROM) and 3 of max_num_seqs, and
  two LoRAKernelMeta of 2 int32 of max_num_batched_tokens, 2 of max_loras + 1 and 1 of
  max_loras + 2 (punica_buffer_bytes).
"""

from planner.model.spec import ModelSpec
from planner.serving.lora.settings import LoraSettings, Version
from planner.serving.lora.tower import tower_punica_shapes

EMBEDDING_INDICES_ONE_ROW_FROM: Version = (0, 29, 0)
"""lora/punica_wrapper/punica_base.py PunicaWrapperBase._embeddings_indices: torch.empty(2,
max_num_batched_tokens) int64 in the 0.17.0-0.28.0 wheels, torch.empty(max_num_batched_tokens)
from the 0.29.0 wheel."""


def token_index_rows(version: Version) -> int:
    """The Punica wrapper's int64 rows of max_num_batched_tokens: _token_lora_indices,
    _sampler_indices, _sampler_indices_padded and _embeddings_indices' one row, two before
    EMBEDDING_INDICES_ONE_ROW_FROM."""
    return 4 if version >= EMBEDDING_INDICES_ONE_ROW_FROM else 5


def punica_buffer_bytes(max_num_batched_tokens: int, max_num_seqs: int, max_loras: int,
                        version: Version) -> int:
    """The Punica wrapper's index buffers on every GPU (module docstring): token_index_rows x
    tokens x 8 B + 3 x seqs x 8 B + 2 x (2 x tokens + 2 x (max_loras + 1) + (max_loras + 2))
    x 4 B."""
    return (token_index_rows(version) * max_num_batched_tokens * 8 + 3 * max_num_seqs * 8
            + 2 * (2 * max_num_batched_tokens + 2 * (max_loras + 1) + max_loras + 2) * 4)


def tower_punica_bytes(spec: ModelSpec, lora: LoraSettings, max_num_batched_tokens: int,
                       max_num_seqs: int, max_model_len: int) -> int:
    """The tower's and connector's Punica wrappers (punica_buffer_bytes of
    tower.tower_punica_shapes) with --enable-tower-connector-lora, on every PP stage
    (lora/model_manager.py _init_punica_wrapper builds them on each, the tower there or not);
    0 without."""
    if not lora.tower:
        return 0
    assert spec.vision is not None  # (tower_refusal)
    tower, connector, batches = tower_punica_shapes(spec.vision, max_num_batched_tokens,
                                                    max_num_seqs, max_model_len)
    return sum(punica_buffer_bytes(tokens, batches, lora.max_loras, lora.version)
               for tokens in (tower, connector))

