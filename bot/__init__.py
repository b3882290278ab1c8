"""Herald: publish a site's Markdown articles to chat platforms.

The core (`bot/`) is platform-free: it never imports `telegram`, `discord` or `adapters`.
Platforms are found through the ``herald.platforms`` entry points declared in pyproject.toml.
"""

__version__ = "0.1.0"
