"""The admin panel: server-rendered pages under `/panel` on the HTTP server of `/healthz`.

`auth` (sign-in links, sessions, CSRF), `webapp` (Telegram Mini App initData), `articles` (the list
and one article's previews), `previews` (requests → Telegram bubble and Discord embed),
`queue_page` (the queue by day; queueing for the next slot), `address` (the panel's public URL),
`shell` (`herald panel link`), `app` (the aiohttp routes and Jinja2 pages). This module imports
none of them, so the chat commands can use `auth` without loading the web pages.
"""
