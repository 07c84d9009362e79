"""Shared request dependencies, named once as Annotated aliases."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any

from fastapi import Depends, Request

from scgraph.graph_store import GraphStore
from scgraph.lookup.vocabulary import super_properties
from scgraph.settings import Settings


@dataclass
class ServedBuild:
    """What one application serves: its settings, the read-only store and the build summary."""

    settings: Settings
    store: GraphStore
    summary: dict[str, Any]

    @property
    def build_id(self) -> str:
        return str(self.summary.get("build_id", "unknown"))

    @cached_property
    def super_properties(self) -> dict[str, set[str]]:
        """Property → its super-properties: computed once, the served store never changes."""
        return super_properties(self.store)


def get_served(request: Request) -> ServedBuild:
    served: ServedBuild = request.app.state.served
    return served


def get_settings_of_app(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


ServedDep = Annotated[ServedBuild, Depends(get_served)]
SettingsDep = Annotated[Settings, Depends(get_settings_of_app)]
