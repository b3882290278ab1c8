"""PTB's transport on aiohttp (adapters/telegram/transport.py) against raw servers on 127.0.0.1 that
misbehave: what a failed send tells delivery (may it have arrived?), and what it never does
(follow a redirect with the token in the path)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from telegram import Bot
from telegram.error import NetworkError, TelegramError, TimedOut

from adapters.telegram.calls import call, is_ambiguous, message_id
from adapters.telegram.transport import AiohttpRequest
from bot.request import Request

TOKEN = "7000000003:TransportTestTokenTransportTest03"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    body = await reader.readexactly(length)
    return head.split(b"\r\n", 1)[0].decode(), body


@asynccontextmanager
async def _server(handler: Handler) -> AsyncIterator[int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


@asynccontextmanager
async def _bot(port: int, **timeouts: float) -> AsyncIterator[Bot]:
    request = AiohttpRequest(connection_pool_size=2, **timeouts)
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request)
    await request.initialize()
    try:
        yield bot
    finally:
        await request.shutdown()


def _send(text: str = "hello") -> Request:
    return Request("sendMessage", {"text": text, "parse_mode": "HTML"})


async def _failure(bot: Bot) -> TelegramError:
    with pytest.raises(TelegramError) as caught:
        await call(bot, 42, _send())
    return caught.value


async def test_a_send_is_made_and_its_message_id_read() -> None:
    seen: list[tuple[str, bytes]] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await _read_request(reader))
        body = json.dumps({"ok": True, "result": {"message_id": 77, "date": 0, "chat": {"id": 42, "type": "private"}}})
        writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode())
        await writer.drain()
        writer.close()

    async with _server(answer) as port, _bot(port) as bot:
        result = await call(bot, 42, _send("héllo <b>x</b>"))
    assert message_id(result) == "77"
    line, body = seen[0]
    assert line.startswith(f"POST /bot{TOKEN}/sendmessage ")
    assert b"chat_id=42" in body and b"text=h%C3%A9llo+%3Cb%3Ex%3C%2Fb%3E" in body


async def test_a_connection_dropped_after_the_request_was_written_may_have_arrived() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.close()  # read it all (Telegram may have acted on it), answered nothing

    async with _server(hang_up) as port, _bot(port) as bot:
        failure = await _failure(bot)
    assert isinstance(failure, NetworkError)
    assert is_ambiguous(failure)


async def test_an_answer_that_never_comes_times_out_and_may_have_arrived() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        await asyncio.sleep(5)

    async with _server(silent) as port, _bot(port, read_timeout=0.3) as bot:
        failure = await _failure(bot)
    assert isinstance(failure, TimedOut)
    assert is_ambiguous(failure)


async def test_a_refused_connection_sent_nothing_and_is_safe_to_retry() -> None:
    async with _server(lambda r, w: asyncio.sleep(0)) as port:
        pass  # the port is closed again: connecting is refused
    async with _bot(port) as bot:
        failure = await _failure(bot)
    assert isinstance(failure, NetworkError)
    assert not is_ambiguous(failure)


async def test_a_redirect_is_not_followed() -> None:
    hits: list[str] = []

    async def redirect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line, _ = await _read_request(reader)
        hits.append(line)
        writer.write(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    async with _server(redirect) as port, _bot(port) as bot:
        failure = await _failure(bot)
    assert len(hits) == 1  # one request: the token in its path went nowhere else
    assert not is_ambiguous(failure)
