"""The Discord platform at run time: a discord.py client (default intents only) that registers
the slash commands, answers interactions through the core, and lends its HTTP client to the
delivery engine's outlet.

`HERALD_DISCORD_API_URL` redirects every REST call (`discord.http.Route.BASE`) and the gateway:
when it is not Discord's own, the websocket URL is the one that server's `GET /gateway/bot`
announces, as Discord's clients do, so the whole bot can run against a local server.

A gateway that stays disconnected for `UNREACHABLE_AFTER` seconds is the runtime's `problem`
(/healthz answers 503); shorter drops, which discord.py resumes by itself, stay healthy.
`check_targets` computes the bot's permissions in each configured channel from the guild cache
and names the missing ones (View Channel, Send Messages, Embed Links, Attach Files); in a thread
Send Messages in Threads stands for Send Messages, in a forum Send Messages means Create Posts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from contextlib import suppress

import discord
import yarl

from adapters.discord.commands import command_payloads
from adapters.discord.images import EmbedImages
from adapters.discord.interactions import DEFER_AFTER, PLATFORM, InteractionHandler, send_to, settled_kwargs
from adapters.discord.outlet import LIMITS, DiscordOutlet, delivery_error
from adapters.discord.sync import MetaStore, guild_ids, sync_commands
from adapters.discord.threads import is_thread, permission_name, thread_permissions
from adapters.discord.webhooks import Webhooks
from bot.commands import Reply
from bot.commands.i18n import message
from bot.delivery.errors import Transient
from bot.platform import UNREACHABLE_AFTER, Outage, RuntimeBase, Services
from bot.settings import Settings
from bot.waits import Backoff, first_of, pause

log = logging.getLogger("herald.discord")

DEFAULT_API_URL = "https://discord.com/api/v10"
_LOGIN_WAIT = 30.0
"""How long a send waits for the client to log in before it counts as a transient failure."""
_RETRY_FIRST = 1.0
_RETRY_MAX = 60.0
NEEDED = ("view_channel", "send_messages", "embed_links", "attach_files")
"""The permissions a broadcast channel needs, as discord.py names them (the catalogue's
`discord.perm.<name>` says them as Discord shows them)."""


class HeraldClient(discord.Client):
    """discord.py's client, wired to the runtime at setup and for every interaction."""

    def __init__(self, runtime: DiscordRuntime, **options: object) -> None:
        super().__init__(intents=discord.Intents.default(), **options)  # type: ignore[arg-type]
        self._runtime = runtime

    async def setup_hook(self) -> None:
        """After login: find the gateway, then sync the commands if they changed."""
        await self._runtime.on_login(self)

    async def on_ready(self) -> None:
        """Log the connection (the bot's name, never its token)."""
        self._runtime.gateway.recovered()
        log.info("connected to Discord as %s in %d guild(s)", self.user, len(self.guilds))

    async def on_resumed(self) -> None:
        """A dropped gateway connection was resumed."""
        self._runtime.gateway.recovered()

    async def on_disconnect(self) -> None:
        """The gateway connection dropped; discord.py reconnects by itself."""
        self._runtime.gateway.failed("gateway disconnected")

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Answer every command, autocomplete and button press."""
        await self._runtime.handler.handle(interaction)


class DiscordRuntime(RuntimeBase):
    """Run the Discord client until stopped; reconnects are discord.py's job."""

    name = "discord"
    limits = LIMITS

    def __init__(
        self,
        settings: Settings,
        services: Services,
        *,
        attach_hosts: Sequence[str] = (),
        probe_images: bool = True,
        defer_after: float = DEFER_AFTER,
        guild_ready_timeout: float = 2.0,
        meta: MetaStore | None = None,
        unreachable_after: float = UNREACHABLE_AFTER,
    ) -> None:
        if settings.discord_token is None:
            raise ValueError("HERALD_DISCORD_TOKEN is not set")
        self._settings = settings
        self._services = services
        self._token = settings.discord_token
        self._guild_ready_timeout = guild_ready_timeout
        self._meta: MetaStore = meta or services.store(PLATFORM)
        self._images = EmbedImages(attach_hosts, detect=probe_images, allow_private=settings.allow_private_fetch)
        self.handler = InteractionHandler(services, attach_images=bool(self._images.hosts), defer_after=defer_after)
        webhooks = Webhooks(
            getattr(settings, "discord_webhooks", ()),
            name=getattr(settings, "site_name", None), avatar=getattr(settings, "site_avatar", None),
        )  # fmt: skip
        self.outlet = DiscordOutlet(self._logged_in_client, self._images, webhooks)
        self._client: HeraldClient | None = None
        self._logged_in = asyncio.Event()
        self.gateway = Outage("Discord gateway disconnected", after=unreachable_after)
        """How long the gateway has been down: what `problem` reports after `unreachable_after`."""

    @property
    def connected(self) -> bool:
        """Whether the gateway connection is up."""
        client = self._client
        return client is not None and client.is_ready() and not client.is_closed()

    @property
    def problem(self) -> str | None:
        """Why Discord is not served although the runtime runs: the gateway down for
        `UNREACHABLE_AFTER` seconds (or the connection failing that long); None otherwise."""
        if self.connected and not self.gateway.failing:
            return None
        return self.gateway.problem()

    @property
    def reconnecting(self) -> bool:
        """Whether the gateway dropped less than `UNREACHABLE_AFTER` seconds ago (still healthy)."""
        return self.gateway.failing and self.gateway.problem() is None

    async def check_targets(self, channel_ids: Iterable[str]) -> dict[str, str | None]:
        """Return channel id → the missing permissions (or "channel not found"), None when the
        bot can post there; unknown (None) when Discord could not be asked."""
        client = self._client
        if client is None:
            return {}
        return {channel_id: await self._cannot_post(client, channel_id) for channel_id in channel_ids}

    @staticmethod
    async def _cannot_post(client: discord.Client, channel_id: str) -> str | None:
        if not channel_id.isdecimal():
            return "not a channel id"
        channel = client.get_channel(int(channel_id))
        if channel is None:
            try:
                channel = await client.fetch_channel(int(channel_id))
            except discord.NotFound:
                return "channel not found"
            except discord.Forbidden:
                return "missing permission: View Channel"
            except (discord.HTTPException, OSError, TimeoutError):
                return None
        guild = getattr(channel, "guild", None)
        me = guild.me if guild is not None else None
        if me is None or not hasattr(channel, "permissions_for"):
            return None  # a DM or an uncached guild: nothing to compute from
        try:
            permissions = channel.permissions_for(me)  # type: ignore[union-attr]
        except discord.ClientException:  # a thread whose parent is not cached
            return None
        thread = is_thread(channel)
        if thread:  # a thread: Send Messages in Threads is what counts
            permissions = thread_permissions(permissions)
        # A forum's Send Messages is "Create Posts", which is what a forum target needs.
        missing = [name for name in NEEDED if not getattr(permissions, name)]
        # Without View Channel nothing else counts, and without Send Messages Discord (and
        # discord.py's computation) denies Embed Links and Attach Files too: name the root cause.
        for root in ("view_channel", "send_messages"):
            if root in missing:
                missing = [root]
                break
        if not missing:
            return None
        # An operator's reason (logs, /stats, the admin notice): in English, as Discord names them.
        names = (message(f"discord.perm.{permission_name(name, thread=thread)}", "en") for name in missing)
        return "missing permission: " + ", ".join(names)

    @property
    def client(self) -> discord.Client | None:
        """The running discord.py client, if any."""
        return self._client

    def _custom_api(self) -> str | None:
        url = self._settings.discord_api_url.rstrip("/")
        return None if url == DEFAULT_API_URL else url

    async def _logged_in_client(self) -> discord.Client:
        """Return the client once it has logged in (sends need only REST, not the gateway)."""
        if not await first_of(self._logged_in, timeout=_LOGIN_WAIT):
            raise Transient("not logged in to Discord yet")
        assert self._client is not None
        return self._client

    async def send_direct(self, user_id: str, reply: Reply) -> tuple[str, int] | None:
        """Send a reply (buttons included) to one user by direct message, opening the DM channel;
        return the DM channel and the last message's id, for `settle_direct`.

        Raises the core's delivery errors, e.g. when the user accepts no DMs from the bot.
        """
        client = await self._logged_in_client()
        try:
            channel = await client.create_dm(discord.Object(int(user_id)))
            last = await send_to(channel, reply)
        except (TimeoutError, discord.DiscordException, OSError) as exc:
            raise delivery_error(exc) from None
        return (str(channel.id), last.id) if last is not None else None

    async def settle_direct(self, chat_id: str, message_id: int, reply: Reply) -> None:
        """Edit a card sent by `send_direct` (an approval request) to show `reply`, no buttons."""
        client = await self._logged_in_client()
        message = client.get_partial_messageable(int(chat_id)).get_partial_message(message_id)
        try:
            await message.edit(**settled_kwargs(reply))
        except (TimeoutError, discord.DiscordException, OSError) as exc:
            raise delivery_error(exc) from None

    async def on_login(self, client: discord.Client) -> None:
        """Point the gateway at the configured server, mark the HTTP client usable, sync commands."""
        if self._custom_api() is not None:
            _, url, _ = await client.http.get_bot_gateway()
            # A plain Client dials this class attribute instead of asking GET /gateway/bot.
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        self._logged_in.set()
        try:
            await sync_commands(
                client.http,
                client.application_id or 0,
                command_payloads(self._services.commands),
                guild_ids(self._settings.discord_guild_ids),
                self._meta,
            )
        except discord.HTTPException as exc:  # the bot still works with the commands it had
            log.error("could not sync slash commands: %s %s %s", exc.status, exc.code, exc.text[:300])

    async def run(self, stop: asyncio.Event) -> None:
        """Log in and send until `stop`; hold the gateway session (and so answer interactions)
        while `receiving` is held, so that of several replicas only one does; retry when
        Discord cannot be reached."""
        api = self._custom_api()
        if api is not None:
            discord.http.Route.BASE = api  # process-wide: every REST route is built from it
        backoff = Backoff(_RETRY_FIRST, _RETRY_MAX)
        try:
            while not stop.is_set():
                client = self._client = HeraldClient(self, guild_ready_timeout=self._guild_ready_timeout)
                failure = await self._session(client, stop)
                self._logged_in.clear()
                if stop.is_set():
                    return
                if failure is _HANDED_OVER:
                    log.info("discord: another replica holds the gateway now; this one only sends")
                    continue
                self.gateway.failed(type(failure).__name__ if failure else "connection closed")
                if isinstance(failure, (discord.LoginFailure, discord.PrivilegedIntentsRequired)):
                    log.error("Discord refused to log in (%s); the Discord platform stops", type(failure).__name__)
                    return
                delay = backoff.next()
                log.warning("Discord connection ended (%s); reconnecting in %.0fs", type(failure).__name__, delay)
                await pause(stop, delay)
        finally:
            self._logged_in.clear()
            await self._images.close()

    async def _session(self, client: HeraldClient, stop: asyncio.Event) -> BaseException | None:
        """One client's life: log in (REST: sends work from here on), wait for the receiver
        role, then hold the gateway until `stop`, the role is lost or the connection ends.
        Return why it ended: an error, `_HANDED_OVER`, or None (stopped, or closed by Discord)."""
        task: asyncio.Task[None] | None = None
        try:
            task = asyncio.create_task(client.login(self._token.get_secret_value()), name="discord-login")
            await first_of(asyncio.wait({task}), stop)  # waiting on `wait` never cancels the task
            if not task.done() or task.cancelled():
                return None
            if task.exception() is not None:
                return task.exception()
            if not await self.receiving.wait_held(stop):
                return None
            task = asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")
            await first_of(asyncio.wait({task}), stop, self.receiving.wait_lost(stop))
            handed_over = not task.done() and not stop.is_set()
            if not task.done():
                await client.close()
            with suppress(asyncio.CancelledError):
                error = await asyncio.gather(task, return_exceptions=True)
            return _HANDED_OVER if handed_over else (error[0] if error else None)
        finally:
            # Also on cancellation (the app cancels runtimes it stops): close and reap the client.
            if not client.is_closed():
                await client.close()
            if task is not None:
                if not task.done():
                    task.cancel()
                await asyncio.gather(task, return_exceptions=True)


_HANDED_OVER = RuntimeError("another replica holds the gateway")
"""What `_session` returns when the receiver role was lost: not a failure, no backoff."""


def create_runtime(settings: Settings, services: Services, **options: object) -> DiscordRuntime:
    """Build the Discord runtime from the settings (attach hosts: `discord_attach_hosts`)."""
    options.setdefault("attach_hosts", tuple(getattr(settings, "discord_attach_hosts", ())))
    return DiscordRuntime(settings, services, **options)  # type: ignore[arg-type]
