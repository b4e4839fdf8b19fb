"""mkdocs hooks (``hooks:`` in mkdocs.yml): the rule catalogue page filled in when the site is built.

``docs/reference/rules.md`` holds the page's introduction and the marker ``<!-- rule-catalogue -->``;
:func:`on_page_markdown` puts the catalogue of the built-in packs (the plugins of the
``torch-flops-rules-*`` distributions) in its place: the text ``torch-flops rules --doc`` prints, made by the
same function, so no generated file is committed and the page cannot fall behind the rule table.
"""

from __future__ import annotations

import warnings
from typing import Any

MARKER = "<!-- rule-catalogue -->"
BUILT_IN_PREFIX = "torch-flops-rules-"


def builtin_catalogue() -> str:
    """The catalogue of the built-in packs' rules (other installed plugins left out), as markdown."""
    from torch_flops_core.cli.catalogue import catalogue_markdown
    from torch_flops_core.errors import PluginLoadWarning
    from torch_flops_core.plugins import load_plugins

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginLoadWarning)
        infos = load_plugins().infos
        others = [i.name for i in infos if not (i.distribution or "").startswith(BUILT_IN_PREFIX)]
        return catalogue_markdown(load_plugins(disable=others).table)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Replace the marker of the catalogue page with the catalogue; every other page unchanged."""
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, builtin_catalogue())
