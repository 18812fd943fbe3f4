"""A griffe extension for the API pages: zen's docstrings, read as Markdown.

zen's docstrings say ``Example:`` (Google style allows both spellings); griffe only
parses ``Examples:`` as doctest code, and would render the singular as Markdown text.
They also use Sphinx roles (``:class:`Database```), shown here as plain code.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_SINGULAR = re.compile(r"^(\s*)Example:\s*$", re.MULTILINE)
_ROLE = re.compile(r":(?:class|meth|func|data|mod|attr|exc|obj):`~?([^`]+)`")


class ExampleSections(griffe.Extension):
    """Rename ``Example:`` headers to ``Examples:`` and drop Sphinx roles, before parsing."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Called once per loaded object (module, class, function, attribute)."""
        if obj.docstring is not None:
            text = _SINGULAR.sub(r"\1Examples:", obj.docstring.value)
            obj.docstring.value = _ROLE.sub(r"`\1`", text)
