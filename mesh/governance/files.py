"""Reading schema files: from the working tree (`schemas/**/*.avsc`) and the same files at a git ref.

The git side reads `<ref>:<path from the repository root>` for every file in one
`git cat-file --batch` (what `git show <ref>:<path>` prints, without a process per file), so it
works wherever the schemas directory sits inside the repository. A ref that does not exist, a directory outside any git
repository or a missing `git` is a ConfigurationError (exit 2); a file absent at the ref is simply
new (nothing deployed).
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from mesh.core.errors import ConfigurationError
from mesh.governance.schema_check import (
    DeployedSubject,
    DeployedVersion,
    FetchDeployed,
    LocalSchema,
    SchemaFile,
)

log = logging.getLogger(__name__)

SCHEMA_GLOB = "*.avsc"


def read_schema_files(schemas_dir: Path) -> tuple[SchemaFile, ...]:
    """Every `*.avsc` under `schemas_dir`, recursively, sorted by path."""
    if not schemas_dir.is_dir():
        raise ConfigurationError(
            f"Schema directory {str(schemas_dir)!r} does not exist",
            hint="run from the repository root or pass --schemas-dir",
        )
    paths = sorted(path for path in schemas_dir.rglob(SCHEMA_GLOB) if path.is_file())
    log.debug("found %d schema file(s) under %s", len(paths), schemas_dir)
    # Undecodable bytes become U+FFFD so the file turns into a GOV001 finding instead of a crash.
    return tuple(SchemaFile(str(path), path.read_bytes().decode("utf-8", errors="replace")) for path in paths)


def _git(args: Sequence[str], *, cwd: Path, git: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run([git, *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise ConfigurationError(
            f"Cannot run {git!r} to read schemas at a git ref", hint="install git or check with --registry instead"
        ) from None


def _verify_ref(ref: str, *, cwd: Path, git: str) -> Path:
    """The repository's top-level directory, once `ref` is known to name a commit there."""
    inside = _git(["rev-parse", "--show-toplevel"], cwd=cwd, git=git)
    if inside.returncode != 0:
        raise ConfigurationError(
            f"{str(cwd)!r} is not inside a git repository, so --against {ref!r} cannot be read",
            hint="run the check inside the repository's clone or use --registry URL",
        )
    top = inside.stdout.decode().strip()
    found = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=cwd, git=git)
    if found.returncode != 0:
        raise ConfigurationError(
            f"Git ref {ref!r} does not exist in the repository at {top!r}",
            hint="fetch it first (e.g. `git fetch origin main`) or pass an existing ref to --against",
        )
    return Path(top).resolve()


def _parse_batch(output: bytes, count: int) -> list[bytes | None]:
    """Split `git cat-file --batch` output: `<oid> blob <size>` + content, or `<name> missing`."""
    contents: list[bytes | None] = []
    position = 0
    for _ in range(count):
        end = output.index(b"\n", position)
        header = output[position:end].split()
        position = end + 1
        if len(header) != 3 or header[1] != b"blob":  # missing, ambiguous or not a file
            contents.append(None)
            continue
        size = int(header[2])
        contents.append(output[position : position + size])
        position += size + 1  # the content is followed by a newline
    return contents


def read_files_at_ref(ref: str, paths: Sequence[str], *, git: str = "git") -> dict[str, str | None]:
    """The text of each path at `ref` (None where the file does not exist there).

    Equivalent to `git show <ref>:<path>` per file, in a single `git cat-file --batch` process:
    `bench/schema_check.py` measured it about 20 times faster for 100 files.
    """
    if not paths:
        return {}
    parents = [Path(path).resolve().parent for path in paths]
    top = _verify_ref(ref, cwd=next((parent for parent in parents if parent.is_dir()), Path.cwd()), git=git)
    names = [Path(path).resolve().relative_to(top).as_posix() for path in paths]
    request = "".join(f"{ref}:{name}\n" for name in names).encode()
    done = subprocess.run([git, "cat-file", "--batch"], cwd=top, input=request, capture_output=True, check=False)
    if done.returncode != 0:
        raise ConfigurationError(
            f"git cat-file failed reading {len(names)} file(s) at {ref!r}: {done.stderr.decode().strip()}",
            hint="check the repository with `git fsck`",
        )
    contents = _parse_batch(done.stdout, len(names))
    return {
        path: (content.decode("utf-8", errors="replace") if content is not None else None)
        for path, content in zip(paths, contents, strict=True)
    }


def git_fetcher(ref: str, *, git: str = "git") -> FetchDeployed:
    """What is deployed according to `ref`: each local file's text there, as version 1 of its subject.

    The level is not taken from the ref: the check uses the file's declared level.
    """

    def fetch(schemas: Sequence[LocalSchema]) -> Mapping[str, DeployedSubject]:
        texts = read_files_at_ref(ref, [schema.file for schema in schemas], git=git)
        deployed: dict[str, DeployedSubject] = {}
        for schema in schemas:
            text = texts.get(schema.file)
            versions = (DeployedVersion(1, text, ref=ref),) if text is not None else ()
            deployed[schema.subject] = DeployedSubject(schema.subject, versions)
        return deployed

    return fetch


def list_files_at_ref(ref: str, directory: Path, *, pattern: str, git: str = "git") -> list[str]:
    """Paths (as `directory/...`, like the working tree's) of the files at `ref` under `directory` whose
    path relative to `directory` matches the glob `pattern` (e.g. `*/products/*.yaml`)."""
    top = _verify_ref(ref, cwd=directory if directory.is_dir() else Path.cwd(), git=git)
    prefix = directory.resolve().relative_to(top).as_posix()
    listed = _git(["ls-tree", "-r", "--name-only", ref, "--", prefix], cwd=top, git=git)
    if listed.returncode != 0:
        raise ConfigurationError(
            f"git ls-tree failed listing {prefix!r} at {ref!r}: {listed.stderr.decode().strip()}",
            hint="check the ref and the repository",
        )
    found: list[str] = []
    for name in listed.stdout.decode().splitlines():
        inside = PurePosixPath(name).relative_to(prefix) if prefix != "." else PurePosixPath(name)
        if len(inside.parts) == len(PurePosixPath(pattern).parts) and inside.match(pattern):
            found.append(str(directory / inside))
    return sorted(found)
