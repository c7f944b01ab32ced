"""The app plans a torchao checkpoint as the CLI does (config.quant._torchao): the Plan page its
weights, the Model page the parser's warnings (vLLM does not install torchao), as it shows
every config warning."""

import pytest

from tests.app.conftest import open_page, texts

INT4 = "acme/Qwen3-8B-INT4"
"""tests/fixtures/configs' Qwen3-8B with a torchao Int4WeightOnlyConfig group 128."""


@pytest.fixture(autouse=True)
def torchao_hub(hub_reply, ref_config):
    config, _ = ref_config("Qwen__Qwen3-8B")
    config["quantization_config"] = {"quant_method": "torchao", "quant_type": {"default": {
        "_type": "Int4WeightOnlyConfig", "_version": 2, "_data": {"group_size": 128}}}}
    hub_reply(INT4, config)


def test_the_plan_page_plans_torchao_int4_and_warns_of_the_install() -> None:
    at = open_page(None, model=INT4, gpu="rtx-4090", gpn="1")
    assert not at.exception
    page = texts(at)
    # the CLI's figure (tests/planner/model/test_torchao_quark.py): 6,190,360,576 B = 5.77 GiB
    assert "torchao" in page and "5.77 GiB" in page, page
    model = texts(open_page("model", model=INT4))
    assert "vLLM does not install torchao" in model and "not understood" not in model
