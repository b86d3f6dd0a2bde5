"""A small, safe Markdown renderer for knowledge-base articles.

Everything is escaped first; only the markup this module writes reaches the page: headings (``#`` to
``####``), paragraphs, line breaks, ``**bold**``, ``*italic*``, ``code`` spans and fenced code blocks, bulleted
and numbered lists, block quotes, horizontal rules and links. Raw HTML in the source shows as text. A link
keeps only an ``http``, ``https`` or ``mailto`` target or a portal route (``#/...``); anything else
(``javascript:``, ``data:``, protocol-relative ``//host``) renders as plain text. External links open with
``rel="noopener noreferrer nofollow"``.
"""

from __future__ import annotations

import re
from html import escape, unescape

_HEADING = re.compile(r"\A(#{1,4})\s+(.+?)\s*#*\s*\Z")
_BULLET = re.compile(r"\A\s*[-*+]\s+(.*)\Z")
_NUMBERED = re.compile(r"\A\s*\d{1,4}[.)]\s+(.*)\Z")
_QUOTE = re.compile(r"\A\s*>\s?(.*)\Z")
_RULE = re.compile(r"\A\s*([-*_])(\s*\1){2,}\s*\Z")
_FENCE = re.compile(r"\A\s*```")
_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^()\s]+)\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)([^*]+?)(?<=\S)\*(?!\*)")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")


def safe_href(target: str) -> str | None:
    """``target`` when a link may point there, else None. ``target`` arrives escaped (it is unescaped to check)."""
    raw = unescape(target).strip()
    cleaned = "".join(raw.split()).lower()  # "java\tscript:" is javascript: to a browser
    if cleaned.startswith(_SAFE_SCHEMES) and not cleaned.startswith("//"):
        return escape(raw, quote=True)
    if raw.startswith("#/"):
        return escape(raw, quote=True)
    return None


def _inline(text: str) -> str:
    """One line of already-escaped text with its inline markup rendered."""
    spans: list[str] = []

    def keep(html: str) -> str:
        spans.append(html)
        return f"\x00{len(spans) - 1}\x00"

    text = _CODE.sub(lambda m: keep(f"<code>{m.group(1)}</code>"), text)

    def link(match: re.Match[str]) -> str:
        label, target = match.group(1), match.group(2)
        href = safe_href(target)
        if href is None:
            return label
        external = not href.startswith("#/")
        extra = ' rel="noopener noreferrer nofollow" target="_blank"' if external else ""
        return keep(f'<a href="{href}"{extra}>{_emphasis(label)}</a>')

    text = _LINK.sub(link, text)
    text = _emphasis(text)
    return re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], text)


def _emphasis(text: str) -> str:
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    return _ITALIC.sub(r"<em>\1</em>", text)


class _Blocks:
    """The blocks being built, line by line; :meth:`flush` ends the open paragraph, list or quote."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.paragraph: list[str] = []
        self.items: list[str] = []
        self.list_tag: str | None = None
        self.quote: list[str] = []

    def flush(self) -> None:
        if self.paragraph:
            self.out.append("<p>" + "<br>".join(_inline(escape(p.strip())) for p in self.paragraph) + "</p>")
            self.paragraph.clear()
        if self.items:
            tag = self.list_tag
            self.out.append(f"<{tag}>" + "".join(f"<li>{i}</li>" for i in self.items) + f"</{tag}>")
            self.items.clear()
            self.list_tag = None
        if self.quote:
            self.out.append("<blockquote><p>" + "<br>".join(_inline(escape(q)) for q in self.quote)
                            + "</p></blockquote>")
            self.quote.clear()

    def line(self, line: str) -> None:
        if not line.strip():
            self.flush()
        elif (heading := _HEADING.match(line)) is not None:
            self.flush()
            level = len(heading.group(1)) + 1  # the page's h1 is the article's title
            self.out.append(f"<h{level}>{_inline(escape(heading.group(2)))}</h{level}>")
        elif _RULE.match(line):
            self.flush()
            self.out.append("<hr>")
        elif (listed := _BULLET.match(line) or _NUMBERED.match(line)) is not None:
            tag = "ul" if _BULLET.match(line) else "ol"
            if self.list_tag != tag or self.paragraph or self.quote:
                self.flush()
            self.list_tag = tag
            self.items.append(_inline(escape(listed.group(1).strip())))
        elif (quoted := _QUOTE.match(line)) is not None:
            if self.paragraph or self.items:
                self.flush()
            self.quote.append(quoted.group(1))
        else:
            if self.items or self.quote:
                self.flush()
            self.paragraph.append(line)


def render(markdown: str) -> str:
    """The article's HTML: safe to put in a page as is (see the module's contract)."""
    lines = markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks = _Blocks()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not _FENCE.match(line):
            blocks.line(line)
            continue
        blocks.flush()
        code: list[str] = []
        while index < len(lines) and not _FENCE.match(lines[index]):
            code.append(lines[index])
            index += 1
        index += 1  # the closing fence (or the end)
        blocks.out.append("<pre><code>" + escape("\n".join(code)) + "</code></pre>")
    blocks.flush()
    return "\n".join(blocks.out)
