"""Photos the fake Bot API holds: uploads (sniffed like Telegram does), URLs, and reused file_ids."""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from tests.fakes.telegram_state import bad_request

# Telegram's sendPhoto rules (core.telegram.org/bots/api#sendphoto): at most 10 MB,
# width + height at most 10000, width/height ratio at most 20.
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_SIDES = 10000
MAX_RATIO = 20
# Telegram keeps a photo in these sizes (longest side), smallest first.
_SIZES = (90, 320, 800, 1280, 2560)


@dataclass(frozen=True)
class StoredFile:
    """A photo Telegram would keep: its ids, dimensions, and the bytes when it was uploaded."""

    file_id: str
    file_unique_id: str
    width: int
    height: int
    size: int
    content: bytes | None
    url: str | None

    def photo_sizes(self) -> list[dict[str, object]]:
        """Return the PhotoSize list a message carries for this photo (largest last)."""
        longest = max(self.width, self.height)
        sizes = [s for s in _SIZES if s < longest] + [longest]
        result = []
        for index, side in enumerate(sizes):
            scale = side / longest
            last = index == len(sizes) - 1
            result.append(
                {
                    "file_id": self.file_id if last else f"{self.file_id}_{side}",
                    "file_unique_id": self.file_unique_id if last else f"{self.file_unique_id}{side}",
                    "width": max(1, round(self.width * scale)),
                    "height": max(1, round(self.height * scale)),
                    "file_size": self.size if last else max(1, round(self.size * scale * scale)),
                }
            )
        return result


def image_size(data: bytes) -> tuple[int, int] | None:
    """Return (width, height) of a PNG, JPEG, GIF, WebP or BMP image, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return abs(width), abs(height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        return _webp_size(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            index += 1 if marker == 0xFF else 2
            continue
        length = struct.unpack(">H", data[index + 2 : index + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return width, height
        index += 2 + length
    return None


class FileStore:
    """Every photo the bot has sent, by file_id and by URL."""

    def __init__(self, bot_id: int) -> None:
        self.bot_id = bot_id
        self.by_id: dict[str, StoredFile] = {}
        self.by_url: dict[str, StoredFile] = {}
        self.counter = 0

    def _new_id(self, unique: str) -> str:
        self.counter += 1
        return f"AgAC{self.bot_id:x}F{self.counter:06d}{unique[:10]}"

    def _keep(self, stored: StoredFile) -> StoredFile:
        for size in stored.photo_sizes():
            self.by_id[str(size["file_id"])] = stored
        self.by_id[stored.file_id] = stored
        return stored

    def upload(self, content: bytes) -> StoredFile:
        """Keep an uploaded photo under a new file_id, or fail as Telegram does for a bad image."""
        if len(content) > MAX_PHOTO_BYTES:
            raise bad_request("file is too big")
        dims = image_size(content)
        if dims is None or min(dims) <= 0:
            raise bad_request("IMAGE_PROCESS_FAILED")
        width, height = dims
        if width + height > MAX_SIDES or max(width, height) > MAX_RATIO * min(width, height):
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        unique = "AQAD" + hashlib.sha256(content).hexdigest()[:16]
        stored = StoredFile(self._new_id(unique), unique, width, height, len(content), content, None)
        return self._keep(stored)

    def from_url(self, url: str) -> StoredFile:
        """Keep a photo Telegram fetched from `url` (the fake never fetches; same URL, same file)."""
        if url in self.by_url:
            return self.by_url[url]
        unique = "AQAD" + hashlib.sha256(url.encode()).hexdigest()[:16]
        stored = self._keep(StoredFile(self._new_id(unique), unique, 1280, 720, 64_000, None, url))
        self.by_url[url] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        """Return the photo a file_id names, if this bot has it."""
        return self.by_id.get(file_id)
