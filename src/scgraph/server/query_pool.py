"""A pool of query worker processes that can be killed when a query runs past its time limit.

Each worker (scgraph/sparql_worker.py) holds the store open read-only and answers one job at a
time. A request takes an idle worker, sends its job and reads frames until the result is complete;
a worker whose job did not finish cleanly (timeout, client gone, crash) is killed and replaced in
the background, so other requests keep being served by the other workers meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scgraph.errors import QueryTimeout, StoreError
from scgraph.sparql_worker import CHUNK_BYTES, DONE, ERROR, FRAME_HEAD, READY

logger = logging.getLogger("scgraph.server")

START_TIMEOUT_S = 60.0
RECYCLE_AFTER_BYTES = 32 * 1024 * 1024
"""A worker that sent a result this large is replaced: it keeps the engine's memory of it (about
+500 MB after a 1M-triple CONSTRUCT) and, measured on pyoxigraph 0.5.13, starts its next large
CONSTRUCT ~0.45 s late instead of ~2 ms (an allocator effect, seen in a bare script too)."""


READ_BYTES = 4 * CHUNK_BYTES
Frame = tuple[bytes, bytes]


@dataclass(eq=False)
class _Worker:
    process: asyncio.subprocess.Process
    store_dir: Path
    pending: bytearray = field(default_factory=bytearray)
    """Received bytes of a frame not yet complete."""
    frames: deque[Frame] = field(default_factory=deque)
    """Frames received and not yet read: a small answer (header, data, end) comes in one pipe
    write, and its frames are then read without waiting or arming a timer for each."""

    def take_frame(self) -> Frame | None:
        return self.frames.popleft() if self.frames else None

    async def read_frame(self) -> Frame:
        """The next frame, once it has arrived whole; IncompleteReadError if the pipe closes."""
        assert self.process.stdout is not None
        while not self.frames:
            data = await self.process.stdout.read(READ_BYTES)
            if not data:
                raise asyncio.IncompleteReadError(bytes(self.pending), None)
            self._split(data)
        return self.frames.popleft()

    def _split(self, data: bytes) -> None:
        if self.pending:
            self.pending += data
            data, self.pending = bytes(self.pending), bytearray()
        view, offset, size = memoryview(data), 0, len(data)
        while size - offset >= FRAME_HEAD.size:
            tag, length = FRAME_HEAD.unpack_from(view, offset)
            end = offset + FRAME_HEAD.size + length
            if end > size:
                break
            self.frames.append((tag, bytes(view[offset + FRAME_HEAD.size : end])))
            offset = end
        self.pending += view[offset:]


async def _spawn(store_dir: Path) -> _Worker:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "scgraph.sparql_worker",
        str(store_dir),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        # Room for a whole frame: the reader pauses the pipe at twice this limit.
        limit=2 * CHUNK_BYTES,
    )
    worker = _Worker(process, store_dir)
    try:
        tag, payload = await asyncio.wait_for(worker.read_frame(), START_TIMEOUT_S)
    except (TimeoutError, asyncio.IncompleteReadError) as error:
        await _kill(worker)
        raise StoreError(f"a query worker did not start on {store_dir}") from error
    except asyncio.CancelledError:
        # Left running, it would outlive the server and fail writing to a closed pipe; left
        # unreaped, its transport would be finalised later, in the middle of other work.
        process.kill()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(process.wait())
        raise
    if tag != READY:
        await _kill(worker)
        raise StoreError(f"a query worker could not open the store: {payload.decode()}")
    return worker


async def _spawn_all(store_dir: Path, count: int) -> list[_Worker]:
    """`count` workers on `store_dir`, or none: if one fails or the wait is cancelled, those
    already started are killed."""
    starting = [asyncio.ensure_future(_spawn(store_dir)) for _ in range(count)]
    try:
        return list(await asyncio.gather(*starting))
    except BaseException:
        for task in starting:
            task.cancel()
        for outcome in await asyncio.gather(*starting, return_exceptions=True):
            if isinstance(outcome, _Worker):
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(_kill(outcome))
        raise


async def _kill(worker: _Worker) -> None:
    if worker.process.returncode is None:
        worker.process.kill()
    await worker.process.wait()


class QueryRun:
    """One job on one worker: read its frames before the deadline, then release the worker."""

    def __init__(self, pool: QueryPool, worker: _Worker, deadline: float) -> None:
        self.pool, self.worker, self.deadline = pool, worker, deadline
        self.finished = False
        self.released = False
        self.bytes_read = 0

    async def read(self) -> Frame:
        """The next frame; QueryTimeout (worker killed) when the deadline passes first."""
        frame = self.worker.take_frame()
        try:
            if frame is None:
                # timeout_at, unlike wait_for, does not start a task for every frame.
                async with asyncio.timeout_at(self.deadline):
                    frame = await self.worker.read_frame()
        except TimeoutError as error:
            self.release()
            raise QueryTimeout(
                f"the query ran longer than the {self.pool.timeout_s:g} s limit and was stopped",
                self.pool.timeout_s,
            ) from error
        except asyncio.IncompleteReadError as error:
            self.release()
            raise StoreError("the query worker stopped unexpectedly") from error
        tag, payload = frame
        if tag in (DONE, ERROR):
            self.finished = True
        self.bytes_read += len(payload)
        return tag, payload

    def release(self) -> None:
        """Give the worker back if its job is complete; otherwise kill and replace it."""
        if self.released:
            return
        self.released = True
        self.pool.busy.discard(self.worker)
        if not self.finished or self.bytes_read > RECYCLE_AFTER_BYTES:
            self.pool.replace(self.worker)
        elif self.worker.store_dir != self.pool.store_dir:
            self.pool.retire(self.worker)  # its build was replaced while it ran this job
        else:
            self.pool.idle.put_nowait(self.worker)


class QueryPool:
    """`size` worker processes over the store at `store_dir`; jobs get `timeout_s` each."""

    def __init__(
        self, store_dir: Path, size: int, timeout_s: float, queue_wait_s: float | None = None
    ) -> None:
        self.store_dir, self.size, self.timeout_s = store_dir, max(1, size), timeout_s
        # Waiting for a free worker has its own limit: a cheap query queued behind a runaway one
        # must not lose its own time budget while it waits (seen under load: bench/load.py).
        self.queue_wait_s = timeout_s if queue_wait_s is None else queue_wait_s
        self.idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self.workers: set[_Worker] = set()
        self.busy: set[_Worker] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._dying: set[_Worker] = set()  # killed, not yet reaped: close() must wait for them
        self._started = False
        self._starting = asyncio.Lock()

    async def start(self) -> None:
        """Start the workers once, at the first query: an app that never queries pays nothing."""
        if self._started:
            return  # without the lock, which a retarget holds while new workers start
        async with self._starting:
            if self._started:
                return
            workers = await _spawn_all(self.store_dir, self.size)
            for worker in workers:
                self.workers.add(worker)
                self.idle.put_nowait(worker)
            self._started = True

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(_kill(worker) for worker in self.workers | self._dying))
        self.workers.clear()
        self._dying.clear()

    async def submit(self, job: dict[str, Any]) -> QueryRun:
        """Send `job` to the next idle worker, waiting at most `queue_wait_s` for one; the query
        then has `timeout_s` to run."""
        await self.start()
        loop = asyncio.get_running_loop()
        try:
            # An idle worker is taken at once: wait_for would start a task to take it.
            worker = self.idle.get_nowait()
        except asyncio.QueueEmpty:
            try:
                worker = await asyncio.wait_for(self.idle.get(), self.queue_wait_s)
            except TimeoutError as error:
                raise QueryTimeout(
                    f"every query worker stayed busy for {self.queue_wait_s:g} s; try again later",
                    self.queue_wait_s,
                ) from error
        self.busy.add(worker)
        run = QueryRun(self, worker, loop.time() + self.timeout_s)
        stdin = worker.process.stdin
        assert stdin is not None
        # A worker that died while idle (killed, crashed) is noticed here: its pipe is closed.
        if worker.process.returncode is not None or stdin.is_closing():
            run.release()
            raise StoreError("the query worker stopped unexpectedly")
        try:
            stdin.write(json.dumps(job).encode() + b"\n")
        except (BrokenPipeError, ConnectionResetError) as error:
            run.release()
            raise StoreError("the query worker stopped unexpectedly") from error
        return run

    def pids(self) -> list[int]:
        """Process ids of the live workers (for operators and fault tests)."""
        return sorted(worker.process.pid for worker in self.workers)

    def busy_pids(self) -> list[int]:
        """Process ids of the workers running a job now."""
        return sorted(worker.process.pid for worker in list(self.busy))

    async def retarget(self, store_dir: Path) -> None:
        """Serve the store at `store_dir` from now on (a new build): fresh workers on it take the
        place of the idle ones; busy ones finish their job, then stop.

        StoreError if the new workers cannot start; the pool then stays on its old store.
        """
        async with self._starting:
            if not self._started:
                self.store_dir = store_dir
                return
            fresh = await _spawn_all(store_dir, self.size)
            # Nothing below awaits: a request takes either an old worker or a new one.
            self.store_dir = store_dir
            while not self.idle.empty():
                self.retire(self.idle.get_nowait())
            for worker in fresh:
                self.workers.add(worker)
                self.idle.put_nowait(worker)

    def retire(self, worker: _Worker) -> None:
        """Stop `worker` without replacing it (it serves a build that is no longer current)."""
        self.workers.discard(worker)
        if worker.process.returncode is None:
            worker.process.kill()  # now: a background task may be cancelled before it runs
        self._dying.add(worker)
        self._in_background(self._reap(worker))

    def replace(self, worker: _Worker) -> None:
        """Kill `worker` now and start a fresh one in the background."""
        if worker.process.returncode is None:
            worker.process.kill()
        self._dying.add(worker)
        self._in_background(self._replace(worker))

    async def _reap(self, worker: _Worker) -> None:
        await _kill(worker)
        self._dying.discard(worker)

    def _in_background(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _replace(self, worker: _Worker) -> None:
        await self._reap(worker)
        self.workers.discard(worker)
        if worker.store_dir != self.store_dir:
            return  # retarget has already started the workers of the new build
        try:
            fresh = await _spawn(self.store_dir)
        except StoreError:
            logger.exception("could not replace a query worker; the pool is smaller now")
            return
        if fresh.store_dir != self.store_dir:  # retargeted while this one started
            await _kill(fresh)
            return
        self.workers.add(fresh)
        self.idle.put_nowait(fresh)
