"""probes.hub against the real huggingface_hub client and a local fake hub (tests/hubserver.py).

The client runs in a fresh interpreter per call, because huggingface_hub reads HF_ENDPOINT,
HF_HOME and HF_HUB_OFFLINE once at import; HF_HOME is a temporary folder. Nothing here
touches the internet or patches huggingface_hub.
"""

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from planner.catalog import catalog_entries, catalog_entry
from planner.model.checkpoint import compare_param_counts
from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from planner.serving.launch import remote_code_note
from planner.serving.vllm_cli import vllm_cli
from probes.endpoint import request_problem
from probes.hub import (
    HEADER_FORM,
    HubError,
    _mapped,
    fetch_model,
    invalid_repo_id_message,
    resolve_model,
)
from tests.hubserver import (
    FakeFile,
    FakeHub,
    FakeRepo,
    Socks5Proxy,
    client_env,
    safetensors_file,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "hub"
TOKEN = "hf_PrivateReaderToken0123456789abcdefXYZ"
OTHER_TOKEN = "hf_NotAcceptedForGatedRepo9876543210qrs"
WIDTHS = {"BF16": 2, "F8_E4M3": 1, "F32": 4, "U8": 1}
SHA = "0123456789abcdef0123456789abcdef01234567"
BOM = b"\xef\xbb\xbf"
"""The UTF-8 byte-order mark Windows tools write first: transformers' open(encoding="utf-8")
keeps it, as U+FEFF, and json.loads refuses it, so vLLM cannot read a file starting so."""
KIMI_LIKE_TOKENIZER = {"tokenizer_class": "TikTokenTokenizer", "model_max_length": 131072,
                       "auto_map": {"AutoTokenizer": ["tokenization_kimi.TikTokenTokenizer", None]}}
"""Kimi-K2-Instruct's tokenizer_config.json's two keys the launch rule reads, and one it does
not."""

CLIENT = """
import json, sys, time
from probes.hub import HubError, fetch_model, resolve_model
args = json.loads(sys.argv[1])
call = resolve_model if args.pop("resolve") else fetch_model
start = time.monotonic()
try:
    out = {"source": call(args.pop("model"), **args).model_dump(mode="json")}
except HubError as err:
    out = {"kind": err.kind, "message": err.message, "text": str(err)}
print(json.dumps({**out, "s": time.monotonic() - start}))
"""


def _fixture(name: str) -> FakeFile:
    return FakeFile((FIXTURES / name).read_bytes())


def _bad_input(name: str) -> FakeFile:
    return FakeFile((ROOT / "tests" / "fixtures" / "bad_inputs" / name).read_bytes())


def _repos() -> dict[str, FakeRepo]:
    # Llama-3.1-70B FP8 (ModelOpt): two shards with one layer's worth of real shapes.
    # shard 1: embed_tokens [128256, 8192] BF16, down_proj [8192, 28672] F8_E4M3,
    #          its weight_scale and input_scale, F32 scalars (shape [] = 1 element each);
    # shard 2: lm_head [128256, 8192] BF16, norm [8192] BF16.
    shard1 = safetensors_file(
        {
            "model.embed_tokens.weight": ("BF16", [128256, 8192]),
            "model.layers.0.mlp.down_proj.weight": ("F8_E4M3", [8192, 28672]),
            "model.layers.0.mlp.down_proj.weight_scale": ("F32", []),
            "model.layers.0.mlp.down_proj.input_scale": ("F32", []),
        },
        WIDTHS,
    )
    shard2 = safetensors_file(
        {"lm_head.weight": ("BF16", [128256, 8192]), "model.norm.weight": ("BF16", [8192])},
        WIDTHS,
    )
    index = {
        "metadata": {"total_size": shard1.size + shard2.size},
        "weight_map": {
            "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
            "model.layers.0.mlp.down_proj.weight": "model-00001-of-00002.safetensors",
            "model.layers.0.mlp.down_proj.weight_scale": "model-00001-of-00002.safetensors",
            "model.layers.0.mlp.down_proj.input_scale": "model-00001-of-00002.safetensors",
            "lm_head.weight": "model-00002-of-00002.safetensors",
            "model.norm.weight": "model-00002-of-00002.safetensors",
        },
    }
    # gpt-oss-20b MXFP4 experts: blocks [32, 5760, 90, 16] U8, scales [32, 5760, 90] U8.
    gpt_oss = safetensors_file(
        {
            "model.layers.0.mlp.experts.gate_up_proj_blocks": ("U8", [32, 5760, 90, 16]),
            "model.layers.0.mlp.experts.gate_up_proj_scales": ("U8", [32, 5760, 90]),
            "model.layers.0.mlp.router.weight": ("BF16", [32, 2880]),
        },
        WIDTHS,
    )
    config = _fixture("openai__gpt-oss-20b.json")

    def headed(header: bytes) -> FakeRepo:
        """The config and a model.safetensors of `header` (hub safetensors metadata)."""
        return FakeRepo({"config.json": config, "model.safetensors": FakeFile(_framed(header))})

    def tensor_w(fields: bytes) -> FakeRepo:
        """headed: one tensor 'w' of `fields`, from its dtype on."""
        return headed(b'{"w": {"dtype": ' + fields + b"}}")

    return {
        "nvidia/Llama-3.1-70B-Instruct-FP8": FakeRepo(
            {
                "config.json": _fixture("nvidia__Llama-3.1-70B-Instruct-FP8.json"),
                "hf_quant_config.json": _fixture(
                    "nvidia__Llama-3.1-70B-Instruct-FP8.hf_quant_config.json"
                ),
                "model.safetensors.index.json": FakeFile(json.dumps(index).encode()),
                "model-00001-of-00002.safetensors": shard1,
                "model-00002-of-00002.safetensors": shard2,
                "README.md": FakeFile(b"# card"),
            }
        ),
        "openai/gpt-oss-20b": FakeRepo({"config.json": config, "model.safetensors": gpt_oss}),
        "nvidia/Nemotron-H-56B-Base-8K": FakeRepo(
            {"config.json": _fixture("nvidia__Nemotron-H-56B-Base-8K.json")},
            private=True,
            tokens=frozenset({TOKEN}),
        ),
        "meta-llama/Gated-8B": FakeRepo(
            {"config.json": config}, gated=True, tokens=frozenset({TOKEN})
        ),
        "acme/broken-json": FakeRepo({"config.json": FakeFile(b'{"hidden_size": 8,')}),
        "acme/list-json": FakeRepo({"config.json": FakeFile(b"[1, 2]")}),
        "someone/Foo-GGUF": FakeRepo(
            {
                "README.md": FakeFile(b"# gguf"),
                "foo.Q4_K_M.gguf": FakeFile(b"GGUF", size_bytes=4_368_439_584),
                "foo.Q8_0.gguf": FakeFile(b"GGUF", size_bytes=7_695_857_952),
            }
        ),
        "someone/Tiny-GGUF": FakeRepo(
            {"tiny.Q4_0.gguf": FakeFile(b"GGUF", size_bytes=3_145_728)}
        ),
        "acme/weights-no-config": FakeRepo(
            {
                "README.md": FakeFile(b"# weights"),
                "model-00001-of-00002.safetensors": FakeFile(b"x", size_bytes=2_147_483_648),
                "model-00002-of-00002.safetensors": FakeFile(b"x", size_bytes=1_073_741_824),
            }
        ),
        "acme/card-only": FakeRepo({"README.md": FakeFile(b"# card"),
                                    "LICENSE": FakeFile(b"MIT")}),
        "acme/down": FakeRepo({"config.json": config}, behaviour="error500"),
        "acme/remote-tokenizer": FakeRepo({"config.json": config, "tokenizer_config.json":
                                           FakeFile(json.dumps(KIMI_LIKE_TOKENIZER).encode())}),
        "acme/list-tokenizer": FakeRepo({"config.json": config,
                                         "tokenizer_config.json": FakeFile(b"[1, 2]")}),
        "acme/tokenizer-403": FakeRepo({"config.json": config, "tokenizer_config.json":
                                        FakeFile(json.dumps(KIMI_LIKE_TOKENIZER).encode())},
                                       behaviour="tokenizer403"),
        # issue 13: answers that are not the hub's, and configs that are not configs
        "acme/html": FakeRepo({"config.json": config}, behaviour="html"),
        "acme/png": FakeRepo({"config.json": config}, behaviour="png"),
        "acme/plain404": FakeRepo({"config.json": config}, behaviour="plain404"),
        "acme/html-config": FakeRepo({"config.json": FakeFile(b"<!doctype html><html>")}),
        "acme/deep-config": FakeRepo({"config.json": _bad_input("deep_nesting.config.json")}),
        "acme/bigint-config": FakeRepo(
            {"config.json": _bad_input("bigint_4301_digits.config.json")}),
        "acme/huge-config": FakeRepo({"config.json": FakeFile(b"{}", size_bytes=62 * 10**6)}),
        # vLLM cannot read these (transformers: open(encoding="utf-8"), json.loads)
        "acme/bom-config": FakeRepo({"config.json": FakeFile(BOM + config.data)}),
        "acme/utf16-config": FakeRepo(
            {"config.json": FakeFile(config.data.decode().encode("utf-16"))}),
        "acme/bom-quant": FakeRepo({
            "config.json": _fixture("nvidia__Llama-3.1-70B-Instruct-FP8.json"),
            "hf_quant_config.json": FakeFile(BOM + _fixture(
                "nvidia__Llama-3.1-70B-Instruct-FP8.hf_quant_config.json").data)}),
        "acme/bom-tokenizer": FakeRepo({"config.json": config, "tokenizer_config.json":
                                        FakeFile(BOM + json.dumps(KIMI_LIKE_TOKENIZER).encode())}),
        "acme/slow": FakeRepo({"config.json": config}, behaviour="hang"),
        # safetensors metadata huggingface_hub's parser raised TypeError / AttributeError on
        "acme/header-list": headed(b"[1, 2]"),
        "acme/header-shape": tensor_w(b'"BF16", "shape": [2, "x"], "data_offsets": [0, 4]'),
        "acme/header-negative": tensor_w(b'"BF16", "shape": [-5, 10], "data_offsets": [0, 4]'),
        "acme/header-float": tensor_w(b'"BF16", "shape": [1.5, 10], "data_offsets": [0, 4]'),
        "acme/header-huge": tensor_w(b'"BF16", "shape": [1000000000000000000000000000000, '
                                     b'1000000000000000000000000000000], "data_offsets": [0, 4]'),
        "acme/header-big": tensor_w(b'"BF16", "shape": [4294967296, 4294967295], '
                                    b'"data_offsets": [0, 4]'),
        "acme/header-null-shape": tensor_w(b'"BF16", "shape": null, "data_offsets": [0, 4]'),
        "acme/header-int-dtype": tensor_w(b'5, "shape": [2], "data_offsets": [0, 4]'),
        "acme/header-null-offsets": tensor_w(b'"BF16", "shape": [2], "data_offsets": null'),
        "acme/header-list-dtype": tensor_w(b'["BF16"], "shape": [2], "data_offsets": [0, 4]'),
        "acme/header-int-entry": headed(b'{"w": 5}'),
        "acme/index-map": FakeRepo({
            "config.json": config,
            "model.safetensors.index.json": FakeFile(b'{"weight_map": 5}'),
            "model-00001-of-00001.safetensors": FakeFile(_framed(b"{}"))}),
        # answers the client itself cannot read (a traceback through the CLI and the app before)
        "acme/rate-limited": FakeRepo({"config.json": config}, behaviour="rate_limited"),
        "acme/commit-escape": FakeRepo({"config.json": config}, sha="../../escape"),
        "acme/redirect-loop": FakeRepo({"config.json": config}, behaviour="redirect_loop"),
        "acme/bad-gzip": FakeRepo({"config.json": config}, behaviour="bad_gzip"),
        "acme/short-body": FakeRepo({"config.json": config}, behaviour="short_body"),
        "acme/info-list": FakeRepo({"config.json": config}, model_info=b"[1, 2]"),
        "acme/info-no-id": FakeRepo({"config.json": config}, model_info=b'{"siblings": []}'),
        "acme/info-siblings-int": FakeRepo({"config.json": config},
                                           model_info=b'{"id": "a/b", "siblings": 5}'),
        "acme/info-sibling-null": FakeRepo({"config.json": config},
                                           model_info=b'{"id": "a/b", "siblings": [null]}'),
        "acme/info-date-text": FakeRepo({"config.json": config}, model_info=(
            b'{"id": "a/b", "lastModified": "yesterday", "siblings": []}')),
        "acme/info-size-text": FakeRepo({"config.json": config}, model_info=(
            b'{"id": "a/b", "siblings": [{"rfilename": "config.json", "size": "big"}]}')),
        # 10**29 bytes: the checkpoint read 93,132,257,461,547,843,584 GiB and the audit's disk
        # finding said so, critical
        "acme/info-size-absurd": FakeRepo({"config.json": config}, model_info=(
            b'{"id": "a/b", "siblings": [{"rfilename": "config.json", "size": 9}, '
            b'{"rfilename": "model.safetensors", "size": 100000000000000000000000000000}]}')),
        "acme/slow-weights": FakeRepo(
            {"config.json": config, "model.safetensors": gpt_oss}, behaviour="hang_weights"
        ),
    }


@pytest.fixture
def hub():
    server = FakeHub(_repos())
    yield server
    server.stop()


def run_client(url: str, hf_home: Path, model: str, *, offline=False, hf_token=None,
               env_extra: dict[str, str] | None = None, **kwargs):
    """fetch_model (or resolve_model with resolve=True) in a fresh interpreter, `env_extra`
    added to its environment; its JSON."""
    env = client_env(url, hf_home, **(env_extra or {}))
    if offline:
        env["HF_HUB_OFFLINE"] = "1"
    if hf_token:
        env["HF_TOKEN"] = hf_token
    args = {"model": model, "resolve": kwargs.pop("resolve", False), **kwargs}
    # The 30 s bound only stops a hung client from hanging the suite; it is not a timing.
    proc = subprocess.run(
        [sys.executable, "-c", CLIENT, json.dumps(args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["stderr"] = proc.stderr
    return result


def test_success_reads_config_commit_file_list_and_header_counts(hub, tmp_path):
    out = run_client(hub.url, tmp_path, "nvidia/Llama-3.1-70B-Instruct-FP8")
    src = out["source"]
    assert src["origin"] == "hub"
    assert src["commit_sha"] == SHA
    raw = json.loads((FIXTURES / "nvidia__Llama-3.1-70B-Instruct-FP8.json").read_text())
    assert src["config"] == raw
    assert src["hf_quant_config"]["quantization"]["quant_algo"] == "FP8"
    ckpt = src["checkpoint"]
    # BF16: embed and lm_head 128256*8192 = 1,050,673,152 each, + norm 8192 = 2,101,354,496.
    # F8_E4M3: 8192*28672 = 234,881,024. F32: two scalar scales.
    assert ckpt["params_by_dtype"] == {"BF16": 2_101_354_496, "F8_E4M3": 234_881_024, "F32": 2}
    assert ckpt["aux_params_by_dtype"] == {"F32": 2}
    assert ckpt["total_params"] == 2_101_354_496 + 234_881_024 + 2
    # bytes: 2 x 2,101,354,496 + 234,881,024 + 4 x 2 = 4,437,590,024
    assert ckpt["tensor_bytes"] == 4_437_590_024
    sizes = {f["path"]: f["size_bytes"] for f in ckpt["files"]}
    assert set(sizes) == {
        "config.json",
        "hf_quant_config.json",
        "model.safetensors.index.json",
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
        "README.md",
    }
    shards = [hub.repos["nvidia/Llama-3.1-70B-Instruct-FP8"].files[n] for n in sizes if "-of-" in n]
    assert ckpt["safetensors_bytes"] == sum(f.size for f in shards)
    assert ckpt["gguf_files"] == []
    assert any(SHA in note for note in src["notes"])
    # Weights were never downloaded: every .safetensors GET asked for a byte range.
    shard_gets = [h for m, p, h in hub.requests if m == "GET" and p.endswith(".safetensors")]
    assert shard_gets and all("range" in {k.lower() for k in h} for h in shard_gets)


def test_single_file_mxfp4_checkpoint(hub, tmp_path):
    ckpt = run_client(hub.url, tmp_path, "openai/gpt-oss-20b")["source"]["checkpoint"]
    # U8 blocks 32*5760*90*16 = 265,420,800 + scales 32*5760*90 = 16,588,800; BF16 32*2880.
    assert ckpt["params_by_dtype"] == {"U8": 282_009_600, "BF16": 92_160}
    assert ckpt["aux_params_by_dtype"] == {"U8": 16_588_800}


def test_the_tokenizer_config_is_read_beside_the_config(hub, tmp_path):
    src = run_client(hub.url, tmp_path, "acme/remote-tokenizer")["source"]
    assert src["tokenizer_config"] == KIMI_LIKE_TOKENIZER
    spec = parse_model_config(src["config"], tokenizer_config=src["tokenizer_config"])
    assert spec.remote_tokenizer_class == "tokenization_kimi.TikTokenTokenizer"
    assert spec.tokenizer_class == "TikTokenTokenizer"
    # gpt-oss-20b's own class (GptOssForCausalLM) and config are native on 0.33.0: the note
    # is the tokenizer's
    assert remote_code_note(spec, vllm_cli("0.33.0")).startswith(
        "No launch command: tokenizer_config.json's tokenizer_class 'TikTokenTokenizer' is not "
        "one of transformers 5.16.1's (the oldest vLLM 0.33.0 allows)")
    # the cache serves it too, the hub gone
    hub.stop()
    cached = run_client(hub.url, tmp_path, "acme/remote-tokenizer")["source"]
    assert cached["origin"] == "cache" and cached["tokenizer_config"] == KIMI_LIKE_TOKENIZER


def test_a_repo_without_a_tokenizer_config_has_none(hub, tmp_path):
    src = run_client(hub.url, tmp_path, "openai/gpt-oss-20b")["source"]
    assert src["tokenizer_config"] is None
    # asked for, and the hub's 404 (EntryNotFound) read as "none"
    assert any(p.endswith("/tokenizer_config.json") for _, p, _ in hub.requests)
    assert not any("tokenizer" in note for note in src["notes"])
    spec = parse_model_config(src["config"], tokenizer_config=src["tokenizer_config"])
    assert remote_code_note(spec, vllm_cli("0.33.0")) is None


def test_a_tokenizer_config_that_is_no_object_is_left_out_with_a_note(hub, tmp_path):
    src = run_client(hub.url, tmp_path, "acme/list-tokenizer")["source"]
    assert src["origin"] == "hub" and src["tokenizer_config"] is None
    assert src["config"]["model_type"] == "gpt_oss"  # the plan goes on
    assert ("acme/list-tokenizer/tokenizer_config.json holds an array, not a JSON object: its "
            "tokenizer is not read, so whether vLLM needs --trust-remote-code for it is not "
            "known (vLLM cannot read that file either)") in src["notes"]
    assert src["tokenizer_problem"] in src["notes"]


def test_a_tokenizer_config_vllm_cannot_decode_is_left_out_with_a_note(hub, tmp_path):
    # transformers reads it as open(encoding="utf-8") and json.load: a BOM stops it there
    src = run_client(hub.url, tmp_path, "acme/bom-tokenizer")["source"]
    assert src["origin"] == "hub" and src["tokenizer_config"] is None
    assert src["tokenizer_problem"].startswith(
        "acme/bom-tokenizer/tokenizer_config.json starts with a UTF-8 byte-order mark (BOM)")
    assert src["tokenizer_problem"].endswith("(vLLM cannot read that file either)")


def test_a_tokenizer_config_the_hub_refuses_leaves_the_config_planned(hub, tmp_path):
    # only tokenizer_config.json is refused (403): the config was read, so the model is
    # planned from the hub's answer and the tokenizer's unknown remote-code need is said (a 5xx
    # there is retried by huggingface_hub until the deadline: the cache or catalog stands in)
    src = run_client(hub.url, tmp_path, "acme/tokenizer-403")["source"]
    assert src["origin"] == "hub" and src["config"]["model_type"] == "gpt_oss"
    assert src["tokenizer_config"] is None
    problem = src["tokenizer_problem"]
    assert problem.startswith(
        "acme/tokenizer-403/tokenizer_config.json could not be fetched (HTTP 403): ")
    assert problem.endswith("its tokenizer is not read, so whether vLLM needs "
                            "--trust-remote-code for it is not known")


def test_a_model_folder_gives_its_tokenizer_config(tmp_path):
    (tmp_path / "config.json").write_bytes((FIXTURES / "openai__gpt-oss-20b.json").read_bytes())
    assert resolve_model(str(tmp_path)).tokenizer_config is None
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(KIMI_LIKE_TOKENIZER))
    assert resolve_model(str(tmp_path)).tokenizer_config == KIMI_LIKE_TOKENIZER
    # a <name>.json config file names no folder: its neighbours are not its tokenizer
    (tmp_path / "gpt.json").write_bytes((FIXTURES / "openai__gpt-oss-20b.json").read_bytes())
    assert resolve_model(str(tmp_path / "gpt.json")).tokenizer_config is None


def test_cache_hit_with_the_server_stopped(hub, tmp_path):
    first = run_client(hub.url, tmp_path, "nvidia/Llama-3.1-70B-Instruct-FP8")["source"]
    hub.stop()
    src = run_client(hub.url, tmp_path, "nvidia/Llama-3.1-70B-Instruct-FP8")["source"]
    assert src["origin"] == "cache"
    assert src["commit_sha"] == SHA
    assert src["config"] == first["config"]
    assert src["hf_quant_config"] == first["hf_quant_config"]
    assert src["checkpoint"] is None
    assert "unreachable" in src["notes"][0] and "local cache" in src["notes"][0]


def test_offline_uses_the_cache_then_the_catalog(hub, tmp_path):
    run_client(hub.url, tmp_path, "openai/gpt-oss-20b")
    cached = run_client(hub.url, tmp_path, "openai/gpt-oss-20b", offline=True)["source"]
    assert cached["origin"] == "cache"
    assert "HF_HUB_OFFLINE" in cached["notes"][0]
    entry = catalog_entries()[0]
    from_catalog = run_client(hub.url, tmp_path, entry.repo_id, offline=True)["source"]
    assert from_catalog["origin"] == "catalog"
    assert from_catalog["config"] == entry.config
    assert "catalog" in from_catalog["notes"][0]
    missing = run_client(hub.url, tmp_path, "acme/never-cached", offline=True)
    assert missing["kind"] == "offline_not_cached"
    assert "HF_HUB_OFFLINE" in missing["message"]
    assert not [r for r in hub.requests if "never-cached" in r[1]]


def test_unreachable_hub_falls_back_to_the_catalog(hub, tmp_path):
    hub.stop()
    repo_id = catalog_entries()[0].repo_id
    src = run_client(hub.url, tmp_path, repo_id)["source"]
    assert src["origin"] == "catalog"
    assert "unreachable" in src["notes"][0]
    down = run_client(hub.url, tmp_path, "acme/not-anywhere")
    assert down["kind"] == "network"
    assert "not in the local cache" in down["message"]


@pytest.mark.parametrize(
    ("repo", "kind", "words"),
    [
        ("acme/typo-repo", "not_found", "check the spelling"),
        ("nvidia/Nemotron-H-56B-Base-8K", "private", "HF_TOKEN"),
        ("meta-llama/Gated-8B", "gated", "accept its licence"),
        ("acme/broken-json", "malformed", "not valid JSON"),
        ("acme/list-json", "malformed", "holds an array, not a JSON object"),
        ("acme/down", "server_error", "HTTP 500"),
        ("acme/html", "not_a_hub", "returned something that is not JSON (an HTML page)"),
        ("acme/png", "not_a_hub", "returned something that is not JSON (binary data, not text)"),
        ("acme/plain404", "not_a_hub", "answered HTTP 404 for acme/plain404, without the hub's "
         "error details: it does not look like a Hugging Face hub. Check HF_ENDPOINT"),
        ("acme/html-config", "malformed", "acme/html-config/config.json is not valid JSON"),
        ("acme/deep-config", "malformed", "nested too deeply"),
        ("acme/bigint-config", "malformed", "an integer of more than 4,300 digits"),
        ("acme/bom-config", "malformed", "acme/bom-config/config.json starts with a UTF-8 "
         "byte-order mark (BOM), which vLLM cannot load (transformers and safetensors read "
         "UTF-8 without one): save it as UTF-8 without the BOM."),
        ("acme/utf16-config", "malformed", "acme/utf16-config/config.json is UTF-16 text, "
         "which vLLM cannot load (transformers and safetensors read UTF-8 only): save it as "
         "UTF-8."),
        ("acme/bom-quant", "malformed", "acme/bom-quant/hf_quant_config.json starts with a "
         "UTF-8 byte-order mark (BOM)"),
        ("acme/huge-config", "malformed", "config.json is over the 4 MB limit (62,000,000 bytes "
         "listed by the hub)"),
        # "a server-side problem, not your input" before
        ("acme/rate-limited", "server_error", " rate-limited the requests for acme/rate-limited "
         "(HTTP 429): wait a few minutes and retry (the hub counts its limits over 5-minute "
         "windows)."),
        ("acme/redirect-loop", "not_a_hub", "answered acme/redirect-loop with redirects that "
         "never end (TooManyRedirects: Exceeded maximum allowed redirects.): HF_ENDPOINT"),
        ("acme/bad-gzip", "not_a_hub", "answered acme/bad-gzip with a body that cannot be "
         "decoded (DecodingError: Error -3 while decompressing data: incorrect header check)"),
        ("acme/short-body", "network", "broke off its answer for acme/short-body "
         "(RemoteProtocolError: peer closed connection without sending complete message body"),
        ("acme/info-list", "not_a_hub", "answered acme/info-list's model info with JSON that is "
         "not a model's (an array, not an object)"),
        ("acme/info-no-id", "not_a_hub", "with JSON that is not a model's (no 'id')"),
        # the client's own words before: "(TypeError: 'int' object is not iterable)",
        # "(TypeError: 'NoneType' object is not subscriptable)", and for the date "returned
        # something that is not JSON (ValueError: Cannot parse 'yesterday' as a datetime..."
        ("acme/info-siblings-int", "not_a_hub", "with JSON that is not a model's (its "
         "\"siblings\" field holds a number the Hugging Face client cannot read: 5): "
         "HF_ENDPOINT may not point at a Hugging Face hub"),
        ("acme/info-sibling-null", "not_a_hub", "with JSON that is not a model's (its "
         "\"siblings\" field holds an array the Hugging Face client cannot read: [null])"),
        ("acme/info-date-text", "not_a_hub", "with JSON that is not a model's (its "
         "\"lastModified\" field holds a string the Hugging Face client cannot read: "
         "\"yesterday\")"),
        ("acme/info-size-text", "not_a_hub", "with JSON that is not a model's (a listed file's "
         "size_bytes 'big': Input should be a valid integer"),
        ("acme/info-size-absurd", "not_a_hub", "with JSON that is not a model's "
         "(model.safetensors is listed at 100,000,000,000,000,000,000,000,000,000 bytes, over "
         "the 10 TB no hub file reaches)"),
    ],
)
def test_failures_have_specific_messages(hub, tmp_path, repo, kind, words):
    out = run_client(hub.url, tmp_path, repo)
    assert out["kind"] == kind
    assert words in out["message"]
    assert out["text"] == out["message"]
    # the client's own log lines ("Trying to resume download..." five times for a body cut
    # short) broke the CLI's one-line error before
    assert out["stderr"] == ""


def test_revision_not_found(hub, tmp_path):
    out = run_client(hub.url, tmp_path, "openai/gpt-oss-20b", revision="v9-missing")
    assert out["kind"] == "revision_not_found"
    assert "'v9-missing'" in out["message"]


def test_gguf_only_repo_offers_its_gguf_files(hub, tmp_path):
    out = run_client(hub.url, tmp_path, "someone/Foo-GGUF")
    assert out["kind"] == "no_config"
    # 4,368,439,584 / 2**30 = 4.068 GiB; 7,695,857,952 / 2**30 = 7.167 GiB.
    assert "foo.Q4_K_M.gguf (4.07 GiB)" in out["message"]
    assert "foo.Q8_0.gguf (7.17 GiB)" in out["message"]


def test_a_tiny_gguf_files_size_reads_mib_not_zero(hub, tmp_path):
    # 3,145,728 B = 3 MiB, under 0.01 GiB (10,737,418.24 B): it read "(0.00 GiB)"
    out = run_client(hub.url, tmp_path, "someone/Tiny-GGUF")
    assert out["kind"] == "no_config"
    assert "Its GGUF files: tiny.Q4_0.gguf (3.00 MiB)." in out["message"]


@pytest.mark.parametrize(("repo", "holds"), [
    # 2,147,483,648 + 1,073,741,824 = 3,221,225,472 bytes = 3.00 GiB (2**30)
    ("acme/weights-no-config", "it holds safetensors weights (2 files, 3.00 GiB) without the "
                               "transformers config that describes them."),
    ("someone/Foo-GGUF", "it holds GGUF files only."),
    ("acme/card-only", "it holds no safetensors or GGUF weights (its files: "),
])
def test_a_repo_without_config_says_what_it_holds(hub, tmp_path, repo, holds):
    # it said "GGUF-only or non-transformers repo" of a repo of safetensors weights too
    out = run_client(hub.url, tmp_path, repo)
    assert out["kind"] == "no_config"
    assert out["message"].startswith(f"{repo} has no config.json, so its architecture cannot "
                                     f"be read: {holds}")
    assert "GGUF-only" not in out["message"]


@pytest.mark.parametrize("repo", [
    "not a/repo//id",
    # huggingface_hub's own rules (validate_repo_id): HFValidationError tracebacks before
    "acme/\u00e9t\u00e9", "acme/\uff58", "acme/x.git", "acme/x\n", "a" * 97 + "/b",
])
def test_invalid_repo_id_is_refused_before_any_request(hub, tmp_path, repo):
    out = run_client(hub.url, tmp_path, repo)
    assert out["kind"] == "invalid_repo_id"
    assert out["message"].startswith(f"{repo!r} is not a Hugging Face repo id")
    assert hub.requests == []


@pytest.mark.parametrize(("text", "hint"), [
    ("https://huggingface.co/Qwen/Qwen3-8B", "Qwen/Qwen3-8B"),
    ("http://www.huggingface.co/Qwen/Qwen3-8B/blob/main/config.json", "Qwen/Qwen3-8B"),
    ("https://hf.co/openai/gpt-oss-20b?library=vllm", "openai/gpt-oss-20b"),
    ("https://huggingface.co/datasets/acme/data", None),  # a dataset's page
    ("https://github.com/Qwen/Qwen3", None),  # not a hub
    ("https://huggingface.co/Qwen", None),  # an owner's page
    ("https://huggingface.co/Qwen/Qw\u00e9n", None),  # no repo id the client takes
    # without the scheme, as an address bar copies it: no hint before
    ("hf.co/Qwen/Qwen3-8B", "Qwen/Qwen3-8B"),
    ("www.huggingface.co/Qwen/Qwen3-8B/tree/main", "Qwen/Qwen3-8B"),  # the default branch
    ("huggingface.co/datasets/acme/data", None),
    ("huggingface.co", None),
    # a revision git cannot name ('..') is left unsaid, not offered to --revision
    ("https://huggingface.co/Qwen/Qwen3-8B/tree/a..b", "Qwen/Qwen3-8B"),
])
def test_a_model_pages_address_is_refused_with_the_repo_id_it_holds(text, hint):
    message = invalid_repo_id_message(text)
    assert message.startswith(f"{text!r} is not a Hugging Face repo id")
    tail = f" That is a model page's address; its repo id is {hint}."
    assert message.endswith(tail if hint else "or a path to an existing config.json or model "
                            "folder.")


@pytest.mark.parametrize(("text", "revision", "flag"), [
    ("https://huggingface.co/Qwen/Qwen3-8B/tree/v2.0", "v2.0", "v2.0"),
    ("hf.co/Qwen/Qwen3-8B/blob/dev/config.json", "dev", "dev"),  # a file's page
    # the hub writes a branch's '/' as %2F in the address
    ("https://huggingface.co/Qwen/Qwen3-8B/tree/refs%2Fpr%2F1", "refs/pr/1", "refs/pr/1"),
    ("https://huggingface.co/Qwen/Qwen3-8B/resolve/it's/config.json", "it's",
     "'it'\"'\"'s'"),  # quoted for the shell
])
def test_a_model_pages_revision_is_named_with_the_flag_that_takes_it(text, revision, flag):
    head = " That is a model page's address; its repo id is Qwen/Qwen3-8B and its revision "
    assert invalid_repo_id_message(text).endswith(f"{head}{revision} (--revision {flag}).")
    # where no revision can be given (the app's field takes the id only; a target checkpoint)
    assert invalid_repo_id_message(text, revision_input=None).endswith(f"{head}{revision}.")


def test_a_model_page_on_the_hubs_own_host_is_answered_before_any_request(hub, tmp_path):
    # HF_ENDPOINT's host, without the scheme, and a /tree/<rev> page: refused with the repo id
    # and the revision it shows, the hub not asked
    page = f"{hub.url.removeprefix('http://')}/nvidia/Llama-3.1-70B-Instruct-FP8/tree/dev"
    out = run_client(hub.url, tmp_path, page)
    assert out["kind"] == "invalid_repo_id"
    assert out["message"].endswith(" That is a model page's address; its repo id is "
                                   "nvidia/Llama-3.1-70B-Instruct-FP8 and its revision dev "
                                   "(--revision dev).")
    assert hub.requests == []


def test_a_commit_the_client_refuses_is_one_line_not_its_traceback(hub, tmp_path):
    # X-Repo-Commit '../../escape': huggingface_hub's cache refuses it as a folder outside its
    # snapshots ("ValueError: Invalid pointer path: ..."), which ended the CLI in a traceback
    out = run_client(hub.url, tmp_path, "acme/commit-escape")
    assert out["kind"] == "not_a_hub"
    message = out["message"]
    assert "\n" not in message
    assert message.startswith(f"The server at {hub.url} answered acme/commit-escape with "
                              "something the Hugging Face client refuses (ValueError: Invalid "
                              "pointer path: ")
    # the client's words cut to 100 characters, then the stand-ins tried (none for this repo)
    assert ("...): HF_ENDPOINT or a proxy in between is misconfigured; check both. "
            in message), message
    assert message.endswith(" nor in the bundled catalog.")


@pytest.mark.parametrize(("endpoint", "words"), [
    # huggingface_hub parses HF_ENDPOINT at import: ValueError from `import probes.hub` before
    ("http://[::1", "HF_ENDPOINT 'http://[::1' is not a URL (Invalid IPv6 URL): set HF_ENDPOINT"
     " to the hub's address"),
    ("http://127.0.0.1:99999", "HF_ENDPOINT 'http://127.0.0.1:99999' is not a URL (Port out of "
     "range 0-65535)"),
    # "Cannot reach the hub at localhost:8080 (UnsupportedProtocol)" before
    ("localhost:8080", "HF_ENDPOINT 'localhost:8080' is not an http(s) URL with a host"),
    # urlsplit takes these, the client's httpx2 does not: an InvalidURL traceback before
    ("http://256.1.1.1", "HF_ENDPOINT 'http://256.1.1.1' is not a URL (Invalid IPv4 address: "
     "'256.1.1.1'): set HF_ENDPOINT to the hub's address"),
    # the socket's idna encoding refuses an empty or 64-character label: "The hub at
    # http://a..b returned something that is not JSON (UnicodeError: ...)" before, unsent
    ("http://a..b", "HF_ENDPOINT 'http://a..b' has an invalid host name 'a..b' (a "
     "dot-separated part is empty or over 63 characters): set HF_ENDPOINT"),
    (f"http://{'a' * 64}.com", f"HF_ENDPOINT 'http://{'a' * 64}.com' has an invalid host name"),
])
def test_a_malformed_endpoint_is_named_and_never_asked(tmp_path, endpoint, words):
    out = run_client(endpoint, tmp_path, "acme/anything")
    assert out["kind"] == "invalid_setting"
    assert out["message"].startswith(words)
    assert out["stderr"] == ""
    # files and verbatim catalog entries need no hub, so they still answer
    local = run_client(endpoint, tmp_path, str(FIXTURES / "openai__gpt-oss-20b.json"),
                       resolve=True)
    assert local["source"]["origin"] == "file"


@pytest.mark.parametrize(("name", "value", "words"), [
    # an InvalidURL traceback before, from the client's first request
    ("HTTPS_PROXY", "http://256.1.1.1", "HTTPS_PROXY 'http://256.1.1.1' is not a URL (Invalid "
     "IPv4 address: '256.1.1.1'): set HTTPS_PROXY to your proxy's URL (http://host:port), or "
     "unset it."),
    ("http_proxy", "x:abc", "http_proxy 'x:abc' is not a URL (Invalid port: 'abc')"),
    # the password is masked, and a port httpx2 takes but no socket can use is refused
    ("HTTP_PROXY", "http://me:s3cret@x:99999", "HTTP_PROXY 'http://me:***@x:99999' is not a "
     "URL (Port out of range 0-65535)"),
    # "returned something that is not JSON (UnicodeError: ...)" / "(ValueError: Unknown
    # scheme for proxy URL ...)" before, though nothing was sent
    ("HTTPS_PROXY", "http://a..b", "HTTPS_PROXY 'http://a..b' has an invalid host name 'a..b'"),
    ("ALL_PROXY", "ftp://x", "ALL_PROXY 'ftp://x' is not an http, https, socks5 or socks5h URL "
     "with a host: set ALL_PROXY to your proxy's URL"),
])
def test_a_proxy_the_client_cannot_use_is_named_and_nothing_is_sent(hub, tmp_path, name, value,
                                                                    words):
    out = run_client(hub.url, tmp_path, "nvidia/Llama-3.1-70B-Instruct-FP8",
                     env_extra={name: value})
    assert out["kind"] == "invalid_setting"
    assert out["message"].startswith(words)
    assert "s3cret" not in out["message"]
    assert out["stderr"] == "" and hub.requests == []


def test_no_proxy_star_leaves_a_bad_proxy_unused(hub, tmp_path):
    # httpx2 mounts no proxy at all under NO_PROXY=*, so the setting is not the client's
    out = run_client(hub.url, tmp_path, "nvidia/Llama-3.1-70B-Instruct-FP8",
                     env_extra={"ALL_PROXY": "ftp://x", "NO_PROXY": "*"})
    assert out["source"]["origin"] == "hub"


def test_a_socks_proxy_carries_the_hub_look_up(hub, tmp_path):
    # an ImportError traceback before: httpx2 reaches a SOCKS proxy only with socksio, now a
    # requirement (httpx2[socks])
    proxy = Socks5Proxy()
    try:
        out = run_client(hub.url, tmp_path, "nvidia/Llama-3.1-70B-Instruct-FP8",
                         env_extra={"ALL_PROXY": proxy.url, "NO_PROXY": ""})
    finally:
        proxy.stop()
    assert out["source"]["origin"] == "hub"
    assert out["source"]["commit_sha"] == SHA
    port = int(hub.url.rsplit(":", 1)[1])
    assert proxy.targets and set(proxy.targets) == {("127.0.0.1", port)}


@pytest.mark.parametrize(("revision", "why"), [
    # "The server at ... answered HTTP 404 ... it does not look like a Hugging Face hub"
    # before: the client's URL resolved "revision/.." to the repo's own route
    ("..", "contain '..'"),
    (".", "have a part that starts with '.'"),
    ("main branch", "contain ' '"),
    ("v1@{2}", "contain '@{'"),
])
def test_a_revision_git_cannot_name_is_refused_before_any_request(hub, tmp_path, revision, why):
    out = run_client(hub.url, tmp_path, "nvidia/Llama-3.1-70B-Instruct-FP8", revision=revision)
    assert out["kind"] == "revision_not_found"
    assert out["message"] == (f"The revision {revision!r} cannot name a branch, tag or commit: "
                              f"git ref names cannot {why} (git check-ref-format). Give a "
                              "branch, tag or sha.")
    assert hub.requests == []


def test_a_socks_proxy_without_socksio_is_named(monkeypatch):
    # where socksio is missing (installed without requirements.txt), the client's first
    # request raised "ImportError: Using SOCKS proxy, but the 'socksio' package is not
    # installed", a 60-line traceback
    monkeypatch.setitem(sys.modules, "socksio", None)  # import socksio fails, as uninstalled
    for name in [n for n in os.environ if n.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ALL_PROXY", "socks5h://me:s3cret@127.0.0.1:1080")
    assert request_problem("https://huggingface.co") == (
        "ALL_PROXY 'socks5h://me:***@127.0.0.1:1080' is a SOCKS proxy, which the Hugging Face "
        "client reaches only with the socksio package, a requirement of Headroom's: pip install "
        "-r requirements.txt, or unset ALL_PROXY.")


def test_a_hub_that_never_answers_hits_the_deadline(hub, tmp_path):
    # The client alone would retry for minutes (60 s HEAD timeout + backoff).
    out = run_client(hub.url, tmp_path, "acme/slow", deadline_s=2)
    assert out["kind"] == "timeout"
    assert "within 2 s" in out["message"]
    assert "HEADROOM_HUB_DEADLINE_S" in out["message"]


@pytest.mark.parametrize(("repo", "words"), [
    # the client's own TypeError and AttributeError text before: "('NoneType' object is not
    # iterable)" for a null data_offsets; a null shape was counted 1 element, dtype 5 "unknown"
    ("acme/header-null-shape", "tensor 'w' has shape null, not a list of non-negative integers"),
    ("acme/header-int-dtype", "tensor 'w' has dtype 5, not a dtype name such as \"BF16\""),
    ("acme/header-null-offsets", f"a header or index the Hugging Face client cannot parse: "
     f"{HEADER_FORM}, an index's weight_map an object of tensor names to files"),
    ("acme/header-list-dtype", "the Hugging Face client cannot parse: a header maps each"),
    ("acme/header-int-entry", "the Hugging Face client cannot parse: a header maps each"),
    ("acme/header-list", "the Hugging Face client cannot parse: a header maps each"),
    ("acme/header-shape", "the Hugging Face client cannot parse: a header maps each"),
    ("acme/index-map", "an index's weight_map an object of tensor names to files"),
    # exit 2 "total_params: Input should be greater than or equal to 0." before
    ("acme/header-negative", "tensor 'w' has shape [-5, 10], not a list of non-negative integers"),
    ("acme/header-float", "tensor 'w' has shape [1.5, 10], not a list of"),  # counted 15 before
    # 2**32 x (2**32 - 1) elements: within safetensors' 64-bit count, not within 4 bytes
    ("acme/header-big", "tensor 'w' declares 1.84e+19 elements in 4 bytes"),
    # 1e60 elements: past the 64-bit count safetensors refuses, whatever the bytes
    ("acme/header-huge", "tensor 'w' declares more than 18,446,744,073,709,551,615 elements, "
     "which the safetensors library refuses (\"overflow computing buffer size from shape "
     "and/or element type\")"),
])
def test_malformed_hub_safetensors_metadata_keeps_the_config_and_says_why(hub, tmp_path, repo,
                                                                         words):
    # a traceback through the CLI and the app before
    src = run_client(hub.url, tmp_path, repo)["source"]
    assert src["origin"] == "hub" and src["config"]["num_local_experts"] == 32
    assert src["checkpoint"]["params_by_dtype"] == {}
    assert src["notes"][1].startswith("safetensors headers not read: the hub's safetensors "
                                      "metadata is malformed (")
    assert words in src["notes"][1] and "Error" not in src["notes"][1]


def test_a_deadline_while_reading_headers_still_returns_the_config(hub, tmp_path):
    src = run_client(hub.url, tmp_path, "acme/slow-weights", deadline_s=2)["source"]
    assert src["origin"] == "hub"
    assert src["config"]["num_local_experts"] == 32
    assert src["checkpoint"]["params_by_dtype"] == {}
    assert [f["path"] for f in src["checkpoint"]["files"]] == ["config.json", "model.safetensors"]
    assert "not read within the 2 s deadline" in src["notes"][1]


def test_tokens_never_leak_into_errors_sources_logs_or_the_cache(hub, tmp_path):
    ok = run_client(hub.url, tmp_path, "nvidia/Nemotron-H-56B-Base-8K", hf_token=TOKEN)
    assert ok["source"]["origin"] == "hub"
    assert ok["source"]["config"]["hybrid_override_pattern"]  # parsed despite bare Infinity
    passed = run_client(hub.url, tmp_path, "meta-llama/Gated-8B", token=TOKEN)
    assert passed["source"]["origin"] == "hub"
    # A fresh cache: with the config already cached, hf_hub_download serves the cached copy
    # when the hub refuses the HEAD request.
    refused = run_client(hub.url, tmp_path / "fresh", "meta-llama/Gated-8B", token=OTHER_TOKEN)
    assert refused["kind"] == "gated" and "not been granted" in refused["message"]
    private = run_client(hub.url, tmp_path, "nvidia/Nemotron-H-56B-Base-8K", token=OTHER_TOKEN)
    assert private["kind"] == "private" and "token was rejected" in private["message"]
    for out in (ok, passed, refused, private):
        text = json.dumps(out)
        assert TOKEN not in text and OTHER_TOKEN not in text
    # The tokens did reach the hub, in the Authorization header only.
    assert any(h.get("authorization") == f"Bearer {TOKEN}" for _, _, h in hub.requests)
    assert not any(TOKEN in path or OTHER_TOKEN in path for _, path, _ in hub.requests)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert TOKEN.encode() not in data and OTHER_TOKEN.encode() not in data, path


def test_resolve_model_reads_a_config_file_and_its_quant_config_pair():
    src = resolve_model(str(FIXTURES / "nvidia__Llama-3.1-70B-Instruct-FP8.json"))
    assert src.origin == "file"
    assert src.repo_id is None and src.commit_sha is None
    assert src.config["hidden_size"] == 8192
    assert src.hf_quant_config["quantization"]["kv_cache_quant_algo"] == "FP8"


def test_resolve_model_reads_a_model_folder(tmp_path):
    (tmp_path / "config.json").write_bytes((FIXTURES / "openai__gpt-oss-20b.json").read_bytes())
    src = resolve_model(str(tmp_path))
    assert src.origin == "file"
    assert src.config["num_local_experts"] == 32
    assert src.hf_quant_config is None
    (tmp_path / "config.json").write_text('"just a string"')
    with pytest.raises(HubError, match="holds a string, not a JSON object") as err:
        resolve_model(str(tmp_path))
    assert err.value.kind == "malformed"
    with pytest.raises(HubError, match="has no config.json"):
        resolve_model(str(tmp_path / ".."))


@pytest.mark.parametrize(("encode", "words"), [
    (lambda text: BOM + text.encode(), "starts with a UTF-8 byte-order mark (BOM), which vLLM "
     "cannot load"),
    (lambda text: text.encode("utf-16"), "is UTF-16 text, which vLLM cannot load"),
], ids=["utf8-bom", "utf16"])
def test_a_local_config_vllm_cannot_decode_is_refused(tmp_path, encode, words):
    # read as if fine before: json.loads of bytes takes a BOM and UTF-16; transformers does not
    text = (FIXTURES / "openai__gpt-oss-20b.json").read_text()
    (tmp_path / "config.json").write_bytes(encode(text))
    for given in (tmp_path, tmp_path / "config.json"):  # the folder, or its config.json
        with pytest.raises(HubError) as err:
            resolve_model(str(given))
        assert err.value.kind == "malformed"
        assert str(err.value).startswith(f"{tmp_path / 'config.json'} {words}")


def test_a_directory_named_like_a_config_is_named_as_one(tmp_path):
    # was "<folder>/config.json has no config.json: pass the model's folder."
    (tmp_path / "config.json").mkdir()
    with pytest.raises(HubError) as err:
        resolve_model(str(tmp_path / "config.json"))
    assert str(err.value) == (f"{tmp_path / 'config.json'} is a directory, not a config file: "
                              "pass the model's folder or its config.json.")
    assert err.value.kind == "no_config"


# issue 12, item 4: a catalog entry that is not a verbatim copy asks the hub first.
GEMMA3 = "google/gemma-3-27b-it"  # reconstructed
SCOUT = "meta-llama/Llama-4-Scout-17B-16E-Instruct"  # a subset, gated on the hub
MAVERICK = "meta-llama/Llama-4-Maverick-17B-128E-Instruct"  # a text-only subset


def _served(repo_id: str) -> dict:
    """A config the fake hub serves for a catalog repo: the entry's, plus a key the entry
    lacks, so which of the two answered is plain."""
    return {**catalog_entry(repo_id).config, "served_by": "the fake hub"}


@pytest.fixture
def catalog_hub():
    """The catalog's gemma-3-27b-it (reconstructed), Maverick (subset) and Scout (subset, gated)
    and a verbatim entry, Qwen3-8B, each with a config that differs from the bundled one."""
    repos = {repo: FakeRepo({"config.json": FakeFile(json.dumps(_served(repo)).encode())},
                            gated=repo == SCOUT, tokens=frozenset({TOKEN}))
             for repo in (GEMMA3, MAVERICK, SCOUT, "Qwen/Qwen3-8B")}
    server = FakeHub(repos)
    yield server
    server.stop()


@pytest.mark.parametrize("repo", [GEMMA3, MAVERICK])
def test_a_catalog_entry_that_is_not_verbatim_is_fetched_from_the_hub(catalog_hub, tmp_path,
                                                                      repo):
    # typed in another case, as people do: the catalog's spelling is asked for
    src = run_client(catalog_hub.url, tmp_path, repo.upper(), resolve=True)["source"]
    assert src["origin"] == "hub" and src["repo_id"] == repo
    assert src["commit_sha"] == SHA
    assert src["config"] == _served(repo) != catalog_entry(repo).config
    assert src["config_provenance"] == "verbatim" and src["fallback_reason"] is None
    assert any(f"/api/models/{repo}" in path for _, path, _ in catalog_hub.requests)


def test_hub_down_falls_back_to_the_labelled_catalog_entry_at_once(catalog_hub, tmp_path):
    catalog_hub.stop()
    # a refused connection fails at once: a wait for the 60 s deadline would overrun
    # run_client's 30 s bound (which only keeps a hung client from hanging the suite)
    src = run_client(catalog_hub.url, tmp_path, GEMMA3, resolve=True, deadline_s=60)["source"]
    assert src["origin"] == "catalog" and src["config"] == catalog_entry(GEMMA3).config
    assert src["config_provenance"] == "reconstructed"
    assert src["fallback_reason"] == "the hub is unreachable"
    assert src["notes"][0] == ("the hub is unreachable: using the bundled catalog config "
                               "(reconstructed, unverified)")
    # a revision names a commit the catalog cannot vouch for: no stand-in then
    pinned = run_client(catalog_hub.url, tmp_path, GEMMA3, resolve=True, revision="main")
    assert pinned["kind"] == "network" and "not in the local cache" in pinned["message"]


def test_a_hanging_hub_costs_a_catalog_entry_the_short_stand_in_deadline(tmp_path):
    # a hub (or a firewall) that never answers: the app's default model is a reconstructed
    # entry, so the full 20 s deadline would hold up every first page of a session
    config = FakeFile(json.dumps(_served(GEMMA3)).encode())
    hub = FakeHub({GEMMA3: FakeRepo({"config.json": config}, behaviour="hang")})
    try:
        out = run_client(hub.url, tmp_path, GEMMA3, resolve=True)
    finally:
        hub.stop()
    src = out["source"]
    assert src["origin"] == "catalog" and src["config"] == catalog_entry(GEMMA3).config
    assert src["fallback_reason"] == "the hub did not answer in time"
    # STAND_IN_DEADLINE_S (5 s), not the 10 s request timeout nor the 20 s deadline
    assert 5.0 <= out["s"] < 8.0, out["s"]


def test_offline_the_catalog_entry_answers_without_a_request(catalog_hub, tmp_path):
    src = run_client(catalog_hub.url, tmp_path, MAVERICK, resolve=True, offline=True)["source"]
    assert src["origin"] == "catalog" and src["config_provenance"] == "subset"
    assert src["notes"][0] == ("offline (HF_HUB_OFFLINE is set): using the bundled catalog "
                               "config (subset of the Hub config, some fields absent)")
    assert catalog_hub.requests == []


def test_a_hub_config_fetched_before_beats_the_catalog_when_the_hub_goes_down(catalog_hub,
                                                                              tmp_path):
    run_client(catalog_hub.url, tmp_path, GEMMA3, resolve=True)
    catalog_hub.stop()
    src = run_client(catalog_hub.url, tmp_path, GEMMA3, resolve=True)["source"]
    assert src["origin"] == "cache" and src["commit_sha"] == SHA
    assert src["config"] == _served(GEMMA3)
    assert src["fallback_reason"] == "the hub is unreachable"


def test_a_gated_repo_without_a_token_falls_back_to_the_catalog_with_a_note(catalog_hub,
                                                                            tmp_path):
    src = run_client(catalog_hub.url, tmp_path, SCOUT, resolve=True)["source"]
    assert src["origin"] == "catalog" and src["config"] == catalog_entry(SCOUT).config
    assert src["fallback_reason"].startswith(f"{SCOUT} is gated: accept its licence at ")
    assert src["notes"][0].endswith("for that account: using the bundled catalog config "
                                    "(subset of the Hub config, some fields absent)")
    # with a token that has accepted the licence, the hub's config
    ok = run_client(catalog_hub.url, tmp_path, SCOUT, resolve=True, token=TOKEN)["source"]
    assert ok["origin"] == "hub" and ok["config"] == _served(SCOUT)
    # a repo the catalog does not have stays an error (test_failures_have_specific_messages)


def test_a_verbatim_catalog_entry_never_asks_the_hub(catalog_hub, tmp_path):
    src = run_client(catalog_hub.url, tmp_path, "QWEN/qwen3-8b", resolve=True)["source"]
    assert src["origin"] == "catalog" and src["repo_id"] == "Qwen/Qwen3-8B"
    assert src["config"] == catalog_entry("Qwen/Qwen3-8B").config
    assert src["fallback_reason"] is None
    assert "verbatim copy" in src["notes"][0] and "the hub was not asked" in src["notes"][0]
    assert catalog_hub.requests == []
    # a revision asks the hub, verbatim entry or not
    pinned = run_client(catalog_hub.url, tmp_path, "Qwen/Qwen3-8B", resolve=True,
                        revision="main")["source"]
    assert pinned["origin"] == "hub" and pinned["config"] == _served("Qwen/Qwen3-8B")


def test_bad_deadline_settings_are_named(monkeypatch):
    with pytest.raises(HubError, match="positive number of seconds") as err:
        fetch_model("openai/gpt-oss-20b", deadline_s=0)
    assert err.value.kind == "invalid_setting"
    monkeypatch.setenv("HEADROOM_HUB_DEADLINE_S", "soon")
    with pytest.raises(HubError, match="'soon'"):
        fetch_model("openai/gpt-oss-20b")


@pytest.mark.parametrize("seconds", ["1e10", "99999999999", "86401"])
def test_a_deadline_past_a_day_is_named_not_an_overflow(monkeypatch, seconds: str):
    # 1e10 s passed the check, then threading's wait raised "OverflowError: timestamp out of
    # range for platform time_t" (above threading.TIMEOUT_MAX, 9,223,372,036 s on Linux): a
    # traceback from every command that asked the hub
    monkeypatch.setenv("HEADROOM_HUB_DEADLINE_S", seconds)
    with pytest.raises(HubError) as err:
        fetch_model("acme/anything")
    assert err.value.kind == "invalid_setting"
    assert str(err.value) == (
        f"The hub deadline must be a positive number of seconds up to 86,400 (a day), got "
        f"{seconds!r} (argument deadline_s or HEADROOM_HUB_DEADLINE_S).")


def test_a_5xx_inside_hf_hub_download_maps_to_server_error():
    # hf_hub_download reports a 5xx as LocalEntryNotFoundError whose __cause__ is the HTTP
    # error; the real exception types are built here from a synthetic 503 response.
    import httpx2
    from huggingface_hub.errors import LocalEntryNotFoundError
    from huggingface_hub.utils import hf_raise_for_status

    response = httpx2.Response(503, request=httpx2.Request("HEAD", "http://127.0.0.1/x"))
    try:
        try:
            hf_raise_for_status(response)
        except Exception as http_error:
            raise LocalEntryNotFoundError("cannot find the requested files") from http_error
    except LocalEntryNotFoundError as wrapped:
        err = _mapped(wrapped, "acme/down", None, None, 20.0)
    assert isinstance(err, HubError)
    assert err.kind == "server_error" and "HTTP 503" in err.message


@pytest.mark.parametrize(("status", "headers", "start"), [
    (401, {}, "openai/gpt-oss-120 was not found or is private: check the spelling;"),
    (404, {"X-Error-Code": "RepoNotFound"}, "No model repo openai/gpt-oss-120 on "),
])
def test_a_repo_the_hub_does_not_find_names_the_bundled_ids_near_it(status, headers, start):
    # the hub answers a missing repo 401 without a token, 404 RepoNotFound with one; both said
    # "check the spelling" and no more, where the catalog holds the id meant
    import httpx2
    from huggingface_hub.utils import hf_raise_for_status

    url = "https://huggingface.co/api/models/openai/gpt-oss-120"
    response = httpx2.Response(status, headers=headers, request=httpx2.Request("GET", url))
    with pytest.raises(Exception) as raised:
        hf_raise_for_status(response)
    err = _mapped(raised.value, "openai/gpt-oss-120", None, None, 20.0)
    assert err.message.startswith(start)
    assert err.message.endswith(" Did you mean openai/gpt-oss-120b or openai/gpt-oss-20b?")


# A tiny Llama (hidden 64, 2 layers, 4 heads of 16, 2 KV heads, MLP 128, vocab 100, untied):
# embed 100 x 64 = 6,400; per layer q 64x64 + k 64x32 + v 64x32 + o 64x64 = 12,288,
# gate/up/down 3 x 64 x 128 = 24,576, 2 norms of 64 -> 36,992; x 2 layers = 73,984;
# final norm 64; lm_head 6,400 -> 86,848 parameters.
TINY_CONFIG = {"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
               "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128,
               "vocab_size": 100, "tie_word_embeddings": False, "torch_dtype": "bfloat16"}


def _layer_tensors(i: int) -> dict[str, tuple[str, list[int]]]:
    prefix = f"model.layers.{i}."
    shapes = {"self_attn.q_proj": [64, 64], "self_attn.k_proj": [32, 64],
              "self_attn.v_proj": [32, 64], "self_attn.o_proj": [64, 64],
              "mlp.gate_proj": [128, 64], "mlp.up_proj": [128, 64], "mlp.down_proj": [64, 128],
              "input_layernorm": [64], "post_attention_layernorm": [64]}  # fmt: skip
    return {f"{prefix}{name}.weight": ("BF16", shape) for name, shape in shapes.items()}


def _write(path: Path, fake: FakeFile, with_data: bool = True) -> None:
    """A safetensors file on disk: header, then zeros for the data (or none at all)."""
    path.write_bytes(fake.data + (b"\0" * (fake.size - len(fake.data)) if with_data else b""))


def _tiny_model_folder(folder: Path) -> None:
    (folder / "config.json").write_text(json.dumps(TINY_CONFIG))
    shard1 = {"model.embed_tokens.weight": ("BF16", [100, 64]), **_layer_tensors(0)}
    shard2 = {**_layer_tensors(1), "model.norm.weight": ("BF16", [64]),
              "lm_head.weight": ("BF16", [100, 64])}  # fmt: skip
    _write(folder / "model-00001-of-00002.safetensors", safetensors_file(shard1, WIDTHS))
    # the second shard holds its header only: the counts never need the tensor data
    _write(folder / "model-00002-of-00002.safetensors", safetensors_file(shard2, WIDTHS),
           with_data=False)  # fmt: skip


def test_local_folder_reads_safetensors_headers_and_agrees_with_the_architecture(tmp_path):
    _tiny_model_folder(tmp_path)
    for model in (tmp_path, tmp_path / "config.json"):
        src = resolve_model(str(model))
        ckpt = src.checkpoint
        assert ckpt.params_by_dtype == {"BF16": 86_848}
        assert ckpt.tensor_bytes == 86_848 * 2
        assert {f.path for f in ckpt.files} == {
            "config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"
        }
        sizes = [(tmp_path / f.path).stat().st_size for f in ckpt.files
                 if f.path.endswith(".safetensors")]  # fmt: skip
        assert ckpt.safetensors_bytes == sum(sizes)
        assert "headers of 2 files read" in src.notes[1]
        spec = parse_model_config(src.config)
        check = compare_param_counts(count_params(spec).total, ckpt)
        assert check.agrees and check.metadata_params == 86_848


def _indexed(folder: Path, index: object) -> None:
    """The tiny model folder with `index` as its model.safetensors.index.json."""
    _tiny_model_folder(folder)
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))


TINY_INDEX = {"metadata": {}, "weight_map": {
    "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
    "model.norm.weight": "model-00002-of-00002.safetensors"}}
"""The tiny folder's shard index (two of its tensors: vLLM reads the file names only)."""


def test_a_local_index_whose_shards_are_all_there_is_read(tmp_path):
    _indexed(tmp_path, TINY_INDEX)
    src = resolve_model(str(tmp_path))
    assert src.checkpoint.params_by_dtype == {"BF16": 86_848}
    assert "headers of 2 files read" in src.notes[1]


def test_a_shard_the_index_lists_but_the_folder_lacks_is_named(tmp_path):
    # an interrupted download: the other shard's headers alone were compared with the
    # architecture, "The checkpoint holds ... fewer parameters ...: a parser gap"
    _indexed(tmp_path, TINY_INDEX)
    (tmp_path / "model-00002-of-00002.safetensors").unlink()
    src = resolve_model(str(tmp_path))
    assert src.checkpoint.params_by_dtype == {}
    assert src.notes[1] == ("safetensors headers not read: model.safetensors.index.json lists "
                            f"model-00002-of-00002.safetensors, which is not in {tmp_path} (an "
                            "incomplete download?): vLLM cannot load the checkpoint")


@pytest.mark.parametrize(("index", "words"), [
    ("<html>", "model.safetensors.index.json is not valid JSON"),
    ([1, 2], "model.safetensors.index.json holds an array, not a JSON object"),
    ({"weight_map": 5}, "model.safetensors.index.json has no weight_map of tensor names to "
     "file names"),
    ({"weight_map": {"w": "../../../etc/passwd", "v": "/etc/passwd"}},
     "model.safetensors.index.json lists ../../../etc/passwd, /etc/passwd, which are not in "),
])
def test_a_local_index_vllm_cannot_use_is_named(tmp_path, index, words):
    # each ignored without a word before, the headers counted as if it were fine
    _tiny_model_folder(tmp_path)
    (tmp_path / "model.safetensors.index.json").write_text(
        index if isinstance(index, str) else json.dumps(index))
    src = resolve_model(str(tmp_path))
    assert src.checkpoint.params_by_dtype == {}
    assert src.notes[1].startswith(f"safetensors headers not read: {words}")
    assert src.notes[1].endswith(": vLLM cannot load the checkpoint")


def _framed(header: bytes) -> bytes:
    """A safetensors prefix: the 8-byte little-endian header length, then the header."""
    return struct.pack("<Q", len(header)) + header


def _raw_shard(folder: Path, data: bytes) -> None:
    (folder / "config.json").write_text(json.dumps(TINY_CONFIG))
    (folder / "model.safetensors").write_bytes(data)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (struct.pack("<Q", 100_000_001), "100,000,001-byte header, over the 100 MB"),
        (struct.pack("<Q", 50) + b"{}", "ends inside its 50-byte header"),
        (b"abc", "shorter than the 8-byte header length"),
        (_framed(b"{x}"), "its header is not valid JSON"),
        (_framed(b"[]"), "not a JSON object"),
        # the safetensors library: "invalid JSON in header: expected value at line 1 column 1"
        (_framed(BOM + b"{}"), "its header starts with a UTF-8 byte-order mark"),
        # "tensor 'w' has no valid dtype/shape" before; a left-out data_offsets was read
        (_framed(b'{"w": {"dtype": "BF16"}}'),
         "tensor 'w' has no shape (a list of non-negative integers expected)"),
        (_framed(b'{"w": {"dtype": "BF16", "shape": [2, -1]}}'),
         "tensor 'w' has shape [2, -1], not a list of non-negative integers"),
        (_framed(b'{"w": {"dtype": 5, "shape": [2], "data_offsets": [0, 4]}}'),
         "tensor 'w' has dtype 5, not a dtype name such as \"BF16\""),
        (_framed(b'{"w": {"dtype": "BF16", "shape": [2]}}'),
         "tensor 'w' has no data_offsets (two non-negative integers expected)"),
        (_framed(b'{"w": 5}'), "tensor 'w' is 5, not an object (expected: a header maps"),
        # 2**32 x (2**32 - 1) elements in 2 bytes: counted as parameters before
        (_framed(b'{"w": {"dtype": "BF16", "shape": [4294967296, 4294967295], '
                 b'"data_offsets": [0, 2]}}'),
         "tensor 'w' declares 1.84e+19 elements in 2 bytes"),
        # 1e60 elements: past safetensors' 64-bit count (ValidationOverflow), whatever the
        # bytes; a 400-digit dimension was an OverflowError traceback as it was formatted
        (_framed(b'{"w": {"dtype": "BF16", "shape": [1000000000000000000000000000000, '
                 b'1000000000000000000000000000000], "data_offsets": [0, 2]}}'),
         "tensor 'w' declares more than 18,446,744,073,709,551,615 elements, which the "
         "safetensors library refuses"),
        (_framed(b'{"w": {"dtype": "BF16", "shape": [1' + b"0" * 400 + b'], '
                 b'"data_offsets": [0, 2]}}'),
         "tensor 'w' declares more than 18,446,744,073,709,551,615 elements"),
        # 2**64 in 64 steps of 2, the last of a 10,000-dimension shape never multiplied
        (_framed(b'{"w": {"dtype": "BF16", "shape": [' + b", ".join([b"2"] * 10_000) + b'], '
                 b'"data_offsets": [0, 2]}}'),
         "tensor 'w' declares more than 18,446,744,073,709,551,615 elements"),
    ],
)
def test_unreadable_local_headers_keep_the_config_and_say_why(tmp_path, data, words):
    _raw_shard(tmp_path, data)
    src = resolve_model(str(tmp_path))
    assert src.config["hidden_size"] == 64
    assert src.checkpoint.params_by_dtype == {}
    assert {f.path for f in src.checkpoint.files} == {"config.json", "model.safetensors"}
    assert src.notes[1].startswith("safetensors headers not read: model.safetensors")
    assert words in src.notes[1]


def test_unknown_local_dtype_is_named(tmp_path):
    _raw_shard(tmp_path, _framed(b'{"w": {"dtype": "Q9", "shape": [2], "data_offsets": [0, 2]}}'))
    src = resolve_model(str(tmp_path))
    assert "unknown safetensors dtype 'Q9'" in src.notes[1]


def test_local_folder_without_weights_has_no_checkpoint(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(TINY_CONFIG))
    src = resolve_model(str(tmp_path))
    assert src.checkpoint is None
    assert "no *.safetensors files" in src.notes[1]
    # a <name>.json among other configs says nothing about a folder's weights
    assert resolve_model(str(FIXTURES / "openai__gpt-oss-20b.json")).checkpoint is None


def test_without_ambient_token_the_env_and_stored_login_are_never_sent(hub, tmp_path):
    # HF_TOKEN in the environment and a stored `hf auth login` token (HF_HOME/token) are both
    # the caller's own; ambient_token=False (a web server's visitors) must use neither.
    (tmp_path / "token").write_text(TOKEN)
    for env_token in (TOKEN, None):
        out = run_client(hub.url, tmp_path, "nvidia/Nemotron-H-56B-Base-8K", hf_token=env_token,
                         ambient_token=False)
        assert out["kind"] == "private"
    assert hub.requests and not any("authorization" in h for _, _, h in hub.requests)
    # The same call with the ambient token allowed (the CLI's default) reads the repo.
    ok = run_client(hub.url, tmp_path, "nvidia/Nemotron-H-56B-Base-8K")
    assert ok["source"]["origin"] == "hub"
    # A visitor's own token still works with the ambient one refused.
    own = run_client(hub.url, tmp_path / "fresh", "nvidia/Nemotron-H-56B-Base-8K",
                     token=TOKEN, ambient_token=False)
    assert own["source"]["origin"] == "hub"


def test_an_oversized_tokenizer_config_is_not_called_unreadable_by_vllm(tmp_path):
    # a model folder whose tokenizer_config.json is valid JSON over the 4 MB read limit:
    # Headroom leaves it out, but vLLM reads it, so the note does not say vLLM cannot
    (tmp_path / "config.json").write_bytes((FIXTURES / "openai__gpt-oss-20b.json").read_bytes())
    (tmp_path / "tokenizer_config.json").write_text(
        json.dumps({"tokenizer_class": "X", "pad": "x" * 4_100_000}))
    problem = resolve_model(str(tmp_path)).tokenizer_problem
    assert problem is not None and "not known" in problem
    assert "vLLM cannot read that file either" not in problem
    (tmp_path / "tokenizer_config.json").write_text("[1, 2]")
    assert "vLLM cannot read that file either" in resolve_model(str(tmp_path)).tokenizer_problem


def test_a_cache_without_the_tokenizer_config_says_its_need_is_unknown(hub, tmp_path):
    # the hub's 404 leaves huggingface_hub's no-exist marker: known absent, nothing to say
    run_client(hub.url, tmp_path, "openai/gpt-oss-20b")
    cached = run_client(hub.url, tmp_path, "openai/gpt-oss-20b", offline=True)["source"]
    assert cached["origin"] == "cache" and cached["tokenizer_problem"] is None
    # a cache filled before the tokenizer's config was fetched (removed here by hand): the
    # remote-code check cannot read it, and says so
    run_client(hub.url, tmp_path, "acme/remote-tokenizer")
    for cached_file in tmp_path.rglob("tokenizer_config.json"):
        if "remote-tokenizer" in str(cached_file):
            cached_file.unlink()
    src = run_client(hub.url, tmp_path, "acme/remote-tokenizer", offline=True)["source"]
    assert src["origin"] == "cache" and src["tokenizer_config"] is None
    assert src["tokenizer_problem"] == (
        "acme/remote-tokenizer/tokenizer_config.json is not in the local cache: its tokenizer "
        "is not read, so whether vLLM needs --trust-remote-code for it is not known")


def test_a_config_giving_a_key_twice_keeps_the_last_as_transformers_does(tmp_path: Path) -> None:
    # transformers' PretrainedConfig._dict_from_json_file is json.loads, which keeps the last of
    # two values, and vLLM plans from what it loads: config.json is read the same (a snapshot,
    # which Headroom alone reads, is refused instead: tests/cli/test_bad_inputs.py)
    (tmp_path / "config.json").write_text('{"model_type": "llama", "num_hidden_layers": 2, '
                                          '"num_hidden_layers": 4}')
    assert resolve_model(str(tmp_path)).config["num_hidden_layers"] == 4
