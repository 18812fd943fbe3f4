"""Benchmarks that measure zen against its peers in the same run and print ratios.

Run them from the repository root (``nox -s bench`` does)::

    python -m bench                    # every suite
    python -m bench foundation         # one suite
    python -m bench foundation.import  # one case of a suite
    python -m bench --quick            # small sizes: a smoke run

A suite is any module in this package whose name does not start with ``_`` and
which defines ``SUITE = Suite(...)`` (see :mod:`bench._harness`). Results are
printed as a table and written as JSON to ``bench/results/<suite>.json``.
"""

from __future__ import annotations
