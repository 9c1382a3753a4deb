"""Member-360 processor throughput and freshness against a plain confluent-kafka loop doing the same work.

Run (from the repository root, against a real broker: MESH_KAFKA__* when set, else the local broker
of `mesh kafka start` as its admin; the registry is MESH_REGISTRY__URL when set, else ours, in-process):

    python bench/processor_bench.py [--members 2000] [--repeats 3] [--rates 2000,400] [--seconds 20] \
        [--commit-interval 1.0] [--at-least-once] [--web-port 16066] [--profile /tmp/worker.prof] \
        [--rss-trace /tmp/rss] [--heap-diff] [--no-baseline] [--floor]

Same run, fresh topics per measurement, the generator's feed published through the SDK producers;
the worker and the loop alternate within each repeat, so machine noise hits both alike.

- Max rate: the whole feed is on the input topics before the consumer starts; throughput is input
  events / (time caught up - time of the first output). The processor is the Quix Streams worker,
  exactly-once (subprocess, one worker, checkpoint every `--commit-interval` s); the baseline is one
  confluent-kafka consume -> decode (SDK serde) -> resolve identities (same pure helpers, in-memory
  state) -> fold loop in a subprocess that renders, encodes and produces each changed member's view
  once per `--commit-interval` (the worker's coalescing), with no changelog, no transactions and no
  re-keying hops: the Python ceiling for this work on this machine.
- Fixed rate: the consumer runs first; the feed is published at each of `--rates` events/s for `--seconds`;
  freshness is output record time - input record time (Kafka CreateTime of the oldest input event
  folded into that view since the member's previous view, or of its identity link when the event had
  to wait for it: waiting for data that has not arrived is not processing latency; carried in the
  `mesh_input_ts` header), p50/p99 over every output record.
- Memory: the worker's peak RSS (VmHWM) and the size of its state directory after each max-rate run;
  its RSS at each phase and per quarter of the run (sampled every second; `--rss-trace FILE`: the
  samples into FILE.<kind>.<repeat>). `--heap-diff`: SIGUSR2 to the worker when ready and when caught
  up (mesh/processing/heapdump.py): what grew on its Python heap (tracemalloc: the run is ~4x slower)
  and what each RocksDB store holds, printed. `--no-baseline`: the worker alone.
- `--floor`: also run the engine's floor at max rate (bench/engine_floor.py): the worker's Quix Streams
  topology and settings with none of its work (bytes through, one state read per row in the first
  stateful step): an upper bound for any processor of that shape here, whatever its code; and the
  floor with the least state member-360's semantics need (a write per row in the first step, a view
  read and written once per member per checkpoint in the second), the bound for member-360.
- `--profile FILE`: py-spy (pip install py-spy; not a project dependency) samples the worker during
  each max-rate run into FILE.<repeat>; `python bench/profile_stacks.py FILE.0 --within _run_dataframe`
  sums the stacks.
Prints min/median/max over the repeats and the ratios of medians.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Self

import confluent_kafka
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.engine_floor import KafkaMessage, start_floor, work_alone
from domains.care.member360.app import INPUT_TS_HEADER, MEMBER_360
from domains.care.member360.config import ROOT, SCHEMA, Member360Config
from domains.care.member360.events import DomainEvent
from domains.care.member360.fold import apply, handles
from domains.care.member360.identity import IdentityResolver
from domains.care.member360.metrics import ViewTimings, view_timings
from domains.care.member360.runner import ProcessorProcess
from domains.care.member360.view import MemberView, render
from domains.feed import generate
from domains.playback import services
from domains.wiring import source_producers
from mesh.core.naming import dlq_topic, product_topic
from mesh.core.settings import MeshSettings, RegistrySettings
from mesh.localbroker.credentials import local_settings
from mesh.processing.bridge import EventDecoder, EventEncoder, event_time, raw_message
from mesh.processing.lag import end_offsets
from mesh.processing.partitioning import consistent_partition
from mesh.products.loader import Product, load_all

APP_IDS: list[str] = []  # internal and changelog topics start with these; deleted with each topic set


def create_topics(settings: MeshSettings, products: list[Product]) -> dict[str, str]:
    token = uuid.uuid4().hex[:8]
    admin = AdminClient(dict(settings.kafka.client_config()))
    topics, new = {}, []
    for product in products:
        d = product.descriptor
        topics[product.id] = product_topic("test", d.domain, f"{d.product}_b{token}", d.version)
        new.append(NewTopic(topics[product.id], num_partitions=d.partitions, replication_factor=1,
                            config=d.topic_configs()))
    for future in admin.create_topics(new).values():
        future.result(30)
    time.sleep(1)  # leaders elected
    return topics


def create_topic(settings: MeshSettings, name: str) -> None:
    admin = AdminClient(dict(settings.kafka.client_config()))  # kept alive until the result arrives
    admin.create_topics([NewTopic(name, num_partitions=6, replication_factor=1)])[name].result(30)


def delete_topics(settings: MeshSettings, topics: dict[str, str], app_ids: list[str]) -> None:
    admin = AdminClient(dict(settings.kafka.client_config()))
    doomed = set(topics.values()) | {dlq_topic(t) for t in topics.values()}
    existing = [t for t in admin.list_topics(timeout=10).topics
                if t in doomed or any(t.startswith(a) for a in app_ids)]
    if existing:
        for future in admin.delete_topics(existing).values():
            future.result(30)


def config_for(topics: dict[str, str], port: int, tmp: Path, commit_interval_s: float = 1.0) -> Member360Config:
    app_id = f"b-m360-{uuid.uuid4().hex[:8]}"
    APP_IDS.append(app_id)
    return Member360Config(app_id=app_id, members_topic=topics["membership.members"],
                           identity_topic=topics["membership.member_identity"], claims_topic=topics["claims.claims"],
                           visits_topic=topics["clinical.visits"], output_topic=topics["care.member_360"],
                           web_port=port, datadir=tmp / app_id, commit_interval_s=commit_interval_s)


# -- the baseline: a plain confluent-kafka loop --------------------------------------------------------------
def baseline(settings: MeshSettings, config: Member360Config, expected_inputs: int, output: str,
             done: Any) -> None:
    """Consume the four inputs, resolve, fold, render, encode, produce; stop after `expected_inputs`."""
    decoder = EventDecoder(settings=settings)
    encoder = EventEncoder(output, SCHEMA, source="/bench/baseline", settings=settings, register=True)
    encoder.start()
    consumer = confluent_kafka.Consumer({**settings.kafka.client_config(), "group.id": f"{config.app_id}-base",
                                         "auto.offset.reset": "earliest", "enable.auto.commit": True})
    producer = confluent_kafka.Producer({**settings.kafka.client_config(), "linger.ms": 5, "acks": "all",
                                         "enable.idempotence": True})
    consumer.subscribe(config.input_topics)
    resolver = IdentityResolver()
    views: dict[str, MemberView] = {}
    dirty: dict[str, int] = {}  # member -> oldest input time (ms) folded in since its last published view
    seen = 0
    partitions = 6
    next_commit = time.monotonic() + config.commit_interval_s
    while seen < expected_inputs:
        for message in consumer.consume(500, 0.1):
            if message.error():
                continue
            seen += 1
            raw = raw_message(KafkaMessage(message))
            event = decoder.decode(raw)
            domain_event = DomainEvent(event.id, event.type, event.source, event_time(event), event.data)
            for ready in resolver.submit(domain_event):
                if not handles(ready.type):
                    continue
                member_id = str(ready.resolved_member_id)
                views[member_id] = apply(views.get(member_id), ready)
                dirty.setdefault(member_id, raw.timestamp_ms)  # released events count from their link's arrival
        if time.monotonic() >= next_commit or seen >= expected_inputs:  # coalesced like the worker's checkpoint
            _publish(producer, encoder, output, partitions, views, dirty)
            producer.flush(60)
            next_commit = time.monotonic() + config.commit_interval_s
    producer.flush(60)
    consumer.close()
    done.value = time.time()


def _publish(producer: Any, encoder: EventEncoder, output: str, partitions: int, views: dict[str, MemberView],
             dirty: dict[str, int]) -> None:
    """Render, encode and produce each dirty member's view once (the worker's coalescing)."""
    for member_id, since_ms in dirty.items():
        view = views[member_id]
        value, headers = encoder.encode(MEMBER_360, render(view), time=view.updated_at,
                                        extra_headers=[(INPUT_TS_HEADER, str(since_ms).encode())])
        key = member_id.encode()
        while True:
            try:
                producer.produce(output, value, key, partition=consistent_partition(key, partitions),
                                 headers=headers)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    dirty.clear()


# -- measuring ----------------------------------------------------------------------------------------------
def producers_for(settings: MeshSettings, products: list[Product], topics: dict[str, str]) -> dict[str, Any]:
    by_name = {pid.split(".")[1]: topic for pid, topic in topics.items()}
    return source_producers(products, settings=settings, topics=by_name, auto_register=True)


def close(producers: dict[str, Any]) -> None:
    for producer in producers.values():
        producer.close()


def publish_paced(producers: dict[str, Any], records: Any, rate: float) -> None:
    by_system = services({name: producer.publish for name, producer in producers.items()})
    began = time.monotonic()
    for i, record in enumerate(records):
        by_system[record.system].handle(record)
        ahead = began + (i + 1) / rate - time.monotonic()
        if ahead > 0.002:
            time.sleep(ahead)
    close(producers)


@contextmanager
def topic_set(settings: MeshSettings, products: list[Product]) -> Iterator[dict[str, str]]:
    topics = create_topics(settings, products)
    try:
        yield topics
    finally:
        delete_topics(settings, topics, APP_IDS)


def run_processor(settings: MeshSettings, config: Member360Config, n_inputs: int, tmp: Path,
                  feed_in: Callable[[], None] | None, profile: Path | None = None,
                  rss_trace: Path | None = None, heap_diff: bool = False) -> ViewTimings:
    """Run one worker until caught up (the feed starts once it is ready); its output records.

    `profile`: sample the worker with py-spy (installed separately, not a dependency) while it catches
    up, raw collapsed stacks written there (`python bench/profile_stacks.py FILE` sums them).
    `rss_trace`: its resident set every second into that file (RssTrace). `heap_diff`: SIGUSR2 when
    ready and when caught up (mesh/processing/heapdump.py): what grew on its Python heap, printed."""
    log_file = tmp / f"{config.app_id}.log"
    with ProcessorProcess(config, settings=settings, log_file=log_file) as proc, \
            RssTrace(proc.process.pid if proc.process else 0, rss_trace) as trace:
        proc.wait_ready(timeout_s=120)  # group joined, tables recovered: the feed's clock starts on a ready worker
        trace.mark("ready")
        if heap_diff and proc.process is not None:
            proc.process.send_signal(signal.SIGUSR2)
        cpu_start = cpu_s(proc.process.pid) if proc.process is not None else 0.0
        main_start = cpu_s(proc.process.pid, main_thread=True) if proc.process is not None else 0.0
        spy = None
        if profile is not None and proc.process is not None:
            spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--pid",
                                    str(proc.process.pid), "--rate", "250", "--format", "raw", "--output",
                                    str(profile)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if feed_in is not None:
            feed_in()
        trace.mark("fed")
        proc.wait_caught_up(timeout_s=3600, poll_s=0.5)
        trace.mark("caught up")
        if heap_diff and proc.process is not None:
            proc.process.send_signal(signal.SIGUSR2)
            deadline = time.monotonic() + 300  # the snapshot and its comparison take a while on a large heap
            while "growth since baseline" not in log_file.read_text(errors="replace") and time.monotonic() < deadline:
                time.sleep(1)
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(30)
        if proc.process is not None:
            cpu_us = (cpu_s(proc.process.pid) - cpu_start) * 1e6 / max(n_inputs, 1)
            main_us = (cpu_s(proc.process.pid, main_thread=True) - main_start) * 1e6 / max(n_inputs, 1)
            print(f"    worker CPU {cpu_us:,.0f} us per input event (user + system, ready to caught up; "
                  f"main thread {main_us:,.0f})", flush=True)
            CPU_US.append(cpu_us)
            MAIN_US.append(main_us)
            peak_mb, disk_mb = peak_rss_mb(proc.process.pid), du_mb(config.datadir)
            print(f"    worker peak RSS {peak_mb:,.0f} MB, state on disk {disk_mb:,.1f} MB "
                  f"({config.datadir})", flush=True)
            MEMORY.append((peak_mb, disk_mb))
            trace.report()
    if heap_diff:
        for line in log_file.read_text(errors="replace").splitlines():
            if "heap diff" in line or " blocks (live " in line or " rocksdb " in line:
                print("    " + line.split(" WARNING ", 1)[-1], flush=True)
    return view_timings(settings, config.output_topic)


class RssTrace:
    """Samples a process's VmRSS (and its anonymous / file-backed parts) every `interval_s` from
    /proc/<pid>/status in a thread; `mark()` names a phase; lines `seconds rss anon file phase` (MB)
    go to `path` when given. `report()` prints the RSS at each mark and per quarter of the run."""

    def __init__(self, pid: int, path: Path | None, interval_s: float = 1.0) -> None:
        self.pid, self.path, self.interval_s = pid, path, interval_s
        self.samples: list[tuple[float, float, float, float, str]] = []
        self.marks: list[tuple[str, float]] = []
        self._phase = "start"
        self._t0 = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-trace", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        if self.path is not None:
            self.path.write_text("".join(f"{t:.1f} {r:.1f} {a:.1f} {f:.1f} {p}\n" for t, r, a, f, p in self.samples))

    def mark(self, phase: str) -> None:
        self._sample()
        self._phase = phase
        self.marks.append((phase, self.samples[-1][1] if self.samples else 0.0))

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def _sample(self) -> None:
        fields: dict[str, float] = {}
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                name, _, value = line.partition(":")
                if name in ("VmRSS", "RssAnon", "RssFile"):
                    fields[name] = int(value.split()[0]) / 1024
        except (OSError, ValueError):
            return
        self.samples.append((time.monotonic() - self._t0, fields.get("VmRSS", 0.0), fields.get("RssAnon", 0.0),
                             fields.get("RssFile", 0.0), self._phase))

    def report(self) -> None:
        self._sample()
        marks = ", ".join(f"{phase} {mb:,.0f}" for phase, mb in self.marks)
        busy = [s for s in self.samples if s[4] in ("ready", "fed")]  # feed published until caught up
        quarters = [busy[len(busy) * q // 4: len(busy) * (q + 1) // 4] for q in range(4)]
        medians = " / ".join(f"{statistics.median(s[1] for s in part):,.0f}" if part else "-" for part in quarters)
        last = self.samples[-1] if self.samples else (0.0, 0.0, 0.0, 0.0, "")
        print(f"    worker RSS MB at {marks}; median per quarter of the run {medians}; "
              f"now anon {last[2]:,.0f} + file {last[3]:,.0f} ({len(self.samples)} samples"
              f"{f', {self.path}' if self.path else ''})", flush=True)


MAX = float("inf")  # the feed as fast as the SDK producers publish it
MEMORY: list[tuple[float, float]] = []  # (peak RSS, state on disk) of every worker run, MB
FLOOR_CPU_US: dict[str, list[float]] = defaultdict(list)  # the engine floors', likewise, by kind
FLOOR_MAIN_US: dict[str, list[float]] = defaultdict(list)  # their main thread's (where a processor's work adds up)
WORK_US: list[float] = []  # member-360's work alone per input event, in process, no engine (engine_floor.py)
MAIN_US: list[float] = []  # the worker's main thread's (every Quix step runs there), likewise
CPU_US: list[float] = []  # the worker's CPU time per input event of every run, us (steadier than ev/s on a busy machine)


def cpu_s(pid: int, main_thread: bool = False) -> float:
    """User + system CPU seconds of the process (all its threads; `main_thread`: that one only) so far;
    0 where /proc is not there."""
    try:
        stat = f"/proc/{pid}/task/{pid}/stat" if main_thread else f"/proc/{pid}/stat"
        fields = Path(stat).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM) in MB; 0 where /proc is not there."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def du_mb(path: Path) -> float:
    """Bytes of the files under `path`, in MB."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def run_floor(settings: MeshSettings, config: Member360Config, n_inputs: int, topics: dict[str, str],
              feed_in: Callable[[], None], kind: str) -> ViewTimings:
    """Run the engine's floor (bench/engine_floor.py; kind "floor+state": with the least state the
    semantics need) until every non-link input passed its last step."""
    process, counters = start_floor(settings, config, with_state=kind == "floor+state")
    try:
        deadline = time.monotonic() + 120
        while not counters[0] and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)  # as the worker's readiness: assigned and settled
        cpu_start = cpu_s(process.pid or 0)
        feed_in()
        expected = sum(end_offsets(settings, [topics[p] for p in ("claims.claims", "clinical.visits",
                                                              "membership.members")]).values())
        deadline = time.monotonic() + 3600
        while counters[1] < expected and process.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if counters[1] < expected:
            raise RuntimeError(f"the engine floor saw {counters[1]:,.0f} of {expected:,} rows")
        cpu_us = (cpu_s(process.pid or 0) - cpu_start) * 1e6 / max(n_inputs, 1)
        print(f"    floor CPU {cpu_us:,.0f} us per input event (user + system, ready to caught up)", flush=True)
        FLOOR_CPU_US[kind].append(cpu_us)
        main_us = (counters[4] - counters[3]) * 1e6 / max(n_inputs, 1)
        print(f"    floor main thread CPU {main_us:,.1f} us per input event (every Quix step runs on it)", flush=True)
        FLOOR_MAIN_US[kind].append(main_us)
        if kind == "floor+state":
            print(f"    views read and written {counters[5]:,.0f} (once per member per checkpoint interval)", flush=True)
        else:  # the work alone: once per repeat, beside the floor with no work
            inputs = [topics[p] for p in ("membership.member_identity", "claims.claims", "clinical.visits",
                                          "membership.members")]
            work = work_alone(settings, inputs, topics["care.member_360"])
            print(f"    the work alone (decode, resolve, fold, a view per member; no Kafka), us per input event: "
                  f"{stats(work)}", flush=True)
            WORK_US.extend(work)
        done_ms = int(counters[2] * 1000)
        return ViewTimings(((done_ms, done_ms),))
    finally:
        process.kill()
        process.join(30)


def run_baseline(settings: MeshSettings, config: Member360Config, n_inputs: int, output: str,
                 feed_in: Callable[[], None] | None) -> ViewTimings:
    done = multiprocessing.Value("d", 0.0)
    worker = multiprocessing.Process(target=baseline, args=(settings, config, n_inputs, output, done))
    worker.start()
    time.sleep(3)  # group join
    if feed_in is not None:
        feed_in()
    worker.join(3600)
    return view_timings(settings, output)


def stats(values: list[float], digits: int = 1) -> str:
    return (f"min {min(values):>9,.{digits}f}  median {statistics.median(values):>9,.{digits}f}  "
            f"max {max(values):>9,.{digits}f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rates", default="2000", help="fixed input rates, events/s, comma-separated")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--commit-interval", type=float, default=1.0,
                        help="checkpoint interval of the worker, and the plain loop's publish interval, s")
    parser.add_argument("--at-least-once", action="store_true",
                        help="also run the worker without transactions at max rate (same feed, its own topics)")
    parser.add_argument("--profile", type=Path, help="py-spy the worker's max-rate runs into FILE.<run>")
    parser.add_argument("--web-port", type=int, default=16066, help="the worker's HTTP port (one at a time)")
    parser.add_argument("--rss-trace", type=Path, help="the worker's RSS every second into FILE.<kind>.<run>")
    parser.add_argument("--heap-diff", action="store_true",
                        help="print what grew on the worker's Python heap from ready to caught up (tracemalloc: slower)")
    parser.add_argument("--no-baseline", action="store_true", help="the worker alone (no plain loop, no ratios)")
    parser.add_argument("--floor", action="store_true",
                        help="also run the engine's floor at max rate: the topology without the work, and with the "
                             "least state the semantics need (engine_floor.py)")
    args = parser.parse_args()

    with ExitStack() as stack:
        base = local_settings(MeshSettings.load())  # the local broker's admin when no cluster is set
        url = base.registry.url

        if not os.environ.get("MESH_REGISTRY__URL"):
            from tests.support.registry import running_registry

            url = stack.enter_context(running_registry(base.kafka))
        settings = MeshSettings(kafka=base.kafka, registry=RegistrySettings(url=url))
        products = load_all(ROOT / "domains", project_root=ROOT)
        tmp = Path(f"/tmp/mesh-processor-bench-{uuid.uuid4().hex[:6]}")
        tmp.mkdir(parents=True)
        feed = generate(args.members, seed=2026)
        n = len(feed.records)
        print(f"feed: {args.members} members, {n} input events; repeats {args.repeats}; log dir {tmp}")
        rates = [float(r) for r in args.rates.split(",") if r]
        results: dict[str, list[float]] = defaultdict(list)
        port = args.web_port
        kinds = ["proc", *([] if args.no_baseline else ["base"]), *(["alo"] if args.at_least_once else []),
                 *(["floor", "floor+state"] if args.floor else [])]
        for repeat in range(args.repeats):
            # max rate (the feed unpaced), then each fixed rate; the kinds alternate, each on fresh topics
            for rate_in, kind in [(r, k) for r in (MAX, *rates) for k in kinds if r == MAX or not k.startswith("floor")]:
                count = n if rate_in == MAX else min(n, int(rate_in * args.seconds))
                with topic_set(settings, products) as topics:
                    producers = producers_for(settings, products, topics)
                    config = config_for(topics, port, tmp, args.commit_interval)
                    began: list[int] = []

                    def feed_in(producers: dict[str, Any] = producers, paced: Any = feed.records[:count],
                                rate_in: float = rate_in, began: list[int] = began) -> None:
                        began.append(time.time_ns() // 1_000_000)
                        publish_paced(producers, paced, rate_in)
                        fed_s = time.time() - began[0] / 1000  # the unpaced feed's own rate caps every kind's
                        print(f"    feed published in {fed_s:.1f} s ({len(paced) / fed_s:,.0f} ev/s)", flush=True)

                    profile = args.profile.with_suffix(f".{repeat}") if args.profile and rate_in == MAX else None
                    if kind == "base":
                        out = f"{topics['care.member_360']}.baseline"
                        create_topic(settings, out)
                        topics["_baseline_out"] = out
                        records = run_baseline(settings, config, count, out, feed_in)
                    elif kind.startswith("floor"):
                        records = run_floor(settings, config, count, topics, feed_in, kind)
                    else:
                        if kind == "alo":  # the same worker without transactions: what exactly-once costs
                            config = config.model_copy(update={"processing_guarantee": "at-least-once"})
                        trace = args.rss_trace.with_suffix(f".{kind}.{repeat}") if args.rss_trace and rate_in == MAX else None
                        records = run_processor(settings, config, count, tmp, feed_in, profile, trace,
                                                args.heap_diff and rate_in == MAX)
                    rate = records.throughput(count, start_ms=began[0])
                    p50, p99 = records.freshness(0.5), records.freshness(0.99)
                    label = "max" if rate_in == MAX else f"{rate_in:,.0f} ev/s"
                    results[f"{kind}@{label}"].append(rate)
                    results[f"{kind}_p50@{label}"].append(p50)
                    results[f"{kind}_p99@{label}"].append(p99)
                    shown = ("(publishes no views)" if kind.startswith("floor") else f"freshness p50 {p50:.3f} s p99 {p99:.3f} s "
                             f"({len(records.records):,} view records for {count:,} inputs)")
                    print(f"[{repeat}] {kind} at {label}: throughput {rate:,.0f} ev/s, {shown}", flush=True)
        print(f"\nworker memory, {args.members:,} members: peak RSS MB {stats([m[0] for m in MEMORY], 0)}; "
              f"state on disk MB {stats([m[1] for m in MEMORY])}")
        if CPU_US:
            print(f"worker CPU per input event, us (max-rate and fixed-rate runs alike): {stats(CPU_US, 0)}")
            print(f"worker main thread CPU per input event, us: {stats(MAIN_US, 0)}")
        for floor, main_us in FLOOR_MAIN_US.items():
            what = "with the least state" if floor == "floor+state" else "no work"
            print(f"engine floor ({what}) CPU per input event, us (max-rate runs): {stats(FLOOR_CPU_US[floor], 0)}")
            print(f"engine floor ({what}) main thread CPU per input event, us: {stats(main_us)}")
        if WORK_US:
            print(f"member-360's work alone per input event, us: {stats(WORK_US)}")
            for floor, main_us in FLOOR_MAIN_US.items():
                bound = 1e6 / (min(main_us) + min(WORK_US))
                median = 1e6 / (statistics.median(main_us) + statistics.median(WORK_US))
                print(f"bound on a worker doing this work on its one main thread: 1e6 / ({floor} main thread + work) "
                      f"= {bound:,.0f} input ev/s (minima), {median:,.0f} (medians)")
        print(f"\nmax throughput, input events/s (checkpoint / publish interval {args.commit_interval} s)")
        names = {"proc": "Quix worker, exactly-once ", "alo": "Quix worker, at-least-once", "base": "plain loop                ",
                 "floor": "engine floor, no work     ", "floor+state": "engine floor, least state "}
        base_median = None if args.no_baseline else statistics.median(results["base@max"])
        for kind in kinds:
            ratio = "" if base_median is None else \
                f"   median / loop's {statistics.median(results[f'{kind}@max']) / base_median:.3f}"
            print(f"  {names[kind]} {stats(results[f'{kind}@max'], 0)}{ratio}")
        for label in ["max", *(f"{r:,.0f} ev/s" for r in rates)]:
            print(f"\nfreshness at {label}, seconds")
            for kind in (k for k in kinds if not k.startswith("floor")):  # the floors publish no views
                print(f"  {names[kind]} p50 {stats(results[f'{kind}_p50@{label}'], 3)}")
                print(f"  {names[kind]} p99 {stats(results[f'{kind}_p99@{label}'], 3)}")

if __name__ == "__main__":
    main()
