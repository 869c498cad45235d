"""mkdocs hook: Sphinx roles in docstrings (``:class:`Priors```) as links.

The docstrings are numpydoc, read by people in ``help()`` and by griffe
here; griffe leaves reST roles as text (``:class:`` before the code). This
hook drops the role and, where the target is documented on this site, turns
the name into a cross-reference (unresolved ones stay code, without a
warning: mkdocs-autorefs' ``optional`` references).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

ROLE = re.compile(r":(?:py:)?(class|func|meth|mod|attr|exc|data|obj):<code>(~?)([\w.]+)</code>")

#: the modules whose public names the API reference documents
MODULES = (
    "bayesmixed",
    "bayesmixed.priors",
    "bayesmixed.families",
    "bayesmixed.metrics",
    "bayesmixed.model_selection",
    "bayesmixed.persistence",
    "bayesmixed.datasets",
    "bayesmixed.exceptions",
)


@cache
def _public_names() -> dict[str, str]:
    """Bare public name -> documented path (the first module that has it)."""
    import griffe

    root = Path(__file__).resolve().parents[2]
    package = griffe.load("bayesmixed", search_paths=[str(root)], resolve_aliases=False)
    names: dict[str, str] = {}
    for module in MODULES:
        obj = package if module == "bayesmixed" else package[module.removeprefix("bayesmixed.")]
        for name in obj.members:
            if not name.startswith("_"):
                names.setdefault(name, f"{module}.{name}")
    return names


def _replace(match: re.Match) -> str:
    role, tilde, target = match.groups()
    shown = target.rsplit(".", 1)[-1] if tilde else target
    if target.startswith("bayesmixed"):
        identifier = target
    elif role in {"meth", "attr"}:  # of a class the text does not name
        identifier = None
    else:
        identifier = _public_names().get(target)
    if identifier is None:  # a bare method name, or another package's name
        return f"<code>{shown}</code>"
    return f'<autoref identifier="{identifier}" optional><code>{shown}</code></autoref>'


def on_page_content(html: str, **kwargs) -> str:
    return ROLE.sub(_replace, html)
