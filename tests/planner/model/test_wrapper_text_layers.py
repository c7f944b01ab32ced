"""A multimodal wrapper that is no known architecture itself (PaliGemma, LLaVA) builds its text
model as vLLM's model for text_config's type (wrapper.layer_type). Expected figures are worked
by hand from the real configs in ../shared/model-configs (google__gemma-2-9b-it.json,
Qwen__Qwen2.5-7B-Instruct.json; the catalog holds the same files), each nested as the
wrapper's text_config the way PaliGemmaConfig / LlavaConfig hold it."""

from planner.catalog import catalog_entry
from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from planner.serving.engine import EngineSettings
from planner.serving.hardware import preset_cluster
from planner.serving.layout import ParallelLayout
from planner.serving.plan import PlanRequest, plan


def _text(name: str) -> dict:
    return {k: v for k, v in catalog_entry(name).config.items() if k != "architectures"}


def _plan(config: dict, version: str = "0.33.0"):
    return plan(PlanRequest(model=parse_model_config(config),
                            cluster=preset_cluster("h100-sxm", 1),
                            engine=EngineSettings(vllm_version=version)))


def test_paligemma_with_a_gemma_2_text_model_has_gemma_2_layers():
    # paligemma.py (0.16.0-0.33.0 wheels) builds Gemma2ForCausalLM from a gemma2 text_config.
    # gemma2.py slides layer i where layer_types[i] == "sliding_attention", which Gemma2Config
    # writes for even i: gemma-2-9b-it's 42 layers are 21 sliding (0, 2, ..., 40) and 21 full;
    # each layer has four GemmaRMSNorms. It was planned with every layer sliding and two norms.
    wrapper = {"model_type": "paligemma", "architectures": ["PaliGemmaForConditionalGeneration"],
               "text_config": _text("google/gemma-2-9b-it")}
    spec = parse_model_config(wrapper)
    assert [layer.mixer.kind for layer in spec.layers] == ["sliding", "full"] * 21
    assert {layer.num_norms for layer in spec.layers} == {4}
    # Parameters (tied, no vision_config): embeddings 256,000 x 3,584 = 917,504,000; a layer
    # has q 3,584 x 4,096 + k, v 2 x 3,584 x 2,048 + o 4,096 x 3,584 = 44,040,192, MLP
    # 3 x 3,584 x 14,336 = 154,140,672 and norms 4 x 3,584 = 14,336: 198,195,200 x 42 =
    # 8,324,198,400; + final norm 3,584 = 9,241,705,984 (two norms a layer: 301,056 fewer)
    assert count_params(spec).total == 9_241_705_984
    # the same plan as the text model's own config.json: sliding layers hold only their
    # window, so the concurrency the pool allows is Gemma 2's, not an all-sliding model's
    wrapped, plain = _plan(wrapper), _plan(catalog_entry("google/gemma-2-9b-it").config)
    assert wrapped.weights_bytes_total == plain.weights_bytes_total
    assert wrapped.max_concurrency == plain.max_concurrency


def test_llava_with_a_qwen2_text_model_has_qkv_biases():
    # llava.py builds its text model from text_config (init_vllm_registered_model(hf_config=
    # config.text_config)): Qwen2ForCausalLM, whose q/k/v projections carry biases.
    # Qwen2.5-7B-Instruct: per layer q 3,584 x 3,584 + 3,584, k and v 2 x (3,584 x 512 + 512),
    # o 3,584 x 3,584, MLP 3 x 3,584 x 18,944 = 203,685,888, norms 2 x 3,584: 233,057,792;
    # x 28 = 6,525,618,176; untied embeddings + lm_head 2 x 152,064 x 3,584 = 1,089,994,752;
    # final norm 3,584: 7,615,616,512 (without the biases 28 x 4,608 = 129,024 fewer)
    text = _text("Qwen/Qwen2.5-7B-Instruct")
    spec = parse_model_config({"model_type": "llava", "text_config": text,
                               "architectures": ["LlavaForConditionalGeneration"]})
    assert all(layer.mixer.qkv_bias for layer in spec.layers)
    assert count_params(spec).total == 7_615_616_512


def _per_stage_weights(config: dict, pp: int) -> list[int]:
    # vLLM 0.32.0: 0.33.0 on Model Runner V2 builds the towers on the first stage only
    p = plan(PlanRequest(model=parse_model_config(config), cluster=preset_cluster("h100-sxm", pp),
                         layout=ParallelLayout(tp=1, pp=pp),
                         engine=EngineSettings(vllm_version="0.32.0")))
    return [rank.weights_bytes for rank in p.per_gpu]


def test_paligemma_holds_gemma_2s_embeddings_norm_and_vision_tower_on_every_stage():
    # gemma2.py Gemma2Model builds embed_tokens and the final norm with no PP guard, and
    # paligemma.py its SiglipVisionModel + projector (0.9.1, 0.10.1, 0.19.0, 0.32.0 wheels):
    # every stage holds them. gemma-2-9b-it at PP 3, bf16: 14 layers x 198,195,200 x 2 B =
    # 5,549,465,600, embeddings 256,000 x 3,584 x 2 B = 1,835,008,000 (the last stage's are its
    # tied lm_head), final norm 3,584 x 2 B = 7,168, rope cos/sin cache 8,192 x 256 x 2 B =
    # 4,194,304: 7,388,675,072 B on each stage. The middle stage held 1,835,015,168 B less.
    wrapper = {"model_type": "paligemma", "architectures": ["PaliGemmaForConditionalGeneration"],
               "text_config": _text("google/gemma-2-9b-it")}
    assert _per_stage_weights(wrapper, 3) == [7_388_675_072] * 3
    # with a SigLIP vision_config (gemma-3-12b-it's bundled one) every stage holds the tower
    vision = {**wrapper, "vision_config": catalog_entry("google/gemma-3-12b-it").config[
        "vision_config"]}
    tower = [a - b for a, b in zip(_per_stage_weights(vision, 3), [7_388_675_072] * 3,
                                   strict=True)]
    assert tower[0] > 0 and tower == [tower[0]] * 3
