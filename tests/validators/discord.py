"""Check Discord Create Message payloads the way the API does (PLATFORM-FACTS.md, Discord section).

Past these limits Discord answers 400 code 50035 "Invalid Form Body". Written independently
of the renderer: no adapter constants are imported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

CONTENT_LIMIT = 2000
EMBED_COUNT = 10
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_COUNT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
TOTAL_LIMIT = 6000
NONCE_LIMIT = 25
MENTION_KINDS = {"roles", "users", "everyone"}


def _is_web_url(value: object) -> bool:
    if not isinstance(value, str) or any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _check_text(where: str, value: Any, limit: int, *, required: bool = False) -> tuple[list[str], int]:
    """Return errors and the length that counts toward the 6000 total."""
    if value is None and not required:
        return [], 0
    if not isinstance(value, str):
        return [f"{where} must be a string"], 0
    errors = [f"{where} is {len(value)} characters > {limit}"] if len(value) > limit else []
    if required and not value.strip():
        errors.append(f"{where} is empty")
    return errors, len(value)


def _check_image(where: str, image: Any, files: set[str]) -> list[str]:
    if not isinstance(image, Mapping) or "url" not in image:
        return [f"{where} needs a url"]
    url = image["url"]
    if isinstance(url, str) and url.startswith("attachment://"):
        name = url[len("attachment://"):]
        return [] if name in files else [f"{where} {url} has no attached file"]
    return [] if _is_web_url(url) else [f"{where}.url {url!r} is not http(s) or attachment://"]


def _check_embed(index: int, embed: Any, files: set[str]) -> tuple[list[str], int]:
    where = f"embeds[{index}]"
    if not isinstance(embed, Mapping):
        return [f"{where} is not an object"], 0
    errors: list[str] = []
    total = 0
    checks = [
        ("title", embed.get("title"), TITLE_LIMIT, False),
        ("description", embed.get("description"), DESCRIPTION_LIMIT, False),
    ]
    if "footer" in embed:
        checks.append(("footer.text", (embed["footer"] or {}).get("text"), FOOTER_LIMIT, True))
    if "author" in embed:
        checks.append(("author.name", (embed["author"] or {}).get("name"), AUTHOR_LIMIT, True))
    fields = embed.get("fields", [])
    if not isinstance(fields, list) or len(fields) > FIELD_COUNT:
        errors.append(f"{where}.fields must be a list of ≤ {FIELD_COUNT}")
        fields = []
    for number, field in enumerate(fields):
        field = field if isinstance(field, Mapping) else {}
        checks.append((f"fields[{number}].name", field.get("name"), FIELD_NAME_LIMIT, True))
        checks.append((f"fields[{number}].value", field.get("value"), FIELD_VALUE_LIMIT, True))
    for name, value, limit, required in checks:
        found, size = _check_text(f"{where}.{name}", value, limit, required=required)
        errors += found
        total += size
    if "url" in embed and not _is_web_url(embed["url"]):
        errors.append(f"{where}.url {embed['url']!r} is not http(s)")
    for key in ("image", "thumbnail"):
        if key in embed:
            errors += _check_image(f"{where}.{key}", embed[key], files)
    if "color" in embed:
        colour = embed["color"]
        if isinstance(colour, bool) or not isinstance(colour, int) or not 0 <= colour <= 0xFFFFFF:
            errors.append(f"{where}.color {colour!r} is not an int 0..0xFFFFFF")
    if "timestamp" in embed:
        try:
            datetime.fromisoformat(embed["timestamp"])
        except (TypeError, ValueError):
            errors.append(f"{where}.timestamp {embed['timestamp']!r} is not ISO 8601")
    return errors, total


def validate_discord_payload(payload: Mapping[str, Any], files: Iterable[str] = ()) -> list[str]:
    """Return what Discord would reject in a Create Message payload; empty when it is valid."""
    names = set(files)
    attachments = payload.get("attachments") or []
    names |= {a.get("filename") for a in attachments if isinstance(a, Mapping)}
    errors, _ = _check_text("content", payload.get("content"), CONTENT_LIMIT)
    embeds = payload.get("embeds") or []
    if not isinstance(embeds, list):
        errors.append("embeds must be a list")
        embeds = []
    if len(embeds) > EMBED_COUNT:
        errors.append(f"{len(embeds)} embeds > {EMBED_COUNT}")
    total = 0
    for index, embed in enumerate(embeds):
        found, size = _check_embed(index, embed, names)
        errors += found
        total += size
    if total > TOTAL_LIMIT:
        errors.append(f"embed text totals {total} characters > {TOTAL_LIMIT}")
    content = payload.get("content")
    if not (isinstance(content, str) and content.strip()) and not embeds and not names \
            and not payload.get("sticker_ids") and not payload.get("components") and not payload.get("poll"):
        errors.append("Cannot send an empty message")
    mentions = payload.get("allowed_mentions")
    if mentions is not None:
        parse = mentions.get("parse", []) if isinstance(mentions, Mapping) else None
        if not isinstance(parse, list) or not set(parse) <= MENTION_KINDS:
            errors.append(f"allowed_mentions.parse {parse!r} is not a subset of {sorted(MENTION_KINDS)}")
    nonce = payload.get("nonce")
    if nonce is not None and len(str(nonce)) > NONCE_LIMIT:
        errors.append(f"nonce longer than {NONCE_LIMIT}")
    return errors


def assert_valid_discord_payload(payload: Mapping[str, Any], files: Iterable[str] = ()) -> None:
    """Fail with every problem found when Discord would reject `payload`."""
    errors = validate_discord_payload(payload, files)
    assert not errors, "\n".join(errors) + f"\nin {payload!r}"[:2000]
