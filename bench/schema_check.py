"""How long `mesh schemas check` takes for a repository's worth of schemas, and where the time goes.

Run:  /tmp/probe/venv/bin/python bench/schema_check.py [--files 100] [--versions 3] [--repeat 7]

Measured in the same run, each as min/median/max seconds over --repeat runs:
  parse      parse_schema of every local and deployed text (the floor any check pays)
  engine     check_files with the deployed history in memory (parse + resolve + compare + findings)
  git-show   one `git show <ref>:<file>` process per file (the baseline)
  adapter    read_files_at_ref, what --against uses: one `git cat-file --batch` for all files
Ratios: engine / parse, git-show / adapter.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mesh.compat import parse_schema
from mesh.governance.files import read_files_at_ref
from mesh.governance.schema_check import (
    DeployedSubject,
    DeployedVersion,
    LocalSchema,
    SchemaFile,
    check_files,
)
from mesh.governance.subjects import convention_resolver


def schema(index: int, fields: int) -> str:
    """A 15-ish field record; `fields` grows by one per version, each new field with a default."""
    columns = [{"name": f"f{n}", "type": ["null", "string"], "default": None} for n in range(fields)]
    columns.insert(0, {"name": "id", "type": "string"})
    columns.insert(1, {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}})
    return json.dumps({"type": "record", "name": f"Event{index}", "namespace": "mesh.bench", "fields": columns})


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    return runs


def show(name: str, runs: list[float]) -> float:
    median = statistics.median(runs)
    print(f"{name:10} min {min(runs):.4f}s  median {median:.4f}s  max {max(runs):.4f}s")
    return median


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--files", type=int, default=100)
    options.add_argument("--versions", type=int, default=3)
    options.add_argument("--repeat", type=int, default=7)
    args = options.parse_args()

    local = [SchemaFile(f"schemas/bench/event{i}.avsc", schema(i, 13 + args.versions)) for i in range(args.files)]
    deployed = {
        f"mesh.bench.Event{i}": DeployedSubject(
            f"mesh.bench.Event{i}",
            tuple(DeployedVersion(v, schema(i, 12 + v)) for v in range(1, args.versions + 1)),
        )
        for i in range(args.files)
    }

    def fetch(_: Sequence[LocalSchema]) -> Mapping[str, DeployedSubject]:
        return deployed

    def parse_all() -> None:
        for file in local:
            parse_schema(file.text)
        for subject in deployed.values():
            for version in subject.versions:
                parse_schema(version.text)

    def engine() -> None:
        result = check_files(local, resolver=convention_resolver(), fetch_deployed=fetch)
        assert not result.has_errors, result.findings[:1]

    print(f"{args.files} schema files, {args.versions} deployed version(s) each, {args.repeat} runs")
    parse = show("parse", timed(parse_all, args.repeat))
    checked = show("engine", timed(engine, args.repeat))

    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        (repo / "schemas" / "bench").mkdir(parents=True)
        for file in local:
            (repo / file.path).write_text(file.text)
        for command in (["init", "-q"], ["add", "."], ["-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "b"]):
            subprocess.run(["git", *command], cwd=repo, check=True)
        paths = [str(repo / file.path) for file in local]

        def show_each() -> None:
            for file in local:
                subprocess.run(["git", "show", f"HEAD:{file.path}"], cwd=repo, capture_output=True, check=True)

        per_file = show("git-show", timed(show_each, args.repeat))
        batched = show("adapter", timed(lambda: read_files_at_ref("HEAD", paths), args.repeat))

    print(f"ratio engine/parse {checked / parse:.2f}   git-show/adapter {per_file / batched:.1f}")


if __name__ == "__main__":
    main()
