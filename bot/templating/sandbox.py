"""The sandbox card templates run in: Jinja2's immutable sandbox with lower bounds on loops,
sizes and output, and errors that name the template's line."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

from jinja2 import StrictUndefined, Template
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from bot.templating.sources import TemplateRenderError

MAX_OUTPUT = 64 * 1024
"""Most characters a template may print (the rest is dropped) or build in one string or list."""
MAX_RANGE = 1_000
"""Most items one `range()` may yield."""
LOOP_BUDGET = 10_000
"""Most items all the `range()` calls of one rendering may yield together."""


class _Budget:
    """What one rendering may still loop over (`range()` items)."""

    def __init__(self) -> None:
        self.left = LOOP_BUDGET


class _Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with lower bounds: `range()`, string and list products."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Refuse products that would build more than `MAX_OUTPUT` items, and huge powers."""
        if operator == "**":
            if isinstance(right, int) and abs(right) > 64:
                raise TemplateRenderError("a power larger than 64")
            return super().call_binop(context, operator, left, right)
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_OUTPUT:
                raise TemplateRenderError(f"a string or list longer than {MAX_OUTPUT}")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Call from template code, refusing sizes above `MAX_OUTPUT` (`"{:>999999999}".format`)."""
        _check_sizes(args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """Sandbox `str.format` as Jinja does, refusing a format string with a huge width."""
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_sizes((value.__self__,), {})
        return wrapped


def _check_sizes(args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    """Refuse a number above `MAX_OUTPUT` given to a function or filter (a width, a count)."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_OUTPUT:
            raise TemplateRenderError(f"a number larger than {MAX_OUTPUT} given to a function")
        if isinstance(value, str) and _WIDE_FORMAT.search(value):
            raise TemplateRenderError(f"a format width larger than {MAX_OUTPUT}")


_WIDE_FORMAT = re.compile(r"[%:][^%{}]*?\d{6,}")
"""A printf or format spec with a width of 6 digits or more (`%999999s`, `{:>999999}`)."""


def _guarded(function: Callable[..., Any]) -> Callable[..., Any]:
    """Return a filter that refuses sizes above `MAX_OUTPUT` (`center(10**9)`, `slice(10**9)`)."""

    @functools.wraps(function)  # keeps Jinja's pass_context / pass_environment marks
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _check_sizes(args if function.__name__ == "do_format" else args[1:], kwargs)
        return function(*args, **kwargs)

    return guarded


def _bounded_range(budget: _Budget) -> Callable[..., range]:
    def bounded(*args: int) -> range:
        span = range(*args)
        if len(span) > MAX_RANGE:
            raise TemplateRenderError(f"range() of more than {MAX_RANGE} items")
        budget.left -= len(span)
        if budget.left < 0:
            raise TemplateRenderError(f"loops over more than {LOOP_BUDGET} items in all")
        return span

    return bounded


def environment(autoescape: bool, finalize: Callable[[Any], Any] | None) -> _Sandbox:
    """Return the sandbox card templates compile in: strict about undefined names, blocks
    trimmed, no `lipsum`/`cycler`/`joiner`/`namespace`, every filter bounded, and `range()`
    given per rendering (`render_bounded`)."""
    env = _Sandbox(
        autoescape=autoescape, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=False, finalize=finalize, auto_reload=False,
    )  # fmt: skip
    for name, function in list(env.filters.items()):
        env.filters[name] = _guarded(function)
    env.globals.pop("range", None)
    env.globals.pop("lipsum", None)
    env.globals.pop("cycler", None)
    env.globals.pop("joiner", None)
    env.globals.pop("namespace", None)
    return env


def escaping(escape: Callable[[str], str]) -> Callable[[Any], Any]:
    """Return a Jinja `finalize` that escapes every printed value with `escape` (Discord's
    Markdown escape), except values marked safe (`{{ url|safe }}`)."""

    def finalize(value: Any) -> Any:
        if isinstance(value, Markup):
            return str(value)
        return escape("" if value is None else str(value))

    return finalize


def render_bounded(template: Template, context: Mapping[str, Any]) -> str:
    """Render `template` with `context`, at most `MAX_OUTPUT` characters; raise
    TemplateRenderError (naming the line) when it fails or a bound is reached."""
    budget = _Budget()
    parts: list[str] = []
    size = 0
    try:
        chunks: Iterator[str] = template.generate({**context, "range": _bounded_range(budget)})
        for chunk in chunks:
            parts.append(chunk)
            size += len(chunk)
            if size >= MAX_OUTPUT:
                break
    except Exception as exc:  # noqa: BLE001 - any failure of an operator's template: the default card
        raise TemplateRenderError(_with_line(exc, template)) from None
    return "".join(parts)[:MAX_OUTPUT]


def _with_line(exc: BaseException, template: Template) -> str:
    """Return "line N: message" for an error raised while rendering `template`."""
    line = _line_of(exc.__traceback__, template.filename or "")
    text = str(exc) or type(exc).__name__
    return f"line {line}: {text}" if line else text


def _line_of(tb: TracebackType | None, filename: str) -> int | None:
    """Return the template line of the innermost traceback frame in the template's file."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
