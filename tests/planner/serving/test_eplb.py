"""--enable-eplb and redundant experts: the flags of each release, vLLM's refusals, the expert
weights each EP rank holds and the DeepEP buffer's E (planner/serving/eplb.py).

Figures worked by hand from the configs (/work/shared/model-configs) and the vLLM sources the
module docstring cites (FusedMoE: global_num_experts = num_experts + num_redundant_experts,
local experts = global_num_experts // ep_size):
- deepseek-ai/DeepSeek-V3: hidden 7,168, moe_intermediate_size 2,048, 256 routed experts,
  61 layers of which first_k_dense_replace = 3 are dense: 58 MoE layers; quant_method fp8 with
  weight_block_size [128, 128] and one float32 scale per block. One expert: gate, up and down,
  3 x 7,168 x 2,048 = 44,040,192 FP8 bytes + 3 x (7,168 / 128) x (2,048 / 128) = 3 x 896
  scales x 4 B = 10,752 B: 44,050,944 B.
- Qwen/Qwen3-30B-A3B: hidden 2,048, moe_intermediate_size 768, 128 experts, 48 MoE layers,
  bfloat16: one expert 3 x 2,048 x 768 x 2 B = 9,437,184 B.

The profile run's dummy rearrangement (eplb.profile_rearrangement: rearrange(is_profile=True)
in eplb_state.py, rebalance_execute.py; PyTorch's NCCL all_gather receives a list of ep_size
outputs in one ep_size x input tensor) holds above the weights: a copy of one MoE layer's local
experts, ep_size x its w13 tensor (gate and up, 2 of the 3 matrices; here with its scales), a
logical load window 1,000 x MoE layers x logical experts int32 (one column more from 0.29.0)
and the dummy forward's output, max_num_batched_tokens x hidden x 2 B (bf16; hidden_states and
residual on a stage before the last).
"""

import pytest

from planner.catalog import catalog_spec
from planner.model.quant import checkpoint_scheme
from planner.serving.auto_layout import auto_layout, compared_engine, compared_layout
from planner.serving.engine import EngineSettings
from planner.serving.eplb import eplb_state_bytes, redundant_count
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.sweep import sweep
from planner.serving.vllm_cli import command_problems, vllm_cli
from planner.serving.vllm_versions import LayoutRefused
from tests.cli.conftest import run_main

DSV3 = "deepseek-ai/DeepSeek-V3"
DSV3_EXPERT = 3 * 7168 * 2048 + 3 * (7168 // 128) * (2048 // 128) * 4  # 44,050,944 B
DP16_EP = ParallelLayout(tp=1, dp=16, ep=True)
# EplbState's tensors on one GPU for DeepSeek-V3 (L = 58 MoE layers, E = 256, P = 256 + 32 =
# 288; eplb_state.py add_model), by hand:
#   physical_to_logical L x P int64 = 58 x 288 x 8          =     133,632
#   logical_to_physical L x E x 1,024 slots int64 = 58 x 256 x 1,024 x 8 = 121,634,816
#   logical_replica_count L x E int64 = 58 x 256 x 8        =     118,784
#   expert_load_pass L x P int32 = 58 x 288 x 4             =      66,816
#   expert_load_window 1,000 x L x P int32                  =  66,816,000
STATE_0111 = 133_632 + 121_634_816 + 118_784 + 66_816 + 66_816_000  # 188,770,048 B
# 0.33.0 adds a 4 B int32 step (0.25.0 on) and last_expert_load L x E int64 (0.31.0 on)
STATE_0330 = STATE_0111 + 4 + 118_784  # 188,888,836 B
# DeepSeek-V3's w13 of one expert: 2 x 7,168 x 2,048 FP8 bytes + 2 x 56 x 16 float32 scales
DSV3_W13 = 2 * 7168 * 2048 + 2 * (7168 // 128) * (2048 // 128) * 4  # 29,367,296 B
# the profile rearrangement at TP=1 x DP=16 + EP, 32 redundant (18 local experts), 8,192
# batched tokens: 792,916,992 copy + 16 x 528,611,328 gather + 59,392,000 window (256
# columns) + 117,440,512 output
PROFILE_DSV3 = 18 * DSV3_EXPERT + 16 * 18 * DSV3_W13 + 1000 * 58 * 256 * 4 + 8192 * 7168 * 2


def _plan(model: str = DSV3, layout: ParallelLayout = DP16_EP, version: str = "0.33.0",
          gpu: str = "h200", nodes: int = 2, **engine):
    return plan(PlanRequest(
        model=catalog_spec(model), cluster=preset_cluster(gpu, 8, nodes), layout=layout,
        engine=EngineSettings(vllm_version=version, **engine)))


def _term(p, key: str):
    return next(t for t in p.terms if t.key == key)


def test_each_rank_holds_its_share_of_the_redundant_experts() -> None:
    assert DSV3_EXPERT == 44_050_944
    # (256 + 32) / 16 = 18 experts per MoE layer on every rank, 2 more than 256 / 16 = 16:
    # 2 x 58 layers x 44,050,944 B = 5,109,909,504 B (4.76 GiB) more weights per GPU
    extra = 2 * 58 * DSV3_EXPERT
    assert extra == 5_109_909_504
    # vLLM 0.11.1: and EplbState's maps and statistics (no transfer buffer before 0.12.0)
    off, on = _plan(version="0.11.1"), _plan(version="0.11.1", enable_eplb=True,
                                             num_redundant_experts=32)
    assert _term(on, "weights").value - _term(off, "weights").value == extra + STATE_0111
    # and the profile's EPLB rearrangement tops the forward's peak (9,427,530,752 B)
    assert PROFILE_DSV3 == 9_427_530_752
    assert _term(on, "activation").value == PROFILE_DSV3 > _term(off, "activation").value
    assert _term(off, "kv_cache").value - _term(on, "kv_cache").value == (
        extra + STATE_0111 + PROFILE_DSV3 - _term(off, "activation").value)
    assert on.fits and on.verdict.startswith("Fits (unmodelled: EPLB's communication buffers")
    # 0.33.0: EplbState.add_model also keeps a copy of one layer's 18 local experts,
    # 18 x 44,050,944 = 792,916,992 B, in the weights term's buffers
    off, on = _plan(), _plan(enable_eplb=True, num_redundant_experts=32)
    assert _term(on, "weights").value - _term(off, "weights").value == (
        extra + 792_916_992 + STATE_0330)
    assert "buffers 0.91 GiB" in _term(on, "weights").formula  # 981,805,828 B
    [note] = [w for w in on.warnings if w.startswith("--enable-eplb: ")]
    assert note.startswith("--enable-eplb: 18 experts a MoE layer on each of the 16 EP ranks "
                           "(256 routed + 32 redundant)")
    assert "= 188,888,836 B, and its transfer buffer" in note
    # EPLB without redundant experts: 16 experts a rank, a 16-expert buffer and the state of
    # P = 256: 8 x 58 x 256 (maps) + 121,634,816 + 118,784 + 4 x 58 x 256 + 4,000 x 58 x 256
    # + 4 + 118,784 = 118,784 + 121,634,816 + 118,784 + 59,392 + 59,392,000 + 4 + 118,784
    bare = _plan(enable_eplb=True)
    assert _term(bare, "weights").value - _term(off, "weights").value == (
        16 * DSV3_EXPERT + 181_442_564)


def test_the_launch_command_spells_the_count_as_the_release_does() -> None:
    new = _plan(enable_eplb=True, num_redundant_experts=32).vllm_command
    assert " --enable-eplb --eplb-config '{\"num_redundant_experts\": 32}'" in new
    assert command_problems(new, vllm_cli("0.33.0")) == []
    old = _plan(version="0.10.1", enable_eplb=True, num_redundant_experts=32).vllm_command
    assert " --enable-eplb --num-redundant-experts 32" in old
    assert command_problems(old, vllm_cli("0.10.1")) == []
    # 0.12.0 dropped --num-redundant-experts: its parser would refuse the old spelling
    assert command_problems(old, vllm_cli("0.12.0")) != []


def test_redundant_experts_without_eplb_do_not_fit() -> None:
    p = _plan(num_redundant_experts=32)
    assert not p.fits and p.vllm_command is None
    assert ("num_redundant_experts is set to 32 but EPLB is not enabled. Either enable EPLB "
            "or unset num_redundant_experts.") in p.verdict
    old = _plan(version="0.10.1", num_redundant_experts=32)
    assert not old.fits and "num_redundant_experts should be used with EPLB.32." in old.verdict


@pytest.mark.parametrize(("layout", "redundant", "version", "words"), [
    (ParallelLayout(tp=1, dp=16), 32, "0.33.0", "enable_expert_parallel must be True to use EPLB."),
    (DP16_EP, 4, "0.33.0", "EPLB currently only supports even distribution of experts across "
     "ranks. Got 260 experts and 16 EP ranks."),
    (DP16_EP, 4, "0.21.0", "EPLB currently only supports even distribution of experts across "
     "ranks."),
])
def test_a_layout_vllm_refuses(layout, redundant, version, words) -> None:
    with pytest.raises(LayoutRefused) as refused:
        _plan(layout=layout, version=version, enable_eplb=True, num_redundant_experts=redundant)
    assert str(refused.value).endswith(words)


def test_0100_checks_eplb_on_the_layout_as_later_releases_do() -> None:
    # read by hand in the 0.10.0 wheel (sha256 8ca37559...), config.py ParallelConfig
    # .__post_init__: `if self.enable_eplb: ... if not self.enable_expert_parallel: raise
    # ValueError("enable_expert_parallel must be True to use EPLB.")` and `if
    # self.tensor_parallel_size * self.data_parallel_size <= 1: raise ValueError("EPLB requires
    # tensor_parallel_size or data_parallel_size to be greater than 1, but got TP=1,DP=1.")`;
    # the 0.9.2 wheel (f3c5da29...) has neither check. DeepSeek-V3 (FP8, DeepseekV2/V3 classes
    # with the MoE interface from 0.9.2) on one H200 with EP: 0.10.0 stops, 0.9.2 starts it.
    with pytest.raises(LayoutRefused) as refused:
        _plan(layout=ParallelLayout(tp=1, ep=True), version="0.10.0", nodes=1,
              enable_eplb=True)
    assert str(refused.value).endswith("EPLB requires tensor_parallel_size or "
                                       "data_parallel_size to be greater than 1, but got "
                                       "TP=1,DP=1.")
    with pytest.raises(LayoutRefused) as refused:
        _plan(layout=ParallelLayout(tp=1, dp=16), version="0.10.0", enable_eplb=True)
    assert str(refused.value).endswith("enable_expert_parallel must be True to use EPLB.")
    old = _plan(layout=ParallelLayout(tp=1, ep=True), version="0.9.2", nodes=1,
                enable_eplb=True)
    assert "EPLB requires" not in old.verdict


def test_an_unquantized_model_on_092_is_refused() -> None:
    # 0.9.2 FusedMoE: "if not isinstance(quant_method, Fp8MoEMethod)"; 0.10.0 adds the
    # unquantized method, 0.10.1 Qwen3MoeForCausalLM's MixtureOfExperts
    kwargs = dict(model="Qwen/Qwen3-30B-A3B", layout=ParallelLayout(tp=1, dp=8, ep=True),
                  gpu="h100-sxm", nodes=1, enable_eplb=True, num_redundant_experts=8)
    old = _plan(version="0.9.2", **kwargs)
    assert not old.fits and "EPLB is only supported for FP8 quantization for now." in old.verdict
    new = _plan(version="0.10.1", **kwargs)
    assert new.fits
    # (128 + 8) / 8 = 17 experts a rank, one more than 16: 48 layers x (3 x 2,048 x 768 x 2 B
    # = 9,437,184 B) = 452,984,832 B
    off = _plan(version="0.10.1", model="Qwen/Qwen3-30B-A3B",
                layout=ParallelLayout(tp=1, dp=8, ep=True), gpu="h100-sxm", nodes=1)
    # and EplbState (L = 48, E = 128, P = 136): 48 x 136 x 8 + 48 x 128 x 1,024 x 8 +
    # 48 x 128 x 8 + 48 x 136 x 4 + 1,000 x 48 x 136 x 4 = 52,224 + 50,331,648 + 49,152 +
    # 26,112 + 26,112,000 = 76,571,136 B
    assert _term(new, "weights").value - _term(off, "weights").value == (
        48 * 3 * 2048 * 768 * 2 + 76_571_136)


def test_fp8_checkpoints_with_fp4_experts_are_not_taken_for_fp8_moe() -> None:
    # DeepSeek-V4-Flash: quant_method fp8, routed experts FP4 (another MoE method than
    # Fp8MoEMethod): its support is not read, so a note, not a plain FP8 pass
    p = _plan(model="deepseek-ai/DeepSeek-V4-Flash", version="0.34.0", enable_eplb=True)
    assert any("whether this weight format's MoE method supports EPLB" in w
               for w in p.warnings)
    fp8 = _plan(version="0.34.0", enable_eplb=True)  # DeepSeek-V3's FP8 experts: no note
    assert not any("supports EPLB" in w for w in fp8.warnings)


@pytest.mark.parametrize(("model", "version", "arch"), [
    ("Qwen/Qwen3-30B-A3B", "0.10.0", "Qwen3MoeForCausalLM"),  # MixtureOfExperts from 0.10.1
    ("mistralai/Mixtral-8x7B-v0.1", "0.10.2", "MixtralForCausalLM"),  # from 0.11.0
    ("openai/gpt-oss-120b", "0.34.0", "GptOssForCausalLM"),  # not in any release read
])
def test_a_model_class_without_the_moe_interface_is_refused(model, version, arch) -> None:
    p = _plan(model=model, layout=ParallelLayout(tp=2, dp=4, ep=True), gpu="h100-sxm",
              nodes=1, version=version, enable_eplb=True)
    assert not p.fits and (f"vLLM {version} runs --enable-eplb only for model classes "
                           f"implementing its MixtureOfExperts interface, which {arch} does "
                           "not") in p.verdict


def test_the_fixtures_list_the_moe_interface_classes() -> None:
    # read by hand: 0.9.2 deepseek_v2.py `class DeepseekV2ForCausalLM(nn.Module, SupportsPP,
    # MixtureOfExperts)`, DeepseekV3ForCausalLM its subclass; qwen3_moe.py from 0.10.1;
    # 0.27.0 vllm/models/kimi_k3 re-exports nvidia/model.py's KimiLinearForCausalLM(...,
    # MixtureOfExperts, ...) under an `if` on the platform; 0.29.0 serves HunYuanMoEV1 through
    # the Transformers backend's TransformersMoEForCausalLM (MoEMixin(MixtureOfExperts))
    assert vllm_cli("0.9.1").eplb_architectures == frozenset()
    assert vllm_cli("0.9.2").eplb_architectures == {"DeepseekV2ForCausalLM",
                                                    "DeepseekV3ForCausalLM"}
    assert vllm_cli("0.10.1").eplb_architectures - vllm_cli("0.10.0").eplb_architectures == {
        "Qwen3MoeForCausalLM"}
    assert "KimiLinearForCausalLM" in vllm_cli("0.27.0").eplb_architectures
    assert "HunYuanMoEV1ForCausalLM" in vllm_cli("0.29.0").transformers_architectures
    assert "HunYuanMoEV1ForCausalLM" in vllm_cli("0.29.0").eplb_architectures
    assert "GptOssForCausalLM" not in vllm_cli("0.34.0").eplb_architectures


def test_the_low_latency_buffer_counts_the_redundant_experts() -> None:
    # DeepEP get_low_latency_rdma_size_hint for Qwen3-30B-A3B at T = 256 (test_all2all) with
    # E = 128 + 8 = 136: combine message 4,160 B, send = receive = 136 x 256 x 4,160 =
    # 144,834,560; signals align_up(4 x 136 = 544, 128) = 640;
    # 2 x (2 x 144,834,560 + 640) = 579,339,520 = 4,526,090 x 128; + 128 -> 579,339,648 B
    qwen = dict(model="Qwen/Qwen3-30B-A3B", layout=ParallelLayout(tp=2, dp=4, ep=True),
                gpu="h100-sxm", nodes=1, all2all_backend="deepep_low_latency")
    buffer = _term(_plan(enable_eplb=True, num_redundant_experts=8, **qwen), "all2all_buffers")
    base = _term(_plan(**qwen), "all2all_buffers")
    assert buffer.value - base.value == 579_339_648 - 545_260_672
    assert "E=136" in buffer.formula


def test_more_than_1023_redundant_experts_stop_vllm() -> None:
    # eplb_state.py MAX_EXPERT_REDUNDANCY = 1023 (0.10.0 on); 256 + 1,024 = 1,280 = 80 x 16
    p = _plan(enable_eplb=True, num_redundant_experts=1024)
    assert not p.fits and p.verdict.endswith(
        "num_redundant_experts 1024 must be less than or equal to 1023")


def test_the_state_by_release() -> None:
    assert eplb_state_bytes(58, 256, 32, 16, (0, 11, 1))[0] == STATE_0111
    assert eplb_state_bytes(58, 256, 32, 16, (0, 33, 0))[0] == STATE_0330
    # 0.34.0 (no elastic EP): 32 + 1 = 33 slots: 58 x 256 x 33 x 8 = 3,919,872 B
    assert eplb_state_bytes(58, 256, 32, 16, (0, 34, 0))[0] == (
        STATE_0330 - 121_634_816 + 3_919_872)
    # 0.9.2: 33 slots, and the load counted over the rank's 288 / 16 = 18 experts:
    # 133,632 + 3,919,872 + 118,784 + 58 x 18 x 4 + 1,000 x 58 x 18 x 4 = 8,352,464 B
    total, formula = eplb_state_bytes(58, 256, 32, 16, (0, 9, 2))
    assert total == 133_632 + 3_919_872 + 118_784 + 4_176 + 4_176_000 == 8_352_464
    assert formula.endswith("= 8,352,464 B") and "1,000 x 58 x 18 x 4 B load window" in formula


def test_034_plans_the_count_it_fills_in_on_24_ranks() -> None:
    # DeepSeek-V3 on 3 x 8 H200 at TP=1 x DP=24 + EP: 256 % 24 = 16, so 0.34.0 adds
    # (24 - 16) % 24 = 8 redundant experts: 264 / 24 = 11 a rank, 58 x 11 x 44,050,944 B =
    # 28,104,502,272 B (26.17 GiB) of routed experts a GPU; 0.33.0 adds none and refuses
    layout = ParallelLayout(tp=1, dp=24, ep=True)
    p = _plan(layout=layout, nodes=3, version="0.34.0", enable_eplb=True)
    assert p.fits and "routed experts 26.17 GiB" in _term(p, "weights").formula
    assert 58 * 11 * DSV3_EXPERT == 28_104_502_272
    assert any(w.startswith("--enable-eplb: 11 experts a MoE layer on each of the 24 EP ranks "
                            "(256 routed + 8 redundant)") for w in p.warnings)
    assert "--eplb-config" not in p.vllm_command  # vLLM's own default, not passed
    with pytest.raises(LayoutRefused, match="Got 256 experts and 24 EP ranks"):
        _plan(layout=layout, nodes=3, version="0.33.0", enable_eplb=True)


def test_034_fills_an_unset_count_up_to_the_ep_size() -> None:
    # ParallelConfig.compute_eplb_num_redundant_experts: (ep - E % ep) % ep
    assert redundant_count(True, None, 256, 24, (0, 34, 0)) == 8  # 264 = 11 x 24
    assert redundant_count(True, None, 256, 24, (0, 33, 0)) == 0  # the default before 0.34.0
    assert redundant_count(True, 5, 256, 24, (0, 34, 0)) == 5
    assert redundant_count(False, None, 256, 24, (0, 34, 0)) == 0


def test_the_cli_takes_the_flags_and_refuses_a_release_without_them(capsys) -> None:
    model = ["--model", DSV3, "--gpu", "H200", "--gpus", "16", "--tp", "1", "--dp", "16",
             "--ep", "--enable-eplb"]
    code, out, _ = run_main(capsys, "plan", *model, "--num-redundant-experts", "32",
                            "--vllm-version", "0.33.0")
    assert code == 0 and "--eplb-config '{\"num_redundant_experts\": 32}'" in out
    # the CLI's layout check counts the redundant experts: 256 + 8 over 24 ranks
    wide = ["--model", DSV3, "--gpu", "H200", "--gpus", "24", "--tp", "1", "--dp", "24",
            "--ep", "--enable-eplb"]
    code, out, err = run_main(capsys, "plan", *wide, "--num-redundant-experts", "8",
                              "--vllm-version", "0.33.0")
    assert code == 0 and "11 experts a MoE layer on each of the 24 EP ranks" in out, err
    code, _, err = run_main(capsys, "plan", *model, "--vllm-version", "0.9.1")
    assert code == 2 and "unrecognized arguments: --enable-eplb" in err
    assert "Traceback" not in err


def _ep_rows(version: str, **engine) -> dict[tuple[int, int, int], object]:
    """A sweep's EP rows of DeepSeek-V3 on 3 x 8 H200, by (tp, pp, dp)."""
    result = sweep(catalog_spec(DSV3), preset_cluster("h200", 8, 3),
                   EngineSettings(vllm_version=version, **engine), kv_dtypes=("auto",))
    return {(r.layout.tp, r.layout.pp, r.layout.dp): r for r in result.rows if r.layout.ep}


def test_a_sweep_counts_the_redundant_experts_in_the_ep_size_rule() -> None:
    # 256 routed + 8 redundant = 264 = 11 x 24 = 22 x 12: TP=1 x DP=24 and TP=1 x DP=12 x
    # PP=2 + EP are layouts vLLM 0.33.0 starts (256 alone divides neither: 256 = 10 x 24 + 16,
    # 21 x 12 + 4), and TP=16 + EP is one it refuses (264 = 16 x 16 + 8), which the sweep
    # planned and listed as refused
    rows = _ep_rows("0.33.0", enable_eplb=True, num_redundant_experts=8)
    assert (1, 1, 24) in rows and (1, 2, 12) in rows and (16, 1, 1) not in rows
    row = rows[(1, 1, 24)]
    p = _plan(layout=ParallelLayout(tp=1, dp=24, ep=True), nodes=3, enable_eplb=True,
              num_redundant_experts=8)
    # the sweep's row is the plan's: 11 experts a rank, 58 x 11 x 44,050,944 B of them
    assert row.fits and row.weights_bytes_per_gpu == _term(p, "weights").value
    assert "routed experts 26.17 GiB" in _term(p, "weights").formula  # 28,104,502,272 B
    # without EPLB vLLM spreads the routed experts unevenly from 0.10.1 (determine_expert_map:
    # 256 = 10 x 24 + 16, the first 16 ranks 11 each, the rest 10; 138f183): TP=1 x DP=24 runs
    # with the same 26.17 GiB of routed experts on the fullest rank, and TP=16 + EP (256 / 16)
    plain = _ep_rows("0.33.0")
    assert (1, 1, 24) in plain and (16, 1, 1) in plain
    assert "routed experts 26.17 GiB" in _term(
        _plan(layout=ParallelLayout(tp=1, dp=24, ep=True), nodes=3), "weights").formula
    # 0.34.0 fills an unset count in: 8 on 24 ranks, none on 16 (256 = 16 x 16)
    filled = _ep_rows("0.34.0", enable_eplb=True)
    assert (1, 1, 24) in filled and (16, 1, 1) in filled


@pytest.mark.parametrize(("version", "redundant", "layout"), [
    # the hardware's first choice, TP=8 in a node x DP=3 over the nodes + EP: 24 EP ranks,
    # 256 + 8 = 264 = 11 x 24 experts
    ("0.33.0", 8, ParallelLayout(tp=8, dp=3, ep=True)),
    ("0.34.0", None, ParallelLayout(tp=8, dp=3, ep=True)),  # 8 filled in
    # 0.33.0 adds none: 256 = 10 x 24 + 16 is refused, so the next valid one that fits:
    # TP=8 x PP=3 + EP, 8 EP ranks (256 = 32 x 8)
    ("0.33.0", None, ParallelLayout(tp=8, pp=3, ep=True)),
])
def test_the_default_layout_counts_the_redundant_experts(version, redundant, layout) -> None:
    spec = catalog_spec(DSV3)
    engine = EngineSettings(vllm_version=version, enable_eplb=True,
                            num_redundant_experts=redundant)
    assert auto_layout(spec, preset_cluster("h200", 8, 3), checkpoint_scheme(spec), engine,
                       ep=True) == layout


def test_one_spec_planned_on_two_releases_gets_each_releases_state() -> None:
    # the app keeps one spec object across a release switch: 0.31.0 adds last_expert_load,
    # L x E int64 = 58 x 256 x 8 = 118,784 B, to 0.30.0's state; a cache keyed without the
    # release gave 0.31.0 the 0.30.0 weights
    spec, cluster = catalog_spec(DSV3), preset_cluster("h200", 8, 2)

    def weights(version: str) -> int:
        return _term(plan(PlanRequest(model=spec, cluster=cluster, layout=DP16_EP,
                                      engine=EngineSettings(vllm_version=version,
                                                            enable_eplb=True,
                                                            num_redundant_experts=32))),
                     "weights").value

    assert weights("0.31.0") - weights("0.30.0") == 58 * 256 * 8 == 118_784


def _weights(version: str, **engine) -> int:
    return _term(_plan(version=version, **engine), "weights").value


@pytest.mark.parametrize(("version", "draft_state"), [
    # the MTP draft's own EplbState (L = 1 MTP layer, E = 256, P = 288; eplb_state.py
    # add_model, the runner's drafter registration from 0.11.1), by hand:
    #   1 x 288 x 8 + 1 x 256 x 1,024 x 8 + 1 x 256 x 8 + 1 x 288 x 4 + 1,000 x 1 x 288 x 4
    #   = 2,304 + 2,097,152 + 2,048 + 1,152 + 1,152,000 = 3,254,656 B
    ("0.11.1", 3_254_656),
    # from 0.12.0 and its transfer buffer, a copy of the draft layer's 18 local experts:
    # 18 x 44,050,944 = 792,916,992 B
    ("0.12.0", 3_254_656 + 792_916_992),
    # 0.33.0: + the 4 B step and last_expert_load 1 x 256 x 8 = 2,048 B
    ("0.33.0", 3_254_656 + 792_916_992 + 4 + 2_048),
    # 0.34.0: 32 + 1 = 33 slots: 256 x 33 x 8 = 67,584 B, not 2,097,152
    ("0.34.0", 3_254_656 - 2_097_152 + 67_584 + 792_916_992 + 4 + 2_048),
])
def test_the_mtp_drafts_eplb_state_is_in_the_weights(version, draft_state) -> None:
    # DeepSeek-V3's MTP draft (num_nextn_predict_layers = 1, a MoE layer like the last one)
    # on 16 H200 at TP=1 x DP=16 + EP with 32 redundant experts: what EPLB adds with the
    # draft minus what it adds without it is the draft layer's 2 more experts (18, not 16:
    # 2 x 44,050,944 = 88,101,888 B) and the draft's state
    eplb = dict(enable_eplb=True, num_redundant_experts=32)
    with_draft = (_weights(version, num_speculative_tokens=1, **eplb)
                  - _weights(version, num_speculative_tokens=1))
    assert with_draft - (_weights(version, **eplb) - _weights(version)) == (
        2 * DSV3_EXPERT + draft_state)


def test_the_mtp_drafts_state_is_in_the_note() -> None:
    p = _plan(enable_eplb=True, num_redundant_experts=32, num_speculative_tokens=1)
    [note] = [w for w in p.warnings if w.startswith("--enable-eplb: ")]
    # 3,254,656 + 4 + 2,048 = 3,256,708 B (the draft's state on 0.33.0)
    assert ("on the last stage also the MTP draft's own (vLLM adds the draft to EplbState): "
            "1 x 288 x 8 B physical_to_logical 2,304") in note
    assert "= 3,256,708 B, and its transfer buffer, a copy of one draft MoE layer's" in note
    assert p.verdict.startswith("Fits (unmodelled: EPLB's communication buffers (NCCL's or "
                                "NIXL's, not sized)): ")


def test_an_mtp_draft_under_eplb_stops_vllm_0110() -> None:
    # 0.10.2-0.11.0: the draft's DeepseekV2MoE runs EPLB (enable_eplb from the ParallelConfig)
    # without a state (the runner registers the target only): Fp8MoEMethod.apply asserts
    p = _plan(version="0.11.0", enable_eplb=True, num_redundant_experts=32,
              num_speculative_tokens=1)
    assert not p.fits and "stops at start-up with --enable-eplb and an MTP draft" in p.verdict
    assert _plan(version="0.11.0", enable_eplb=True, num_redundant_experts=32).fits


def test_another_moe_draft_is_named_as_not_counted() -> None:
    # Qwen3-Next's MTP draft (qwen3_next_mtp.py implements MixtureOfExperts from 0.11.1) is
    # not read: a note and the verdict's unmodelled part say so
    p = _plan(model="Qwen/Qwen3-Next-80B-A3B-Instruct", layout=ParallelLayout(tp=1, dp=8, ep=True),
              enable_eplb=True, num_speculative_tokens=1)
    assert "EPLB's state for the MTP draft (not sized)" in p.verdict
    assert any(w.startswith("--enable-eplb with an MTP draft: ") and w.endswith(
        "not read for this model's draft, so not counted") for w in p.warnings)


@pytest.mark.parametrize(("version", "columns"), [
    ("0.9.2", 256), ("0.11.1", 256), ("0.12.0", 256), ("0.21.0", 256), ("0.22.0", 256),
    ("0.28.0", 256), ("0.29.0", 257), ("0.33.0", 257), ("0.34.0", 257)])
def test_the_profile_runs_rearrangement_is_sized(version, columns) -> None:
    # every release's profile run steps EPLB with is_profile=True after the dummy forward,
    # whose output it still holds: the DeepSeek-V3 case above, its load window 1,000 x 58 x
    # 256 (257 from 0.29.0: invalid_idx + 1) x 4 B; it tops the forward's peak, so it is the
    # activation term, and the verdict no longer names it as unmodelled
    eplb = dict(enable_eplb=True, num_redundant_experts=32, max_num_batched_tokens=8192)
    p = _plan(version=version, **eplb)
    moment = PROFILE_DSV3 + 1000 * 58 * (columns - 256) * 4
    assert _term(p, "eplb_profile").value == moment
    assert _term(p, "activation").value == moment
    assert _term(p, "activation").formula.startswith("max(forward ")
    # the window's 1,000 steps with separators, as every count beside them
    assert f"+ 1,000 x 58 MoE layers x {columns} x 4 B logical load window + " in _term(
        p, "eplb_profile").formula
    assert "logical load window (1,000 steps x " in _term(p, "eplb_profile").note
    assert p.fits and p.verdict.startswith(
        "Fits (unmodelled: EPLB's communication buffers (NCCL's or NIXL's, not sized)): ")
    # the note says where vLLM holds less: from 0.22.0 a vLLM with NIXL installed skips the
    # copy and its all_gather (NIXL's communicator needs no reservation: rebalance_execute.py;
    # vLLM's default where installed: config/parallel.py; 0.20.0 and 0.21.0 pick torch_nccl)
    assert ("from 0.22.0 a vLLM with NIXL installed" in _term(p, "eplb_profile").note) == (
        version in ("0.22.0", "0.28.0", "0.29.0", "0.33.0", "0.34.0"))
    # without EPLB there is no such term
    assert all(t.key != "eplb_profile" for t in _plan(version=version).terms)


def test_the_profile_rearrangement_of_qwen3_30b() -> None:
    # Qwen3-30B-A3B (bf16) on 8 H100, vLLM 0.19.0, 8 redundant experts, 2,048 batched tokens
    # and 64 sequences. TP=1 x DP=8 + EP: 136 / 8 = 17 experts a rank; w13 of one expert is
    # 2 x 768 x 2,048 x 2 B = 6,291,456 B
    qwen = dict(model="Qwen/Qwen3-30B-A3B", gpu="h100-sxm", nodes=1, version="0.19.0",
                enable_eplb=True, num_redundant_experts=8, max_num_batched_tokens=2048,
                max_num_seqs=64)
    p = _plan(layout=ParallelLayout(tp=1, dp=8, ep=True), **qwen)
    copy, w13 = 17 * 9_437_184, 17 * 6_291_456  # 160,432,128 and 106,954,752 B
    moment = copy + 8 * w13 + 1000 * 48 * 128 * 4 + 2048 * 2048 * 2
    assert moment == 1_049_034_752
    assert _term(p, "eplb_profile").value == moment
    # the forward's peak at 2,048 tokens and 64 sequences is lower: the activation term is it
    assert _term(p, "activation").value == moment
    # TP=2 x PP=2 x DP=2 + EP: 4 EP ranks of 136 / 4 = 34 experts, 24 MoE layers a stage; the
    # first stage holds the IntermediateTensors' hidden_states and residual, the last stage
    # the hidden states alone
    pp = _plan(layout=ParallelLayout(tp=2, pp=2, dp=2, ep=True), **qwen)
    stage = 34 * 9_437_184 + 4 * 34 * 6_291_456 + 1000 * 24 * 128 * 4  # 1,188,790,272 B
    assert {g.pp_stage: g.activation_bytes for g in pp.per_gpu} == {
        0: stage + 2 * 2048 * 2048 * 2, 1: stage + 2048 * 2048 * 2}


def _report_compared(capsys, other: str) -> str:
    """`report` of Qwen3-30B-A3B on 6 H100 at TP=1 x DP=6 + EP with EPLB and 4 redundant
    experts (vLLM 0.33.0), comparing `other`: its Markdown (exit 0 asserted)."""
    code, out, err = run_main(
        capsys, "report", "--model", "Qwen/Qwen3-30B-A3B", "--compare", other,
        "--gpu", "H100-SXM", "--gpus", "6", "--tp", "1", "--dp", "6", "--ep", "--enable-eplb",
        "--num-redundant-experts", "4", "--vllm-version", "0.33.0", "--date", "2026-01-01")
    assert code == 0, err
    return out


def test_a_compared_model_keeps_an_ep_layout_only_the_redundant_experts_make_even(
        capsys) -> None:
    # Qwen3-30B-A3B on 6 H100 at TP=1 x DP=6 + EP, vLLM 0.33.0, 4 redundant experts: 128
    # routed = 21 x 6 + 2 do not divide the 6 EP ranks, 128 + 4 = 132 = 22 x 6 do, and vLLM
    # starts it. The Compare page / report --compare layout (compared_layout) asked the routed
    # experts alone: it dropped EP (TP=1 x DP=6 without EP, which vLLM refuses with EPLB) and
    # then fell back to the widest valid layout, TP=2 x PP=3 + EP
    spec, cluster = catalog_spec("Qwen/Qwen3-30B-A3B"), preset_cluster("h100-sxm", 6)
    chosen = ParallelLayout(tp=1, dp=6, ep=True)
    engine = EngineSettings(vllm_version="0.33.0", enable_eplb=True, num_redundant_experts=4)
    assert compared_layout(spec, cluster, chosen, checkpoint_scheme(spec), engine) == chosen
    # 8 H100, TP=1 x DP=8 + EP: 132 = 16 x 8 + 4 is refused, so is EPLB without EP; the
    # widest valid layout is TP=4 x PP=2 + EP, 4 EP ranks (132 = 33 x 4)
    assert compared_layout(spec, preset_cluster("h100-sxm", 8), ParallelLayout(tp=1, dp=8, ep=True),
                           checkpoint_scheme(spec), engine) == ParallelLayout(tp=4, pp=2, ep=True)
    # report --compare plans the other model on the --model's layout, as the page does
    assert "| Qwen/Qwen3-30B-A3B-FP8 | TP=1 x DP=6 + EP |" in _report_compared(
        capsys, "Qwen/Qwen3-30B-A3B-FP8")


def test_report_compare_plans_a_dense_model_without_eplb(capsys) -> None:
    # Qwen3-8B has no routed experts: vLLM refuses EP for it (compared_layout drops EP), and
    # EPLB without EP. The report stopped, exit 2, on "vLLM refuses --enable-eplb without
    # --enable-expert-parallel", naming no model; it is planned without EPLB, as the app's
    # Compare and Report pages plan it (auto_layout.compared_engine)
    spec, engine = catalog_spec("Qwen/Qwen3-8B"), EngineSettings(
        vllm_version="0.33.0", enable_eplb=True, num_redundant_experts=4)
    assert compared_engine(spec, engine) == EngineSettings(vllm_version="0.33.0")
    moe = catalog_spec("Qwen/Qwen3-30B-A3B")
    assert compared_engine(moe, engine) is engine
    assert "| Qwen/Qwen3-8B | TP=1 x DP=6 |" in _report_compared(capsys, "Qwen/Qwen3-8B")


def test_the_cli_refuses_redundant_experts_without_eplb_as_bad_input(capsys) -> None:
    # --num-redundant-experts without --enable-eplb was planned, exit 0, "Does not fit": two
    # flags that do not go together, which the CLI refuses in one line (exit 2) as it does
    # --enable-eplb without --ep, in vLLM's words (config/parallel.py, 0.10.2 on)
    model = ["--model", DSV3, "--gpu", "H200", "--gpus", "16", "--tp", "1", "--dp", "16", "--ep"]
    code, out, err = run_main(capsys, "plan", *model, "--num-redundant-experts", "32")
    assert code == 2 and out == "", out
    assert err == ("python -m planner plan: error: --num-redundant-experts 32 needs "
                   "--enable-eplb: vLLM refuses redundant experts without --enable-eplb: "
                   "num_redundant_experts is set to 32 but EPLB is not enabled. Either enable "
                   "EPLB or unset num_redundant_experts.\n")
    code, _, err = run_main(capsys, "plan", *model, "--num-redundant-experts", "0")
    assert code == 0, err  # no redundant expert: nothing for vLLM to refuse


def test_a_sweep_whose_redundant_experts_leave_no_ep_layout_says_so(capsys) -> None:
    # Qwen3-30B-A3B's 128 routed + 1 redundant = 129 experts, odd, divide over none of the EP
    # sizes 8 GPUs offer (2, 4, 8): no EP row, and vLLM refuses EPLB on every row without EP.
    # The sweep stopped on "vLLM refuses --enable-eplb without --enable-expert-parallel" though
    # the sweep tries EP itself (8 redundant, 136 = 17 x 8, plans); an EP layout's
    # refusal says what rules the EP rows out
    model = ["--model", "Qwen/Qwen3-30B-A3B", "--gpu", "h100-sxm", "--gpus", "8",
             "--enable-eplb"]
    code, out, err = run_main(capsys, "sweep", *model, "--num-redundant-experts", "1")
    assert code == 2 and out == "", out
    assert err == ("python -m planner sweep: error: --enable-eplb needs --enable-expert-parallel, "
                   "and vLLM refuses every expert-parallel layout on preset: 8x NVIDIA H100 80GB "
                   "HBM3 with EPLB's redundant experts: TP=1 x DP=8 + EP: 128 routed + 1 "
                   "redundant experts (EPLB) = 129 are not divisible by the expert-parallel size "
                   "8 (tp x dp).\n")
    code, out, err = run_main(capsys, "sweep", *model, "--num-redundant-experts", "8")
    assert code == 0 and "+ EP" in out, err
