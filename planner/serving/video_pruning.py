"""vLLM's --video-pruning-rate and --video-pruning-method (Efficient Video Sampling): the
releases and models that take them, and what they move in a plan.

vLLM's parser takes --video-pruning-rate from the 0.11.0 wheel and --video-pruning-method from
0.27.0 (planner/serving/vllm_cli). It stores them in the MultiModalConfig it builds only for a
model class that supports multimodal inputs (config/model.py __post_init__, 0.11.0-0.34.0), so
a text model takes them without a word. Pruning is on where the rate is above 0
(config/multimodal.py is_multimodal_pruning_enabled / get_video_pruning_spec); a class that
implements it (PRUNING_TYPES) then drops that fraction of each video's tokens after its encoder
(embed_multimodal: evs.py compute_retention_mask), and any other class starts as without it.

What it moves that Headroom plans: the rotary cos/sin cache of Qwen3-VL and Qwen3.5 from
vLLM 0.32.0, 4 rows per position with pruning on (vllm_versions.mrope_cache_factor,
MROPE_POSITIONS_FACTOR_FROM: every other M-RoPE model has 4 at every release, pruning or
not), and the encoder profile's outputs of those classes, 4 or 5 channels wider and copied
once to widen them (position_channels, engine.encoder.encoder_profile). Read and not moved:
the tokens per video item the profile and the encoder cache budget are sized on (qwen3_vl.py
get_max_video_tokens and qwen2_vl.py get_mm_max_tokens_per_item, get_dummy_mm_data,
0.17.0-0.34.0, read no pruning), so the dummy items and the encoder budget stay; the dummy
2-frame video is one temporal frame, whose tokens EVS keeps whole (evs.py
compute_retained_tokens_count: at least one frame's); the encoder's CUDA graphs, which pruning
turns off (qwen3_vl.py get_encoder_cudagraph_config), are off by default (config/compilation.py
cudagraph_mm_encoder False, 0.34.0) and not planned.
"""

from planner.model.spec import ModelSpec
from planner.serving.engine import EngineSettings
from planner.serving.vllm_versions import Version, version_label
from planner.units import number_as_given

VIDEO_PRUNING_METHODS = ("evs", "vidcom2")
"""config/multimodal.py VideoPruningMethod = Literal["evs", "vidcom2"] (default "evs"), the
parser's choices for --video-pruning-method in every wheel that has it (0.27.0-0.34.0)."""

PRUNING_TYPES: dict[str, Version] = {
    "qwen2_5_vl": (0, 11, 0), "qwen3_vl": (0, 13, 0), "qwen3_vl_moe": (0, 13, 0),
    "qwen3_5": (0, 27, 0), "qwen3_5_moe": (0, 27, 0),
}  # fmt: skip
"""NOTE: the model types, among those whose tower Headroom counts, whose vLLM class prunes video
from the release given (it reads video_pruning_rate / is_multimodal_pruning_enabled;
SupportsMultiModalPruning from 0.27.0): qwen2_5_vl.py from the 0.11.0 wheel, qwen3_vl.py and
qwen3_vl_moe.py from 0.13.0 (not in 0.12.0), qwen3_5.py from 0.27.0 (Qwen3VLMoe- and
Qwen3_5(Moe)ForConditionalGeneration subclass Qwen3VLForConditionalGeneration; the 0.17.0-0.26.0
wheels' Qwen3_5ForConditionalGeneration sets `supports_multimodal_pruning = False` and
`is_multimodal_pruning_enabled = False`, whatever the rate); every wheel 0.11.0-0.34.0 read.
Other classes that prune (nano_nemotron_vl.py, opencua.py, exaone4_5.py, interns1_pro.py,
interns2_mobius.py, cohere_compass.py) are not planned with it."""

VIDCOM2_TYPES = frozenset(("qwen3_vl", "qwen3_vl_moe", "qwen3_5", "qwen3_5_moe"))
"""NOTE: the PRUNING_TYPES whose class takes --video-pruning-method vidcom2: qwen3_vl.py
Qwen3VLForConditionalGeneration `supported_video_pruning_methods = ("evs", "vidcom2")`
(0.27.0-0.34.0); every other pruning class keeps interfaces.py SupportsMultiModalPruning's
("evs",), and config/model.py __post_init__ raises "Video pruning method 'vidcom2' is not
supported by ..." for a method a pruning class lacks (a class that prunes nothing, with no
methods, is not checked)."""


UNPRUNED_PROCESSOR_TYPES = frozenset(("qwen3_5", "qwen3_5_moe"))
"""NOTE: the PRUNING_TYPES whose class, before it prunes (PRUNING_TYPES' release), still gets
its video placeholders cut to the pruned count: qwen3_5.py registers Qwen3VLMultiModalProcessor
(0.17.0, 0.20.0, 0.24.0 and 0.26.0 wheels read), whose get_video_replacement_qwen3vl tests only
`video_pruning_rate > 0.0` and writes compute_retained_tokens_count placeholders (from_seq:
every placeholder position an embedding), while Qwen3_5ForConditionalGeneration sets
`is_multimodal_pruning_enabled = False` and `supports_multimodal_pruning = False`: the encoder's
unpruned rows are laid into the shorter placeholder from its start
(gpu_model_runner._gather_mm_embeddings, Model Runner V2's gpu/mm/encoder_runner.py alike:
encoder_output[start_idx:end_idx]), over the timestamp
text, with no M-RoPE recompute, and where they fall short utils.py
_merge_multimodal_embeddings raises "Attempted to assign ... multimodal tokens to ...
placeholders". vLLM starts and says nothing."""

FIVE_POSITION_CHANNELS_FROM: Version = (0, 17, 0)
"""NOTE: with pruning on, qwen3_vl.py embed_multimodal passes each image's encoder output
through _postprocess_image_embeds_evs, `torch.cat([emb, positions], dim=1)`: the item's M-RoPE
positions (compute_mrope_for_media) appended as 4 channels in the 0.13.0-0.16.0 wheels, with a
"Dummy extra fifth channel" of zeros from 0.17.0 (to 0.34.0, every wheel read); the video's
outputs likewise (_postprocess_video_embeds_evs). Qwen3.5's classes inherit it (qwen3_5.py has
no embed_multimodal of its own), where they prune (PRUNING_TYPES: from 0.27.0)."""


def position_channels(spec: ModelSpec, s: EngineSettings, version: Version) -> int:
    """The channels video pruning appends to each encoder output row of a Qwen3-VL-family
    model (FIVE_POSITION_CHANNELS_FROM), the one tower Headroom profiles that prunes; 0 where
    pruning is not taken (pruning_taken) or on another model."""
    if spec.model_type not in VIDCOM2_TYPES or not pruning_taken(spec, s, version):
        return 0
    return 5 if version >= FIVE_POSITION_CHANNELS_FROM else 4


def video_pruned(spec: ModelSpec, s: EngineSettings) -> bool:
    """Whether vLLM's MultiModalConfig for this model has pruning on: a rate above 0 on a model
    with a tower (a text model has no MultiModalConfig); --language-model-only keeps it, as
    vLLM still builds the config (qwen3_vl.py mrope_positions_factor reads it there too)."""
    return spec.vision is not None and (s.video_pruning_rate or 0) > 0


def pruning_flags(s: EngineSettings) -> list[str]:
    """--video-pruning-rate and --video-pruning-method as given: the launch command's (the rate
    as number_as_given writes it, the float vLLM's parser reads back)."""
    flags = [] if s.video_pruning_rate is None else [
        f"--video-pruning-rate {number_as_given(s.video_pruning_rate)}"]
    return flags + ([] if s.video_pruning_method is None else [
        f"--video-pruning-method {s.video_pruning_method}"])


def pruning_refusal(spec: ModelSpec, s: EngineSettings) -> str | None:
    """Why vLLM stops at start-up on this model's pruning method (VIDCOM2_TYPES), else None."""
    if (s.video_pruning_method != "vidcom2" or not video_pruned(spec, s)
            or spec.model_type not in PRUNING_TYPES or spec.model_type in VIDCOM2_TYPES):
        return None
    return (f"--video-pruning-method vidcom2: vLLM's {spec.model_type} class prunes video with "
            "evs only and stops at start-up (config/model.py: \"Video pruning method 'vidcom2' "
            "is not supported\"): give evs, or leave the method out")


def pruning_notes(spec: ModelSpec, s: EngineSettings, version: Version,
                  video_profiled: bool = False) -> tuple[str, ...]:
    """The plan's note where the pruning flags do nothing: a text model, a rate of 0 (or a
    method alone), or a class this release does not prune video in (PRUNING_TYPES; one whose
    processor prunes all the same, UNPRUNED_PROCESSOR_TYPES, is warned of); or where
    the encoder profile runs on the dummy video (`video_profiled`: mm_modes.
    profiled_video_patches), whose pruning copies are not counted (position_channels)."""
    given = " ".join(pruning_flags(s))
    if not given:
        return ()
    if video_profiled and position_channels(spec, s, version) and not s.skip_mm_profiling:
        return (f"{given}: vLLM profiles the encoder on the dummy video here, and its pruning "
                "post-process (qwen3_vl.py _postprocess_video_embeds_evs: the retained rows, "
                "the deepstack split, the timestamp text merged in) copies each item's "
                "outputs in ways Headroom does not count: the encoder's profile peak may be "
                "above the plan's",)
    if spec.vision is None:
        return (f"{given}: {spec.model_type} has no vision tower that Headroom counts (vLLM "
                "builds no MultiModalConfig for a text model and ignores the flag), so the "
                "plan is as without it",)
    if not video_pruned(spec, s):
        return (f"{given}: pruning is off at a rate of 0 or none (vLLM prunes above 0: "
                "config/multimodal.py is_multimodal_pruning_enabled), so the plan is as "
                "without it",)
    if pruning_taken(spec, s, version):
        return ()
    since = PRUNING_TYPES.get(spec.model_type)
    if since is not None and spec.model_type in UNPRUNED_PROCESSOR_TYPES:
        return (f"{given}: vLLM {version_label(version)} starts with it, but its "
                f"{spec.model_type} class prunes no video (from {version_label(since)} it "
                "does) while the Qwen3-VL processor it uses still cuts each video's "
                "placeholders to the pruned count (qwen3_vl.py get_video_replacement_qwen3vl): "
                "the unpruned video rows fill the shorter prompt from its start, so video "
                "answers are wrong, or the request fails where they fall short; leave the "
                f"flag out before {version_label(since)}. The memory plan is as without it",)
    if since is not None:
        return (f"{given}: vLLM {version_label(version)}'s {spec.model_type} class prunes no "
                f"video (it reads the rate from {version_label(since)}) and starts as without "
                "the flag, so the plan is as without it",)
    return (f"{given}: Headroom reads video pruning in Qwen2.5-VL's, Qwen3-VL's and Qwen3.5's "
            f"classes only (video_pruning.PRUNING_TYPES), so {spec.model_type} is planned as "
            "without it",)


def pruning_taken(spec: ModelSpec, s: EngineSettings, version: Version) -> bool:
    """Whether this release's class for the model prunes video as asked (video_pruned, and
    PRUNING_TYPES from its release)."""
    since = PRUNING_TYPES.get(spec.model_type)
    return video_pruned(spec, s) and since is not None and version >= since
