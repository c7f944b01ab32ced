"""Headroom's planner: pure capacity planning for vLLM on your own GPUs (stdlib + pydantic)."""

__version__ = "0.2.0"
"""Headroom's version, printed in every report; a test keeps it equal to pyproject.toml's."""
