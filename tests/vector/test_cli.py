"""``zen vector`` commands, run in a subprocess against real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import zen
from tests.vector.conftest import DIM, clustered, fill

# The command group is run through a small app until zen/cli/app.py registers it.
RUNNER = """
import sys, typer
from zen.cli import vector
from zen.engine.errors import ZenError
app = typer.Typer()
@app.callback()
def _root() -> None: pass
vector.register(app)
try:
    app(sys.argv[1:], prog_name="zen", standalone_mode=False)
except ZenError as exc:
    print(exc.render(), file=sys.stderr)
    sys.exit(exc.exit_code)
"""


def zen_vector(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUNNER, "vector", *args], capture_output=True, text=True
    )


@pytest.fixture
def filled(docs_path: Path) -> Path:
    with zen.open(docs_path) as db:
        fill(db, clustered(300))
    return docs_path


def test_create_search_stats_compact_drop(filled: Path, tmp_path: Path) -> None:
    db = str(filled)
    done = zen_vector("create", "docs", "emb", "--dim", str(DIM), "--db", db, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"] == 300
    listed = json.loads(zen_vector("list", "--db", db, "--json").stdout)
    assert listed == [
        {"table": "docs", "column": "emb", "dim": DIM, "metric": "cosine", "trees": 16}
    ]
    query = clustered(1, seed=3)[0]
    found = zen_vector("search", "docs", "-q", json.dumps(query.tolist()), "-k", "4",
                       "--where", "lang = 'en'", "--db", db, "--json")  # fmt: skip
    hits = json.loads(found.stdout)
    assert len(hits) == 4 and {h["lang"] for h in hits} == {"en"}
    np.save(tmp_path / "q.npy", query)
    by_file = json.loads(zen_vector("search", "docs", "--query-file", str(tmp_path / "q.npy"),
                                    "-k", "3", "--db", db, "--json").stdout)  # fmt: skip
    like = json.loads(zen_vector("search", "docs", "--like", str(by_file[0]["rowid"]), "-k", "1",
                                 "--db", db, "--json").stdout)  # fmt: skip
    assert like[0]["rowid"] == by_file[0]["rowid"]
    stats = json.loads(zen_vector("compact", "docs", "--db", db, "--json").stdout)
    assert stats["segments"] == 1 and stats["buffer"] == 0
    assert zen_vector("drop", "docs", "--db", db).returncode == 0
    with zen.open(filled) as check:
        assert check.count("docs") == 300
        assert not check.sql("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'").scalar()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["search", "docs", "-q", "[1, 2]"], 2, "2 dimensions, expected 8"),
        (["search", "docs"], 2, "exactly one of --query"),
        (["search", "docs", "-q", "[1,1,1,1,1,1,1,1]", "--where", "1; select 2"], 2, "`;`"),
        (["search", "nope", "-q", "[1]"], 1, "no vector index on nope"),
        (["create", "docs", "emb", "--dim", "8", "--metric", "manhattan"], 2, "unknown metric"),
    ],
)
def test_mistakes_exit_with_a_message(filled: Path, args: list[str], code: int, message: str):
    zen_vector("create", "docs", "emb", "--dim", str(DIM), "--db", str(filled))
    done = zen_vector(*args, "--db", str(filled))
    assert done.returncode == code
    assert message in done.stderr and "Traceback" not in done.stderr


def test_vector_package_imports_neither_numpy_nor_annoy() -> None:
    code = (
        "import sys, zen.vector, zen.vector.sql, zen.vector.store, zen.cli.vector; "
        "print(sorted(m for m in ('numpy', 'annoy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_attach_registers_functions_without_importing_numpy(filled: Path) -> None:
    zen_vector("create", "docs", "emb", "--dim", str(DIM), "--db", str(filled))
    code = (
        "import sys, zen, zen.vector; db = zen.open(sys.argv[1]); "
        "assert zen.vector.attach(db.engine) is not None; "
        "print(db.sql('select count(*) from docs').scalar(), 'numpy' in sys.modules); "
        "print(db.sql(\"select count(*) from vec_search('docs', vec('[1,0,0,0,0,0,0,0]'), 3)\")"
        ".scalar(), 'numpy' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(filled)], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["300", "False", "3", "True"]
