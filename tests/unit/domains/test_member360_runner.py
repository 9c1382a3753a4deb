"""ProcessorProcess.wait_caught_up on scripted readings: no subprocess, no broker.

Caught up means: the group's lag is 0 and the view server has read the output to its end, twice in a row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from domains.care.member360.config import Member360Config
from domains.care.member360.runner import ProcessorProcess
from mesh.core.settings import KafkaSettings, MeshSettings


class Scripted(ProcessorProcess):
    """Lag and views-behind readings from scripts (the last reading repeats)."""

    def __init__(self, lags: list[int], views_behind: list[int], tmp: Path) -> None:
        super().__init__(Member360Config.from_products(datadir=tmp), settings=MeshSettings(
            kafka=KafkaSettings(bootstrap_servers="127.0.0.1:1")))
        self.lags, self.views = lags, views_behind
        self.polls = 0
        self.view_polls = 0

    def lag(self) -> dict[str, int]:
        value = self.lags[min(self.polls, len(self.lags) - 1)]
        self.polls += 1
        return {"claims": value}

    def stats(self) -> dict[str, int]:
        value = self.views[min(self.view_polls, len(self.views) - 1)]
        self.view_polls += 1
        return {"views_behind": value}

    def _check_alive(self) -> None:
        pass


def test_caught_up_after_two_polls_with_nothing_behind(tmp_path: Path) -> None:
    seen: list[int] = []
    proc = Scripted([50, 40, 0, 0, 0], [0], tmp_path)
    proc.wait_caught_up(timeout_s=5, poll_s=0.01, on_progress=seen.append)
    assert proc.polls == 4
    assert seen == [50, 40, 0, 0]


def test_the_views_must_be_served_too(tmp_path: Path) -> None:
    proc = Scripted([0], [3, 1, 0, 0], tmp_path)
    proc.wait_caught_up(timeout_s=5, poll_s=0.01)
    assert proc.view_polls == 4


def test_a_lag_that_does_not_move_is_a_timeout(tmp_path: Path) -> None:
    proc = Scripted([5], [0], tmp_path)
    with pytest.raises(TimeoutError, match="still behind"):
        proc.wait_caught_up(timeout_s=0.3, poll_s=0.01)
