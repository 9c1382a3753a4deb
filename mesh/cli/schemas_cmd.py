"""`mesh schemas check|register`: compare schemas/ with what is deployed, or register them all."""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from mesh.cli.connect import registry_url
from mesh.cli.contract_sources import ContractSource, readers_for
from mesh.cli.schema_subjects import product_assignments
from mesh.core.errors import ConfigurationError
from mesh.core.settings import MeshSettings
from mesh.governance import rules
from mesh.governance.files import git_fetcher, read_schema_files
from mesh.governance.findings import Finding
from mesh.governance.registry_source import RegistryGateway, register_all, registry_client
from mesh.governance.report import ReportFormat, format_finding, render, render_text
from mesh.governance.schema_check import CheckResult, check_files, load_schemas
from mesh.governance.semantic_gate import Suppression, suppress
from mesh.governance.subjects import SubjectResolver, assigned_resolver, convention_resolver, parse_level
from mesh.products.changes import check_against_ref
from mesh.products.contract_store import DEFAULT_CONTRACTS_TOPIC

app = typer.Typer(help="Check schemas/ against what is deployed, and register them.", no_args_is_help=True)

SchemasDir = Annotated[Path, typer.Option("--schemas-dir", help="Directory searched for *.avsc files.")]
RegistryUrl = Annotated[
    str | None,
    typer.Option("--registry", help="Schema registry URL (default: MESH_REGISTRY__URL or http://127.0.0.1:8081)."),
]
DomainsDir = Annotated[
    Path,
    typer.Option(
        "--domains-dir",
        help="Data product descriptors (<domain>/products/*.yaml): the schemas they name take the product's "
        "subject and level; other files follow the fallback convention.",
    ),
]


def _resolver(
    settings: MeshSettings, domains_dir: Path
) -> tuple[SubjectResolver, list[Finding], dict[str, tuple[Suppression, ...]]]:
    """Product subjects for the files descriptors name, the fallback convention for the others, and
    the semantic rules each product's descriptor suppresses for its schema files."""
    assignments, findings = product_assignments(domains_dir)
    fallback = convention_resolver(default_level=settings.registry.default_compatibility)
    suppressions = {str(item.path): item.suppressions for item in assignments if item.suppressions}
    return assigned_resolver(assignments, fallback=fallback), findings, suppressions


def _gateway(settings: MeshSettings, url: str | None) -> RegistryGateway:
    """A gateway to `url` (default: the configured registry) with the configured credentials."""
    checked = registry_url(url, source="--registry") if url else registry_url(settings.registry.url)
    registry = settings.registry.model_copy(update={"url": checked})
    return RegistryGateway(registry_client(registry, retries=1), url=registry.url)


@app.command("check")
def check_command(
    schemas_dir: SchemasDir = Path("schemas"),
    domains_dir: DomainsDir = Path("domains"),
    registry: RegistryUrl = None,
    against: Annotated[
        str | None, typer.Option("--against", help="Compare with the same files at this git ref (offline).")
    ] = None,
    level: Annotated[
        str | None, typer.Option("--level", help="Use this compatibility level for every subject.")
    ] = None,
    report_format: Annotated[ReportFormat, typer.Option("--format", help="Report format.")] = ReportFormat.TEXT,
    output: Annotated[
        Path | None, typer.Option("--output", help="Write the report here (a text report still goes to stdout).")
    ] = None,
    contracts: Annotated[
        ContractSource,
        typer.Option("--contracts", help="Consumers' readers to check each schema against: auto (repo with "
                     "--against, else the contracts topic when Kafka is configured), repo, kafka or none."),
    ] = ContractSource.AUTO,
    contracts_topic: Annotated[
        str, typer.Option("--contracts-topic", help="Compacted topic of registered contracts.")
    ] = DEFAULT_CONTRACTS_TOPIC,
) -> None:
    """Compare every schema with the registry (configured levels) or a git ref (declared levels), and
    with every consumer's registered reader of its subject.

    Exit 0 when every schema is compatible, 1 on ERROR findings, 2 on usage or connection errors.
    """
    if registry and against:
        raise ConfigurationError(
            "--registry and --against exclude each other", hint="check against a registry or a git ref, not both"
        )
    settings = MeshSettings.load()
    override = parse_level(level, where="--level") if level else None
    files = read_schema_files(schemas_dir)
    resolver, descriptor_findings, suppressions = _resolver(settings, domains_dir)
    readers, contract_findings = readers_for(contracts, against=against, domains_dir=domains_dir,
                                             settings=settings, topic=contracts_topic)
    descriptor_findings += contract_findings
    with ExitStack() as resources:
        if against:
            fetch = git_fetcher(against)
        else:
            fetch = resources.enter_context(_gateway(settings, registry)).fetch
        result = check_files(files, resolver=resolver, fetch_deployed=fetch, level=override, readers=readers)
    result = replace(result, findings=suppress(result.findings, suppressions))
    if against and domains_dir.is_dir():
        # Descriptor changes are governance decisions too: the same report, the same exit code.
        changes = check_against_ref(domains_dir, against).findings
        descriptor_findings += [f for f in changes if f.rule_id != rules.INVALID_DESCRIPTOR.rule_id]
    result = result.with_findings(descriptor_findings)
    _emit(result, report_format, output)
    raise typer.Exit(result.exit_code)


def _emit(result: CheckResult, report_format: ReportFormat, output: Path | None) -> None:
    if output is None:
        typer.echo(render(result, report_format), nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(result, report_format), encoding="utf-8")
    typer.echo(render_text(result), nl=False)


@app.command("register")
def register_command(
    schemas_dir: SchemasDir = Path("schemas"),
    domains_dir: DomainsDir = Path("domains"),
    registry: RegistryUrl = None,
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Register every schema under its subject; already registered schemas are left as they are.

    A new subject first gets the file's declared level. Exit 1 when a file is invalid or refused.
    """
    if fmt not in ("text", "json"):
        raise typer.BadParameter(f"unknown format {fmt!r}; use text or json", param_hint="--format")
    settings = MeshSettings.load()
    files = read_schema_files(schemas_dir)
    resolver, descriptor_findings, _ = _resolver(settings, domains_dir)
    local, _, schema_findings = load_schemas(files, resolver)
    findings = [*descriptor_findings, *schema_findings]
    blocked = any(finding.is_error for finding in findings)
    done: list[Any] = []
    refused: list[Finding] = []
    if not blocked:
        with _gateway(settings, registry) as gateway:
            done, refused = register_all(gateway, local, {file.path: file.text for file in files})
    if fmt == "json":
        typer.echo(json.dumps({
            "registered": [{"subject": r.subject, "version": r.version, "id": r.schema_id, "file": str(r.file),
                            "created": r.created} for r in done],
            "findings": [finding.as_dict() for finding in (*findings, *refused)],
        }, indent=2))
        raise typer.Exit(1 if blocked or refused else 0)
    if blocked:
        for finding in findings:
            typer.echo(format_finding(finding))
        typer.echo("Nothing registered: fix the findings above first.")
        raise typer.Exit(1)
    for registration in done:
        state = "registered" if registration.created else "unchanged"
        typer.echo(f"{state:10} {registration.subject}")
        typer.echo(f"{'':10} version {registration.version}, id {registration.schema_id}, from {registration.file}")
    for finding in refused:
        typer.echo(format_finding(finding))
    typer.echo(f"{len(done)} of {len(local)} schema(s) registered or already registered")
    raise typer.Exit(1 if refused else 0)
