"""Which schema files belong to which data product: descriptors -> `Assignment`s for `mesh schemas`.

Every `<domains>/<domain>/products/*.yaml` is loaded with mesh.products' full loader. One that fails
full validation is read again leniently (YAML + the descriptor model), because its topic, level and
schema files are all the schema check needs: its problem becomes a GOV008 warning (`mesh products
validate` owns descriptor validation), except a schema field without a classification: that is a
GOV009 error, so `mesh schemas check` fails and `mesh schemas register` refuses. One that cannot even be read that way is a GOV007 error: the
subjects of its schemas are unknown.
"""

from __future__ import annotations

from pathlib import Path

import yaml  # type: ignore[import-untyped]
from pydantic import ValidationError

from mesh.compat import Level
from mesh.core.errors import DescriptorError, UnclassifiedFieldError
from mesh.governance import rules
from mesh.governance.findings import Finding
from mesh.governance.semantic_gate import Suppression
from mesh.governance.subjects import Assignment
from mesh.products.descriptor import ProductDescriptor
from mesh.products.loader import descriptor_files, load_descriptor


def _lenient(path: Path) -> ProductDescriptor | None:
    try:
        return ProductDescriptor.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError):
        return None


def product_assignments(domains_dir: Path) -> tuple[list[Assignment], list[Finding]]:
    """The schema files every descriptor under `domains_dir` names (paths relative to its parent)."""
    if not domains_dir.is_dir():
        return [], []
    root = domains_dir.parent
    assignments: list[Assignment] = []
    findings: list[Finding] = []
    for path in descriptor_files(domains_dir):
        descriptor: ProductDescriptor | None
        try:
            descriptor = load_descriptor(path, root=root).descriptor
        except DescriptorError as exc:
            descriptor = _lenient(path)
            rule = rules.DESCRIPTOR_PROBLEM if descriptor is not None else rules.INVALID_DESCRIPTOR
            if isinstance(exc, UnclassifiedFieldError):  # the deploy gate is where it must be stopped
                rule = rules.UNCLASSIFIED_FIELD
            findings.append(rule.finding(exc.file, f"field {exc.field}: {exc.problem}", path=exc.field, hint=exc.hint))
        if descriptor is None:
            continue
        level = Level(descriptor.compatibility)
        suppressions = tuple(Suppression(item.rule, item.reason, str(path), item.field) for item in descriptor.suppressions)
        assignments += [Assignment(root / rel, descriptor.topic, level, str(path), suppressions)
                        for rel in descriptor.events.values()]
    return assignments, findings
