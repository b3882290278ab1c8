"""Where articles come from: the content folder, RSS/Atom/JSON feeds and git repositories.

`spec` parses `HERALD_SOURCES` (and `herald source add`); `model` holds what a poll of a feed or a
git source yields (`Entry`, `Poll`); `feed` and `git` fetch them; `apply` writes a poll into the
same article index the folder feeds (`bot.index`), so summaries, subscriptions, the queue and
delivery work the same for every source; `poller` polls each source on its interval with jitter
and backoff (scheduler role). The folder keeps its own watcher and rescans (`bot.index`,
`bot.schedule.watch`); its articles have no source name in the store (`articles.source` is NULL).
"""
