"""Bad input through the real command lines: exit 2, one line on stderr, no traceback.

The reproducers in tests/fixtures/bad_inputs/ are copies of ../shared/bad-inputs/ (issue 13);
its three HTML-injection reproducers live in tests/fixtures/hostile/ with their escaping tests
(tests/planner/test_text.py, tests/app/test_injection.py).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.inputs import load_prices
from planner.model.config.parser import parse_model_config
from tests.hubserver import FakeFile, FakeHub, FakeRepo

ROOT = Path(__file__).resolve().parents[2]
QWEN3_8B = ROOT / "tests" / "fixtures" / "configs" / "Qwen__Qwen3-8B.json"
BAD = ROOT / "tests" / "fixtures" / "bad_inputs"
SNAPSHOT = ROOT / "tests" / "fixtures" / "snapshots" / "rtx3090x8.json"
HW = ("--gpu", "h100-sxm", "--gpus", "1")


def run(module: str, *args: str, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    # 60 s only stops a hung command from hanging the suite (a FIFO read would block forever)
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env=env)


def assert_one_line_error(done: subprocess.CompletedProcess[str], prefix: str,
                          words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    # every one-line error ends as a sentence, whichever module worded it
    assert done.stderr.endswith((".\n", "?\n", "!\n")), done.stderr
    assert done.stderr.startswith(prefix)
    assert words in done.stderr


def test_a_closed_stdout_pipe_ends_the_plan_quietly() -> None:
    # `python -m planner sweep ... | head -1`, made deterministic as tests/probes/test_main.py
    # does: the pipe's read end is closed first. It was a BrokenPipeError traceback (exit 1)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([sys.executable, "-m", "planner", "plan", "--model",
                               str(QWEN3_8B), *HW], cwd=ROOT, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert done.returncode == 141  # 128 + SIGPIPE, as a shell reports a piped writer
    assert done.stderr == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize(("module", "args"), [
    ("planner", ("plan", "--model", str(QWEN3_8B), *HW)),
    ("probes", ("--load", str(SNAPSHOT)))])
def test_an_output_the_disk_cannot_take_is_one_line(module: str, args: tuple[str, ...]) -> None:
    # `> /dev/full` (every write fails with ENOSPC): an OSError traceback before
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    prog = "python -m planner plan" if module == "planner" else "python -m probes"
    assert done.returncode == 1
    assert done.stderr == f"{prog}: error: cannot write the output (No space left on device).\n"


@pytest.fixture()
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "config.json"
    os.mkfifo(path)
    return path


@pytest.fixture()
def oversized(tmp_path: Path) -> Path:
    """Valid JSON one byte over the 4 MB config cap (spaces pad it)."""
    path = tmp_path / "config.json"
    path.write_bytes(b"{" + b" " * (4 * 10**6 - 1) + b"}")
    return path


@pytest.mark.parametrize(("model", "words"), [
    (str(BAD / "bigint_4301_digits.config.json"), "an integer of more than 4,300 digits"),
    (str(BAD / "deep_nesting.config.json"), "nested too deeply"),
    ("/dev/zero", "/dev/zero is a character device, not a regular file"),
    # impossible configs: planned ("Fits") before issue 13
    (str(BAD / "kv_heads_gt_heads.config.json"),
     "num_key_value_heads = 64 is more than num_attention_heads = 32"),
    (str(BAD / "kv_heads_not_dividing_heads.config.json"),
     "num_attention_heads = 32 is not divisible by num_key_value_heads = 5"),
    (str(BAD / "yarn_factor_1e6.config.json"), "rope_scaling.factor = 1e+06 stretches the "
     "context to 8,192,000,000 tokens"),
])
def test_planner_refuses_unreadable_configs(model: str, words: str) -> None:
    assert_one_line_error(run("planner", "plan", "--model", model, *HW),
                          "python -m planner plan: error: ", words)


@pytest.mark.parametrize(("data", "words"), [
    # transformers reads config.json as open(encoding="utf-8") then json.loads(text): the
    # mark stays as U+FEFF and json.loads refuses it, so vLLM cannot load the folder
    (b"\xef\xbb\xbf" + QWEN3_8B.read_bytes(),
     "config.json starts with a UTF-8 byte-order mark (BOM), which vLLM cannot load "
     "(transformers and safetensors read UTF-8 without one): save it as UTF-8 without the BOM."),
    (QWEN3_8B.read_text().encode("utf-16"),
     "config.json is UTF-16 text, which vLLM cannot load (transformers and safetensors read "
     "UTF-8 only): save it as UTF-8."),
], ids=["utf8-bom", "utf16"])
def test_planner_refuses_a_local_config_vllm_cannot_decode(tmp_path: Path, data: bytes,
                                                            words: str) -> None:
    # both were planned as if fine: json.loads of bytes reads a BOM and UTF-16
    (tmp_path / "config.json").write_bytes(data)
    for model in (tmp_path, tmp_path / "config.json"):
        assert_one_line_error(run("planner", "plan", "--model", str(model), *HW),
                              f"python -m planner plan: error: {tmp_path}/", words)


ADVICE = ("give the model's own config.json, as its Hugging Face repo holds it (a JSON object "
          "of its settings), or its repo id.")


@pytest.mark.parametrize(("data", "problem"), [
    (b"", "is empty, not JSON"),
    (b"[1, 2]", "holds an array, not a JSON object"),
    (b"null", "holds null, not a JSON object"),
    (b'{"hidden_size":', "is not valid JSON (Expecting value at line 1, column 16)"),
], ids=["empty", "array", "null", "cut-off"])
def test_a_local_config_that_is_no_config_says_what_to_give(tmp_path: Path, data: bytes,
                                                            problem: str) -> None:
    # each said only what was wrong ("config.json holds an array, not a JSON object."), not
    # what to pass instead; a careless user's folder of the wrong files gets both
    (tmp_path / "config.json").write_bytes(data)
    assert_one_line_error(run("planner", "plan", "--model", str(tmp_path), *HW),
                          "python -m planner plan: error: ",
                          f"{tmp_path}/config.json {problem}: {ADVICE}")


def test_a_local_quant_config_that_is_no_object_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_bytes(QWEN3_8B.read_bytes())
    (tmp_path / "hf_quant_config.json").write_text("[]")
    assert_one_line_error(run("planner", "plan", "--model", str(tmp_path), *HW),
                          "python -m planner plan: error: ",
                          f"{tmp_path}/hf_quant_config.json holds an array, not a JSON object: "
                          "give the checkpoint's own hf_quant_config.json, as its repo holds "
                          "it, or remove it.")


def assert_config_refused(tmp_path: Path, config: dict, words: str) -> None:
    """`config` written as a config.json and planned: a one-line error holding `words`."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    assert_one_line_error(run("planner", "plan", "--model", str(path), *HW),
                          "python -m planner plan: error: ", words)


def assert_quantization_refused(tmp_path: Path, quantization_config: dict, words: str) -> None:
    """assert_config_refused on Qwen3-8B's config.json given this quantization_config."""
    config = {**json.loads(QWEN3_8B.read_text()), "quantization_config": quantization_config}
    assert_config_refused(tmp_path, config, words)


def test_planner_names_the_verifier_of_a_speculators_draft(tmp_path: Path) -> None:
    # The keys vLLM's SpeculatorsConfig.validate_speculators_config requires (0.20.0: the first
    # proposal method's speculative_tokens, verifier.name_or_path, speculators_model_type,
    # transformer_layer_config), no top-level model_type or hidden_size: the draft's one
    # layer is under transformer_layer_config (before the fix: "hidden_size is missing")
    draft = {"architectures": ["Eagle3Speculator"], "speculators_model_type": "eagle3",
             "speculators_config": {
                 "algorithm": "eagle3", "proposal_methods": [{"speculative_tokens": 3}],
                 "verifier": {"name_or_path": "acme/verifier-8b"}},
             "transformer_layer_config": {"model_type": "llama", "hidden_size": 4096,
                                          "num_hidden_layers": 1, "vocab_size": 128256}}
    assert_config_refused(
        tmp_path, draft,
        "speculators-format draft checkpoint (speculators_config): vLLM (0.10.1 on) serves its "
        "verifier acme/verifier-8b with it as the speculative draft, which Headroom does not "
        "model (EAGLE / draft models); plan acme/verifier-8b instead")


DRAFTER = ROOT / "tests" / "fixtures" / "drafters" / "specforge__qwen3-32b-eagle3.json"


@pytest.mark.parametrize(("key", "value", "limit"), [
    ("num_hidden_layers", 10**12, "4,096"),  # a MemoryError traceback (a tuple of its layers)
    ("num_hidden_layers", 2**63, "4,096"),  # an OverflowError traceback
    ("hidden_size", 10**12, "1,048,576"),
    ("max_position_embeddings", 10**12, "1,073,741,824")])
def test_a_drafter_of_absurd_size_is_refused_as_a_target_is(tmp_path: Path, key: str,
                                                            value: int, limit: str) -> None:
    # SpecForge's Qwen3-32B drafter with one field past the limits config.json's reader holds
    # a target to (planner/model/config/reader.py): a malformed config, not a model
    (tmp_path / "config.json").write_text(json.dumps(
        {**json.loads(DRAFTER.read_text()), key: value}))
    (tmp_path / "model.safetensors").write_bytes(b"")  # as tests/planner/serving/test_eagle.py
    for command in (("plan", "--tp", "2"), ("recommend",)):
        done = run("planner", *command, "--model", "Qwen/Qwen3-32B", "--gpu", "h100-sxm",
                   "--speculative-model", str(tmp_path), "--num-speculative-tokens", "3",
                   env={**os.environ, "HF_HUB_OFFLINE": "1"})
        assert_one_line_error(
            done, f"python -m planner {command[0]}: error: --speculative-model {tmp_path}: ",
            f"the drafter config's {key} is {value:,}, out of range (1 to {limit}).")


def test_planner_says_why_it_cannot_plan_an_ovis_checkpoint(tmp_path: Path) -> None:
    # AIDC-AI's Ovis keeps its language model under llm_config (vLLM's OvisConfig maps it to
    # text_config; ovis.py serves it natively), with no top-level hidden_size or layers: the
    # plan stopped at "config.json: hidden_size is missing (needed: hidden size)"
    ovis = {"architectures": ["Ovis"], "model_type": "ovis",
            "llm_config": {"model_type": "qwen2", "hidden_size": 1536, "num_hidden_layers": 28,
                           "num_attention_heads": 12, "num_key_value_heads": 2,
                           "intermediate_size": 8960, "vocab_size": 151936},
            "visual_tokenizer_config": {"model_type": "aimv2_visual_tokenizer"}}
    assert_config_refused(
        tmp_path, ovis,
        "config.json: model_type 'ovis' keeps its language model under llm_config (as AIDC-AI's "
        "Ovis does, which vLLM serves natively with ovis.py), and Headroom does not read "
        "llm_config or size its vision tower: it cannot plan this model.")


def test_planner_refuses_an_8_bit_awq_config_in_vllms_words(tmp_path: Path) -> None:
    # config.json's quantization_config as AutoAWQ writes it, with 8 bits: no vLLM release loads
    # it (awq.py AWQConfig 0.9.1-0.23.0, auto_awq.py AutoAWQConfig from 0.24.0). The plan
    # stopped at "Unknown quantization scheme 'w8a16-awq-g128'. Known: ...", naming a scheme the
    # user never gave
    assert_quantization_refused(
        tmp_path, {"quant_method": "awq", "bits": 8, "group_size": 128, "zero_point": True,
                   "version": "gemm"},
        "config.json: quantization_config.bits = 8: vLLM's AWQ loaders take 4-bit weights "
        "only and stop at load (awq.py AWQConfig, 0.9.1-0.23.0: \"Currently, only 4-bit "
        "weight quantization is supported for AWQ, but got 8 bits.\"")


def test_planner_says_what_vllm_does_with_a_3_bit_gptq_config(tmp_path: Path) -> None:
    # vLLM loads it up to 0.21 (gptq.py GPTQConfig takes bits in [2, 3, 4, 8]) and refuses it
    # from 0.22 (AutoGPTQConfig TYPE_MAP {(4, True), (8, True)}); it stopped at "bits = 3 is not
    # 4 or 8"
    assert_quantization_refused(
        tmp_path, {"quant_method": "gptq", "bits": 3, "group_size": 128, "desc_act": False,
                   "sym": True},
        "config.json: quantization_config.bits = 3: Headroom does not plan 2- or 3-bit GPTQ "
        "weights. vLLM 0.9.1-0.21.0 loads them")


@pytest.mark.parametrize(("config", "words"), [
    # head_dim null: hidden_size / num_attention_heads = 4096 / 32 = 128, under rotary_dim 256
    ({**json.loads(QWEN3_8B.read_text()), "head_dim": None, "rotary_dim": 256},
     "config.json: rotary_dim = 256 is more than the head dim, 128 (hidden_size / "
     "num_attention_heads): a head's rotary dims are some of its dims."),
    ({**json.loads(QWEN3_8B.read_text()), "rotary_dim": 256},
     "config.json: rotary_dim = 256 is more than the head dim, 128 (head_dim): a head's rotary "
     "dims are some of its dims."),
], ids=["derived-head-dim", "given-head-dim"])
def test_a_rotary_dim_over_the_head_dim_names_the_head_dim(tmp_path: Path, config: dict,
                                                           words: str) -> None:
    assert_config_refused(tmp_path, config, words)


@pytest.mark.parametrize("name", ["deepseek-ai__DeepSeek-V3.json", "zai-org__GLM-5.json"])
def test_a_null_kv_lora_rank_names_vllms_failure_not_a_head_dim(tmp_path: Path,
                                                                 name: str) -> None:
    # vLLM 0.19.0 model_arch_config_convertor.py is_deepseek_mla: MLA only where kv_lora_rank
    # is not None; else deepseek_v2.py DeepseekV2DecoderLayer builds DeepseekV2Attention,
    # whose __init__ computes kv_lora_rank + qk_rope_head_dim: TypeError at load (also the
    # 0.9.2, 0.11.0 and 0.34.0 wheels). It read "qk_rope_head_dim = 64 is more than the head
    # dim, 56 (hidden_size / num_attention_heads)", DeepSeek-V3's 7168 / 128, a symptom
    config = json.loads((ROOT / "tests" / "fixtures" / "configs" / name).read_text())
    assert_config_refused(
        tmp_path, {**config, "kv_lora_rank": None},
        f"config.json: kv_lora_rank is null: vLLM runs {config['model_type']} attention as MLA "
        "only with a kv_lora_rank, and its non-MLA DeepseekV2Attention adds kv_lora_rank to "
        "qk_rope_head_dim, so vLLM stops at load (TypeError); give the checkpoint's "
        "kv_lora_rank (its KV latent width).")


def test_a_null_moe_layer_freq_names_the_field(tmp_path: Path) -> None:
    # vLLM deepseek_v2.py: layer_idx % moe_layer_freq (0.9.1-0.34.0), `% None` a TypeError at
    # load; it was planned as 1 (every layer from first_k_dense_replace MoE)
    config = json.loads((ROOT / "tests" / "fixtures" / "configs" /
                         "deepseek-ai__DeepSeek-V3.json").read_text())
    assert_config_refused(
        tmp_path, {**config, "moe_layer_freq": None},
        "config.json: moe_layer_freq is null: vLLM's deepseek_v2.py computes layer_idx % "
        "moe_layer_freq and stops; give an integer >= 1.")


def test_a_null_kv_lora_rank_with_no_head_dims_says_what_each_release_does(
        tmp_path: Path) -> None:
    # deepseek_v2.py DeepseekV2DecoderLayer: 0.9.1-0.11.0 build DeepseekV2Attention, whose
    # `self.scaling = self.qk_head_dim**-0.5` of 0 + 0 raises ZeroDivisionError; 0.11.1 on
    # build DeepseekAttention (plain MHA) where both head dims are 0. It read
    # "qk_rope_head_dim = 0 is out of range (1 to 1048576)", a symptom
    config = {"architectures": ["DeepseekV2ForCausalLM"], "model_type": "deepseek_v2",
              "hidden_size": 256, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 4, "intermediate_size": 512, "vocab_size": 1000,
              "max_position_embeddings": 4096, "torch_dtype": "bfloat16",
              "kv_lora_rank": None, "q_lora_rank": None, "qk_nope_head_dim": 0,
              "qk_rope_head_dim": 0, "v_head_dim": 64}
    assert_config_refused(
        tmp_path, config,
        "config.json: kv_lora_rank is null and qk_nope_head_dim and qk_rope_head_dim are 0: "
        "vLLM 0.9.1-0.11.0 build DeepseekV2Attention all the same and stop at load "
        "(ZeroDivisionError: 0.0 cannot be raised to a negative power, its scale "
        "(qk_nope_head_dim + qk_rope_head_dim) ** -0.5); from 0.11.1 deepseek_v2.py builds "
        "deepseek_v2 attention as plain multi-head attention (DeepseekAttention), which "
        "Headroom does not plan; give the checkpoint's kv_lora_rank and head dims.")


def test_planner_refuses_a_fifo_without_blocking(fifo: Path) -> None:
    assert_one_line_error(run("planner", "inspect", str(fifo)),
                          "python -m planner inspect: error: ", "is a FIFO (named pipe)")


def test_planner_caps_a_config_by_bytes_read(oversized: Path) -> None:
    assert_one_line_error(run("planner", "inspect", str(oversized.parent)),
                          "python -m planner inspect: error: ",
                          "is over the 4 MB limit (more than 4,000,000 bytes)")


def test_planner_refuses_one_machine_given_as_two_nodes(tmp_path: Path) -> None:
    # was planned as 2 nodes x 8 GPUs: the same file twice, or a copy of it
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--snapshot", str(SNAPSHOT),
               "--snapshot", str(SNAPSHOT))
    assert_one_line_error(done, "python -m planner plan: error: ",
                          f"argument --snapshot: '{SNAPSHOT}' given twice: give each once")
    # the same file by another path: the parser sees two words, the machine is one
    other = str(SNAPSHOT.relative_to(ROOT))
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--snapshot", str(SNAPSHOT),
               "--snapshot", other)
    assert_one_line_error(done, "python -m planner plan: error: ",
                          f"{SNAPSHOT} and {other} describe the same machine")
    copy = tmp_path / "node2.json"
    copy.write_bytes(SNAPSHOT.read_bytes())
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--snapshot", str(SNAPSHOT),
               "--snapshot", str(copy))
    assert_one_line_error(done, "python -m planner plan: error: ",
                          f"{SNAPSHOT} and {copy} describe the same machine (hostname "
                          "rig-3090x8, the same 8 GPU UUIDs)")


@pytest.mark.parametrize("command", ["plan", "sweep", "report"])
def test_a_gpu_name_beside_a_snapshot_is_refused_not_ignored(command: str) -> None:
    # --gpu-name names a --gpu-memory-gib GPU's model; beside --snapshot it was dropped
    # without a word (the rig's 8x RTX 3090 planned as audited, "RTX 4090" nowhere), where
    # --gpu, --gpus, --gpu-memory-gib and --nodes beside it exit 2
    done = run("planner", command, "--model", "Qwen/Qwen3-8B", "--snapshot", str(SNAPSHOT),
               "--gpu-name", "RTX 4090", env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert_one_line_error(done, f"python -m planner {command}: error: ",
                          "--gpu-name cannot be combined with --snapshot (the snapshots say "
                          "which GPUs there are).")


@pytest.mark.parametrize("name", ["Foo\nBar", "\x1b[31mRed"])
def test_a_gpu_name_with_a_control_character_is_refused(name: str) -> None:
    # it was printed as given: "Qwen/Qwen3-8B on 1x Foo" and "Bar, TP=1" on two lines, or
    # an escape sequence recolouring the terminal
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--gpu-memory-gib", "24",
               "--gpu-name", name, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert_one_line_error(done, "python -m planner plan: error: ",
                          f"argument --gpu-name: {name!r} holds a control character: give the "
                          "GPU's model, e.g. 'RTX 3090'.")


def test_a_gpu_name_longer_than_nvmls_is_refused_and_96_characters_plan() -> None:
    # a 5,000-character --gpu-name planned (exit 0), printed whole in the header and twice in
    # the notes: 10,596 characters on stderr
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    args = ("plan", "--model", str(QWEN3_8B), "--gpu-memory-gib", "24", "--gpu-name")
    done = run("planner", *args, "y" * 97, env=env)
    assert_one_line_error(done, "python -m planner plan: error: ",
                          f"argument --gpu-name: '{'y' * 61}...' is 97 characters: a GPU's name "
                          "is at most 96 (NVML's longest); give the GPU's model, e.g. 'RTX "
                          "3090'.")
    done = run("planner", *args, "y" * 96, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Qwen__Qwen3-8B on 1x {'y' * 96}, TP=1\n")


@pytest.mark.parametrize("name", ["we\nird", "\x1b[31mred"])
def test_a_model_folder_named_with_a_control_character_is_refused(tmp_path: Path,
                                                                  name: str) -> None:
    # such a folder was planned, its name printed as given: the plan's header
    # "/tmp/.../we" and "ird on 1x NVIDIA H100 80GB HBM3, TP=1" on two lines, or the
    # terminal recoloured (inspect's card, report --compare too)
    folder = tmp_path / name
    folder.mkdir()
    (folder / "config.json").write_text(QWEN3_8B.read_text())
    words = (f"{str(folder)!r} holds a control character, which would be printed as given: "
             "give a repo id such as Qwen/Qwen3-8B, a config.json or a folder holding one "
             "(rename such a folder).")
    for args, flag in ((("plan", "--model", str(folder), *HW), "--model"),
                       (("inspect", str(folder)), "PATH_OR_REPO_ID"),
                       (("report", "--model", "Qwen/Qwen3-8B", *HW, "--compare", str(folder)),
                        "--compare")):
        assert_one_line_error(run("planner", *args),
                              f"python -m planner {args[0]}: error: argument {flag}: ", words)


def test_control_characters_in_a_config_are_read_as_spaces(tmp_path: Path) -> None:
    # a hub repo's config.json is anyone's text: an architecture holding a newline and an
    # escape sequence was printed as given, inspect's card line split in two and the terminal
    # recoloured (the plan's verdict, notes and warnings alike)
    config = {**json.loads(QWEN3_8B.read_text()), "architectures": ["Qwen3For\nCausalLM\x1b[2J"]}
    (tmp_path / "config.json").write_text(json.dumps(config))
    card = run("planner", "inspect", str(tmp_path))
    assert card.returncode == 0, card.stderr
    assert "  Architecture                   qwen3 (Qwen3For CausalLM [2J)\n" in card.stdout
    for command in (("inspect", str(tmp_path)), ("plan", "--model", str(tmp_path), *HW)):
        done = run("planner", *command)
        assert done.returncode == 0, done.stderr
        assert "\x1b" not in done.stdout + done.stderr
        # inspect's card lists the warnings; plan's go to stderr
        assert ("control characters in config.json architectures.0 are read as spaces (no real "
                "config.json holds one)") in done.stdout + done.stderr


def test_a_chat_templates_newlines_are_no_control_character_warning() -> None:
    # nearly every tokenizer_config.json holds a multi-line chat_template (Qwen3's, Llama 3's),
    # which Headroom does not read: only auto_map, tokenizer_class and model_max_length are
    # read, and only they are checked for control characters
    config = json.loads(QWEN3_8B.read_text())
    template = "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n{%- endif %}"
    spec = parse_model_config(config, tokenizer_config={
        "chat_template": template, "tokenizer_class": "Qwen2Tokenizer",
        "added_tokens_decoder": {"151643": {"content": "\n\n"}}})
    assert not any("control characters" in w for w in spec.warnings)
    assert spec.tokenizer_class == "Qwen2Tokenizer"
    named = parse_model_config(config, tokenizer_config={
        "chat_template": template, "tokenizer_class": "Qwen2\x1b[2JTokenizer"})
    assert named.tokenizer_class == "Qwen2 [2JTokenizer"
    assert ("control characters in tokenizer_config.json tokenizer_class are read as spaces "
            "(no real config.json holds one)") in named.warnings


def test_a_node_of_mixed_gpu_models_is_noted(tmp_path: Path) -> None:
    # planned as 8x the smallest, as before, but the plan said "8x NVIDIA GeForce RTX 3090" only
    mixed = json.loads(SNAPSHOT.read_text())
    a100 = mixed["gpus"][1]  # its free memory what the A100's total leaves, as NVML says it
    a100.update(name="NVIDIA A100-SXM4-80GB", compute_capability="8.0",
                memory_total_bytes=80 * 2**30,
                memory_free_bytes=80 * 2**30 - a100["memory_reserved_bytes"]
                - a100["memory_used_bytes"])
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(mixed))
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--snapshot", str(path),
               env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Qwen/Qwen3-8B on 8x NVIDIA GeForce RTX 3090, TP=8")
    assert done.stderr == ("python -m planner plan: note: rig-3090x8 mixes NVIDIA "
                           "A100-SXM4-80GB, NVIDIA GeForce RTX 3090; planned as 8x NVIDIA "
                           "GeForce RTX 3090; vLLM asks for CUDA_DEVICE_ORDER=PCI_BUS_ID on such "
                           "a node\n")


def test_a_snapshot_listing_one_gpu_uuid_twice_is_refused(tmp_path: Path) -> None:
    # the rig's GPU 3 given GPU 0's UUID: planned as 8 GPUs and summarised before, silently
    raw = json.loads(SNAPSHOT.read_text())
    uuid = raw["gpus"][0]["uuid"]
    raw["gpus"][3]["uuid"] = uuid
    node = tmp_path / "node.json"
    node.write_text(json.dumps(raw))
    words = (f"{node}: GPU UUID {uuid} is on GPU 0 and GPU 3: NVML gives every GPU its own "
             "UUID, so this snapshot is corrupt or edited (write it again with `python -m "
             "probes --json`).")
    assert_one_line_error(run("probes", "--load", str(node)), "python -m probes: error: ", words)
    assert_one_line_error(run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--snapshot",
                              str(node)), "python -m planner plan: error: ", words)


def test_two_snapshots_sharing_a_gpu_uuid_are_refused(tmp_path: Path) -> None:
    # node rig-b's GPUs get UUIDs of their own but its GPU 2 holds the rig's GPU 5's: one GPU
    # on two nodes (a partial overlap), planned as 16 GPUs before 9fad2b9
    rig = json.loads(SNAPSHOT.read_text())
    other = json.loads(SNAPSHOT.read_text())
    other["hostname"] = "rig-b"
    for gpu in other["gpus"]:
        gpu["uuid"] = gpu["uuid"][:-4] + "beef"
    shared = rig["gpus"][5]["uuid"]
    other["gpus"][2]["uuid"] = shared
    node_b = tmp_path / "b.json"
    node_b.write_text(json.dumps(other))
    for command in ("plan", "sweep"):
        done = run("planner", command, "--model", "Qwen/Qwen3-8B", "--snapshot", str(SNAPSHOT),
                   "--snapshot", str(node_b), env={**os.environ, "HF_HUB_OFFLINE": "1"})
        assert_one_line_error(done, f"python -m planner {command}: error: ",
                              f"GPU UUID {shared} is in {SNAPSHOT} and {node_b}, GPU 5 of "
                              "rig-3090x8 and GPU 2 of rig-b: NVML gives every GPU its own "
                              "UUID, so one GPU would be planned on two nodes (write each "
                              "machine's snapshot with `python -m probes --json` on it).")



def test_a_snapshot_copy_given_another_hostname_is_another_node(tmp_path: Path) -> None:
    # the README's way to plan a second machine like one you have: every GPU UUID of the rig's
    # file under another hostname is read as a copy, 2 nodes x 8 RTX 3090 = 16 GPUs
    rig = json.loads(SNAPSHOT.read_text())
    copy = tmp_path / "copy.json"
    copy.write_text(json.dumps({**rig, "hostname": "node2"}))
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--snapshot", str(SNAPSHOT),
               "--snapshot", str(copy), "--json", env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["gpus_label"] == "16x NVIDIA GeForce RTX 3090"


@pytest.mark.parametrize(("snapshot", "words"), [
    ("/dev/zero", "/dev/zero is a character device, not a regular file"),
    (str(BAD / "snapshot_deep_nested.json"), "nested too deeply"),
    (str(BAD / "snapshot_ragged_pcie.json"), "topology: pcie must be 8 x 8"),
    # a config.json passed as the snapshot: "kind is None, expected ..." before
    (str(QWEN3_8B),
     "Qwen__Qwen3-8B.json has no kind: it is not a hardware snapshot (a snapshot's kind is "
     "'headroom.hardware-snapshot'; write one with `python -m probes --json`)."),
])
def test_planner_refuses_unreadable_snapshots(snapshot: str, words: str) -> None:
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--snapshot", snapshot)
    assert_one_line_error(done, "python -m planner plan: error: ", words)


def test_report_refuses_a_snapshot_reading_nvml_cannot_give(tmp_path: Path) -> None:
    # the report's audit table printed the GPU's power limit as "nan W" (exit 0)
    raw = json.loads(SNAPSHOT.read_text())
    raw["gpus"][0]["power_limit_watts"] = float("nan")
    node = tmp_path / "node.json"
    node.write_text(json.dumps(raw))
    done = run("planner", "report", "--model", "Qwen/Qwen3-8B", "--snapshot", str(node),
               env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert_one_line_error(done, "python -m planner report: error: ",
                          "gpus.0.power_limit_watts: Input should be a finite number.")


def test_a_cut_off_or_empty_snapshot_is_named_in_plain_words(tmp_path: Path) -> None:
    # a copy that stopped mid-transfer inside line 5, '  "hostname": "rig-3090x8",' whose
    # value's opening quote is column 15 (2 spaces, 10 for "hostname", ':', ' ')
    text = SNAPSHOT.read_text()
    assert text.splitlines()[4] == '  "hostname": "rig-3090x8",'
    cut = tmp_path / "cut.json"
    cut.write_text(text[:text.index('"rig-3090x8"') + 4])
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--snapshot", str(cut))
    # json's own words end "starting at": the message said "starting at at line" before
    assert_one_line_error(done, "python -m planner plan: error: ", "cut.json is not valid "
                          "JSON (Unterminated string starting at line 5, column 15).")
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    assert_one_line_error(run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--snapshot",
                              str(empty)),
                          "python -m planner plan: error: ", "empty.json is empty, not JSON.")


def test_a_snapshot_version_written_as_text_is_named_so(tmp_path: Path) -> None:
    # "schema_version '1' is not supported (this Headroom reads version 1)": the version read
    raw = json.loads(SNAPSHOT.read_text())
    raw["schema_version"] = "1"
    node = tmp_path / "node.json"
    node.write_text(json.dumps(raw))
    words = (f"{node}: schema_version is a string ('1'), not a number: this Headroom reads "
             "version 1, the number (write one with `python -m probes --json`).")
    assert_one_line_error(run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--snapshot",
                              str(node)), "python -m planner plan: error: ", words)
    assert_one_line_error(run("probes", "--load", str(node)), "python -m probes: error: ", words)


@pytest.mark.parametrize(("snapshot", "words"), [
    ("/dev/zero", "/dev/zero is a character device, not a regular file"),
    (str(ROOT / "tests"), "is a directory, not a regular file"),
    (str(BAD / "snapshot_deep_nested.json"), "nested too deeply"),
    # one row or column short: IndexError in findings / the summary before issue 13
    (str(BAD / "snapshot_ragged_nvlink.json"), "topology: nvlink must be 8 x 8 (one row and "
     "column per GPU in gpu_indices), got 8 rows of [7, 8] cells"),
    (str(BAD / "snapshot_ragged_pcie.json"), "topology: pcie must be 8 x 8"),
    (str(BAD / "snapshot_short_gpu_indices.json"), "topology: pcie must be 7 x 7"),
])
def test_probes_refuses_unreadable_snapshots(snapshot: str, words: str) -> None:
    assert_one_line_error(run("probes", "--load", snapshot), "python -m probes: error: ", words)


def test_probes_refuses_a_fifo_without_blocking(fifo: Path) -> None:
    assert_one_line_error(run("probes", "--load", str(fifo)), "python -m probes: error: ",
                          "is a FIFO (named pipe)")


def test_probes_refuses_the_fuzzed_snapshot(tmp_path: Path) -> None:
    # the reproducer records the mutated snapshot under "snapshot", beside its mutations
    fuzzed = json.loads((BAD / "fuzz_snapshot_findings_IndexError.json").read_text())["snapshot"]
    path = tmp_path / "node.json"
    path.write_text(json.dumps(fuzzed))
    assert_one_line_error(run("probes", "--load", str(path)), "python -m probes: error: ",
                          "topology: pcie must be 8 x 8 (one row and column per GPU in "
                          "gpu_indices), got 7 rows of [8] cells")


@pytest.mark.parametrize(("gpu", "words"), [
    # a 16 GB V100 was planned as the 32 GB preset, its "16GB" dropped as a memory word (so
    # was NVML's 'NVIDIA A100-PCIE-40GB' as the 80 GB PCIe card; both have their own presets)
    ("RTX 4060 Ti 8GB", "that GPU's preset is rtx-4060-ti-16gb (16 GB GDDR6), not 8 GB"),
    ("RTX 4090 48GB", "that GPU's preset is rtx-4090 (24 GB GDDR6X), not 48 GB"),
])
def test_planner_refuses_a_gpu_name_stating_another_memory_size(gpu: str, words: str) -> None:
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--gpu", gpu,
               env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert_one_line_error(done, "python -m planner plan: error: no preset for ", words)
    assert "--gpu-memory-gib X" in done.stderr


def test_planner_refuses_a_mig_instance_name_with_how_to_plan_the_slice() -> None:
    # NVML's name for a MIG instance was answered "did you mean h100-sxm?": a whole GPU
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--gpu",
               "NVIDIA H100 80GB HBM3 MIG 1g.10gb", env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert_one_line_error(done, "python -m planner plan: error: GPU 'NVIDIA H100 80GB HBM3 "
                          "MIG 1g.10gb' is a MIG instance, slice 1g.10gb of NVIDIA H100 80GB "
                          "HBM3, ", "plan the slice as a custom GPU: --gpu-memory-gib X")
    assert "did you mean" not in done.stderr


def test_a_mig_slice_named_with_its_memory_plans_its_gpus_formats_without_speed() -> None:
    # the advice above, followed: the slice loads bfloat16 as the H100 does (it was planned
    # as a GPU of unknown model, fp16 only), and no speed figure claims a whole H100's
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--gpu-memory-gib", "39.5",
               "--gpu-name", "NVIDIA H100 80GB HBM3 MIG 3g.40gb", "--json",
               env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["weight_format"] == "bf16" and plan["tpot_ms"] is None
    assert ("--gpu-name 'NVIDIA H100 80GB HBM3 MIG 3g.40gb' is a MIG instance, slice 3g.40gb "
            "of NVIDIA H100 80GB HBM3, ") in done.stderr
    assert "planned with NVIDIA H100 80GB HBM3's compute capability 9.0" in done.stderr
    assert "is no preset GPU model" not in done.stderr  # said once, as the slice it is


def test_planner_names_the_flag_of_a_gpu_memory_below_one_byte() -> None:
    # 1e-300 GiB is above 0 but x 2^30 is 0 bytes: the flag's own message, not the hardware
    # model's "must be between 1 byte and 1 TiB, got 0 bytes"
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--gpu-memory-gib", "1e-300",
               env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert_one_line_error(done, "python -m planner plan: error: argument --gpu-memory-gib: ",
                          "1e-300 GiB is less than one byte")


def test_planner_names_the_flag_of_a_gpu_memory_that_rounds_to_1_tib() -> None:
    # 1023.99999999999 GiB passes "0 < GiB < 1024" but x 2^30 rounds to 2^40 B: the flag's
    # own message, not the hardware model's "must be between 1 byte and 1 TiB, got
    # 1099511627776 bytes"
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--gpu-name", "rtx-4090",
               "--gpu-memory-gib", "1023.99999999999", env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert_one_line_error(done, "python -m planner plan: error: argument --gpu-memory-gib: ",
                          "1023.99999999999 GiB rounds to 1 TiB (1024 GiB) or more")


@pytest.mark.parametrize("command", ["plan", "sweep", "report"])
def test_a_preset_and_a_memory_together_name_the_flags_that_plan_it(command: str) -> None:
    # --gpu mi300x --gpu-memory-gib 191.5 (a preset's model with the memory CUDA reports) said
    # only "give exactly one of --gpu NAME, --gpu-memory-gib X or --snapshot FILE."; the way
    # to plan it is --gpu-name, which names the model of a --gpu-memory-gib GPU
    done = run("planner", command, "--model", "Qwen/Qwen3-8B", "--gpu", "mi300x",
               "--gpu-memory-gib", "191.5", env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert_one_line_error(done, f"python -m planner {command}: error: ",
                          "--gpu and --gpu-memory-gib both give the GPU: give one. For mi300x "
                          "with 191.5 GiB, give --gpu-memory-gib 191.5 --gpu-name mi300x (that "
                          "model's formats and batch defaults, planned on this memory).")


@pytest.mark.parametrize("command", ["plan", "sweep"])
def test_a_gpu_name_without_a_memory_asks_for_the_memory(command: str) -> None:
    # a modded 22 GB RTX 2080 Ti named alone said "use --gpu NAME for a preset", which plans
    # the preset's 11 GB card; the name is the model of a --gpu-memory-gib GPU
    done = run("planner", command, "--model", "Qwen/Qwen3-8B", "--gpu-name",
               "RTX 2080 Ti 22GB", env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert_one_line_error(done, f"python -m planner {command}: error: ",
                          "--gpu-name 'RTX 2080 Ti 22GB' names the model of a --gpu-memory-gib "
                          "GPU: give --gpu-memory-gib X with it (what CUDA reports per GPU), or "
                          "--gpu NAME for a preset.")


@pytest.mark.parametrize(("gpu", "hint"), [
    # 309 starts 3090; rtx-5090, once named here, does not start with it (near_gpu_keys)
    ("rtx 309", " (did you mean rtx-3090 or rtx-3090-ti?)"), ("foo", "")])
def test_a_gpu_no_preset_names_beside_a_memory_is_not_called_a_model(gpu: str,
                                                                      hint: str) -> None:
    # 67ba4d9 said of any --gpu "give --gpu-memory-gib 24 --gpu-name 'rtx 309' (that model's
    # formats and batch defaults, planned on this memory)": no preset is named so
    # (hardware.preset_named, as _custom_cluster reads --gpu-name), and that plan's own note
    # says "--gpu-name 'rtx 309' is no preset GPU model: planned as a GPU of unknown model"
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--gpu", gpu,
               "--gpu-memory-gib", "24", env={**os.environ, "HF_HUB_OFFLINE": "1"})
    quoted = f"'{gpu}'" if " " in gpu else gpu
    assert_one_line_error(done, "python -m planner plan: error: ",
                          "--gpu and --gpu-memory-gib both give the GPU: give one. No preset "
                          f"is named {gpu!r}{hint}; for a GPU no preset has, give "
                          f"--gpu-memory-gib 24 --gpu-name {quoted} (planned as a GPU of "
                          "unknown model).")

def test_planner_refuses_an_unknown_vllm_version() -> None:
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", *HW, "--vllm-version", "abc")
    assert_one_line_error(done, "python -m planner plan: error: ",
                          "vLLM version 'abc' is not like")


LONG = "x" * 5000


@pytest.mark.parametrize("flags", [
    ("--gpu", LONG), ("--model", LONG), ("--revision", LONG), ("--vllm-version", LONG),
    ("--target-quant", LONG), ("--kv-cache-dtype", LONG), ("--quantization", LONG),
    ("--moe-backend", LONG), ("--all2all-backend", LONG)])
def test_a_5000_character_value_is_echoed_shortened(flags: tuple[str, ...]) -> None:
    # each one-line error echoed all 5,000 characters (the --gpu one twice: 11,010 in all) where
    # --network and the counts echo 61 and "..." (planner.text.shortened; a repo id 197, two
    # 96-character names whole); found by fuzzing
    args = {"--model": str(QWEN3_8B), "--gpu": "h100-sxm", **dict([flags])}
    done = run("planner", "plan", *(a for kv in args.items() for a in kv))
    assert_one_line_error(done, "python -m planner plan: error: ", "x...")
    assert "x" * 198 not in done.stderr and len(done.stderr) < 1500


UNHELD = "/tmp/" + LONG  # a 5,000-character name: no file system holds it (NAME_MAX 255)


@pytest.mark.parametrize(("args", "words"), [
    (("plan", "--model", "Qwen/Qwen3-8B", "--snapshot", UNHELD), ": cannot read"),
    (("recommend", "--model", "Qwen/Qwen3-8B", "--prices", UNHELD), ": cannot read"),
    (("plan", "--model", UNHELD + "/config.json", *HW), ": no such file or folder"),
    (("report", "--model", "Qwen/Qwen3-8B", *HW, "--compare", UNHELD), ": no such file or folder")])
def test_a_path_no_file_system_holds_is_echoed_shortened(args: tuple[str, ...],
                                                         words: str) -> None:
    # each one-line error echoed the whole path: a line of 5,000-odd characters; cut as
    # planner.text.shortened cuts: its first 61 characters, then "..."; found by fuzzing
    done = run("planner", *args)
    assert_one_line_error(done, f"python -m planner {args[0]}: error: ",
                          f"/tmp/{'x' * 56}...{words}")
    assert len(done.stderr) < 400  # the longest message, 12,000 characters before


@pytest.fixture(scope="module")
def odd_hub():
    config = FakeFile(QWEN3_8B.read_bytes())
    repos = {f"acme/{kind}": FakeRepo({"config.json": config}, behaviour=kind)
             for kind in ("html", "png", "plain404", "redirect_loop", "short_body")}
    repos["acme/bom-config"] = FakeRepo({"config.json": FakeFile(b"\xef\xbb\xbf" + config.data)})
    repos["acme/plain"] = FakeRepo({"config.json": config})  # a hub answer of nothing odd
    repos["acme/info-siblings"] = FakeRepo({"config.json": config},
                                           model_info=b'{"id": "acme/info-siblings", '
                                                      b'"siblings": 5}')
    server = FakeHub(repos)
    yield server
    server.stop()


@pytest.mark.parametrize(("repo", "words"), [
    ("acme/html", "returned something that is not JSON (an HTML page)"),
    ("acme/png", "returned something that is not JSON (binary data, not text)"),
    ("acme/plain404", "answered HTTP 404 for acme/plain404, without the hub's error details"),
    # a traceback before (httpx2.TooManyRedirects)
    ("acme/redirect_loop", "answered acme/redirect_loop with redirects that never end"),
    # 13 lines before: the client's "Trying to resume download..." five times, then ours
    ("acme/short_body", "broke off its answer for acme/short_body (RemoteProtocolError"),
    # "(TypeError: 'int' object is not iterable)" before, the client's words
    ("acme/info-siblings", "answered acme/info-siblings's model info with JSON that is not a "
     "model's (its \"siblings\" field holds a number the Hugging Face client cannot read: 5): "
     "HF_ENDPOINT may not point at a Hugging Face hub"),
])
def test_planner_names_a_server_that_is_not_the_hub(odd_hub: FakeHub, tmp_path: Path,
                                                    repo: str, words: str) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HF_", "HUGGINGFACE_", "HEADROOM_")) and "proxy" not in k.lower()}
    env.update(HF_ENDPOINT=odd_hub.url, HF_HOME=str(tmp_path), NO_PROXY="127.0.0.1",
               HF_HUB_DISABLE_TELEMETRY="1")
    done = run("planner", "inspect", repo, env=env)
    assert_one_line_error(done, "python -m planner inspect: error: ", words)
    assert "server-side problem" not in done.stderr


def test_a_hub_file_name_with_an_escape_sequence_is_printed_inert(tmp_path: Path) -> None:
    # the error lists the repo's files as the hub names them: "its files: README\x1b[2J .md"
    # cleared the terminal the one-line error was printed on (the newline was already a space)
    hub = FakeHub({"acme/odd-files": FakeRepo({"README\x1b[2J\n.md": FakeFile(b"x")})})
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(
            ("HF_", "HUGGINGFACE_", "HEADROOM_")) and "proxy" not in k.lower()}
        env.update(HF_ENDPOINT=hub.url, HF_HOME=str(tmp_path), NO_PROXY="127.0.0.1",
                   HF_HUB_DISABLE_TELEMETRY="1")
        done = run("planner", "inspect", "acme/odd-files", env=env)
    finally:
        hub.stop()
    assert_one_line_error(done, "python -m planner inspect: error: ",
                          "it holds no safetensors or GGUF weights (its files: README [2J .md).")


@pytest.mark.parametrize(("make", "kind"), [
    (lambda path: path.symlink_to("../../blobs/gone"), "a link to a missing file"),
    (lambda path: path.mkdir(), "a directory"),
    (os.mkfifo, "a FIFO (named pipe)"),
])
def test_a_broken_cached_config_is_named_not_called_absent(tmp_path: Path, make,
                                                           kind: str) -> None:
    # huggingface_hub's cache layout (refs/main holds the commit; snapshots/<sha>/ links each
    # file to its blob): a blob deleted, or a download cut off, left an entry that is no file,
    # and the message said "acme/m is not in the local cache", though it is there, broken
    sha = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--acme--m"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(sha)
    (repo / "snapshots" / sha).mkdir(parents=True)
    config = repo / "snapshots" / sha / "config.json"
    make(config)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HEADROOM_"))}
    env.update(HF_HOME=str(tmp_path), HF_HUB_OFFLINE="1")
    assert_one_line_error(run("planner", "inspect", "acme/m", env=env),
                          "python -m planner inspect: error: HF_HUB_OFFLINE is set, ",
                          f"acme/m's config.json in the local cache ({config}) is {kind}, not a "
                          "file (an interrupted download or a deleted blob): delete "
                          f"{repo} to fetch it again.")


def test_planner_refuses_a_hub_config_vllm_cannot_decode(odd_hub: FakeHub,
                                                         tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HF_", "HUGGINGFACE_", "HEADROOM_")) and "proxy" not in k.lower()}
    env.update(HF_ENDPOINT=odd_hub.url, HF_HOME=str(tmp_path), NO_PROXY="127.0.0.1",
               HF_HUB_DISABLE_TELEMETRY="1")
    assert_one_line_error(run("planner", "plan", "--model", "acme/bom-config", *HW, env=env),
                          "python -m planner plan: error: ", "acme/bom-config/config.json "
                          "starts with a UTF-8 byte-order mark (BOM), which vLLM cannot load")


def test_a_malformed_hf_endpoint_breaks_only_hub_look_ups(model_dir: Path) -> None:
    # every command was a traceback: huggingface_hub parses HF_ENDPOINT when probes.hub imports it
    env = {**os.environ, "HF_ENDPOINT": "http://[::1"}
    local = run("planner", "plan", "--model", str(model_dir), *HW, env=env)
    assert local.returncode == 0, local.stderr
    assert_one_line_error(run("planner", "inspect", "acme/anything", env=env),
                          "python -m planner inspect: error: ",
                          "HF_ENDPOINT 'http://[::1' is not a URL (Invalid IPv6 URL): set "
                          "HF_ENDPOINT to the hub's address (https://huggingface.co or a mirror), "
                          "or unset it.")


@pytest.mark.parametrize(("name", "value", "words"), [
    # tracebacks before (httpx2.InvalidURL from the client's first request)
    ("HF_ENDPOINT", "http://256.1.1.1", "HF_ENDPOINT 'http://256.1.1.1' is not a URL (Invalid "
     "IPv4 address: '256.1.1.1'): set HF_ENDPOINT to the hub's address (https://huggingface.co "
     "or a mirror), or unset it."),
    ("HTTPS_PROXY", "http://x:abc", "HTTPS_PROXY 'http://x:abc' is not a URL (Invalid port: "
     "'abc'): set HTTPS_PROXY to your proxy's URL (http://host:port), or unset it."),
    # "The hub at https://huggingface.co returned something that is not JSON (ValueError:
    # Unknown scheme for proxy URL URL('ftp://x'))" before: nothing was sent
    ("ALL_PROXY", "ftp://x", "ALL_PROXY 'ftp://x' is not an http, https, socks5 or socks5h URL "
     "with a host: set ALL_PROXY to your proxy's URL (http://host:port), or unset it."),
])
def test_a_setting_the_hub_client_cannot_send_with_is_one_line(name: str, value: str,
                                                               words: str) -> None:
    env = {k: v for k, v in os.environ.items()
           if "proxy" not in k.lower() and k != "HF_HUB_OFFLINE"}
    assert_one_line_error(run("planner", "inspect", "acme/anything", env={**env, name: value}),
                          "python -m planner inspect: error: ", words)


@pytest.mark.parametrize(("name", "value"), [
    ("HF_HUB_ETAG_TIMEOUT", "abc"), ("HF_HUB_DOWNLOAD_TIMEOUT", "30.5"),
    ("HF_HUB_ETAG_TIMEOUT", ""),
])
def test_a_malformed_hub_timeout_breaks_only_hub_look_ups(model_dir: Path, name: str,
                                                          value: str) -> None:
    # every command was a traceback, the app too: huggingface_hub 2.4's constants.py reads
    # both with int() when probes.hub imports it ("ValueError: invalid literal for int()")
    env = {**os.environ, name: value}
    local = run("planner", "plan", "--model", str(model_dir), *HW, env=env)
    assert local.returncode == 0, local.stderr
    assert_one_line_error(run("planner", "inspect", "acme/anything", env=env),
                          "python -m planner inspect: error: ",
                          f"{name} {value!r} is not a whole number of seconds, which "
                          f"huggingface_hub reads it as: set {name} to one (e.g. 10), or "
                          "unset it.")


@pytest.mark.parametrize("where", ["HF_HOME", "HF_TOKEN_PATH"])
def test_an_unreadable_stored_token_is_named_not_a_traceback(tmp_path: Path,
                                                             where: str) -> None:
    # with no HF_TOKEN the stored login is read (huggingface_hub get_token: HF_TOKEN_PATH,
    # default HF_HOME/token); HF_HOME naming a file raised NotADirectoryError, HF_TOKEN_PATH
    # naming a folder IsADirectoryError, a token file that is not UTF-8 UnicodeDecodeError
    plain = tmp_path / "not-a-folder"
    plain.write_text("")
    path, reason = ((plain / "token", "Not a directory") if where == "HF_HOME" else
                    (tmp_path, "Is a directory"))
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HF_TOKEN_PATH")}
    env.update({"HF_HUB_OFFLINE": "1", where: str(plain if where == "HF_HOME" else tmp_path)})
    done = run("planner", "inspect", "acme/anything", env=env)
    assert_one_line_error(done, "python -m planner inspect: error: ",
                          f"Cannot read the stored Hugging Face token {path} ({reason}): set "
                          "HF_TOKEN, or HF_HOME / HF_TOKEN_PATH to where `hf auth login` "
                          "keeps it.")
    garbled = tmp_path / "token"
    garbled.write_bytes(b"\xff\xfe")
    done = run("planner", "inspect", "acme/anything", env={**env, "HF_TOKEN_PATH": str(garbled)})
    assert_one_line_error(done, "python -m planner inspect: error: ",
                          f"Cannot read the stored Hugging Face token {garbled} (not UTF-8 "
                          "text)")


@pytest.mark.parametrize(("name", "token", "words"), [
    # a zero-width space pasted with the token, a letter outside ASCII
    ("HF_TOKEN", "\u200bhf_SomeoneTokenOfTwentyChars", "HF_TOKEN holds U+200B (ZERO WIDTH SPACE) "
     "at character 1, which an HTTP request cannot carry"),
    ("HUGGING_FACE_HUB_TOKEN", "hf_tok\u00e9nOfTwentyCharsAnd", "HUGGING_FACE_HUB_TOKEN holds "
     "U+00E9 (LATIN SMALL LETTER E WITH ACUTE) at character 7"),
])
def test_a_token_no_request_can_carry_is_named_not_blamed_on_the_hub(
        odd_hub: FakeHub, tmp_path: Path, name: str, token: str, words: str) -> None:
    # the client's UnicodeEncodeError (a header is ASCII) was reported as "The hub at ...
    # returned something that is not JSON (UnicodeEncodeError: ...": HF_ENDPOINT blamed
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HF_", "HUGGINGFACE_", "HEADROOM_")) and "proxy" not in k.lower()}
    env.update(HF_ENDPOINT=odd_hub.url, HF_HOME=str(tmp_path), NO_PROXY="127.0.0.1",
               HF_HUB_DISABLE_TELEMETRY="1", **{name: token})
    done = run("planner", "plan", "--model", "acme/plain", *HW, env=env)
    assert_one_line_error(done, "python -m planner plan: error: ", words)
    assert "set it again without that character." in done.stderr
    assert token not in done.stderr and "not JSON" not in done.stderr
    # offline no request carries it: the offline answer, not the token's
    offline = run("planner", "plan", "--model", "acme/plain", *HW,
                  env={**env, "HF_HUB_OFFLINE": "1"})
    assert_one_line_error(offline, "python -m planner plan: error: ", "HF_HUB_OFFLINE is set")


# transformers 5.25.0's own configs of two architectures Headroom does not know (MptConfig()
# and GPT2Config().to_dict(), the fields that name the model's size): MPT gives its layers as
# n_layers, GPT-2 leaves n_inner null (4 x n_embd in its modelling code)
MPT = {"architectures": ["MPTForCausalLM"], "model_type": "mpt", "n_layers": 24, "d_model": 2048,
       "n_heads": 16, "vocab_size": 50368, "max_seq_len": 2048, "expansion_ratio": 4}
GPT2 = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_layer": 12, "n_embd": 768,
        "n_head": 12, "n_inner": None, "vocab_size": 50257, "n_positions": 1024}


@pytest.mark.parametrize(("config", "words"), [
    # both read "... is missing (needed: ...)." alone, as if the config were incomplete
    (MPT, "config.json: num_hidden_layers is missing (needed: layers): model_type 'mpt' is not "
     "an architecture Headroom knows, so it read only the standard names (num_hidden_layers, "
     "n_layer, num_layers), which this config may not use: Headroom cannot plan it (vLLM may "
     "serve it)."),
    (GPT2, "config.json: intermediate_size is missing (needed: dense MLP width): model_type "
     "'gpt2' is not an architecture Headroom knows, so it read only the standard names "
     "(intermediate_size, ffn_hidden_size, n_inner), which this config may not use"),
    ({k: v for k, v in MPT.items() if k != "model_type"}, "config.json: num_hidden_layers is "
     "missing (needed: layers): config.json has no model_type, so it read only the standard "
     "names"),
])
def test_a_field_missing_from_an_unknown_architecture_says_what_was_read(
        tmp_path: Path, config: dict, words: str) -> None:
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert_one_line_error(run("planner", "inspect", str(tmp_path)),
                          "python -m planner inspect: error: ", words)


def test_a_field_missing_from_a_known_architecture_reads_as_before(tmp_path: Path) -> None:
    config = json.loads(QWEN3_8B.read_text()) | {"hidden_size": None}
    (tmp_path / "config.json").write_text(json.dumps(config))
    done = run("planner", "plan", "--model", str(tmp_path), *HW)
    assert done.stderr == ("python -m planner plan: error: config.json: hidden_size is missing "
                           "(needed: hidden size).\n")


def test_a_plan_at_a_revision_launches_that_commit(tmp_path: Path) -> None:
    # the command loaded the repo's main branch whatever --revision the config was read at;
    # it now pins the commit planned (vLLM's --revision), for the repo itself only
    config = FakeFile((ROOT / "tests" / "fixtures" / "configs" / "Qwen__Qwen3-0.6B.json")
                      .read_bytes())
    hub = FakeHub({"acme/pinned": FakeRepo({"config.json": config}, sha="a" * 40)})
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(
            ("HF_", "HUGGINGFACE_", "HEADROOM_")) and "proxy" not in k.lower()}
        env.update(HF_ENDPOINT=hub.url, HF_HOME=str(tmp_path), NO_PROXY="127.0.0.1",
                   HF_HUB_DISABLE_TELEMETRY="1")
        hw = ("--gpu", "h100-sxm", "--gpus", "1", "--json")
        pinned = run("planner", "plan", "--model", "acme/pinned", "--revision", "main", *hw,
                     env=env)
        assert pinned.returncode == 0, pinned.stderr
        command = json.loads(pinned.stdout)["vllm_command"]
        assert command.startswith(f"vllm serve acme/pinned --revision {'a' * 40} "), command
        latest = run("planner", "plan", "--model", "acme/pinned", *hw, env=env)
        assert "--revision" not in json.loads(latest.stdout)["vllm_command"]
        other = run("planner", "plan", "--model", "acme/pinned", "--revision", "main", *hw,
                    "--target-quant", "fp8", "--target-checkpoint", "me/pinned-FP8", env=env)
        assert json.loads(other.stdout)["vllm_command"].startswith(
            "vllm serve me/pinned-FP8 --max-model-len")  # another repo: its own revision
    finally:
        hub.stop()


def test_target_quant_on_a_quantized_checkpoint_is_refused_as_in_the_app() -> None:
    # the seed checkpoint is GPTQ int4 already: the app offers it no what-if format
    seed = ("--model", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "--gpu", "rtx-3090", "--gpus", "8")
    done = run("planner", "plan", *seed, "--target-quant", "fp8")
    assert_one_line_error(done, "python -m planner plan: error: ",
                          "--target-quant fp8-tensor: Qwen/Qwen3-235B-A22B-GPTQ-Int4 is already "
                          "quantized (w4a16-gptq-g128)")
    own = run("planner", "plan", *seed, "--target-quant", "w4a16-gptq-g128")
    assert own.returncode == 0, own.stderr  # naming its own format is no what-if


@pytest.mark.parametrize("target", ["fp8", "w4a16"])
def test_target_quant_and_runtime_quantization_together_are_refused(target: str) -> None:
    # both name the weight format: --target-quant fp8 --quantization fp8 printed
    # "--quantization fp8 --quantization fp8"; with w4a16 the runtime flag was dropped
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", *HW, "--target-quant", target,
               "--quantization", "fp8")
    assert_one_line_error(done, "python -m planner plan: error: ",
                          "give --quantization or --target-quant, not both")


def test_runtime_quantization_of_a_gptq_checkpoint_does_not_fit() -> None:
    # vLLM refuses --quantization fp8 on a GPTQ checkpoint at start-up: planned as fp8
    # weights with a launch command before
    done = run("planner", "plan", "--model", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "--gpu",
               "h100-sxm", "--gpus", "8", "--quantization", "fp8", "--json",
               env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["fits"] is False and out["vllm_command"] is None
    assert "model config (gptq) does not match" in out["verdict"]


@pytest.mark.parametrize("command", ["plan", "report"])  # sweep takes no --quantization
def test_a_quantization_the_releases_parser_refuses_is_bad_input(command: str) -> None:
    # vLLM 0.28.0 dropped bitsandbytes from --quantization's choices (the vllm_cli fixtures:
    # 0.27.0 lists it), so `vllm serve --quantization bitsandbytes` exits 2 in argparse's
    # words, as --moe-backend and --block-size values it does not take do here; it was a plan
    # (exit 0) whose verdict was "Does not fit: vLLM 0.34.0: argument --quantization: invalid
    # choice: ..."
    args = ("--model", "Qwen/Qwen3-8B", *HW, "--quantization", "bitsandbytes")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = run("planner", command, *args, "--vllm-version", "0.34.0", env=env)
    assert_one_line_error(done, f"python -m planner {command}: error: ",
                          "vLLM 0.34.0: argument --quantization: invalid choice: 'bitsandbytes' "
                          "(choose from 'awq', ")
    assert done.stderr.endswith("'mxfp4_hadamard32'); vLLM 0.27.0 is the newest release "
                                "Headroom covers that takes it (--vllm-version 0.27.0).\n")
    taken = run("planner", "plan", *args, "--vllm-version", "0.27.0", "--json", env=env)
    assert taken.returncode == 0, taken.stderr
    assert "--quantization bitsandbytes" in json.loads(taken.stdout)["vllm_command"]


def test_a_bitsandbytes_what_if_on_0_28_does_not_fit_in_vllms_words() -> None:
    # the same release has no bitsandbytes checkpoint either (quantization/bitsandbytes.py is
    # gone from the 0.28.0 wheel): a plan, exit 0, that does not fit and writes no command; it
    # was "Fits" with advice to quantize first
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", *HW, "--target-quant", "bnb-nf4",
               "--vllm-version", "0.28.0", "--json", env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["fits"] is False and out["vllm_command"] is None
    assert out["verdict"].startswith("Does not fit: Unknown quantization method: bitsandbytes. "
                                     "(vLLM 0.28.0 config/model.py _verify_quantization: ")
    assert "quantize it first" not in out["launch_note"]


def test_a_llama_config_with_a_gelu_mlp_does_not_fit_in_vllms_words(tmp_path: Path) -> None:
    # llama.py LlamaMLP raises "Unsupported activation: gelu. Only silu is supported for now."
    # in every release 0.9.1-0.34.0: planned as fitting, with a command, before
    from tests.cli.tiny_model import TINY_CONFIG

    (tmp_path / "config.json").write_text(json.dumps({**TINY_CONFIG, "hidden_act": "gelu"}))
    words = ("ValueError: Unsupported activation: gelu. Only silu is supported for now. (vLLM "
             "0.13.0 builds LlamaForCausalLM's MLPs as vllm/model_executor/models/llama.py "
             "LlamaMLP, which raises this for any config.json hidden_act but \"silu\" in every "
             "release 0.9.1-0.34.0.)")
    args = ("planner", "plan", "--model", str(tmp_path), *HW, "--vllm-version", "0.13.0")
    done = run(*args, "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["fits"] is False and out["vllm_command"] is None
    assert out["verdict"] == f"Does not fit: {words}"
    done = run(*args)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert [line for line in done.stdout.splitlines() if line.startswith("Does not fit")] == [
        f"Does not fit: {words}"]


def test_recommend_names_another_memory_size_without_flags_it_lacks() -> None:
    # it said "give its memory with --gpu-memory-gib X (what CUDA reports) and --gpu-name
    # 'Tesla V100-PCIE-16GB'", flags recommend does not take ("unrecognized arguments"); that
    # card has its own preset now, the 8 GB RTX 4060 Ti none
    done = run("planner", "recommend", "--model", "Qwen/Qwen3-8B", "--gpu",
               "RTX 4060 Ti 8GB", env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert_one_line_error(
        done, "python -m planner recommend: error: ",
        "no preset for 'RTX 4060 Ti 8GB': that GPU's preset is rtx-4060-ti-16gb (16 GB "
        "GDDR6), not 8 GB; recommend searches the GPU presets, at their prices, only: plan, "
        "sweep or report it with --gpu-memory-gib X (what CUDA reports) and --gpu-name "
        "'RTX 4060 Ti 8GB'.")
    assert "--gpu-memory-gib" in run("planner", "plan", "--help").stdout
    assert "--gpu-memory-gib" not in run("planner", "recommend", "--help").stdout


MIG_1G = "NVIDIA H100 80GB HBM3 MIG 1g.10gb"
RECOMMEND_PRESETS_ONLY = ("recommend searches the GPU presets, at their prices, only: plan, "
                          "sweep or report it with --gpu-memory-gib X (what CUDA reports) and "
                          "--gpu-name ")


@pytest.mark.parametrize(("flags", "words"), [
    # a price's GPU no preset is named: the nearest presets, as --gpu's error names them
    # (3099 is 3090 with its last digit mistyped; 5090 is another generation's number)
    (("--price", "rtx 3099=0.5"), "a price for an unknown GPU preset 'rtx 3099'; did you mean "
     "rtx-3090 or rtx-3090-ti? known: "),
    # another memory size and a MIG slice, as a price or --gpu: their advice named flags
    # recommend does not take ("give its memory with --gpu-memory-gib X ... and --gpu-name",
    # "plan the slice as a custom GPU: --gpu-memory-gib X ..."), as --gpu's other size did
    (("--price", "RTX 4060 Ti 8GB=0.5"), "a price for 'RTX 4060 Ti 8GB': no preset "
     "for 'RTX 4060 Ti 8GB': that GPU's preset is rtx-4060-ti-16gb (16 GB GDDR6), not 8 GB; "
     f"{RECOMMEND_PRESETS_ONLY}'RTX 4060 Ti 8GB'."),
    (("--price", f"{MIG_1G}=0.5"), f"a price for '{MIG_1G}': GPU '{MIG_1G}' is a MIG instance, "
     f"slice 1g.10gb of NVIDIA H100 80GB HBM3, which no preset models: a slice has a share of "
     f"the GPU's memory, SMs and bandwidth, and Headroom plans whole GPUs; "
     f"{RECOMMEND_PRESETS_ONLY}'{MIG_1G}'."),
    (("--gpu", MIG_1G), f"GPU '{MIG_1G}' is a MIG instance, slice 1g.10gb of NVIDIA H100 80GB "
     f"HBM3, which no preset models: a slice has a share of the GPU's memory, SMs and "
     f"bandwidth, and Headroom plans whole GPUs; {RECOMMEND_PRESETS_ONLY}'{MIG_1G}'."),
    # a laptop GPU, as --gpu or a price: said to be one, with recommend's way out (the price
    # read "a price for an no GPU preset ...", --gpu had no way out)
    (("--gpu", "RTX 5070 Laptop GPU"), "no GPU preset for 'RTX 5070 Laptop GPU', a laptop "
     "GPU, which no preset models: the desktop card of its number is another product, not "
     f"planned for it; {RECOMMEND_PRESETS_ONLY}'RTX 5070 Laptop GPU'."),
    (("--price", "RTX 5070 Laptop GPU=0.5"), "a price for 'RTX 5070 Laptop GPU': no GPU preset "
     "for 'RTX 5070 Laptop GPU', a laptop GPU, which no preset models: the desktop card of its "
     f"number is another product, not planned for it; {RECOMMEND_PRESETS_ONLY}'RTX 5070 "
     "Laptop GPU'."),
])
def test_recommend_s_gpu_names_say_what_recommend_takes(flags: tuple[str, ...],
                                                        words: str) -> None:
    done = run("planner", "recommend", "--model", "Qwen/Qwen3-8B", *flags,
               env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert_one_line_error(done, f"python -m planner recommend: error: {words}", "")


@pytest.mark.parametrize(("model", "method", "release", "words"), [
    # a habit from vLLM: the checkpoint's own method or its Marlin kernel named by hand; it
    # read "runtime --quantization 'gptq_marlin' has no scheme in planner.model.quant."
    ("Qwen/Qwen3-235B-A22B-GPTQ-Int4", "gptq_marlin", "0.27.0",
     "--quantization gptq_marlin: Headroom plans only vLLM's load-time quantization (bitsandbytes, "
     "fp8); Qwen/Qwen3-235B-A22B-GPTQ-Int4 is stored as GPTQ int4, group 128 (W4A16) "
     "and planned as stored without --quantization (vLLM reads the format from its config)."),
    ("Qwen/Qwen3-8B", "awq", "0.27.0",
     "--quantization awq: Headroom plans only vLLM's load-time quantization (bitsandbytes, "
     "fp8); Qwen/Qwen3-8B is 16-bit: plan another format as a what-if with "
     "--target-quant (e.g. --target-quant awq)."),
    # bitsandbytes is no --quantization choice from 0.28.0 (the vllm_cli fixtures): it was named
    # as the method to give, which "--quantization bitsandbytes" then refused ("invalid choice")
    ("Qwen/Qwen3-8B", "awq", "0.28.0",
     "--quantization awq: Headroom plans only vLLM's load-time quantization (fp8); "
     "Qwen/Qwen3-8B is 16-bit: plan another format as a what-if with --target-quant (e.g. "
     "--target-quant awq)."),
    ("Qwen/Qwen3-235B-A22B-GPTQ-Int4", "gptq_marlin", "0.34.0",
     "--quantization gptq_marlin: Headroom plans only vLLM's load-time quantization (fp8); "
     "Qwen/Qwen3-235B-A22B-GPTQ-Int4 is stored as GPTQ int4"),
])
def test_a_quantization_method_that_is_no_load_time_one_is_refused_in_words(
        model: str, method: str, release: str, words: str) -> None:
    done = run("planner", "plan", "--model", model, "--gpu", "h100-sxm", "--gpus", "8",
               "--quantization", method, "--vllm-version", release,
               env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert_one_line_error(done, "python -m planner plan: error: ", words)


@pytest.mark.parametrize(("args", "words"), [
    # before: ". has no config.json" (the empty path read as the current folder)
    (("plan", "--model", "", *HW), "argument --model: is empty"),
    (("inspect", ""), "argument PATH_OR_REPO_ID: is empty"),
    (("report", "--model", "Qwen/Qwen3-8B", *HW, "--compare", ""), "argument --compare: is empty"),
    (("recommend", "--model", " "), "argument --model: is empty"),
    # a traceback before: "OSError: [Errno 36] File name too long" from Path.exists()
    (("inspect", "x" * 5000), "is not a Hugging Face repo id"),
    # a path with a typo was read as a repo id: "'./qwen3/config.jsn' is not a Hugging Face
    # repo id: expected owner/name ...", which named its characters, not the missing file
    (("plan", "--model", "./no-such-folder/config.json", *HW), "./no-such-folder/config.json: "
     "no such file or folder (a model is a config.json, a folder holding one, or a repo id "
     "such as Qwen/Qwen3-8B)."),
    (("report", "--model", "Qwen/Qwen3-8B", *HW, "--compare", "/no/such/model"),
     "/no/such/model: no such file or folder"),
    (("inspect", "~/no-such-config.json"), "~/no-such-config.json: no such file or folder"),
    # a home no user has: "RuntimeError: Could not determine home directory" (pathlib's
    # expanduser) before; left as written, as bash leaves `~nouser`
    (("inspect", "~no-such-user-h526/config.json"),
     "~no-such-user-h526/config.json: no such file or folder"),
    (("report", "--model", "Qwen/Qwen3-8B", *HW, "--compare", "~no-such-user-h526"),
     "~no-such-user-h526: no such file or folder"),
    # before: silently the default release, no what-if, no checkpoint
    (("plan", "--model", "Qwen/Qwen3-8B", *HW, "--vllm-version", ""),
     "argument --vllm-version: is empty"),
    (("plan", "--model", "Qwen/Qwen3-8B", *HW, "--target-quant", ""),
     "argument --target-quant: is empty"),
    # --prices '' was ignored: the default price table, without a word
    (("recommend", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--prices", ""),
     "argument --prices: is empty: give a JSON file of $ per GPU-hour by preset."),
    # "error: : cannot read (No such file or directory)", no flag and no file named
    (("plan", "--model", "Qwen/Qwen3-8B", "--snapshot", " "), "argument --snapshot: is empty"),
    # "The revision is empty: give a branch, tag or sha.", after the model was looked up
    (("inspect", "Qwen/Qwen3-8B", "--revision", " "), "argument --revision: is empty: give a "
     "branch, tag or commit, or leave --revision out for the repo's main branch."),
    (("plan", "--model", "Qwen/Qwen3-8B", *HW, "--revision", ""), "argument --revision: is "
     "empty"),
    # the only value error that did not name its flag: "Unknown quantization scheme ..."
    (("plan", "--model", "Qwen/Qwen3-8B", *HW, "--target-quant", "w4a16-gtpq"),
     "argument --target-quant: unknown quantization scheme 'w4a16-gtpq'. Known: fp32, bf16, "),
    (("report", "--model", "Qwen/Qwen3-8B", *HW, "--target-quant", "int3"),
     "argument --target-quant: unknown quantization scheme 'int3'. Known: "),
    (("plan", "--model", "Qwen/Qwen3-8B", *HW, "--target-quant", "fp8", "--target-checkpoint",
      ""), "argument --target-checkpoint: is empty"),
    # a flag as the checkpoint: it became an option of the launch command
    (("plan", "--model", "Qwen/Qwen3-8B", *HW, "--target-quant", "fp8",
      "--target-checkpoint=--trust-remote-code"), "argument --target-checkpoint: "
     "'--trust-remote-code' starts with '-', so vLLM would read it as an option, not a model"),
    # no repo id and no folder here: put in the launch command as is before, where vLLM's
    # hub client refuses it (validate_repo_id) at load
    (("plan", "--model", "Qwen/Qwen3-8B", *HW, "--target-quant", "fp8", "--target-checkpoint",
      "not a repo id!"), "--target-checkpoint 'not a repo id!' is not a Hugging Face repo id: "
     "expected owner/name such as Qwen/Qwen3-8B (letters, digits, '-', '_', '.'; at most 96 "
     "characters each), or a path to an existing model folder."),
    (("report", "--model", "Qwen/Qwen3-8B", *HW, "--target-quant", "fp8", "--target-checkpoint",
      "me/ckpts/qwen3-fp8"), "--target-checkpoint 'me/ckpts/qwen3-fp8' is not a Hugging Face "
     "repo id"),
    # refused without a word on the id it holds before
    (("inspect", "https://huggingface.co/Qwen/Qwen3-8B/tree/main"), "or a path to an existing "
     "config.json or model folder. That is a model page's address; its repo id is "
     "Qwen/Qwen3-8B."),
    # blamed on the server before ("answered HTTP 404 ... it does not look like a Hugging Face
    # hub"): the client's URL resolved "revision/.." to another route
    (("inspect", "Qwen/Qwen3-8B", "--revision", ".."), "The revision '..' cannot name a "
     "branch, tag or commit: git ref names cannot contain '..' (git check-ref-format). Give a "
     "branch, tag or sha."),
])
def test_an_empty_or_impossible_model_argument_is_named(args: tuple[str, ...], words: str) -> None:
    assert_one_line_error(run("planner", *args), f"python -m planner {args[0]}: error: ", words)


@pytest.mark.parametrize(("args", "words"), [
    # said "use intra_node_link='pcie'", a Python keyword no user types
    (("--gpu", "rtx-4090", "--gpus", "2", "--link", "nvlink"),
     "NVIDIA GeForce RTX 4090 has no NVLink: its GPUs talk over PCIe (link pcie, or "
     "pcie-no-p2p without peer-to-peer)."),
    # said "gpus_per_node must be 1..64, got 4096"
    (("--gpu", "h100-sxm", "--gpus", "4096"),
     "--gpus 4096 over --nodes 1 is 4,096 GPUs per node; a node holds at most 64: give "
     "--nodes (e.g. --nodes 512 for 8 per node)."),
    # --nodes alone: said "--gpus 1 cannot be spread evenly over --nodes 2", a --gpus never typed
    (("--gpu", "h100-sxm", "--nodes", "2"),
     "--nodes 2 needs --gpus N, the GPUs of all nodes together (e.g. --gpus 16 --nodes 2 for 2 "
     "nodes of 8); without it --gpus is 1."),
    # said only "--gpus 3 cannot be spread evenly over --nodes 2.": 3 / 2 rounds up to 2 a
    # node, so 2 x 2 = 4 is the nearest even count
    (("--gpu", "h100-sxm", "--gpus", "3", "--nodes", "2"),
     "--gpus 3 cannot be spread evenly over --nodes 2: give --gpus as the nodes x the GPUs "
     "each holds (e.g. --gpus 4 --nodes 2 for 2 nodes of 2); nodes holding different numbers "
     "are planned from one --snapshot per node."),
    # a GPU with no preset listed the presets only, not how to plan it anyway (one NVIDIA's
    # tables name is that GPU: tests/cli/test_gpu_without_preset.py)
    (("--gpu", "Tesla P100-PCIE-16GB"),
     "; to plan it, give --gpu-memory-gib X (what CUDA reports) and "
     "--gpu-name 'Tesla P100-PCIE-16GB' instead of --gpu."),
    (("--gpu", "Tesla Z100"),
     "; to plan a GPU no preset has, give --gpu-memory-gib X (what CUDA reports) and "
     "--gpu-name 'Tesla Z100' instead of --gpu."),
    # a laptop GPU was offered the desktop card ("did you mean rtx-5070-ti, rtx-5070?")
    (("--gpu", "RTX 5070 Laptop GPU"),
     "error: no GPU preset for 'RTX 5070 Laptop GPU', a laptop GPU, which no preset models: the "
     "desktop card of its number is another product, not planned for it; to plan a GPU no "
     "preset has, give --gpu-memory-gib X (what CUDA reports) and --gpu-name 'RTX 5070 Laptop "
     "GPU' instead of --gpu."),
    # a spaced name and a count, both unquoted: --gpu took 'RTX' and the advice was none
    (("--gpu", "RTX", "3090", "2"),
     "unrecognized arguments: 3090 2 (--gpu names the GPU, not how many: give --gpu "
     "'RTX 3090' --gpus 2)."),
    # the count first: the last word was taken as the count ("give --gpu '2 RTX' --gpus 3090")
    (("--gpu", "2", "RTX", "3090"),
     "unrecognized arguments: RTX 3090 (--gpu names the GPU, not how many: give --gpu "
     "'RTX 3090' --gpus 2)."),
    (("--gpu", "2x", "RTX", "3090"),
     "unrecognized arguments: RTX 3090 (--gpu names the GPU, not how many: give --gpu "
     "'RTX 3090' --gpus 2)."),
    # "quote one with spaces, --gpu 'RTX 3090 x2'", which was then refused as holding a count
    (("--gpu", "RTX", "3090", "x2"),
     "unrecognized arguments: 3090 x2 (--gpu names the GPU, not how many: give --gpu "
     "'RTX 3090' --gpus 2)."),
    # a bare number after the name that is the card's memory in GB is no count ("give --gpus 80")
    (("--gpu", "A100", "80"),
     "unrecognized arguments: 80 (--gpu takes one value; 80 reads as the card's memory, not how "
     "many: give --gpu 'A100 80GB')."),
    (("--gpu", "RTX", "3090", "24", "--gpus", "8"),
     "unrecognized arguments: 3090 24 (--gpu takes one value; 24 reads as the card's memory, not "
     "how many: give --gpu 'RTX 3090 24GB')."),
    # 8 is no RTX 3090's memory: a count
    (("--gpu", "RTX", "3090", "8"),
     "unrecognized arguments: 3090 8 (--gpu names the GPU, not how many: give --gpu "
     "'RTX 3090' --gpus 8)."),
    # no preset is named '2 RTX' or 'Tesla P100' (what --gpu plans): no flags to give
    (("--gpu", "2", "RTX"), "error: unrecognized arguments: RTX.\n"),
    (("--gpu", "2", "Tesla", "P100"), "error: unrecognized arguments: Tesla P100.\n"),
    # --gpu-name takes a GPU no preset has, a name NVIDIA's tables know
    (("--gpu-memory-gib", "16", "--gpu-name", "Tesla", "P100", "2"),
     "unrecognized arguments: P100 2 (--gpu-name names the GPU, not how many: give --gpu-name "
     "'Tesla P100' --gpus 2)."),
])
def test_hardware_errors_speak_the_flags(args: tuple[str, ...], words: str) -> None:
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", *args)
    assert_one_line_error(done, "python -m planner plan: error: ", words)


@pytest.mark.parametrize("gpu", [
    "RTX 2080 with Max-Q Design",  # NVML, Turing Max-Q: was "did you mean rtx-2080-ti?"
    "RTX 5090 Mobile",  # pci.ids' (lspci's) form: "did you mean rtx-5090, ...?"
    "RTX 2080 Max-Q",
    "Quadro T2000 Mobile / Max-Q",
])
def test_a_laptop_gpu_in_other_words_gets_no_desktop_preset(gpu: str) -> None:
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--gpu", gpu)
    assert_one_line_error(done, "python -m planner plan: error: ", (
        f"no GPU preset for {gpu!r}, a laptop GPU, which no preset models: the desktop card of "
        "its number is another product, not planned for it; to plan a GPU no preset has"))
    assert "did you mean" not in done.stderr


def test_a_desktop_max_q_card_is_no_laptop_gpu() -> None:
    # the RTX PRO 6000 Blackwell Max-Q Workstation Edition is a desktop card with a preset
    done = run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--gpu",
               "RTX PRO 6000 Blackwell Max-Q")
    assert_one_line_error(done, "python -m planner plan: error: ", "unknown GPU preset 'RTX PRO "
                          "6000 Blackwell Max-Q'; did you mean rtx-pro-6000-maxq, ")
    assert "laptop" not in done.stderr


def test_a_gpu_name_no_preset_has_is_noted() -> None:
    # "RTX 309" was planned silently as a GPU of no known model (no capability, formats,
    # batch defaults or speed), where --gpu "RTX 309" says "did you mean rtx-3090"
    args = ("plan", "--model", "Qwen/Qwen3-8B", "--gpu-memory-gib", "24", "--gpus", "1")
    done = run("planner", *args, "--gpu-name", "RTX 309")
    assert done.returncode == 0, done.stderr
    assert ("python -m planner plan: note: --gpu-name 'RTX 309' is no preset GPU model (did "
            "you mean rtx-3090") in done.stderr
    known = run("planner", *args, "--gpu-name", "NVIDIA GeForce RTX 3090")
    assert known.returncode == 0 and "note:" not in known.stderr


def test_a_short_gpu_name_of_several_presets_is_noted_not_refused() -> None:
    """"H100" is three presets (SXM, PCIe, NVL): it still plans h100-sxm (scripts rely on
    it), with a note naming the other two's flags; a key or the NVML name gets none."""
    args = ("plan", "--model", "Qwen/Qwen3-8B")
    done = run("planner", *args, "--gpu", "H100")
    assert done.returncode == 0, done.stderr
    assert ("python -m planner plan: note: --gpu 'H100' is the h100-sxm preset (NVIDIA H100 "
            "80GB HBM3); for the other H100 presets give --gpu h100-pcie or --gpu h100-nvl\n"
            ) in done.stderr
    assert "on 1x NVIDIA H100 80GB HBM3" in done.stdout
    for exact in ("h100-sxm", "NVIDIA H100 80GB HBM3"):
        quiet = run("planner", *args, "--gpu", exact)
        assert quiet.returncode == 0 and "note: --gpu" not in quiet.stderr


def test_a_100_80gb_plans_the_sxm_part_noting_the_pcie_card() -> None:
    """"A100 80GB" is the SXM part's key spelled out, but the PCIe card is an A100 80GB too
    (NVML "NVIDIA A100 80GB PCIe"): it plans a100-80gb, as "H100" plans h100-sxm, with a note
    naming the PCIe preset's flag; NVML's names plan their card without one."""
    args = ("plan", "--model", "Qwen/Qwen3-0.6B")
    done = run("planner", *args, "--gpu", "A100 80GB")
    assert done.returncode == 0, done.stderr
    assert ("python -m planner plan: note: --gpu 'A100 80GB' is the a100-80gb preset (NVIDIA "
            "A100-SXM4-80GB); for the other A100 80GB presets give --gpu a100-80gb-pcie\n"
            ) in done.stderr
    for exact, card in (("NVIDIA A100-SXM4-80GB", "NVIDIA A100-SXM4-80GB"),
                        ("NVIDIA A100 80GB PCIe", "NVIDIA A100 80GB PCIe")):
        quiet = run("planner", *args, "--gpu", exact)
        assert quiet.returncode == 0 and "note: --gpu" not in quiet.stderr, quiet.stderr
        assert f"on 1x {card}" in quiet.stdout


def test_plan_and_sweep_pass_the_parsers_warnings_on(tmp_path: Path) -> None:
    config = json.loads((BAD / "kv_heads_gt_heads.config.json").read_text())
    config.update(num_key_value_heads=8, model_type="llamax",
                  quantization_config={"quant_method": "weird"})
    (tmp_path / "config.json").write_text(json.dumps(config))
    expected = ["model_type 'llamax' is not a known architecture",
                "quantization_config.quant_method 'weird' not understood"]
    for command in ("plan", "sweep"):
        text = run("planner", command, "--model", str(tmp_path), *HW)
        assert text.returncode == 0, text.stderr
        lines = text.stderr.strip().splitlines()
        assert [line.split(": warning: ")[1][:len(e)] for line, e in zip(lines, expected,
                                                                        strict=True)] == expected
        assert all(line.startswith(f"python -m planner {command}: warning: ") for line in lines)
        as_json = run("planner", command, "--model", str(tmp_path), *HW, "--json")
        assert as_json.stderr == ""
        warnings = json.loads(as_json.stdout)["model_warnings"]
        assert [w[:len(e)] for w, e in zip(warnings, expected, strict=True)] == expected


@pytest.mark.parametrize(("prices", "words"), [
    ("/dev/zero", "--prices /dev/zero is a character device, not a regular file"),
    (str(BAD / "deep_nesting.config.json"), "nested too deeply"),
])
def test_recommend_reads_a_prices_file_through_the_bounded_reader(prices: str,
                                                                  words: str) -> None:
    done = run("planner", "recommend", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090",
               "--context", "4096", "--prices", prices)
    assert_one_line_error(done, "python -m planner recommend: error: ", words)


def test_a_prices_file_integer_past_a_float_is_one_line(tmp_path: Path) -> None:
    # a 400-digit price was an OverflowError traceback (float() of the integer); a 20-digit
    # one still reaches the planner's range check, a float past 1,000 too
    prices = tmp_path / "prices.json"
    prices.write_text('{"rtx-3090": -' + "9" * 400 + "}")
    args = ("recommend", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--context", "4096",
            "--prices", str(prices))
    assert_one_line_error(run("planner", *args), "python -m planner recommend: error: ",
                          f"--prices {prices}: the price of 'rtx-3090' is an integer of 400 "
                          "digits, not a number of $ per GPU-hour >= 0 and <= 1,000.")
    prices.write_text('{"rtx-3090": ' + "1" + "0" * 19 + "}")
    assert_one_line_error(run("planner", *args), "python -m planner recommend: error: ",
                          "price for rtx-3090 must be a number of $ per GPU-hour >= 0 and <= "
                          "1,000, got 1e+19.")


@pytest.mark.parametrize("key", ["rtx-4090\n", " rtx-4090", "rtx-4090\t", "rtx\x1b[2J-4090"])
def test_a_prices_file_key_with_a_control_character_or_outer_space_is_refused(
        tmp_path: Path, key: str) -> None:
    # "rtx-4090\n" was quietly read as the rtx-4090 preset; the key is named as repr
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({key: 0.5}))
    done = run("planner", "recommend", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090",
               "--context", "4096", "--prices", str(prices))
    assert_one_line_error(done, "python -m planner recommend: error: ",
                          f"--prices {prices}: the key {key!r} holds a control character or "
                          "white space around it: write the GPU preset's name alone (e.g. "
                          "'rtx-3090').")


def test_a_prices_file_key_spelled_with_inner_spaces_is_read(tmp_path: Path) -> None:
    # only a stray character is refused: "RTX 4090" is a spelling of the preset, as --gpu's
    prices = tmp_path / "prices.json"
    prices.write_text('{"RTX 4090": 0.5}')
    assert load_prices(str(prices), []) == {"RTX 4090": 0.5}


def test_a_model_folder_with_non_regular_configs_is_refused(tmp_path: Path) -> None:
    (tmp_path / "config.json").symlink_to("/dev/zero")
    assert_one_line_error(run("planner", "inspect", str(tmp_path)),
                          "python -m planner inspect: error: ",
                          f"{tmp_path}/config.json is a character device, not a regular file")
    (tmp_path / "config.json").unlink()
    (tmp_path / "config.json").write_text(QWEN3_8B.read_text())
    os.mkfifo(tmp_path / "hf_quant_config.json")  # was skipped silently, now named
    assert_one_line_error(run("planner", "inspect", str(tmp_path)),
                          "python -m planner inspect: error: ",
                          "hf_quant_config.json is a FIFO (named pipe), not a regular file")


def test_a_release_count_from_a_plain_int_default_is_read_as_it_is() -> None:
    from cli.args import Count
    from cli.inputs import _release_count

    # a default the parser did not type (a plain int) has no .text: taken as it is; a typed
    # "32k" is read again for the release (lower-case k: x 1000)
    assert _release_count(8192, "--max-model-len", "0.19.0") == 8192
    assert _release_count(Count(32_000, "32k"), "--max-model-len", "0.19.0") == 32_000


def test_a_revision_of_a_local_config_is_refused_not_ignored() -> None:
    # a local file is read as it is on disk: --revision was dropped without a word (plan,
    # inspect), so a user who meant a commit got the file's figures unawares
    config = str(QWEN3_8B)
    for args in (("plan", "--model", config, *HW), ("inspect", config)):
        done = run("planner", *args, "--revision", "abc123")
        assert_one_line_error(done, f"python -m planner {args[0]}: error: ",
                              f"--revision abc123 picks a commit, branch or tag of a hub repo; "
                              f"{config} is a local file or folder, read as it is on disk: "
                              "drop --revision, or give the repo id.")


def test_a_snapshot_giving_a_key_twice_is_refused_not_planned_by_the_last(
        tmp_path: Path) -> None:
    # GPU 0's memory_total_bytes given twice, 24 GiB then 12 GiB: json kept the last, so the
    # rig was planned with a 12 GiB GPU 0 without a word (`probes --json` writes each key once)
    text = SNAPSHOT.read_text()
    one = '"memory_total_bytes": 25769803776,'
    dup = tmp_path / "dup.json"
    dup.write_text(text.replace(one, f'{one} "memory_total_bytes": 12884901888,', 1))
    words = f"{dup}: 'memory_total_bytes' is given twice: give each once."
    assert_one_line_error(run("planner", "plan", "--model", "Qwen/Qwen3-8B", "--snapshot",
                              str(dup)), "python -m planner plan: error: ", words)
    assert_one_line_error(run("probes", "--load", str(dup)), "python -m probes: error: ", words)



@pytest.mark.parametrize(("kwargs", "words"), [
    # json.loads' RecursionError was a traceback (exit 1)
    ("[" * 100_000, "'[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[...' is "
     "nested too deep to read, e.g. '{"),
    # Python's 'Exceeds the limit (4300 digits) ... use sys.set_int_max_str_digits()'
    ('{"max_patches": ' + "9" * 5_000 + "}", "999...' holds a number of over 4,300 digits"),
    # a text, a key or a value of 12,000 characters was echoed whole
    ("x " * 6_000, "x x x...' is not JSON"),
    ('{"' + "a b " * 3_000 + '": 1}', 'a b ...: Headroom plans max_soft_tokens'),
    ('{"max_patches": "' + "a b " * 3_000 + '"}', 'max_patches "a b a b a b a b a b a b a b a b '
     'a b a b a b a b a b a b a b ...: a whole number of tiles')],
    ids=["nested", "digits", "text", "key", "value"])
def test_mm_processor_kwargs_too_deep_too_long_or_too_big_is_one_short_line(
        kwargs: str, words: str) -> None:
    done = run("planner", "plan", "--model", str(QWEN3_8B), *HW, "--mm-processor-kwargs", kwargs)
    assert_one_line_error(done, "python -m planner plan: error: argument --mm-processor-kwargs: ",
                          words)
    assert len(done.stderr) < 400  # the longest message, 12,000 characters before


@pytest.mark.parametrize(("limits", "words"), [
    ("[" * 100_000, "'[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[...' is not a "
     "JSON object of modality limits"),  # a RecursionError traceback (exit 1)
    # a name that is no one word is given as JSON (mm_modes.modality_word), shortened
    ('{"' + "a b " * 3_000 + '": -1}', 'limit-mm-per-prompt: "a b a b a b')],
    ids=["nested", "modality"])
def test_limit_mm_per_prompt_too_deep_or_too_long_is_one_short_line(limits: str,
                                                                    words: str) -> None:
    done = run("planner", "plan", "--model", str(QWEN3_8B), *HW, "--limit-mm-per-prompt", limits)
    assert_one_line_error(done, "python -m planner plan: error: argument --limit-mm-per-prompt: ",
                          words)
    assert len(done.stderr) < 400  # 12,000 characters before
