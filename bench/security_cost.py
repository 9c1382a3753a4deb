"""What the security set-up costs the test suite: a representative integration subset, secured vs open.

Runs the same pytest subset against two brokers on this machine, interleaved, `--rounds` times each:

- secured: the local broker (`mesh kafka start`'s: SASL/SCRAM-SHA-512, StandardAuthorizer), started if
  needed (and then stopped at the end); the session creates its test principal (SCRAM user + prefixed ACLs) with the admin's
  credentials and every client logs in with SCRAM;
- open: the same Kafka version and single-node properties with a PLAINTEXT listener and no
  authorizer, started here in a temporary directory (the session then runs as the anonymous user).

Both are given to pytest as an existing cluster (MESH_KAFKA__*), so they find their broker the same
way. Both sessions use our registry with its users file (HTTP Basic; its own cost is in registry_auth_bench.py).
Prints wall seconds min/median/max per mode and the ratio of medians (secured / open).

    MESH_LOCAL_BROKER__PORT=19170 MESH_LOCAL_BROKER__CONTROLLER_PORT=19171 \\
        .venv/bin/python bench/security_cost.py --open-port 18172 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mesh.core.settings import KafkaSettings, MeshSettings
from mesh.localbroker.config import log4j_properties, render_properties, server_properties
from mesh.localbroker.runner import LocalBroker

ROOT = Path(__file__).resolve().parents[1]
SUBSET = ["tests/integration/sdk", "tests/integration/products/test_clients.py",
          "tests/integration/processing/test_quix_pipeline.py"]
_SECURITY_KEYS = ("sasl.", "authorizer.", "super.users", "listener.name.")


class RunFailedError(Exception):
    """The subset did not pass; the message has pytest's summary line and the failed tests."""


class OpenBroker(LocalBroker):
    """The local broker's single-node set-up with a PLAINTEXT listener and no authorizer (bench only)."""

    def client_settings(self) -> KafkaSettings:
        return KafkaSettings(bootstrap_servers=self.settings.bootstrap)

    def _write_config(self, admin_password: str) -> Path:
        for folder in (self.data_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
        props = {k: v for k, v in server_properties(self.settings, self.data_dir, admin_password=admin_password).items()
                 if not k.startswith(_SECURITY_KEYS)}
        props["listener.security.protocol.map"] = "CLIENT:PLAINTEXT,CONTROLLER:PLAINTEXT"
        properties = self.state_dir / "server.properties"
        properties.write_text(render_properties(props))
        (self.state_dir / "log4j.properties").write_text(log4j_properties(self.log_dir))
        return properties


def _run(env: dict[str, str], subset: list[str]) -> tuple[float, str]:
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           *subset], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    took = time.monotonic() - began
    last = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    if done.returncode != 0:
        failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
        raise RunFailedError(f"{last}: {'; '.join(failed)}")
    return took, last


def _line(name: str, runs: list[float]) -> str:
    return (f"{name:8} min {min(runs):6.1f} s  median {statistics.median(runs):6.1f} s  "
            f"max {max(runs):6.1f} s  ({len(runs)} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open-port", type=int, default=18172, help="client port of the open broker (+1: controller)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("tests", nargs="*", default=SUBSET)
    args = parser.parse_args()
    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("MESH_KAFKA__", "MESH_REGISTRY__URL", "MESH_REGISTRY__USERS_FILE"))}
    local = MeshSettings.load().local_broker
    with tempfile.TemporaryDirectory(prefix="mesh-open-broker-") as state:
        open_broker = OpenBroker(local.model_copy(update={
            "port": args.open_port, "controller_port": args.open_port + 1, "state_dir": Path(state)}))
        open_broker.start()
        secured = LocalBroker(local)
        started = False
        try:
            # both as "an existing cluster" (MESH_KAFKA__*): the same discovery path, only security differs
            started = secured.ensure_running()
            admin_env = MeshSettings(kafka=secured.client_settings()).client_env()
            envs = {"secured": {**base_env, **{k: v for k, v in admin_env.items() if k.startswith("MESH_KAFKA__")}},
                    "open": {**base_env, "MESH_KAFKA__BOOTSTRAP_SERVERS": open_broker.settings.bootstrap}}
            times: dict[str, list[float]] = {"secured": [], "open": []}
            for n in range(args.rounds):
                for mode in (("secured", "open") if n % 2 == 0 else ("open", "secured")):
                    try:
                        took, last = _run(envs[mode], args.tests)
                    except RunFailedError as exc:  # a flaky test on the loaded machine: one retry, said out loud
                        print(f"round {n + 1} {mode:8} failed, retried: {exc}", flush=True)
                        took, last = _run(envs[mode], args.tests)
                    times[mode].append(took)
                    print(f"round {n + 1} {mode:8} {took:6.1f} s  {last}", flush=True)
        finally:
            open_broker.stop()
            if started:  # left as found: a broker that was running before stays up
                secured.stop()
    for mode, runs in times.items():
        print(_line(mode, runs))
    ratio = statistics.median(times["secured"]) / statistics.median(times["open"])
    print(f"secured / open (medians): {ratio:.3f}  ({(ratio - 1) * 100:+.1f}%)")


if __name__ == "__main__":
    main()
