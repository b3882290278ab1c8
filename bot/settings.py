"""Herald's configuration: environment variables (HERALD_*), a `.env` file and `herald.toml`.

The environment wins over `.env`, which wins over `herald.toml`. Tokens are read only from the
environment or `.env`, never from `herald.toml`. Nothing here is read at import time: build a
`Settings()` in the composition root (`bot.app`) or a test.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.targets import parse_target

CommaList = Annotated[tuple[str, ...], NoDecode]
_SLOT = re.compile(r"(\d{1,2}):(\d{2})")

DEFAULT_PLACEHOLDER_HOSTS = (
    "picsum.photos",
    "placehold.co",
    "placehold.it",
    "placeholder.com",
    "via.placeholder.com",
    "dummyimage.com",
    "loremflickr.com",
    "placekitten.com",
    "fakeimg.pl",
    "source.unsplash.com",
)

SECRET_FIELDS = ("telegram_token", "discord_token", "git_tokens", "source_push_secret")


class _TokenlessToml(TomlConfigSettingsSource):
    """`herald.toml`, with token fields ignored (tokens come only from the environment)."""

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        return {k: v for k, v in data.items() if k not in SECRET_FIELDS}


class Settings(BaseSettings):
    """Every setting Herald reads. Field docs are the configuration reference."""

    model_config = SettingsConfigDict(
        env_prefix="HERALD_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        toml_file="herald.toml",
        frozen=True,
    )

    content_dir: Path = Field(Path("./content"), description="Folder of posts.")
    database_url: str = Field(
        "sqlite:///./data/herald.db",
        description="`sqlite:///path` or `postgresql://user@host/db`.",
    )
    telegram_token: SecretStr | None = Field(None, description="Telegram bot token; enables Telegram.")
    telegram_api_url: str = Field(
        "https://api.telegram.org/bot", description="Bot API base URL; the token is appended."
    )
    telegram_webhook_url: str | None = Field(
        None, description="Public URL for webhook mode; unset means long polling."
    )
    telegram_webhook_listen: str = Field(
        "0.0.0.0:8443", description="Address and port the webhook server listens on (webhook mode only)."
    )
    telegram_rate: float = Field(
        30,
        ge=1,
        le=1000,
        description="Messages per second Herald sends to Telegram over all chats (1–1000; kept 2 % below). "
        "Telegram allows about 30 without paid broadcasts and answers faster sending with 429s; "
        "with `HERALD_TELEGRAM_PAID_BROADCAST` the rate is 1,000.",
    )
    telegram_paid_broadcast: bool = Field(
        False,
        description="Send broadcasts with `allow_paid_broadcast`: up to 1,000 messages per second over all chats "
        "(per-chat limits stay), at 0.1 Telegram Stars per message beyond the free 30 per second, taken "
        "from the bot's Stars balance. Command replies are sent without it.",
    )
    discord_token: SecretStr | None = Field(None, description="Discord bot token; enables Discord.")
    discord_api_url: str = Field(
        "https://discord.com/api/v10",
        description="Discord REST base; when set, the gateway URL comes from its `GET /gateway/bot`.",
    )
    discord_guild_ids: CommaList = Field((), description="Guilds to sync slash commands to instantly.")
    discord_attach_hosts: CommaList = Field(
        (),
        description="Image hosts always downloaded and attached to Discord embeds (besides hosts "
        "found to block hotlinking); `*` for every host.",
    )
    discord_webhooks: CommaList = Field(
        (),
        description="Discord targets delivered through a channel webhook Herald creates (needs Manage Webhooks), so "
        "cards carry `HERALD_SITE_NAME` and `HERALD_SITE_AVATAR`: `discord:<channel id>` entries, or `*` for every "
        "Discord target.",
    )
    site_name: str | None = Field(None, description="The site's name: what webhook cards are posted under.")
    site_avatar: str | None = Field(None, description="URL of the avatar webhook cards are posted with.")
    admins: CommaList = Field((), description="`telegram:123,discord:456` user ids allowed admin commands.")
    channels: CommaList = Field(
        (),
        description="Targets that get every new article: `telegram:@name`, `telegram:-100…`, `discord:<id>`.",
    )
    sources: CommaList = Field(
        (),
        description="Where articles come from: `name=URL-or-path` (optionally `name@30m=…`, the poll interval), "
        "comma-separated: a folder, an RSS/Atom/JSON feed (`https://…`), or a git repository "
        "(`git+https://host/owner/site.git#branch:folder`). Unset: `HERALD_CONTENT_DIR` alone.",
    )
    source_interval: float = Field(
        900.0,
        ge=30,
        description="Seconds between polls of a feed or git source without its own `@interval` (±10 % jitter).",
    )
    data_dir: Path = Field(
        Path("./data"), description="Folder for Herald's own files besides the database: git sources' object stores."
    )
    git_tokens: SecretStr | None = Field(
        None,
        description="Tokens for private sources: `name=token`, comma-separated; each is sent only to its own source's "
        "host (a git source: HTTP basic, user `x-access-token`; a feed: a Bearer token).",
    )
    source_push_secret: SecretStr | None = Field(
        None,
        description="Secret of the push endpoint `POST /sources/<name>/push` (a git host's webhook: GitHub's and "
        "Gitea's signature, GitLab's token): a push makes that source due at once. Unset: no endpoint.",
    )
    site_url: str | None = Field(None, description="Public base URL of the site, for links.")
    permalink: str = Field(":year/:month/:day/:title/", description="Permalink pattern under the site URL.")
    timezone: str = Field("UTC", description="Zone for naive dates and admin times.")
    auto_publish: bool = Field(True, description="Push new articles at once, or hold them for approval.")
    queue_slots: CommaList = Field((), description="Daily broadcast slots, `09:00,13:00,18:00`.")
    hidden_categories: CommaList = Field(
        (), description="Categories never shown as hashtags or filters (e.g. `首页`)."
    )
    excerpt_chars: int = Field(
        400, ge=50, le=3000, description="Target length of a card's excerpt, in characters, before platform limits."
    )
    placeholder_hosts: CommaList = Field(
        DEFAULT_PLACEHOLDER_HOSTS, description="Image hosts whose images are random placeholders, not thumbnails."
    )
    templates: CommaList = Field(
        (),
        description="Card templates (sandboxed Jinja2) replacing the default layout: `platform=path` or "
        "`platform:channel=path`, comma-separated, like `telegram=./templates/telegram.j2`. Telegram's renders the "
        "card's HTML, Discord's the embed description (Markdown), the console's the whole text.",
    )
    queue_grace: float = Field(
        6 * 3600.0,
        ge=0,
        description="Seconds a queued broadcast may be late (Herald was down) and still go out; older ones are skipped.",
    )
    scan_interval: float = Field(
        60.0,
        gt=0,
        description="Seconds between full rescans of the content folder (catches what the watcher missed).",
    )
    edit_window: int = Field(
        172800,
        ge=0,
        description="Seconds after sending during which a changed post edits the messages sent for it; `0` turns "
        "edits off.",
    )
    delete_removed: bool = Field(
        False,
        description="A deleted post deletes the messages sent for it (sent within `HERALD_EDIT_WINDOW`, or the "
        "last 48 hours when edits are off).",
    )
    http_port: int = Field(8080, ge=0, le=65535, description="Health and metrics server port; 0 disables.")
    http_host: str = Field(
        "127.0.0.1", description="Address the health and metrics server binds (the Dockerfile sets `0.0.0.0`)."
    )
    panel_url: str | None = Field(
        None,
        description="Public URL of the admin panel (the HTTP server's `/panel`, as browsers and Telegram reach it, "
        "e.g. `https://herald.example.org/panel`), used in sign-in links; unset: "
        "`http://HERALD_HTTP_HOST:HERALD_HTTP_PORT/panel`. Cookies are `Secure` when it is https.",
    )
    allow_private_fetch: bool = Field(
        False,
        description="Let image downloads and feed and git fetches reach loopback, private and link-local addresses "
        "(tests only).",
    )
    log_format: Literal["text", "json"] = Field("text", description="`text` or `json` lines.")
    log_level: str = Field("INFO", description="Logging level.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, dotenv_settings, _TokenlessToml(settings_cls))

    @field_validator(
        "discord_guild_ids", "discord_attach_hosts", "discord_webhooks", "sources", "admins", "channels", "queue_slots",
        "hidden_categories", "placeholder_hosts", "templates",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("sources")
    @classmethod
    def _check_sources(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from bot.sources.spec import parse_specs

        parse_specs(value)  # SpecError is a ValueError: reported as a configuration error
        return value

    @field_validator("channels", "admins")
    @classmethod
    def _check_targets(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            parse_target(item)  # TargetError is a ValueError: reported as a configuration error
        return value

    @field_validator("templates")
    @classmethod
    def _check_templates(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from bot.templating import load_sources

        load_sources(value)  # TemplateConfigError is a ValueError: the file and line, exit status 2
        return value

    @field_validator("queue_slots")
    @classmethod
    def _check_slots(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            match = _SLOT.fullmatch(unicodedata.normalize("NFKC", item).strip())
            if match is None or int(match[1]) > 23 or int(match[2]) > 59:
                raise ValueError(f"{item!r} is not a time of day; write slots like 09:00,13:00,18:00")
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database(cls, value: str) -> str:
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            backend = ""
        if backend not in ("sqlite", "postgresql", "postgres"):
            raise ValueError("use sqlite:///path/to/herald.db or postgresql://user:password@host/db")
        return value

    @field_validator("panel_url")
    @classmethod
    def _check_panel_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError("use the panel's public address, like https://herald.example.org/panel")
        return value.strip().rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Asia/Shanghai)") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)
