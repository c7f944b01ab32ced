"""Multi-LoRA slots of NVIDIA's Nemotron-H hybrids (models/nemotron_h.py NemotronHForCausalLM,
planner.serving.lora.mamba), worked by hand from the configs (planner/catalog_data,
/work/shared/model-configs) and the vLLM 0.34.0 source, compared with every release of
settings.LORA_READ (0.17.0-0.34.0): SupportsLoRA, packed_modules_mapping qkv_proj only,
embedding_modules embed_tokens and lm_head; layers/mamba/mamba_mixer2.py MambaMixer2 (in_proj a
MergedColumnParallelLinear of [intermediate, intermediate, G, G, heads], conv1d of
[intermediate, G, G] over conv_kernel inputs, out_proj a RowParallelLinear) wrapped by
lora/layers/column_parallel_linear.py MergedColumnParallelLinearVariableSliceWithLoRA (one A and
B per output size); NemotronHMLP (up_proj ColumnParallelLinear, down_proj RowParallelLinear,
relu2, no gate); NemotronHMoE's non-gated experts (lora/layers/fused_moe.py FusedMoEWithLoRA,
_w13_slices 1) and shared_experts (a NemotronHMLP), its gate skipped by lora/model_manager.py
(is_non_gated_moe, "mixer.gate").

N = max_loras = 4, R = max_lora_rank = 16, bfloat16 (2 B); Punica at 8,192 batched tokens and
1,024 sequences: test_lora.PUNICA (0.29.0 on) and PUNICA_TO_028 (0.17.0-0.28.0).

nvidia/Nemotron-H-56B-Base-8K: hidden 8,192, 118 layers by hybrid_override_pattern: 54 Mamba2
("M"), 54 relu2 MLP ("-", intermediate 32,768), 10 attention ("*", 64 heads of 128, 8 KV heads);
Mamba2 256 heads of 64 (intermediate 16,384), n_groups 8 x ssm_state_size 256 (G = 2,048),
conv_kernel 4; vocabulary 131,072, untied. TP=4, per layer:
- in_proj 4 x (5 x 16 x 8,192 + (2 x 16,384 + 2 x 2,048 + 256) / 4 x 16) = 4 x (655,360 +
  9,280 x 16) = 3,215,360; conv1d 4 x (3 x 16 x 4 + (16,384 + 2 x 2,048) / 4 x 16) = 4 x (192
  + 81,920) = 328,448; out_proj 4 x (16 x 4,096 + 8,192 x 16) = 786,432
- up_proj 4 x (16 x 8,192 + 8,192 x 16) = 1,048,576; down_proj 4 x (16 x 8,192 + 8,192 x 16) =
  1,048,576
- qkv_proj 4 x (3 x 16 x 8,192 + (2,048 + 2 x 256) x 16) = 1,736,704; o_proj 4 x (16 x 2,048 +
  8,192 x 16) = 655,360
- embed_tokens and lm_head each 4 x (131,072 x 16 + 8,192 x 16) = 8,912,896; the lm_head's
  int64 mapping 131,072 x 8 = 1,048,576 B
--fully-sharded-loras, 0.20.0 on: in_proj and conv1d unwrapped; out_proj 4 x (65,536 + 2,048 x
16) = 393,216; up_proj 4 x (4 x 8,192 + 131,072) = 655,360; down_proj 4 x (131,072 + 2,048 x
16) = 655,360; qkv_proj 4 x (3 x 4 x 8,192 + 40,960) = 557,056; o_proj 4 x (32,768 + 32,768)
= 262,144.

nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16: hidden 2,688, 52 layers: 23 Mamba2, 23 MoE ("E"),
6 attention (32 heads of 128, 2 KV heads); Mamba2 64 heads of 64 (intermediate 4,096), n_groups
8 x 128 (G = 1,024), conv_kernel 4; MoE 128 experts of moe_intermediate_size 1,856, one shared
expert of 3,712; vocabulary 131,072, untied. TP=1, per layer:
- in_proj 4 x (5 x 16 x 2,688 + (8,192 + 2,048 + 64) x 16) = 4 x (215,040 + 164,864) =
  1,519,616; conv1d 4 x (192 + 6,144 x 16) = 393,984; out_proj 4 x (16 x 4,096 + 2,688 x 16) =
  434,176
- experts 4 x 128 x (w13 A 16 x 2,688 + w13 B 1,856 x 16 + w2 A 16 x 1,856 + w2 B 2,688 x 16)
  = 512 x 145,408 = 74,448,896; shared_experts.up_proj 4 x (16 x 2,688 + 3,712 x 16) = 409,600;
  shared_experts.down_proj 4 x (16 x 3,712 + 2,688 x 16) = 409,600; no gate
- qkv_proj 4 x (3 x 16 x 2,688 + (4,096 + 2 x 256) x 16) = 811,008; o_proj 4 x (16 x 4,096 +
  2,688 x 16) = 434,176
- embed_tokens and lm_head each 4 x (131,072 + 2,688) x 16 = 8,560,640; adapter flags 23 x 5 x
  4 B = 460 B
TP=2: in_proj 4 x (215,040 + 5,152 x 16) = 1,189,888; conv1d 4 x (192 + 3,072 x 16) = 197,376;
out_proj 4 x (16 x 2,048 + 43,008) = 303,104; experts 512 x (43,008 + 928 x 16 + 16 x 928 +
43,008) = 59,244,544; shared up_proj and down_proj 4 x (43,008 + 1,856 x 16) = 290,816 each;
qkv_proj 4 x (129,024 + (2,048 + 2 x 128) x 16) = 663,552; o_proj 303,104; the lm_head mapping
1,048,576 B.

nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8 (its config.json, which carries no
quantization_config: planned as 16-bit weights, with the plan's warning): hidden 4,096, 88 layers:
40 Mamba2, 40 latent MoE, 8 attention (32 heads of 128, 2 KV heads); Mamba2 128 heads of 64
(intermediate 8,192), G = 8 x 128 = 1,024; MoE 512 experts of 2,688 on moe_latent_size 1,024
(NemotronHMoE's FusedMoE is built with hidden_size = the latent width: the LoRA layer's
moe_config.hidden_dim), fc1_latent_proj / fc2_latent_proj (ReplicatedLinear, 4,096 <-> 1,024),
one shared expert of 5,376. TP=8, per layer:
- in_proj 4 x (5 x 16 x 4,096 + (16,384 + 2,048 + 128) / 8 x 16) = 4 x (327,680 + 37,120) =
  1,459,200; conv1d 4 x (192 + 1,280 x 16) = 82,688; out_proj 4 x (16 x 1,024 + 4,096 x 16) =
  327,680
- fc1_latent_proj 4 x (16 x 4,096 + 1,024 x 16) = 327,680; fc2_latent_proj 4 x (16 x 1,024 +
  4,096 x 16) = 327,680; experts 4 x 512 x (16 x 1,024 + 336 x 16 + 16 x 336 + 1,024 x 16) =
  2,048 x 43,520 = 89,128,960; shared up_proj and down_proj 4 x (65,536 + 672 x 16) = 305,152
  each
- qkv_proj 4 x (3 x 16 x 4,096 + (512 + 2 x 128) x 16) = 835,584; o_proj 4 x (16 x 512 +
  65,536) = 294,912
- embed_tokens and lm_head each 4 x (131,072 + 4,096) x 16 = 8,650,752; flags 40 x 5 x 4 = 800 B
"""

import pytest

from planner.catalog import catalog_spec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.lora.moe import ExpertSlots
from planner.serving.lora.settings import LoraSettings
from planner.serving.lora.slots import layer_runs, stage_parts
from planner.serving.plan import PlanRequest, plan
from planner.serving.vllm_cli import command_problems, vllm_cli
from planner.serving.vllm_versions import LayoutRefused
from tests.planner.serving.test_lora import PUNICA, PUNICA_TO_028

H56 = "nvidia/Nemotron-H-56B-Base-8K"
NANO = "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16"
SUPER = "nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8"
MAPPING = 131072 * 8  # 1,048,576 B

H56_MAMBA = 3_215_360 + 328_448 + 786_432
H56_TP4 = ((54 * (H56_MAMBA + 1_048_576 + 1_048_576) + 10 * (1_736_704 + 655_360)
            + 2 * 8_912_896) * 2 + MAPPING + PUNICA)
H56_TP4_FS = ((54 * (393_216 + 655_360 + 655_360) + 10 * (557_056 + 262_144)
               + 2 * 8_912_896) * 2 + MAPPING + PUNICA)
NANO_TP1 = ((23 * (1_519_616 + 393_984 + 434_176) + 23 * (74_448_896 + 2 * 409_600)
             + 6 * (811_008 + 434_176) + 2 * 8_560_640) * 2 + 460 + PUNICA)
SUPER_TP8 = ((40 * (1_459_200 + 82_688 + 327_680) + 40 * (2 * 327_680 + 89_128_960
                                                         + 2 * 305_152)
              + 8 * (835_584 + 294_912) + 2 * 8_650_752) * 2 + 800 + MAPPING + PUNICA)
NANO_TP2 = ((23 * (1_189_888 + 197_376 + 303_104) + 23 * (59_244_544 + 2 * 290_816)
             + 6 * (663_552 + 303_104) + 2 * 8_560_640) * 2 + 460 + MAPPING + PUNICA)


def _plan(model: str, tp: int, version: str = "0.34.0", **engine):
    return plan(PlanRequest(
        model=catalog_spec(model), cluster=preset_cluster("h100", tp),
        layout=ParallelLayout(tp=tp), engine=EngineSettings(vllm_version=version, **engine)))


@pytest.mark.parametrize(("model", "tp", "expected"), [
    (H56, 4, H56_TP4), (NANO, 1, NANO_TP1), (NANO, 2, NANO_TP2), (SUPER, 8, SUPER_TP8)])
def test_the_slots_are_in_the_weights_as_worked_by_hand(model, tp, expected) -> None:
    assert (H56_TP4, NANO_TP1, NANO_TP2, SUPER_TP8) == (
        779_117_696, 3_619_933_260, 2_877_070_412, 7_435_293_600)
    base = _plan(model, tp)
    lora = _plan(model, tp, enable_lora=True, max_loras=4, max_lora_rank=16)
    assert not lora.errors
    assert lora.lora_bytes_per_gpu == expected
    assert lora.weights_bytes_per_gpu - base.weights_bytes_per_gpu == expected
    command = lora.vllm_command
    assert command.endswith(" --enable-lora --max-loras 4 --max-lora-rank 16")
    assert command_problems(command, vllm_cli("0.34.0")) == []


@pytest.mark.parametrize("version", ["0.17.0", "0.22.1", "0.28.0"])
def test_older_releases_size_the_same_slots_with_their_punica_rows(version) -> None:
    # nemotron_h.py, mamba_mixer2.py's projections and the LoRA classes read the same in every
    # release; to 0.28.0 Punica's _embeddings_indices holds one int64 row of 8,192 more
    for model, tp, expected in ((H56, 4, H56_TP4), (NANO, 2, NANO_TP2)):
        lora = _plan(model, tp, version, enable_lora=True, max_loras=4)
        assert lora.lora_bytes_per_gpu == expected - PUNICA + PUNICA_TO_028


def test_fully_sharded_leaves_the_merged_mamba_projections_unwrapped_from_0_20() -> None:
    lora = _plan(H56, 4, enable_lora=True, max_loras=4, fully_sharded_loras=True)
    assert lora.lora_bytes_per_gpu == H56_TP4_FS == 237_527_168
    with pytest.raises(LayoutRefused, match="register_module asserts"):
        _plan(H56, 4, "0.19.1", enable_lora=True, max_loras=4, fully_sharded_loras=True)


def test_conv1d_is_idle_and_the_gate_unwrapped_in_a_step() -> None:
    # a decode step runs in_proj, out_proj, the shared expert, attention and the experts its
    # tokens touch; conv1d's LoRA never runs (the layer reads conv1d's weight, never calls it)
    spec, lora = catalog_spec(NANO), LoraSettings(4, 16, False, (0, 34, 0))
    parts = {p.name: p for p in stage_parts(spec, range(52), True, True, 2, lora)}
    assert "gate" not in parts and parts["conv1d"].idle and not parts["in_proj"].idle
    whole, routed = layer_runs(spec, 2, lora, ExpertSlots(2)).sums[-1][:2]
    assert whole == 23 * (1_189_888 + 303_104 + 2 * 290_816) + 6 * (663_552 + 303_104)
    assert routed == 23 * 59_244_544


def test_the_latent_projections_run_in_the_forward_before_0_20_only() -> None:
    # fc1_latent_proj is the MoE layer's routed_input_transform in every release (its own,
    # unwrapped reference runs); fc2_latent_proj is called by NemotronHMoE.forward to 0.19.x
    spec = catalog_spec(SUPER)
    for version, fc2_idle in (((0, 19, 1), False), ((0, 20, 0), True)):
        parts = {p.name: p for p in stage_parts(spec, range(88), True, True, 8,
                                                LoraSettings(4, 16, False, version))}
        assert parts["fc1_latent_proj"].idle and parts["fc2_latent_proj"].idle is fc2_idle


def test_quantized_experts_are_refused_as_not_read() -> None:
    refused = _plan(NANO, 1, enable_lora=True, target_quant="fp8-tensor")
    assert any("NemotronHForCausalLM's non-gated experts in fp8 (asked" in e
               for e in refused.errors)
    assert refused.lora_bytes_per_gpu == 0
