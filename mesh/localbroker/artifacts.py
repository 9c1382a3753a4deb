"""Apache Kafka's jars from Maven Central, fetched once into a cache directory outside the repo.

Layout: `<cache_dir>/kafka-<version>/lib/*.jar` plus `manifest.json` (name and size of every jar),
written last and atomically, so a half-finished download is never mistaken for a cache.
Maven resolves the broker's runtime closure from `kafka_<scala>`'s POM; the slf4j binding is added
by hand because upstream declares it compile-only.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from mesh.core.errors import LocalBrokerError
from mesh.core.settings import LocalBrokerSettings

log = logging.getLogger(__name__)

SLF4J_BINDING = ("org.slf4j", "slf4j-reload4j", "1.7.36")
RELOAD4J = ("ch.qos.reload4j", "reload4j", "1.2.25")
MANIFEST = "manifest.json"

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>mesh.local</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
{deps}
  </dependencies>
</project>
"""


@dataclass(frozen=True)
class KafkaInstall:
    """A verified set of jars: `classpath` is what `java -cp` takes."""

    home: Path
    version: str

    @property
    def lib(self) -> Path:
        return self.home / "lib"

    @property
    def classpath(self) -> str:
        return str(self.lib / "*")


def install_dir(settings: LocalBrokerSettings) -> Path:
    """Where this Kafka version's jars live in the cache."""
    return settings.cache_dir / f"kafka-{settings.kafka_version}"


def _pom(settings: LocalBrokerSettings) -> str:
    coords = [
        ("org.apache.kafka", f"kafka_{settings.scala_version}", settings.kafka_version),
        SLF4J_BINDING,
        RELOAD4J,
    ]
    deps = "\n".join(
        f"    <dependency><groupId>{g}</groupId><artifactId>{a}</artifactId><version>{v}</version></dependency>"
        for g, a, v in coords
    )
    return _POM.format(deps=deps)


def verify(settings: LocalBrokerSettings) -> KafkaInstall | None:
    """The cached install if it is complete and intact; None if absent; an error if it is corrupt."""
    home = install_dir(settings)
    manifest = home / MANIFEST
    if not manifest.exists():
        return None
    fix = f"delete {home} and run `mesh kafka fetch` again"
    try:
        expected: dict[str, int] = json.loads(manifest.read_text())["jars"]
    except (ValueError, KeyError, TypeError) as exc:
        raise LocalBrokerError(f"The Kafka cache at {home} is corrupt: unreadable {MANIFEST} ({exc})", hint=fix) from exc
    for name, size in expected.items():
        jar = home / "lib" / name
        if not jar.exists():
            raise LocalBrokerError(f"The Kafka cache at {home} is corrupt: {name} is missing", hint=fix)
        if jar.stat().st_size != size or not zipfile.is_zipfile(jar):
            raise LocalBrokerError(f"The Kafka cache at {home} is corrupt: {name} is damaged", hint=fix)
    return KafkaInstall(home=home, version=settings.kafka_version)


def fetch(settings: LocalBrokerSettings, *, force: bool = False) -> KafkaInstall:
    """Return the cached install, downloading it with Maven first if needed (about a minute, once)."""
    if force:
        shutil.rmtree(install_dir(settings), ignore_errors=True)
    cached = verify(settings)
    if cached:
        return cached
    maven = shutil.which(settings.maven)
    if maven is None:
        raise LocalBrokerError(
            f"Maven ({settings.maven!r}) is not installed; it downloads Kafka's jars from Maven Central",
            hint="install it (`apt-get install -y maven`) or set MESH_LOCAL_BROKER__MAVEN to its path",
        )
    home = install_dir(settings)
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix=f"kafka-{settings.kafka_version}.", dir=settings.cache_dir))
    try:
        jars = _download(settings, maven, work)
        shutil.rmtree(home, ignore_errors=True)
        work.rename(home)  # atomic on one file system: a cache is complete or absent
        home.chmod(0o755)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("fetched %d jars in %.1fs", len(jars), time.monotonic() - started)
    installed = verify(settings)
    assert installed is not None
    return installed


def _download(settings: LocalBrokerSettings, maven: str, work: Path) -> dict[str, int]:
    """Resolve and copy the runtime jars into `work/lib`, then write the manifest; returns name -> size."""
    (work / "pom.xml").write_text(_pom(settings))
    cmd = [
        maven, "-B", "-q", "-f", str(work / "pom.xml"),
        f"-Dmaven.repo.local={settings.cache_dir / 'm2'}",
        "dependency:copy-dependencies", "-DincludeScope=runtime", f"-DoutputDirectory={work / 'lib'}",
    ]  # fmt: skip
    log.info("fetching Kafka %s jars with Maven", settings.kafka_version)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()][-12:]
        raise LocalBrokerError(
            f"Downloading Kafka {settings.kafka_version} from Maven Central failed (mvn exit {proc.returncode}):\n"
            + "\n".join(f"  {line}" for line in tail),
            hint="check network access to Maven Central and MESH_LOCAL_BROKER__KAFKA_VERSION, then retry",
        )
    jars = {p.name: p.stat().st_size for p in sorted((work / "lib").glob("*.jar"))}
    if not any(name.startswith(f"kafka_{settings.scala_version}-") for name in jars):
        raise LocalBrokerError(f"Maven finished but fetched no Kafka broker jar into {work / 'lib'}")
    (work / "pom.xml").unlink()
    (work / MANIFEST).write_text(json.dumps({"version": settings.kafka_version, "jars": jars}, indent=1))
    return jars
