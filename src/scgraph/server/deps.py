"""Shared request dependencies, named once as Annotated aliases."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request

from scgraph.graph_store import GraphStore
from scgraph.lookup.vocabulary import super_properties
from scgraph.search import SearchIndex
from scgraph.server.response_cache import PINNED_BUILD
from scgraph.settings import Settings


@dataclass(eq=False)
class ServedBuild:
    """What one application serves: its settings, the read-only store and the build summary.

    A request takes the ServedBuild of the moment once (`ServedDep`) and uses only that one, so a
    switch to a newer build (server/reload.py) never mixes two builds inside one response.
    """

    settings: Settings
    store: GraphStore
    summary: dict[str, Any]
    directory: Path | None = None
    """The build directory, `current` resolved: the reload watcher compares it with `current`."""
    search: SearchIndex | None = None
    memo: dict[str, Any] = field(default_factory=dict)
    """Values derived from this build on first use (e.g. the reconciliation vocabulary)."""

    @property
    def build_id(self) -> str:
        return str(self.summary.get("build_id", "unknown"))

    @cached_property
    def super_properties(self) -> dict[str, set[str]]:
        """Property → its super-properties: computed once, the served store never changes."""
        return super_properties(self.store)


def get_served(request: Request) -> ServedBuild:
    """The build this request was admitted with (pinned by the answer cache), else the current."""
    served: ServedBuild = (
        request.scope.get("state", {}).get(PINNED_BUILD) or request.app.state.served
    )
    return served


def get_settings_of_app(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# Dependencies that are coroutines run on the event loop; plain functions would each cost every
# request a hop to a worker thread and back, more than the lookup itself.
async def _served_dependency(request: Request) -> ServedBuild:
    return get_served(request)


async def _settings_dependency(request: Request) -> Settings:
    return get_settings_of_app(request)


ServedDep = Annotated[ServedBuild, Depends(_served_dependency)]
SettingsDep = Annotated[Settings, Depends(_settings_dependency)]
