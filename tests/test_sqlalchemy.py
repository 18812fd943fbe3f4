"""zen.sqlalchemy: SQLAlchemy Core and ORM over ``zen:///path``, with history capture."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    exc,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import registry
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

import zen.api
from zen import dbapi
from zen.sqlalchemy import ZenDialect

# What the sqlalchemy.dialects entry point declares, registered here for the tests.
registry.register("zen", "zen.sqlalchemy", "ZenDialect")
registry.register("sqlite.zen", "zen.sqlalchemy", "ZenDialect")


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    posts: Mapped[list[Post]] = relationship(back_populates="author", cascade="all, delete-orphan")


class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str]
    author: Mapped[User] = relationship(back_populates="posts")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """An empty database with history on (a commit per transaction)."""
    path = tmp_path / "app.db"
    zen.api.init(path, project=False)
    return path


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    made = create_engine(f"zen:///{db_path}")
    yield made
    made.dispose()


def _log(path: Path) -> list[str]:
    with zen.api.open(path) as db:
        return [entry.commit.message for entry in db.history.log()]


def _names(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(User.name).order_by(User.id)))


def test_the_engine_uses_zen(engine: Engine) -> None:
    assert isinstance(engine.dialect, ZenDialect)
    assert engine.dialect.dbapi is dbapi
    assert engine.dialect.name == "sqlite"  # SQLite's SQL, types and reflection
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert isinstance(raw, dbapi.Connection)
        assert conn.execute(text("select sqlite_version()")).scalar() == dbapi.sqlite_version


def test_sqlite_plus_zen_url(db_path: Path) -> None:
    engine = create_engine(f"sqlite+zen:///{db_path}")
    assert isinstance(engine.dialect, ZenDialect)
    with engine.connect() as conn:
        assert conn.execute(text("select 6 * 7")).scalar() == 42
    engine.dispose()


def test_core_crud(engine: Engine) -> None:
    metadata = MetaData()
    items = Table(
        "items",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(20), nullable=False),
        Column("qty", Integer),
    )
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(items), [{"name": "a", "qty": 1}, {"name": "b", "qty": 2}])
        conn.execute(insert(items).values(name="c", qty=3))
    with engine.begin() as conn:
        assert conn.execute(update(items).where(items.c.qty >= 2).values(qty=0)).rowcount == 2
        assert conn.execute(delete(items).where(items.c.name == "a")).rowcount == 1
    with engine.connect() as conn:
        rows = conn.execute(select(items.c.name, items.c.qty).order_by(items.c.id)).all()
    assert [tuple(row) for row in rows] == [("b", 0), ("c", 0)]


def test_create_all_is_one_history_record(engine: Engine, db_path: Path) -> None:
    before = len(_log(db_path))
    Base.metadata.create_all(engine)
    messages = _log(db_path)
    assert len(messages) == before + 1
    assert messages[0].startswith("CREATE TABLE")
    assert "(+1 more)" in messages[0]  # both tables, one transaction


def test_orm_each_session_commit_is_one_history_record(engine: Engine, db_path: Path) -> None:
    Base.metadata.create_all(engine)
    start = len(_log(db_path))
    with Session(engine) as session:
        session.add_all([User(name="ada", posts=[Post(title="p1"), Post(title="p2")])])
        session.add(User(name="linus"))
        session.commit()
        assert len(_log(db_path)) == start + 1
        ada = session.scalars(select(User).where(User.name == "ada")).one()
        ada.name = "ada lovelace"
        session.delete(session.scalars(select(User).where(User.name == "linus")).one())
        session.commit()
        assert len(_log(db_path)) == start + 2
        assert [p.title for p in ada.posts] == ["p1", "p2"]
    assert _names(engine) == ["ada lovelace"]
    with zen.api.open(db_path) as db:
        diff = db.history.diff("HEAD~1", "HEAD")
        assert {t.table: (t.added, t.removed, t.changed) for t in diff.tables} == {
            "users": (0, 1, 1)
        }


def test_orm_rollback_records_nothing(engine: Engine, db_path: Path) -> None:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(User(name="kept"))
        session.commit()
        count = len(_log(db_path))
        session.add(User(name="dropped"))
        session.flush()
        session.rollback()
    assert _names(engine) == ["kept"]
    assert len(_log(db_path)) == count


def test_orm_nested_transaction_savepoint(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(User(name="outer"))
        with pytest.raises(exc.IntegrityError), session.begin_nested():
            session.add(User(name="outer"))  # duplicate: only the savepoint rolls back
        session.add(User(name="after"))
        session.commit()
    assert _names(engine) == ["outer", "after"]


def test_savepoint_first_is_nested_in_a_real_transaction(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        with session.begin_nested():  # the stock driver would commit at its RELEASE
            session.add(User(name="inner"))
        session.rollback()
    assert _names(engine) == []


def test_ddl_rolls_back_with_its_transaction(engine: Engine, db_path: Path) -> None:
    before = len(_log(db_path))
    with pytest.raises(RuntimeError), engine.begin() as conn:
        Base.metadata.create_all(conn)
        raise RuntimeError("undo")
    with engine.connect() as conn:
        tables = conn.execute(text("select name from sqlite_schema where type = 'table'"))
        assert not {"users", "posts"} & {row[0] for row in tables}
    assert len(_log(db_path)) == before


def test_integrity_error_is_wrapped(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    with pytest.raises(exc.IntegrityError) as caught, Session(engine) as session:
        session.add_all([User(name="twin"), User(name="twin")])
        session.commit()
    assert isinstance(caught.value.orig, dbapi.IntegrityError)


def test_autocommit_isolation_level(engine: Engine, db_path: Path) -> None:
    Base.metadata.create_all(engine)
    before = len(_log(db_path))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("insert into users(name) values ('a1')"))
        conn.execute(text("insert into users(name) values ('a2')"))
    assert len(_log(db_path)) == before + 2
    assert _names(engine) == ["a1", "a2"]


def test_url_options(db_path: Path) -> None:
    reader = create_engine(f"zen:///{db_path}?read_only=true&timeout=0.5")
    with reader.connect() as conn:
        conn.execute(text("select 1")).scalar()
        with pytest.raises(exc.OperationalError):
            conn.execute(text("create table nope(x)"))
    reader.dispose()
    with pytest.raises(exc.ArgumentError, match="unknown zen URL option"):
        create_engine(f"zen:///{db_path}?colour=blue").connect()
    with pytest.raises(exc.ArgumentError):
        create_engine("zen://user@host/app.db").connect()


def test_zen_works_without_sqlalchemy() -> None:
    code = (
        "import sys; sys.modules['sqlalchemy'] = None\n"
        "import zen, zen.dbapi\n"
        "conn = zen.dbapi.connect(':memory:')\n"
        "assert conn.execute('select 1').fetchone() == (1,)\n"
        "try:\n"
        "    import zen.sqlalchemy\n"
        "except ImportError:\n"
        "    print('optional')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "optional"


def test_pooled_connections_in_threads_record_every_transaction(
    engine: Engine, db_path: Path
) -> None:
    Base.metadata.create_all(engine)
    before = len(_log(db_path))

    def work(worker: int) -> None:
        for n in range(5):
            with Session(engine) as session:
                # Read, then write: the write waits for the lock instead of failing.
                session.scalars(select(User.name)).all()
                session.add(User(name=f"w{worker}-{n}"))
                session.commit()

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(_names(engine)) == 15
    assert len(_log(db_path)) == before + 15
