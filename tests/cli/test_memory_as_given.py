"""--gpu-memory-gib is shown as given: ':g' kept six significant digits, so 1023.999 GiB read
"Custom 1024 GiB GPU" (a size the flag refuses: 1 TiB), and 23.57123 read "23.5712". The name,
the source and the hints now show the float as typed (repr), a whole number still without
".0"; the JSON keys are the same."""

import json

import pytest

from tests.cli.conftest import run_main


@pytest.mark.parametrize(("given", "shown"), [("1023.999", "1023.999"), ("23.57123", "23.57123"),
                                              ("24", "24"), ("24.0", "24"), ("0.5", "0.5")])
def test_the_custom_gpu_is_named_with_the_memory_given(capsys, given: str, shown: str) -> None:
    code, out, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-0.6B", "--gpu-memory-gib",
                              given, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["gpu_name"] == f"Custom {shown} GiB GPU"
    assert data["gpus_label"] == f"1x Custom {shown} GiB GPU"


def test_the_hint_for_gpu_beside_a_memory_shows_the_memory_given(capsys) -> None:
    code, _, err = run_main(capsys, "plan", "--model", "Qwen/Qwen3-0.6B", "--gpu", "Tesla P40",
                            "--gpu-memory-gib", "22.37993")
    assert code == 2 and "give --gpu-memory-gib 22.37993 --gpu-name 'Tesla P40'" in err, err
