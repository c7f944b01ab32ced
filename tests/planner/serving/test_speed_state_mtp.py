"""With MTP speculative decoding planned, the memory plan holds each Gated DeltaNet conv state
kernel - 1 + num_speculative_tokens columns wide, while the speed's decode step (one token,
drafts not modelled) reads and writes back the unwidened state: the kernel - 1 columns and the
one delta-rule state a one-token step's kernels touch (vLLM causal_conv1d_update's state_len
is width - 1 + (seqlen - 1), fused_recurrent / fused_sigmoid_gating load one state and store
one per token: speed.step._state_bytes), worked by hand from the catalog config.

Qwen3-Next-80B-A3B-Instruct config.json: 48 layers, full_attention_interval 4 (12 attention
layers, 36 Gated DeltaNet layers), linear_conv_kernel_dim 4, linear_key_head_dim 128 x
linear_num_key_heads 16, linear_value_head_dim 128 x linear_num_value_heads 32, bfloat16 (no
mamba_ssm_dtype: the delta-rule state in bfloat16 too); attention 2 KV heads x 256.
At TP=4 a GDN layer per sequence: conv dim 128 x 16 x 2 + 128 x 32 = 8,192, / 4 = 2,048;
delta-rule state 32 / 4 x 128 x 128 = 131,072 elements x 2 B = 262,144 B.
- held (memory plan): conv 2,048 x (4 - 1 + n) x 2 B: n = 0: 12,288 B -> 274,432 B a layer;
  n = 1: 16,384 B -> 278,528 B; n = 3: 24,576 B -> 286,720 B;
- a one-token step touches 2,048 x 3 conv columns x 2 B = 12,288 B read and as many written
  + 262,144 B read and written, whatever n: 274,432 B a layer x 36 = 9,879,552 B, twice.
KV a token on the speed's step (the target's 12 attention layers, no draft):
12 x 1 (max(1, 2 // 4)) head x (256 + 256) x 2 B = 12,288 B; at 1,024 + 1,024 tokens the mean
context is 1,536 tokens.
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed import estimate_speed
from planner.serving.speed.coefficients import FITTED

NEXT = catalog_spec("Qwen/Qwen3-Next-80B-A3B-Instruct")
H100X4 = preset_cluster("h100-sxm", 4)
STEP_STATE_B = 36 * 274_432  # 9,879,552 B
STEP_STATE = ("36 layers x (8192 / 4 x 3 conv x 2 B + 32 / 4 x 128 x 128 state x 2 B = "
              "274,432 B per sequence)")


def _request(drafts: int) -> PlanRequest:
    # one spec and one cluster object for every request (the speed's memos key by identity)
    return PlanRequest(model=NEXT, cluster=H100X4, layout=ParallelLayout(tp=4),
                       engine=EngineSettings(vllm_version="0.34.0",
                                             num_speculative_tokens=drafts))


@pytest.mark.parametrize("drafts, held", [(0, "8192 / 4 x 3 conv x 2 B + 32 / 4 x 128 x 128 "
                                              "state x 2 B = 274,432 B per sequence"),
                                          (1, "8192 / 4 x 4 conv x 2 B + 32 / 4 x 128 x 128 "
                                              "state x 2 B = 278,528 B per sequence"),
                                          (3, "8192 / 4 x 6 conv x 2 B + 32 / 4 x 128 x 128 "
                                              "state x 2 B = 286,720 B per sequence")])
def test_mtp_widens_the_held_conv_state_not_the_step_read(drafts: int, held: str) -> None:
    request = _request(drafts)
    memory = next(t for t in plan(request).terms if t.key == "kv_bytes_per_token_per_gpu")
    assert f"36 linear layers x 0 B (a fixed state per sequence: {held})" in memory.formula
    kv = next(t for t in estimate_speed(request).terms if t.key == "decode_kv")
    assert kv.inputs["recurrent_state_bytes"] == str(STEP_STATE_B)
    assert (f"1 seq x (1,536 tokens x 12,288 B + 2 x 9,879,552 B recurrent state "
            f"(read + write; {STEP_STATE}))") in kv.formula
    assert kv.value == pytest.approx((1_536 * 12_288 + 2 * STEP_STATE_B)
                                     / (3_350e9 * FITTED.kv_bandwidth_efficiency) * 1e3)


@pytest.mark.parametrize("drafts, said", [(0, None), (3, "not the K - 1 + 3 the memory plan "
                                                         "holds for the drafts")])
def test_the_speed_notes_say_the_step_reads_the_one_token_state(drafts: int,
                                                                said: str | None) -> None:
    notes = estimate_speed(_request(drafts)).notes
    one_token = [n for n in notes if n.startswith("the recurrent state is read at its one-token")]
    assert one_token == ([] if said is None else [
        f"the recurrent state is read at its one-token size: the conv kernel's K - 1 columns, "
        f"{said}"])
