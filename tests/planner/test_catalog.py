"""The bundled catalog: enough real configs, each parseable, looked up case-insensitively."""

import json
from pathlib import Path

import pytest

from planner.catalog import NEAR_SPELLING_CUTOFF, catalog_entries, catalog_entry, catalog_near
from planner.model.config.parser import parse_model_config
from planner.model.params import count_params
from tests.conftest import CONFIG_DIR

ENTRIES = catalog_entries()


def test_catalog_has_every_reference_config_and_more():
    ids = {e.repo_id for e in ENTRIES}
    refs = {p.stem.replace("__", "/", 1) for p in CONFIG_DIR.glob("*.json")
            if not p.name.endswith(".hf_quant_config.json")}  # fmt: skip
    assert refs <= ids
    assert len(ids) >= 25 and len(ids) == len(ENTRIES)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.repo_id)
def test_every_entry_parses(entry):
    spec = parse_model_config(entry.config, entry.hf_quant_config, name=entry.repo_id)
    assert count_params(spec).total > 0
    assert entry.source


def test_reference_entries_are_verbatim_copies():
    entry = catalog_entry("nvidia/Qwen3-235B-A22B-NVFP4")
    stem = CONFIG_DIR / "nvidia__Qwen3-235B-A22B-NVFP4"
    assert entry.config == json.loads((stem.with_suffix(".json")).read_text())
    assert entry.hf_quant_config == json.loads(
        (CONFIG_DIR / "nvidia__Qwen3-235B-A22B-NVFP4.hf_quant_config.json").read_text()
    )


def test_lookup_is_case_insensitive_and_misses_return_none():
    assert catalog_entry("QWEN/qwen3-8b").repo_id == "Qwen/Qwen3-8B"
    assert catalog_entry("nobody/nothing") is None


def test_seed_gptq_entry():
    entry = catalog_entry("Qwen/Qwen3-235B-A22B-GPTQ-Int4")
    spec = parse_model_config(entry.config)
    assert spec.quant.scheme == "w4a16-gptq-g128"
    assert "reconstructed" in entry.notes and entry.provenance == "reconstructed"
    # the five values a survey of the Hub's config.json files lists (entry.notes cites it)
    assert entry.config["quantization_config"] == {
        "quant_method": "gptq", "bits": 4, "group_size": 128, "sym": True, "desc_act": False}
    # same architecture as Qwen3-235B-A22B: 235,093,634,560 (see test_params.py)
    assert count_params(spec).total == 235_093_634_560


@pytest.mark.parametrize(
    ("repo_id", "total"),
    [
        # vLLM v0.19 H100 logs (calibration): model_loading_took_gib x 2**30 / 2 bytes,
        # e.g. CodeLlama-7b 12.56 GiB -> 6.74e9; Qwen1.5-MoE 26.67 GiB -> 14.32e9;
        # gemma-2-27b-it 50.72 GiB -> 27.23e9; phi-4 27.39 GiB -> 14.70e9.
        ("codellama/CodeLlama-7b-hf", 6.74e9),
        ("Qwen/Qwen1.5-MoE-A2.7B", 14.32e9),
        ("google/gemma-2-27b-it", 27.23e9),
        ("microsoft/phi-4", 14.70e9),
        ("deepseek-ai/DeepSeek-V2-Lite-Chat", 15.80e9),
        # granite-3.3-8b 15.25 GiB -> 8.19e9; granite-vision-3.3-2b 5.54 GiB -> 2.97e9 (the
        # SigLIP tower and projector are an estimate from vision_config)
        ("ibm-granite/granite-3.3-8b-instruct", 8.19e9),
        ("ibm-granite/granite-vision-3.3-2b", 2.97e9),
    ],
)
def test_catalog_configs_match_vllm_loaded_weights(repo_id, total):
    entry = catalog_entry(repo_id)
    assert count_params(parse_model_config(entry.config)).total == pytest.approx(total, rel=0.01)


def _card(repo_id: str, fallback_reason: str | None = None):
    from planner.model.checkpoint import ModelSource
    from planner.model.config.parser import parse_model_config
    from planner.report import model_card

    entry = catalog_entry(repo_id)
    source = ModelSource(repo_id=repo_id, revision=None, commit_sha=None, origin="catalog",
                         config=entry.config, hf_quant_config=entry.hf_quant_config,
                         checkpoint=None, config_provenance=entry.provenance,
                         fallback_reason=fallback_reason)
    spec = parse_model_config(entry.config, entry.hf_quant_config, name=repo_id)
    return spec, model_card(spec, source)


def test_verbatim_copies_replaced_the_reconstructed_configs() -> None:
    """../shared/model-configs sources C-I and tests/fixtures/configs sources K-L: these were
    written from memory before."""
    for repo_id in ("Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.1-8B-Instruct",
                    "meta-llama/Llama-3.1-70B-Instruct", "microsoft/phi-4", "microsoft/phi-2",
                    "google/gemma-2-9b-it", "ibm-granite/granite-3.3-8b-instruct",
                    "deepseek-ai/DeepSeek-V2-Lite-Chat", "mistralai/Mistral-7B-Instruct-v0.3",
                    "mistralai/Mixtral-8x7B-Instruct-v0.1", "ibm-granite/granite-3.1-8b-instruct",
                    "ibm-granite/granite-3.1-2b-instruct", "codellama/CodeLlama-7b-hf"):
        assert catalog_entry(repo_id).provenance == "verbatim", repo_id
    # values the real files have and the reconstructions did not (SOURCES.md notes)
    assert catalog_entry("google/gemma-2-9b-it").config["query_pre_attn_scalar"] == 256
    assert catalog_entry("meta-llama/Llama-3.1-8B-Instruct").config["eos_token_id"] == [
        128001, 128008, 128009]
    # the Hub's Mistral-7B-Instruct-v0.3 file has no head_dim (the reconstruction had 128)
    assert "head_dim" not in catalog_entry("mistralai/Mistral-7B-Instruct-v0.3").config
    # the Hub's commit d8cff08 shows rope_theta 5000000.0 (the reconstruction had 1e7; source L)
    assert catalog_entry("ibm-granite/granite-3.1-2b-instruct").config["rope_theta"] == 5_000_000.0
    assert catalog_entry("meta-llama/Llama-4-Maverick-17B-128E-Instruct").provenance == "subset"


QWEN3_VL_30B = "Qwen/Qwen3-VL-30B-A3B-Instruct"
"""Its catalog entry is the config file plus the keys a printed copy adds (test below)."""

SHARED_CONFIGS = Path(__file__).resolve().parents[3] / "shared" / "model-configs"
"""../shared/model-configs beside the checkout (SOURCES.md), where it is. It holds
Qwen3-14B, Qwen3-4B and the second search's files, but not the Hub-page copies of
tests/fixtures/configs/SOURCES.md sources K and L (Mistral-7B-Instruct-v0.3,
Mixtral-8x7B-Instruct-v0.1, CodeLlama-7b-hf, granite-3.1-2b/8b-instruct)."""


@pytest.mark.parametrize("folder", [CONFIG_DIR, SHARED_CONFIGS], ids=["fixtures", "shared"])
def test_every_verbatim_file_is_in_the_catalog_as_it_is_there(folder: Path) -> None:
    """Each verbatim config file equals its catalog entry's config (and ModelOpt quant
    config), with provenance "subset" only for aiconfigurator's curated Llama 4 copies (SOURCES.md,
    'Caution about source A'; Maverick text-only, Scout without its token ids and no_rope_layers)
    and "verbatim" for every other."""
    if not folder.is_dir():
        pytest.skip(f"{folder} is not here (it sits beside the repository checkout)")
    files = [p for p in folder.glob("*.json") if not p.name.endswith(".hf_quant_config.json")]
    assert len(files) >= 43  # 43 in tests/fixtures/configs, 53 in ../shared
    for path in files:
        entry = catalog_entry(path.stem.replace("__", "/", 1))
        assert entry is not None, path.name
        if entry.repo_id == QWEN3_VL_30B:  # the file plus four keys: test below
            continue
        assert entry.config == json.loads(path.read_text()), path.name
        quant = path.with_name(f"{path.stem}.hf_quant_config.json")
        assert entry.hf_quant_config == (json.loads(quant.read_text()) if quant.exists()
                                         else None), path.name
        subset = entry.repo_id in ("meta-llama/Llama-4-Maverick-17B-128E-Instruct",
                                   "meta-llama/Llama-4-Scout-17B-16E-Instruct")
        assert entry.provenance == ("subset" if subset else "verbatim"), path.name


@pytest.mark.parametrize(
    ("repo_id", "total", "kv_bytes", "context"),
    [
        # Qwen3-14B (SOURCES.md source D): hidden 5120, 40 layers, 40 heads / 8 KV heads of
        # 128, MLP 17408, vocab 151936, untied. Per layer: q 5120 x 5120 + k, v 5120 x 1024
        # each + o 5120 x 5120 = 62,914,560; q/k norms 2 x 128; MLP 3 x 5120 x 17408 =
        # 267,386,880; 2 norms of 5120 -> 330,311,936. x 40 = 13,212,477,440; final norm 5,120;
        # embed and lm_head 151936 x 5120 = 777,912,320 each -> 14,768,307,200 (the model
        # card: 14.8B, 13.2B non-embedding). KV: 2 x 40 x 8 x 128 x 2 B = 163,840.
        ("Qwen/Qwen3-14B", 14_768_307_200, 163_840, 40_960),
        # Qwen3-4B: hidden 2560, 36 layers, 32 heads / 8 KV heads of 128, MLP 9728, tied.
        # Per layer: q 2560 x 4096 + k, v 2560 x 1024 each + o 4096 x 2560 = 26,214,400;
        # q/k norms 256; MLP 3 x 2560 x 9728 = 74,711,040; norms 5,120 -> 100,930,816.
        # x 36 = 3,633,509,376; final norm 2,560; embed (tied) 151936 x 2560 = 388,956,160
        # -> 4,022,468,096 (the model card: 4.0B, 3.6B non-embedding).
        # KV: 2 x 36 x 8 x 128 x 2 B = 147,456.
        ("Qwen/Qwen3-4B", 4_022_468_096, 147_456, 40_960),
        # Mistral-7B-Instruct-v0.3 (tests/fixtures/configs/SOURCES.md source K): hidden 4096,
        # 32 layers, 32 heads / 8 KV heads, no head_dim key (4096 / 32 = 128), MLP 14336, vocab
        # 32768, untied. Per layer: q, o 4096 x 4096 each + k, v 4096 x 1024 each = 41,943,040;
        # MLP 3 x 4096 x 14336 = 176,160,768; 2 norms 8,192 -> 218,112,000. x 32 =
        # 6,979,584,000; embed and lm_head 32768 x 4096 = 134,217,728 each; final norm 4,096
        # -> 7,248,023,552 (the model card: 7.25B). KV: 2 x 32 x 8 x 128 x 2 B = 131,072.
        ("mistralai/Mistral-7B-Instruct-v0.3", 7_248_023_552, 131_072, 32_768),
        # Mixtral-8x7B-Instruct-v0.1 (source K): the same attention; 8 experts of
        # 3 x 4096 x 14336 = 1,409,286,144 + router 4096 x 8 = 32,768 + norms 8,192 ->
        # 1,451,270,144 per layer. x 32 = 46,440,644,608; embed and lm_head 32000 x 4096 =
        # 131,072,000 each; final norm 4,096 -> 46,702,792,704 (model card: 46.7B).
        ("mistralai/Mixtral-8x7B-Instruct-v0.1", 46_702_792_704, 131_072, 32_768),
        # granite-3.1-8b-instruct (source L): hidden 4096, 40 layers, 32 heads / 8 KV heads of
        # 4096 / 32 = 128, MLP 12800, vocab 49155, tied. Per layer: q, o 4096 x 4096 each + k, v
        # 4096 x 1024 each = 41,943,040; MLP 3 x 4096 x 12800 = 157,286,400; 2 norms 8,192 ->
        # 199,237,632. x 40 = 7,969,505,280; final norm 4,096; embed (tied) 49155 x 4096 =
        # 201,338,880 -> 8,170,848,256. KV: 2 x 40 x 8 x 128 x 2 B = 163,840.
        ("ibm-granite/granite-3.1-8b-instruct", 8_170_848_256, 163_840, 131_072),
        # granite-3.1-2b-instruct (source L): hidden 2048, 40 layers, 32 heads / 8 KV heads of
        # 2048 / 32 = 64, MLP 8192, vocab 49155, tied. Per layer: q, o 2048 x 2048 each + k, v
        # 2048 x 512 each = 10,485,760; MLP 3 x 2048 x 8192 = 50,331,648; 2 norms 4,096 ->
        # 60,821,504. x 40 = 2,432,860,160; final norm 2,048; embed (tied) 49155 x 2048 =
        # 100,669,440 -> 2,533,531,648. KV: 2 x 40 x 8 x 64 x 2 B = 81,920.
        ("ibm-granite/granite-3.1-2b-instruct", 2_533_531_648, 81_920, 131_072),
        # CodeLlama-7b-hf (source K): hidden 4096, 32 layers, 32 heads = 32 KV heads of 128, MLP
        # 11008, vocab 32016, untied. Per layer: 4 x 4096 x 4096 = 67,108,864; MLP 3 x 4096 x
        # 11008 = 135,266,304; 2 norms 8,192 -> 202,383,360. x 32 = 6,476,267,520; final norm
        # 4,096; embed and lm_head 32016 x 4096 = 131,137,536 each -> 6,738,546,688 (vLLM's
        # 12.56 GiB load above: 6.74e9). KV: 2 x 32 x 32 x 128 x 2 B = 524,288.
        ("codellama/CodeLlama-7b-hf", 6_738_546_688, 524_288, 16_384),
    ],
)
def test_verbatim_figures(repo_id, total, kv_bytes, context) -> None:
    from planner.model.attention import kv_bytes_per_token

    entry = catalog_entry(repo_id)
    assert entry.provenance == "verbatim"
    spec = parse_model_config(entry.config, name=repo_id)
    assert count_params(spec).total == total
    assert kv_bytes_per_token(spec, 2) == kv_bytes
    assert spec.max_position_embeddings == context


def test_every_figure_of_a_reconstructed_config_says_so() -> None:
    _, card = _card("google/gemma-3-27b-it")
    assert card.source == "catalog: google/gemma-3-27b-it (reconstructed, unverified)"
    # answering for a failed hub fetch (probes.hub), the card says why the hub's is not used
    _, card = _card("google/gemma-3-27b-it", "the hub is unreachable")
    assert card.source == ("catalog: google/gemma-3-27b-it (reconstructed, unverified; the hub "
                           "is unreachable)")
    read = [f for f in card.fields if "config.json" in f.source]
    assert read and all("config.json (reconstructed, unverified): " in f.source for f in read)
    _, card = _card("Qwen/Qwen3-8B")  # a verbatim copy carries no label
    assert "unverified" not in card.source
    assert all("unverified" not in f.source for f in card.fields)
    _, card = _card("meta-llama/Llama-4-Maverick-17B-128E-Instruct")
    assert "subset of the Hub config, some fields absent" in card.source


def test_gemma3_ceiling_is_the_class_default_131072() -> None:
    """The real gemma-3 configs have no max_position_embeddings: transformers'
    Gemma3TextConfig default 131,072 applies, and vLLM does not multiply it by the linear
    rope factor 8 for gemma3 (vllm/config/model.py); it was 1,048,576."""
    from planner.serving.engine import derived_max_model_len

    spec, card = _card("google/gemma-3-27b-it")
    assert spec.max_position_embeddings == 131_072 and card.max_context_tokens == 131_072
    assert derived_max_model_len(spec) == 131_072
    source = {f.field: f.source for f in card.fields}["max context"]
    assert "Gemma3TextConfig class default" in source


def test_catalog_spec_names_the_entry_as_spelled_and_refuses_an_unknown_id() -> None:
    from planner.catalog import catalog_spec

    # Qwen3-8B's config.json: 36 layers, 8 KV heads; looked up case-insensitively
    spec = catalog_spec("qwen/qwen3-8b")
    assert (spec.name, spec.num_layers) == ("Qwen/Qwen3-8B", 36)
    with pytest.raises(KeyError):
        catalog_spec("nobody/no-such-model")


def test_qwen35_397b_is_the_aiconfigurator_subset_at_397b_total_17b_active() -> None:
    """Qwen3.5-397B-A17B as ai-dynamo/aiconfigurator stores it (commit 87fe4b0c): hidden 4096,
    60 layers (every 4th full attention: 15 full, 45 Gated DeltaNet), vocab 248320 untied,
    512 experts of 1024 (top 10) + a shared expert of 1024 with its 4096 gate; router 512 x 4096.
      full attention: q (gated) 4096 x 32 x 256 x 2 = 67,108,864 + k, v 4096 x 2 x 256 each
        = 4,194,304 + o 8192 x 4096 = 33,554,432 + q/k norms 512 -> 104,858,112.
      DeltaNet (16 key heads, 64 value heads, both 128 wide): in_proj_qkvz 4096 x (2 x 2048 +
        2 x 8192) = 83,886,080 + in_proj_ba 4096 x 128 = 524,288 + conv (2 x 2048 + 8192) x 4
        = 49,152 + dt_bias, A_log 64 each + gated norm 128 + out 8192 x 4096 = 33,554,432
        -> 118,014,208.
      MoE + norms: experts 512 x 3 x 4096 x 1024 = 6,442,450,944 + shared 12,582,912 + 4,096
        + router 2,097,152 + 2 norms 8,192 = 6,457,143,296.
      layers 45 x 6,575,157,504 + 15 x 6,562,001,408 = 394,312,108,800; embed and lm_head
        248320 x 4096 = 1,017,118,720 each; final norm 4,096 -> text 396,346,350,336.
      vision: the 35B-A3B's 446,571,248 (transformers' meta count, param_counts.json) with the
        merger's last linear 4608 -> 4096 in place of 4608 -> 2048: + 4608 x 2048 + 2048
        = 456,010,480 -> total 396,802,360,816 (the model card: 397B).
      active: 10 of 512 experts = 125,829,120 per layer; 45 x 258,535,680 + 15 x 245,379,584
        = 15,314,799,360 + 2,034,241,536 (embed, lm_head, final norm) = 17,349,040,896 (card: 17B).
    The MTP layer is apart (vLLM does not load it by default)."""
    entry = catalog_entry("Qwen/Qwen3.5-397B-A17B")
    assert entry.provenance == "subset"
    assert "87fe4b0c7ef0004cbd45263de0be8aa89be5ebad" in entry.source
    assert "rope_parameters" in entry.notes and "mamba_ssm_dtype" in entry.notes
    params = count_params(parse_model_config(entry.config, name=entry.repo_id))
    assert params.text_total == 396_346_350_336
    assert params.vision == 456_010_480
    assert params.total == 396_802_360_816
    assert params.active == 17_349_040_896


def test_qwen25_32b_instruct_is_the_tt_metal_text_at_the_hub_s_663_bytes() -> None:
    """tests/fixtures/configs/SOURCES.md, 'Ninth search': the Hub's tree pages list
    Qwen/Qwen2.5-32B-Instruct's config.json at 663 B; tt-metal's copy (f1b24415) is 664 B with
    max_position_embeddings 131072, and 32768 (every re-saved copy's value) in its place gives
    663 B in the Hub's layout (2-space indent, sorted keys, trailing newline).
    Hand count: hidden 5120, 64 layers, 40 heads / 8 KV heads of 128, MLP 27648, vocab 152064,
    untied, q/k/v biases. Per layer: q 5120 x 5120 + 5120 = 26,219,520; k, v 5120 x 1024 + 1024
    each = 10,487,808; o 5120 x 5120 = 26,214,400; MLP 3 x 5120 x 27648 = 424,673,280; 2 norms
    10,240 -> 487,605,248. x 64 = 31,206,735,872; embed and lm_head 152064 x 5120 = 778,567,680
    each; final norm 5,120 -> 32,763,876,352 (model card 32.5B). KV: 2 x 64 x 8 x 128 x 2 B."""
    from planner.model.attention import kv_bytes_per_token

    entry = catalog_entry("Qwen/Qwen2.5-32B-Instruct")
    assert entry.provenance == "reconstructed" and "f1b24415" in entry.source
    assert len((json.dumps(entry.config, indent=2) + "\n").encode()) == 663
    assert list(entry.config) == sorted(entry.config)
    spec = parse_model_config(entry.config, name=entry.repo_id)
    assert count_params(spec).total == 32_763_876_352
    assert kv_bytes_per_token(spec, 2) == 262_144
    assert spec.max_position_embeddings == 32_768


def test_a_mistyped_repo_id_is_offered_the_bundled_ids_near_it() -> None:
    # difflib's ratio is 2 x matched / both lengths, worked here lowercased:
    # 'meta-llama/llama-3.1-8b-instuct' (31) against '...-instruct' (32): 31 matched, 62 / 63
    # = 0.984; against 'meta-llama/llama-3.1-70b-instruct' (33): 30 matched, 60 / 64 = 0.9375;
    # both above 0.9, the nearer first
    assert NEAR_SPELLING_CUTOFF == 0.9
    assert catalog_near("meta-llama/Llama-3.1-8B-Instuct") == [
        "meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-70B-Instruct"]
    # 'openai/gpt-oss-120' (18) is the start of 'openai/gpt-oss-120b' (19): 36 / 37 = 0.973;
    # '...-20b' (18): 17 matched, 34 / 36 = 0.944
    assert catalog_near("openai/gpt-oss-120") == ["openai/gpt-oss-120b", "openai/gpt-oss-20b"]
    # an id a catalog id starts with comes first, whatever its ratio
    assert catalog_near("google/gemma-3-27b")[0] == "google/gemma-3-27b-it"
    # a bare name: the owner's namesake alone, compared with the ids' names
    assert catalog_near("qwen3-8b") == ["Qwen/Qwen3-8B"]
    assert catalog_near("gpt-oss-120")[0] == "openai/gpt-oss-120b"
    # nothing near, and nothing for an id the catalog has (any case)
    assert catalog_near("Qwen3-Nonexistent") == [] == catalog_near("acme/x")
    assert catalog_near("qwen/QWEN3-8B") == []



def test_qwen3_vl_30b_is_the_inspection_report_s_config_json() -> None:
    """A public model-inspection report of a local download prints the raw config.json
    (tests/fixtures/configs/SOURCES.md, 'Tenth search'): aiconfigurator's copy (tests/fixtures/
    configs) plus text_config.rope_scaling (also in swedishembedded/brain's transcription of the
    Hub file, crates/qwen3vlmoe/src/config.rs @fb3ab37b), transformers_version and the vision
    start/end token ids. No repository or commit can be cited for the report: still
    reconstructed."""
    entry = catalog_entry(QWEN3_VL_30B)
    file = json.loads((CONFIG_DIR / "Qwen__Qwen3-VL-30B-A3B-Instruct.json").read_text())
    block = {"mrope_interleaved": True, "mrope_section": [24, 20, 20], "rope_type": "default"}
    assert entry.config == {**file, "text_config": {**file["text_config"], "rope_scaling": block},
                            "transformers_version": "4.57.0.dev0",
                            "vision_start_token_id": 151652, "vision_end_token_id": 151653}
    assert entry.provenance == "reconstructed"
    assert "model-inspection report" in entry.source and "fb3ab37b" in entry.source
    spec = parse_model_config(entry.config)
    # mrope_section in the text config's rope block: vLLM's get_rope builds an M-RoPE
    assert spec.mrope and spec.max_position_embeddings == 262_144
    # The report's shard scan: 882 tensors, 31,070,754,032 parameters. By hand, a layer:
    # q 2048 x 4096 + k, v 2048 x 512 each + o 4096 x 2048 = 18,874,368, q/k norms 2 x 128;
    # 128 experts x 3 x 2048 x 768 = 603,979,776; router 128 x 2048 = 262,144; norms 2 x 2048
    # -> 623,120,640; x 48 = 29,909,790,720; embed and lm_head 151,936 x 2048 = 311,164,928
    # each, final norm 2,048 -> 30,532,122,624 text; vision tower 538,631,408 (transformers'
    # meta-device count, tests/fixtures/param_counts.json) -> 31,070,754,032.
    assert count_params(spec).total == 31_070_754_032
