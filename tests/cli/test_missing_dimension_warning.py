"""A config that leaves out a core dimension is planned on the transformers class default,
and plan (stderr and --json model_warnings) and sweep say so (review h419 #7: the tiny Llama
without hidden_size was planned at LlamaConfig's 4,096, silently, while inspect and report
listed the assumption).

Weights by hand (bf16, 2 B, untied) at hidden 4,096 (the default): per layer q and o 4,096 x
512 (8 heads of 64) each, k and v 4,096 x 128 (2 KV heads) each: 5,242,880; the MLP 3 x 4,096
x 1,024: 12,582,912; 2 norms of 4,096; x 4 layers, with the final norm: 20,971,520 + 50,331,648
+ 36,864; embeddings and lm_head 2 x 32,000 x 4,096 = 262,144,000: 333,484,032 parameters,
666,968,064 B, plus vLLM's rotary cos/sin cache of 8,192 positions x 64 x 2 B = 1,048,576 B:
668,016,640 B (the tiny model at its own 512 plans 84,419,584 B).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import run_main
from tests.cli.tiny_model import TINY_CONFIG

SAID = ("hidden_size missing: assumed 4096 (transformers LlamaConfig class default for "
        "model_type 'llama'): the plan is sized on it, as vLLM builds the model on it too; a "
        "checkpoint of another size fails vLLM's weight load")


def _config(tmp_path: Path) -> str:
    path = tmp_path / "no_hidden.json"
    path.write_text(json.dumps({k: v for k, v in TINY_CONFIG.items() if k != "hidden_size"}))
    return str(path)


def test_plan_json_carries_the_assumed_dimension(capsys, tmp_path: Path) -> None:
    code, out, err = run_main(capsys, "plan", "--model", _config(tmp_path), "--gpu",
                              "h100-sxm", "--json")
    data = json.loads(out)
    assert code == 0 and data["model_warnings"] == [SAID]
    assert data["weights_bytes_per_gpu"] == 668_016_640  # planned on the default, as vLLM


def test_plan_and_sweep_print_it_on_stderr(capsys, tmp_path: Path) -> None:
    for command in ("plan", "sweep"):
        code, _, err = run_main(capsys, command, "--model", _config(tmp_path), "--gpu",
                                "h100-sxm")
        assert code == 0 and f"python -m planner {command}: warning: {SAID}\n" in err, err
