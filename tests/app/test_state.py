"""The URL codec: a link reproduces the state; bad parameters are ignored, one by one."""

from tests.app.conftest import launch_command, metric, open_link, open_page
from ui.state import AppState, decode, distinct_models, encode


def test_round_trip_keeps_every_field() -> None:
    state = AppState(
        gpu="h100-sxm", gpus_per_node=4, nodes=2, tp=4, pp=2, ep=True, kv_cache_dtype="fp8",
        gpu_memory_utilization=0.85, max_model_len=40960, compare=("a/b", "c/d"),
    )
    params = encode(state)
    assert params["ep"] == "1" and params["cmp"] == "a/b,c/d" and params["len"] == "40960"
    assert "seqs" not in params  # unset optional numbers stay out of the URL
    decoded, messages = decode(params, AppState())
    assert decoded == state and messages == []


def test_bad_parameters_are_ignored_with_a_message_and_good_ones_kept() -> None:
    # rtx-3099: rtx-3090 with its last digit mistyped (hardware.near_gpu_keys)
    decoded, messages = decode({"tp": "0", "gpu": "rtx-3099", "seqs": "64", "gmu": "1.5"},
                               AppState())
    assert (decoded.tp, decoded.gpu, decoded.max_num_seqs, decoded.gpu_memory_utilization) == (
        None, "rtx-3090", 64, None)  # None: the hardware's layout, the release's utilization
    assert len(messages) == 3
    assert any("tp='0'" in m for m in messages)
    assert any("rtx-3099" in m and "rtx-3090" in m for m in messages)  # names the close match


def test_a_bad_link_opens_the_app_with_a_sidebar_warning() -> None:
    at = open_page(None, gpu="no-such-gpu", gpn="4")
    assert not at.exception
    assert any("gpu='no-such-gpu' ignored" in w.value for w in at.sidebar.warning)
    assert at.query_params["gpu"] == "rtx-3090" and at.query_params["gpn"] == "4"


def test_link_names_as_people_type_them_become_exact_keys() -> None:
    decoded, messages = decode({"gpu": "NVIDIA GeForce RTX 3090", "quant": "w4a16"}, AppState())
    assert messages == []
    assert (decoded.gpu, decoded.quant) == ("rtx-3090", "w4a16-gptq-g128")
    _, messages = decode({"quant": "int3"}, AppState())
    assert len(messages) == 1 and "int3" in messages[0]


def test_a_link_below_the_utilization_slider_is_refused_not_a_crash() -> None:
    # gmu=1e-9 passed the state's (0, 1] and crashed the Plan page's 0.05..1 slider with
    # StreamlitValueBelowMinError
    state, messages = decode({"gmu": "1e-9"}, AppState())
    assert state.gpu_memory_utilization is None  # unset: vLLM's default for the release
    assert messages == ["Link parameter gmu='1e-9' ignored: the value must be greater than or "
                        "equal to 0.05."]
    at = open_page(None, gmu="0.01")
    assert not at.exception
    assert any("gmu='0.01' ignored" in w.value for w in at.sidebar.warning)


def test_nan_and_infinite_link_numbers_are_named_as_such() -> None:
    # nan was "Input should be less than or equal to 1" (NaN fails every comparison)
    _, messages = decode({"gmu": "nan", "gmem": "inf", "tpot": "-inf"}, AppState())
    assert messages == [f"Link parameter {key}={raw!r} ignored: the value must be a finite number."
                        for key, raw in (("gmu", "nan"), ("gmem", "inf"), ("tpot", "-inf"))]


def test_a_link_release_round_trips_and_a_bad_one_is_refused_one_by_one() -> None:
    decoded, messages = decode(encode(AppState(vllm_version="0.10.2")), AppState())
    assert messages == [] and decoded.vllm_version == "0.10.2"
    decoded, messages = decode({"vllm": "0.9.0", "tp": "4"}, AppState())
    assert (decoded.vllm_version, decoded.tp) == ("0.34.0", 4)  # the good tp is kept
    assert len(messages) == 1 and messages[0].startswith(
        "Link parameter vllm='0.9.0' ignored: vLLM 0.9.0 is not covered")


def test_a_link_release_after_the_newest_is_refused_in_the_apps_words() -> None:
    # the planner says what is covered (0.34.x is the newest release read) and which release
    # stands in; the app says where to pick it, not the CLI's flag
    decoded, messages = decode({"vllm": "0.40"}, AppState())
    assert decoded.vllm_version == "0.34.0"
    assert messages == ["Link parameter vllm='0.40' ignored: vLLM 0.40 is not covered: the "
                        "newest release Headroom was checked against is 0.34.x; pick 0.34.0 "
                        "in the sidebar to plan with its rules."]
    _, messages = decode({"vllm": "0.8.0"}, AppState())
    assert "--vllm-version" not in messages[0] and "sidebar" not in messages[0]


def test_a_link_layout_without_tp_is_named_not_silently_dropped() -> None:
    # ?pp=2 (the CLI's --pp 2 alone) opened on the hardware's TP=8 with PP=1 shown and pp=2
    # kept in the address bar, without a word: the Plan page pins tp, pp and dp together
    decoded, messages = decode({"pp": "2", "dp": "2"}, AppState())
    assert (decoded.tp, decoded.pp, decoded.dp) == (None, None, None)
    assert messages == [f"Link parameter {key}='2' ignored: a link pins the layout with tp (and "
                        "pp, dp beside it); without tp the Plan page opens on the hardware's "
                        "layout." for key in ("pp", "dp")]
    decoded, messages = decode({"tp": "4", "pp": "2"}, AppState())  # with tp: kept
    assert (decoded.tp, decoded.pp, messages) == (4, 2, [])
    at = open_link("plan", pp="2")
    assert not at.exception
    assert any("pp='2' ignored" in w.value for w in at.sidebar.warning)
    assert "pp" not in at.query_params  # the address bar no longer claims PP=2
    assert [s.value for s in at.selectbox if s.label.startswith("Pipeline")] == [1]


def test_a_bad_link_value_lists_every_choice_of_a_union() -> None:
    # link is "auto" or a LinkKind: the message named 'auto' only, the first branch's choice
    _, messages = decode({"link": "warp"}, AppState())
    assert messages == ["Link parameter link='warp' ignored: the value must be 'auto', 'nvlink', "
                        "'pcie', 'pcie-no-p2p' or 'cross-socket'."]


def test_another_memory_size_of_a_preset_is_explained_in_the_apps_terms() -> None:
    # the planner's advice names --gpu-memory-gib and --gpu-name, flags no app user has
    _, messages = decode({"gpu": "H100 94GB"}, AppState())
    assert messages == ["Link parameter gpu='H100 94GB' ignored: no preset for 'H100 94GB': "
                        "that GPU's preset is h100-sxm (80 GB HBM3), not 94 GB; pick that model "
                        "on the Hardware page and give the memory CUDA reports in its memory "
                        "field (gmem in the link)."]


def test_a_gpu_nvidia_s_tables_name_is_explained_in_the_apps_terms() -> None:
    # it was "unknown GPU preset 'Tesla P40'; did you mean l40, a40?". The P40 is compute
    # capability 6.1 (NVIDIA's Legacy CUDA table), which no vLLM wheel holds code for
    # (startup.wheel_arch); the pages plan presets only, the CLI a GPU of any name
    _, messages = decode({"gpu": "Tesla P40"}, AppState())
    assert messages == [
        "Link parameter gpu='Tesla P40' ignored: no GPU preset for 'Tesla P40', a compute "
        "capability 6.1 GPU (NVIDIA's Legacy CUDA GPU Compute Capability table "
        "(developer.nvidia.com/cuda-legacy-gpus, read 2026-12-05)): vLLM's prebuilt wheels hold "
        "no CUDA code for compute capability 6.1 on any release (7.0 and newer to 0.19, 7.5 and "
        "newer from 0.20.0), so a pip-installed vLLM cannot run it; the pages plan GPU presets "
        "only: plan it with the CLI (python -m planner plan --gpu-memory-gib X --gpu-name "
        "'Tesla P40')."]


def test_a_laptop_gpu_is_explained_in_the_apps_terms() -> None:
    # it was "did you mean rtx-5070-ti, rtx-5070?": the desktop cards, another product
    _, messages = decode({"gpu": "RTX 5070 Laptop GPU"}, AppState())
    assert messages == [
        "Link parameter gpu='RTX 5070 Laptop GPU' ignored: no GPU preset for 'RTX 5070 Laptop "
        "GPU', a laptop GPU, which no preset models: the desktop card of its number is another "
        "product, not planned for it; the pages plan GPU presets only: plan it with the CLI "
        "(python -m planner plan --gpu-memory-gib X --gpu-name 'RTX 5070 Laptop GPU')."]


def test_a_mig_instance_is_explained_in_the_apps_terms() -> None:
    # it was "did you mean h100-sxm?": the whole GPU, not the slice
    _, messages = decode({"gpu": "H100 MIG 3g.40gb"}, AppState())
    assert messages == ["Link parameter gpu='H100 MIG 3g.40gb' ignored: GPU 'H100 MIG 3g.40gb' "
                        "is a MIG instance, slice 3g.40gb of H100, which no preset models: a "
                        "slice has a share of the GPU's memory, SMs and bandwidth, and Headroom "
                        "plans whole GPUs; plan the slice with the CLI (python -m planner plan "
                        "--gpu-memory-gib X, the instance's CUDA total): a model picked on the "
                        "Hardware page with that memory would plan the whole GPU's speed."]


def test_a_link_comparing_too_many_models_says_so_in_words() -> None:
    # it read "Tuple should have at most 6 items after validation, not 7"
    _, messages = decode({"cmp": ",".join(f"org/m{i}" for i in range(7))}, AppState())
    assert messages == [f"Link parameter cmp='{','.join(f'org/m{i}' for i in range(7))}' "
                        "ignored: it names 7 models; the Compare page takes at most 6."]


def test_a_blank_model_in_a_link_is_refused_not_read_as_a_local_path() -> None:
    # model=%20 passed min_length=1: every page then said "'' looks like a local path; the app
    # takes Hugging Face repo ids", as if a folder had been named; model= said "String should
    # have at least 1 character"
    for blank in (" ", ""):
        decoded, messages = decode({"model": blank, "gpu": "h100-sxm"}, AppState())
        assert (decoded.model, decoded.gpu) == ("Qwen/Qwen3-235B-A22B-GPTQ-Int4", "h100-sxm")
        assert messages == [f"Link parameter model={blank!r} ignored: a model is a Hugging Face "
                            "repo id such as Qwen/Qwen3-8B, not blank."]
    at = open_page(None, model=" ")
    assert not at.exception and not at.error
    assert at.query_params["model"] == "Qwen/Qwen3-235B-A22B-GPTQ-Int4"


def test_a_limit_in_a_refusal_has_thousands_separators_as_the_value_beside_it() -> None:
    # pydantic writes the bound bare: "input_len = 33,554,432 refused: the value must be less
    # than or equal to 16777216. Kept 1,024." (2 ** 24 = 16,777,216)
    at = open_page()
    at.number_input(key="plan.input_len").set_value(2 ** 25).run()
    assert not at.exception
    assert [w.value for w in at.main.warning if "refused" in w.value] == [
        "Input tokens = 33,554,432 refused: the value must be less than or equal to 16,777,216. "
        "Kept 1,024."]
    at = open_link("plan", seqs="70000")  # 2 ** 16 = 65,536
    assert [w.value for w in at.sidebar.warning if "seqs" in w.value] == [
        "Link parameter seqs='70000' ignored: the value must be less than or equal to 65,536."]


def test_a_links_kv_dtype_in_vllms_spelling_is_taken_as_the_page_shows_it() -> None:
    # the KV cache dtype field lists bfloat16 and float16, as vllm serve --kv-cache-dtype and
    # the CLI spell them; a link's kv=bfloat16 was refused ("the value must be 'auto', 'bf16',
    # ...") and the model's dtype planned. Qwen3-8B: 36 layers x 2 (K, V) x 8 KV heads x 128
    # x 2 B = 147,456 B a token, as auto (a bfloat16 model)
    at = open_link("plan", model="Qwen/Qwen3-8B", gpu="h100-sxm", gpn="1", kv="bfloat16")
    assert not at.exception
    assert not [w.value for w in at.sidebar.warning if "kv=" in w.value]
    assert at.query_params["kv"] == "bf16"
    assert at.selectbox(key="plan.kv_cache_dtype").value == "bf16"
    assert "--kv-cache-dtype bfloat16" in launch_command(at)
    assert metric(at, "KV bytes/token per GPU") == "147,456 B"
    decoded, messages = decode({"kv": "float16"}, AppState())
    assert (decoded.kv_cache_dtype, messages) == ("fp16", [])


def test_a_bad_links_kv_dtype_and_backends_are_refused_in_the_pages_words() -> None:
    # the KV cache dtype message listed the planner's keys ('bf16', 'fp16', which the select
    # box shows nowhere) and the MoE backend's named the CLI's --moe-backend: both now name
    # the field by its label and list the choices as the select boxes show them
    _, [kv] = decode({"kv": "bf15"}, AppState())
    assert kv.startswith("Link parameter kv='bf15' ignored: 'bf15' is no KV cache dtype "
                         "choice; the choices are auto, bfloat16, float16, float32, fp8, ")
    assert "'bf16'" not in kv and " bf16," not in kv and "--kv-cache-dtype" not in kv
    _, [moe] = decode({"moe": "Nonsense"}, AppState())
    assert moe.startswith("Link parameter moe='Nonsense' ignored: 'Nonsense' is no MoE backend "
                          "choice; the covered vLLM releases offer vLLM's choice, auto, ")
    assert ", marlin," in moe and "--moe-backend" not in moe
    _, [a2a] = decode({"a2a": "deepep"}, AppState())
    assert a2a.startswith("Link parameter a2a='deepep' ignored: 'deepep' is no All-to-all "
                          "backend (DP + EP) choice; the covered vLLM releases offer vLLM's "
                          "choice, naive, ")
    assert "--all2all-backend" not in a2a


def test_a_links_redundant_expert_count_is_refused_in_vllms_words() -> None:
    # vLLM takes 0..1023 redundant experts (ParallelConfig refuses a negative count, EplbState
    # more than MAX_EXPERT_REDUNDANCY = 1023); the field took 0..65,536
    decoded, messages = decode({"redundant": "1023"}, AppState())
    assert (decoded.num_redundant_experts, messages) == (1023, [])
    _, [negative] = decode({"redundant": "-1"}, AppState())
    assert negative == ("Link parameter redundant='-1' ignored: vLLM refuses a negative count "
                        "(ParallelConfig: \"num_redundant_experts must be non-negative, but got "
                        "-1.\").")
    decoded, [over] = decode({"redundant": "5000"}, AppState())
    assert decoded.num_redundant_experts is None
    assert over == ("Link parameter redundant='5000' ignored: vLLM takes at most 1,023 "
                    "(EplbState stops the model load: \"num_redundant_experts 5000 must be "
                    "less than or equal to 1023\").")


def test_compared_models_are_distinct_without_case_but_paths_keep_theirs() -> None:
    # repo ids as the Hub reads them, without case; a local path as the file system does
    assert distinct_models([" Qwen/Qwen3-8B", "qwen/qwen3-8b", "./Model", "./model"]) == (
        "Qwen/Qwen3-8B", "./Model", "./model")
    # the Plan page's model in another case than the default comparison's is one of its three
    assert AppState(model="qwen/qwen3-30b-a3b").compared_models() == (
        "qwen/qwen3-30b-a3b", "Qwen/Qwen3-235B-A22B-GPTQ-Int4", "meta-llama/Meta-Llama-3.1-70B")
    picked = AppState()
    picked.compare = ["Qwen/Qwen3-8B", "QWEN/QWEN3-8B"]  # as the picker gives a typed entry
    assert picked.compare == ("Qwen/Qwen3-8B",)


def test_a_bad_links_block_size_and_quantization_are_refused_in_the_pages_words() -> None:
    # bs= named the CLI's --block-size: now the field's label and the sizes as it lists them,
    # "N tokens" beside "vLLM's choice" (16-256: the multiples of 16 in 0.17.0's BlockSize
    # 1, 8, 16, 32, 64, 128, 256; from 0.18.0 the parser takes any int)
    _, [bs] = decode({"bs": "40"}, AppState())
    assert bs.startswith("Link parameter bs='40' ignored: 40 tokens is no KV block size "
                         "(tokens) choice: vLLM's FLASH_ATTN and TRITON_ATTN backends raise ")
    assert bs.endswith("; the covered vLLM releases offer vLLM's choice, 16 tokens, 32 tokens, "
                       "64 tokens, 128 tokens, 256 tokens, and from 0.18.0 any multiple of 16 "
                       "tokens (the Plan page lists the sidebar's release's).")
    assert "--block-size" not in bs
    # quant= listed every scheme key and alias (gguf-q2_k, bnb-nf4, ...), most of which the
    # Quantization field never offers: now its options as it lists them
    _, [quant] = decode({"quant": "w5a16"}, AppState())
    assert quant == (
        "Link parameter quant='w5a16' ignored: 'w5a16' is no Quantization choice; the choices "
        "are \"Checkpoint: \" followed by the model's own format, then \"What-if: FP8 E4M3, "
        "per-tensor scale\", \"What-if: INT8 W8A8, per-channel scale\", \"What-if: GPTQ int4, "
        "group 128 (W4A16)\", \"What-if: AWQ int4, group 128 (W4A16)\", \"What-if: MXFP4 "
        "(experts only)\", \"What-if: NVFP4 (FP4 E2M1, 16-value FP8 scales)\" (the Plan page "
        "offers the what-ifs the model and the GPU take).")
    # as the Plan page's sidebar shows it, the default model planned in its own format
    at = open_link("plan", quant="w5a16")
    assert not at.exception and [w.value for w in at.sidebar.warning] == [quant]
    assert at.selectbox(key="plan.quant").value == "checkpoint"
    # the names a link takes are still taken: awq is AWQ int4, group 128
    assert decode({"quant": "awq"}, AppState()) == (AppState(quant="w4a16-awq-g128"), [])


def test_a_length_refusal_names_the_field_in_words_and_shortens_the_value() -> None:
    # pydantic's "String should have at least 1 character" / "at most 100 characters", and the
    # refused value echoed whole (a 101-character rev is shown as its first 57 and "...")
    _, messages = decode({"gpu": "", "quant": "", "rev": "r" * 101}, AppState())
    assert messages == [
        "Link parameter gpu='' ignored: GPU model is blank.",
        "Link parameter quant='' ignored: Quantization is blank.",
        f"Link parameter rev='{'r' * 57}...' ignored: Revision takes at most 100 characters "
        "(101 given)."]


def test_a_network_typed_as_a_description_is_refused_for_its_form_not_its_length() -> None:
    # 43 characters: it read "String should have at most 40 characters", not the form; a
    # 500-character paste was echoed whole, twice
    at = open_page("hardware", gpu="h100-sxm", nodes="2")
    at.text_input(key="hw.network").set_value("8x400 InfiniBand NDR, rail-optimised fabric").run()
    assert not at.exception
    assert [w.value for w in at.main.warning if "refused" in w.value] == [
        "Network between nodes = 8x400 InfiniBand NDR, rail-optimised fabric refused: network "
        "'8x400 InfiniBand NDR, rail-optimised fabric' is not NICS x GBITS per node, e.g. 8x400 "
        "or 2x100 (NICs x Gb/s each). Kept empty (the default)."]
    at.text_input(key="hw.network").set_value("x" * 500).run()
    assert [w.value for w in at.main.warning if "refused" in w.value] == [
        f"Network between nodes = {'x' * 57}... refused: network '{'x' * 61}...' is not NICS x "
        "GBITS per node, e.g. 8x400 or 2x100 (NICs x Gb/s each). Kept empty (the default)."]


def test_a_refused_decimal_is_written_as_a_number_not_a_python_float() -> None:
    # "Memory per GPU as CUDA reports it = 1000000000000.0 refused"
    at = open_page("hardware", gpu="rtx-4090")
    at.number_input(key="hw.gpu_memory_gib").set_value(1e12).run()
    assert not at.exception
    [refusal] = [w.value for w in at.main.warning if "refused" in w.value]
    assert refusal.startswith("Memory per GPU as CUDA reports it = 1,000,000,000,000 refused: ")


def test_a_checkpoint_pasted_with_spaces_is_taken_stripped_and_a_tab_is_named() -> None:
    # " org/name " was refused as no repo id, "   " kept in the state and the link; a tab was
    # described as "a newline splits the command"
    for pasted, kept in ((" org/name ", "org/name"), ("   ", "")):
        decoded, messages = decode({"ckpt": pasted}, AppState())
        assert (decoded.target_checkpoint, messages) == (kept, [])
    _, messages = decode({"ckpt": "a\tb"}, AppState())
    assert messages == ["Link parameter ckpt='a\\tb' ignored: the checkpoint 'a\\tb' holds a "
                        "control character (a tab), which breaks the command."]


def test_a_5000_character_link_value_is_echoed_shortened() -> None:
    # each message echoed all 5,000 characters (found by fuzzing the link parameters): the
    # parameter as every other refusal shows it (57 and "..."), the reason's value too (61)
    long = "x" * 5000
    for params in ({"gpu": long}, {"vllm": long}, {"trust": long},
                   {"pp": "0" * 4999 + "2"}):  # a valid pp beside no tp
        _, [message] = decode(params, AppState())
        assert len(message) < 400 and "x" * 62 not in message and "0" * 58 not in message
        assert f"{next(iter(params))}='{next(iter(params.values()))[:57]}...' ignored" in message


def test_a_links_lora_rank_is_refused_by_its_label_and_a_long_one_shortened() -> None:
    # the message was the CLI's "argument --max-lora-rank: invalid choice: 7 (choose from
    # ...)", a flag no one typed in the app, and echoed a 4,000-digit rank whole (4,209
    # characters; found by fuzzing the link keys): now the field's label with its choices, as
    # the other choice fields say it, the rank cut as every echoed value is (57 and "...")
    _, [rank] = decode({"lorarank": "7"}, AppState())
    assert rank == ("Link parameter lorarank='7' ignored: '7' is no LoRA rank choice; the "
                    "choices are 1, 8, 16, 32, 64, 128, 256, 320, 512 (vLLM config/lora.py "
                    "MaxLoRARanks).")
    for key in ("lorarank", "redundant"):
        decoded, [message] = decode({key: "9" * 4000}, AppState())
        assert len(message) < 300 and "9" * 62 not in message, message
    assert decoded.num_redundant_experts is None
    assert decode({"lorarank": "512"}, AppState()) == (AppState(lorarank=512), [])


def test_a_links_lora_dtype_is_refused_by_its_label() -> None:
    # vLLM's LoRADType takes auto, float16 and bfloat16 (no float32)
    _, [dtype] = decode({"loradtype": "float32"}, AppState())
    assert dtype == ("Link parameter loradtype='float32' ignored: 'float32' is no LoRA "
                     "dtype choice; the choices are auto, float16, bfloat16 (vLLM config/lora.py "
                     "LoRADType).")
    assert decode({"loradtype": "bfloat16"}, AppState()) == (AppState(loradtype="bfloat16"), [])


def test_a_links_lora_dtype_with_a_newline_or_escape_is_echoed_quoted_in_one_line() -> None:
    # loradtype=a%0Ab printed "ignored: a\nb is no LoRA dtype choice" with the raw newline (and
    # an ESC as is) where every other choice field quotes the value (found by fuzzing h687)
    for raw, shown in (("a\nb", r"'a\nb'"), ("\x1b[2J", r"'\x1b[2J'")):
        _, [message] = decode({"loradtype": raw}, AppState())
        assert message.startswith(f"Link parameter loradtype={shown} ignored: {shown} is no "
                                  "LoRA dtype choice; the choices are auto, float16, bfloat16")
        assert "\n" not in message and "\x1b" not in message


def test_a_short_gpu_name_in_a_link_says_which_preset_it_picked() -> None:
    # ?gpu=h100 planned the h100-sxm without a word where `--gpu h100` notes the choice: the
    # H100 is sold as SXM (h100-sxm, NVML "NVIDIA H100 80GB HBM3"), PCIe and NVL presets
    # (planner/serving/hardware presets); the same words, the link's terms for the others
    state, messages = decode({"gpu": "h100"}, AppState())
    assert state.gpu == "h100-sxm"
    assert messages == ["Link parameter gpu='h100' is the h100-sxm preset (NVIDIA H100 80GB "
                        "HBM3); for the other h100 presets give gpu=h100-pcie or gpu=h100-nvl "
                        "in the link, or pick one on the Hardware page."]
    # a preset's key picks only itself: nothing to say
    assert decode({"gpu": "h100-pcie"}, AppState())[1] == []


def test_a_short_gpu_name_link_shows_the_choice_in_the_sidebar() -> None:
    at = open_link("hardware", gpu="h100")
    assert not at.exception
    (warning,) = [w.value for w in at.sidebar.warning]
    assert warning.startswith("Link parameter gpu='h100' is the h100-sxm preset"), warning
    assert "gpu=h100-pcie or gpu=h100-nvl in the link" in warning, warning
