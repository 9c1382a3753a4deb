"""ProcessorProcess.wait_caught_up's stall watchdog, on a scripted lag: no subprocess, no broker."""

from __future__ import annotations

from pathlib import Path

import pytest

from domains.care.member360.config import Member360Config
from domains.care.member360.runner import ProcessorExitedError, ProcessorProcess
from mesh.core.settings import KafkaSettings, MeshSettings


class Scripted(ProcessorProcess):
    """Lag readings from a script; a restart moves to the script's next phase."""

    def __init__(self, phases: list[list[int]], tmp: Path) -> None:
        super().__init__(Member360Config.from_products(datadir=tmp), settings=MeshSettings(
            kafka=KafkaSettings(bootstrap_servers="127.0.0.1:1")))
        self.phases = phases
        self.phase = 0
        self.reading = 0
        self.restarts: list[str] = []

    def lag(self) -> dict[str, int]:
        readings = self.phases[self.phase]
        value = readings[min(self.reading, len(readings) - 1)]
        self.reading += 1
        return {"claims": value}

    def _check_alive(self) -> None:
        pass

    def stop(self, *, timeout_s: float = 30.0) -> None:
        self.restarts.append("stop")

    def start(self) -> Scripted:
        self.restarts.append("start")
        self.phase, self.reading = self.phase + 1, 0
        return self

    def wait_serving(self, *, timeout_s: float = 60.0) -> None:
        pass


def test_a_moving_lag_is_never_restarted(tmp_path: Path) -> None:
    proc = Scripted([[50, 40, 30, 20, 10, 0, 0]], tmp_path)
    assert proc.wait_caught_up(timeout_s=5, poll_s=0.01, restart_stalled_after_s=0.05) == 0
    assert proc.restarts == []


def test_a_stalled_worker_is_restarted_and_then_catches_up(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    proc = Scripted([[30, 20] + [7] * 1000, [7, 3, 0, 0]], tmp_path)
    restarts = proc.wait_caught_up(timeout_s=5, poll_s=0.01, restart_stalled_after_s=0.1,
                                   on_restart=lambda n, behind: seen.append((n, behind)))
    assert restarts == 1
    assert proc.restarts == ["stop", "start"]
    assert seen == [(1, 7)]


def test_a_worker_that_stalls_after_every_restart_fails_clearly(tmp_path: Path) -> None:
    proc = Scripted([[5] * 1000] * 3, tmp_path)
    with pytest.raises(ProcessorExitedError, match=r"no progress for \d+s \(5 messages behind\) after 2 restarts"):
        proc.wait_caught_up(timeout_s=5, poll_s=0.01, restart_stalled_after_s=0.05, max_restarts=2)


def test_without_the_watchdog_a_stall_is_a_timeout(tmp_path: Path) -> None:
    proc = Scripted([[5] * 1000], tmp_path)
    with pytest.raises(TimeoutError):
        proc.wait_caught_up(timeout_s=0.3, poll_s=0.01)
    assert proc.restarts == []
