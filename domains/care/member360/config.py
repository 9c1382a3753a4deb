"""The member-360 processor's configuration: which topics, which app id, where it serves, how it buffers.

`Member360Config` is plain data; `from_products()` fills the topics from the data product descriptors
(`domains/*/products/*.yaml`). The process entry point reads overrides from `MEMBER360_*` environment
variables (`Member360Env`), next to `MESH_*` for Kafka and the registry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from domains.care.member360.identity import DEFAULT_MAX_PENDING
from mesh.clients.kafka import FETCH_BUFFER_MB
from mesh.core.settings import MeshSettings
from mesh.core.users import load_users
from mesh.processing.view_access import ViewGuard, ViewPolicy
from mesh.products.access import view_readers
from mesh.products.loader import load_all

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = ROOT / "schemas" / "care" / "member_360.avsc"
SOURCE = "/healthco/care/member360"
PRODUCTS = {
    "members": "membership.members",
    "identity": "membership.member_identity",
    "claims": "claims.claims",
    "visits": "clinical.visits",
    "output": "care.member_360",
}


class Member360Config(BaseModel):
    """Everything the processor needs besides `MeshSettings`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    app_id: str = Field(default="member360", description="consumer group = prefix of internal topics and transactional ids")
    members_topic: str
    identity_topic: str
    claims_topic: str
    visits_topic: str
    output_topic: str
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=6066, ge=1, le=65535)
    datadir: Path = Path("/tmp/mesh-member360")
    max_pending: int = Field(default=DEFAULT_MAX_PENDING, ge=1, description="held events per local ID")
    register_schema: bool = Field(default=True, description="register member_360.avsc under the output subject")
    replication_factor: int = Field(default=1, ge=1, description="of the dead-letter topics")
    commit_interval_s: float = Field(default=1.0, gt=0, description="checkpoint interval: outputs become "
                                     "visible to read-committed consumers at each checkpoint")
    session_timeout_s: float = Field(default=45.0, gt=0, description="a worker that stopped or died hands "
                                     "its partitions to the others after this long")
    transaction_timeout_s: float = Field(default=60.0, gt=0, description="a crashed worker's open transaction "
                                         "holds read-committed readers this long (unless it restarts)")
    fetch_buffer_mb: int = Field(default=FETCH_BUFFER_MB, ge=1, description="prefetched input per consumer (librdkafka's "
                                 "queued.max.messages.kbytes; its default 64 MB): RAM against fetching ahead")
    processing_guarantee: Literal["exactly-once", "at-least-once"] = Field(
        default="exactly-once", description="at-least-once only to measure what transactions cost")
    source: str = SOURCE

    @property
    def internal_prefix(self) -> str:
        """Quix Streams' prefix of this processor's re-keying topics (`repartition__<app id>--...`)."""
        return f"repartition__{self.app_id}--"

    @property
    def input_topics(self) -> list[str]:
        """The four product topics the processor reads."""
        return [self.members_topic, self.identity_topic, self.claims_topic, self.visits_topic]

    @classmethod
    def from_products(cls, *, root: Path = ROOT, **overrides: object) -> Member360Config:
        """Topics from the product descriptors under `root/domains`; `overrides` replace any field."""
        products = {p.id: p for p in load_all(root / "domains", project_root=root)}
        topics = {f"{name}_topic": products[pid].descriptor.topic for name, pid in PRODUCTS.items()}
        return cls.model_validate({**topics, **overrides})


def view_guard(settings: MeshSettings, *, root: Path = ROOT) -> ViewGuard | None:
    """Who may read the served views: care.member_360's readers (its descriptor) authenticated against
    the mesh's users file (MESH_REGISTRY__USERS_FILE); None (open views) when no users file is set."""
    if settings.registry.users_file is None:
        return None
    products = {p.id: p for p in load_all(root / "domains", project_root=root)}
    descriptor = products[PRODUCTS["output"]].descriptor
    return ViewGuard(ViewPolicy(descriptor.id, view_readers(descriptor)), load_users(settings.registry.users_file))


class Member360Env(BaseSettings):
    """`MEMBER360_*` overrides read by the process entry point (every field optional)."""

    model_config = SettingsConfigDict(env_prefix="MEMBER360_", extra="ignore")

    app_id: str | None = None
    members_topic: str | None = None
    identity_topic: str | None = None
    claims_topic: str | None = None
    visits_topic: str | None = None
    output_topic: str | None = None
    web_host: str | None = None
    web_port: int | None = None
    datadir: Path | None = None
    max_pending: int | None = None
    register_schema: bool | None = None
    replication_factor: int | None = None
    commit_interval_s: float | None = None
    session_timeout_s: float | None = None
    transaction_timeout_s: float | None = None
    processing_guarantee: Literal["exactly-once", "at-least-once"] | None = None
    fetch_buffer_mb: int | None = None

    def config(self) -> Member360Config:
        """The descriptors' topics with every set variable applied."""
        return Member360Config.from_products(**self.model_dump(exclude_none=True))
