"""`plan` warns where the checkpoint's stored parameter count disagrees with the config's, as
`inspect`, the report and the Model page say it (planner.report.param_check).

Hand-worked count of tests/cli/tiny_model.py's TINY_CONFIG (Llama, untied embeddings):
  embeddings and lm_head: 2 x 32,000 x 512                                 = 32,768,000
  per layer: q 512 x 512 + k, v 2 x 512 x 128 + o 512 x 512 = 655,360;
             MLP 3 x 512 x 1,024 = 1,572,864; 2 norms x 512 = 1,024    ->  2,229,248
  4 layers                                                                 =  8,916,992
  final norm                                                               =        512
  architecture                                                             = 41,685,504
A checkpoint holding the embeddings only stores 32,000 x 512 = 16,384,000: 25,301,504 fewer,
-25,301,504 / 41,685,504 = -60.70 %.
"""

import json
import struct
import subprocess
import sys
from pathlib import Path

from cli.planner_cli import main
from tests.cli.tiny_model import TINY_CONFIG
from tests.hubserver import ROOT, FakeFile, FakeHub, FakeRepo, client_env, safetensors_file

ARCH = 41_685_504
STORED = 16_384_000
LINE = (f"Parameter check against the checkpoint: The checkpoint holds {ARCH - STORED:,} fewer "
        f"parameters (-60.70%): checkpoint {STORED:,} vs architecture {ARCH:,}.")


def _folder(tmp_path: Path, tensors: dict[str, list[int]]) -> Path:
    """TINY_CONFIG and one safetensors file whose header lists `tensors` (BF16; the data
    after the header is never read)."""
    (tmp_path / "config.json").write_text(json.dumps(TINY_CONFIG))
    header, offset = {}, 0
    for name, shape in tensors.items():
        size = 2 * shape[0] * shape[1]
        header[name] = {"dtype": "BF16", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    blob = json.dumps(header).encode()
    (tmp_path / "model.safetensors").write_bytes(struct.pack("<Q", len(blob)) + blob)
    return tmp_path


def _plan(capsys, folder: Path, *extra: str) -> str:
    capsys.readouterr()
    assert main(["plan", "--model", str(folder), "--gpu", "rtx-3090", *extra]) == 0
    return capsys.readouterr().out


def test_plan_warns_where_the_checkpoint_disagrees_with_the_config(capsys, tmp_path) -> None:
    folder = _folder(tmp_path, {"model.embed_tokens.weight": [32000, 512]})
    assert any(line.startswith(f"warning: {LINE} The architecture count")
               for line in _plan(capsys, folder).splitlines())
    data = json.loads(_plan(capsys, folder, "--json"))
    assert data["warnings"][-1].startswith(LINE)
    # inspect says the same
    capsys.readouterr()
    assert main(["inspect", str(folder)]) == 0
    assert LINE.removeprefix("Parameter check against the checkpoint: ") in capsys.readouterr().out


def test_plan_says_nothing_where_they_agree(capsys, tmp_path) -> None:
    # the whole architecture stored: embeddings, lm_head, 4 layers and the norms as one
    # 2-D tensor each of the hand-worked sizes (41,685,504 = 81,417 x 512)
    assert ARCH == 81_417 * 512
    folder = _folder(tmp_path, {"model.weights": [81_417, 512]})
    out = _plan(capsys, folder, "--json")
    assert not [w for w in json.loads(out)["warnings"] if "Parameter check" in w]


def test_plan_warns_for_a_hub_repo_whose_headers_disagree(tmp_path) -> None:
    # the same checkpoint on the (local, fake) hub: plan reads its safetensors headers there
    weights = safetensors_file({"model.embed_tokens.weight": ("BF16", [32000, 512])},
                               {"BF16": 2})
    hub = FakeHub({"acme/short-weights": FakeRepo({
        "config.json": FakeFile(json.dumps(TINY_CONFIG).encode()),
        "model.safetensors": weights})})
    try:
        done = subprocess.run(
            [sys.executable, "-m", "planner", "plan", "--model", "acme/short-weights", "--gpu",
             "rtx-3090", "--json"], cwd=ROOT, env=client_env(hub.url, tmp_path),
            capture_output=True, text=True, timeout=60)
    finally:
        hub.stop()
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["warnings"][-1].startswith(LINE)


def test_sweep_warns_too(capsys, tmp_path) -> None:
    folder = _folder(tmp_path, {"model.embed_tokens.weight": [32000, 512]})
    capsys.readouterr()
    assert main(["sweep", "--model", str(folder), "--gpu", "rtx-3090"]) == 0
    assert f"warning: {LINE}" in capsys.readouterr().err
    assert main(["sweep", "--model", str(folder), "--gpu", "rtx-3090", "--json"]) == 0
    captured = capsys.readouterr()
    assert [w[:len(LINE)] for w in json.loads(captured.out)["warnings"]] == [LINE]
    assert LINE not in captured.err  # --json keeps stderr for notes


def test_recommend_warns_too(capsys, tmp_path) -> None:
    # recommend searched the config's count without the checkpoint's disagreement, which plan
    # and sweep print on stderr and carry in --json's `warnings`
    folder = _folder(tmp_path, {"model.embed_tokens.weight": [32000, 512]})
    argv = ["recommend", "--model", str(folder), "--gpu", "rtx-3090", "--gpus-max", "1",
            "--context", "4096"]
    capsys.readouterr()
    assert main(argv) == 0
    assert f"warning: {LINE}" in capsys.readouterr().err
    assert main([*argv, "--json"]) == 0
    captured = capsys.readouterr()
    assert [w[:len(LINE)] for w in json.loads(captured.out)["warnings"]] == [LINE]
    assert LINE not in captured.err  # --json keeps stderr for notes
