"""Shared by the report's tests: the sample release's report, written once per warehouse, and a small HTML tree.

The report is written into the refreshed sample's warehouse (``<warehouse>/report/<release_id>/``); a test module
that finds it there reuses it, so the unit tests and the browser tests of one worker write it once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from pipelines.paths import ProjectPaths

VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


def latest_release_id(paths: ProjectPaths) -> str:
    return json.loads(paths.latest_release_file.read_text(encoding="utf-8"))["release_id"]


def sample_report(paths: ProjectPaths) -> Path:
    """The folder of the latest release's report (all three languages), written if it is not there yet."""
    from pipelines.report.site import REPORT_MARKER, write_report

    out = paths.report_dir(latest_release_id(paths))
    if not (out / REPORT_MARKER).exists():
        write_report(paths)
    return out


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    children: list = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Descendants (self included) with this tag and these attribute values (``class_`` matches one class)."""
        wanted_class = attrs.pop("class_", None)
        return [
            n for n in self.iter()
            if (tag is None or n.tag == tag)
            and (wanted_class is None or wanted_class in n.classes())
            and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def find(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID_ELEMENTS:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(path: Path) -> Node:
    builder = _TreeBuilder()
    builder.feed(path.read_text(encoding="utf-8"))
    builder.close()
    return builder.root
