"""The catalog against the real broker and registry: live numbers, and the pages in headless Chromium.

A copy of the claims product on topics of its own is provisioned, a few events published, one dead
letter written and a consumer group left behind; the browser test searches, opens the product and
sees a masked sample and a freshness state, saving screenshots under the test's tmp dir.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import confluent_kafka
import httpx
import pytest
import yaml
from confluent_kafka.admin import AdminClient

from mesh.catalog.broker import BrokerView
from mesh.catalog.server import BackgroundCatalog
from mesh.catalog.status import MET, assess
from mesh.core.settings import ClientConfig, KafkaSettings, MeshSettings, RegistrySettings
from mesh.products.clients import producer_for
from mesh.products.loader import Product, load_all, load_descriptor
from mesh.products.provision import Provisioner
from mesh.products.registrar import ConfluentRegistrar

ROOT = Path(__file__).resolve().parents[3]
EVENTS = 7
CONSUMED = 3


@pytest.fixture
def settings(kafka_settings: KafkaSettings, schema_registry_url: str) -> MeshSettings:
    return MeshSettings(kafka=kafka_settings,
                        registry=RegistrySettings(url=schema_registry_url))


@pytest.fixture
def product(tmp_path: Path, settings: MeshSettings, kafka_settings: KafkaSettings, schema_registry_url: str,
            unique_name: object) -> Iterator[Product]:
    """A claims product of this test's own, with events, a dead letter and a consumer group behind."""
    token = uuid.uuid4().hex[:8]
    data = yaml.safe_load((ROOT / "domains/claims/products/claims.yaml").read_text())
    data.update(id=f"claims.cat{token}", namespace="test",
                description=f"Catalog test copy {token} of the claims product, with a few events.")
    path = tmp_path / "claims" / "products" / f"cat{token}.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(data))
    made = load_descriptor(path, root=ROOT)
    registrar = ConfluentRegistrar.for_url(schema_registry_url)
    try:
        provisioner = Provisioner(kafka_settings.client_config(), registrar=registrar,
                                  ledger_topic=f"t.ledger.{token}")
        provisioner.apply(provisioner.plan([made]))
    finally:
        registrar.close()
    _publish(made, settings)
    _dead_letter(made, kafka_settings.client_config())
    group = f"t.catalog-reader.{token}"
    _consume(made, kafka_settings.client_config(), group, CONSUMED)
    yield made
    admin = AdminClient(kafka_settings.client_config())
    topics = [made.descriptor.topic, made.descriptor.dlq_topic, f"t.ledger.{token}"]
    for future in admin.delete_topics([t for t in topics if t in admin.list_topics(timeout=10).topics]).values():
        future.result(timeout=30)


def _publish(product: Product, settings: MeshSettings) -> None:
    with producer_for(product, settings=settings) as producer:
        for n in range(EVENTS):
            producer.publish("com.healthco.claims.ClaimSubmitted.v1", {
                "claim_id": f"CLM-{n}", "subscriber_id": f"SUB-SECRET-{n}",
                "submitted_at": dt.datetime.now(dt.UTC), "service_date": dt.date(2026, 12, 1),
                "provider_id": f"NPI-SECRET-{n}", "billed_amount": decimal.Decimal("120.50")}, key=f"SUB-SECRET-{n}")


def _dead_letter(product: Product, bootstrap: ClientConfig) -> None:
    producer = confluent_kafka.Producer(bootstrap)
    producer.produce(product.descriptor.dlq_topic, b"not a cloudevent", key=b"x")
    assert producer.flush(30) == 0


def _consume(product: Product, bootstrap: ClientConfig, group: str, count: int) -> None:
    consumer = confluent_kafka.Consumer({**bootstrap, "group.id": group,
                                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([product.descriptor.topic])
    got: list[confluent_kafka.Message] = []
    deadline = time.monotonic() + 60
    while len(got) < count and time.monotonic() < deadline:
        got.extend(m for m in consumer.consume(num_messages=count - len(got), timeout=1.0) if m.error() is None)
    assert len(got) == count
    consumer.commit(asynchronous=False)
    consumer.close()


def test_live_numbers_of_a_product(product: Product, settings: MeshSettings) -> None:
    broker = BrokerView(settings)
    try:
        seen, samples = broker.observe(product.descriptor.topic, product.descriptor.dlq_topic, samples=4)
    finally:
        broker.close()
    status = assess(product, seen)
    assert status.state == MET
    assert status.retained == EVENTS and status.events_per_minute == EVENTS  # all written within the minute
    assert status.dead_letters == 1
    assert status.age_ms is not None and status.age_ms < 120_000
    [group] = [g for g in status.groups if g.group.startswith("t.catalog-reader.")]
    assert group.lag == EVENTS - CONSUMED
    assert len(samples) == 4
    stamps = [m.timestamp()[1] for m in samples]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    assert broker.requests > 0


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for binary in ("/usr/bin/chromium", "/usr/bin/chromedriver"):
        if not Path(binary).exists():
            pytest.fail(f"{binary} is missing: run `make system-deps` (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1100,1000",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(10)  # a loaded machine: let a page finish before looking for an element
    try:
        yield driver
    finally:
        driver.quit()


def test_search_open_a_product_and_see_a_masked_sample_and_freshness(
        product: Product, settings: MeshSettings, browser: object, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    catalog = BackgroundCatalog(settings, [*load_all(ROOT / "domains", project_root=ROOT), product])
    url = catalog.start()
    try:
        browser.get(url)
        assert "of 6 products" in page_text(browser, "count", lambda text: "of 6 products" in text)
        box = browser.find_element(By.ID, "q")
        box.send_keys(product.id.split(".")[1])
        browser.find_element(By.ID, "search").click()
        assert page_text(browser, "count", lambda text: text == "1 of 6 products") == "1 of 6 products"
        browser.save_screenshot(str(shots / "search.png"))
        browser.find_element(By.LINK_TEXT, product.id).click()
        assert page_text(browser, "product-id", lambda text: text == product.id) == product.id
        assert browser.find_element(By.ID, "freshness-state").text == "met"
        samples = browser.find_element(By.ID, "samples").text
        assert "••• (pii)" in samples and "••• (phi)" in samples and "CLM-" in samples
        assert "SECRET" not in browser.page_source  # neither the pii key nor the phi provider id
        browser.save_screenshot(str(shots / "product.png"))
        browser.find_element(By.ID, "lineage-link").click()
        reader = f"t.catalog-reader.{product.id[len('claims.cat'):]}"
        assert reader in page_text(browser, "lineage", lambda text: reader in text)
        browser.save_screenshot(str(shots / "lineage.png"))
        metrics = httpx.get(f"{url}/metrics", timeout=10).text
        assert re.search(r"^mesh_catalog_broker_requests_total [1-9]", metrics, re.MULTILINE), metrics
    finally:
        catalog.stop()
    assert sorted(p.name for p in shots.iterdir()) == ["lineage.png", "product.png", "search.png"]


def page_text(browser: Any, element_id: str, done: Callable[[str], bool], timeout_s: float = 10.0) -> str:
    """The element's text once `done(text)` holds, or its last text after `timeout_s`.

    A click that loads a new page returns before the page is replaced: an element found right after it
    can be the old page's, gone (stale) by the time its text is read. So look again until it holds.
    """
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + timeout_s
    text = ""
    while True:
        try:
            text = browser.find_element(By.ID, element_id).text
        except (NoSuchElementException, StaleElementReferenceException):
            text = ""
        if done(text) or time.monotonic() > deadline:
            return text
        time.sleep(0.1)
