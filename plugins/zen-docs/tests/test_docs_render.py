"""The documentation model and its Markdown and HTML renderings, on real SQLite files."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from docs_helpers import SCHEMAS, check_er_grammar, mermaid_block, schema_db
from zen_docs import document
from zen_docs.model import SchemaDoc, describe

import zen
from zen.engine.errors import UsageError


def _doc(path: Path) -> SchemaDoc:
    with zen.open(path) as db:
        return describe(db, notes={"orders": "From the schema file."})


def test_model_reads_columns_keys_indexes_counts_and_comments(shop: Path) -> None:
    doc = _doc(shop)
    tables = {t.name: t for t in doc.tables}
    assert list(tables) == sorted(tables, key=str.lower)
    customers = tables["customers"]
    assert (customers.comment, customers.rows) == ("Registered customers.", 2)
    email = customers.columns[1]
    assert (email.name, email.not_null, email.unique, email.comment) == (
        "email", True, True, "Login e-mail, lower-cased.",
    )  # fmt: skip
    assert tables["orders"].comment == "From the schema file."
    price = tables["products"].columns[2]
    assert price.checks == ("CHECK (price > 0)",) and price.comment == "Unit price in euros."
    assert tables["order_items"].options == ("WITHOUT ROWID",)
    assert tables["order_items"].constraints == ["PRIMARY KEY (order_id, product_id)"]
    indexes = {ix.name: ix for ix in tables["orders"].indexes}
    assert (indexes["orders_by_status"].unique, indexes["orders_by_status"].origin) == (
        False,
        "index",
    )
    assert (indexes["orders_coupon"].unique, indexes["orders_coupon"].partial) == (True, True)
    assert doc.views[0][0] == "paid_orders" and doc.triggers == [("stock_down", "order_items")]


@pytest.mark.parametrize(
    ("table", "parent", "optional", "one_to_one", "identifying"),
    [
        ("orders", "customers", False, False, False),
        ("order_items", "orders", False, False, True),
        ("profiles", "customers", False, True, True),
        ("categories", "categories", True, False, False),
    ],
)
def test_foreign_key_cardinalities(
    shop: Path, table: str, parent: str, optional: bool, one_to_one: bool, identifying: bool
) -> None:
    tables = {t.name: t for t in _doc(shop).tables}
    fk = next(fk for fk in tables[table].foreign_keys if fk.parent == parent)
    assert (fk.optional, fk.one_to_one, fk.identifying) == (optional, one_to_one, identifying)


def test_markdown_has_a_section_per_table_and_a_diagram(shop: Path) -> None:
    with zen.open(shop) as db:
        text = document(db, schema_text=(SCHEMAS / "shop.sql").read_text())
    names = [t for (t,) in zen.open(shop).sql("select name from sqlite_schema where type='table'")]
    for name in names:
        assert f"\n### {name}\n" in text
        assert f"[{name}](#table-{name})" in text
    assert "| `email` | TEXT | NOT NULL, UNIQUE | Login e-mail, lower-cased. |" in text
    assert "| `customer_id` | INTEGER | NOT NULL, FK → customers.id |  |" in text
    assert "- [products](#table-products) — What we sell." in text  # from the schema file
    assert "Rows: 2" in text and "## Views" in text and "`stock_down` on `order_items`" in text
    diagram = mermaid_block(text)
    assert check_er_grammar(diagram) == []
    assert '    customers ||..o{ orders : "customer_id"' in diagram
    assert '    customers ||--o| profiles : "customer_id"' in diagram
    assert '    categories |o..o{ categories : "parent_id"' in diagram


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.resources: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = dict(attrs)
        self.tags.add(tag)
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "href" in values:
            self.links.append(values["href"])
        self.resources += [values[a] for a in ("src",) if a in values]
        if tag not in {"meta", "br", "hr", "img", "link", "input"}:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)
        self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (tag, self.open[-5:])
        self.open.pop()


def test_html_is_one_self_contained_well_formed_page(shop: Path) -> None:
    with zen.open(shop) as db:
        page = document(db, format="html")
    parser = _Collector()
    parser.feed(page)
    assert parser.open == []
    assert not parser.tags & {"script", "link", "img", "iframe"} and parser.resources == []
    anchors = [link[1:] for link in parser.links if link.startswith("#")]
    assert anchors and set(anchors) <= parser.ids
    svg = re.search(r"<svg.*?</svg>", page, re.DOTALL)
    assert svg is not None
    tree = ET.fromstring(svg.group(0))
    boxes = tree.findall("{http://www.w3.org/2000/svg}g")
    assert len(boxes) == 6
    assert "<p>Registered customers.</p>" in page


@pytest.mark.parametrize("schema", sorted(p.name for p in SCHEMAS.glob("*.sql")))
def test_every_fixture_renders_in_both_formats(tmp_path: Path, schema: str) -> None:
    path = schema_db(tmp_path / "db.sqlite", schema)
    with zen.open(path) as db:
        text = document(db)
        page = document(db, format="html")
        count = len(db.tables(views=False))
    assert check_er_grammar(mermaid_block(text)) == []
    assert text.count('<a id="table-') == count
    ET.fromstring(re.search(r"<svg.*?</svg>", page, re.DOTALL).group(0))


def test_unknown_format_is_a_usage_error(shop: Path) -> None:
    with zen.open(shop) as db, pytest.raises(UsageError, match="unknown format: pdf"):
        document(db, format="pdf")
