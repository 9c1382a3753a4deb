"""`mesh dlq list|replay`: the dead letters of a topic, with their reasons; send chosen ones back.

A dead letter is named by its place in the DLQ topic, `PARTITION:OFFSET` (what `list` prints first).
`replay` produces each chosen one to its original topic (`mesh_original_topic`) with the original key,
value and headers (the `mesh_*` headers removed), so a fixed consumer reads it again. A dead letter
that only references a message too large to copy (`mesh_truncated`) cannot be replayed: it says so.
Reading is read-only: no consumer group is joined, nothing is committed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

import confluent_kafka
import typer

from mesh.cli.connect import kafka_settings, require_broker
from mesh.cli.reading import Position, messages
from mesh.clients import producer
from mesh.core.errors import ConfigurationError, DeliveryError
from mesh.core.naming import dlq_topic
from mesh.core.settings import MeshSettings
from mesh.sdk.dlq import (
    ERROR_CLASS_HEADER,
    ERROR_HEADER,
    OFFSET_HEADER,
    PARTITION_HEADER,
    TOPIC_HEADER,
    TRUNCATED_HEADER,
)

app = typer.Typer(help="Dead letters: list them with their reasons, replay chosen ones.", no_args_is_help=True)

Topic = Annotated[str, typer.Argument(help="The topic whose dead letters to read (or its .dlq topic itself).")]


def _text(value: bytes | str | None) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else (value or "")


def _letters(settings: MeshSettings, topic: str) -> Iterator[tuple[confluent_kafka.Message, dict[str, Any]]]:
    """Every dead letter of `topic`, oldest first per partition, with its summary."""
    source = topic if topic.endswith(".dlq") else dlq_topic(topic)
    for message in messages(settings, [source], Position(from_beginning=True), to_end=True, idle_timeout=30):
        headers = {name: _text(value) for name, value in message.headers() or []}
        yield message, {
            "at": f"{message.partition()}:{message.offset()}",
            "original": f"{headers.get(TOPIC_HEADER, '?')}[{headers.get(PARTITION_HEADER, '?')}]"
                        f"@{headers.get(OFFSET_HEADER, '?')}",
            "error_class": headers.get(ERROR_CLASS_HEADER, "?"),
            "reason": headers.get(ERROR_HEADER, ""),
            "replayable": TRUNCATED_HEADER not in headers and TOPIC_HEADER in headers,
        }


@app.command("list")
def list_letters(
    topic: Topic,
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """List the dead letters: where each sits, where it came from, and why."""
    if fmt not in ("text", "json"):
        raise typer.BadParameter(f"unknown format {fmt!r}; use text or json", param_hint="--format")
    settings = kafka_settings()
    require_broker(settings)
    rows = [summary for _, summary in _letters(settings, topic)]
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        typer.echo(f"{row['at']:<9} {row['original']}")
        reason = f"{row['error_class']}: {row['reason']}"
        typer.echo(f"          {reason if len(reason) <= 70 else reason[:69] + '…'}")
    typer.echo(f"{len(rows)} dead letter(s)")


def _chosen(at: list[str]) -> set[tuple[int, int]]:
    chosen: set[tuple[int, int]] = set()
    for item in at:
        partition, _, offset = item.partition(":")
        if not (partition.isascii() and partition.isdigit() and offset.isascii() and offset.isdigit()):
            raise ConfigurationError(f"--at {item!r} is not PARTITION:OFFSET",
                                     hint="use the first column of `mesh dlq list`, e.g. --at 0:12")
        chosen.add((int(partition), int(offset)))
    return chosen


@app.command()
def replay(
    topic: Topic,
    at: Annotated[list[str] | None, typer.Option("--at", help="PARTITION:OFFSET of a dead letter (repeatable).")
                  ] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Replay every dead letter.")] = False,
) -> None:
    """Send chosen dead letters back to their original topic (key, value and headers as they were)."""
    if bool(at) == replay_all:
        raise ConfigurationError("mesh dlq replay needs --at PARTITION:OFFSET (repeatable) or --all",
                                 hint="`mesh dlq list TOPIC` shows the PARTITION:OFFSET of each dead letter")
    chosen = _chosen(at or [])
    settings = kafka_settings()
    require_broker(settings)
    sender = producer(settings, {"enable.idempotence": True})
    sent, skipped, found = 0, 0, set()
    for message, summary in _letters(settings, topic):
        where = (message.partition(), message.offset())
        if not replay_all and where not in chosen:
            continue
        found.add(where)
        if not summary["replayable"]:
            typer.echo(f"skipped {summary['at']}: only a reference to {summary['original']} (too large to copy)",
                       err=True)
            skipped += 1
            continue
        headers = [(n, v) for n, v in message.headers() or [] if not n.startswith("mesh_")]
        original = summary["original"].rsplit("[", 1)[0]
        sender.produce(original, message.value(), message.key(), headers=headers)
        typer.echo(f"replayed {summary['at']} to {original}")
        sent += 1
    if sender.flush(30):
        raise DeliveryError([("?", None, "replayed messages still queued after 30 s")])
    missing = sorted(chosen - found)
    for partition, offset in missing:
        typer.echo(f"no dead letter at {partition}:{offset}", err=True)
    typer.echo(f"{sent} dead letter(s) replayed")
    if skipped or missing:
        raise typer.Exit(1)
