"""What an engine does with a model on given GPUs: hardware, parallel layouts, per-rank weights,
vLLM's memory rules, the plan and the sweep."""
