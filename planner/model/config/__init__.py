"""config.json -> ModelSpec: the parser and its readers for fields, quantization and vision
towers."""
