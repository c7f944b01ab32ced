"""probes.host: parsers on sample text, and the live probe on this machine."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from probes import host

CPUINFO_TWO_SOCKETS = """\
processor\t: 0
model name\t: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz
physical id\t: 0
processor\t: 1
model name\t: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz
physical id\t: 1
"""

NVCC_OUTPUT = """\
nvcc: NVIDIA (R) Cuda compiler driver
Copyright (c) 2005-2025 NVIDIA Corporation
Built on Fri_Feb_21_20:23:50_PST_2025
Cuda compilation tools, release 12.8, V12.8.93
Build cuda_12.8.r12.8/compiler.35583870_0
"""


def test_os_release_parsing(tmp_path: Path) -> None:
    path = tmp_path / "os-release"
    path.write_text('PRETTY_NAME="Ubuntu 22.04.5 LTS"\nID=ubuntu\nVERSION_ID="22.04"\n# c\n')
    assert host.read_os_release(path) == {
        "PRETTY_NAME": "Ubuntu 22.04.5 LTS", "ID": "ubuntu", "VERSION_ID": "22.04"}
    assert host.read_os_release(tmp_path / "missing") == {}


@pytest.mark.parametrize(("osrelease", "wsl2"), [
    # kernel releases as public reports print them: a WSL2 Kali's (find_string id
    # 71649133026), a WSL1 Ubuntu's (id 648234351: no GPU there), a native Ubuntu's
    ("6.6.87.2-microsoft-standard-WSL2\n", True),
    ("4.4.0-19041-Microsoft\n", False),
    ("6.8.0-45-generic\n", False),
])
def test_wsl2_from_the_kernel_release(tmp_path: Path, osrelease: str, wsl2: bool) -> None:
    path = tmp_path / "osrelease"
    path.write_text(osrelease)
    assert host.is_wsl2(path) is wsl2
    assert host.is_wsl2(tmp_path / "missing") is None


def test_cpuinfo_model_and_sockets() -> None:
    assert host.parse_cpuinfo(CPUINFO_TWO_SOCKETS) == (
        "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", 2)
    assert host.parse_cpuinfo("") == (None, None)


def test_nvcc_release() -> None:
    assert host.parse_nvcc_version(NVCC_OUTPUT) == "12.8"
    assert host.parse_nvcc_version("garbage") is None


def test_hf_cache_dir_follows_huggingface_hub_precedence() -> None:
    home = Path.home()
    assert host.hf_cache_dir({"HF_HUB_CACHE": "/x/hub", "HF_HOME": "/y"}) == Path("/x/hub")
    assert host.hf_cache_dir({"HF_HOME": "/y"}) == Path("/y/hub")
    assert host.hf_cache_dir({"XDG_CACHE_HOME": "/c"}) == Path("/c/huggingface/hub")
    assert host.hf_cache_dir({}) == home / ".cache" / "huggingface" / "hub"
    # ~ expands as huggingface_hub expands it (os.path.expanduser); a user with no home is
    # left as written, where pathlib raised RuntimeError and the audit was a traceback
    assert host.hf_cache_dir({"HF_HOME": "~/hf"}) == home / "hf" / "hub"
    assert host.hf_cache_dir({"HF_HOME": "~no-such-user-h526/hf"}) == Path(
        "~no-such-user-h526/hf/hub")


def test_disk_for_a_directory_not_created_yet(tmp_path: Path) -> None:
    disk = host.disk_for(tmp_path / "a" / "b", "model_dir")
    assert disk.exists is False and disk.role == "model_dir"
    assert disk.path == str(tmp_path / "a" / "b")
    assert str(tmp_path).startswith(disk.mount_point)
    assert disk.total_bytes > 0 and 0 <= disk.free_bytes <= disk.total_bytes


def test_unlimited_ulimit_is_stored_as_minus_one(monkeypatch: pytest.MonkeyPatch) -> None:
    inf = resource.RLIM_INFINITY
    monkeypatch.setattr(host.resource, "getrlimit", lambda _: (8 * 2**20, inf))
    assert host._ulimit(resource.RLIMIT_MEMLOCK) == (8_388_608, host.UNLIMITED)


def test_package_versions_from_metadata() -> None:
    versions = host.package_versions(("pydantic", "surely-not-installed-dist"))
    assert versions["pydantic"].startswith("2.")
    assert versions["surely-not-installed-dist"] is None


def test_probe_does_not_import_the_serving_stack(tmp_path: Path) -> None:
    code = ("import sys; from probes.host import probe_host; probe_host(); "
            "print(sorted({'torch', 'vllm', 'transformers', 'triton'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"


def test_process_state_running_zombie_gone() -> None:
    assert host.process_state(os.getpid()).status in ("running", "sleeping")
    child = subprocess.Popen(["true"])
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, not yet reaped
    assert host.process_state(child.pid).status == "zombie"
    child.wait()
    assert host.process_state(child.pid) == host.ProcessState(status="gone")


def test_probe_host_on_this_machine(tmp_path: Path) -> None:
    info = host.probe_host((tmp_path,))
    assert info.python_version == ".".join(map(str, sys.version_info[:3]))
    assert info.ram_total_bytes > 0 and info.cpu_threads >= 1
    roles = [d.role for d in info.disks]
    assert roles.count("hf_cache") == 1 and roles[-1] == "model_dir"
    assert info.disks[-1].path == str(tmp_path) and info.disks[-1].exists
    assert set(host.SERVING_PACKAGES) == set(info.packages)
    assert info.wsl2 is host.is_wsl2()  # read, and as information only


def _sysfs(root, ib: dict[str, tuple[str, str]], net: dict[str, str | None]) -> None:
    """A fake /sys: InfiniBand ports {'mlx5_0/1': (rate, state)}, interfaces {'eth0': speed
    in Mb/s, None for a virtual one without a `device` link}."""
    for port, (rate, state) in ib.items():
        folder = root / "class" / "infiniband" / port.split("/")[0] / "ports" / port.split("/")[1]
        folder.mkdir(parents=True)
        (folder / "rate").write_text(rate + "\n")
        (folder / "state").write_text(state + "\n")
    for name, speed in net.items():
        folder = root / "class" / "net" / name
        folder.mkdir(parents=True)
        if speed is not None:
            (folder / "device").mkdir()
            (folder / "speed").write_text(speed + "\n")


def test_probe_nics_reads_rdma_ports_and_physical_ethernet(tmp_path) -> None:
    from probes.host import probe_nics

    _sysfs(tmp_path, {"mlx5_0/1": ("400 Gb/sec (4X NDR)", "4: ACTIVE"),
                      "mlx5_1/1": ("400 Gb/sec (4X NDR)", "4: ACTIVE"),
                      "mlx5_2/1": ("10 Gb/sec (4X SDR)", "1: DOWN")},
           {"eth0": "100000", "eth1": "-1", "lo": None, "eno1": "1000"})
    found = [(n.name, n.kind, n.gbits) for n in probe_nics(tmp_path)]
    # the down port, the link-less eth1 (-1) and lo (no device) are left out; 100,000 Mb/s
    # = 100 Gb/s
    assert found == [("mlx5_0 port 1", "infiniband", 400.0),
                     ("mlx5_1 port 1", "infiniband", 400.0),
                     ("eno1", "ethernet", 1.0), ("eth0", "ethernet", 100.0)]


def test_probe_nics_never_raises(tmp_path) -> None:
    from probes.host import probe_nics

    assert probe_nics(tmp_path) is None  # no /sys/class at all
    _sysfs(tmp_path, {"mlx5_0/1": ("garbage", "4: ACTIVE")}, {"eth0": "fast"})
    (tmp_path / "class" / "net" / "eth0" / "speed").chmod(0)  # unreadable unless root
    assert probe_nics(tmp_path) == []
