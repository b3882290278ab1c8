"""Reading posts: a content folder's files → `Article` values, or typed `Problem` reports."""

from bot.content.article import Article, Problem, ProblemKind
from bot.content.config import ContentConfig
from bot.content.loader import LoadResult, load_article, load_text, relative_path
from bot.content.scanner import is_post_file, scan_folder

__all__ = [
    "Article",
    "ContentConfig",
    "LoadResult",
    "Problem",
    "ProblemKind",
    "is_post_file",
    "load_article",
    "load_text",
    "relative_path",
    "scan_folder",
]
