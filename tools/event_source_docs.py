"""make docs: an RST page for each EDA event source of the collection, generated from its DOCUMENTATION and EXAMPLES.

antsibull-docs (2.28) documents modules, plugins and roles, not extensions/eda/plugins/event_source/: this script
fills that gap the way antsibull-docs would, from the same DOCUMENTATION (doc fragments merged by ansible-core's own
docs loader, markup such as O(...) and V(...) rendered by antsibull-docs-parser), never from text written by hand.

Usage: PYTHON tools/event_source_docs.py COLLECTIONS RST_DIR
  PYTHON       the docs venv's Python (ansible-core, antsibull-docs-parser)
  COLLECTIONS  the folder holding ansible_collections/ocsdm/route_manager
  RST_DIR      where antsibull-docs wrote the site's RST: <name>_event_source.rst go there and index.rst gets an
               "Event Sources" section in its plugin index
Prints the names of the pages it wrote.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import yaml
from antsibull_docs_parser import dom, parser, rst

NAMESPACE, NAME = "ocsdm", "route_manager"
COLLECTION = f"{NAMESPACE}.{NAME}"
INDEX_ANCHOR = ".. _role_plugins_in_ocsdm.route_manager:"


def load_doc(path: Path) -> Dict[str, Any]:
    """DOCUMENTATION with its doc fragments merged, and EXAMPLES, as ansible-doc reads them."""
    from ansible.plugins.loader import fragment_loader
    from ansible.utils.plugin_docs import get_docstring

    doc, examples, _returns, _metadata = get_docstring(
        str(path.resolve()), fragment_loader, verbose=False, collection_name=COLLECTION, plugin_type="module"
    )
    doc["examples"] = examples
    return doc


class _Formatter(rst.PlainRSTFormatter):
    """Plain RST (the page has no Sphinx targets for its options), without "(of event_source plugin ...)" after an
    option of the page's own plugin."""

    def __init__(self, plugin: dom.PluginIdentifier) -> None:
        self.plugin = plugin

    def format_option_name(self, part: dom.OptionNamePart, url: Optional[str]) -> str:
        own = part._replace(plugin=None) if part.plugin == self.plugin else part
        return super().format_option_name(own, url)


class Page:
    """The RST of one event source page."""

    def __init__(self, name: str, version: str) -> None:
        self.fqcn = f"{COLLECTION}.{name}"
        self.plugin = dom.PluginIdentifier(fqcn=self.fqcn, type="event_source")
        self.context = parser.Context(current_plugin=self.plugin)
        self.formatter = _Formatter(self.plugin)
        self.version = version
        self.lines: List[str] = []

    def text(self, value: Any) -> str:
        """Ansible doc markup (a string or a list of paragraphs) as RST."""
        paragraphs = [str(item) for item in value] if isinstance(value, (list, tuple)) else [str(value)]
        return rst.to_rst_plain(
            parser.parse(paragraphs, self.context), formatter=self.formatter, par_sep="\n\n", current_plugin=self.plugin
        )

    def heading(self, title: str, mark: str = "-") -> None:
        self.lines += ["", title, mark * len(title), ""]

    def bullets(self, items: Sequence[Any]) -> None:
        for item in items:
            self.lines += self.indented(self.text(item), "- ", "  ")

    @staticmethod
    def indented(text: str, first: str, rest: str) -> List[str]:
        lines = text.splitlines() or [""]
        return [first + lines[0]] + [(rest + line) if line else "" for line in lines[1:]]

    def options(self, options: Dict[str, Any]) -> None:
        self.lines += [".. list-table::", "  :widths: 25 75", "  :header-rows: 1", ""]
        self.lines += ["  * - Parameter", "    - Comments", ""]
        for name in sorted(options):
            option = options[name]
            kind = option.get("type", "str")
            if option.get("elements"):
                kind += f" / elements={option['elements']}"
            cell = [f"**{name}**", "", f"*{kind}*"] + (["", "*required*"] if option.get("required") else [])
            self.lines += self.indented("\n".join(cell), "  * - ", "      ")
            comments = self.text(option.get("description", []))
            if option.get("choices"):
                comments += "\n\nChoices: " + ", ".join(f"``{choice}``" for choice in option["choices"])
            if "default" in option and option["default"] is not None:
                default = _plain(option["default"])
                comments += "\n\nDefault: ``%s``" % (default if isinstance(default, str) else json.dumps(default))
            self.lines += self.indented(comments, "    - ", "      ") + [""]

    def render(self, name: str, doc: Dict[str, Any]) -> str:
        self.lines = [f".. _ansible_collections.{self.fqcn}_event_source:", ""]
        title = f"{self.fqcn} event source -- {self.text(doc['short_description'])}"
        self.lines += [title, "=" * len(title), ""]
        self.lines += [
            ".. note::",
            f"    This event source is part of the `{COLLECTION} collection <index.html>`_ (version {self.version}).",
            "",
            f"    To use it in a rulebook, specify: ``{self.fqcn}`` under ``sources``.",
            "",
            ".. contents::",
            "   :local:",
            "   :depth: 1",
        ]
        self.heading("Synopsis")
        self.bullets(doc.get("description", []))
        if doc.get("requirements"):
            self.heading("Requirements")
            self.lines += ["The below requirements are needed on the host that runs ansible-rulebook.", ""]
            self.bullets(doc["requirements"])
        self.heading("Parameters")
        self.options(doc.get("options") or {})
        if doc.get("notes"):
            self.heading("Notes")
            self.bullets(doc["notes"])
        if doc.get("seealso"):
            self.heading("See Also")
            for item in doc["seealso"]:
                target = f":ref:`{item['ref']}`" if "ref" in item else f"``{item.get('module', item.get('name'))}``"
                self.lines += self.indented(f"{target}\n\n{self.text(item.get('description', ''))}", "* ", "  ") + [""]
        if doc.get("examples"):
            self.heading("Examples")
            self.lines += [".. code-block:: yaml+jinja", ""]
            self.lines += ["    " + line if line else "" for line in doc["examples"].strip("\n").splitlines()]
        if doc.get("author"):
            self.heading("Authors")
            self.bullets(doc["author"])
        return "\n".join(self.lines).rstrip() + "\n"


def _plain(value: Any) -> Any:
    """ansible-core's tagged values as plain Python, for yaml.safe_dump."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value


def index_section(entries: List[str]) -> str:
    lines = [
        f".. _event_source_plugins_in_{COLLECTION}:",
        "",
        "Event Sources",
        "~~~~~~~~~~~~~",
        "",
        "Sources of events for ansible-rulebook (Event-Driven Ansible), from ``extensions/eda/plugins/event_source/``:",
        "",
    ]
    lines += [
        f"* :ref:`{name} event source <ansible_collections.{COLLECTION}.{name}_event_source>` -- {short}"
        for name, short in entries
    ]
    lines += ["", ".. toctree::", "    :maxdepth: 1", "    :hidden:", ""]
    lines += [f"    {entry[0]}_event_source" for entry in entries]
    return "\n".join(lines) + "\n\n"


def main(argv: List[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().split("\n\n")[2], file=sys.stderr)
        return 2
    collections, rst_dir = Path(argv[0]).resolve(), Path(argv[1]).resolve()
    os.environ["ANSIBLE_COLLECTIONS_PATH"] = str(collections)
    from ansible.plugins.loader import init_plugin_loader

    init_plugin_loader([str(collections)])
    root = collections / "ansible_collections" / NAMESPACE / NAME
    version = yaml.safe_load((root / "galaxy.yml").read_text(encoding="utf-8"))["version"]
    entries = []
    for path in sorted((root / "extensions" / "eda" / "plugins" / "event_source").glob("[a-z]*.py")):
        name = path.stem
        page = Page(name, version)
        doc = load_doc(path)
        (rst_dir / f"{name}_event_source.rst").write_text(page.render(name, doc), encoding="utf-8")
        entries.append((name, page.text(doc["short_description"])))
        print(f"{name}_event_source.rst")
    index = rst_dir / "index.rst"
    text = index.read_text(encoding="utf-8")
    if INDEX_ANCHOR not in text:
        print(f"{index} has no {INDEX_ANCHOR!r} to put the event sources before", file=sys.stderr)
        return 1
    index.write_text(text.replace(INDEX_ANCHOR, index_section(entries) + INDEX_ANCHOR, 1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
