"""Fakes of the platforms' servers, speaking real HTTP on 127.0.0.1 for tests and benches."""

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_limits import FakeLimits
from tests.fakes.telegram_state import FakeChat, RecordedRequest, SentMessage

__all__ = ["FakeChat", "FakeLimits", "FakeTelegram", "RecordedRequest", "SentMessage"]
