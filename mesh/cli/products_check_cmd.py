"""`mesh products check`: descriptor changes against a git ref, as governance findings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mesh.core.settings import MeshSettings
from mesh.governance.report import ReportFormat, render, render_text
from mesh.localbroker.credentials import local_settings
from mesh.products.changes import check_against_ref
from mesh.products.deployed import check_against_cluster


def check(
    root: Annotated[Path, typer.Option("--root", help="Folder holding <domain>/products/*.yaml.")] = Path("domains"),
    against: Annotated[
        str | None,
        typer.Option("--against", help="Compare with the descriptors at this git ref (e.g. origin/main); "
                     "without it, with the cluster (MESH_KAFKA__BOOTSTRAP_SERVERS): key, partitions, retention."),
    ] = None,
    report_format: Annotated[ReportFormat, typer.Option("--format", help="Report format.")] = ReportFormat.TEXT,
    output: Annotated[
        Path | None, typer.Option("--output", help="Write the report here (a text report still goes to stdout).")
    ] = None,
) -> None:
    """Check descriptor changes against a git ref: key, partitions, retention, cleanup policy,
    classification, freshness SLO, consumers, lifecycle (GOV201-GOV210); or, without --against,
    against the cluster: key (ledger), partitions, cleanup policy and retention (topic configs).

    Exit 0 when no change is an ERROR, 1 on ERROR findings, 2 on usage errors (e.g. an unknown ref).
    """
    if against:
        result = check_against_ref(root, against)
    else:
        result = check_against_cluster(root, local_settings(MeshSettings.load()).kafka.client_config())
    if output is None:
        typer.echo(render(result, report_format), nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(render(result, report_format), encoding="utf-8")
        typer.echo(render_text(result), nl=False)
    raise typer.Exit(result.exit_code)
