"""The CUDA graphs vLLM captures under --enable-lora: every capture size once per active-LoRA
case.

Read from the vLLM 0.17.0-0.34.0 wheels (settings.LORA_READ):
- CUDA graphs: every capture size is captured once per
  active-LoRA case, [0] + lora/utils.py get_captured_lora_counts(max_loras,
  specialize_active_lora) with cudagraph_specialize_lora (config/compilation.py, default True
  in every release read): V1's v1/cudagraph_dispatcher.py CudagraphDispatcher._get_lora_cases
  (0.17.0-0.33.0; get_capture_descs is the product of the sizes and the cases) and Model Runner
  V2's v1/worker/gpu/lora_utils.py get_lora_capture_cases (0.24.0-0.34.0; cudagraph_utils.py
  CudaGraphManager loops over product(sizes, lora_capture_cases)), and the graph estimate
  (gpu_model_runner.py profile_cudagraph_memory) counts every descriptor.
  get_captured_lora_counts (the same in 0.17.0-0.34.0) gives the powers of two up to
  max_loras + 1 and max_loras + 1 where LoRAConfig.specialize_active_lora is set
  (--specialize-active-lora: default False in config/lora.py of every release read, set by
  nothing else; in every covered release's parser from 0.16.0, so in every release of
  settings.LORA_READ); else [max_loras + 1]. So 2 cases per size by default (max_loras 4: 0
  and 5 active LoRAs), and with the flag 1 + the distinct values of the powers
  of two up to max_loras and max_loras + 1 (max_loras 4: 0, 1, 2, 4 and 5):
  lora_capture_counts. Model Runner V2 before 0.24.0 (v1/worker/gpu/cudagraph_utils.py
  capture(has_lora=...), 0.22.0-0.23.0 where it is a default) captures each size once, with
  LoRA, the flag or not: lora_capture_cases.

"""

from planner.serving.lora.settings import Version

V2_LORA_GRAPH_CASES_FROM: Version = (0, 24, 0)
"""The first wheel whose Model Runner V2 captures the LoRA graph cases (v1/worker/gpu/
lora_utils.py get_lora_capture_cases, model_runner.py lora_capture_cases); the 0.22.0-0.23.0
V2 captures each size once (cudagraph_utils.py capture(has_lora=...)); before 0.22.0 V2 is
nobody's default (vllm_versions.V2_RUNNER_DEFAULTS)."""


def lora_capture_counts(max_loras: int, specialize: bool) -> tuple[int, ...]:
    """The active-LoRA counts each capture size is captured for: [0] + lora/utils.py
    get_captured_lora_counts(max_loras, specialize) (0.17.0-0.34.0): 0 and max_loras + 1
    (two cases, whatever max_loras); with --specialize-active-lora (`specialize`) the powers of two
    up to max_loras + 1 and max_loras + 1 too (its `n & (n - 1) == 0 or n == max_loras + 1`
    over 1..max_loras + 1)."""
    top = max_loras + 1
    if not specialize:
        return 0, top
    powers = tuple(1 << i for i in range(top.bit_length()))  # 1, 2, 4, ... <= top
    return 0, *powers, *(() if top in powers else (top,))


def lora_capture_cases(version: Version, runner: str, max_loras: int = 1,
                       specialize: bool = False) -> int:
    """The graphs vLLM `version` captures per capture size with --enable-lora on `runner`
    ("v1" or "v2"): one per lora_capture_counts (`specialize`: --specialize-active-lora), or 1
    on V2 before V2_LORA_GRAPH_CASES_FROM."""
    if runner == "v2" and version < V2_LORA_GRAPH_CASES_FROM:
        return 1
    return len(lora_capture_counts(max_loras, specialize))


def lora_graph_count(graphs: tuple[int, int], enable_lora: bool, version: Version,
                     runner: str, max_loras: int = 1, specialize: bool = False
                     ) -> tuple[int, int]:
    """The (piecewise, full) CUDA graphs vLLM captures with --enable-lora: every capture size
    once per lora_capture_cases."""
    factor = lora_capture_cases(version, runner, max_loras, specialize) if enable_lora else 1
    return graphs[0] * factor, graphs[1] * factor

