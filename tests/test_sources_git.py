"""Git sources: repositories made with dulwich in tmp_path, served over real smart HTTP on
127.0.0.1 by dulwich's own WSGI server, polled with `poll_git` (no `git` binary anywhere)."""

from __future__ import annotations

import base64
import io
import logging
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from dulwich import porcelain
from dulwich.objects import Blob
from dulwich.pack import write_pack_objects
from dulwich.repo import Repo
from dulwich.server import DictBackend
from dulwich.web import make_wsgi_chain
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import SystemClock
from bot.content.config import ContentConfig
from bot.sources.git import poll_git
from bot.sources.git_tree import blob_size
from bot.sources.model import Poll, PollContext, SourceFailure, Unchanged
from bot.sources.spec import parse_spec
from bot.summary import SummaryConfig

CORPUS = Path("/work/shared/corpus")
AUTHOR = b"Test <test@example.org>"
TOKEN = "ghp_secret-token-value-123"


def post(title: str, body: str = "Some text of the post.", date: str = "2024-05-01 10:00:00") -> str:
    return f"---\ntitle: {title}\ndate: {date}\ncategories:\n  - news\n---\n\n{body}\n"


class Site:
    """A non-bare repository whose commits are served (its .git) over smart HTTP."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.repo = porcelain.init(str(path))

    def write(self, rel: str, text: str | bytes) -> None:
        full = self.path / rel
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_bytes(text.encode() if isinstance(text, str) else text)

    def remove(self, rel: str) -> None:
        porcelain.rm(self.repo, [str(self.path / rel)])

    def commit(self, message: str = "update") -> bytes:
        porcelain.add(self.repo, paths=[str(self.path)])
        return porcelain.commit(self.repo, message.encode(), author=AUTHOR, committer=AUTHOR)

    @property
    def head(self) -> bytes:
        return self.repo.refs[b"refs/heads/master"]


class Server:
    """dulwich.web over wsgiref on 127.0.0.1, recording each request's Authorization header."""

    def __init__(self, repo: Repo, *, require: str | None = None) -> None:
        chain = make_wsgi_chain(DictBackend({"/site.git": repo}))
        self.auth: list[str | None] = []

        def app(environ, start_response):
            header = environ.get("HTTP_AUTHORIZATION")
            self.auth.append(header)
            if require is not None and header != require:
                start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="git"'), ("Content-Length", "0")])
                return [b""]
            return chain(environ, start_response)

        class Quiet(WSGIRequestHandler):
            def log_message(self, *args):
                pass

        self.httpd: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=Quiet)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/site.git"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path / "site")


@pytest.fixture
def serve(site: Site) -> Iterator:
    servers: list[Server] = []

    def start(**options) -> Server:
        server = Server(site.repo, **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def context(tmp_path: Path, **options) -> PollContext:
    return PollContext(
        ContentConfig(root=tmp_path / "unused"), SummaryConfig(), SystemClock(), tmp_path / "data",
        allow_private=options.pop("allow_private", True), **options,
    )


def spec_for(url: str, fragment: str = "#master:source/_posts"):
    return parse_spec(f"blog=git+{url}{fragment}")


def known_of(poll: Poll) -> dict[str, str]:
    return {entry.ident: entry.digest for entry in poll.entries}


async def test_first_poll_reads_every_post_under_the_folder_and_nothing_outside(site: Site, serve, tmp_path: Path) -> None:
    site.write("source/_posts/hello.md", post("Hello"))
    site.write("source/_posts/news/deep/world.markdown", post("World"))
    site.write("source/_posts/notes.txt", post("Plain text post"))
    site.write("source/_posts/readme.txt", "no front matter, not a post\n")
    site.write("source/_posts/.hidden.md", post("Hidden"))
    site.write("source/_posts/.drafts/x.md", post("In a dot folder"))
    site.write("source/_posts/image.png", b"\x89PNG\r\n")
    site.write("source/about/outside.md", post("Outside the folder"))
    site.write("README.md", post("Top readme"))
    commit = site.commit()
    server = serve()

    poll = await poll_git(spec_for(server.url), {}, context(tmp_path), {})

    assert isinstance(poll, Poll) and poll.complete
    assert sorted(e.ident for e in poll.entries) == ["hello.md", "news/deep/world.markdown", "notes.txt"]
    titles = {e.ident: e.article.title for e in poll.entries if e.article}
    assert titles == {"hello.md": "Hello", "news/deep/world.markdown": "World", "notes.txt": "Plain text post"}
    assert all(e.summary is not None and not e.same for e in poll.entries)
    assert poll.state["commit"] == commit.decode()
    hello = next(e for e in poll.entries if e.ident == "hello.md")
    assert hello.digest == Blob.from_string(post("Hello").encode()).id.decode()
    assert hello.article.path == "hello.md"
    assert poll.problems == ()
    assert (tmp_path / "data" / "sources" / "blog" / "objects").is_dir()  # a bare store, no working copy
    assert not any((tmp_path / "data" / "sources" / "blog").glob("source"))


async def test_same_commit_is_unchanged_and_new_edited_deleted_files_show(site: Site, serve, tmp_path: Path) -> None:
    site.write("source/_posts/a.md", post("A"))
    site.write("source/_posts/b.md", post("B"))
    site.write("source/_posts/c.md", post("C"))
    site.commit()
    server = serve()
    spec, ctx = spec_for(server.url), context(tmp_path)
    first = await poll_git(spec, {}, ctx, {})
    assert isinstance(first, Poll)

    again = await poll_git(spec, first.state, ctx, known_of(first))
    assert isinstance(again, Unchanged) and again.state["commit"] == first.state["commit"]

    site.write("source/_posts/d.md", post("D"))
    site.commit("new post")
    added = await poll_git(spec, first.state, ctx, known_of(first))
    assert isinstance(added, Poll)
    assert {e.ident: e.same for e in added.entries} == {"a.md": True, "b.md": True, "c.md": True, "d.md": False}
    assert next(e for e in added.entries if e.ident == "d.md").article.title == "D"
    assert added.problems == ()  # a fast-forward is no force-push

    site.write("source/_posts/b.md", post("B, corrected"))
    site.remove("source/_posts/c.md")
    site.commit("edit and delete")
    edited = await poll_git(spec, added.state, ctx, known_of(added))
    assert isinstance(edited, Poll)
    by_ident = {e.ident: e for e in edited.entries}
    assert set(by_ident) == {"a.md", "b.md", "d.md"}  # c.md is gone
    assert by_ident["b.md"].digest != known_of(added)["b.md"] and not by_ident["b.md"].same
    assert by_ident["b.md"].article.title == "B, corrected"
    assert by_ident["a.md"].same and by_ident["d.md"].same


async def test_force_push_is_a_warning_and_the_entries_are_the_new_tree(site: Site, serve, tmp_path: Path) -> None:
    site.write("source/_posts/a.md", post("A"))
    base = site.commit("base")
    site.write("source/_posts/b.md", post("B"))
    old = site.commit("b")
    server = serve()
    spec, ctx = spec_for(server.url), context(tmp_path)
    first = await poll_git(spec, {}, ctx, {})
    assert isinstance(first, Poll) and first.state["commit"] == old.decode()

    # Rewrite history: a different commit on top of `base`, branch moved to it.
    porcelain.reset(site.repo, "hard", base)
    assert not (site.path / "source/_posts/b.md").exists()
    site.write("source/_posts/c.md", post("C"))
    new = site.commit("c instead of b")

    poll = await poll_git(spec, first.state, ctx, known_of(first))
    assert isinstance(poll, Poll)
    warnings = [p.reason for p in poll.problems]
    assert warnings == [f"branch master was force-pushed from {old.decode()[:12]} to {new.decode()[:12]}"]
    assert {e.ident: e.same for e in poll.entries} == {"a.md": True, "c.md": False}
    assert poll.state["commit"] == new.decode()


async def test_deleted_branch_fails_and_yields_no_empty_poll(site: Site, serve, tmp_path: Path) -> None:
    site.write("source/_posts/a.md", post("A"))
    site.commit()
    porcelain.branch_create(site.repo, "main")
    server = serve()
    spec, ctx = spec_for(server.url, "#main:source/_posts"), context(tmp_path)
    first = await poll_git(spec, {}, ctx, {})
    assert isinstance(first, Poll) and [e.ident for e in first.entries] == ["a.md"]

    porcelain.branch_delete(site.repo, "main")
    with pytest.raises(SourceFailure) as failure:
        await poll_git(spec, first.state, ctx, known_of(first))
    assert failure.value.reason == "blog: branch main is gone from the repository"


async def test_default_branch_is_the_remote_head(site: Site, serve, tmp_path: Path) -> None:
    site.write("posts/a.md", post("A"))
    site.commit()
    server = serve()
    poll = await poll_git(spec_for(server.url, "#:posts"), {}, context(tmp_path), {})
    assert isinstance(poll, Poll) and [e.ident for e in poll.entries] == ["a.md"]
    whole = await poll_git(spec_for(server.url, ""), {}, context(tmp_path / "other"), {})
    assert isinstance(whole, Poll) and [e.ident for e in whole.entries] == ["posts/a.md"]


async def test_unreachable_port_is_a_failure(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SourceFailure) as failure:
        await poll_git(spec_for(f"http://127.0.0.1:{port}/site.git"), {}, context(tmp_path), {})
    assert "127.0.0.1" in failure.value.reason


async def test_private_address_is_refused_without_allow_private(site: Site, serve, tmp_path: Path) -> None:
    site.write("source/_posts/a.md", post("A"))
    site.commit()
    server = serve()
    with pytest.raises(SourceFailure) as failure:
        await poll_git(spec_for(server.url), {}, context(tmp_path, allow_private=False), {})
    assert "loopback" in failure.value.reason
    assert server.auth == []  # nothing reached the server


async def test_not_a_repository_and_missing_repository(site: Site, serve, tmp_path: Path) -> None:
    site.write("source/_posts/a.md", post("A"))
    site.commit()
    server = serve()
    with pytest.raises(SourceFailure) as failure:
        await poll_git(spec_for(server.url.replace("site.git", "nothing.git")), {}, context(tmp_path), {})
    assert "HTTP 404" in failure.value.reason


async def test_symlink_and_oversized_blob_are_problems_and_not_read(site: Site, serve, tmp_path: Path) -> None:
    site.write("source/_posts/a.md", post("A"))
    site.write("source/_posts/huge.md", post("Huge", "x" * (8 * 1024 * 1024 + 10)))
    os.symlink("/etc/passwd", site.path / "source/_posts/link.md")
    site.commit()
    server = serve()

    poll = await poll_git(spec_for(server.url), {}, context(tmp_path), {})

    assert isinstance(poll, Poll)
    by_ident = {e.ident: e for e in poll.entries}
    assert set(by_ident) == {"a.md", "huge.md"}
    assert by_ident["huge.md"].article is None
    assert "larger than a post can be" in by_ident["huge.md"].problems[0].reason
    assert [(p.path, p.reason) for p in poll.problems] == [("link.md", "a symbolic link in a repository is not followed")]


async def test_token_goes_to_the_server_and_never_into_logs_or_the_store(
    site: Site, serve, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site.write("source/_posts/a.md", post("A"))
    site.commit()
    expected = "Basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    server = serve(require=expected)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(SourceFailure) as failure:
        await poll_git(spec_for(server.url), {}, context(tmp_path), {})
    assert "needs a token" in failure.value.reason

    poll = await poll_git(spec_for(server.url), {}, context(tmp_path, token=TOKEN), {})
    assert isinstance(poll, Poll) and [e.ident for e in poll.entries] == ["a.md"]
    assert expected in server.auth

    with pytest.raises(SourceFailure) as refused:
        await poll_git(spec_for(server.url), {}, context(tmp_path, token="wrong-" + TOKEN), {})
    assert "token was refused" in refused.value.reason and TOKEN not in refused.value.reason

    assert TOKEN not in caplog.text
    stored = b"".join(p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file())
    assert TOKEN.encode() not in stored


async def test_fetch_over_its_size_is_stopped(site: Site, serve, tmp_path: Path) -> None:
    site.write("source/_posts/a.md", post("A", os.urandom(300_000).hex()))
    site.commit()
    server = serve()
    with pytest.raises(SourceFailure) as failure:
        await poll_git(spec_for(server.url), {}, context(tmp_path, max_bytes=10_000), {})
    assert "larger than" in failure.value.reason


async def test_redirect_is_not_followed(tmp_path: Path) -> None:
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(301)
            self.send_header("Location", "http://elsewhere.example/site.git/info/refs?service=git-upload-pack")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(SourceFailure) as failure:
            await poll_git(spec_for(f"http://127.0.0.1:{httpd.server_port}/site.git"), {}, context(tmp_path), {})
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert failure.value.reason == "blog: the server redirects (HTTP 301) to elsewhere.example; configure the address it names"


@pytest.mark.skipif(not (CORPUS / "real").is_dir(), reason="shared corpus absent")
async def test_real_posts_from_the_corpus(site: Site, serve, tmp_path: Path) -> None:
    files = sorted(p for p in (CORPUS / "real").rglob("*.md"))[:12]
    for path in files:
        rel = path.relative_to(CORPUS / "real")
        full = site.path / "source" / "_posts" / rel
        full.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, full)
    site.commit()
    server = serve()
    poll = await poll_git(spec_for(server.url), {}, context(tmp_path), {})
    assert isinstance(poll, Poll)
    assert sorted(e.ident for e in poll.entries) == sorted(p.relative_to(CORPUS / "real").as_posix() for p in files)
    assert sum(e.article is not None for e in poll.entries) >= len(files) - 2


async def test_many_new_commits_are_no_force_push(site: Site, serve, tmp_path: Path) -> None:
    site.write("source/_posts/a.md", post("A"))
    site.commit()
    server = serve()
    spec, ctx = spec_for(server.url), context(tmp_path)
    first = await poll_git(spec, {}, ctx, {})
    assert isinstance(first, Poll)
    for number in range(105):  # more than the history a later fetch asks for
        site.write(f"source/_posts/p{number:03}.md", post(f"Post {number}"))
        site.commit(f"post {number}")

    poll = await poll_git(spec, first.state, ctx, known_of(first))

    assert isinstance(poll, Poll) and poll.problems == ()
    assert len(poll.entries) == 106 and sum(not e.same for e in poll.entries) == 105


async def test_a_server_that_never_answers_is_a_failure(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        with pytest.raises(SourceFailure) as failure:
            url = f"http://127.0.0.1:{listener.getsockname()[1]}/site.git"
            await poll_git(spec_for(url), {}, context(tmp_path, timeout=1.0), {})
    finally:
        listener.close()
    assert "longer than 1 s" in failure.value.reason or "did not answer" in failure.value.reason


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(min_size=0, max_size=3000), min_size=1, max_size=6))
def test_blob_sizes_are_read_from_pack_headers(tmp_path_factory: pytest.TempPathFactory, bodies: list[bytes]) -> None:
    """Whole objects and deltas (each version of a file is a small edit of the last one)."""
    store = Repo.init_bare(str(tmp_path_factory.mktemp("sizes")), mkdir=False).object_store
    text = os.urandom(1500) + b"".join(bodies)
    blobs = []
    for body in bodies:
        text = text[: len(text) // 2] + body + text[len(text) // 2 :]
        blobs += [Blob.from_string(text), Blob.from_string(body)]
    pack = io.BytesIO()
    write_pack_objects(pack.write, [(blob, None) for blob in blobs], store.object_format, deltify=True)
    pack.seek(0)
    store.add_thin_pack(pack.read, None)
    kinds = _pack_kinds(store)
    assert all(blob_size(store, blob.id) == len(blob.as_raw_string()) for blob in blobs)
    if len(blobs) > 2:
        assert kinds & {6, 7}, "no delta in the pack: the test does not test deltas"


def _pack_kinds(store) -> set[int]:
    kinds = set()
    for pack in store.packs:
        for _sha, offset, _crc in pack.index.iterentries():
            with open(pack.data.path, "rb") as handle:
                handle.seek(offset)
                kinds.add((handle.read(1)[0] >> 4) & 7)
    return kinds


async def test_a_listing_cut_short_by_the_post_cap_is_not_taken_as_the_whole_tree(
    site: Site, serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.sources import git_tree

    monkeypatch.setattr(git_tree, "MAX_ENTRIES", 3)
    for n in range(5):
        site.write(f"source/_posts/p{n}.md", post(f"P{n}"))
    site.commit("five posts")
    server = serve()
    poll = await poll_git(spec_for(server.url), {}, context(tmp_path), {})
    assert isinstance(poll, Poll)
    assert len(poll.entries) == 3 and poll.complete is False  # the two not read were not deleted
    assert [p.reason for p in poll.problems] == ["more than 3 post files; the rest are not read"]
