"""Hook specifications: the functions a torch-flops plugin may implement.

A plugin is any importable object (usually a module) with functions decorated by
:data:`torch_flops_core.hookimpl`, published under the ``torch_flops`` entry-point group::

    [project.entry-points.torch_flops]
    acme = "acme_flops"

Priority is pluggy's: the built-in packs mark their hookimpls ``trylast=True``, a third-party pack
uses a plain ``@hookimpl``, and a user's override uses ``@hookimpl(tryfirst=True)`` or is passed at
run time (``count_flops(..., plugins=[obj])``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

from .names import DISABLE_ENV, NAME  # re-exported: their home is names, below this module and the registry

if TYPE_CHECKING:
    from .registry import Registry

hookspec = pluggy.HookspecMarker(NAME)
hookimpl = pluggy.HookimplMarker(NAME)

__all__ = ["DISABLE_ENV", "NAME", "hookimpl", "hookspec", "torch_flops_register_rules"]


@hookspec
def torch_flops_register_rules(registry: Registry) -> None:
    """Declare this plugin's FLOPs rules on ``registry``.

    Called once per plugin set (the set of plugins a count uses), when its dispatch table is first
    needed, never once per op. Implementations call ``registry.module(*classes)``,
    ``registry.function(*targets)`` and ``registry.method(*names)``, each a decorator taking a rule
    ``rule(call) -> int | Count``, and may declare extra spellings of one op with
    ``registry.alias(*spellings)``.

    :param registry: records the rules for this plugin; ``registry.plugin`` is the plugin's name.

    Implementations are called in pluggy's order (``tryfirst`` first, ``trylast`` last) and the
    first claim on an op wins; later claims are kept as shadowed and shown by ``torch-flops rules``.
    The return value is ignored.
    """
