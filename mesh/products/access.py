"""Who may do what on the mesh's topics, derived from the product descriptors (pure: no I/O).

Each rule is an `Acl` with the reason it exists (the descriptor and the entry that asked for it), so
`mesh access list` can say why, and `mesh products apply` can add what is missing and remove what
no descriptor asks for any more (an expired grant, a removed consumer):

- the owner's principal: WRITE and DESCRIBE on the product topic (idempotent producers need no more
  since Kafka 3.0: WRITE on a topic implies IDEMPOTENT_WRITE), READ, DESCRIBE and DESCRIBE_CONFIGS too
  (its own checks);
- each consumer whose grant has not expired: READ, DESCRIBE and DESCRIBE_CONFIGS on the topic (stream
  processors read a topic's configuration before they consume it: Quix Streams refuses to start
  without it; configs are metadata, not records), READ on consumer groups
  prefixed with its team's name, WRITE and DESCRIBE on the topic's DLQ (dead letters it cannot handle);
- an aggregate's processor (runs as the owner's principal): READ on its group and prefixed ALL on the
  names its engine derives from the app id: faust's `<app_id>-...` internal topics, Quix Streams'
  `repartition__<app_id>` and `changelog__<app_id>` topics, transactional ids `<app_id>...`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from mesh.clients.acl import Acl, user
from mesh.products.descriptor import ProductDescriptor


@dataclass(frozen=True, order=True, slots=True)
class Grant:
    """One ACL and why it exists (`source`: descriptor file and entry; `why`: a consumer's team and purpose)."""

    acl: Acl
    source: str
    why: str = ""


@dataclass(frozen=True, slots=True)
class AccessPlan:
    """ACLs to add and remove, with reasons for the additions."""

    add: tuple[Grant, ...]
    remove: tuple[Acl, ...]

    @property
    def is_noop(self) -> bool:
        """True when the cluster already matches the descriptors."""
        return not self.add and not self.remove


def grants_for(descriptor: ProductDescriptor, *, file: str, today: date) -> list[Grant]:
    """Every ACL one descriptor asks for on `today` (expired consumer grants give none)."""
    topic, dlq = descriptor.topic, descriptor.dlq_topic
    owner = user(descriptor.owner_principal)
    where = f"{file} owner.principal"
    grants = [Grant(Acl(owner, "topic", topic, op), where) for op in ("write", "describe", "read", "describe_configs")]
    for n, consumer in enumerate(descriptor.consumers):
        if consumer.expires is not None and consumer.expires < today:
            continue
        who, entry = user(consumer.principal), f"{file} consumers[{n}]"
        why = f"{consumer.team}: {consumer.purpose or '-'}"
        grants += [Grant(Acl(who, "topic", topic, op), entry, why) for op in ("read", "describe", "describe_configs")]
        grants.append(Grant(Acl(who, "group", consumer.team, "read", "prefixed"), entry, why))
        grants += [Grant(Acl(who, "topic", dlq, op), entry, why) for op in ("write", "describe")]
    if descriptor.processor is not None:
        app, why = descriptor.processor.app_id, f"{file} processor.app_id"
        grants.append(Grant(Acl(owner, "group", app, "read", "prefixed"), why))
        grants += [Grant(Acl(owner, "topic", prefix, "all", "prefixed"), why)
                   for prefix in (f"{app}-", f"repartition__{app}", f"changelog__{app}")]
        grants.append(Grant(Acl(owner, "transactional_id", app, "all", "prefixed"), why))
        grants += [Grant(Acl(owner, "topic", dlq, "write"), why), Grant(Acl(owner, "topic", dlq, "describe"), why)]
    return grants


def desired_grants(products: Iterable[tuple[ProductDescriptor, str]], *, today: date) -> list[Grant]:
    """The grants of every (descriptor, file), sorted, one per ACL (the first reason wins)."""
    seen: dict[Acl, Grant] = {}
    for descriptor, file in products:
        for grant in grants_for(descriptor, file=file, today=today):
            seen.setdefault(grant.acl, grant)
    return sorted(seen.values())


def principals(products: Iterable[ProductDescriptor]) -> list[str]:
    """Every principal named by the descriptors (owners and consumers, expired or not), sorted."""
    names = set()
    for d in products:
        names.add(d.owner_principal)
        names.update(c.principal for c in d.consumers)
    return sorted(names)


def view_readers(descriptor: ProductDescriptor) -> dict[str, date | None]:
    """Who may read the product's records through a queryable view: the owner (no expiry) and each
    consumer with the last day of its grant (`mesh.processing.view_access.ViewPolicy.readers`)."""
    readers: dict[str, date | None] = {c.principal: c.expires for c in descriptor.consumers}
    readers[descriptor.owner_principal] = None
    return readers


def plan_access(descriptors: Sequence[ProductDescriptor], desired: Sequence[Grant], current: Iterable[Acl]) -> AccessPlan:
    """What to add and remove so the cluster's ACLs match `desired`.

    Only managed ACLs are removed: those of principals the descriptors name, and those on the
    products' topics and DLQs; anything else on the cluster (other tools' ACLs, the admin) is left alone.
    """
    wanted = {g.acl for g in desired}
    managed_users = {user(p) for p in principals(descriptors)}
    managed_topics = {n for d in descriptors for n in (d.topic, d.dlq_topic)}
    present = set(current)
    add = tuple(g for g in desired if g.acl not in present)
    remove = tuple(sorted(a for a in present - wanted
                          if a.principal in managed_users or (a.resource == "topic" and a.name in managed_topics)))
    return AccessPlan(add, remove)
