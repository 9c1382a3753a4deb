"""Processing integration fixtures: the SDK's settings and per-test topics (same fixtures, re-exported)."""

from tests.integration.sdk.conftest import make_topic, sdk_settings  # noqa: F401  (fixtures)
