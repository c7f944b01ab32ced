"""Plan's speed note on MTP speculative decoding counts its draft tokens in the right number:
--num-speculative-tokens 1 read "speculative decoding (1 MTP draft tokens) is not modelled".
XiaomiMiMo/MiMo-7B-Base has one MTP layer (num_nextn_predict_layers 1 in its config.json), so
vLLM runs it with --speculative-config method mtp."""

import pytest

from tests.cli.conftest import run_main


@pytest.mark.parametrize(("n", "said"), [("1", "1 MTP draft token"), ("2", "2 MTP draft tokens")])
def test_the_draft_tokens_are_counted(capsys, n: str, said: str) -> None:
    code, out, err = run_main(capsys, "plan", "--model", "XiaomiMiMo/MiMo-7B-Base", "--gpu",
                              "h100-sxm", "--max-model-len", "8192",
                              "--num-speculative-tokens", n)
    assert code == 0, err
    assert f"  note: speculative decoding ({said}) is not modelled" in out, out
