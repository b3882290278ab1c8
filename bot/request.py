"""`Request`: one exact API call a platform will get. A leaf module: renderers, outlets, the
delivery engine and the platform seam all speak it, and it imports nothing of theirs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Request:
    """One exact API call a platform will get: a Bot API method or Discord "create_message"."""

    method: str
    params: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """Return the JSON shape used by `herald preview --json`."""
        return {"method": self.method, "params": self.params}
