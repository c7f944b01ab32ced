"""--kv-cache-memory-bytes: the fit check counted only the pool and the weights, so 8 GiB beside
Qwen3-8B on an RTX 3090 read "Fits" at 15.27 + 8.00 = 23.27 of 23.57 GiB. vLLM still runs its
profile run, then allocates the pool, warms up, captures CUDA graphs and serves beside it
(gpu_worker.determine_available_memory / compile_or_warm_up_model, 0.11.1 and 0.34.0 wheels;
its own --kv-cache-memory advice is free memory - weights - non-torch - peak activation -
CUDA graphs - 150 MiB): every term coexists with the pool.

By hand, Qwen3-8B (bf16, hidden 4096, gated MLP of 2 x 12,288, vocab 151,936), one RTX 3090
(CUDA total 25,308,094,792 B), vLLM 0.34.0 (Model Runner V2), 2048 batched tokens, 256 seqs:
  weights         16,391,956,480 B  8,190,735,360 params x 2 B + 10 MiB rotary cos/sin cache
  activation         602,025,099 B  3.637 x 256 x 151,936 x 4 + 0.308 x 2048 x (4096 + 24,576) x 2
  non-torch          268,435,456 B  0.25 GiB CUDA context
  CUDA graphs        757,491,268 B  8.4 MiB x 86 graphs
  runner buffers     169,894,912 B  155,582,464 + 4,861,952 x 2 + 4,588,544
  held              18,189,803,215 B
  room = 25,308,094,792 - 18,189,803,215 = 7,118,291,577 B (6.63 GiB)
8 GiB (8,589,934,592 B) is 1,471,643,015 B (1.37 GiB) over: does not fit; 6 GiB fits.
"""

import json

from tests.cli.conftest import run_main

ARGS = ("--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--gpus", "1", "--vllm-version",
        "0.34.0", "--json", "--kv-cache-memory-bytes")


def test_a_pool_that_fits_only_beside_the_weights_does_not_fit(capsys) -> None:
    code, out, err = run_main(capsys, "plan", *ARGS, "8G")
    assert code == 0, err
    data = json.loads(out)
    assert not data["fits"]
    assert any("at most 7,118,291,577 B (6.63 GiB) fits" in e for e in data["errors"]), data
    assert any("exceed the GPU's 23.57 GiB by 1.37 GiB" in e for e in data["errors"]), data


def test_a_pool_with_room_beside_every_term_fits(capsys) -> None:
    code, out, err = run_main(capsys, "plan", *ARGS, "6G")
    assert code == 0, err
    assert json.loads(out)["fits"]
