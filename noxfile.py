"""Developer tasks: ``nox -s tests``, ``lint``, ``typecheck``, ``slow``, ``docs``, ``bench``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

# The plugins shipped in this repository are installed with the project's own setup.
PLUGINS = ("-e", "plugins/zen-mock", "-e", "plugins/zen-docs")


@nox.session
def tests(session: nox.Session) -> None:
    """The default (fast) test suite."""
    session.install("-e", ".[test]", *PLUGINS)
    session.run("pytest", *session.posargs)


@nox.session
def slow(session: nox.Session) -> None:
    """Long-running tests (crash harnesses, large data, the strict docs build)."""
    session.install("-e", ".[test,docs,bench]", *PLUGINS)
    session.run("pytest", "-m", "slow", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the docs site strictly; `nox -s docs -- serve` to preview."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", *(session.posargs or ["build", "--strict"]))


@nox.session
def lint(session: nox.Session) -> None:
    """ruff lint and format check."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package."""
    session.install("-e", ".[test]", *PLUGINS, "mypy>=1.10")
    session.run("mypy")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against peers measured in the same run; prints ratios."""
    session.install("-e", ".[bench]")
    session.run("python", "-m", "bench", *session.posargs)
