"""A TCP proxy on 127.0.0.1 that a test can cut and restore, to make a database unreachable.

    proxy = DatabaseProxy(5432)
    await proxy.start()             # listens on proxy.port, forwards to 127.0.0.1:5432
    proxy.cut()                     # open connections are closed, new ones closed at once
    proxy.restore()                 # forwards again

`start(listen=False)` reserves the port without listening yet (a server that is not up); `listen()`
brings it up later.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket


class DatabaseProxy:
    """Forward connections to `upstream_port`, unless cut."""

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self._upstream = (upstream_host, upstream_port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.down = False
        self.refused = 0
        """Connections closed at once because the proxy was cut."""
        self.port = 0

    async def start(self, *, listen: bool = True) -> None:
        """Pick a free port; listen on it now or only when `listen()` is called."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        if listen:
            await self.listen()

    async def listen(self) -> None:
        """Start accepting connections on `port`."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    def cut(self) -> None:
        """Close every open connection and close new ones at once."""
        self.down = True
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    def restore(self) -> None:
        """Forward new connections again."""
        self.down = False

    async def stop(self) -> None:
        """Stop listening and close everything."""
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                if self.down:
                    break
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(sink)
            with contextlib.suppress(Exception):
                sink.transport.abort()
