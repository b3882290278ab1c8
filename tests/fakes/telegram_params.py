"""Request parameters as the Bot API reads them, whichever way the client sent them.

Telegram accepts a query string, `application/json`, `application/x-www-form-urlencoded` and
`multipart/form-data`. In the form encodings every value is a string and structured fields
(reply_markup, entities, commands, scope, …) arrive JSON-encoded, so a value is typed only when a
method reads it: `chat_id` as an integer or "@username", `reply_markup` as JSON, and so on.
"""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.telegram_state import bad_request

# Fields Telegram reads as JSON objects/arrays when they arrive as strings.
JSON_FIELDS = frozenset(
    {
        "reply_markup", "entities", "caption_entities", "allowed_updates", "commands", "scope",
        "link_preview_options", "reply_parameters", "media",
    }
)


class Params:
    """Typed access to one request's parameters and uploaded files."""

    def __init__(
        self,
        raw: dict[str, Any],
        files: dict[str, bytes] | None = None,
        file_meta: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        self.raw = raw
        self.files = files or {}
        self.file_meta = file_meta or {}  # multipart part name → (filename, content type)

    def has(self, name: str) -> bool:
        """Return whether the parameter was sent (and is not empty)."""
        return name in self.files or self.raw.get(name) not in (None, "")

    def text(self, name: str) -> str | None:
        """Return the parameter as text (numbers sent in JSON become their decimal text)."""
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return json.dumps(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        """Return the parameter as an integer, `default` when absent; 400 when it is not one."""
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            try:
                number = float(str(value))
            except ValueError:
                raise bad_request(f"invalid {name} specified") from None
            return int(number)

    def flag(self, name: str) -> bool:
        """Return the parameter as a boolean (absent is false)."""
        value = self.raw.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def structured(self, name: str) -> Any:
        """Return the parameter decoded from JSON when it arrived as a string; 400 when malformed."""
        value = self.raw.get(name)
        if not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def file(self, name: str) -> bytes | None:
        """Return the bytes uploaded for `name`, directly or through an `attach://<part>` reference."""
        if name in self.files:
            return self.files[name]
        ref = self.text(name)
        if ref and ref.startswith("attach://"):
            part = ref[len("attach://") :]
            if part not in self.files:
                raise bad_request("wrong file identifier/HTTP URL specified")
            return self.files[part]
        return None

    def decoded(self) -> dict[str, Any]:
        """Return all parameters, structured fields decoded, for tests to read."""
        result: dict[str, Any] = {}
        for key, value in self.raw.items():
            if key in JSON_FIELDS and isinstance(value, str):
                try:
                    result[key] = json.loads(value)
                except ValueError:
                    result[key] = value
            else:
                result[key] = value
        return result
