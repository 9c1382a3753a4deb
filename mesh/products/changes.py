"""`mesh products check`: the descriptors of the working tree against the same descriptors at a git ref.

Reads both sides (the ref's files through one `git cat-file --batch`), snapshots them leniently
(`mesh.products.snapshot`) and hands them to the pure `mesh.governance.product_check`.
"""

from __future__ import annotations

from pathlib import Path

from mesh.governance import rules
from mesh.governance.files import list_files_at_ref, read_files_at_ref
from mesh.governance.findings import Finding
from mesh.governance.product_check import check_products
from mesh.governance.schema_check import CheckedFile, CheckResult
from mesh.products.snapshot import snapshots, working_tree_texts

DESCRIPTOR_PATTERN = "*/products/*.yaml"


def check_against_ref(domains_dir: Path, ref: str) -> CheckResult:
    """Every descriptor change finding between `ref` and the working tree under `domains_dir`."""
    current, current_errors = snapshots(working_tree_texts(domains_dir))
    at_ref = list_files_at_ref(ref, domains_dir, pattern=DESCRIPTOR_PATTERN)
    texts = {path: text for path, text in read_files_at_ref(ref, at_ref).items() if text is not None}
    previous, previous_errors = snapshots(texts)
    findings: list[Finding] = [
        rules.UNREADABLE_PREVIOUS.finding(
            error.file, f"at {ref}: field {error.field}: {error.problem}", path=error.field,
            hint="nothing to compare it with; review the descriptor by hand", version=ref,
        )
        for error in previous_errors
    ]
    findings += [
        rules.INVALID_DESCRIPTOR.finding(error.file, f"field {error.field}: {error.problem}", path=error.field,
                                         hint=error.hint)
        for error in current_errors
    ]
    unreadable_now = {error.file for error in current_errors}  # there, but not comparable: not removed
    findings += check_products([p for p in previous if p.file not in unreadable_now], current, ref=ref)
    checked = tuple(CheckedFile(snapshot.file, snapshot.product_id) for snapshot in current)
    return CheckResult(checked, tuple(findings), noun="descriptor", title="mesh products check")
