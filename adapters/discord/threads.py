"""Threads as targets. A thread is a channel: a subscription made inside one has the thread's id
and cards are posted there like anywhere else. What differs:

- an archived thread refuses new messages (400 / 50083; Discord unarchives an unlocked thread by
  itself on a send, but not a locked one): the outlet unarchives it (`PATCH archived=false`,
  which takes Send Messages in Threads, and Manage Threads when the thread is locked) and sends
  again; when Discord does not allow that, the target stops (a `Gone`, reported to admins once);
- it refuses edits of its messages too (the bot's and a webhook's, 50083): the outlet unarchives
  it the same way and edits again; when that is refused the edit is dropped (`Stale`), the
  target goes on (`adapters.discord.edits`);
- its permissions are its parent channel's, with Send Messages in Threads in place of Send
  Messages (`thread_permissions`).
"""

from __future__ import annotations

from typing import Any

import discord

ARCHIVED = 50083
"""Discord's "Thread is archived": an operation on an archived thread."""
THREAD_TYPES = frozenset({discord.ChannelType.public_thread, discord.ChannelType.private_thread,
                          discord.ChannelType.news_thread})


async def unarchive(client: discord.Client, channel_id: int) -> dict[str, Any]:
    """Unarchive the thread and return Discord's answer, the thread as it is now (its `name`
    among it); raises discord.py's errors: Forbidden without the permission."""
    return dict(await client.http.edit_channel(channel_id, archived=False))


async def rename(client: discord.Client, channel_id: int, name: str) -> None:
    """Rename the thread (`PATCH name=`: Manage Threads, or being its creator while it is not
    locked; not while it is archived). Raises discord.py's errors."""
    await client.http.edit_channel(channel_id, name=name)


def is_thread(channel: object) -> bool:
    """Whether a discord.py channel (cached, partial or an interaction's) is a thread."""
    return getattr(channel, "type", None) in THREAD_TYPES


def permission_name(flag: str, *, thread: bool) -> str:
    """The catalogue name of a missing permission (`discord.perm.<name>`): in a thread, the Send
    Messages that `thread_permissions` stood in is Send Messages in Threads."""
    return "send_messages_in_threads" if thread and flag == "send_messages" else flag


def thread_permissions(granted: discord.Permissions) -> discord.Permissions:
    """Return the permissions as they count for posting in a thread: Send Messages in Threads
    stands in for Send Messages (which a thread ignores)."""
    adjusted = discord.Permissions(granted.value)
    adjusted.send_messages = granted.send_messages_in_threads
    return adjusted
