"""`python -m planner plan` speed contract: --input-len/--output-len/--concurrency/--link and the
JSON keys ttft_ms, tpot_ms, output_tokens_per_s(_per_request), prefill_tokens_per_s,
speed_terms; a plan that does not fit keeps its memory figures and has null speed."""

import json
import re

import pytest

from cli.planner_cli import main
from tests.cli.conftest import run_main

SEED = ["plan", "--model", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "--gpu", "rtx-3090", "--gpus", "8",
        "--tp", "8", "--ep"]
SPEED_KEYS = {"ttft_ms", "tpot_ms", "output_tokens_per_s", "output_tokens_per_s_per_request",
              "prefill_tokens_per_s", "speed_terms"}


def _json(capsys, *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_plan_json_has_the_speed_keys(capsys) -> None:
    data = _json(capsys, *SEED, "--json")
    assert set(data) >= SPEED_KEYS
    assert data["tpot_ms"] > 0 and data["ttft_ms"] > 0
    # one request: aggregate and per-request rates are both 1000 / TPOT, less the first token
    assert data["output_tokens_per_s_per_request"] == pytest.approx(1000 / data["tpot_ms"])
    assert data["output_tokens_per_s"] < data["output_tokens_per_s_per_request"]
    names = {t["name"] for t in data["speed_terms"]}
    assert {"allreduce", "decode_weights", "prefill", "ttft", "tpot"} <= names
    assert all(t["formula"] and "value" in t for t in data["speed_terms"])
    assert data["speed"]["link"] == "pcie-no-p2p"  # GeForce default


def test_load_and_link_flags_change_the_figures(capsys) -> None:
    base = _json(capsys, *SEED, "--json")
    longer = _json(capsys, *SEED, "--input-len", "32K", "--json")
    assert longer["ttft_ms"] > 10 * base["ttft_ms"]  # 32x the prompt
    assert longer["speed"]["load"]["input_len"] == 32768
    p2p = _json(capsys, *SEED, "--link", "pcie", "--json")
    assert p2p["speed"]["link"] == "pcie" and p2p["tpot_ms"] < base["tpot_ms"]
    busy = _json(capsys, *SEED, "--concurrency", "1000", "--json")
    assert busy["speed"]["kv_bound"] and busy["speed"]["concurrency"] < 1000
    assert busy["output_tokens_per_s"] > base["output_tokens_per_s"]
    # the clients beyond the KV slots wait, by Little's law, longer than one served request
    wait = busy["speed"]["kv_wait_ms"]
    assert wait > busy["ttft_ms"] + 1024 * busy["tpot_ms"] and base["speed"]["kv_wait_ms"] == 0
    assert "kv_wait" in {t["name"] for t in busy["speed_terms"]}


def test_a_plan_that_does_not_fit_has_memory_figures_and_null_speed(capsys) -> None:
    data = _json(capsys, "plan", "--model", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "--gpu",
                 "rtx-3090", "--gpus", "2", "--json")
    assert not data["fits"] and data["weights_bytes_per_gpu"] > 0
    assert all(data[k] is None for k in SPEED_KEYS)


def test_plan_text_has_a_speed_block(capsys) -> None:
    assert main([*SEED, "--concurrency", "4"]) == 0
    out = capsys.readouterr().out
    assert "Speed at 1,024 in / 1,024 out, 4 requests at once" in out
    assert "TPOT" in out and "TP all-reduce" in out


def test_kv_limited_line_names_the_tokens_a_request_holds(capsys) -> None:
    """Qwen3-8B on one RTX 3090 at 8k: a pool of 5,263,538,906 B less Model Runner V2's
    buffers (256 x 151,936 x 4 + 2 x 256 x 4,748 x 4 + 256 x 17,924 = 169,894,912 B:
    planner.serving.runner_buffers) = 5,093,643,994 B, // 2,359,296 B (16 tokens x 147,456 B)
    = 2,158 blocks of 16 tokens on vLLM 0.33.0 (34,528 KV tokens), on 0.34.0 (the default,
    64-token blocks) 2,158 // 4 = 539 blocks = 34,496 tokens. A request of 1,024 in + 1,024
    out holds 1,024 + 512 = 1,536 tokens on average = 24 blocks, so 539 // 24 = 22 fit; at the
    full 2,048 tokens (32 blocks) only 539 // 32 = 16 would, so the line must not say 22
    requests "of 2,048 tokens"."""
    assert main(["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090",
                 "--max-model-len", "8k"]) == 0
    out = capsys.readouterr().out
    assert "539 blocks = 34,496 KV tokens" in out
    line = next(x for x in out.splitlines() if x.lstrip().startswith("KV-limited"))
    assert line.split() == ["KV-limited", "22", "requests", "holding", "1,536", "tokens",
                            "each", "on", "average", "(1,024", "in", "+", "half", "of",
                            "1,024", "out)"]


@pytest.mark.parametrize("flags", [["--concurrency", "0"], ["--input-len", "x"],
                                   ["--link", "infiniband"], ["--output-len", "16777217"],
                                   ["--network", "400"], ["--network", "0x100"],
                                   ["--arrival", "poisson"], ["--pcie-gen", "7"],
                                   ["--pcie-gen", "four"], ["--pcie-lanes", "12"],
                                   ["--pcie-lanes", "0"]])
def test_bad_speed_flags_exit_2(capsys, flags: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([*SEED, *flags])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert f"argument {flags[0]}" in err  # named by its flag (2**24 + 1: ServingLoad's bound)


TP16 = ["plan", "--model", "meta-llama/Llama-3.1-70B-Instruct", "--gpu", "h100-sxm", "--gpus",
        "16", "--nodes", "2", "--tp", "16", "--max-model-len", "8192", "--input-len", "2048",
        "--output-len", "256", "--json"]


def _allreduce_ms(data: dict) -> float:
    return next(t["value"] for t in data["speed_terms"] if t["name"] == "allreduce")


@pytest.mark.parametrize("command", ["sweep", "report", "recommend"])
def test_every_planning_command_takes_network(command: str) -> None:
    from cli.args import build_parser
    rest = ["--gpu", "h100-sxm"] if command != "recommend" else []
    args = build_parser().parse_args([command, "--model", "m", *rest, "--network", "2x100"])
    assert (args.network.nics_per_node, args.network.nic_gbits) == (2, 100.0)


def test_network_flag_sets_the_rate_between_nodes(capsys) -> None:
    # TP=16 over 2 nodes x 8 H100, one token: 160 all-reduces per step of 68.0 us start-up
    # (6.6 + 28 x 2 + 2 x 2.7) + 15/16 x 2 x 16,384 B / bus. The DGX default: bus 8 x 50 x
    # 0.8 = 320 GB/s: 68.096 us x 160 = 10.89536 ms; 8x 100 Gb/s: 80 GB/s, 68.384 us x 160
    # = 10.94144 ms; one 100 Gb/s NIC per node: 8 x 1.5625 x 0.8 = 10 GB/s, 71.072 us x 160
    assert _allreduce_ms(_json(capsys, *TP16)) == pytest.approx(10.89536, rel=1e-6)
    assert _allreduce_ms(_json(capsys, *TP16, "--network", "8x100")) == pytest.approx(
        10.94144, rel=1e-6)
    assert _allreduce_ms(_json(capsys, *TP16, "--network", "1x100")) == pytest.approx(
        11.37152, rel=1e-6)


def test_nvlink_on_a_card_without_it_exits_2(capsys) -> None:
    argv = ["plan", "--model", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "--gpu", "rtx-4090", "--gpus",
            "8", "--link", "nvlink"]
    assert main(argv) == 2
    assert "has no NVLink" in capsys.readouterr().err


NO_SPEED = [
    # a custom GPU (its CUDA total only) has no bandwidth or TFLOP/s figure: the plan fits,
    # yet the text said "the plan does not fit, or one request is longer than its context
    # ceiling"
    (["--gpu-memory-gib", "80", "--gpus", "1"],
     "No speed figures for this GPU (no bandwidth or TFLOP/s figure)."),
    # 40,000 + 1,024 = 41,024 > Qwen3-8B's max_model_len 40,960: 0.31 rejects such a request
    (["--gpu", "h100-sxm", "--gpus", "1", "--input-len", "40000", "--vllm-version", "0.31.0"],
     "No speed figures: one request of 40,000 + 1,024 = 41,024 tokens is longer than "
     "max_model_len 40,960: vLLM 0.31.0 rejects it (HTTP 400, max_tokens too large; releases "
     "from 0.32 clamp the output instead)."),
    (["--gpu", "h100-sxm", "--gpus", "1", "--kv-cache-memory-bytes", "1G"],
     "No speed figures: the plan does not fit."),
]


@pytest.mark.parametrize(("argv", "reason"), NO_SPEED)
@pytest.mark.parametrize("command", ["plan", "report"])
def test_no_speed_names_its_own_reason(capsys, command: str, argv: list[str],
                                       reason: str) -> None:
    """The reason once, in its own words; the report gives it twice, the same words: in its
    executive summary (its speed line, c3735501) and under Performance expectations."""
    assert main([command, "--model", "Qwen/Qwen3-8B", *argv]) == 0
    out = capsys.readouterr().out
    assert reason in out
    if command == "report":
        summary = out.split("## Executive summary", 1)[1].split("\n## ", 1)[0]
        assert f"\n- {reason}\n" in summary
        assert out.count("No speed figures") == 2 == out.count(reason)
    else:
        assert out.count("No speed figures") == 1


@pytest.mark.parametrize(("argv", "reason"), NO_SPEED)
def test_plan_json_names_the_reason_speed_is_null(capsys, argv: list[str], reason: str) -> None:
    """speed_note: the text's reason, where the JSON had a null speed (beside "fits": true for
    the first two) and nothing saying why; null where there is a speed."""
    data = _json(capsys, "plan", "--model", "Qwen/Qwen3-8B", *argv, "--json")
    assert data["speed"] is None and data["speed_note"] == reason
    served = _json(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--json")
    assert served["speed"] is not None and served["speed_note"] is None


def test_plan_clamps_an_output_past_max_model_len_and_says_so(capsys) -> None:
    # vLLM 0.34 (the default) generates 1,500 - 1,024 = 476 of the 1,024 tokens asked
    argv = ["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--gpus", "1",
            "--max-model-len", "1500", "--input-len", "1024", "--output-len", "1024"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Speed at 1,024 in / 476 out" in out
    assert ("  note: output clamped to 476 tokens: max_model_len 1,500 - input 1,024; vLLM "
            "0.34.0 get_max_tokens" in out)
    data = _json(capsys, *argv, "--json")
    assert data["speed"]["load"]["output_len"] == 476
    assert data["speed"]["notes"][0].startswith("output clamped to 476 tokens")


def test_arrival_burst_packs_the_prompts_and_keeps_tpot(capsys) -> None:
    staggered = _json(capsys, *SEED, "--concurrency", "8", "--json")
    assert staggered["speed"]["load"]["arrival"] == "staggered"
    assert "burst_prefill" not in {t["name"] for t in staggered["speed_terms"]}
    burst = _json(capsys, *SEED, "--concurrency", "8", "--arrival", "burst", "--json")
    assert burst["speed"]["load"]["arrival"] == "burst"
    terms = {t["name"]: t for t in burst["speed_terms"]}
    # 8 prompts of 1,024 tokens arrive together: the burst's mean wait is at least one
    # request's prefill alone, and the TTFT term adds the request overheads to it
    assert terms["burst_prefill"]["value"] >= burst["speed"]["prefill_ms"]
    assert burst["ttft_ms"] > terms["burst_prefill"]["value"]
    assert burst["ttft_ms"] != staggered["ttft_ms"] and burst["tpot_ms"] == staggered["tpot_ms"]
    assert main([*SEED, "--concurrency", "8", "--arrival", "burst"]) == 0
    assert "8 requests at once, arriving together;" in capsys.readouterr().out




SMALL = ["--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090"]


@pytest.mark.parametrize(("arrival", "words"), [
    ("staggered", ""), ("burst", ", arriving together"),
    ("steady", ", arriving desynchronized (steady)")])
def test_every_command_names_the_arrivals_its_speed_is_for(capsys, arrival, words) -> None:
    """The load line of plan, sweep, report (its plan and its model comparison) and recommend
    says how the requests arrive: a steady plan once read exactly like a staggered one, and
    the report's comparison and recommend's heading dropped a burst too. Staggered, the
    default, adds nothing."""
    load = ["--concurrency", "4", "--arrival", arrival]
    assert main(["plan", *SMALL, "--max-model-len", "8k", *load]) == 0
    assert f"4 requests at once{words}; bf16 kernels" in capsys.readouterr().out
    assert main(["sweep", *SMALL, "--max-model-len", "8k", "--top", "1", *load]) == 0
    assert f"4 requests in flight{words}, capped by the KV cache" in capsys.readouterr().out
    assert main(["sweep", *SMALL, "--max-model-len", "8k", "--top", "1", "--objective",
                 "throughput", *load]) == 0
    assert f"the most output tokens/s{words}; ranked by" in capsys.readouterr().out
    assert main(["report", *SMALL, "--max-model-len", "8k", "--compare", "Qwen/Qwen3-4B",
                 *load]) == 0
    report = capsys.readouterr().out
    assert f"per request, 4 requests at once{words}; bf16 kernels" in report
    assert f"4 requests in flight{words}, capped by each KV cache:" in report
    assert main(["recommend", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--context",
                 "8k", *load]) == 0
    assert f"(input 1,024, output 1,024{words})" in capsys.readouterr().out


def test_the_kv_limited_concurrency_under_dp_shows_one_replicas_share(capsys) -> None:
    """Under DP the KV-limited concurrency is all replicas' (each holds its own pool), while
    the lines above it are per replica: it printed "134 requests" beside "KV cache tokens
    103,504 per replica" (67 of 1,536 tokens). One replica holds its pool's blocks // 24
    requests (1,024 in + 512 out held on average = 1,536 tokens = 24 blocks of 64, vLLM
    0.34.0's)."""
    dp2 = [*SEED[:-3], "--dp", "2"]  # the seed model on 8 RTX 3090s, TP=4 x DP=2
    data = _json(capsys, *dp2, "--json")
    one = data["num_gpu_blocks"] // 24
    assert data["speed"]["kv_limited_concurrency"] == 2 * one
    assert main(dp2) == 0
    assert f"KV-limited          {2 * one} (2 x {one}) requests holding 1,536" in (
        capsys.readouterr().out)
    assert main(["report", *dp2[1:]]) == 0
    assert f"| KV-limited concurrency | {2 * one} (2 x {one}) |" in capsys.readouterr().out
    assert main(SEED) == 0  # one replica: the figure alone
    assert "KV-limited          74 requests holding" in capsys.readouterr().out

@pytest.mark.parametrize("command", ["sweep", "report", "recommend"])
def test_every_planning_command_takes_arrival(command: str) -> None:
    from cli.args import build_parser
    rest = ["--gpu", "h100-sxm"] if command != "recommend" else []
    assert build_parser().parse_args([command, "--model", "m", *rest]).arrival == "staggered"
    args = build_parser().parse_args([command, "--model", "m", *rest, "--arrival", "burst"])
    assert args.arrival == "burst"


def test_a_cap_set_by_max_num_seqs_is_named_in_plan_and_report(capsys) -> None:
    """4x L40S hold more than 256 requests of Qwen3-32B-FP8 at 1,024 + 512 tokens (the pool's
    blocks // 96 blocks each; tests/planner/serving/test_speed.py), so 400 asked are capped
    by max_num_seqs 256, vLLM's default on a GPU under 70 GiB; the seed's 3090s cap 1,000 at
    what their KV cache holds: 5,706,501,441 B at utilization 0.92 less Model Runner V2's
    buffers (169,894,912 B: planner.serving.runner_buffers) = 5,536,606,529 B // 770,048 B =
    7,189 blocks of 16 tokens (1,797 of vLLM 0.34's 64: 115,008 tokens) // 96 = 74."""
    args = ["--model", "Qwen/Qwen3-32B-FP8", "--gpu", "l40s", "--gpus", "4", "--concurrency", "400"]
    assert main(["plan", *args]) == 0
    out = capsys.readouterr().out
    assert ("  note: concurrency capped at 256 by max_num_seqs 256 (the KV cache's"
            in out)
    assert ("  KV-limited          256 requests holding 1,536 tokens each on average (1,024 in + "
            "half of 1,024 out): max_num_seqs binds\n") in out
    assert main(["report", *args, "--date", "2026-01-01"]) == 0
    assert "256 requests at once (of 400 asked: max_num_seqs binds)" in capsys.readouterr().out
    assert main(["report", *SEED[1:], "--concurrency", "1000", "--date", "2026-01-01"]) == 0
    assert "74 requests at once (of 1,000 asked: the KV cache binds)" in capsys.readouterr().out
    assert main(["plan", *SEED[1:], "--concurrency", "1000"]) == 0
    assert "  KV-limited          74 requests holding" in (out := capsys.readouterr().out)
    assert "out): the KV cache binds\n" in out
    # --max-num-seqs 1 holds one request: "1 request", as the line above it counts them
    assert main(["plan", *args[:6], "--concurrency", "8", "--max-num-seqs", "1"]) == 0
    assert "  KV-limited          1 request holding 1,536" in capsys.readouterr().out


def test_a_kv_limited_figure_max_num_seqs_sets_says_so_under_the_load(capsys) -> None:
    """One A100 80GB holds about 300 requests of Llama-3.1-8B at 1,024 + 512 tokens: a pool of
    about 56 GiB (72.9 GiB budget less 14.96 GiB of weights, 8.03 G params x 2 B, and about
    1.6 GiB more) over 24 blocks of 64 tokens x 131,072 B (32 layers x 8 KV heads x 128 x 2 x
    2 B) = 0.1875 GiB each; anything from 48 GiB holds 256. So the "KV-limited" figure, 256,
    is vLLM's default max_num_seqs, not the KV cache's count, though 8 requests asked cap
    nothing: the line said "KV-limited 256 requests" without which limit it was."""
    args = ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--gpu", "a100-80gb",
            "--max-model-len", "128K", "--concurrency", "8"]
    assert main(["plan", *args]) == 0
    assert ("  KV-limited          256 requests holding 1,536 tokens each on average (1,024 in + "
            "half of 1,024 out): max_num_seqs binds\n") in capsys.readouterr().out
    assert main(["report", *args, "--date", "2026-01-01"]) == 0
    assert "| KV-limited concurrency | 256 (max_num_seqs binds) |" in capsys.readouterr().out
    # raised past the pool, the figure is the KV cache's (about 300) and names no cap
    assert main(["plan", *args, "--max-num-seqs", "512"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "KV-limited" in x)
    assert 280 <= int(line.split()[1]) <= 310 and line.endswith("out)"), line
    assert main(["report", *SEED[1:], "--date", "2026-01-01"]) == 0  # 74: the KV cache's
    assert "| KV-limited concurrency | 74 |" in capsys.readouterr().out


QWEN8B_TP2 = ["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--gpus", "2", "--tp", "2",
              "--json"]


@pytest.mark.parametrize(("flags", "allreduce_ms", "lanes", "gbps"), [
    # one decode step, 2 x 36 layers of NCCL rings through host memory (RTX 3090: no P2P), each
    # 6 us + 2 hops x 3 us + 1/2 x 2 x 8,192 B / (link rate x 0.8 efficiency); the staged rate
    # is 31.5077 x 6.34/31.5 = 6.3415 GB/s at PCIe 4.0: 8,192 B / 5.0732 = 1.6148 us, 72 x
    # 13.6148 us
    ([], 0.980262, 16, 6.341548),
    # x8 carries 15.75 GB/s, more than the staged 6.34: the same
    (["--pcie-lanes", "8"], 0.980262, 8, 6.341548),
    # x2 carries 2 x 16 x 128/130 / 8 = 3.9385 GB/s < 6.34: 8,192 B / 3.1508 = 2.6 us, 72 x 14.6
    (["--pcie-lanes", "2"], 1.0512, 2, 3.938462),
    # PCIe 3.0: 15.7538 x 6.34/31.5 = 3.1708 GB/s staged, under its x4 link's 3.94: 8,192 B /
    # 2.5366 = 3.2295 us, 72 x 15.2295 us
    (["--pcie-gen", "3", "--pcie-lanes", "4"], 1.096524, 4, 3.170774),
])
def test_pcie_flags_set_the_link_rate(capsys, flags: list[str], allreduce_ms: float,
                                      lanes: int, gbps: float) -> None:
    data = _json(capsys, *QWEN8B_TP2, *flags)
    assert _allreduce_ms(data) == pytest.approx(allreduce_ms, rel=1e-5)
    assert data["speed"]["link_pcie_lanes"] == lanes
    assert data["speed"]["link_bandwidth_gbps"] == pytest.approx(gbps, rel=1e-5)


@pytest.mark.parametrize("command", ["plan", "sweep", "report"])
def test_every_command_with_link_takes_the_pcie_flags(command: str) -> None:
    from cli.args import build_parser
    args = build_parser().parse_args([command, "--model", "m", "--gpu", "rtx-3090", "--link",
                                      "pcie", "--pcie-gen", "3", "--pcie-lanes", "8"])
    assert (args.pcie_gen, args.pcie_lanes) == (3, 8)


def test_pcie_flags_replace_a_snapshots_link(capsys) -> None:
    # the recorded rig reads Gen4 x16 (NVML max): --pcie-lanes 4 keeps its Gen4, at 4 lanes
    rig = "tests/fixtures/snapshots/rtx3090x8.json"
    base = ["plan", "--model", "Qwen/Qwen3-8B", "--snapshot", rig, "--tp", "8", "--json"]
    data = _json(capsys, *base, "--pcie-lanes", "4")
    assert (data["speed"]["link_pcie_generation"], data["speed"]["link_pcie_lanes"]) == (4, 4)
    note = next(t["note"] for t in data["speed_terms"] if t["name"] == "allreduce")
    assert "slot of PCIe 4.0 x4, lanes --pcie-lanes 4, generation audit of rig-3090x8" in note
    assert _json(capsys, *base)["speed"]["link_pcie_lanes"] == 16


def test_pcie_flags_on_nvlink_say_they_do_not_apply(capsys) -> None:
    assert main(["plan", "--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--gpus", "2",
                 "--pcie-lanes", "8"]) == 0
    assert ("--pcie-lanes 8 does not apply: the GPUs of a node talk over NVLink"
            in capsys.readouterr().err)


def test_pcie_flags_above_the_card_say_they_change_nothing(capsys) -> None:
    # an RTX 3090 is a PCIe 4.0 x16 card: in a Gen5 slot its link runs 4.0, 31.51 GB/s
    # (16 x 16 GT/s x 128/130 / 8), as without the flag, which was dropped without a word
    data = _json(capsys, *QWEN8B_TP2, "--link", "pcie", "--pcie-gen", "5", "--pcie-lanes", "16")
    assert (data["speed"]["link_pcie_generation"], data["speed"]["link_pcie_lanes"]) == (4, 16)
    assert data["speed"]["link_bandwidth_gbps"] == pytest.approx(16 * 16 * 128 / 130 / 8)
    assert main([*QWEN8B_TP2, "--pcie-gen", "5", "--pcie-lanes", "16"]) == 0
    # x16 is the card's own width: only the generation is above it
    assert ("note: --pcie-gen 5 changes nothing: NVIDIA GeForce RTX 3090 is PCIe 4.0 x16, and "
            "a link runs at the lower generation and the fewer lanes of card and slot (the "
            "flags are for a slot older or narrower than the card)\n") in capsys.readouterr().err


QWEN8B = ["--model", "Qwen/Qwen3-8B", "--max-model-len", "8192"]
RTX3090 = ["--gpu", "rtx-3090"]


@pytest.mark.parametrize(("flags", "link"), [
    ([*RTX3090, "--gpus", "2", "--tp", "2", "--pcie-gen", "3", "--pcie-lanes", "4"],
     "pcie-no-p2p link (PCIe 3.0 x4)"),
    # the recorded rig's NVML max link is Gen4 x16 and its topology reads NODE between its
    # GPUs (between host bridges: cross-socket); --pcie-lanes 8 keeps its Gen4
    (["--snapshot", "tests/fixtures/snapshots/rtx3090x8.json", "--tp", "8", "--pcie-lanes", "8"],
     "cross-socket link (PCIe 4.0 x8)"),
    # the RTX 3090 preset: a PCIe 4.0 x16 card (GeForce: no P2P)
    ([*RTX3090, "--gpus", "2", "--tp", "2"], "pcie-no-p2p link (PCIe 4.0 x16)"),
])
def test_plan_and_report_name_the_pcie_slot(capsys, flags: list[str], link: str) -> None:
    assert main(["plan", *QWEN8B, *flags]) == 0
    assert f"; bf16 kernels, {link}\n" in capsys.readouterr().out
    assert main(["report", *QWEN8B, *flags, "--date", "2026-01-01"]) == 0
    assert f"; bf16 kernels, {link}:\n" in capsys.readouterr().out


def test_nvlink_names_no_pcie_slot(capsys) -> None:
    assert main(["plan", *QWEN8B, "--gpu", "h100-sxm", "--gpus", "2", "--tp", "2"]) == 0
    assert "; bf16 kernels, nvlink link\n" in capsys.readouterr().out


@pytest.mark.parametrize("flags", [[*RTX3090, "--gpus", "1"],
                                   [*RTX3090, "--gpus", "2", "--dp", "2"]])
def test_a_plan_without_gpu_traffic_names_no_link(capsys, flags: list[str]) -> None:
    # TP=1, one stage, a dense model: no all-reduce, no pipeline hop, no MoE gather of DP ranks
    data = _json(capsys, "plan", *QWEN8B, *flags, "--json")
    assert _allreduce_ms(data) == 0
    formula = next(t["formula"] for t in data["speed_terms"] if t["name"] == "allreduce")
    assert formula.startswith("TP=1: no all-reduce")
    assert data["speed"]["link"] == "pcie-no-p2p"  # the JSON key keeps the node's link
    assert main(["plan", *QWEN8B, *flags]) == 0
    assert "; bf16 kernels, no link (no TP/PP/EP traffic)\n" in capsys.readouterr().out
    assert main(["report", *QWEN8B, *flags, "--date", "2026-01-01"]) == 0
    assert "; bf16 kernels, no link (no TP/PP/EP traffic):\n" in capsys.readouterr().out


def test_moe_data_parallel_still_names_its_link(capsys) -> None:
    # MoE layers at DP=2 gather the other rank's tokens over the link (all-gather +
    # reduce-scatter): the link carries traffic even at TP=1
    assert main(["plan", "--model", "Qwen/Qwen3-30B-A3B", "--gpu", "h100-sxm", "--gpus", "2",
                 "--dp", "2", "--max-model-len", "8192"]) == 0
    assert "; bf16 kernels, nvlink link\n" in capsys.readouterr().out


@pytest.mark.parametrize("flags, words", [
    # one GPU per node, PP=2: the only traffic is the stage hop between the two nodes
    (["--gpus", "2", "--nodes", "2", "--pp", "2"], "the network between nodes"),
    # two per node, TP=2 x PP=2: TP inside each node, the stage hop over the network
    (["--gpus", "4", "--nodes", "2", "--tp", "2", "--pp", "2"],
     "pcie-no-p2p link (PCIe 4.0 x16) in a node, the network between nodes")])
def test_a_replica_over_nodes_names_the_network(capsys, flags: list[str], words: str) -> None:
    assert main(["plan", *QWEN8B, *RTX3090, *flags]) == 0
    assert f"; bf16 kernels, {words}\n" in capsys.readouterr().out
    assert main(["report", *QWEN8B, *RTX3090, *flags, "--date", "2026-01-01"]) == 0
    assert f"; bf16 kernels, {words}:\n" in capsys.readouterr().out


@pytest.mark.parametrize("flags, words", [
    # TP=8 inside each node, but the MoE layers gather both replicas' tokens over 16 ranks,
    # 8 of them on the other node (the speed note says so): the heading said "nvlink link"
    (["--model", "deepseek-ai/DeepSeek-V3", "--gpu", "h100-sxm", "--gpus", "16", "--nodes", "2",
      "--network", "8x400"], "fp8 kernels, nvlink link in a node, the network between nodes"),
    # two DGX Sparks, one GB10 each, TP=1 x DP=2: the only traffic is that gather
    (["--model", "Qwen/Qwen3-30B-A3B", "--gpu", "DGX Spark", "--gpus", "2", "--nodes", "2",
      "--dp", "2", "--max-model-len", "8192"], "bf16 kernels, the network between nodes"),
    # a dense model's replicas, one per node, exchange nothing
    (["--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--gpus", "16", "--nodes", "2",
      "--dp", "2", "--max-model-len", "8192"], "bf16 kernels, nvlink link")])
def test_moe_replicas_on_several_nodes_name_the_network(capsys, flags: list[str],
                                                         words: str) -> None:
    assert main(["plan", *flags]) == 0
    assert f"; {words}\n" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "summary"), [
    # Qwen3-8B's config.json says bfloat16; a T4 (compute capability 7.5) has none, so vLLM's
    # --dtype auto serves float16: the GEMMs run in fp16, on a PCIe 3.0 x16 card
    (["--model", "Qwen/Qwen3-8B", "--gpu", "t4", "--gpus", "2", "--tp", "2",
      "--max-model-len", "8192"], "; fp16 kernels, pcie link (PCIe 3.0 x16)"),
    # --dtype float16 on an H100, which computes bfloat16
    (["--model", "Qwen/Qwen3-8B", "--gpu", "h100-sxm", "--gpus", "1", "--dtype", "float16"],
     "; fp16 kernels, no link"),
    # --dtype float32 on a T4 (Gemma-2, which refuses float16 and so computes in float32
    # there, no longer starts on a T4: TRITON_ATTN's head-256 float32 tile needs 81,920 B of
    # shared memory, planner.serving.startup.triton_sm75; Qwen3-0.6B's head 128 needs 40,960)
    (["--model", "Qwen/Qwen3-0.6B", "--gpu", "t4", "--gpus", "1", "--max-model-len",
      "4096", "--dtype", "float32"], "; fp32 kernels, no link"),
])
def test_the_speed_summary_names_the_dtype_the_plan_computes_in(capsys, argv: list[str],
                                                                 summary: str) -> None:
    assert main(["plan", *argv]) == 0
    assert summary in capsys.readouterr().out
    assert main(["report", *argv, "--date", "2026-01-01"]) == 0
    assert summary in capsys.readouterr().out


def test_a_t4_plan_runs_at_the_fp16_datasheet_rate_and_keeps_the_json_kernel_key(capsys) -> None:
    data = _json(capsys, "plan", "--model", "Qwen/Qwen3-8B", "--gpu", "t4", "--gpus", "2",
                 "--tp", "2", "--max-model-len", "8192", "--json")
    # the family key stays the 16-bit one; what is shown names the dtype
    assert (data["speed"]["kernel"], data["speed"]["kernel_label"]) == ("bf16", "fp16")
    terms = {t["name"]: t["formula"] for t in data["speed_terms"]}
    assert "fp16 efficiency" in terms["decode_weights"]
    assert "bf16" not in terms["decode_weights"]
    # T4 datasheet: "Mixed-Precision (FP16/FP32) 65 TFLOPS", for the GEMMs and the attention
    assert "token / (65 TFLOP/s datasheet x " in terms["decode_compute"]
    assert "G attention FLOPs / (65 TFLOP/s x " in terms["decode_compute"]


@pytest.mark.parametrize(("gpu", "summary"), [
    # vLLM get_mxfp4_backend: OpenAI's triton_kernels on 9.0, FlashInfer's MXFP4 x BF16 on
    # 10.x, both mxfp4_w4a16_moe_quant_config (16-bit activations): no FP4 tensor-core GEMM
    ("h200", "; mxfp4 w4a16 kernels, no link"),
    ("b200", "; mxfp4 w4a16 kernels, no link"),
    # below 9.0 Marlin MXFP4: weight-only
    ("a100-80gb", "; weight-only kernels, no link")])
def test_an_mxfp4_plan_names_the_kernels_vllm_runs_it_on(capsys, gpu: str, summary: str) -> None:
    assert main(["plan", "--model", "openai/gpt-oss-120b", "--gpu", gpu]) == 0
    out = capsys.readouterr().out
    assert summary in out
    assert "fp4 kernels" not in out


def test_an_mxfp4_plan_keeps_the_fp4_json_key_and_names_its_fitted_figure(capsys) -> None:
    data = _json(capsys, "plan", "--model", "openai/gpt-oss-120b", "--gpu", "h200", "--json")
    assert (data["speed"]["kernel"], data["speed"]["kernel_label"]) == ("fp4", "mxfp4 w4a16")
    formula = {t["name"]: t["formula"] for t in data["speed_terms"]}["decode_weights"]
    assert " fp4 efficiency (mxfp4 w4a16 kernels); " in formula


def test_an_nvfp4_plan_on_blackwell_runs_on_fp4_kernels(capsys) -> None:
    # NVFP4 W4A4 on B200 (compute capability 10.0): FP4 tensor cores
    assert main(["plan", "--model", "nvidia/Gemma-4-31B-IT-NVFP4", "--gpu", "b200",
                 "--max-model-len", "8192"]) == 0
    assert "; fp4 kernels, no link" in capsys.readouterr().out


def _terms(capsys, *argv: str) -> tuple[str, dict[str, dict]]:
    """A plan's kernel label and its speed terms by name."""
    data = _json(capsys, "plan", *argv, "--gpus", "1", "--json")
    return data["speed"]["kernel_label"], {t["name"]: t for t in data["speed_terms"]}


def test_a_v100_plan_runs_at_its_fp16_tensor_rate(capsys) -> None:
    # V100 datasheet: "Tensor Performance 125 TFLOPS" (SXM2, FP16; no BF16): it had no speed.
    # vLLM 0.19: the last release whose wheels hold code for a V100 (startup.wheel_arch)
    label, terms = _terms(capsys, "--model", "Qwen/Qwen3-8B", "--gpu", "v100-32gb",
                          "--max-model-len", "8192", "--vllm-version", "0.19.0")
    assert label == "fp16"
    compute = terms["decode_compute"]["formula"]
    assert "token / (125 TFLOP/s datasheet x " in compute
    assert "G attention FLOPs / (125 TFLOP/s x " in compute
    # 900 GB/s HBM2 (datasheet) sets the weight read
    assert "/ (900 GB/s datasheet x 0.900 fp16 efficiency) = " in terms["decode_weights"]["formula"]


def test_a_float32_plan_computes_at_the_fp32_rate(capsys) -> None:
    # --dtype float32 on a T4: the matmuls run on the CUDA cores at the datasheet's FP32
    # 8.1 TFLOP/s (torch's "highest" precision, no TF32 on Turing anyway), not the FP16
    # tensor cores' 65 (Qwen3-0.6B: Gemma-2, float32 by its own rule there, no longer starts
    # on a T4, test_the_speed_summary_names_the_dtype_the_plan_computes_in)
    label, terms = _terms(capsys, "--model", "Qwen/Qwen3-0.6B", "--gpu", "t4",
                          "--max-model-len", "4096", "--dtype", "float32")
    assert label == "fp32"
    compute = terms["decode_compute"]["formula"]
    assert "token / (8 TFLOP/s datasheet x " in compute
    assert "G attention FLOPs / (8 TFLOP/s x " in compute
    assert "the CUDA cores' FP32 8.1 TFLOP/s" in terms["decode_compute"]["note"]
    assert "at 8 TFLOP/s" in terms["prefill"]["formula"]  # the prefill's GEMMs and attention


def test_a_network_or_link_with_nothing_to_join_is_noted(capsys) -> None:
    # one node: no traffic crosses a network; one GPU per node: no GPU-to-GPU link inside a
    # node. Both flags changed nothing and said nothing, as --pcie-gen on NVLink says
    argv = ("plan", "--model", "Qwen/Qwen3-0.6B", "--gpu", "h100-sxm")
    code, out, err = run_main(capsys, *argv, "--gpus", "2", "--network", "8x400")
    assert code == 0 and err == (
        "python -m planner plan: note: --network (8x 400 Gb/s NICs per node) does not apply: "
        "the GPUs are one node (give --gpus N --nodes M to plan several nodes)\n")
    _, plain, _ = run_main(capsys, *argv, "--gpus", "2")
    assert out == plain  # nothing else changes
    code, out, err = run_main(capsys, *argv, "--link", "pcie")
    assert code == 0 and err == (
        "python -m planner plan: note: --link pcie does not apply: each node has one GPU, "
        "with no other GPU in it to talk to\n")
    # two GPUs in a node: both flags are used, no note
    _, _, err = run_main(capsys, *argv, "--gpus", "4", "--nodes", "2", "--link", "pcie",
                         "--network", "1x100")
    assert err == ""


def test_the_collectives_line_names_what_its_figure_holds(capsys) -> None:
    """DeepSeek-V3 on 2 nodes of 8 H200 at TP=1 x DP=16 + EP has no TP group (its speed term
    reads "TP=1: no all-reduce"), so the figure on the line was the MoE layers' EP all-to-all
    alone, printed as "TP all-reduce 1.25 ms"; at TP=8 x DP=2 (no EP) both run: 2 x 61 layers'
    TP all-reduce plus the 58 MoE layers' DP all-gather / reduce-scatter."""
    dsv3 = ["plan", "--model", "deepseek-ai/DeepSeek-V3", "--gpu", "h200", "--gpus", "16",
            "--nodes", "2"]
    data = _json(capsys, *dsv3, "--tp", "1", "--dp", "16", "--ep", "--json")
    term = next(t for t in data["speed_terms"] if t["name"] == "allreduce")
    assert term["formula"].startswith("TP=1: no all-reduce") and term["value"] > 0
    assert data["speed"]["allreduce_label"] == "EP all-to-all"
    assert main([*dsv3, "--tp", "1", "--dp", "16", "--ep"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "per decode step" in x)
    assert line.split()[:3] == ["EP", "all-to-all", f"{data['speed']['allreduce_ms_per_step']:.2f}"]
    assert main([*dsv3, "--tp", "8", "--dp", "2"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "per decode step" in x)
    assert line.startswith("  TP all-reduce ") and line.endswith(
        "ms per decode step (with the DP MoE gather)")
    # at TP=1 the DP MoE gather alone names the line, within the 19-character label column
    # ("DP MoE all-gather/reduce-scatter 0.20 ms" pushed its figure 13 characters right)
    assert main([*dsv3, "--tp", "1", "--dp", "16"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "per decode step" in x)
    assert line.startswith("  DP MoE gather       ") and line[22].isdigit()
    assert main([*SEED]) == 0  # one node, DP = 1: the TP all-reduce alone
    line = next(x for x in capsys.readouterr().out.splitlines() if "per decode step" in x)
    assert line.startswith("  TP all-reduce ") and line.endswith("ms per decode step")


def test_one_gpu_per_stage_has_no_all_reduce_rather_than_a_zero_time(capsys) -> None:
    # TP=1 has no collective to wait for: the line read "0.00 ms per decode step"
    argv = ["--model", "Qwen/Qwen3-8B", "--gpu", "rtx-3090", "--max-model-len", "8k"]
    code, out, _ = run_main(capsys, "plan", *argv)
    assert code == 0 and "\n  TP all-reduce       none (TP=1)\n" in out
    code, out, _ = run_main(capsys, "report", *argv)
    assert code == 0 and "| TP all-reduce per decode step | none (TP=1) |" in out
    code, out, _ = run_main(capsys, "plan", *argv, "--gpus", "2", "--tp", "2")
    assert code == 0 and "TP all-reduce       none" not in out
    assert re.search(r"\n  TP all-reduce       [0-9.]+ ms per decode step\n", out)
