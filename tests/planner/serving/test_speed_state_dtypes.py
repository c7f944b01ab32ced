"""The decode step's recurrent state read (speed decode_kv, step._state_bytes) in the dtypes the
memory plan holds the state in (engine.state_dtyped: the release's default, the config's,
--mamba-cache-dtype / --mamba-ssm-cache-dtype), worked by hand from the catalog config.

Nemotron-3-Nano-30B-A3B config.json: hybrid_override_pattern
"MEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEMEM*EMEMEMEME" = 23 Mamba2 layers (M), 6 attention
layers (*) and 23 MoE layers (E); Mamba2 64 heads x 64 (intermediate 4,096), n_groups 8,
ssm_state_size 128, conv_kernel 4; bfloat16; mamba_ssm_cache_dtype float32; attention 2 KV
heads x 128.
Per Mamba layer per sequence at TP=1 (vLLM mamba2_state_shape, _mamba_state_dtype):
conv (4,096 + 2 x 8 x 128 = 2,048) x (4 - 1) = 18,432 elements x 2 B (model dtype) = 36,864 B;
SSM 64 x 64 x 128 = 524,288 elements x 4 B (float32) = 2,097,152 B, or x 2 B (float16) =
1,048,576 B. A layer: 36,864 + 2,097,152 = 2,134,016 B (float32 SSM) or 36,864 + 1,048,576 =
1,085,440 B (float16 / the model dtype's bfloat16); x 23 layers = 49,082,368 B or 24,965,120 B.
KV a token: 6 layers x 2 (K, V) x 2 heads x 128 x 2 B = 6,144 B.
One request of 1,024 + 1,024 tokens decodes at a mean context of 1,536 tokens: the step reads
1,536 x 6,144 = 9,437,184 B of KV and reads and writes back the state, 2 x the state bytes.
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan
from planner.serving.speed import estimate_speed
from planner.serving.speed.coefficients import FITTED

NANO = catalog_spec("nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16")
H100 = preset_cluster("h100-sxm", 1)
KV_READ_B = 1_536 * 6_144  # 9,437,184 B


def _request(version: str = "0.34.0", **engine) -> PlanRequest:
    # one spec and one cluster object for every request: the speed's memos key by their
    # identity, so a second plan differing only in a flag or the release must miss them
    return PlanRequest(model=NANO, cluster=H100, layout=ParallelLayout(tp=1),
                       engine=EngineSettings(vllm_version=version, **engine))


def _decode_kv(request: PlanRequest):
    return next(t for t in estimate_speed(request).terms if t.key == "decode_kv")


def _plan_state_formula(request: PlanRequest) -> str:
    """The memory plan's KV term, which names one Mamba layer's state per sequence."""
    return next(t for t in plan(request).terms if t.key == "kv_bytes_per_token_per_gpu").formula


def _kv_ms(state_bytes: int) -> float:
    return (KV_READ_B + 2 * state_bytes) / (3_350e9 * FITTED.kv_bandwidth_efficiency) * 1e3


SSM = "ssm state (64 heads x 64 x 128 / 1) 524,288"
FLOAT32_SSM = f"conv 18,432 x 2 B + {SSM} x 4 B = 2,134,016 B"
FLOAT16_SSM = f"conv 18,432 x 2 B + {SSM} x 2 B = 1,085,440 B"


@pytest.mark.parametrize("order", [("default", "float16"), ("float16", "default")])
def test_nano_state_read_follows_the_ssm_cache_dtype_flag(order) -> None:
    # vLLM 0.34.0: the config's float32 SSM state by default (23 x 2,134,016 = 49,082,368 B);
    # --mamba-ssm-cache-dtype float16 wins over it (23 x 1,085,440 = 24,965,120 B); either
    # order of the two plans, sharing the spec and cluster objects, gets its own figure
    expected = {"default": (FLOAT32_SSM, 49_082_368), "float16": (FLOAT16_SSM, 24_965_120)}
    for asked in order:
        flags = {} if asked == "default" else {"mamba_ssm_cache_dtype": "float16"}
        request = _request(**flags)
        formula, state = expected[asked]
        assert formula in _plan_state_formula(request)  # the memory plan's state a layer
        kv = _decode_kv(request)
        assert (f"2 x {state:,} B recurrent state (read + write; 23 layers x ({formula} per "
                f"sequence))") in kv.formula
        assert kv.inputs["recurrent_state_bytes"] == str(state)
        assert kv.value == pytest.approx(_kv_ms(state))


def test_nano_state_read_follows_the_release() -> None:
    # vLLM 0.12.0 reads no mamba_ssm_cache_dtype from a Nemotron-H config (from 0.13.0): the
    # SSM state in the model dtype, bfloat16, 2 B: 23 x 1,085,440 = 24,965,120 B, half the
    # 0.34.0 read; 0.34.0 asked again after 0.12.0 keeps its own
    for version, (formula, state) in (("0.34.0", (FLOAT32_SSM, 49_082_368)),
                                      ("0.12.0", (FLOAT16_SSM, 24_965_120)),
                                      ("0.34.0", (FLOAT32_SSM, 49_082_368))):
        request = _request(version)
        assert formula in _plan_state_formula(request)
        kv = _decode_kv(request)
        assert kv.inputs["recurrent_state_bytes"] == str(state)
        assert f"23 layers x ({formula} per sequence)" in kv.formula


def test_nano_conv_state_read_follows_the_cache_dtype_flag() -> None:
    # --mamba-cache-dtype float32: conv 18,432 x 4 B = 73,728 + 2,097,152 = 2,170,880 B a
    # layer, x 23 = 49,930,240 B
    request = _request(mamba_cache_dtype="float32")
    kv = _decode_kv(request)
    assert kv.inputs["recurrent_state_bytes"] == "49930240"
    assert "conv 18,432 x 4 B + ssm state (64 heads x 64 x 128 / 1) 524,288 x 4 B = " \
        "2,170,880 B per sequence" in kv.formula
    assert kv.value == pytest.approx(_kv_ms(49_930_240))
