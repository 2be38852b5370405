"""Markdown to a standalone HTML page, through markdown-it-py.

Raw HTML in the markdown is disabled and bare addresses are not turned into
links, so the page holds only what the markdown's own syntax produces; the
user text in it is already escaped (`exports.escape`). The markdown's mermaid
chart (for GitHub and GitLab) becomes an inline SVG bar chart here, so the page
is publishable as it is: no script, labelled for screen readers, and the table
after it carries the same figures.
"""

from __future__ import annotations

import re
from html import escape, unescape

_MERMAID = re.compile(r'<pre><code class="language-mermaid">(.*?)</code></pre>\n?', re.DOTALL)
_AXIS = re.compile(r"^\s*x-axis \[(.*)\]$", re.MULTILINE)
_BARS = re.compile(r"^\s*bar \[([0-9, ]*)\]$", re.MULTILINE)
_TITLE = re.compile(r'^\s*title "([^"]*)"$', re.MULTILINE)

STYLESHEET = """
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; line-height: 1.5;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
h1, h2, h3, h4 { line-height: 1.25; }
h2 { border-bottom: 1px solid #b1b4b6; padding-bottom: 0.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
th, td { border: 1px solid #b1b4b6; padding: 0.3rem 0.5rem; vertical-align: top; text-align: left; }
th { background: #f3f2f1; }
svg.chart { width: 100%; height: auto; max-width: 60rem; }
svg.chart rect { fill: #1d70b8; }
svg.chart text { font-size: 11px; fill: #1b1b1b; }
td[style*="right"], th[style*="right"] { font-variant-numeric: tabular-nums; }
blockquote { border-left: 4px solid #d4351c; margin: 1rem 0; padding: 0.5rem 1rem; background: #fdf2f0; }
pre { background: #f3f2f1; padding: 0.75rem; overflow-x: auto; font-size: 0.85rem; }
@media print {
  body { max-width: none; margin: 0; font-size: 10.5pt; }
  h2 { page-break-after: avoid; }
  table, pre, blockquote { page-break-inside: avoid; }
  pre { white-space: pre-wrap; }
}
"""


def to_html(markdown: str, title: str) -> str:
    """A complete HTML page for the report or digest in `markdown`."""
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    renderer.enable("table")
    body = _MERMAID.sub(lambda match: svg_chart(unescape(match.group(1))), renderer.render(markdown))
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLESHEET}</style>\n</head>\n<body>\n"
        f"{body}</body>\n</html>\n"
    )


def svg_chart(mermaid: str) -> str:
    """The bars of a mermaid xychart (Tracker's own: dates and whole numbers) as
    an accessible inline SVG; anything else is left out, never copied raw."""
    axis, bars, title = _AXIS.search(mermaid), _BARS.search(mermaid), _TITLE.search(mermaid)
    if axis is None or bars is None:
        return ""
    labels = [label.strip().strip('"') for label in axis.group(1).split(",")]
    values = [int(value) for value in bars.group(1).replace(" ", "").split(",") if value]
    if not values or len(labels) != len(values):
        return ""
    name = escape(title.group(1) if title else "Chart")
    width, height, left, bottom = 720, 260, 40, 40
    top = max(max(values), 1)
    step = (width - left) / len(values)
    parts = [
        f'<figure><svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{name}</title>',
        f'<desc id="chart-desc">{name} from {escape(labels[0])} to {escape(labels[-1])}; '
        "the table below gives every figure.</desc>",
        f'<text x="0" y="12">{top:,}</text><text x="0" y="{height - bottom}">0</text>',
    ]
    label_every = max(1, len(values) // 8)
    for number, (label, value) in enumerate(zip(labels, values, strict=True)):
        bar = (height - bottom - 10) * value / top
        x = left + number * step
        parts.append(
            f'<rect x="{x + step * 0.1:.1f}" y="{height - bottom - bar:.1f}" '
            f'width="{step * 0.8:.1f}" height="{bar:.1f}"><title>{escape(label)}: {value:,}</title></rect>'
        )
        if number % label_every == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}">{escape(label)}</text>')
    parts.append(f"</svg><figcaption>{name}</figcaption></figure>\n")
    return "".join(parts)
