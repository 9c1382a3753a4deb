"""Avro Java as an oracle: which schemas does Avro Java 1.12's default parser (Confluent's) accept?

`avro_java_lib()` fetches org.apache.avro:avro and its runtime dependencies with Maven into
`~/.cache/mesh/avro-<version>/lib` (once, like the Kafka jars); `java_verdicts()` runs
`AvroOracle.java` (a single-file source launch, no build step) over a batch of schemas.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

AVRO_VERSION = "1.12.1"
CACHE = Path.home() / ".cache" / "mesh"
ORACLE = Path(__file__).with_name("AvroOracle.java")
_POM = f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>mesh.test</groupId><artifactId>avro-oracle</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies><dependency>
    <groupId>org.apache.avro</groupId><artifactId>avro</artifactId><version>{AVRO_VERSION}</version>
  </dependency></dependencies>
</project>
"""


class JavaUnavailable(Exception):
    """Java or Maven is missing, or Maven could not fetch Avro."""


def avro_java_lib() -> Path:
    """The directory of Avro Java's jars, fetched with Maven on first use."""
    lib = CACHE / f"avro-{AVRO_VERSION}" / "lib"
    if (lib / f"avro-{AVRO_VERSION}.jar").is_file():
        return lib
    maven, java = shutil.which("mvn"), shutil.which("java")
    if maven is None or java is None:
        raise JavaUnavailable("java and mvn are needed (apt-get install -y openjdk-17-jdk-headless maven)")
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="avro-fetch.", dir=CACHE))
    try:
        (work / "pom.xml").write_text(_POM)
        proc = subprocess.run(
            [maven, "-B", "-q", "-f", str(work / "pom.xml"), f"-Dmaven.repo.local={CACHE / 'm2'}",
             "dependency:copy-dependencies", "-DincludeScope=runtime", f"-DoutputDirectory={work / 'lib'}"],
            capture_output=True, text=True, check=False, timeout=600,
        )
        if proc.returncode != 0:
            raise JavaUnavailable(f"mvn could not fetch Avro {AVRO_VERSION}: {(proc.stdout + proc.stderr)[-2000:]}")
        lib.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(lib, ignore_errors=True)
        (work / "lib").rename(lib)  # atomic: the cache is complete or absent
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return lib


def java_verdicts(schemas: list[str]) -> list[str | None]:
    """For each schema text: None if Avro Java parses it, else its error message."""
    lib = avro_java_lib()
    with tempfile.TemporaryDirectory() as tmp:
        batch = Path(tmp) / "schemas.json"
        batch.write_text(json.dumps(schemas))
        proc = subprocess.run(
            ["java", "-Xss8m", "-cp", f"{lib}/*", str(ORACLE), str(batch)],
            capture_output=True, text=True, check=False, timeout=600,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"AvroOracle failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
    verdicts = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(verdicts) == len(schemas), (len(verdicts), len(schemas))
    return [None if v == "OK" else str(v) for v in verdicts]
