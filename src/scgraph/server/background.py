"""A coroutine run for the life of the application, cancelled and awaited when it ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any


@asynccontextmanager
async def running_in_background(work: Coroutine[Any, Any, None] | None) -> AsyncIterator[None]:
    """Run `work` (nothing when None) while the context is open; cancel it on the way out."""
    task = asyncio.create_task(work) if work is not None else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
