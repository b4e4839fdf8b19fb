"""The rule catalogue: every rule of a table with its formula line and what it covers, as markdown.

``torch-flops rules --doc`` prints it, and the docs site's rule catalogue page (``docs/reference/rules.md``,
filled in at build time by ``tools/docs_hooks.py``) is the same text: one section per plugin, one table per rule
module, one row per rule function with its formula line (its docstring's summary, the first paragraph joined
into one line) and the ops and module classes it claims.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..registry import RuleEntry, RuleTable

__all__ = ["CatalogueRule", "catalogue_markdown", "catalogue_rules", "formula_line"]

_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")
_MARKDOWN_SPECIAL = re.compile(r"([\\*_\[\]|#])")


@dataclass
class CatalogueRule:
    """One rule function of a table: its plugin, its name, its formula line and the entries that claim with it."""

    plugin: str
    name: str
    formula: str
    entries: list[RuleEntry] = field(default_factory=list)

    @property
    def module(self) -> str:
        """The rule's module (``torch_flops_rules_nn.linear``), the catalogue's subsection."""
        return self.name.rpartition(".")[0] or self.plugin


def formula_line(entry: RuleEntry) -> str:
    """The first paragraph of the rule's docstring in one line (empty when the rule has no docstring)."""
    doc = inspect.getdoc(entry.rule) or ""
    return " ".join(doc.split("\n\n")[0].split())


def catalogue_rules(table: RuleTable) -> list[CatalogueRule]:
    """Every rule function of ``table``, one per (plugin, rule), in the table's plugin order, sorted by name."""
    rules: dict[tuple[str, str], CatalogueRule] = {}
    for entry in table.entries:
        key = (entry.plugin, entry.name)
        if key not in rules:
            rules[key] = CatalogueRule(entry.plugin, entry.name, formula_line(entry))
        rules[key].entries.append(entry)
    plugins = list(dict.fromkeys(plugin for plugin, _ in rules))
    return sorted(rules.values(), key=lambda r: (plugins.index(r.plugin), r.name))


def _escape(text: str) -> str:
    """Markdown for a table cell: code spans kept (``x`` and `x`), Sphinx roles made code, the rest escaped."""
    text = _ROLE.sub(lambda m: f"``{m.group(1)}``", text)
    parts, start = [], 0
    for match in _CODE_SPAN.finditer(text):
        parts.append(_escape_plain(text[start : match.start()]))
        parts.append(match.group(0))
        start = match.end()
    parts.append(_escape_plain(text[start:]))
    return "".join(parts)


def _escape_plain(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _covers(rule: CatalogueRule, table: RuleTable) -> str:
    """The rule's kinds and claims (targets as code spans), then the module classes that inherit its claims."""
    claims = [f"`{entry.target_name}`" for entry in rule.entries]
    inherited = sorted(
        f"`{c.__module__}.{c.__qualname__}`"
        for entry in rule.entries
        if entry.kind == "module"
        for c in table.covered_classes(entry)
        if c is not entry.target
    )
    kinds = sorted({entry.kind for entry in rule.entries})
    text = f"{'/'.join(kinds)}: {', '.join(claims)}"
    return text + (f"; subclasses: {', '.join(inherited)}" if inherited else "")


def _plugin_sections(rules: list[CatalogueRule], table: RuleTable) -> Iterator[str]:
    for plugin in dict.fromkeys(r.plugin for r in rules):
        mine = [r for r in rules if r.plugin == plugin]
        claims = sum(len(r.entries) for r in mine)
        yield f"## Plugin `{plugin}`\n\n{len(mine)} rules, {claims} claims.\n"
        for module in dict.fromkeys(r.module for r in mine):
            yield f"### `{module}`\n\n| rule | formula | covers |\n|---|---|---|"
            for rule in (r for r in mine if r.module == module):
                short = rule.name.removeprefix(module + ".")
                yield f"| `{short}` | {_escape(rule.formula)} | {_covers(rule, table)} |"
            yield ""


def catalogue_markdown(table: RuleTable) -> str:
    """The catalogue of ``table`` as markdown: a summary line, then a section per plugin and a table per module."""
    rules = catalogue_rules(table)
    plugins = len({r.plugin for r in rules})
    head = (
        f"{len(rules)} rules from {plugins} plugins, {len(table.entries)} claims (a claim: one op, function, "
        "method or module class a rule counts)."
    )
    return "\n".join([head, "", *_plugin_sections(rules, table)]).rstrip() + "\n"
