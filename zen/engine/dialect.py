"""Reading SQL written for another engine (PostgreSQL, MySQL, DuckDB...) with sqlglot.

sqlglot is imported only when a dialect is asked for: it costs start-up time.
"""

from __future__ import annotations

from zen.engine.errors import DialectError, UsageError, suggest

SQLITE = "sqlite"


def available_dialects() -> list[str]:
    """Dialect names sqlglot can read."""
    from sqlglot.dialects.dialect import Dialects

    return sorted(d.value for d in Dialects if d.value)


def transpile(sql: str, dialect: str) -> str:
    """``sql`` in ``dialect`` rewritten as SQLite; raises if any part cannot be.

    Raises:
        UsageError: Unknown dialect name.
        DialectError: A parse error, or a construct SQLite has no equivalent for
            (the message names it); nothing is run.

    Example:
        >>> transpile("SELECT 'a' || 'b'::text", "postgres")
        "SELECT 'a' || CAST('b' AS TEXT)"
    """
    name = dialect.lower()
    if name == SQLITE:
        return sql
    names = available_dialects()
    if name not in names:
        raise UsageError(f"unknown dialect: {dialect}", hint=suggest(name, names))
    import sqlglot
    from sqlglot.errors import ErrorLevel, ParseError, UnsupportedError

    try:
        statements = sqlglot.transpile(
            sql, read=name, write=SQLITE, unsupported_level=ErrorLevel.RAISE
        )
    except ParseError as exc:
        raise DialectError(f"cannot parse {dialect} SQL: {_first_parse_error(exc)}") from None
    except UnsupportedError as exc:
        raise DialectError(
            f"cannot translate to SQLite: {exc}", hint="rewrite that part in SQLite's dialect"
        ) from None
    return ";\n".join(statements)


def _first_parse_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if errors:
        first = errors[0]
        where = (
            f" (line {first.get('line')}, column {first.get('col')})" if first.get("line") else ""
        )
        return f"{first.get('description', exc)}{where}"
    return str(exc).splitlines()[0]
