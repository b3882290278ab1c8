"""Alembic migrations for Herald's schema; run them with `bot.store.migrate.upgrade`."""
