"""Worker for the kill -9 test: writes, rewinds and collects garbage forever.

After every operation that committed it prints ``ok HEAD-ID`` (flushed), so the
parent knows which commits must survive a kill at any moment.
"""

from __future__ import annotations

import random
import sys

from zen.history import History
from zen.history.errors import RefNotFoundError


def main(path: str, seed: int) -> None:
    history = History.open(path)
    engine = history.engine
    rng = random.Random(seed)
    serial = 0
    while True:
        serial += 1
        roll = rng.random()
        if roll < 0.55:
            engine.script(
                "UPDATE counter SET n = n + 1;"
                f"INSERT INTO items(v, pad) VALUES ({rng.randint(0, 999)}, randomblob(200));"
                f"DELETE FROM items WHERE id % 17 = {rng.randint(0, 16)}"
                " AND id < (SELECT max(id) - 50 FROM items)"
            )
        elif roll < 0.65:
            engine.script(
                f"CREATE TABLE scratch_{seed}_{serial}(x);"
                f"INSERT INTO scratch_{seed}_{serial} VALUES (1)"
            )
        elif roll < 0.72:
            found = engine.query("SELECT name FROM sqlite_schema WHERE name LIKE 'scratch%'")
            names = [n for (n,) in found]
            if names:
                engine.script(
                    f'ALTER TABLE "{names[0]}" ADD COLUMN y{seed}_{serial} DEFAULT 2;'
                    f'DROP TABLE "{names[-1]}"'
                )
        elif roll < 0.9:
            try:
                history.rewind(f"HEAD~{rng.randint(1, 3)}")
            except RefNotFoundError:
                continue  # history is still shorter than that
        elif roll < 0.95:
            history.gc("0")
        else:
            history.tag(f"t{seed}_{serial}")
        print("ok", history.log(n=1)[0].commit.id, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
