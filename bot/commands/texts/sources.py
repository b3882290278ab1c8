"""/sources and the panel's Sources page: the folder, feeds and git repositories articles come from."""

from __future__ import annotations

from bot.commands.texts.model import Plural, T

TEXTS: dict[str, T] = {
    "cmd.sources": T("", "管理员：查看文章来源及其抓取情况", "管理員：檢視文章來源及其抓取情況"),
    "sources.header": T(
        "Sources ({count}), times in {zone}:",
        "文章来源（共 {count} 个，时区 {zone}）：",
        "文章來源（共 {count} 個，時區 {zone}）：",
    ),
    "sources.none": T(
        "No source is configured (HERALD_SOURCES).",
        "没有配置文章来源（HERALD_SOURCES）。",
        "沒有設定文章來源（HERALD_SOURCES）。",
    ),
    "sources.folder": T(
        Plural(by="articles", one="{name} · folder · {articles} article · watched",
               other="{name} · folder · {articles} articles · watched"),
        "{name} · 文件夹 · {articles} 篇文章 · 实时监视",
        "{name} · 資料夾 · {articles} 篇文章 · 即時監看",
    ),
    "sources.line": T(
        Plural(by="articles", one="{name} · {kind} · {articles} article · last fetch {last} · next {next}",
               other="{name} · {kind} · {articles} articles · last fetch {last} · next {next}"),
        "{name} · {kind} · {articles} 篇文章 · 上次抓取 {last} · 下次 {next}",
        "{name} · {kind} · {articles} 篇文章 · 上次抓取 {last} · 下次 {next}",
    ),
    "sources.failed": T(
        Plural(by="failures", one="  failed {failures} time: {error}", other="  failed {failures} times in a row: {error}"),
        "  连续失败 {failures} 次：{error}",
        "  連續失敗 {failures} 次：{error}",
    ),
    "sources.alarm": T(
        "Source {name} has failed {failures} polls in a row: {error}. Herald keeps trying, less often "
        "(see /sources); you are told when it works again.",
        "文章来源 {name} 已连续 {failures} 次抓取失败：{error}。Herald 会继续重试，但间隔会变长（见 /sources）；恢复后会通知你。",
        "文章來源 {name} 已連續 {failures} 次抓取失敗：{error}。Herald 會繼續重試，但間隔會變長（見 /sources）；恢復後會通知你。",
    ),
    "sources.recovered": T(
        "Source {name} works again.",
        "文章来源 {name} 已恢复正常。",
        "文章來源 {name} 已恢復正常。",
    ),
    "sources.more": T(
        "… and {count} more: see the panel or `herald source list`.",
        "……另有 {count} 个：请查看管理面板或 `herald source list`。",
        "……另有 {count} 個：請檢視管理面板或 `herald source list`。",
    ),
    "sources.never": T("never", "从未", "從未"),
    "sources.unknown_kind": T("unreadable entry", "无法解析的条目", "無法解析的項目"),
    "panel.nav.sources": T("Sources", "来源", "來源"),
    "panel.sources.heading": T("Sources", "文章来源", "文章來源"),
    "panel.sources.zone": T("Times in {zone}.", "时区：{zone}。", "時區：{zone}。"),
    "panel.sources.name": T("Name", "名称", "名稱"),
    "panel.sources.kind": T("Kind", "类型", "類型"),
    "panel.sources.location": T("Where", "位置", "位置"),
    "panel.sources.origin": T("Added by", "来自", "來自"),
    "panel.sources.articles": T("Articles", "文章", "文章"),
    "panel.sources.last_fetch": T("Last fetch", "上次抓取", "上次抓取"),
    "panel.sources.next_fetch": T("Next fetch", "下次抓取", "下次抓取"),
    "panel.sources.failures": T("Failures", "失败次数", "失敗次數"),
    "panel.sources.last_error": T("Last error", "最近的错误", "最近的錯誤"),
    "panel.sources.watched": T("watched, not polled", "实时监视，不轮询", "即時監看，不輪詢"),
    "panel.sources.poll": T("Poll now", "立即抓取", "立即抓取"),
    "panel.sources.polling": T(
        "{name} is due now: the poller fetches it within seconds.",
        "{name} 已设为立即抓取：轮询程序将在几秒内抓取。",
        "{name} 已設為立即抓取：輪詢程式將在幾秒內抓取。",
    ),
    "panel.sources.unknown": T("There is no source named {name}.", "没有名为 {name} 的来源。", "沒有名為 {name} 的來源。"),
}
