"""`python -m planner sweep --objective` and `python -m planner recommend`: hand-checkable
orders on the tiny hand-written model (tests/cli/tiny_model.py), bad input exits 2."""

import json
from pathlib import Path

import pytest

from cli.planner_cli import main
from tests.cli.tiny_model import TINY_CONFIG


@pytest.fixture()
def model_dir(tmp_path: Path) -> Path:
    (tmp_path / "config.json").write_text(json.dumps(TINY_CONFIG))
    return tmp_path


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_sweep_objective_fewest_gpus_ranks_one_gpu_first(capsys, model_dir: Path) -> None:
    # the tiny model (~70 MB of weights) fits one RTX 3090, so the best rows use one GPU;
    # the default (context) puts TP=1 x PP=4 first: 256 B of fp8 KV per token per GPU
    base = ["sweep", "--model", str(model_dir), "--gpu", "rtx-3090", "--gpus", "4",
            "--max-model-len", "4096", "--json"]
    code, out, _ = _run(capsys, *base, "--objective", "fewest-gpus")
    data = json.loads(out)
    assert code == 0 and data["objective"] == "fewest-gpus"
    assert data["rows"][0]["gpus_used"] == 1
    code, out, _ = _run(capsys, *base)
    data = json.loads(out)
    assert data["objective"] == "context"
    assert (data["rows"][0]["layout"]["tp"], data["rows"][0]["layout"]["pp"]) == (1, 4)
    assert data["rows"][0]["kv_bytes_per_token_per_gpu"] == 2 * 1 * 2 * 64 * 1


@pytest.mark.parametrize("flags", [["--objective", "speed"], ["--tpot-ms", "0"],
                                   ["--tpot-ms", "fast"]])
def test_bad_sweep_objective_flags_exit_2(capsys, model_dir: Path, flags: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["sweep", "--model", str(model_dir), "--gpu", "rtx-3090", *flags])
    err = capsys.readouterr().err
    assert caught.value.code == 2 and len(err.strip().splitlines()) == 1
