"""The database fixtures give an empty, working schema on every backend."""

from sqlalchemy import func, select

from bot.store.models import ArticleRow


async def test_schema_starts_empty(sessions) -> None:
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ArticleRow)) == 0
