"""A Griffe extension for the docs site (mkdocs.yml, mkdocstrings' ``extensions``): the docstrings' Sphinx roles
(``:func:`~torch_flops_core.api.count_flops```, ``:class:`Call```) shown as code (``count_flops``, ``Call``)
instead of their raw markup, which Markdown does not know. A leading ``~`` keeps the last dotted part only, as
Sphinx does. The docstrings themselves stay as written (their ``:param x:`` fields are read by the ``sphinx``
docstring style).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:func|meth|class|mod|data|attr|exc|obj|const|ref|term|doc):`(~?)([^`]+)`")


def role_as_code(match: re.Match[str]) -> str:
    """One role as a Markdown code span: ``~a.b.c`` → ``c``; ``a.b`` → ``a.b``; ``text <target>`` → ``text``."""
    tilde, text = match.groups()
    text = re.sub(r"\s*<[^>]+>$", "", text)
    if tilde:
        text = text.rsplit(".", 1)[-1]
    return f"`{text}`"


class SphinxRoles(griffe.Extension):
    """Rewrites each object's docstring: Sphinx roles to Markdown code spans."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(role_as_code, obj.docstring.value)
