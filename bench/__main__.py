"""Run every benchmark module of this package: `python -m bench`."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path


def main() -> None:
    for module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if module.name.startswith("_"):
            continue
        loaded = importlib.import_module(f"bench.{module.name}")
        runner = getattr(loaded, "main", None)
        if callable(runner):
            print(f"== bench.{module.name}")
            runner()


if __name__ == "__main__":
    main()
