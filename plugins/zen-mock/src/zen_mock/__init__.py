"""zen-mock: fill a SQLite database with realistic fake rows (a zen plugin).

Example:
    >>> import zen
    >>> from zen_mock import fill
    >>> db = zen.open(":memory:")
    >>> db.script("create table users(id integer primary key, name text not null)")
    0
    >>> fill(db, rows=3, seed=7).total
    3
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zen_mock.generate import MockReport, fill
    from zen_mock.plan import MockError

__all__ = ["MockError", "MockReport", "fill"]


def __getattr__(name: str) -> Any:
    # Lazy: the plugin module is imported whenever zen lists plugins; faker is not.
    if name in __all__:
        from zen_mock import generate, plan

        return getattr(generate, name, None) or getattr(plan, name)
    raise AttributeError(name)
