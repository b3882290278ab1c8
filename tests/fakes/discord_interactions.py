"""Interactions in the fake Discord server: payload builders for slash commands, autocomplete
and components, the callback route, and the webhook routes for followups and edits."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes import discord_payloads as payloads
from tests.fakes.discord_rules import (
    BODY,
    FILES,
    ApiError,
    FormErrors,
    check_autocomplete,
    check_message,
    check_new_message,
)

if TYPE_CHECKING:
    from tests.fakes.discord_api import FakeDiscord

# Callback types allowed for each interaction type (PING, APPLICATION_COMMAND, COMPONENT,
# AUTOCOMPLETE, MODAL_SUBMIT), per Discord's "Responding to an Interaction".
ALLOWED_CALLBACKS = {1: {1}, 2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}
_OPTION_TYPES = {bool: 5, int: 4, float: 10, str: 3}
_WEBHOOK = "/api/v10/webhooks/{application_id}/{token}"


@dataclass
class PendingInteraction:
    """A dispatched interaction and what the bot has answered to it so far."""

    id: int
    token: str
    kind: int
    channel_id: int
    guild_id: int | None
    sent_at: float = 0.0
    response_type: int | None = None
    original: dict[str, Any] | None = None
    followups: dict[str, dict[str, Any]] = field(default_factory=dict)


class InteractionRoutes:
    """Build interactions and answer the bot's callbacks, followups and edits."""

    def __init__(self, fake: FakeDiscord) -> None:
        self._fake = fake
        self.pending: dict[int, PendingInteraction] = {}

    def routes(self) -> list[web.RouteDef]:
        """Return the aiohttp route table for interaction endpoints."""
        message = _WEBHOOK + "/messages/{message_id}"
        return [
            web.post("/api/v10/interactions/{interaction_id}/{token}/callback", self.callback),
            web.post(_WEBHOOK, self.followup),
            web.get(message, self.get_message), web.patch(message, self.edit),
            web.delete(message, self.delete),
        ]

    def build(self, kind: int, data: dict[str, Any], *, guild_id: int | None, channel_id: int, user_id: int,
              permissions: str, locale: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """Build an interaction payload of any type."""
        fake = self._fake
        guild = fake.guilds.get(guild_id) if guild_id is not None else None
        if guild_id is not None and guild is None:
            raise ValueError(f"unknown guild {guild_id}: add_guild() it first")
        payload = payloads.interaction(
            interaction_id=fake.snowflakes.next(), token=f"aW50ZXJhY3Rpb24.{secrets.token_urlsafe(24)}",
            application_id=fake.application_id, kind=kind, data=data, guild=guild, channel_id=channel_id,
            user_id=user_id, permissions=permissions, locale=locale,
        )
        return {**payload, **(extra or {})}

    def command_data(self, name: str, options: Any, guild_id: int | None, kind: int) -> dict[str, Any]:
        """Build the `data` of a command interaction, typing options from the synced definition."""
        words = name.split()
        definition = self._definition(words[0], guild_id)
        data: dict[str, Any] = {"id": definition["id"] if definition else str(self._fake.snowflakes.next()),
                                "name": words[0], "type": 1}
        if definition and "guild_id" in definition:
            data["guild_id"] = definition["guild_id"]
        declared = (definition or {}).get("options") or []
        values = _typed_options(options, _declared_at(declared, words[1:]))
        for word in reversed(words[1:]):
            sub = next((o for o in declared if o["name"] == word), {"type": 1})
            values = [{"name": word, "type": sub.get("type", 1), "options": values}]
        if values:
            data["options"] = values
        if kind == 2 and self._fake.guilds.get(guild_id or 0):
            resolved = _resolved(values, self._fake, guild_id)
            if resolved:
                data["resolved"] = resolved
        return data

    def _definition(self, name: str, guild_id: int | None) -> dict[str, Any] | None:
        scopes = ([str(guild_id)] if guild_id is not None else []) + [None]
        for scope in scopes:
            for command in self._fake.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    return command
        return None

    def remember(self, interaction: dict[str, Any]) -> None:
        """Accept answers for a dispatched interaction from now on."""
        self.pending[int(interaction["id"])] = PendingInteraction(
            int(interaction["id"]), interaction["token"], interaction["type"], int(interaction["channel_id"]),
            int(interaction["guild_id"]) if interaction.get("guild_id") else None, time.monotonic(),
        )

    def _find(self, interaction_id: str, token: str, unknown: tuple[int, str]) -> PendingInteraction:
        pending = self.pending.get(int(interaction_id)) if interaction_id.isdigit() else None
        deadline = self._fake.interaction_deadline
        if pending is None or pending.token != token:
            raise ApiError(404, *unknown)
        if unknown[0] == 10062 and deadline is not None and time.monotonic() - pending.sent_at > deadline:
            raise ApiError(404, *unknown)
        return pending

    def _by_token(self, request: web.Request) -> PendingInteraction:
        if request.match_info["application_id"] != str(self._fake.application_id):
            raise ApiError(404, 10015, "Unknown Webhook")
        token = request.match_info["token"]
        pending = next((p for p in self.pending.values() if p.token == token), None)
        if pending is None or pending.response_type is None:
            raise ApiError(404, 10015, "Unknown Webhook")
        return pending

    async def callback(self, request: web.Request) -> web.Response:
        """Answer POST /interactions/{id}/{token}/callback."""
        pending = self._find(request.match_info["interaction_id"], request.match_info["token"],
                             (10062, "Unknown interaction"))
        if pending.response_type is not None:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        body, files = request[BODY] or {}, request[FILES]
        kind, data = body.get("type"), body.get("data")
        if kind not in ALLOWED_CALLBACKS.get(pending.kind, set()):
            errors = FormErrors()
            message = f"Invalid interaction response type {kind}"
            errors.add(("type",), "INTERACTION_RESPONSE_TYPE_INVALID", message)
            errors.raise_if_any()
        if kind == 4:
            check_new_message(data or {}, files, self._fake.limits)
        elif kind == 7:
            check_message(data or {}, files, self._fake.limits)
        elif kind == 8:
            check_autocomplete(data, self._fake.limits)
        elif kind == 9:
            _check_modal(data)
        pending.response_type = kind
        if kind in (4, 5):
            shown = (data or {}) if kind == 4 else {"flags": ((data or {}).get("flags") or 0) | 128}
            pending.original = self._fake.message_object(pending.channel_id, shown, files, webhook=True)
        self._fake.record_interaction_response("callback", pending.id, kind, data, files)
        if "with_response" not in request.query:
            return web.Response(status=204)
        original = pending.original or {}
        answer: dict[str, Any] = {
            "interaction": {
                "id": str(pending.id), "type": pending.kind, "response_message_id": original.get("id"),
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(int((data or {}).get("flags") or 0) & 64),
            },
            "resource": {"type": kind, **({"message": original} if kind in (4, 5) else {})},
        }
        return self._fake.json(answer)

    async def followup(self, request: web.Request) -> web.StreamResponse:
        """Answer POST /webhooks/{app}/{token}: a followup message (or a channel webhook's execute)."""
        if self._fake.webhooks.owns(request):
            return await self._fake.webhooks.execute(request)
        pending = self._by_token(request)
        body, files = request[BODY] or {}, request[FILES]
        check_new_message(body, files, self._fake.limits)
        created = self._fake.message_object(pending.channel_id, body, files, webhook=True)
        pending.followups[created["id"]] = created
        self._fake.record_interaction_response("followup", pending.id, None, body, files, created["id"])
        if request.query.get("wait", "false").lower() not in ("true", "1"):
            return web.Response(status=204)
        return self._fake.json(created)

    def _message(self, pending: PendingInteraction, message_id: str) -> dict[str, Any]:
        found = pending.original if message_id == "@original" else pending.followups.get(message_id)
        if found is None:
            raise ApiError(404, 10008, "Unknown Message")
        return found

    async def get_message(self, request: web.Request) -> web.Response:
        """Answer GET /webhooks/{app}/{token}/messages/{id|@original}."""
        if self._fake.webhooks.owns(request):
            return await self._fake.webhooks.get_message(request)
        pending = self._by_token(request)
        return self._fake.json(self._message(pending, request.match_info["message_id"]))

    async def edit(self, request: web.Request) -> web.Response:
        """Answer PATCH /webhooks/{app}/{token}/messages/{id|@original}: edit a response."""
        if self._fake.webhooks.owns(request):
            return await self._fake.webhooks.edit(request)
        pending = self._by_token(request)
        message_id = request.match_info["message_id"]
        old = self._message(pending, message_id)
        body, files = request[BODY] or {}, request[FILES]
        check_message(body, files, self._fake.limits)
        flags = int(old.get("flags") or 0) & ~128
        merged = {"content": old.get("content"), "embeds": old.get("embeds"), "flags": flags, **body}
        edited = self._fake.message_object(pending.channel_id, merged, files, webhook=True,
                                           message_id=int(old["id"]))
        edited["edited_timestamp"] = payloads.timestamp()
        if message_id == "@original":
            pending.original = edited
        else:
            pending.followups[message_id] = edited
        self._fake.record_interaction_response("edit", pending.id, None, body, files, message_id)
        return self._fake.json(edited)

    async def delete(self, request: web.Request) -> web.Response:
        """Answer DELETE /webhooks/{app}/{token}/messages/{id|@original}."""
        if self._fake.webhooks.owns(request):
            return await self._fake.webhooks.delete_message(request)
        pending = self._by_token(request)
        message_id = request.match_info["message_id"]
        self._message(pending, message_id)
        if message_id == "@original":
            pending.original = None
        else:
            del pending.followups[message_id]
        self._fake.record_interaction_response("delete", pending.id, None, None, {}, message_id)
        return web.Response(status=204)


def _declared_at(declared: list[dict[str, Any]], path: list[str]) -> list[dict[str, Any]]:
    for word in path:
        declared = next((o.get("options") or [] for o in declared if o["name"] == word), [])
    return declared


def _typed_options(options: Any, declared: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Turn {name: value} into Discord's option list, typed by the declaration when known."""
    if options is None:
        return []
    if isinstance(options, list):
        return options
    types = {o["name"]: o["type"] for o in declared}
    built = []
    for name, value in options.items():
        kind = types.get(name, _OPTION_TYPES.get(type(value), 3))
        built.append({"name": name, "type": kind, "value": str(value) if kind in (6, 7, 8, 9) else value})
    return built


def _resolved(options: list[dict[str, Any]], fake: FakeDiscord, guild_id: int | None) -> dict[str, Any]:
    """Build `resolved` users/members/channels for user and channel options."""
    resolved: dict[str, dict[str, Any]] = {}
    guild = fake.guilds[guild_id or 0]
    for option in options:
        value = option.get("value")
        if option.get("type") in (6, 9) and value is not None:
            member = payloads.member(int(value))
            resolved.setdefault("users", {})[str(value)] = member.pop("user")
            resolved.setdefault("members", {})[str(value)] = {**member, "permissions": "0"}
        elif option.get("type") == 7 and value is not None and int(value) in guild.channels:
            channel = guild.channels[int(value)].payload()
            channel["permissions"] = str(payloads.ALL_PERMISSIONS)
            resolved.setdefault("channels", {})[str(value)] = channel
    return resolved


def _check_modal(data: Any) -> None:
    errors = FormErrors()
    data = data or {}
    if not data.get("custom_id"):
        errors.add(("data", "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
    if not 1 <= len(data.get("title") or "") <= 45:
        errors.add(("data", "title"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length.")
    if not 1 <= len(data.get("components") or []) <= 5:
        errors.add(("data", "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
    errors.raise_if_any()
