"""Notices Herald sends by itself: posts that cannot be published (to admins), configured channels
it had to disable."""

from __future__ import annotations

from bot.commands.texts.model import Plural, T

TEXTS: dict[str, T] = {
    "targets.disabled": T(
        "{target} (HERALD_CHANNELS) is disabled: {reason}. Fix it; Herald checks again at its next start.",
        "{target}（HERALD_CHANNELS）已停用：{reason}。请修正；Herald 下次启动时会重新检查。",
        "{target}（HERALD_CHANNELS）已停用：{reason}。請修正；Herald 下次啟動時會重新檢查。",
    ),
    "content.unpublishable.header": T(
        Plural(
            by="count",
            one="{count} post cannot be published; it is read again when its file changes:",
            other="{count} posts cannot be published; each is read again when its file changes:",
        ),
        "{count} 篇文章无法发布；文件修改后会重新读取：",
        "{count} 篇文章無法發布；檔案修改後會重新讀取：",
    ),
    "content.unpublishable.line": T("• {path}: {reason}", "• {path}：{reason}", "• {path}：{reason}"),
    "content.unpublishable.more": T(
        "…and {count} more; `herald check` lists them all.",
        "……另有 {count} 篇；`herald check` 会列出全部。",
        "……另有 {count} 篇；`herald check` 會列出全部。",
    ),
}
