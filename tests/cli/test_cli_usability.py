"""`python -m planner` as a newcomer meets it (issue 13, item 15), run as a subprocess.

No command lists the commands; --help prints defaults; the readable sweep shows a default top
and says how many rows there are; a 16-bit checkpoint's own format is never buried behind
what-ifs (Qwen3-235B-A22B in BF16 on 8x H100: 4-bit what-ifs rank first).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SWEEP = ["sweep", "--model", "Qwen/Qwen3-235B-A22B", "--gpu", "h100-sxm", "--gpus", "8"]


def planner(*argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "planner", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def table_rows(out: str) -> list[list[str]]:
    """The data rows of the readable sweep table (split on runs of 2+ spaces)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("#  "))
    end = lines.index("", start)  # the launch commands follow the table after a blank line
    return [[c.strip() for c in line.split("  ") if c.strip()] for line in lines[start + 1:end]]


def test_no_command_lists_every_command_one_line_each() -> None:
    run = planner()
    assert run.returncode == 2
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    for command in ("plan", "sweep", "inspect", "report"):
        assert sum(line.split()[:1] == [command] for line in lines) == 1, command
    assert "Traceback" not in run.stderr


def test_help_shows_defaults() -> None:
    text = " ".join(planner("plan", "--help").stdout.split())  # argparse wraps lines
    # --gpu-memory-utilization unset: the release's (vllm_versions UTILIZATION_092_FROM)
    assert "default: vLLM's for --vllm-version, 0.92 from 0.20, 0.9 before" in text
    assert "(default: 0.34.0)" in text  # --vllm-version (planner.serving.vllm_versions)
    assert "(default: None)" not in text  # unset flags say what unset means instead
    sweep_help = " ".join(planner("sweep", "--help").stdout.split())
    assert "(default: 20 in the table" in sweep_help
    # the batch defaults' tiers (vllm_versions.py BIG_GPU_TIER_FROM: 16384 tokens from 0.28
    # at >= 160 GiB; a B200 plans --max-num-batched-tokens 16384)
    assert "16384 at >= 160 GiB from 0.28" in text
    # every GPU with its own default network rate (hardware.NETWORK_GBITS_PER_GPU): B300's
    # 800 Gb/s, a DGX Spark's 200 GbE
    assert "one 400 Gb/s NIC per GPU (800 on B300, 200 per DGX Spark)" in text
    # the served concurrency is min(asked, max_num_seqs, what the KV cache holds) x DP
    assert "capped at what the KV cache holds and at max_num_seqs" in text
    # --gpu takes names too (hardware.resolve_gpu_key), not only preset keys
    assert ("GPU preset key (rtx-3090, h100-sxm) or the GPU's name as people or NVML write it "
            "('RTX 3090', 'NVIDIA GeForce RTX 3090', 'H100 80GB HBM3', 'DGX Spark')") in text


def test_every_command_says_what_it_does_with_an_example_that_runs() -> None:
    # plan --help (and every command's) listed its options under no word of what it does
    import shlex

    for command, opening in (("plan", "One plan of a model on your GPUs: the memory per GPU"),
                             ("sweep", "Every weight format x TP/PP/DP/EP layout x KV cache"),
                             ("recommend", "The cheapest GPU model, count, weight format and"),
                             ("inspect", "A model's architecture card: layers, attention,"),
                             ("report", "The whole plan as one document, every figure with")):
        lines = planner(command, "--help").stdout.splitlines()
        at = lines.index("Example:")
        described = lines.index("") + 1  # the usage, a blank line, then what it does
        assert lines[described].startswith(opening) and described < at, lines[:at]
        example = shlex.split(lines[at + 1].removeprefix("  python -m planner "))
        assert example[0] == command
        run = planner(*example[:example.index(">")] if ">" in example else example)
        assert run.returncode == 0, (command, run.stderr)
        assert "Traceback" not in run.stderr


def test_every_option_of_every_command_says_what_it_does() -> None:
    # recommend --help listed "--json" with nothing beside it
    import argparse

    from cli.args import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    bare = [f"{name} {action.option_strings[-1]}" for name, parser in sub.choices.items()
            for action in parser._actions if action.option_strings and not action.help]
    assert bare == []


def test_help_says_what_the_batch_and_length_flags_are_and_how_their_counts_read() -> None:
    # they gave only their defaults; the quick start's --max-model-len 8k plans 8,000 tokens,
    # not 8,192 (vllm_cli.read_count: human_readable_int, lower case x 1000, upper x 1024)
    text = " ".join(planner("plan", "--help").stdout.split())
    assert ("--max-model-len, --max-num-batched-tokens and --kv-cache-memory-bytes take vLLM's "
            "suffixes: 32k = 32,000, 32K = 32,768 (k, m, g: x 1000; K, M, G: x 1024); the "
            "other counts are whole numbers.") in text
    assert "the longest request, prompt and output tokens together, that vLLM accepts" in text
    assert "--max-num-seqs S the most requests a replica runs at once (default: " in text
    assert "the most tokens one engine step takes, a prompt's chunk included" in text
    assert "--ep, --enable-expert-parallel, -ep expert parallelism (vLLM's spelling too): a MoE " \
        "model's routed experts whole" in text
    # the recorded 8x RTX 3090 rig (tests/fixtures/snapshots/rtx3090x8.json): NVML's total
    # 25,769,803,776 B = 24,576 MiB, 461,373,440 B = 440 MiB reserved; 24,136 / 1,024 = 23.57
    assert ("the total CUDA reports for one GPU, in GiB: nvidia-smi's total less the driver's "
            "reserved memory (an RTX 3090: 24,576 - 440 MiB = 23.57, not 24)") in text
    for suffixed, tokens in (("8k", "8,000"), ("8K", "8,192")):
        run = planner("plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090",
                      "--max-model-len", suffixed)
        assert f"one request can reach {tokens} tokens" in run.stdout


def test_help_names_every_kv_cache_dtype_the_flag_takes() -> None:
    # every spelling --kv-cache-dtype accepts (README: auto ... turboquant_*, nvfp4_ds_mla),
    # bar the bf16/fp16/fp32 shorthands the help mentions as accepted
    text = " ".join(planner("plan", "--help").stdout.split()).replace("- ", "-")
    for name in ("auto", "bfloat16", "float16", "fp8", "fp8_e4m3", "fp8_e5m2", "nvfp4",
                 "nvfp4_4over6", "int8_per_token_head", "fp8_per_token_head",
                 "int4_per_token_head", "turboquant_k8v4", "turboquant_4bit_nc",
                 "turboquant_k3v4_nc", "turboquant_3bit_nc", "nvfp4_ds_mla"):
        assert f" {name} " in text.replace("|", " ").replace(",", " "), name


def test_sweep_defaults_to_the_top_20_and_says_how_many_there_are() -> None:
    total = len(json.loads(planner(*SWEEP, "--json").stdout)["rows"])
    assert total > 40  # 5 formats x ~22 layouts x 2 KV dtypes
    run = planner(*SWEEP)
    assert run.returncode == 0
    assert f": top 20 of {total} combinations" in run.stdout.splitlines()[0]
    # the Command line section (docs/cli.md since the README split) quotes this very sweep's header
    assert f'("top 20 of {total}")' in (ROOT / "docs" / "cli.md").read_text()
    ranks = [row[0] for row in table_rows(run.stdout)]
    assert ranks[:20] == [str(i) for i in range(1, 21)]
    assert len(planner(*SWEEP, "--all").stdout.splitlines()) > total


def test_top_5_header_counts_shown_of_total() -> None:
    data = json.loads(planner(*SWEEP, "--json", "--top", "5").stdout)
    assert len(data["rows"]) == 5
    total = data["rows_total"]
    head = planner(*SWEEP, "--top", "5").stdout.splitlines()[0]
    assert f"top 5 of {total} combinations" in head
    assert "5 combinations" not in head.replace(f"of {total} combinations", "")


def test_sweep_header_product_says_what_is_not_planned() -> None:
    # Qwen3-235B-A22B on 8 H100 with --enable-eplb: of the 34 valid layouts 13 have EP
    # (TP x DP > 1 with EP: TP=1 x DP=8, TP=1 x PP=2 x DP=4, TP=1 x PP=4 x DP=2, TP=2,
    # TP=2 x DP=4, TP=2 x PP=2, TP=2 x PP=2 x DP=2, TP=2 x PP=3, TP=2 x PP=4, TP=4, TP=4 x DP=2,
    # TP=4 x PP=2, TP=8; 128 experts divide 2, 4 and 8) and vLLM refuses EPLB on the 21
    # without: 5 formats x 13 x 2 KV dtypes = 130 rows, 5 x 21 x 2 = 210 refused. The header
    # said "130 combinations (5 weight formats x 34 layouts x 2 KV dtypes)", a product of 340.
    head = planner(*SWEEP, "--enable-eplb", "--top", "3").stdout.splitlines()[0]
    assert head.endswith(": top 3 of 130 combinations (5 weight formats x 34 layouts x 2 KV "
                         "dtypes, less 210 not planned), best first")
    assert "less" not in planner(*SWEEP, "--top", "3").stdout.splitlines()[0]
    # on 0.9.2 vLLM refuses nothing of it: Headroom does not plan EPLB without EP there (its
    # checks start at 0.10.0), and the header said "less 210 vLLM refuses" above that line
    lines = planner(*SWEEP, "--enable-eplb", "--vllm-version", "0.9.2", "--top", "3"
                    ).stdout.splitlines()
    assert lines[0].endswith(", less 210 not planned), best first"), lines[0]
    assert lines[1].startswith("not planned: --enable-eplb without --enable-expert-parallel "
                               "is not planned for vLLM 0.9.2")


def test_checkpoint_format_is_marked_and_never_buried() -> None:
    data = json.loads(planner(*SWEEP, "--json").stdout)
    assert data["checkpoint_quant_key"] == "bf16"
    own_rank = 1 + next(i for i, r in enumerate(data["rows"]) if r["quant_key"] == "bf16")
    assert own_rank > 5  # 4-bit what-ifs hold more KV, so they rank first
    run = planner(*SWEEP, "--top", "5")
    rows = table_rows(run.stdout)
    assert [r[1] for r in rows[:5]] == ["what-if"] * 5
    assert rows[5] == ["..."]
    assert rows[6][:3] == [str(own_rank), "checkpoint", "BF16"]
    assert f"best in the checkpoint's own format (BF16): #{own_rank}" in run.stdout


def test_a_bf16_sweeps_fp8_rows_are_made_at_load_and_its_int4_rows_are_what_ifs() -> None:
    # vLLM makes FP8 from a 16-bit checkpoint as it loads it (`--quantization fp8`), so
    # Llama-3.1-70B-Instruct's (BF16) FP8 rows run from it: they were "what-if" under "what-if
    # rows need a converted checkpoint" beside a command that loads none. GPTQ and AWQ int4
    # need a checkpoint in that format (vLLM's gptq and awq methods load packed weights).
    run = planner("sweep", "--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "h100-sxm",
                  "--gpus", "16", "--all")
    assert run.returncode == 0, run.stderr
    rows = table_rows(run.stdout)
    kinds = {label: {r[1] for r in rows if r[2] == label} for label in {r[2] for r in rows}}
    assert kinds["FP8 E4M3, per-tensor scale"] == {"at load"}
    assert kinds["GPTQ int4, group 128 (W4A16)"] == {"what-if"}
    assert kinds["AWQ int4, group 128 (W4A16)"] == {"what-if"}
    assert kinds["BF16"] == {"checkpoint"}
    # the first at-load row (#9: TP=1 x PP=16, below GPTQ and AWQ int4 on the 4 layouts
    # without DP, whose 4-bit weights leave more KV room) loads the BF16 repo, made FP8
    assert rows[8][:4] == ["9", "at load", "FP8 E4M3, per-tensor scale", "TP=1 x PP=16"]
    assert any(line.startswith("#9  vllm serve meta-llama/Llama-3.1-70B-Instruct "
                               "--pipeline-parallel-size 16 --quantization fp8 ")
               for line in run.stdout.splitlines())
    assert ("best in the checkpoint's own format (BF16): #25; what-if rows need a converted "
            "checkpoint; vLLM quantizes at-load rows as it loads the checkpoint"
            ) in run.stdout.splitlines()


def test_checkpoint_pointer_names_the_nearest_miss_when_nothing_in_it_fits() -> None:
    # Qwen3-235B-A22B in BF16 (438 GiB of weights) fits no layout of 8 RTX 3090s (192 GiB in
    # all); "best in the checkpoint's own format" must name the BF16 row more memory must
    # supply least to (memory_shortfall_bytes_per_gpu), not the 1-GPU row short by the most
    args = ["sweep", "--model", "Qwen/Qwen3-235B-A22B", "--gpu", "rtx-3090", "--gpus", "8"]
    rows = json.loads(planner(*args, "--json").stdout)["rows"]
    own = [(rank, r) for rank, r in enumerate(rows, 1) if r["quant_key"] == "bf16"]
    assert not any(r["fits"] for _, r in own)
    rank, row = own[0]
    assert row["memory_shortfall_bytes_per_gpu"] == min(
        r["memory_shortfall_bytes_per_gpu"] for _, r in own)
    assert row["gpus_used"] == 8 and row["kv_cache_dtype"] == "fp8"
    assert (row["layout"]["tp"], row["layout"]["pp"]) == (4, 2)
    # a pool under 0 is short by what it is under 0, one 40,960-token request and one block:
    # at TP=4 x PP=2 a GPU holds 47 of the 94 layers and one of the 4 KV heads, in fp8
    # 47 x 1 x 128 x 2 (K, V) x 1 B = 12,032 B a token, in blocks of 64 tokens; TP=8 holds
    # all 94 layers (24,064 B a token), so its request and block weigh twice as much and it
    # ranks below though its pool is the less negative (-37.80e9 against -38.00e9 B)
    assert row["memory_shortfall_bytes_per_gpu"] == (
        -row["kv_cache_bytes_per_gpu"] + 40_960 * 12_032 + 64 * 12_032)
    tp8 = next(r for _, r in own if (r["layout"]["tp"], r["kv_cache_dtype"]) == (8, "fp8"))
    assert tp8["kv_cache_bytes_per_gpu"] > row["kv_cache_bytes_per_gpu"]
    assert tp8["memory_shortfall_bytes_per_gpu"] == (
        -tp8["kv_cache_bytes_per_gpu"] + 40_960 * 24_064 + 64 * 24_064)
    assert f"best in the checkpoint's own format (BF16): #{rank};" in planner(*args).stdout


def test_a_quantized_checkpoints_sweep_has_no_checkpoint_pointer() -> None:
    # a quantized checkpoint is swept in its own format alone (what-ifs are for 16-bit
    # checkpoints): "best in the checkpoint's own format: #1; what-if rows need a converted
    # checkpoint" was said of a table with no what-if row
    run = planner("sweep", "--model", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "--gpu", "rtx-3090",
                  "--gpus", "8")
    assert run.returncode == 0, run.stderr
    assert "(1 weight format x " in run.stdout.splitlines()[0]
    assert {r[1] for r in table_rows(run.stdout)} == {"checkpoint"}
    assert "own format" not in run.stdout


def test_sweep_marks_rows_that_fit_on_unmodelled_figures() -> None:
    # gemma-3-4b-it: the measured start-ups hold its SigLIP encoder profile on one pipeline
    # stage (planner/serving/encoder_cover.py), so its PP=2 rows, and only those, are "yes*",
    # and one line under the table names them by rank
    run = planner("sweep", "--model", "google/gemma-3-4b-it", "--gpu", "h100-sxm", "--gpus", "2",
                  "--all")
    assert run.returncode == 0
    rows = table_rows(run.stdout)
    starred = [row[0] for row in rows if "yes*" in row]
    assert starred and starred == [row[0] for row in rows if "PP=2" in " ".join(row)]
    caveats = [line for line in run.stdout.splitlines() if line.startswith("yes* (#")]
    assert len(caveats) == 1
    assert "leave out Gemma 3 SigLIP vision encoder start-up profile" in caveats[0]


def test_sweep_refuses_quantization_it_would_drop() -> None:
    # the sweep tries every weight format itself: --quantization fp8 (or a typo) changed
    # nothing and exited 0 before; plan takes it and says what it is
    for method in ("fp8", "fp9"):
        run = planner(*SWEEP, "--quantization", method)
        assert run.returncode == 2
        assert run.stdout == ""
        assert run.stderr == (
            f"python -m planner sweep: error: --quantization {method}: sweep plans every "
            "weight format itself (the checkpoint's, and each what-if with vLLM's "
            "--quantization where it applies); give --quantization to plan or report.\n")


def test_a_sweep_where_nothing_fits_says_why() -> None:
    # Qwen3 has no MTP layers, so vLLM refuses --speculative-config method mtp on every row:
    # the table showed "no" in every row and launch notes saying "see the verdict", unshown
    run = planner("sweep", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090",
                  "--num-speculative-tokens", "2")
    assert run.returncode == 0
    assert all(row[6] == "no" for row in table_rows(run.stdout))
    assert ("\nno row fits; #1's verdict: Does not fit: vLLM refuses --speculative-config "
            "method mtp for Qwen/Qwen3-8B: \"Unsupported speculative method: 'mtp'\"") in run.stdout
    fits = planner("sweep", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090")
    assert "no row fits" not in fits.stdout


def test_lora_help_names_every_architecture_whose_slots_are_sized() -> None:
    # --enable-lora's help said "refused elsewhere" after a list that left out
    # NemotronHForCausalLM (sized since dd436f34), and --enable-tower-connector-lora's said
    # "the Qwen3-VL tower ... PP = 1" after Gemma 3's SigLIP tower and PP > 1 were sized
    from planner.serving.lora.coverage import LORA_ARCHITECTURES
    text = " ".join(planner("plan", "--help").stdout.split()).replace("- ", "-")
    lora_help = text[text.index("--enable-lora vLLM"):text.index("--max-loras N vLLM")]
    for architecture in LORA_ARCHITECTURES:
        assert architecture in lora_help, architecture
    tower_help = text[text.index("--enable-tower-connector-lora vLLM"):]
    assert "Gemma3ForConditionalGeneration" in tower_help.split("--lora-dtype")[0]
    assert "PP = 1" not in tower_help
