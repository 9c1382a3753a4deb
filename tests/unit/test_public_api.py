"""The public API: `mesh.__all__` is a promise; changing it is a deliberate act that updates this list."""

from __future__ import annotations

import mesh

PUBLIC = ["Consumer", "Event", "MeshError", "MeshSettings", "Producer"]


def test_public_names_are_pinned() -> None:
    assert sorted(mesh.__all__) == sorted(PUBLIC)


def test_public_names_resolve() -> None:
    for name in mesh.__all__:
        assert getattr(mesh, name) is not None
