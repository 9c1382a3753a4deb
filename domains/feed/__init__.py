"""A deterministic, seeded stand-in for the operational systems, with the exact expected member-360.

`generate(n_members, seed=...)` returns a `Feed`: every record the enrollment, claims and EHR systems
would emit, in one out-of-order arrival order, plus the member-360 record each member must end with.
"""

from domains.feed.generator import Feed, feed_tag, generate, with_redeliveries
from domains.feed.records import SourceRecord

__all__ = ["Feed", "SourceRecord", "feed_tag", "generate", "with_redeliveries"]
