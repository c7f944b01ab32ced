"""The processor files (processor_config.json, preprocessor_config.json,
video_preprocessor_config.json) read beside config.json, by the real huggingface_hub client
against the local fake hub (tests.hubserver), from its cache, and from a model folder; what
the Qwen3.5 tower is then planned at (planner.model.config.processor).

Qwen3.5-27B's config (tests/fixtures/configs, a copy of ../shared/model-configs): vision_config
patch_size 16, spatial_merge_size 2, temporal_patch_size 2, a 32 x 32 px merged token.
"""

import json
import subprocess
import sys

import pytest

from planner.model.config.parser import parse_model_config
from probes.hub import resolve_model
from tests.conftest import CONFIG_DIR
from tests.hubserver import FakeFile, FakeHub, FakeRepo
from tests.probes.test_hub import run_client

CONFIG = (CONFIG_DIR / "Qwen__Qwen3.5-27B.json").read_bytes()
IMAGE = {"size": {"longest_edge": 16_777_216, "shortest_edge": 65_536}, "patch_size": 16,
         "temporal_patch_size": 2, "merge_size": 2}
"""An image processor file as the Qwen3.5 copies read have it (4,096 x 4,096 px)."""
VIDEO = {"size": {"longest_edge": 234_881_024, "shortest_edge": 4_096}, "patch_size": 16,
         "temporal_patch_size": 2, "merge_size": 2}
"""A copy of Qwen/Qwen3.5-9B-Base's video_preprocessor_config.json size."""


def _file(obj: object) -> FakeFile:
    return FakeFile(json.dumps(obj).encode())


@pytest.fixture
def hub():
    server = FakeHub({
        "acme/qwen35-video": FakeRepo({"config.json": FakeFile(CONFIG),
                                       "preprocessor_config.json": _file(IMAGE),
                                       "video_preprocessor_config.json": _file(VIDEO)}),
        "acme/qwen35-image": FakeRepo({"config.json": FakeFile(CONFIG),
                                       "preprocessor_config.json": _file(IMAGE)}),
        "acme/qwen35-broken": FakeRepo({"config.json": FakeFile(CONFIG),
                                        "preprocessor_config.json": _file(IMAGE),
                                        "video_preprocessor_config.json": FakeFile(b"{size: 1")}),
        "acme/qwen35-bare": FakeRepo({"config.json": FakeFile(CONFIG)}),
    })
    yield server
    server.stop()


def _encoder(src: dict):
    spec = parse_model_config(src["config"], processor_configs=src["processor_configs"])
    return spec, spec.vision.encoder


def test_a_video_file_gives_the_video_limit(hub, tmp_path):
    src = run_client(hub.url, tmp_path, "acme/qwen35-video")["source"]
    assert src["origin"] == "hub"
    assert src["processor_configs"] == {"preprocessor_config.json": IMAGE,
                                        "video_preprocessor_config.json": VIDEO}
    spec, enc = _encoder(src)
    assert enc.video_max_pixels == 234_881_024 and enc.image_max_pixels == 16_777_216
    assert enc.video_pixels_source == "video_preprocessor_config.json size.longest_edge"
    # 16,777,216 // 32^2 = 16,384 tokens = 128 x 128, 4 patches each: 65,536 patches
    assert enc.max_item_patches == 65_536
    assert ("vision encoder profile: image processor longest_edge 16,777,216 px from "
            "preprocessor_config.json size.longest_edge; video processor longest_edge "
            "234,881,024 px from video_preprocessor_config.json size.longest_edge"
            ) in spec.assumptions
    # processor_config.json is not listed: never asked for
    assert not any(p.endswith("/processor_config.json") for _, p, _ in hub.requests)
    # the cache serves them too, the hub gone
    hub.stop()
    cached = run_client(hub.url, tmp_path, "acme/qwen35-video")["source"]
    assert cached["origin"] == "cache"
    assert cached["processor_configs"] == src["processor_configs"]


def test_without_a_video_file_the_video_takes_the_image_files_size(hub, tmp_path):
    src = run_client(hub.url, tmp_path, "acme/qwen35-image")["source"]
    assert src["processor_configs"] == {"preprocessor_config.json": IMAGE}
    _, enc = _encoder(src)
    # transformers 5.x get_video_processor_dict: no nested video_processor, no
    # video_preprocessor_config.json, so preprocessor_config.json's size
    assert enc.video_max_pixels == 16_777_216
    assert enc.video_pixels_source == "preprocessor_config.json size.longest_edge"


def test_a_malformed_processor_file_is_noted_and_the_assumed_limit_planned(hub, tmp_path):
    src = run_client(hub.url, tmp_path, "acme/qwen35-broken")["source"]
    assert src["origin"] == "hub" and src["config"]["model_type"] == "qwen3_5"
    assert src["processor_configs"] == {"preprocessor_config.json": IMAGE,
                                        "video_preprocessor_config.json": None}
    said = [n for n in src["notes"] if n.startswith(
        "acme/qwen35-broken/video_preprocessor_config.json")]
    # r4: it said the image and video limits the file "may give" were not planned, though the
    # image's was read from preprocessor_config.json (IMAGE: size.longest_edge 16,777,216);
    # the video's, not read, is vision.QWEN3_VL_VIDEO_MAX_PIXELS 25,165,824 assumed
    assert len(said) == 1 and said[0].endswith(
        ": not read; a Qwen3-VL-family tower (no other reads these files) plans the image "
        "limit 16,777,216 px from preprocessor_config.json size.longest_edge, video limit "
        "25,165,824 px assumed (unverified) (transformers 5.x's file order)"), src["notes"]
    assert src["processor_problems"] == said
    # the video file transformers reads is there but not read: its limit is not known, so the
    # assumed 25,165,824 stands, not preprocessor_config.json's 16,777,216 (transformers reads
    # the video file, not that one: get_video_processor_dict's order)
    spec, enc = _encoder(src)
    assert (enc.video_max_pixels, enc.video_pixels_source) == (25_165_824, "")
    assert enc.image_pixels_source == "preprocessor_config.json size.longest_edge"
    assert ("video processor longest_edge 25,165,824 px assumed, unverified"
            in spec.assumptions[-1]), spec.assumptions


def test_a_repo_without_processor_files_keeps_the_assumed_limits(hub, tmp_path):
    src = run_client(hub.url, tmp_path, "acme/qwen35-bare")["source"]
    assert src["processor_configs"] == {}
    spec, enc = _encoder(src)
    assert (enc.image_max_pixels, enc.video_max_pixels) == (16_777_216, 25_165_824)
    assert enc.image_pixels_source == enc.video_pixels_source == ""
    assert spec == parse_model_config(json.loads(CONFIG))


def test_a_model_folder_gives_its_processor_files(tmp_path):
    (tmp_path / "config.json").write_bytes(CONFIG)
    (tmp_path / "preprocessor_config.json").write_text(json.dumps(IMAGE))
    (tmp_path / "video_preprocessor_config.json").write_text(json.dumps(VIDEO))
    (tmp_path / "processor_config.json").write_text("[1, 2]")
    source = resolve_model(str(tmp_path))
    assert source.processor_configs == {"processor_config.json": None,
                                        "preprocessor_config.json": IMAGE,
                                        "video_preprocessor_config.json": VIDEO}
    assert any(n.startswith(f"{tmp_path}/processor_config.json holds an array, not a JSON "
                            "object: not read") for n in source.notes), source.notes
    # transformers 5.x reads processor_config.json first, for both processors: what it nests
    # is not known, so both assumed limits stand, not the files of their own
    enc = parse_model_config(source.config,
                             processor_configs=source.processor_configs).vision.encoder
    assert (enc.image_max_pixels, enc.video_max_pixels) == (16_777_216, 25_165_824)
    assert enc.image_pixels_source == enc.video_pixels_source == ""
    # a <name>.json config file names no folder: its neighbours are not its processor's
    (tmp_path / "q.json").write_bytes(CONFIG)
    assert resolve_model(str(tmp_path / "q.json")).processor_configs == {}


def test_the_cli_plans_a_folders_limits_and_says_what_it_did_not_read(tmp_path):
    (tmp_path / "config.json").write_bytes(CONFIG)
    (tmp_path / "video_preprocessor_config.json").write_text(json.dumps(VIDEO))
    (tmp_path / "preprocessor_config.json").write_bytes(b"\xef\xbb\xbf{}")
    proc = subprocess.run(
        [sys.executable, "-m", "planner", "plan", "--model", str(tmp_path), "--gpu",
         "h100-sxm", "--gpus", "1", "--vllm-version", "0.20.0", "--max-model-len", "8192",
         "--json"], cwd=CONFIG_DIR.parents[2], capture_output=True, text=True, timeout=120, env={
             "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    assert f"{tmp_path}/preprocessor_config.json starts with a UTF-8 byte-order mark" in (
        proc.stderr)
    activation = next(t for t in json.loads(proc.stdout)["terms"] if t["key"] == "activation")
    # the video file's 234,881,024 px: 458,752 patches (test_processor_limits works it)
    assert activation["inputs"]["encoder_patches"] == "458752"


def test_the_cli_refuses_a_video_temporal_patch_other_than_the_towers(tmp_path):
    # the video file's temporal_patch_size 1 beside vision_config's 2: every video fails in
    # vLLM's patch embedding (test_processor_limits works the 768 values); one line, exit 2
    (tmp_path / "config.json").write_bytes(CONFIG)
    (tmp_path / "video_preprocessor_config.json").write_text(
        json.dumps({**VIDEO, "temporal_patch_size": 1}))
    args = [sys.executable, "-m", "planner", "plan", "--model", str(tmp_path), "--gpu",
            "h100-sxm", "--gpus", "1", "--vllm-version", "0.30.0", "--max-model-len", "8192"]
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "HOME": str(tmp_path)}
    proc = subprocess.run(args, cwd=CONFIG_DIR.parents[2], capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert ("video_preprocessor_config.json temporal_patch_size 1 is not vision_config's "
            "temporal_patch_size 2") in proc.stderr
    # video at 0: planned
    proc = subprocess.run([*args, "--limit-mm-per-prompt", '{"video": 0}'],
                          cwd=CONFIG_DIR.parents[2], capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
