"""Logging setup: one line per event, text or JSON, with every secret redacted.

Tokens reach log records in surprising places (httpx logs request URLs that contain the Telegram
token at INFO; PTB's InvalidToken and exception tracebacks quote URLs), so redaction is done by
the formatter on everything it writes (message, fields, traceback), not a convention callers must
remember.

Structured fields ride on a record as `extra={"fields": {...}}`: JSON lines get them as keys,
text lines as `key=value` after the message (unless the message already shows `key=`):

    log.info("sent", extra={"fields": {"article": 12, "target": "telegram:-100"}})
    2024-05-01 12:00:00,000 INFO herald.delivery: sent article=12 target=telegram:-100

Every event is exactly one line: newlines in messages and tracebacks are written as `\\n`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

# Telegram bot tokens look like 123456789:AA…, also inside URLs (…/bot123456789:AA…/getMe);
# Discord bot tokens are three base64url parts joined by dots. Redact the shapes even when we
# were not told the token.
_TOKEN_SHAPES = re.compile(
    r"(?<![0-9])[0-9]{5,}:[A-Za-z0-9_-]{30,}"
    r"|(?<![A-Za-z0-9_-])[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"
)
REDACTED = "[REDACTED]"

QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler", "aiosqlite", "discord.http", "discord.gateway", "alembic")
"""Third-party loggers held at WARNING: their INFO lines are per-request or per-start noise
(httpx even puts the Telegram token in them)."""
_MIGRATION_LOGGER = "alembic.runtime.migration"
_MIGRATION_STEPS = ("Running upgrade", "Running downgrade", "Running stamp")


class Redactor:
    """Replace known secrets and token-shaped strings in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        """Return `text` with every secret replaced by [REDACTED]."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return _TOKEN_SHAPES.sub(REDACTED, text)


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def logfmt(value: Any) -> str:
    """Return `value` as a `key=value` value: on one line, quoted when it has spaces or quotes."""
    text = _one_line(str(value))
    if text == "" or any(c in text for c in ' "='):
        return json.dumps(text, ensure_ascii=False)
    return text


def _fields(record: logging.LogRecord) -> Mapping[str, Any]:
    fields = getattr(record, "fields", None)
    return fields if isinstance(fields, Mapping) else {}


class _TextFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        for key, value in _fields(record).items():
            if value is not None and f"{key}=" not in record.message:  # it may show it already
                line += f" {key}={logfmt(value)}"
        if record.exc_info:
            line += " | " + self.formatException(record.exc_info)
        if record.stack_info:
            line += " | " + self.formatStack(record.stack_info)
        return self._redact(_one_line(line))


class _JsonFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "component": record.name,
            "message": record.getMessage(),
        }
        for key, value in _fields(record).items():
            if key not in data:
                data[key] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return json.dumps(self._clean(data), ensure_ascii=False, default=str)

    def _clean(self, value: Any) -> Any:
        """Redact every string before encoding (JSON escaping could split a secret)."""
        if isinstance(value, str):
            return self._redact(value)
        if isinstance(value, Mapping):
            return {str(k): self._clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._clean(v) for v in value]
        if value is None or isinstance(value, (bool, int, float)):
            return value
        return self._redact(str(value))


class _MigrationSteps(logging.Filter):
    """Let through alembic's "Running upgrade a -> b" lines, drop its per-start chatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.getMessage().startswith(_MIGRATION_STEPS)


def make_formatter(fmt: str, redact: Redactor) -> logging.Formatter:
    """Return the one-line formatter for `fmt` ("text" or "json") that redacts with `redact`."""
    return _JsonFormatter(redact) if fmt == "json" else _TextFormatter(redact)


def configure_logging(*, level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = ()) -> Redactor:
    """Send logs to stderr in `fmt` ("text" or "json"), redacting `secrets`; return the redactor."""
    redact = Redactor(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(make_formatter(fmt, redact))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Keep one line per migration applied: an operator upgrading wants to see what ran.
    migration = logging.getLogger(_MIGRATION_LOGGER)
    migration.setLevel(max(logging.INFO, root.level))
    for stale in [f for f in migration.filters if isinstance(f, _MigrationSteps)]:
        migration.removeFilter(stale)
    migration.addFilter(_MigrationSteps())
    # Library warnings (PTB's PTBUserWarning, deprecations) and a crash at start-up become log
    # lines too, not raw multi-line stderr text.
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    return redact


def _log_uncaught(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
        return
    logging.getLogger("herald").critical("stopped by %s: %s", kind.__name__, value, exc_info=(kind, value, tb))


def first_line(exc: BaseException) -> str:
    """Return an exception's first line of text, or its type when it has none."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
