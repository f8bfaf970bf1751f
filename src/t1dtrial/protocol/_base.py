"""The base of every protocol model: frozen, no unknown keys, an optional ``assumption``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["_Model"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    assumption: str | None = Field(
        default=None,
        description="Why this value is assumed (the source does not state it). Printed in reports.",
    )
