"""Routes of the api surface (to be filled in by its issue)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
