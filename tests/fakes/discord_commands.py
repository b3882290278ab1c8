"""Application command routes of the fake Discord server: bulk overwrite (what
`CommandTree.sync()` calls), create, list and delete, global or per guild."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes.discord_rules import BODY, ApiError, check_commands

if TYPE_CHECKING:
    from tests.fakes.discord_api import FakeDiscord

_COMMANDS = "/api/v10/applications/{application_id}/commands"
_GUILD_COMMANDS = "/api/v10/applications/{application_id}/guilds/{guild_id}/commands"


class CommandRoutes:
    """Store synced command definitions in `fake.commands` by guild id (None = global)."""

    def __init__(self, fake: FakeDiscord) -> None:
        self._fake = fake

    def routes(self) -> list[web.RouteDef]:
        """Return the aiohttp route table for command endpoints."""
        return [
            route
            for path in (_COMMANDS, _GUILD_COMMANDS)
            for route in (web.get(path, self.list_commands), web.put(path, self.overwrite),
                          web.post(path, self.create), web.delete(path + "/{command_id}", self.delete))
        ]

    def _scope(self, request: web.Request) -> str | None:
        if request.match_info["application_id"] != str(self._fake.application_id):
            raise ApiError(403, 20012, "You are not authorized to perform this action on this application")
        guild_id = request.match_info.get("guild_id")
        if guild_id is not None and int(guild_id) not in self._fake.guilds:
            raise ApiError(403, 50001, "Missing Access")
        return guild_id

    async def list_commands(self, request: web.Request) -> web.Response:
        """Answer the stored definitions."""
        return self._fake.json(self._fake.commands.get(self._scope(request), []))

    async def overwrite(self, request: web.Request) -> web.Response:
        """Replace all definitions of a scope (bulk overwrite), keeping ids of unchanged names."""
        scope = self._scope(request)
        body = request[BODY]
        check_commands(body, self._fake.limits)
        old = {(c["type"], c["name"]): c for c in self._fake.commands.get(scope, [])}
        stored = [self._stored(scope, command, old.get((command.get("type", 1), command["name"])))
                  for command in body]
        self._fake.commands[scope] = stored
        self._fake.sync_calls += 1
        return self._fake.json(stored)

    async def create(self, request: web.Request) -> web.Response:
        """Create or replace one definition (upsert by name and type)."""
        scope = self._scope(request)
        body = request[BODY]
        check_commands([body], self._fake.limits)
        current = self._fake.commands.setdefault(scope, [])
        key = (body.get("type", 1), body["name"])
        old = next((c for c in current if (c["type"], c["name"]) == key), None)
        command = self._stored(scope, body, old)
        current[:] = [c for c in current if c is not old] + [command]
        self._fake.sync_calls += 1
        return self._fake.json(command, status=200 if old else 201)

    async def delete(self, request: web.Request) -> web.Response:
        """Delete one definition by id."""
        current = self._fake.commands.get(self._scope(request), [])
        command_id = request.match_info["command_id"]
        if not any(c["id"] == command_id for c in current):
            raise ApiError(404, 10063, "Unknown application command")
        current[:] = [c for c in current if c["id"] != command_id]
        return web.Response(status=204)

    def _stored(
        self, scope: str | None, command: dict[str, Any], old: dict[str, Any] | None
    ) -> dict[str, Any]:
        fake = self._fake
        stored = {
            "type": 1, "description": "", "options": [], "default_member_permissions": None,
            "nsfw": False, "integration_types": [0], "contexts": None,
            "name_localizations": None, "description_localizations": None, **command,
            "id": old["id"] if old else str(fake.snowflakes.next()),
            "application_id": str(fake.application_id), "version": str(fake.snowflakes.next()),
        }
        if scope is not None:
            stored["guild_id"] = scope
        return stored
