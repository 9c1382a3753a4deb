"""The engine stays pure: it imports only mesh.core from the mesh, and does no logging, printing or I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mesh.compat

MODULES = sorted(Path(mesh.compat.__file__).parent.glob("*.py"))
FORBIDDEN_MODULES = {"logging", "os", "io", "socket", "pathlib", "httpx", "confluent_kafka", "subprocess"}
FORBIDDEN_CALLS = {"print", "open", "input"}


@pytest.mark.parametrize("module", MODULES, ids=[module.name for module in MODULES])
def test_module_is_pure(module: Path) -> None:
    tree = ast.parse(module.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in FORBIDDEN_CALLS, f"{module.name} calls {node.func.id}()"
            continue
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN_MODULES, f"{module.name} imports {name}"
            if name.startswith("mesh."):
                assert name.startswith(("mesh.core.", "mesh.compat.")), f"{module.name} imports {name}"


def test_public_interface() -> None:
    assert set(mesh.compat.__all__) >= {
        "Level", "ParsedSchema", "parse_schema", "Incompatibility", "CompatibilityResult", "check_pair", "check"}
    assert [level.value for level in mesh.compat.Level] == [
        "NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"]
