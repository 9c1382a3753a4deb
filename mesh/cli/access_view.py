"""`mesh access list` as text that fits a terminal: grants grouped by principal and descriptor entry.

    User:care  <- domains/claims/products/claims.yaml consumers[0]
      why: care: member-360 views for care managers
      DESCRIBE, READ   topic prod.claims.claims.v1
      DESCRIBE, WRITE  topic prod.claims.claims.v1.dlq
      READ             group care*

Topics first, then groups and transactional ids.
A prefixed name ends in `*`. Lines longer than `width` wrap with an indent (a single word longer
than the line, such as a very long path, is cut across lines rather than overflowing).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from mesh.products.access import Grant


def render_grants(grants: Sequence[Grant], *, width: int = 80) -> list[str]:
    """The lines of the grouped view, none longer than `width`."""
    groups: dict[tuple[str, str, str], dict[tuple[str, str], list[str]]] = {}
    for g in grants:
        rights = groups.setdefault((g.acl.principal, g.source, g.why), {})
        star = "*" if g.acl.pattern == "prefixed" else ""
        rights.setdefault((g.acl.resource, g.acl.name + star), []).append(g.acl.operation.upper())
    lines: list[str] = []
    for (principal, source, why), rights in sorted(groups.items()):
        lines += _wrap(f"{principal}  <- {source}", width, "     ")
        if why:
            lines += _wrap(f"  why: {why}", width, "       ")
        ops = {target: ",".join(sorted(names)) for target, names in rights.items()}
        column = max(len(text) for text in ops.values())
        for (resource, name), text in sorted(ops.items(), key=lambda item: (item[0][0] != "topic", item[0])):
            lines += _wrap(f"  {text.ljust(column)}  {resource} {name}", width, " " * min(column + 4, width // 2))
    return lines


def _wrap(text: str, width: int, indent: str) -> list[str]:
    return textwrap.wrap(text, width=width, subsequent_indent=indent, break_on_hyphens=False) or [""]
