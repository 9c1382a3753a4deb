"""Reading schema files from disk and from a git ref (a temporary repository made per test)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mesh.compat import Level, parse_schema
from mesh.core.errors import ConfigurationError
from mesh.governance.files import git_fetcher, read_files_at_ref, read_schema_files
from mesh.governance.schema_check import LocalSchema
from tests.unit.governance.avro_samples import CLAIM_V1, CLAIM_WITH_DEFAULT


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with schemas/claims/claim.avsc committed once (tag `v1`)."""
    root = tmp_path / "repo"
    (root / "schemas" / "claims").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "test@example.invalid")
    git(root, "config", "user.name", "test")
    (root / "schemas" / "claims" / "claim.avsc").write_text(CLAIM_V1)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    git(root, "tag", "v1")
    return root


def test_reads_avsc_files_recursively_in_path_order(tmp_path: Path) -> None:
    for name in ("b/z.avsc", "a/y.avsc", "a/deep/x.avsc", "a/notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    files = read_schema_files(tmp_path)
    assert [Path(f.path).relative_to(tmp_path).as_posix() for f in files] == ["a/deep/x.avsc", "a/y.avsc", "b/z.avsc"]
    assert files[1].text == "a/y.avsc"


def test_undecodable_bytes_are_kept_as_text(tmp_path: Path) -> None:
    (tmp_path / "bad.avsc").write_bytes(b'{"type": "\xff"}')
    (file,) = read_schema_files(tmp_path)
    assert file.text == '{"type": "\ufffd"}'


def test_missing_schema_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="--schemas-dir"):
        read_schema_files(tmp_path / "nowhere")


def test_reads_the_committed_text_at_a_ref(repo: Path) -> None:
    claim = repo / "schemas" / "claims" / "claim.avsc"
    claim.write_text(CLAIM_WITH_DEFAULT)  # the working tree changes, the ref does not
    added = repo / "schemas" / "claims" / "new.avsc"
    added.write_text(CLAIM_V1)
    texts = read_files_at_ref("v1", [str(claim), str(added)])
    assert texts == {str(claim): CLAIM_V1, str(added): None}


def test_many_files_come_back_in_order_with_gaps(repo: Path, tmp_path: Path) -> None:
    nested = repo / "schemas" / "claims" / "deep"
    nested.mkdir()
    texts = {nested / f"s{n}.avsc": CLAIM_V1 + "\n" * n + "é" * n for n in range(4)}
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "more")
    (nested / "s2.avsc").unlink()
    git(repo, "rm", "-q", str(nested / "s2.avsc"))
    git(repo, "commit", "-q", "-m", "drop s2")
    paths = [str(path) for path in texts]
    got = read_files_at_ref("HEAD", paths)
    assert got == {str(path): (None if path.name == "s2.avsc" else text) for path, text in texts.items()}
    assert read_files_at_ref("v1", paths) == dict.fromkeys(paths)


def test_relative_paths_resolve_from_the_working_directory(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    assert read_files_at_ref("main", ["schemas/claims/claim.avsc"]) == {"schemas/claims/claim.avsc": CLAIM_V1}


def test_a_missing_ref_is_a_usage_error_naming_it(repo: Path) -> None:
    with pytest.raises(ConfigurationError, match="'origin/nope' does not exist"):
        read_files_at_ref("origin/nope", [str(repo / "schemas" / "claims" / "claim.avsc")])


def test_outside_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    (lonely / "x.avsc").write_text(CLAIM_V1)
    with pytest.raises(ConfigurationError, match="not inside a git repository"):
        read_files_at_ref("main", [str(lonely / "x.avsc")])


def test_a_missing_git_binary_is_a_usage_error(repo: Path) -> None:
    with pytest.raises(ConfigurationError, match="Install git"):
        read_files_at_ref("main", [str(repo / "schemas" / "claims" / "claim.avsc")], git="no-such-git-binary")


def test_fetcher_gives_version_1_at_the_ref_or_nothing(repo: Path) -> None:
    claim = str(repo / "schemas" / "claims" / "claim.avsc")
    other = str(repo / "schemas" / "claims" / "other.avsc")
    schema = parse_schema(CLAIM_V1)
    local = [LocalSchema(claim, schema, "s.claim", Level.BACKWARD), LocalSchema(other, schema, "s.other", Level.FULL)]
    deployed = git_fetcher("v1")(local)
    (version,) = deployed["s.claim"].versions
    assert (version.version, version.text, version.label) == (1, CLAIM_V1, "v1")
    assert deployed["s.claim"].level is None  # the declared level applies
    assert deployed["s.other"].versions == ()
