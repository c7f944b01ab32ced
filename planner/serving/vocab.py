"""vLLM's vocabulary padding: the rows a VocabParallelEmbedding / ParallelLMHead holds on one
TP rank, shared by the target's weights (weights), an EAGLE-3 drafter's (eagle) and the LoRA
logits slots (lora.slots)."""

VOCAB_PADDING = 64
"""vLLM pads the vocabulary of VocabParallelEmbedding / ParallelLMHead to a multiple of this
(model_executor/layers/vocab_parallel_embedding.py, DEFAULT_VOCAB_PADDING_SIZE)."""


def padded_vocab(vocab_size: int) -> int:
    """The vocabulary padded to VOCAB_PADDING: 32,001 -> 32,064; 128,256 stays."""
    return -(-vocab_size // VOCAB_PADDING) * VOCAB_PADDING


def vocab_rows_per_rank(vocab_size: int, tp: int) -> int:
    """Rows on one TP rank: the padded vocabulary split evenly (Llama-3.1's 128,256 at TP=2:
    64,128; gpt-oss's 201,088 = 3,142 x 64)."""
    return -(-padded_vocab(vocab_size) // tp)
