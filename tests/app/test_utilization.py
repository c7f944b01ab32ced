"""gpu_memory_utilization in the app: unset, it is vLLM's default for the sidebar's release, as
the CLI's unset --gpu-memory-utilization; a value set on the slider or in a link (`gmu`) is kept.

Hand-worked (vLLM config/cache.py CacheConfig.gpu_memory_utilization: Field(default=0.9) in the
0.19.0 wheel, Field(default=0.92) from 0.20.0; planner.serving.vllm_versions
UTILIZATION_092_FROM): the seed's RTX 3090 reports 23.57 GiB of CUDA total, so the budget is
0.92 x 23.57 = 21.68 GiB on 0.33.0 and on 0.34.0 (the app's default release), 0.9 x 23.57 =
21.21 GiB on 0.19.0 or with gmu=0.9, and 0.85 x 23.57 = 20.03 GiB at 0.85.
vLLM 0.34.0 leaves gpu_memory_utilization unset (Field(default=None)) and
CacheConfig.resolved_gpu_memory_utilization gives 1.0 with the extensible KV cache on (its
default on CUDA) and DEFAULT_GPU_MEMORY_UTILIZATION = 0.92 with it off: the command Headroom
prints turns it off (--no-enable-extensible-kv-cache, vllm_versions.EXTENSIBLE_KV_CACHE_FROM),
so unset is 0.92 there too.
"""

from tests.app.conftest import launch_command, open_page, texts
from tests.app.test_display import terms

SLIDER = "plan.gpu_memory_utilization"


def budget(at) -> str:
    """The formula of "Budget (total x utilization)" in "How every figure is computed"."""
    return terms(at)["Budget (total x utilization)"][1]


def release(at, version: str) -> None:
    at.sidebar.selectbox(key="sidebar.vllm_version").set_value(version).run()
    assert not at.exception


def test_unset_on_the_default_0_34_is_vllms_0_92_and_the_command_says_so() -> None:
    at = open_page()  # no release chosen: the default, 0.34.0
    assert not at.exception
    slider = at.slider(key=SLIDER)
    assert slider.value == 0.92 and slider.label.endswith(
        "(vLLM 0.34.0's default with its extensible KV cache off)")
    assert budget(at) == "ceil(23.57 GiB x 0.92) = 21.68 GiB"
    # 0.92 is 0.34.0's unset value only with the extensible KV cache off, as the command asks
    assert "--gpu-memory-utilization 0.92 " in launch_command(at)
    assert "--no-enable-extensible-kv-cache" in launch_command(at).split()
    assert "gmu" not in at.query_params  # unset: the link follows the release
    assert not [b for b in at.button if b.key == "plan.release_utilization"]


def test_unset_on_0_19_is_0_9_and_follows_the_release() -> None:
    at = open_page(None, vllm="0.19.0")
    assert at.slider(key=SLIDER).value == 0.9
    assert budget(at) == "ceil(23.57 GiB x 0.9) = 21.21 GiB"
    assert "--gpu-memory-utilization 0.9 " in launch_command(at)
    release(at, "0.33.0")  # the slider, never moved, moves with the release
    assert at.slider(key=SLIDER).value == 0.92
    assert budget(at) == "ceil(23.57 GiB x 0.92) = 21.68 GiB"
    release(at, "0.19.0")
    assert at.slider(key=SLIDER).value == 0.9 and "gmu" not in at.query_params


def test_a_set_utilization_survives_a_release_change_until_reset() -> None:
    at = open_page()
    at.slider(key=SLIDER).set_value(0.85).run()
    assert at.query_params["gmu"] == "0.85"
    release(at, "0.19.0")
    slider = at.slider(key=SLIDER)
    assert slider.value == 0.85 and slider.label == "gpu_memory_utilization"
    assert budget(at) == "ceil(23.57 GiB x 0.85) = 20.03 GiB"
    assert "--gpu-memory-utilization 0.85 " in launch_command(at)
    assert at.query_params["gmu"] == "0.85"
    # the other pages plan with it too, and say it is set, not the release's default
    at.switch_page("ui/pages/compare.py").run()
    assert "gpu_memory_utilization 0.85, max_model_len" in texts(at)
    at.switch_page("ui/pages/recommend.py").run()
    assert "the Plan page's gpu_memory_utilization: 0.85 and arrivals: staggered" in texts(at)
    # "Use vLLM's default utilization": unset again, and following the release
    at.switch_page("ui/pages/plan.py").run()
    at.button(key="plan.release_utilization").click().run()
    assert at.slider(key=SLIDER).value == 0.9 and "gmu" not in at.query_params
    release(at, "0.33.0")
    assert at.slider(key=SLIDER).value == 0.92


def test_an_old_link_with_gmu_0_9_keeps_0_9() -> None:
    # links made before the default followed the release always carried gmu (0.9 by default)
    at = open_page(None, gmu="0.9")
    assert not at.exception and not at.sidebar.warning
    slider = at.slider(key=SLIDER)
    assert slider.value == 0.9 and slider.label == "gpu_memory_utilization"
    assert budget(at) == "ceil(23.57 GiB x 0.9) = 21.21 GiB"
    assert "--gpu-memory-utilization 0.9 " in launch_command(at)
    assert at.query_params["gmu"] == "0.9"


def test_compare_and_recommend_name_the_releases_default() -> None:
    at = open_page("compare", vllm="0.19.0")
    assert "gpu_memory_utilization 0.9 (vLLM 0.19.0's default), max_model_len" in texts(at)
    at = open_page("recommend")
    # no release chosen: 0.34.0's 0.92 (the module docstring)
    assert ("gpu_memory_utilization: 0.92 (vLLM 0.34.0's default with its extensible KV cache "
            "off) and arrivals:") in texts(at)
