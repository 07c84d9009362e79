"""A response whose body is several files one after the other, served as Starlette serves one
file: Content-Length, HEAD, single and multiple Range requests, If-Range.

The dumps are made of parts (dump_parts.py). Starlette's `FileResponse` does the HTTP side; this
class only gives it a reader over the parts in place of an open file, and the total size in
place of a stat. A part whose size is not the recorded one stops the response with an error
(the status line may be sent already: the client then sees a body shorter than its
Content-Length, never other bytes).
"""

from __future__ import annotations

import os
import stat
from bisect import bisect_right
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from itertools import accumulate
from pathlib import Path
from typing import Any

import anyio
from starlette.responses import FileResponse
from starlette.types import Send


class PartSizeMismatch(RuntimeError):
    """A part file is not the size its dump's list records: it changed after the build."""


class ConcatenatedFilesResponse(FileResponse):
    def __init__(
        self,
        parts: Sequence[tuple[Path, int]],
        *,
        media_type: str,
        headers: Mapping[str, str] | None = None,
        filename: str | None = None,
    ) -> None:
        self.parts = list(parts)
        total = sum(size for _, size in self.parts)
        # A regular file of the total size: FileResponse then neither stats nor guesses. The
        # caller's ETag and Last-Modified come first, so the made-up times are not used.
        made_up = os.stat_result((stat.S_IFREG | 0o644, 0, 0, 1, 0, 0, total, 0, 0, 0))
        super().__init__(
            self.parts[0][0] if self.parts else os.devnull,
            headers=headers,
            media_type=media_type,
            filename=filename,
            stat_result=made_up,
        )

    @asynccontextmanager
    async def _open_file(self) -> AsyncIterator[Any]:
        reader = _Concatenation(self.parts)
        try:
            yield reader
        finally:
            with anyio.CancelScope(shield=True):  # closing must finish even when cancelled
                await reader.aclose()

    async def _handle_simple(self, send: Send, send_header_only: bool, send_pathsend: bool) -> None:
        # Never the "pathsend" extension: it would send the first part's file only.
        await super()._handle_simple(send, send_header_only, False)


class _Concatenation:
    """`read` and `seek` as on one file holding the parts' bytes in order."""

    def __init__(self, parts: list[tuple[Path, int]]) -> None:
        self.parts = parts
        self.starts = [0, *accumulate(size for _, size in parts)]
        self.position = 0
        self.current: tuple[int, anyio.AsyncFile[bytes]] | None = None

    async def seek(self, position: int) -> None:
        self.position = position

    async def read(self, size: int) -> bytes:
        """Up to `size` bytes, fewer only at the end of the last part (FileResponse takes a
        short read for the end of the body)."""
        chunks: list[bytes] = []
        wanted = size
        while wanted > 0 and self.position < self.starts[-1]:
            index = bisect_right(self.starts, self.position) - 1
            file = await self._file(index)
            offset = self.position - self.starts[index]
            await file.seek(offset)
            take = min(wanted, self.parts[index][1] - offset)
            chunk = await file.read(take)
            if len(chunk) != take:
                raise PartSizeMismatch(f"{self.parts[index][0]} is shorter than recorded")
            chunks.append(chunk)
            self.position += take
            wanted -= take
        return b"".join(chunks)

    async def _file(self, index: int) -> anyio.AsyncFile[bytes]:
        if self.current is not None and self.current[0] == index:
            return self.current[1]
        await self.aclose()
        path, size = self.parts[index]
        file = await anyio.open_file(path, mode="rb")
        actual = (await anyio.to_thread.run_sync(os.fstat, file.wrapped.fileno())).st_size
        if actual != size:
            await file.aclose()
            raise PartSizeMismatch(f"{path} has {actual} bytes, {size} recorded")
        self.current = (index, file)
        return file

    async def aclose(self) -> None:
        if self.current is not None:
            file, self.current = self.current[1], None
            await file.aclose()
