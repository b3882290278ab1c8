"""Values the fake Bot API keeps and tests read: chats, recorded requests and messages, API errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ChatType = Literal["private", "group", "supergroup", "channel"]
TopicState = Literal["open", "closed", "deleted"]


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description and optional parameters."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def envelope(self) -> dict[str, Any]:
        """Return the JSON body Telegram answers with."""
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str, parameters: dict[str, Any] | None = None) -> ApiError:
    """Return a 400 "Bad Request: <reason>"."""
    return ApiError(400, f"Bad Request: {reason}", parameters)


@dataclass
class FakeChat:
    """A chat the fake knows, with what the bot may do there."""

    id: int
    type: ChatType
    title: str | None = None
    username: str | None = None
    admins: set[int] = field(default_factory=set)
    creator: int | None = None
    members: set[int] = field(default_factory=set)
    bot_is_member: bool = True
    bot_can_post: bool = True
    blocked: bool = False
    kicked: bool = False
    migrated_to: int | None = None
    is_forum: bool = False
    topics: dict[int, TopicState] = field(default_factory=dict)
    """A forum's topics by message_thread_id (the General topic is none of them)."""

    @property
    def is_group(self) -> bool:
        """Return whether the per-group flood limit applies (groups, supergroups, channels)."""
        return self.type != "private"

    def as_json(self) -> dict[str, Any]:
        """Return the Chat object as updates and messages carry it."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.title or f"User {self.id}"
        else:
            data["title"] = self.title or f"Chat {self.id}"
        if self.username:
            data["username"] = self.username
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass(frozen=True)
class SentMessage:
    """One message the fake accepted (a send or an edit): what the recipient would see."""

    chat_id: int
    method: str
    message_id: int
    text: str | None
    parse_mode: str | None
    plain_text: str | None
    photo: str | None
    photo_url: str | None
    uploaded: bool
    reply_markup: dict[str, Any] | None
    time: float
    params: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    thread_id: int | None = None
    """The forum topic the message is in (None: the chat itself, or a forum's General topic)."""

    @property
    def caption(self) -> str | None:
        """Return the caption of a photo message (None for text messages)."""
        return self.text if self.photo else None


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request the fake received (any method, accepted or not), token never included."""

    method: str
    params: dict[str, Any]
    content_type: str
    status: int
    files: dict[str, int] = field(default_factory=dict)  # multipart part name → size in bytes
    file_names: dict[str, str] = field(default_factory=dict)  # multipart part name → filename sent
    file_types: dict[str, str] = field(default_factory=dict)  # multipart part name → content type sent
    description: str = ""  # the error description answered ("" when the call succeeded)
