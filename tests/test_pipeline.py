"""A build that fails at any stage leaves the served store exactly as it was."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scgraph.dump_parts import parts_folder, read_manifest
from scgraph.errors import BuildFailed, ShaclViolation
from scgraph.pipeline import run_build
from scgraph.settings import Settings
from scgraph.store import DUMPS_DIR, open_store

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


def fingerprint(data_dir: Path) -> dict[str, str]:
    """What is served: the current link's target and a hash of every file of that build."""
    current = data_dir / "current"
    result = {"current": os.readlink(current)}
    for path in sorted(current.resolve().rglob("*")):
        if path.is_file():
            result[str(path.relative_to(current.resolve()))] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    for part in listed_parts(current):  # the dumps are served from here
        result[part.name] = hashlib.sha256(part.read_bytes()).hexdigest()
    return result


def listed_parts(build: Path) -> list[Path]:
    manifest = read_manifest(build / DUMPS_DIR)
    assert manifest is not None
    names = {f.name for files in manifest.values() for f in files.values()}
    return [parts_folder(build) / name for name in sorted(names)]


@pytest.fixture
def project(mini_project: Settings) -> Settings:
    """A copy of the built miniature project, ready to be broken."""
    return mini_project


def add_article(settings: Settings, name: str) -> None:
    for suffix in (".yaml", ".txt"):
        shutil.copy(
            DATA / "bad" / (name + suffix), settings.mappings_dir / "articles" / (name + suffix)
        )


def test_a_bad_mapping_leaves_the_store_untouched(project: Settings) -> None:
    before = fingerprint(project.data_dir)
    add_article(project, "quote_not_found")
    with pytest.raises(BuildFailed):
        run_build(project)
    assert fingerprint(project.data_dir) == before


def test_a_shacl_violation_fails_the_build_at_the_mapping_line(project: Settings) -> None:
    before = fingerprint(project.data_dir)
    add_article(project, "shacl_statistic")
    with pytest.raises(BuildFailed) as failed:
        run_build(project)
    [problem] = failed.value.problems
    assert isinstance(problem, ShaclViolation)
    assert (problem.path.name, problem.line) == ("shacl_statistic.yaml", 5)
    assert problem.focus_node == "https://scgraph.org/id/statistic/ty-le-dich-vu-cong"
    assert "unit" in problem.reason
    assert fingerprint(project.data_dir) == before


KILLED_BUILD = """
import sys, time
from pathlib import Path
import scgraph.pipeline as pipeline
from scgraph.settings import Settings

def stall(*args, **kwargs):
    Path(sys.argv[2]).touch()   # tell the test the store and the dump parts have been written
    time.sleep(600)

pipeline.build_index_file = stall
pipeline.run_build(Settings(mappings_dir=Path(sys.argv[1]), ontology_dir=Path(sys.argv[3]),
                            data_dir=Path(sys.argv[4])))
"""


def test_a_build_killed_midway_leaves_the_store_untouched(
    project: Settings, tmp_path: Path
) -> None:
    before = fingerprint(project.data_dir)
    (project.mappings_dir / "articles" / "a2.yaml").write_text(
        (project.mappings_dir / "articles" / "a2.yaml").read_text(encoding="utf-8") + "# edited\n",
        encoding="utf-8",
    )
    flag = tmp_path / "store-written"
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLED_BUILD,
            str(project.mappings_dir),
            str(flag),
            str(ROOT / "ontology"),
            str(project.data_dir),
        ]
    )
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert process.poll() is None, "the build ended before it could be killed"
            assert time.monotonic() < deadline, "the build never reached the store"
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert fingerprint(project.data_dir) == before
    # The next build clears the debris and publishes normally.
    result = run_build(project)
    assert os.readlink(project.data_dir / "current") == f"builds/{result.build_dir.name}"
    assert not [p for p in (project.data_dir / "builds").iterdir() if p.name.startswith(".")]
    assert len(open_store(project.data_dir)) > 0
    # ... and the parts only the killed build wrote: every part file is some kept build's.
    builds = (project.data_dir / "builds").iterdir()
    kept = {part for build in builds for part in listed_parts(build)}
    assert set(parts_folder(project.data_dir / "current").iterdir()) == kept
