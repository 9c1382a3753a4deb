"""Lineage as a graph: inputs -> product -> consuming products and consumer groups, laid out by Graphviz.

`graph` (pure) returns the DOT text; `render_svg` runs `dot -Tsvg` on it (Graphviz: Debian's
`graphviz` package, installed by `make system-deps`). Product nodes link to their catalog pages.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from mesh.core.errors import ConfigurationError
from mesh.products.loader import Product


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _node(name: str, *, label: str, shape: str, href: str = "", fill: str = "white") -> str:
    link = f", URL={_quote(href)}, target=\"_top\"" if href else ""
    return f"  {_quote(name)} [label={_quote(label)}, shape={shape}, style=filled, fillcolor={_quote(fill)}{link}];"


def graph(product: Product, products: Sequence[Product], groups: Sequence[str] = (), *, base: str = "") -> str:
    """The DOT text of one product's lineage (groups: consumer groups reading its topic)."""
    pid = product.id
    inputs = [p for p in product.descriptor.inputs]
    consumers = sorted(p.id for p in products if pid in p.descriptor.inputs)
    lines = ["digraph lineage {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=11];',
             '  edge [color="#667788", fontname="Helvetica", fontsize=10];',
             _node(f"p:{pid}", label=f"{pid}\n{product.descriptor.kind}", shape="box", fill="#cfe3ff",
                   href=f"{base}/products/{pid}")]
    for other in inputs:
        lines.append(_node(f"p:{other}", label=other, shape="box", href=f"{base}/products/{other}"))
        lines.append(f"  {_quote('p:' + other)} -> {_quote('p:' + pid)};")
    for other in consumers:
        lines.append(_node(f"p:{other}", label=other, shape="box", href=f"{base}/products/{other}"))
        lines.append(f"  {_quote('p:' + pid)} -> {_quote('p:' + other)} [label=\"input of\"];")
    for group in groups:
        lines.append(_node(f"g:{group}", label=f"{group}\n(consumer group)", shape="ellipse", fill="#f3f3f3"))
        lines.append(f"  {_quote('p:' + pid)} -> {_quote('g:' + group)} [style=dashed];")
    lines.append("}")
    return "\n".join(lines)


def render_svg(dot_text: str, *, dot: str = "dot", timeout_s: float = 20.0) -> str:
    """The SVG Graphviz lays out for `dot_text`."""
    try:
        done = subprocess.run([dot, "-Tsvg"], input=dot_text.encode(), capture_output=True,
                              timeout=timeout_s, check=False)
    except FileNotFoundError as exc:
        raise ConfigurationError(f"Graphviz's {dot!r} is not installed; the lineage graph needs it",
                                 hint="apt-get install graphviz (or `make system-deps`), "
                                      "or set MESH_CATALOG__DOT to its path") from exc
    if done.returncode != 0:
        raise ConfigurationError(f"Graphviz failed to lay out the lineage: {done.stderr.decode(errors='replace')}",
                                 hint="report it with the product's descriptor")
    svg = done.stdout.decode()
    return svg[svg.index("<svg"):] if "<svg" in svg else svg
