"""The `herald` command line (also `python -m bot`). Subcommands are thin: they parse arguments,
build what they need from `Settings`, and call into the core."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from bot import __version__

EPILOG = "Configuration comes from HERALD_* environment variables, .env and herald.toml; see README."


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="herald",
        description="Publish a website's Markdown articles to Telegram and Discord.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"herald {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    sub.add_parser(
        "run",
        help="run every configured platform, the scheduler and the watcher",
        description=(
            "Run Herald: index the content folder, then serve every configured platform. With no "
            "platform token set it runs the console platform: commands on stdin, replies and new "
            "articles on stdout; it exits at end of input once pending work is done."
        ),
        epilog=EPILOG,
    )

    preview = sub.add_parser(
        "preview",
        help="show what would be sent for some posts",
        description="Show exactly what a platform would be sent for each post (files or folders).",
        epilog=EPILOG,
    )
    preview.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="post files or folders")
    preview.add_argument(
        "--platform",
        choices=("telegram", "discord", "console"),
        default=None,
        help="platform to render for (default: console, or telegram with --json)",
    )
    preview.add_argument(
        "--json",
        action="store_true",
        help='one JSON object per article per line: {"article": {...}, "requests": [...]}',
    )

    check = sub.add_parser(
        "check",
        help="lint a content folder",
        description="Report every problem in a content folder, one line per problem; exit 1 if a file cannot be published.",
        epilog=EPILOG,
    )
    check.add_argument("dir", nargs="?", type=Path, default=None, metavar="DIR",
                       help="folder to check (default: HERALD_CONTENT_DIR)")

    sub.add_parser(
        "config",
        help="show the configuration in force (tokens shown only as set/unset)",
        description="Print the effective configuration, from the environment, .env and herald.toml; secrets are masked.",
        epilog=EPILOG,
    )

    _queue_parsers(sub)
    _source_parsers(sub)

    sub.add_parser(
        "status",
        help="show the running replicas, their roles, the outbox and the queue",
        description=(
            "Show, from the database: the live replicas of `herald run` and the roles each holds "
            "(a platform's receiver, the scheduler) with their lease ages, the outbox's depth and "
            "the waiting queue items."
        ),
        epilog=EPILOG,
    )

    sub.add_parser(
        "index",
        help="index the content folder into the database now",
        description=(
            "Index the content folder into the database, as `herald run` does when it starts "
            "(the very first index records what is there without sending it; after that, new "
            "posts are queued for subscribers and a running `herald run` sends them). "
            "Shows a progress bar on a terminal."
        ),
        epilog=EPILOG,
    )

    panel = sub.add_parser(
        "panel", help="the admin panel: sign-in links",
        description="The admin panel is served under /panel by the HTTP server of /healthz (HERALD_PANEL_URL).",
        epilog=EPILOG,
    )
    panel_sub = panel.add_subparsers(dest="panel_command", metavar="ACTION", required=True)
    link = panel_sub.add_parser(
        "link", help="print a one-time sign-in link to the panel",
        description="Print a sign-in link to the admin panel for an admin of HERALD_ADMINS: it works once, "
        "for 10 minutes, and opens a session of 12 hours.",
        epilog=EPILOG,
    )
    link.add_argument("--admin", metavar="TARGET", default=None,
                      help="the admin (telegram:123, discord:456); default: the only one configured")

    db = sub.add_parser("db", help="database maintenance", description="Database maintenance.")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="apply migrations (run also does this)",
                      description="Apply every pending migration to HERALD_DATABASE_URL.")
    return parser


ARTICLE_HELP = "an article id (42), or the post's file: a path under the content folder"
WHEN_HELP = (
    "when to send it, in HERALD_TIMEZONE: '2026-12-01 09:00', '09:00' (the next time it is 09:00), "
    "+30m, +2h, +1d or now (default: the next free slot of HERALD_QUEUE_SLOTS, or now if none are set)"
)
PICKUP_NOTE = (
    "These change the database only; a running `herald run` sends queued items when they are due "
    "(it looks at the queue every 15 seconds)."
)


def _queue_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `herald queue add|list|cancel` and `herald broadcast`."""
    queue = sub.add_parser(
        "queue",
        help="the admin broadcast queue: add, list, cancel",
        description="Plan broadcasts: an article goes to every matching subscriber and configured channel at a time. "
        + PICKUP_NOTE,
        epilog=EPILOG,
    )
    actions = queue.add_subparsers(dest="queue_command", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add", help="queue an article for broadcast",
        description="Queue an article for broadcast at a time, or at the next free slot. " + PICKUP_NOTE,
        epilog=EPILOG,
    )
    add.add_argument("article", metavar="ARTICLE", help=ARTICLE_HELP)
    add.add_argument("--at", metavar="WHEN", default=None, help=WHEN_HELP)
    add.add_argument("--to", metavar="TARGET", default=None,
                     help="send only to this target (telegram:@name, telegram:-100…, discord:<channel id>) "
                          "instead of every subscriber and channel")
    actions.add_parser(
        "list", help="show what goes out when",
        description="List the waiting queue items, soonest first, with times in HERALD_TIMEZONE.", epilog=EPILOG,
    )
    cancel = actions.add_parser(
        "cancel", help="cancel a waiting queue item",
        description="Cancel a waiting queue item (its number is shown by `herald queue list`).", epilog=EPILOG,
    )
    cancel.add_argument("id", metavar="ID", type=int, help="the queue item's number")
    broadcast = sub.add_parser(
        "broadcast", help="broadcast an article now",
        description="Send an article to every matching subscriber and configured channel now (again, if it "
        "was published before): it is queued as due now. " + PICKUP_NOTE,
        epilog=EPILOG,
    )
    broadcast.add_argument("article", metavar="ARTICLE", help=ARTICLE_HELP)
    broadcast.add_argument("--to", metavar="TARGET", default=None, help="send only to this target")
    chat = sub.add_parser(
        "subscription", help="show or change one chat's filters, digest and card settings",
        description="Run /subscriptions, /filter, /digest or /settings for one chat as a configured admin "
        "would, with the same arguments, bounds and refusals as in chat; prints the answer (exit status 2 "
        "when it is a refusal). A running `herald run` uses the change at once.",
        epilog="examples:\n  herald subscription telegram:-1001234 filter +python -sponsored\n"
        "  herald subscription discord:5678 digest weekly mon 08:00\n"
        "  herald subscription telegram:42 settings silent on length short",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    chat.add_argument("target", metavar="TARGET", help="the chat: telegram:<id or @name>, discord:<channel id>")
    chat.add_argument("chat_command", metavar="COMMAND", nargs="?", default="subscriptions",
                      help="subscriptions (default), filter, digest or settings")
    chat.add_argument("words", metavar="ARG", nargs=argparse.REMAINDER, help="the command's arguments, as in chat")


def _source_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `herald source list|add|remove|check`."""
    source = sub.add_parser(
        "source", help="the sources articles come from: list, add, remove, check",
        description="The content folder, feeds and git repositories articles come from. These change the "
        "database only; a running `herald run` polls the sources.",
        epilog=EPILOG,
    )
    actions = source.add_subparsers(dest="source_command", metavar="ACTION", required=True)
    actions.add_parser("list", help="show every source and how its polling goes",
                       description="List the folder, then every feed and git source: articles, last and next "
                       "fetch (in HERALD_TIMEZONE), failures and the last error.", epilog=EPILOG)
    add = actions.add_parser(
        "add", help="add a feed or git source",
        description="Add a feed or git repository as HERALD_SOURCES entries are written. A running `herald run` "
        "polls it at its next tick and sends nothing it already holds.", epilog=EPILOG,
    )
    add.add_argument("entry", metavar="NAME=URL",
                     help="blog=https://example.org/atom.xml, blog@15m=…, posts=git+https://host/o/site.git#main:_posts")
    remove = actions.add_parser("remove", help="remove a source added with `source add`",
                                description="Remove a source added with `herald source add`; its articles are "
                                "marked removed.", epilog=EPILOG)
    remove.add_argument("name", metavar="NAME")
    check = actions.add_parser(
        "check", help="poll a source once and show what it holds, writing nothing",
        description="Poll a source once (a stored one with the state its last poll kept) and show its entries, the "
        "newest titles and problems, or why it failed (exit status 1). Nothing is written.", epilog=EPILOG,
    )
    check.add_argument("ref", metavar="NAME-or-ENTRY", help="a source's name, or an entry like NAME=URL")


def main(argv: list[str] | None = None) -> int:
    """Run the herald command line and return its exit status."""
    args = _parser().parse_args(argv)
    from bot.settings import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"herald: configuration error:\n{_explain(exc)}", file=sys.stderr)
        return 2
    handler = {
        "run": _run, "preview": _preview, "check": _check, "db": _db, "config": _config, "index": _index,
        "queue": _queue, "broadcast": _broadcast, "status": _status, "panel": _panel,
        "subscription": _subscription, "source": _source,
    }[args.command]
    try:
        return handler(args, settings)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except (OSError, SQLAlchemyError) as exc:  # the database (or its folder) cannot be used
        from bot.logs import first_line
        from bot.reference import mask_url_password

        where = mask_url_password(settings.database_url)
        print(f"herald: cannot use the database HERALD_DATABASE_URL={where}: {first_line(exc)}", file=sys.stderr)
        return 1


def _explain(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        lines.append(f"  HERALD_{where.upper()}: {err['msg']}")
    return "\n".join(lines)


def _preview(args: argparse.Namespace, settings) -> int:
    from bot.content import ContentConfig
    from bot.platform import load_platform
    from bot.preview import Preview, build_previews, format_preview
    from bot.summary import SummaryConfig

    platform = load_platform(args.platform or ("telegram" if args.json else "console"))
    content = ContentConfig.from_settings(settings)
    status = 0
    first = True
    from bot.templating import load_sources

    templates = load_sources(settings.templates)
    summaries = SummaryConfig.from_settings(settings)
    for item in build_previews(args.paths, platform, content, summaries, templates=templates):
        if isinstance(item, Preview):
            if not args.json and not first:
                print()
            print(format_preview(item, as_json=args.json), flush=False)
            first = False
        else:
            status = 1
            for problem in item.problems:
                print(f"herald: {problem}", file=sys.stderr)
    sys.stdout.flush()
    return status


def _check(args: argparse.Namespace, settings) -> int:
    from bot.check import check_folder, format_check_report
    from bot.content import ContentConfig
    from bot.progress import progress

    root = args.dir if args.dir is not None else settings.content_dir
    if not root.is_dir():
        print(f"herald: {root} is not a folder", file=sys.stderr)
        return 2
    config = ContentConfig.from_settings(settings)
    results, fatal = check_folder(root, config, show=progress)  # a bar on a terminal only
    for line in format_check_report(results):
        print(line)
    return 1 if fatal else 0


def _config(args: argparse.Namespace, settings) -> int:
    from bot.reference import format_effective_config

    print(format_effective_config(settings), end="")
    return 0


def _index(args: argparse.Namespace, settings) -> int:
    from bot.serve import index_once

    if not settings.content_dir.is_dir():
        print(f"herald: {settings.content_dir} is not a folder", file=sys.stderr)
        return 2
    report = asyncio.run(index_once(settings))
    for problem in report.problems:
        print(f"herald: {problem}", file=sys.stderr)
    print(
        f"indexed {settings.content_dir}: {len(report.new)} new, {len(report.updated)} updated, "
        f"{len(report.removed)} removed, {report.unchanged} unchanged, {len(report.problems)} problems"
        + (" (first index: recorded, nothing sent)" if report.first_run else "")
    )
    return 0


def _db(args: argparse.Namespace, settings) -> int:
    from bot.store.migrate import upgrade_sync

    upgrade_sync(settings.database_url)
    print("database is up to date")
    return 0


def _queue(args: argparse.Namespace, settings) -> int:
    import asyncio

    from bot.schedule import shell

    try:
        if args.queue_command == "add":
            print(asyncio.run(shell.queue_add(settings, args.article, at=args.at, to=args.to)))
        elif args.queue_command == "list":
            for line in asyncio.run(shell.queue_list(settings)):
                print(line)
        else:
            print(asyncio.run(shell.queue_cancel(settings, args.id)))
    except shell.ShellError as exc:
        print(f"herald: {exc}", file=sys.stderr)
        return 2
    return 0


def _broadcast(args: argparse.Namespace, settings) -> int:
    import asyncio

    from bot.schedule import shell

    try:
        print(asyncio.run(shell.broadcast_now(settings, args.article, to=args.to)))
    except shell.ShellError as exc:
        print(f"herald: {exc}", file=sys.stderr)
        return 2
    return 0


def _panel(args: argparse.Namespace, settings) -> int:
    from bot.panel.shell import PanelLinkError, make_link

    try:
        print(asyncio.run(make_link(settings, args.admin)))
    except PanelLinkError as exc:
        print(f"herald: {exc}", file=sys.stderr)
        return 2
    return 0


def _subscription(args: argparse.Namespace, settings) -> int:
    from bot.commands.shell import ShellCommandError, run_for_chat

    try:
        reply = asyncio.run(run_for_chat(settings, args.target, args.chat_command, list(args.words)))
    except ShellCommandError as exc:
        print(f"herald: {exc}", file=sys.stderr)
        return 2
    print(reply.text, file=sys.stderr if reply.error else sys.stdout)
    return 2 if reply.error else 0


def _source(args: argparse.Namespace, settings) -> int:
    from bot.sources import shell

    try:
        if args.source_command == "list":
            lines = asyncio.run(shell.source_list(settings))
        elif args.source_command == "add":
            lines = [asyncio.run(shell.source_add(settings, args.entry))]
        elif args.source_command == "remove":
            lines = [asyncio.run(shell.source_remove(settings, args.name))]
        else:
            result = asyncio.run(shell.source_check(settings, args.ref))
            for line in result.lines:
                print(line)
            for line in result.errors:
                print(f"herald: {line}", file=sys.stderr)
            return 1 if result.failed else 0
    except shell.SourceShellError as exc:
        print(f"herald: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def _status(args: argparse.Namespace, settings) -> int:
    from bot.replicas.status import status_lines

    for line in asyncio.run(status_lines(settings)):
        print(line)
    return 0


def _run(args: argparse.Namespace, settings) -> int:
    from bot.serve import run

    return run(settings)
