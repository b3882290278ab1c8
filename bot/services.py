"""`AppServices`: what every platform runtime talks to (`bot.platform.Services`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.commands import CommandContext, CommandSpec, Invocation, Reply, command_table, dispatch_action
from bot.commands import dispatch as dispatch_command
from bot.commands.channels import ChannelLookup, ConfiguredChannels, configured_refusal, manage_channel
from bot.commands.completion import complete as complete_option
from bot.delivery import outbox
from bot.delivery.engine import DeliveryEngine
from bot.request import Request
from bot.settings import Settings
from bot.store.platform_store import PlatformStore
from bot.targets import parse_targets

log = logging.getLogger("herald.core")


class AppServices:
    """The platform-neutral services a runtime talks to (implements `bot.platform.Services`)."""

    def __init__(self, settings: Settings, ctx: CommandContext, delivery: DeliveryEngine) -> None:
        self.settings = settings
        self._sessions = ctx.sessions
        self._ctx = ctx
        self._delivery = delivery
        self._configured = ConfiguredChannels(parse_targets(settings.channels))

    def store(self, platform: str) -> PlatformStore:
        """The storage `platform` owns (media cache, command-sync fingerprints)."""
        return PlatformStore(self._sessions, platform, self._ctx.clock.now)

    @property
    def commands(self) -> Sequence[CommandSpec]:
        """The command table."""
        return command_table()

    async def handle(self, inv: Invocation) -> Reply:
        """Run a chat command (refused when it would change a chat HERALD_CHANNELS serves)."""
        return configured_refusal(self._configured, inv) or await dispatch_command(self._ctx, inv)

    async def handle_action(self, inv: Invocation, action: str) -> Reply:
        """Run a button press."""
        return await dispatch_action(self._ctx, inv, action)

    async def manage_channel(self, inv: Invocation, lookup: ChannelLookup) -> Reply:
        """Run a command from an admin's private chat on the channel its first argument names."""
        return await manage_channel(self._ctx, self._configured, inv, lookup)

    async def complete(self, kind: str, typed: str) -> list[tuple[str, str]]:
        """Suggest categories or articles for a partly typed option."""
        return await complete_option(self._ctx, kind, typed)

    async def send_reply(self, platform: str, channel_id: str, requests: list[Request]) -> str:
        """Send a command reply ahead of broadcasts."""
        return await self._delivery.send_reply(platform, channel_id, requests)

    async def channel_moved(self, platform: str, old: str, new: str) -> None:
        """A channel got a new id (a Telegram group became a supergroup): move its subscription
        and pending deliveries now, as the outbox does when a send is refused with the new id."""
        await outbox.move_target(self._sessions, platform, old, new, now=self._ctx.clock.now())
        log.info("%s channel %s is now %s: its subscription moved there", platform, old, new)
