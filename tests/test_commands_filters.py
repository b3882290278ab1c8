"""/filter from chat: adding keyword and expression filters, showing them, clearing them, the
bounds (how many, how long, a bad expression and why), who may change them, and /subscriptions."""

from __future__ import annotations

import asyncio

import pytest
from chat import ChatHarness
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands.i18n import message
from bot.filters import MAX_FILTERS, MAX_PATTERN, FilterRule
from bot.store.engine import create_engine, session_factory
from bot.store.models import Base
from bot.store.subscriptions import get_subscription

GROUP = dict(channel_id="-500", channel_kind="group")


@pytest.fixture
async def chat(sessions) -> ChatHarness:
    chat = ChatHarness(sessions, admins=["telegram:42"])
    await chat.add_article("Hello", categories=["News"])
    return chat


async def rules_of(chat: ChatHarness) -> tuple[FilterRule, ...]:
    state = await get_subscription(chat.sessions, chat.place.platform, chat.place.channel_id)
    assert state is not None
    return state.filters


async def test_filter_needs_a_subscription(chat) -> None:
    reply = await chat.send("/filter +python")
    assert reply.error and reply.text.startswith("This chat is not subscribed. Send /subscribe first")
    assert (await chat.send("/filter")).error


async def test_filter_alone_says_there_are_none_and_how_to_add_some(chat) -> None:
    await chat.send("/subscribe")
    reply = await chat.send("/filter")
    assert not reply.error
    assert reply.text.splitlines()[0] == "This chat has no filters: it gets every new article it is subscribed to."
    assert "/filter clear" in reply.text and "-word" in reply.text
    assert (await chat.where(lang="zh").send("/filter")).text.startswith("本聊天没有设置过滤")


async def test_every_kind_of_filter_is_added_and_shown(chat) -> None:
    await chat.send("/subscribe")
    reply = await chat.send("/filter +python -sponsored /rust(lang)?/ -/crypto/ ＰＹＴＨＯＮ3")
    assert not reply.error, reply.text
    assert reply.text.splitlines() == [
        "Filters saved. This chat's filters now (5):",
        "  +python",
        "  /rust(lang)?/",
        "  +python3",
        "  -sponsored",
        "  -/crypto/",
    ]
    assert set(await rules_of(chat)) == {
        FilterRule("python"), FilterRule("sponsored", exclude=True), FilterRule("rust(lang)?", regex=True),
        FilterRule("crypto", exclude=True, regex=True), FilterRule("python3"),
    }
    shown = await chat.send("/filter")
    assert shown.text.splitlines()[:2] == ["This chat's filters (5):", "  +python"]
    # Adding one it has already keeps it once.
    await chat.send("/filter python")
    assert len(await rules_of(chat)) == 5


async def test_filters_arrive_as_one_string_from_a_slash_command(chat) -> None:
    await chat.send("/subscribe")
    inv = chat.invocation("/filter")
    from dataclasses import replace

    from bot.commands import dispatch

    await dispatch(chat.ctx, replace(inv, args=("+go -ads /machine learning/",)))
    assert set(await rules_of(chat)) == {
        FilterRule("go"), FilterRule("ads", exclude=True), FilterRule("machine learning", regex=True),
    }


async def test_clear_removes_every_filter_and_clear_with_words_replaces_them(chat) -> None:
    await chat.send("/subscribe")
    await chat.send("/filter +python -sponsored")
    reply = await chat.send("/filter clear")
    assert reply.text == "Filters cleared: this chat gets every new article it is subscribed to."
    assert await rules_of(chat) == ()
    await chat.send("/filter +python -sponsored")
    await chat.send("/filter clear +rust")
    assert await rules_of(chat) == (FilterRule("rust"),)


async def test_the_21st_filter_is_refused(chat) -> None:
    await chat.send("/subscribe")
    words = " ".join(f"+word{i}" for i in range(MAX_FILTERS))
    assert not (await chat.send(f"/filter {words}")).error
    reply = await chat.send("/filter +one_more")
    assert reply.error
    assert reply.text == f"A chat has at most {MAX_FILTERS} filters; this would make 21. Send /filter clear to start again."
    assert len(await rules_of(chat)) == MAX_FILTERS
    assert FilterRule("one_more") not in await rules_of(chat)
    # 21 at once is refused by the parser, before the store.
    await chat.send("/filter clear")
    many = " ".join(f"+w{i}" for i in range(MAX_FILTERS + 1))
    assert (await chat.send(f"/filter {many}")).error
    assert await rules_of(chat) == ()


async def test_a_pattern_longer_than_the_bound_is_refused(chat) -> None:
    await chat.send("/subscribe")
    assert not (await chat.send("/filter /" + "a" * MAX_PATTERN + "/")).error
    reply = await chat.send("/filter /" + "b" * (MAX_PATTERN + 1) + "/")
    assert reply.error and str(MAX_PATTERN) in reply.text
    assert FilterRule("b" * (MAX_PATTERN + 1), regex=True) not in await rules_of(chat)


async def test_a_bad_expression_is_refused_with_the_reason(chat) -> None:
    await chat.send("/subscribe")
    reply = await chat.send("/filter +fine /rust(lang/")
    assert reply.error and "missing )" in reply.text, reply.text
    assert await rules_of(chat) == ()  # nothing of the command is kept


async def test_other_bad_words_get_a_short_error(chat) -> None:
    await chat.send("/subscribe")
    for line in ("/filter /unclosed", "/filter +" + "k" * 100, "/filter -", "/filter +a clear"):
        reply = await chat.send(line)
        assert reply.error and reply.text and len(reply.text) < 300, line
    assert await rules_of(chat) == ()


async def test_in_a_group_anyone_sees_the_filters_only_admins_change_them(chat) -> None:
    admin = chat.where(**GROUP, user_id="7", user_is_chat_admin=True)
    member = chat.where(**GROUP, user_id="8", user_is_chat_admin=False)
    await admin.send("/subscribe")
    refused = await member.send("/filter +python")
    assert refused.error and refused.text == "Sorry, only admins of this chat can change its subscriptions."
    assert (await member.send("/filter clear")).error
    assert await rules_of(admin) == ()
    assert not (await admin.send("/filter +python")).error
    seen = await member.send("/filter")
    assert not seen.error and "+python" in seen.text
    configured = chat.where(**GROUP, user_id="42", user_is_chat_admin=False)  # HERALD_ADMINS
    assert not (await configured.send("/filter -ads")).error
    assert len(await rules_of(admin)) == 2


async def test_subscriptions_shows_the_filters(chat) -> None:
    await chat.send("/subscribe News")
    await chat.send("/filter +python -/crypto/")
    assert (await chat.send("/subscriptions")).text.splitlines() == [
        "This chat gets new articles in “News”.",
        "Filters: +python, -/crypto/",
    ]
    zh = await chat.where(lang="zh").send("/subscriptions")
    assert zh.text.splitlines()[1] == "过滤：+python、-/crypto/"


# -- anything at all ------------------------------------------------------------------------------

_ANY = st.text(st.characters(codec="utf-8"), max_size=60)
_FILTER_WORDS = st.sampled_from(["+python", "-ads", "/a+/", "-/b(/", "/x", "y/", "clear", "+", "-", "ＰＹ", "(a+)+$"])


def test_no_filter_or_digest_words_fail_or_pass_the_bounds(tmp_path) -> None:
    """Arbitrary `/filter` and `/digest` words: a short reply, never an internal error, and
    never more than `MAX_FILTERS` filters stored."""
    loop = asyncio.new_event_loop()
    engine = create_engine(f"sqlite:///{tmp_path / 'herald.db'}")

    async def setup() -> ChatHarness:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        harness = ChatHarness(session_factory(engine))
        await harness.send("/subscribe")
        return harness

    harness = loop.run_until_complete(setup())

    @settings(max_examples=200, suppress_health_check=list(HealthCheck), deadline=None)
    @given(words=st.lists(_FILTER_WORDS | _ANY, max_size=12), command=st.sampled_from(["/filter", "/digest"]))
    def check(words: list[str], command: str) -> None:
        reply = loop.run_until_complete(harness.send(" ".join([command, *words])))
        assert reply.text.strip() and len(reply.text) < 2_000
        assert reply.text != message("error.internal", "en")
        assert len(loop.run_until_complete(rules_of(harness))) <= MAX_FILTERS

    try:
        check()
    finally:
        loop.run_until_complete(engine.dispose())
        loop.close()
