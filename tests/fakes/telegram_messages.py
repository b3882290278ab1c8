"""The fake Bot API's message methods: send, edit and delete messages, answer button presses.

Each takes the server and the request's parameters and returns the `result` Telegram would, or
raises the `ApiError` Telegram would answer with. Checks run in Telegram's order as far as it is
observable: the chat, then the bot's standing in it, then the content, then flood control.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.fakes.telegram_content import check_reply_markup, parse_text
from tests.fakes.telegram_files import StoredFile
from tests.fakes.telegram_params import Params
from tests.fakes.telegram_state import FakeChat, SentMessage, bad_request

if TYPE_CHECKING:
    from tests.fakes.telegram_api import FakeTelegram

SEND_METHODS = frozenset({"sendmessage", "sendphoto"})
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


def _record(fake: FakeTelegram, method: str, chat: FakeChat, message: dict[str, Any], p: Params, *,
            source: str | None, photo: StoredFile | None = None, uploaded: bool = False) -> None:
    """Append what the recipient now sees to `fake.sent`."""
    fake.sent.append(
        SentMessage(
            chat_id=chat.id,
            method=method,
            message_id=message["message_id"],
            text=source,
            parse_mode=p.text("parse_mode"),
            plain_text=message.get("text", message.get("caption")),
            photo=photo.file_id if photo else None,
            photo_url=photo.url if photo else None,
            uploaded=uploaded,
            reply_markup=message.get("reply_markup"),
            time=fake.now(),
            params=p.decoded(),
            thread_id=message.get("message_thread_id"),
        )
    )


def _topic(chat: FakeChat, p: Params) -> int | None:
    """Return the forum topic a send names (`message_thread_id`), or answer what Telegram does
    for a thread that does not exist (deleted, or not a forum's) or is closed."""
    thread = p.integer("message_thread_id")
    if thread is None:
        return None
    state = chat.topics.get(thread) if chat.is_forum else None
    if state is None or state == "deleted":
        raise bad_request("message thread not found")
    if state == "closed":
        raise bad_request("TOPIC_CLOSED")
    return thread


def _check_reply(fake: FakeTelegram, chat: FakeChat, p: Params) -> None:
    """Refuse a reply to a message that does not exist, unless the client allowed that."""
    reply = p.structured("reply_parameters") or {}
    target = reply.get("message_id") if isinstance(reply, dict) else None
    target = target or p.integer("reply_to_message_id")
    allowed = p.flag("allow_sending_without_reply") or bool(reply.get("allow_sending_without_reply"))
    if target and (chat.id, int(target)) not in fake.messages and not allowed:
        raise bad_request("message to be replied not found")


async def send_message(fake: FakeTelegram, p: Params) -> dict[str, Any]:
    """Answer sendMessage."""
    fake.take_forced_429()
    chat = fake.resolve_chat(p)
    fake.check_can_send(chat)
    thread = _topic(chat, p)
    parsed = parse_text(p.text("text"), p.text("parse_mode"))
    markup = check_reply_markup(p.structured("reply_markup"))
    _check_reply(fake, chat, p)
    fake.throttle(chat, paid=p.flag("allow_paid_broadcast"))
    content: dict[str, Any] = {"text": parsed.text}
    if parsed.entities:
        content["entities"] = list(parsed.entities)
    if markup and "inline_keyboard" in markup:
        content["reply_markup"] = markup
    message = fake.new_message(chat, content, thread=thread)
    _record(fake, "sendMessage", chat, message, p, source=p.text("text"))
    return message


def _photo(fake: FakeTelegram, p: Params) -> tuple[StoredFile, bool]:
    """Return the photo a sendPhoto names, and whether it was uploaded in this request."""
    upload = p.file("photo")
    if upload is not None:
        return fake.files.upload(upload), True
    ref = (p.text("photo") or "").strip()
    if not ref:
        raise bad_request("there is no photo in the request")
    known = fake.files.get(ref)
    if known is not None:
        return known, False
    if ref.lower().startswith(("http://", "https://")):
        if fake.is_unreachable(ref):
            raise bad_request("failed to get HTTP URL content")
        return fake.files.from_url(ref), False
    raise bad_request("wrong file identifier/HTTP URL specified")


async def send_photo(fake: FakeTelegram, p: Params) -> dict[str, Any]:
    """Answer sendPhoto: by URL, by a file_id this bot got before, or uploaded as multipart."""
    fake.take_forced_429()
    chat = fake.resolve_chat(p)
    fake.check_can_send(chat)
    thread = _topic(chat, p)
    parsed = parse_text(p.text("caption"), p.text("parse_mode"), caption=True)
    markup = check_reply_markup(p.structured("reply_markup"))
    _check_reply(fake, chat, p)
    photo, uploaded = _photo(fake, p)
    fake.throttle(chat, paid=p.flag("allow_paid_broadcast"))
    content: dict[str, Any] = {"photo": photo.photo_sizes()}
    if parsed.text:
        content["caption"] = parsed.text
    if parsed.entities:
        content["caption_entities"] = list(parsed.entities)
    if markup and "inline_keyboard" in markup:
        content["reply_markup"] = markup
    message = fake.new_message(chat, content, thread=thread)
    _record(fake, "sendPhoto", chat, message, p, source=p.text("caption"), photo=photo, uploaded=uploaded)
    return message


def _existing(fake: FakeTelegram, p: Params, missing: str) -> tuple[FakeChat, dict[str, Any]]:
    """Return the chat and the stored message an edit or delete names."""
    chat = fake.resolve_chat(p)
    fake.check_can_send(chat)
    message_id = p.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = fake.messages.get((chat.id, message_id))
    if message is None:
        raise bad_request(missing)
    return chat, message


async def edit_message_text(fake: FakeTelegram, p: Params) -> dict[str, Any] | bool:
    """Answer editMessageText (an edit without reply_markup removes the inline keyboard, as on Telegram)."""
    if p.has("inline_message_id"):
        parse_text(p.text("text"), p.text("parse_mode"))
        return True
    chat, message = _existing(fake, p, "message to edit not found")
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    parsed = parse_text(p.text("text"), p.text("parse_mode"))
    markup = check_reply_markup(p.structured("reply_markup"))
    new: dict[str, Any] = {"text": parsed.text}
    if parsed.entities:
        new["entities"] = list(parsed.entities)
    if markup:
        new["reply_markup"] = markup
    old = {k: message[k] for k in ("text", "entities", "reply_markup") if k in message}
    if old == new:
        raise bad_request(_NOT_MODIFIED)
    _throttle_edit(fake, chat)
    for key in ("entities", "reply_markup"):
        message.pop(key, None)
    message.update(new, edit_date=int(fake.wall()))
    _record(fake, "editMessageText", chat, message, p, source=p.text("text"))
    return message


async def edit_message_caption(fake: FakeTelegram, p: Params) -> dict[str, Any] | bool:
    """Answer editMessageCaption (an edit without reply_markup removes the inline keyboard)."""
    if p.has("inline_message_id"):
        parse_text(p.text("caption"), p.text("parse_mode"), caption=True)
        return True
    chat, message = _existing(fake, p, "message to edit not found")
    if "photo" not in message:
        raise bad_request("there is no caption in the message to edit")
    parsed = parse_text(p.text("caption"), p.text("parse_mode"), caption=True)
    markup = check_reply_markup(p.structured("reply_markup"))
    new: dict[str, Any] = {"caption": parsed.text} if parsed.text else {}
    if parsed.entities:
        new["caption_entities"] = list(parsed.entities)
    if markup:
        new["reply_markup"] = markup
    old = {k: message[k] for k in ("caption", "caption_entities", "reply_markup") if k in message}
    if old == new:
        raise bad_request(_NOT_MODIFIED)
    _throttle_edit(fake, chat)
    for key in ("caption", "caption_entities", "reply_markup"):
        message.pop(key, None)
    message.update(new, edit_date=int(fake.wall()))
    _record(fake, "editMessageCaption", chat, message, p, source=p.text("caption"))
    return message


def _throttle_edit(fake: FakeTelegram, chat: FakeChat) -> None:
    """Edits count against flood control like sends (as on Telegram), unless the test turned
    that off (`fake.count_edits`)."""
    if getattr(fake, "count_edits", True):
        fake.take_forced_429()
        fake.throttle(chat)


async def edit_message_media(fake: FakeTelegram, p: Params) -> dict[str, Any] | bool:
    """Answer editMessageMedia with a photo (by URL or a file_id this bot got before): the
    message's media and caption are replaced; a text message becomes a photo, as on Telegram."""
    media = p.structured("media")
    if not isinstance(media, dict) or media.get("type") != "photo":
        raise bad_request("can't parse InputMedia: media type is not supported here")
    caption = media.get("caption")
    parsed = parse_text(caption if isinstance(caption, str) else None, media.get("parse_mode"), caption=True)
    markup = check_reply_markup(p.structured("reply_markup"))
    if p.has("inline_message_id"):
        return True
    chat, message = _existing(fake, p, "message to edit not found")
    ref = str(media.get("media") or "").strip()
    photo = fake.files.get(ref)
    if photo is None and ref.lower().startswith(("http://", "https://")):
        if fake.is_unreachable(ref):
            raise bad_request("failed to get HTTP URL content")
        photo = fake.files.from_url(ref)
    if photo is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    new: dict[str, Any] = {"photo": photo.photo_sizes()}
    if parsed.text:
        new["caption"] = parsed.text
    if parsed.entities:
        new["caption_entities"] = list(parsed.entities)
    if markup:
        new["reply_markup"] = markup
    old = {k: message[k] for k in ("photo", "caption", "caption_entities", "reply_markup") if k in message}
    if old == new:
        raise bad_request(_NOT_MODIFIED)
    _throttle_edit(fake, chat)
    for key in ("text", "entities", "link_preview_options", "photo", "caption", "caption_entities", "reply_markup"):
        message.pop(key, None)
    message.update(new, edit_date=int(fake.wall()))
    _record(fake, "editMessageMedia", chat, message, p, source=caption if isinstance(caption, str) else None,
            photo=photo)
    return message


async def edit_message_reply_markup(fake: FakeTelegram, p: Params) -> dict[str, Any] | bool:
    """Answer editMessageReplyMarkup (no reply_markup removes the keyboard)."""
    markup = check_reply_markup(p.structured("reply_markup"))
    if p.has("inline_message_id"):
        return True
    chat, message = _existing(fake, p, "message to edit not found")
    if message.get("reply_markup") == (markup or None):
        raise bad_request(_NOT_MODIFIED)
    message.pop("reply_markup", None)
    if markup:
        message["reply_markup"] = markup
    message["edit_date"] = int(fake.wall())
    source = message.get("text", message.get("caption"))
    _record(fake, "editMessageReplyMarkup", chat, message, p, source=source)
    return message


async def delete_message(fake: FakeTelegram, p: Params) -> bool:
    """Answer deleteMessage."""
    chat, message = _existing(fake, p, "message to delete not found")
    del fake.messages[(chat.id, message["message_id"])]
    fake.deleted.append((chat.id, message["message_id"]))
    return True


async def answer_callback_query(fake: FakeTelegram, p: Params) -> bool:
    """Answer answerCallbackQuery: only once per query this fake created with `press`."""
    query_id = p.text("callback_query_id") or ""
    if query_id not in fake.queries or query_id in fake.answers:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = p.text("text") or ""
    if len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    fake.answers[query_id] = p.decoded()
    return True


async def send_chat_action(fake: FakeTelegram, p: Params) -> bool:
    """Answer sendChatAction."""
    chat = fake.resolve_chat(p)
    fake.check_can_send(chat)
    if not p.text("action"):
        raise bad_request("wrong parameter action in request")
    return True

