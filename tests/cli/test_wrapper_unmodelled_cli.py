"""`plan --json` of a multimodal wrapper Headroom plans only the text model of: the verdict and
model_warnings name the towers left out (tests/planner/model/test_wrapper_unmodelled.py has
the configs and the figures)."""

import json
from pathlib import Path

from tests.cli.conftest import run_main
from tests.planner.model.test_wrapper_unmodelled import LLAMA_TEXT


def test_plan_json_of_granite_speech_is_no_confident_fit(capsys, tmp_path: Path) -> None:
    # GraniteSpeechConfig's towers sit in encoder_config and projector_config; with
    # --skip-mm-profiling the verdict was a plain "Fits" naming nothing
    text = {**LLAMA_TEXT, "model_type": "granite"}
    config = {"model_type": "granite_speech",
              "architectures": ["GraniteSpeechForConditionalGeneration"], "text_config": text,
              "encoder_config": {"model_type": "granite_speech_encoder"},
              "projector_config": {"model_type": "blip_2_qformer"}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    code, out, _ = run_main(capsys, "plan", "--model", str(tmp_path), "--gpu", "h100-sxm",
                              "--skip-mm-profiling", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["verdict"].startswith("Fits (unmodelled: granite_speech tower weights "
                                      "(encoder_config, projector_config)): ")
    [warning] = [w for w in data["model_warnings"] if "multimodal wrapper" in w]
    assert warning.startswith("granite_speech is a multimodal wrapper Headroom does not model")
