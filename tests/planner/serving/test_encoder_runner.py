"""The encoder profile on the model runner that starts the model (vllm_versions.
runner_encoder_rules): what each runner keeps alive through the decoder's dummy run.

Hand-worked from ../shared/model-configs/Qwen__Qwen3-VL-32B-Instruct.json (vision_config:
patch_size 16, temporal_patch_size 2, in_channels 3, spatial_merge_size 2, out_hidden_size 5120,
deepstack_visual_indexes [8, 16, 24]; bfloat16) on one 80 GB H100 at 8,192 tokens (vLLM's
default 8,192 batched tokens there): one dummy image of 4,096 x 4,096 pixels, 65,536 patches of
3 x 2 x 16 x 16 = 1,536 values, 65,536 / 2^2 = 16,384 tokens; 8,192 // 16,384 = 0 -> 1 item.
  input batch:  65,536 x 1,536 x 2 B                 = 201,326,592 B
  outputs:      16,384 x 5,120 x (1 + 3 deepstack) x 2 B = 671,088,640 B
vLLM sources (/tmp/h542/src/<version>/vllm):
- Model Runner V1, v1/worker/gpu_model_runner.py profile_run (0.17.0, 0.22.0, 0.27.0, 0.33.0):
  `batched_dummy_mm_inputs = self._get_mm_dummy_batch(...)` (group_mm_kwargs_by_modality onto
  self.device) stays a local until profile_run returns, beside the outputs in encoder_cache,
  through `self._dummy_run(...)`: input + outputs held = 872,415,232 B.
- Model Runner V2, v1/worker/gpu/mm/encoder_runner.py (0.27.0-0.34.0): profile_encoder_cache
  calls execute_mm_encoder, whose loop `for modality, num_items, mm_kwargs_batch in
  group_and_batch_mm_kwargs(mm_kwargs, device=self.device, ...)` keeps the GPU batch as its
  local; it returns the outputs only, kept in encoder_cache.encoder_outputs ("tmp_i") until
  v1/worker/gpu/model_runner.py profile_run's reset_encoder_cache after the decoder's run:
  outputs held = 671,088,640 B.
- Model Runner V2's profile_run in the 0.17.0-0.26.0 wheels is `self._dummy_run(...)` and the
  dummy sampler only: no encoder profile.
Which runner starts Qwen3VLForConditionalGeneration (dense; config/vllm.py
_is_default_v2_model_runner_model): V1 at 0.24.0 (V2 only for the listed architectures),
V2 from 0.25.0 (`any(listed) or not model_config.is_moe`), every model from 0.29.0, the only
runner at 0.34.0 (v1/worker/gpu_model_runner.py gone).
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings, encoder_profile
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import Plan, PlanRequest, plan
from planner.serving.vllm_versions import vllm_rules

QWEN3_VL = "Qwen/Qwen3-VL-32B-Instruct"
INPUT_BYTES = 65_536 * 1_536 * 2
OUTPUT_BYTES = 16_384 * 5_120 * 4 * 2


def _plan(version: str, **flags: object) -> Plan:
    """Qwen3-VL-32B on one H100 at 8,192 tokens on vLLM `version`."""
    return plan(PlanRequest(model=catalog_spec(QWEN3_VL), cluster=preset_cluster("h100-sxm", 1),
                            layout=ParallelLayout(tp=1), engine=EngineSettings(
                                vllm_version=version, max_model_len=8192, **flags)))


def _activation(p: Plan):
    return next(t for t in p.terms if t.key == "activation")


def test_the_hand_figures():
    assert (INPUT_BYTES, OUTPUT_BYTES) == (201_326_592, 671_088_640)


@pytest.mark.parametrize("version, runner, held", [
    ("0.24.0", "v1", INPUT_BYTES + OUTPUT_BYTES),  # V1 keeps batched_dummy_mm_inputs
    ("0.27.0", "v2", OUTPUT_BYTES),  # V2's first release with an encoder profile
    ("0.33.0", "v2", OUTPUT_BYTES),  # V2 by default for every model (V1 still shipped)
    ("0.34.0", "v2", OUTPUT_BYTES),  # V2 the only runner
])
def test_held_through_the_decoder_run_follows_the_runner(version, runner, held):
    p, skipped = _plan(version), _plan(version, skip_mm_profiling=True)
    assert p.model_runner == runner
    act = _activation(p)
    assert act.inputs["encoder_held_bytes"] == str(held)
    # the ViT's own peak (2,516,582,400 B: test_encoder_profile's walk at the 32B's widths)
    # is below held + the decoder's, so the held bytes are what the encoder adds
    assert p.activation_bytes_per_gpu - skipped.activation_bytes_per_gpu == held


def test_v2_activation_is_201_326_592_b_below_v1s():
    # the decoder's dummy run is the same figure at 0.24.0 and 0.34.0 (the V1 fit): the
    # plans differ by the input batch V2 frees
    assert (_plan("0.24.0").activation_bytes_per_gpu - _plan("0.34.0").activation_bytes_per_gpu
            == INPUT_BYTES)


def test_v2_notes_name_the_encoder_part_as_read():
    act = _activation(_plan("0.34.0"))
    assert "0.62 GiB encoder outputs (Model Runner V2 frees the input batch first: " \
        "v1/worker/gpu/mm/encoder_runner.py execute_mm_encoder) held" in act.formula
    assert "the decoder's part is the V1 runner's figure, unverified for V2; the vision " \
        "encoder's part is V2's own (v1/worker/gpu/mm/encoder_runner.py " \
        "EncoderRunner.profile_encoder_cache" in act.note
    v1 = _activation(_plan("0.24.0"))
    assert "0.81 GiB encoder input + outputs held" in v1.formula


@pytest.mark.parametrize("version", ["0.25.0", "0.26.0"])
def test_v2_before_0_27_profiles_no_encoder(version):
    p, skipped = _plan(version), _plan(version, skip_mm_profiling=True)
    assert p.model_runner == "v2"
    assert p.activation_bytes_per_gpu == skipped.activation_bytes_per_gpu
    act = _activation(p)
    assert "encoder_held_bytes" not in act.inputs
    assert "vision encoder" not in act.formula
    assert (f"vision encoder: none profiled: Model Runner V2's profile_run in vLLM {version} "
            "(v1/worker/gpu/model_runner.py, the 0.17.0-0.26.0 wheels)") in act.note


def test_runner_rules_by_hand():
    enc = catalog_spec(QWEN3_VL).vision.encoder
    v1 = vllm_rules("0.34.0").encoder
    v2 = v1._replace(inputs_held=False)
    kwargs = dict(tp=1, mbt=8192, seqs=1024, max_model_len=8192, act_bytes=2)
    p1, p2 = (encoder_profile(enc, rules=r, **kwargs) for r in (v1, v2))
    assert (p1.held, p2.held) == (INPUT_BYTES + OUTPUT_BYTES, OUTPUT_BYTES)
    assert p1.vit_peak == p2.vit_peak  # the input is alive while the ViT runs on both
