"""HardwareSnapshot: one versioned, JSON-serialisable record of a node (host + GPUs).

`take_snapshot` runs the probes; `load_snapshot` reads a recorded one back and rejects bad
input with a SnapshotError that says what is wrong.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from planner.jsondoc import JsonDocumentError, json_kind, parse_json_document
from planner.text import shortened, spaced_controls
from probes.files import read_json_document
from probes.host import HostInfo, probe_host
from probes.nvml import GpuInfo, TopologyMatrix, echoed, probe_gpus

SNAPSHOT_KIND = "headroom.hardware-snapshot"
SCHEMA_VERSION = 1
MAX_SNAPSHOT_BYTES = 5 * 10**6
"""5 MB (decimal): an 8-GPU snapshot is a few tens of kB, so anything larger is not one."""


class SnapshotError(ValueError):
    """A snapshot file or bytes that cannot be used, with the reason."""


def shown_uuid(uuid: str) -> str:
    """A GPU UUID for a one-line message: as read, or its first 61 characters and "..." past 64
    (an edited file may hold any length)."""
    return shortened(uuid)


class HardwareSnapshot(BaseModel):
    """Everything the hardware audit saw on one node at one moment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["headroom.hardware-snapshot"] = SNAPSHOT_KIND
    schema_version: int = SCHEMA_VERSION
    taken_at: str = Field(description="ISO 8601 UTC, e.g. '2025-06-01T12:00:00+00:00'")
    hostname: str
    host: HostInfo
    gpus: list[GpuInfo]
    topology: TopologyMatrix | None
    nvml_available: bool = Field(strict=True)
    gpu_unavailable_reason: str | None
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _hostname_named(self) -> HardwareSnapshot:
        """A hostname with a character to show: every message, note and source names the node
        by it (an empty one read ": GPU0 has no name ..." and "Headroom hardware audit:  at")."""
        if not self.hostname.strip():
            raise ValueError(f"hostname is {self.hostname!r}: a snapshot names its machine "
                             "(socket.gethostname()), and the plan names the node by it; write "
                             "one, or take the snapshot again with `python -m probes --json`")
        return self

    @model_validator(mode="after")
    def _taken_at_a_time(self) -> HardwareSnapshot:
        """An ISO 8601 date or time (what the probe writes): the plan and report say when the
        node was audited by it, and 'yesterday' or '' was shown as that without a word."""
        try:
            datetime.fromisoformat(self.taken_at)
        except ValueError:
            raise ValueError(f"taken_at is {shortened(self.taken_at)!r}, not an ISO 8601 time "
                             "such as '2025-06-01T12:00:00+00:00' (when the probe ran); write "
                             "one, or take the snapshot again with `python -m probes --json`"
                             ) from None
        return self

    @model_validator(mode="after")
    def _gpus_as_nvml_listed(self) -> HardwareSnapshot:
        """GPUs only where NVML ran and gave no reason there are none, as the probe writes it:
        an edited nvml_available false (or a gpu_unavailable_reason) beside 8 GPUs was
        planned on those GPUs while the audit said NVML could not run."""
        if self.gpus and (not self.nvml_available or self.gpu_unavailable_reason is not None):
            why = ("nvml_available is false" if not self.nvml_available else
                   f"gpu_unavailable_reason is {shortened(self.gpu_unavailable_reason)!r}")
            raise ValueError(f"{why}, yet {len(self.gpus)} GPUs are listed: the probe lists GPUs "
                             "only where NVML ran (nvml_available true, gpu_unavailable_reason "
                             "null), so this snapshot is corrupt or edited (write it again "
                             "with `python -m probes --json`)")
        return self

    @model_validator(mode="after")
    def _topology_matches_gpus(self) -> HardwareSnapshot:
        """One topology row per GPU, in the GPUs' order (readers pair them by position)."""
        indices = [g.index for g in self.gpus]
        if len(set(indices)) != len(indices):
            raise ValueError(f"GPU indices {echoed(indices)} repeat a GPU")
        if self.topology is not None and self.topology.gpu_indices != indices:
            raise ValueError(f"topology.gpu_indices {echoed(self.topology.gpu_indices)} must "
                             f"list the snapshot's GPUs in order: {echoed(indices)}")
        return self

    @model_validator(mode="after")
    def _gpu_uuids_unique(self) -> HardwareSnapshot:
        """Each GPU UUID once: NVML gives every GPU its own (nvmlDeviceGetUUID), so a repeat
        is a corrupt or edited snapshot that would plan one GPU as two."""
        first: dict[str, int] = {}
        for gpu in self.gpus:
            if gpu.uuid and gpu.uuid in first:
                raise ValueError(
                    f"GPU UUID {shown_uuid(gpu.uuid)} is on GPU {first[gpu.uuid]} and GPU "
                    f"{gpu.index}: NVML "
                    "gives every GPU its own UUID, so this snapshot is corrupt or edited (write "
                    "it again with `python -m probes --json`)")
            if gpu.uuid:
                first[gpu.uuid] = gpu.index
        return self

    def to_json(self) -> str:
        """The snapshot as indented JSON (what `python -m probes --json` writes)."""
        return self.model_dump_json(indent=2)


def take_snapshot(model_dirs: tuple[str | Path, ...] = ()) -> HardwareSnapshot:
    """Probe this machine now; never raises for a missing GPU (see gpu_unavailable_reason)."""
    gpu = probe_gpus()
    return HardwareSnapshot(
        taken_at=datetime.now(UTC).isoformat(timespec="seconds"),
        hostname=socket.gethostname(),
        host=probe_host(tuple(Path(d) for d in model_dirs)),
        gpus=gpu.gpus,
        topology=gpu.topology,
        nvml_available=gpu.nvml_available,
        gpu_unavailable_reason=gpu.unavailable_reason,
        notes=gpu.notes,
    )


def first_error(exc: ValidationError) -> str:
    """'gpus.0.memory_total_bytes: Input should be a valid integer' (+ how many more)."""
    errors = exc.errors()
    first = errors[0]
    where = ".".join(shortened(str(part)) for part in first["loc"])  # a 400-digit key
    message = first["msg"].removeprefix("Value error, ")  # our validators' own sentences
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return f"{where}: {message}{more}" if where else f"{message}{more}"


NAME_CHARS = 96
"""The longest hostname or GPU string (name, uuid, PCI bus id, driver version) a loaded
snapshot shows whole: plans, reports and messages print them, and a 10,000-character GPU name
was printed whole. NOTE: NVML's longest such buffer is 96 bytes (nvidia-ml-py 13.615.71
pynvml.py NVML_DEVICE_NAME_V2_BUFFER_SIZE, NVML_DEVICE_UUID_V2_BUFFER_SIZE; the driver
version's 80, the PCI bus id's 32), NVML_DEVICE_HOSTNAME_BUFFER_SIZE 64; a hostname from
socket.gethostname() is Linux's nodename (64 characters at most: unverified here)."""


def _cut_long_names(raw: dict) -> list[str]:
    """Shorten (planner.text.shortened) in place the hostname and the GPUs' strings longer
    than NAME_CHARS; where ("hostname", "gpus.0.name")."""
    gpus = raw.get("gpus") if isinstance(raw.get("gpus"), list) else []
    blocks = [("", raw, ("hostname",))] + [(f"gpus.{i}.", gpu, tuple(gpu))
                                           for i, gpu in enumerate(gpus) if isinstance(gpu, dict)]
    cut = []
    for prefix, block, keys in blocks:
        for key in keys:
            if isinstance(block.get(key), str) and len(block[key]) > NAME_CHARS:
                block[key] = shortened(block[key], NAME_CHARS)
                cut.append(prefix + key)
    return cut


def load_snapshot(source: str | Path | bytes) -> HardwareSnapshot:
    """Read a snapshot from a path or raw bytes; SnapshotError says exactly what is wrong."""
    name = "snapshot" if isinstance(source, bytes) else str(source)
    try:
        # a key given twice is refused: `probes --json` writes each once, so the snapshot is
        # corrupt or edited, and json's last-one-wins would plan its hardware unseen
        raw = (parse_json_document(source, name, MAX_SNAPSHOT_BYTES, unique_keys=True)
               if isinstance(source, bytes)
               else read_json_document(source, MAX_SNAPSHOT_BYTES, name, unique_keys=True))
    except JsonDocumentError as exc:
        raise SnapshotError(str(exc)) from None
    if not isinstance(raw, dict):
        raise SnapshotError(f"{name}: a snapshot is a JSON object, got {json_kind(raw)}")
    if "kind" not in raw:  # a config.json or another tool's JSON: "kind is None" said little
        raise SnapshotError(f"{name} has no kind: it is not a hardware snapshot (a "
                            f"snapshot's kind is {SNAPSHOT_KIND!r}; write one with `python -m "
                            "probes --json`)")
    if raw["kind"] != SNAPSHOT_KIND:
        raise SnapshotError(f"{name}: kind is {echoed(raw['kind'])}, expected {SNAPSHOT_KIND!r} "
                            "(write one with `python -m probes --json`)")
    if "schema_version" not in raw:  # it said "schema_version None is not supported"
        raise SnapshotError(f"{name} has no schema_version (this Headroom reads version "
                            f"{SCHEMA_VERSION}; write one with `python -m probes --json`)")
    version = raw["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int | float):
        # '1' read "schema_version '1' is not supported (this Headroom reads version 1)"
        raise SnapshotError(f"{name}: schema_version is {json_kind(version)} "
                            f"({echoed(version)}), not a number: this Headroom reads version "
                            f"{SCHEMA_VERSION}, the number (write one with `python -m probes "
                            "--json`)")
    if version != SCHEMA_VERSION:
        raise SnapshotError(f"{name}: schema_version {echoed(version)} is not supported "
                            f"(this Headroom reads version {SCHEMA_VERSION})")
    raw, spaced = spaced_controls(raw)
    if spaced and isinstance(raw.get("notes"), list):
        raw["notes"] = [*raw["notes"], f"control characters in {', '.join(spaced)} are shown as "
                        "spaces (a hostname, NVML and /proc hold none)"]
    cut = _cut_long_names(raw)
    if cut and isinstance(raw.get("notes"), list):
        raw["notes"] = [*raw["notes"], f"{', '.join(cut)} longer than {NAME_CHARS} characters "
                        f"are shown as their first {NAME_CHARS - 3} and '...' (NVML's strings "
                        "and a hostname are shorter)"]
    try:
        return HardwareSnapshot.model_validate(raw)
    except ValidationError as exc:
        raise SnapshotError(f"{name}: {first_error(exc)}") from exc


