"""Multi-LoRA serving (`vllm serve --enable-lora --max-loras N --max-lora-rank R`): the GPU
memory vLLM's LoRA slots take on each GPU before the KV cache is sized, and the releases and
models it is sized for, one concept a module:
- settings: the releases read (LORA_READ), the --max-lora-rank and --lora-dtype choices,
  LoraSettings, the flags' refusals and the slots' element bytes;
- coverage: the model classes sized (LORA_ARCHITECTURES) and the refusal of every other
  release, class, layer kind and MoE setting (lora_refusal);
- part: LayerPart and LoraPart, one module's slots and what a step moves through its kernels;
- slots: the attention, dense MLP, Gated-DeltaNet, embedding and lm_head slots, and one
  stage's sum (stage_parts, stage_lora_bytes);
- punica: the Punica wrapper's index buffers;
- cuda_graphs: the CUDA graphs captured per active-LoRA case;
- moe: the routed experts', router gates' and shared experts' slots, and EP under LoRA;
- expert_formats: which quantized experts (FP8, int4, NVFP4, MXFP4) vLLM serves under LoRA,
  per release, and the refusals of the rest;
- deepseek_mla: DeepSeek-V2/V3/V3.2's MLA projections and sparse-attention indexer;
- tower: the vision tower and connector with --enable-tower-connector-lora.
The LoRA kernels' time is planner.serving.speed.lora_cost's."""
