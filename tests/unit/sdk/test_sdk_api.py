"""The SDK's public names: what domain teams import. Changing this list is an API change."""

from __future__ import annotations

import mesh
import mesh.sdk


def test_sdk_exports_exactly_these_names() -> None:
    assert sorted(mesh.sdk.__all__) == ["Consumer", "DeliveryFailure", "Event", "Producer"]


def test_top_level_package_reexports_producer_consumer_event() -> None:
    assert {"Producer", "Consumer", "Event"} <= set(mesh.__all__)
    assert mesh.Producer is mesh.sdk.Producer
    assert mesh.Consumer is mesh.sdk.Consumer
    assert mesh.Event is mesh.sdk.Event
