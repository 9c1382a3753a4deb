"""What the demo shows at the end: a handful of member-360 views, and the run's summary numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.table import Table


@dataclass(frozen=True)
class Summary:
    """The run in numbers."""

    events_by_domain: Mapping[str, int]
    publish_rate: float  # events/s the domain services published
    processor_rate: float  # input events/s from the first to the last view update
    freshness_p50_s: float
    freshness_p99_s: float
    views_checked: int
    views_equal: int
    dead_lettered: int
    principals: str = "-"  # who ran as whom, e.g. "membership, claims, clinical publish; care processes"
    refused: str = "-"  # the refused action and why, e.g. "clinical -> prod.claims.claims.v1: refused (...)"


def _money(value: Any) -> str:
    return f"${float(value):,.2f}" if value is not None else "-"


def views_table(views: Sequence[Mapping[str, Any]]) -> Table:
    """One row per member: who, plan, claims (all/paid) with the paid amount, visits, top diagnoses.

    Fits 80 columns: short headers and compact cells; a cell that is still too long wraps, never
    ends in an ellipsis. A member who left the plan has a `*` after the plan code.
    """
    table = Table(title="member-360 views (from the processor's HTTP view)", box=box.SIMPLE_HEAD,
                  pad_edge=False, collapse_padding=True, caption="* left the plan; claims: all/paid", caption_justify="left")
    for name, justify in (("member", "left"), ("name", "left"), ("plan", "left"), ("claims", "right"),
                          ("paid", "right"), ("visits", "right"), ("top dx", "left")):
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for view in views:
        profile, coverage, claims = view.get("profile") or {}, view.get("coverage") or {}, view["claims"]
        paid = {row["status"]: row["claim_count"] for row in claims["by_status"]}.get("paid", 0)
        plan = coverage.get("plan_code", "-") + ("" if view["status"] == "active" else "*")
        table.add_row(
            view["member_id"],
            f"{profile.get('given_name', '')} {profile.get('family_name', '')[:1]}.",
            plan,
            f"{claims['claim_count']}/{paid}",
            _money(claims["paid_amount"]),
            str(view["visits"]["visit_count"]),
            " ".join(d["code"] for d in view.get("top_diagnoses", [])[:2]) or "-",
        )
    return table


def summary_table(summary: Summary) -> Table:
    """The summary: events per domain, rates, freshness, ground-truth check."""
    table = Table("", "", title="summary", show_header=False, box=box.SIMPLE)
    for domain, count in sorted(summary.events_by_domain.items()):
        table.add_row(f"events from {domain}", f"{count:,}")
    table.add_row("events in total", f"{sum(summary.events_by_domain.values()):,}")
    table.add_row("domain services published", f"{summary.publish_rate:,.0f} events/s")
    table.add_row("member-360 processor", f"{summary.processor_rate:,.0f} input events/s")
    table.add_row("freshness, event to view update", f"p50 {summary.freshness_p50_s * 1000:,.0f} ms, "
                                                     f"p99 {summary.freshness_p99_s * 1000:,.0f} ms")
    table.add_row("views equal to the ground truth", f"{summary.views_equal:,} of {summary.views_checked:,}")
    table.add_row("dead-lettered", f"{summary.dead_lettered:,}")
    table.add_row("principals", summary.principals)
    table.add_row("refused", summary.refused)
    return table


def pick_members(expected: Mapping[str, Mapping[str, Any]], count: int = 6) -> list[str]:
    """A varied handful: members with the most claims, visits and a disenrolled one, deterministically."""
    by_claims = sorted(expected, key=lambda m: (-expected[m]["claims"]["claim_count"], m))
    by_visits = sorted(expected, key=lambda m: (-expected[m]["visits"]["visit_count"], m))
    gone = sorted(m for m in expected if expected[m]["status"] != "active")
    picked: list[str] = []
    for member in [*by_claims[:2], *by_visits[:2], *gone[:1], *sorted(expected)]:
        if member not in picked:
            picked.append(member)
        if len(picked) == count:
            break
    return picked

