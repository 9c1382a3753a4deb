"""The demo's views table fits an 80-column terminal without cutting a cell (issue 12, item 11)."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from domains.demo.report import views_table


def _view(member: str, given: str, plan: str, status: str) -> dict[str, Any]:
    return {"member_id": member, "status": status, "profile": {"given_name": given, "family_name": "Kowalczyk"},
            "coverage": {"plan_code": plan}, "visits": {"visit_count": 42},
            "claims": {"claim_count": 123, "paid_amount": "94951.25", "by_status": [{"status": "paid", "claim_count": 101}]},
            "top_diagnoses": [{"code": "E11.65"}, {"code": "I10.9"}, {"code": "Z00.0"}]}


def test_views_table_fits_80_columns_and_keeps_every_value_whole() -> None:
    console = Console(width=80, record=True)
    console.print(views_table([_view("M-000123", "Uma", "PLATINUM", "disenrolled"),
                               _view("M-004567", "Christopher", "GOLD", "active")]))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text
    for value in ("M-000123", "Uma K.", "PLATINUM*", "123/101", "$94,951.25", "E11.65 I10.9", "Christopher K.", "GOLD "):
        assert value in text
    assert "Z00.0" not in text  # the top two diagnoses only
