"""``zen shell``: an interactive SQL shell over :mod:`zen.api`.

The package is a front end: it opens a :class:`zen.api.Database` and talks to it
through the public API only. Modules, one concept each:

- :mod:`~zen.shell.app`: the prompt loop and the script runner (stdin not a terminal);
- :mod:`~zen.shell.prompt`, :mod:`~zen.shell.highlight`, :mod:`~zen.shell.history`:
  prompt_toolkit set up for SQL (multi-line, highlighting, persistent history);
- :mod:`~zen.shell.session` and :mod:`~zen.shell.settings`: one session's state;
- :mod:`~zen.shell.runner` and :mod:`~zen.shell.plans`: running statements, showing
  results, query plans and index advice;
- :mod:`~zen.shell.commands`: the dot-command table other modules plug into;
  ``dot_*``: the built-in dot-commands, one module per group;
- :mod:`~zen.shell.sqlcontext`, :mod:`~zen.shell.schema_cache`,
  :mod:`~zen.shell.completion`: clause-aware completion;
- :mod:`~zen.shell.render`, :mod:`~zen.shell.output`, :mod:`~zen.shell.pager`:
  result modes, output redirection and paging, all streamed.

Nothing heavy is imported here: ``import zen.shell`` is free, and prompt_toolkit
is imported only for an interactive session.
"""

from __future__ import annotations
