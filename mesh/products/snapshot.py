"""Product snapshots for `mesh products check`: descriptor YAML -> `ProductSnapshot`, leniently.

A descriptor at an old git ref was valid against the model of its day, not necessarily today's, so
this reads only the keys the change rules compare and tolerates the rest: a value it cannot read
becomes None and is not compared. `consumers` is read when present, as a list of ids or of mappings
with an `id` (or `product`, `consumer`, `name`, `group`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml  # type: ignore[import-untyped]

from mesh.core.errors import DescriptorError
from mesh.governance.product_check import ProductSnapshot
from mesh.products.descriptor import duration_ms
from mesh.products.loader import descriptor_files

_CONSUMER_KEYS = ("id", "product", "consumer", "name", "group")


def _duration(value: object) -> int | None:
    if value == "infinite":
        return -1
    try:
        return duration_ms(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _consumer_id(entry: object) -> str | None:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Mapping):
        for key in _CONSUMER_KEYS:
            if isinstance(entry.get(key), str):
                return str(entry[key])
    return None


def _consumers(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(sorted({name for name in map(_consumer_id, value) if name}))


def _mapping(value: object) -> Mapping[object, object]:
    return value if isinstance(value, Mapping) else {}


def snapshot(text: str, *, file: str) -> ProductSnapshot:
    """The snapshot of one descriptor's YAML text; DescriptorError when it has no readable `id`."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DescriptorError(file, "(yaml)", f"invalid YAML: {getattr(exc, 'problem', exc)}",
                              hint="fix the YAML syntax") from exc
    if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str):
        raise DescriptorError(file, "id", "no product id can be read", hint="a descriptor is a mapping with an id")
    retention = _mapping(raw.get("retention"))
    classification = _mapping(raw.get("classification"))
    policy, kept, slo = retention.get("cleanup_policy"), retention.get("retention"), raw.get("freshness_slo")
    return ProductSnapshot(
        product_id=raw["id"],
        file=file,
        key=raw["key"] if isinstance(raw.get("key"), str) else None,
        partitions=raw["partitions"] if isinstance(raw.get("partitions"), int) else None,
        cleanup_policy=policy if isinstance(policy, str) else None,
        retention_ms=_duration(kept),
        retention_text=str(kept) if kept is not None else None,
        freshness_slo_ms=_duration(slo),
        freshness_slo_text=str(slo) if slo is not None else None,
        lifecycle=raw["lifecycle"] if isinstance(raw.get("lifecycle"), str) else None,
        classification={str(k): str(v) for k, v in classification.items()},
        consumers=_consumers(raw.get("consumers")),
    )


def snapshots(texts: Mapping[str, str]) -> tuple[list[ProductSnapshot], list[DescriptorError]]:
    """Snapshots of several descriptors (file -> YAML text), and the errors of those unreadable."""
    found: list[ProductSnapshot] = []
    errors: list[DescriptorError] = []
    for file, text in texts.items():
        try:
            found.append(snapshot(text, file=file))
        except DescriptorError as exc:
            errors.append(exc)
    return found, errors


def working_tree_texts(domains_dir: Path) -> dict[str, str]:
    """Every descriptor's text in the working tree (`<domains>/<domain>/products/*.yaml`), by path."""
    return {str(path): path.read_text(encoding="utf-8") for path in descriptor_files(domains_dir)}
