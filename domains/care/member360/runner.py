"""Run the member-360 processor in a subprocess: start, wait until caught up, read stats, stop or kill.

For tests, benchmarks and `make demo`:

    with ProcessorProcess(config, settings=settings) as proc:
        proc.wait_caught_up(timeout_s=300)
        print(proc.stats())            # {"in": ..., "published": ..., "members": ...}

"Caught up" means the consumer group (the app id) has committed every message of every topic it reads
(inputs and internal topics) and the worker's view server has read the member-360 topic to its end, on
two polls in a row; with exactly-once, outputs commit with the offsets, so the topic then holds every view.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from domains.care.member360.config import ROOT, Member360Config
from mesh.core.errors import KafkaError, MeshError
from mesh.core.settings import MeshSettings
from mesh.processing.lag import group_lag, topic_names

log = logging.getLogger(__name__)


class ProcessorExitedError(MeshError):
    """The processor subprocess ended while it was expected to run."""


def processor_env(config: Member360Config, settings: MeshSettings) -> dict[str, str]:
    """The environment that makes `python -m domains.care.member360.app` run `config` against `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEMBER360_", "MESH_"))}
    env.update(settings.client_env())
    for name, value in config.model_dump().items():
        env[f"MEMBER360_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


class ProcessorProcess:
    """One processor worker as a child process; `start()`, `wait_caught_up()`, `stop()` or `kill()`."""

    def __init__(self, config: Member360Config, *, settings: MeshSettings, log_file: Path | None = None,
                 log_level: str = "warn") -> None:
        self.config = config
        self.settings = settings
        self.log_file = log_file
        self.log_level = log_level
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        """Where the web views answer."""
        return f"http://{self.config.web_host}:{self.config.web_port}"

    def start(self) -> Self:
        """Start the worker (returns at once; it serves HTTP after recovering its tables)."""
        self.config.datadir.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_file, "ab") if self.log_file else None  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "domains.care.member360.app", "worker", "-l", self.log_level],
            cwd=ROOT, env=processor_env(self.config, self.settings),
            stdout=self._log or subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        log.info("member-360 processor started, pid %s", self.process.pid)
        return self

    def _check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            code = None if self.process is None else self.process.returncode
            raise ProcessorExitedError(f"The member-360 processor is not running (exit code {code})",
                                       hint=f"see its log{f' in {self.log_file}' if self.log_file else ''}")

    def lag(self) -> dict[str, int]:
        """Uncommitted messages per consumed topic."""
        internal = [t for t in topic_names(self.settings) if t.startswith(self.config.internal_prefix)]
        return group_lag(self.settings, self.config.app_id, [*self.config.input_topics, *internal])

    def wait_caught_up(self, *, timeout_s: float = 300.0, poll_s: float = 1.0,
                       on_progress: Callable[[int], None] | None = None) -> None:
        """Block until the group has committed everything and the views are served, twice in a row.

        `on_progress(behind)` sees every lag poll. TimeoutError after `timeout_s`; ProcessorExitedError if
        the worker dies meanwhile. (No restart watchdog: the faust stall it worked around is gone.)
        """
        deadline = time.monotonic() + timeout_s
        zero_polls = 0
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                behind = sum(self.lag().values())
            except KafkaError as exc:  # e.g. leaders of just-created topics not elected yet
                log.info("lag not readable yet: %s", exc)
                behind = -1
            if on_progress is not None and behind >= 0:
                on_progress(behind)
            if behind == 0:
                behind = self._views_behind()
            zero_polls = zero_polls + 1 if behind == 0 else 0
            if zero_polls >= 2:
                return
            time.sleep(poll_s)
        raise TimeoutError(f"member-360 processor still behind after {timeout_s} s: {self.lag()}")

    def _views_behind(self) -> int:
        """Partitions of the output topic the processor's view server has not read to the end (1 if unknown)."""
        try:
            return int(self.stats().get("views_behind", 1))
        except OSError:
            return 1

    def wait_serving(self, *, timeout_s: float = 60.0) -> None:
        """Block until the HTTP views answer."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                self.stats()
                return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"member-360 processor does not answer on {self.base_url} after {timeout_s} s")

    def wait_ready(self, *, timeout_s: float = 120.0) -> None:
        """Block until the worker has its partitions and has recovered its tables (`ready` in /stats)."""
        deadline = time.monotonic() + timeout_s
        self.wait_serving(timeout_s=timeout_s)
        while not self.stats().get("ready"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"member-360 processor at {self.base_url} not ready (partitions, table "
                                   f"recovery) after {timeout_s} s; see its log {self.log_file}")
            self._check_alive()
            time.sleep(0.2)

    def get_json(self, path: str) -> tuple[int, Any]:
        """(status, parsed JSON) of a GET on the processor's web server, as the settings' principal."""
        request = urllib.request.Request(f"{self.base_url}{path}")
        registry = self.settings.registry  # the processor's principal: the views authenticate it too
        if registry.username is not None and registry.password is not None:
            token = base64.b64encode(f"{registry.username}:{registry.password.get_secret_value()}".encode())
            request.add_header("Authorization", f"Basic {token.decode()}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def stats(self) -> dict[str, int]:
        """The processor's counters: in, resolved, held, released, published, dead_lettered, members, and
        ready (1 once it has its partitions and has recovered its tables)."""
        status, body = self.get_json("/stats")
        if status != 200:
            raise OSError(f"/stats answered {status}")
        return dict(body)

    def member(self, member_id: str) -> Any:
        """The current view of one member from the web view (None when it has none)."""
        status, body = self.get_json(f"/members/{member_id}")
        return body if status == 200 else None

    def dump_stacks(self, *, wait_s: float = 1.0) -> None:
        """SIGUSR1: a running worker writes every thread's Python stack to its log (where is it stuck?).
        The worker registers the handler first thing in `main`; before that the signal would end it."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGUSR1)
            time.sleep(wait_s)  # faulthandler writes from the signal handler: give it a moment

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final commit (what a crash looks like)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
        self._close_log()

    def stop(self, *, timeout_s: float = 30.0) -> None:
        """SIGTERM and wait (the worker commits its checkpoint and leaves the group); SIGKILL after `timeout_s`."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
