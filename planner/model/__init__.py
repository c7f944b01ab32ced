"""What the checkpoint is: its architecture (spec, config parsing), parameter counts,
quantization schemes, checkpoint sizes and the KV cache of each attention kind."""
