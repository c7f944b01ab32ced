"""The bundled catalog: real config.json files (+ hf_quant_config.json) shipped with Headroom.

Lets the planner work offline for popular models. Each entry says where its config came
from and which values could not be verified (notes).
"""

import json
from difflib import get_close_matches
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from planner.model.config.parser import parse_model_config
from planner.model.spec import ModelSpec

Provenance = Literal["verbatim", "subset", "reconstructed"]
"""How a config.json was obtained: copied verbatim from a public copy of the Hub file (see
../shared/model-configs/SOURCES.md), a verbatim but partial copy (Llama-4-Maverick: text only;
Llama-4-Scout: no token ids or no_rope_layers; Qwen3.5-397B-A17B: no rope fields or
mamba_ssm_dtype; `notes` names what is absent), or written from memory."""

PROVENANCE_LABELS: dict[str, str] = {
    "reconstructed": "reconstructed, unverified",
    "subset": "subset of the Hub config, some fields absent",
}
"""What is shown beside every figure of a config that is not a verbatim copy."""

CATALOG_DIR = Path(__file__).resolve().parent / "catalog_data"


class CatalogEntry(BaseModel):
    """One bundled model: its repo id, config.json, optional ModelOpt quant config, provenance."""

    model_config = ConfigDict(frozen=True)

    repo_id: str
    family: str
    config: dict
    hf_quant_config: dict | None = None
    tokenizer_config: dict | None = None
    """The tokenizer_config.json facts the launch rule reads (tokenizer_class, auto_map),
    where a cited source gives them (named in `notes`); None: not known."""
    source: str
    notes: str = ""
    provenance: Provenance = "reconstructed"


@cache
def _load() -> tuple[CatalogEntry, ...]:
    entries = []
    for path in sorted(CATALOG_DIR.glob("*.json")):
        # NOTE: json.loads accepts the bare `Infinity` that some NVIDIA configs contain.
        entries.append(CatalogEntry(**json.loads(path.read_text(encoding="utf-8"))))
    return tuple(sorted(entries, key=lambda e: e.repo_id.lower()))


def catalog_entries() -> list[CatalogEntry]:
    """All bundled entries, sorted by repo id."""
    return list(_load())


def catalog_entry(repo_id: str) -> CatalogEntry | None:
    """The entry for a repo id (case-insensitive), or None."""
    wanted = repo_id.strip().lower()
    return next((e for e in _load() if e.repo_id.lower() == wanted), None)


NEAR_SPELLING_CUTOFF = 0.9
"""difflib's similarity ratio above which a bundled repo id is offered for a mistyped one:
'meta-llama/Llama-3.1-8B-Instuct' -> meta-llama/Llama-3.1-8B-Instruct (0.98), and not
'Qwen3-Nonexistent' -> Qwen/Qwen3-Next-80B-A3B-Instruct. Chosen on this catalog's ids, not
fitted to anything."""


def catalog_near(repo_id: str, limit: int = 3) -> list[str]:
    """Bundled repo ids a user may have meant by one the catalog lacks (case-insensitive; at
    most `limit`; none for an id the catalog has): those of another owner (or of one, for a
    bare name) with the same model name ('Qwen3-8B' -> ['Qwen/Qwen3-8B']), else those that
    start with it ('google/gemma-3-27b' -> google/gemma-3-27b-it), then near spellings of it
    (difflib, NEAR_SPELLING_CUTOFF: 'deepseek-ai/DeepSeekV3' -> deepseek-ai/DeepSeek-V3). A
    bare name is compared with the ids' names."""
    wanted = repo_id.strip().lower()
    ids = {e.repo_id.lower(): e.repo_id for e in _load()}
    if wanted in ids:
        return []
    name = wanted.rpartition("/")[2]
    namesakes = [repo for low, repo in ids.items() if low.rpartition("/")[2] == name]
    if namesakes:
        return namesakes[:limit]
    keys = {(low if "/" in wanted else low.rpartition("/")[2]): repo for low, repo in ids.items()}
    started = [repo for key, repo in keys.items() if key.startswith(wanted)]
    near = [keys[key] for key in get_close_matches(wanted, list(keys), n=limit,
                                                   cutoff=NEAR_SPELLING_CUTOFF)]
    return list(dict.fromkeys(started + near))[:limit]


def catalog_spec(repo_id: str) -> ModelSpec:
    """The ModelSpec of a bundled entry, parsed afresh on each call and named by the entry's
    own spelling of the repo id (KeyError when there is none): benches, facts and tests."""
    entry = catalog_entry(repo_id)
    if entry is None:
        raise KeyError(repo_id)
    return parse_model_config(entry.config, entry.hf_quant_config, name=entry.repo_id,
                              tokenizer_config=entry.tokenizer_config)
