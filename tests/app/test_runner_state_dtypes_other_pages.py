"""The Plan page's "Model runner" and "Conv state dtype" / "SSM state dtype" (link keys runner,
mambadt, mambassmdt) on the Recommend and Compare pages, one choice shared by every row as the
CLI's recommend and report --compare take --model-runner and --mamba-(ssm-)cache-dtype. Before,
Recommend searched every model at the release's runner and auto dtypes, and Compare offered
neither (it planned the Plan page's, the dtypes only where the Plan page's model had state).

By hand (tests/planner/serving/test_runner_choice.py, the catalog's configs, one H100, 8,192
batched tokens and 1,024 sequences at vLLM 0.28.0): Qwen3-8B runs V2, whose buffers are
679,579,648 B; asked V1 it holds V1's 8,192 x 4,096 x 2 B + 1,024 x 2,560 x 4 B = 77,594,624 B,
601,985,024 B more KV pool. In FP8 KV a 16-token block is 36 layers x 8 KV heads x (128 + 128) x
1 B x 16 = 1,179,648 B: 601,985,024 / 1,179,648 = 510.3 blocks more.

Nemotron-3-Nano (tests/planner/serving/test_mamba_dtype_settings.py) at vLLM 0.34.0: a Mamba2
state page of 36,864 B conv + 524,288 SSM elements x 4 B (the config's float32) = 2,134,016 B,
x 2 B with --mamba-ssm-cache-dtype float16 = 1,085,440 B. With FP8 KV an attention token is 2 KV
heads x (128 + 128) x 1 B = 512 B, so the block is 64 x cdiv(2,134,016, 64 x 512) = 64 x 66 =
4,224 tokens at auto, 64 x cdiv(1,085,440, 32,768) = 64 x 34 = 2,176 in float16; a 262,144-token
request takes cdiv(262,144, 4,224) = 63 (4,224 x 62 = 261,888) + 4 Mamba groups x 3 state pages
= 75 blocks, or cdiv(262,144, 2,176) = 121 + 12 = 133; a block holds 6 pages (the groups' 6
layers) of 4,224 x 512 B = 12,976,128 B, or of 2,176 x 512 B = 6,684,672 B, from one pool.
In BF16 KV (1,024 B a token, the Compare page's Nano in its checkpoint format) the blocks are
2,112 and 1,088 tokens: 816 blocks / 137 a request = 5.96 requests of 262,144 tokens at auto,
1,584 / 253 = 6.26 in float16.
"""

import json
import re

from cli.planner_cli import main
from tests.app.conftest import open_link, open_page, texts

QWEN3_8B, QWEN3_30B = "Qwen/Qwen3-8B", "Qwen/Qwen3-30B-A3B"
NANO = "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16"
V1_MORE_POOL_BYTES = 679_579_648 - 77_594_624  # 601,985,024
FP8_BLOCK_BYTES = 36 * 8 * (128 + 128) * 1 * 16  # 1,179,648
STATE_BOXES = ("mamba_cache_dtype", "mamba_ssm_cache_dtype")


def _cli(capsys, *argv: str) -> dict:
    """The CLI's JSON, in-process."""
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def _recommend(model: str, vllm: str, context: int):
    """The Recommend page for `model` on H100s under `vllm`, 4 requests of `context` tokens."""
    at = open_page("recommend", model=model, vllm=vllm, gpu="h100-sxm", conc="4")
    at.multiselect(key="recommend.gpus").set_value(["h100-sxm"]).run()
    at.number_input(key="recommend.context").set_value(context).run()
    return at


def _searched(at) -> tuple[str, str]:
    """(the answer's caption: its row's format, KV dtype and verdict; the picked row's
    command, on one line) once the button is pressed."""
    at.button(key="recommend.run").click().run()
    assert not at.exception
    return at.caption[1].value, at.code[0].value.replace(" \\\n  ", " ")


def _blocks(caption: str) -> int:
    return int(re.search(r"Fits: ([\d,]+) blocks", caption)[1].replace(",", ""))


def test_recommend_runner_v1_moves_the_kv_pool_by_the_runners_buffers(capsys) -> None:
    at = _recommend(QWEN3_8B, "0.28.0", 40_960)
    box = at.selectbox(key="recommend.model_runner")
    assert box.options == ["auto", "V1", "V2"] and box.value == "auto"
    assert not [b for b in at.selectbox if b.key in {f"recommend.{k}" for k in STATE_BOXES}]
    auto, auto_command = _searched(at)
    at.selectbox(key="recommend.model_runner").select("v1").run()
    assert at.query_params["runner"] == "v1"
    v1, command = _searched(at)
    for caption in (auto, v1):  # one FP8 H100, FP8 KV: the blocks above are this row's
        assert caption.startswith("Qwen/Qwen3-8B: FP8 E4M3, per-tensor scale, TP=1, KV fp8 ")
    # the same pool less V1's buffers instead of V2's: 510.3 blocks more, whole blocks apart
    assert _blocks(v1) - _blocks(auto) in {V1_MORE_POOL_BYTES // FP8_BLOCK_BYTES,
                                           -(-V1_MORE_POOL_BYTES // FP8_BLOCK_BYTES)}
    assert command == "VLLM_USE_V2_MODEL_RUNNER=0 " + auto_command
    flags = ("--gpu", "h100-sxm", "--vllm-version", "0.28.0", "--context", "40960",
             "--input-len", "1024", "--output-len", "1024", "--concurrency", "4", "--json")
    cli_auto = _cli(capsys, "recommend", "--model", QWEN3_8B, *flags)["rows"][0]
    cli_v1 = _cli(capsys, "recommend", "--model", QWEN3_8B, *flags,
                  "--model-runner", "v1")["rows"][0]
    assert (_blocks(auto), _blocks(v1)) == (_blocks(cli_auto["verdict"]),
                                            _blocks(cli_v1["verdict"])) == (54_699, 55_210)
    assert command == cli_v1["vllm_command"]


def test_recommend_says_vllms_refusal_of_a_runner_for_the_model() -> None:
    # vLLM 0.22.0's _validate_v2_model_runner refuses V2 for a hybrid (Nemotron-H)
    at = _recommend(NANO, "0.22.0", 8192)
    at.selectbox(key="recommend.model_runner").select("v2").run()
    at.button(key="recommend.run").click().run()
    assert not at.exception
    [error] = [e.value for e in at.error]
    assert error.startswith("Cannot search")
    refusal = ('refuses NemotronHForCausalLM (config/vllm.py _validate_v2_model_runner): '
               '"VLLM_USE_V2_MODEL_RUNNER does not yet support: hybrid/mamba models"')
    assert refusal in error.replace("\\", "")
    # beside a model V2 runs, the hybrid is named in a warning and the other searched
    at.multiselect(key="recommend.models").set_value([NANO, QWEN3_8B]).run()
    at.button(key="recommend.run").click().run()
    assert not at.exception and not at.error
    assert [w for w in at.warning if refusal in w.value.replace("\\", "")]
    assert set(at.dataframe[-1].value["model"]) == {QWEN3_8B}


def test_recommend_ssm_float16_shrinks_the_state_page(capsys) -> None:
    at = _recommend(NANO, "0.34.0", 262_144)
    assert [at.selectbox(key=f"recommend.{k}").options for k in STATE_BOXES] == [
        ["auto", "float32", "float16", "bfloat16"]] * 2
    auto, auto_command = _searched(at)
    at.selectbox(key="recommend.mamba_ssm_cache_dtype").select("float16").run()
    assert at.query_params["mambassmdt"] == "float16" and "mambadt" not in at.query_params
    half, command = _searched(at)
    assert "KV fp8 " in auto and "KV fp8 " in half  # the blocks above: FP8 KV's
    assert "(262,144 tokens per 75 blocks:" in auto
    assert "(262,144 tokens per 133 blocks:" in half
    # one pool: n x 12,976,128 B <= pool < (n + 1) x 12,976,128 B, and so in 6,684,672 B blocks
    low = max(_blocks(auto) * 12_976_128, _blocks(half) * 6_684_672)
    high = min((_blocks(auto) + 1) * 12_976_128, (_blocks(half) + 1) * 6_684_672)
    assert low < high
    assert command == auto_command + " --mamba-ssm-cache-dtype float16"
    cli = _cli(capsys, "recommend", "--model", NANO, "--gpu", "h100-sxm", "--vllm-version",
               "0.34.0", "--context", "262144", "--input-len", "1024", "--output-len", "1024",
               "--concurrency", "4", "--mamba-ssm-cache-dtype", "float16", "--json")["rows"][0]
    assert cli["vllm_command"] == command and _blocks(cli["verdict"]) == _blocks(half)


def test_recommend_keeps_a_dtype_no_searched_model_reads_out_of_its_commands() -> None:
    at = open_page("recommend", model=QWEN3_8B, mambassmdt="float16")
    assert not [b for b in at.selectbox if b.key == "recommend.mamba_ssm_cache_dtype"]
    at.button(key="recommend.run").click().run()
    assert not at.exception
    assert not [c for c in at.code if "--mamba-ssm-cache-dtype" in c.value]


def _concurrency(at, model: str, context: int) -> float:
    return at.dataframe[0].value.set_index("model").loc[model, f"concurrency at {context:,}"]


def test_compare_offers_the_state_dtypes_for_a_compared_hybrid() -> None:
    # the Plan page's model (Qwen3-8B) has no state: the Compare page's Nano plans the choice
    at = open_page("compare", model=QWEN3_8B, gpu="h100-sxm", gpn="1", vllm="0.34.0",
                   cmp=f"{NANO},{QWEN3_8B}", ctx="262144")
    assert not at.exception
    assert _concurrency(at, NANO, 262_144) == 5.96
    assert "mamba" not in " ".join(c.value for c in at.caption)
    at.selectbox(key="compare.mamba_ssm_cache_dtype").select("float16").run()
    assert not at.exception and at.query_params["mambassmdt"] == "float16"
    assert _concurrency(at, NANO, 262_144) == 6.26
    assert ("`--mamba-ssm-cache-dtype float16` on the models with Mamba or Gated DeltaNet "
            "layers") in at.caption[0].value


def test_compare_runner_plans_each_model_as_report_compare(capsys) -> None:
    at = open_page("compare", model=QWEN3_8B, gpu="h100-sxm", gpn="1", vllm="0.28.0",
                   cmp=f"{QWEN3_8B},{QWEN3_30B}", ctx="40960")
    assert at.selectbox(key="compare.model_runner").options == ["auto", "V1", "V2"]
    assert not [b for b in at.selectbox if b.key == "compare.mamba_ssm_cache_dtype"]
    before = {m: _concurrency(at, m, 40_960) for m in (QWEN3_8B, QWEN3_30B)}
    at.selectbox(key="compare.model_runner").select("v1").run()
    assert not at.exception and at.query_params["runner"] == "v1"
    assert "model runner V1 (CLI: `--model-runner v1`)" in at.caption[0].value
    # Qwen3-8B (V2 at auto) gains 601,985,024 B of BF16 KV, 147,456 B a token: 0.0997
    # requests of 40,960 tokens (to whole blocks and the grid's 2 decimals); Qwen3-30B-A3B
    # runs V1 already
    gained = _concurrency(at, QWEN3_8B, 40_960) - before[QWEN3_8B]
    assert abs(gained - V1_MORE_POOL_BYTES / 147_456 / 40_960) < 0.011
    assert _concurrency(at, QWEN3_30B, 40_960) == before[QWEN3_30B]
    cli = _cli(capsys, "report", "--model", QWEN3_8B, "--compare", QWEN3_30B, "--gpu",
               "h100-sxm", "--gpus", "1", "--vllm-version", "0.28.0", "--max-model-len",
               "40960", "--model-runner", "v1", "--format", "json")
    for row in cli["comparison"]:
        assert _concurrency(at, row["model_name"], 40_960) == round(row["max_concurrency"], 2)


def test_compare_says_vllms_refusal_for_one_model_and_plans_the_others() -> None:
    at = open_page("compare", model=QWEN3_8B, gpu="h100-sxm", gpn="1", vllm="0.22.0",
                   cmp=f"{NANO},{QWEN3_8B}", ctx="8192", runner="v2")
    assert not at.exception
    [error] = [e.value.replace("\\", "") for e in at.error]
    assert error.startswith(NANO) and ('"VLLM_USE_V2_MODEL_RUNNER does not yet support: '
                                       'hybrid/mamba models"') in error
    assert list(at.dataframe[0].value["model"]) == [QWEN3_8B]
    assert "Qwen3-8B" in texts(at)


def test_compare_offers_the_releases_dtypes_and_replaces_a_linked_one_it_lacks() -> None:
    # bfloat16 from vLLM 0.22.0 (config/cache.py MambaDType): the Plan page's model (no state)
    # does not drop it off the Plan page, the release does, in its parser's words
    at = open_link("compare", model=QWEN3_8B, gpu="h100-sxm", gpn="1", vllm="0.21.0",
                   cmp=f"{NANO},{QWEN3_8B}", ctx="8192", mambassmdt="bfloat16")
    assert not at.exception
    box = at.selectbox(key="compare.mamba_ssm_cache_dtype")
    assert (box.options, box.value) == (["auto", "float32", "float16"], "auto")
    assert ("SSM state dtype = bfloat16 is not possible here: vLLM 0.21.0: argument "
            "--mamba-ssm-cache-dtype: invalid choice: 'bfloat16' (choose from 'auto', "
            "'float32', 'float16'). Showing SSM state dtype = auto instead.") in texts(at)
    assert "mambassmdt" not in at.query_params
