"""Markdown to a standalone HTML page, through markdown-it-py.

Raw HTML in the markdown is disabled and bare addresses are not turned into
links, so the page holds only what the markdown's own syntax produces; the
user text in it is already escaped (`exports.escape`). The mermaid chart stays
a code block: the table beside it carries the same figures for readers and
printers that do not run mermaid.
"""

from __future__ import annotations

from html import escape

STYLESHEET = """
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; line-height: 1.5;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
h1, h2, h3, h4 { line-height: 1.25; }
h2 { border-bottom: 1px solid #b1b4b6; padding-bottom: 0.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; }
th, td { border: 1px solid #b1b4b6; padding: 0.3rem 0.5rem; vertical-align: top; text-align: left; }
th { background: #f3f2f1; }
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
    body = renderer.render(markdown)
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLESHEET}</style>\n</head>\n<body>\n"
        f"{body}</body>\n</html>\n"
    )
