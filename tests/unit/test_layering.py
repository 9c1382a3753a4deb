"""Imports flow one way: each mesh subpackage may import only the subpackages its row allows."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# package -> mesh packages it may import (itself always allowed). `cli` may import everything.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "compat": {"core"},
    "clients": {"core"},
    "localbroker": {"core", "clients"},
    "sdk": {"core", "compat", "clients"},
    "registry": {"core", "compat", "clients"},
    "governance": {"core", "compat", "clients"},
    "products": {"core", "compat", "clients", "sdk", "governance"},
    "processing": {"core", "compat", "clients", "sdk"},
    "catalog": {"core", "compat", "clients", "sdk", "products"},
}
# Domain code is a user of the platform: the public SDK-facing packages only. The demo is the one
# imperative shell among the domains (it starts the broker and the registry, like the CLI does).
DOMAIN_ALLOWED = {"core", "clients", "sdk", "products", "processing"}
DEMO_ALLOWED = DOMAIN_ALLOWED | {"localbroker", "registry"}


def _mesh_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "mesh" and len(parts) > 1:
                found.add(parts[1])
            elif parts[0] == "mesh":
                found.add("")  # the top-level facade
    return found


def _files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_its_layer_allows(package: str) -> None:
    bad = {
        str(f.relative_to(ROOT)): sorted(imported - ALLOWED[package] - {package})
        for f in _files(f"mesh/{package}")
        if (imported := _mesh_imports(f)) - ALLOWED[package] - {package}
    }
    assert bad == {}, f"mesh.{package} may import only {sorted(ALLOWED[package])}"


def test_every_subpackage_has_a_row() -> None:
    packages = {p.name for p in (ROOT / "mesh").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages - {"cli"} <= set(ALLOWED), "add the new package to ALLOWED with what it may import"


def test_domains_use_only_the_platform_api() -> None:
    def allowed(f: Path) -> set[str]:
        return DEMO_ALLOWED if "demo" in f.relative_to(ROOT).parts else DOMAIN_ALLOWED

    bad = {
        str(f.relative_to(ROOT)): sorted(imported - allowed(f) - {""})
        for f in _files("domains")
        if (imported := _mesh_imports(f)) - allowed(f) - {""}
    }
    assert bad == {}


def test_the_checker_sees_imports() -> None:
    # Guard against a checker that passes because it finds nothing.
    assert _mesh_imports(ROOT / "mesh/localbroker/runner.py") >= {"core", "localbroker"}
