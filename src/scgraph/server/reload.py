"""Follow `current` while serving: notice a new build, open it, then switch to it at once.

`scgraph build` writes a build into a fresh directory and only then moves the `current` link
(store.py), so whatever `current` resolves to is complete. Each server process checks the link
every `reload_check_s` seconds; when it names another build, the process opens that build
read-only (store, summary, search index), starts query workers on it, and then replaces
`app.state.served` in one step. A request keeps the ServedBuild it took when it started, so it
finishes on the old build even if that build is pruned meanwhile: files RocksDB holds open stay
readable after they are deleted (Linux), and a read-only store is a snapshot (PYOXIGRAPH.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI

from scgraph.errors import StoreError
from scgraph.search import load_index
from scgraph.served_store import close_served_store, open_served_store
from scgraph.server.background import running_in_background
from scgraph.server.deps import ServedBuild
from scgraph.server.query_pool import QueryPool
from scgraph.settings import Settings
from scgraph.store import resolve_build

logger = logging.getLogger("scgraph.server")


def build_directory(settings: Settings) -> Path:
    """The build directory `settings` point at now, with `current` followed."""
    return resolve_build(settings.current_build).resolve()


def open_served(settings: Settings, directory: Path) -> ServedBuild:
    """Open the build in `directory` read-only: store, summary and search index."""
    store, summary = open_served_store(settings, directory)
    served = ServedBuild(settings, store, summary, directory)
    served.search = load_index(directory, store, settings.base_iri)
    return served


class BuildWatcher:
    """Switches one application to the build `current` points at, whenever that changes."""

    def __init__(self, app: FastAPI, settings: Settings) -> None:
        self.app, self.settings = app, settings
        self._failed: Path | None = None  # a build that would not open: logged once, retried

    async def check(self) -> bool:
        """Switch if `current` names another build than the one served; True if it switched."""
        served: ServedBuild = self.app.state.served
        directory = await asyncio.to_thread(build_directory, self.settings)
        if directory == served.directory:
            return False
        try:
            fresh = await asyncio.to_thread(open_served, self.settings, directory)
            pool: QueryPool | None = getattr(self.app.state, "query_pool", None)
            if pool is not None:
                await pool.retarget(directory)
        except (OSError, StoreError) as error:
            # A build that is not usable (pruned meanwhile, damaged): keep serving the old one.
            if directory != self._failed:
                logger.warning(
                    "cannot switch to the build at %s, still serving %s: %s",
                    directory,
                    served.build_id,
                    error,
                )
                self._failed = directory
            return False
        # No await since retarget: query workers and served build switch together.
        self.app.state.served = fresh
        self.app.state.search = fresh.search
        self._failed = None
        logger.info("now serving build %s (was %s)", fresh.build_id, served.build_id)
        # Requests still holding the old build may use its store until they end; then let go of
        # its connections (an embedded store goes with its last reference).
        grace_s = self.settings.query_timeout_s + self.settings.query_queue_wait_s + 5
        asyncio.get_running_loop().call_later(grace_s, close_served_store, served.store)
        return True

    async def watch(self, interval_s: float) -> None:
        """Check every `interval_s` seconds until cancelled."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.check()
            except Exception:
                # Whatever went wrong with one build, keep watching for the next one.
                logger.exception("checking for a new build failed; still serving the old one")


@asynccontextmanager
async def _watching(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    watcher = BuildWatcher(app, settings)
    app.state.build_watcher = watcher
    watching = watcher.watch(settings.reload_check_s) if settings.reload_check_s > 0 else None
    async with running_in_background(watching):
        yield


# No routes: included after the SPARQL router so that it watches while the query pool is up.
router = APIRouter(lifespan=_watching)
