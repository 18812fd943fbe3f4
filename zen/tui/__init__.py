"""``zen tui``: a Textual app for query exploration, history and schema diffs.

Modules, one concept each (nothing is imported here, so ``import zen.tui`` is free):

- :mod:`~zen.tui.app`: the app, its four views and global keys;
- :mod:`~zen.tui.query_pane`: catalog, editor tabs, results grid, running queries;
- :mod:`~zen.tui.catalog`, :mod:`~zen.tui.editor`, :mod:`~zen.tui.grid`: its widgets;
- :mod:`~zen.tui.rows`: the lazily paged rows behind the grid (no Textual);
- :mod:`~zen.tui.export`: the grid's export, CSV to Parquet (no Textual);
- :mod:`~zen.tui.history_view`, :mod:`~zen.tui.diff_views`: history and diffs, over
  the models in :mod:`~zen.tui.history_graph` and :mod:`~zen.tui.diffs` (no Textual);
- :mod:`~zen.tui.screens`: help, confirmations, prompts, query history search;
- :mod:`~zen.tui.state`: tabs, settings and query history kept across restarts.
"""

from __future__ import annotations
