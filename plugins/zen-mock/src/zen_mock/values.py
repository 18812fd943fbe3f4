"""Value generators: realistic values picked from a column's name and type.

Faker is slow per call (tens of microseconds), so each kind of value (emails,
cities...) is drawn from a pool generated once per run, and rows pick from the
pool with one ``random.choices`` call per chunk. Uniqueness is enforced by
:class:`Unique`, which turns a repeated value into a variant (``ann.7@x.org``).

Example:
    >>> import random
    >>> from faker import Faker
    >>> pools = Pools(Faker(), random.Random(1), size=50)
    >>> gen = for_column("email", "TEXT", pools, Hints())
    >>> all("@" in value for value in gen.take(3))
    True
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from zen.engine.catalog import affinity

if TYPE_CHECKING:
    from faker import Faker

# 2015-01-01 .. 2026-01-01: recent enough to look real, fixed so seeds reproduce.
_START = 1420070400
_END = 1767225600


class Generator(Protocol):
    """Makes ``k`` values at a time."""

    def take(self, k: int) -> list[Any]:
        """The next ``k`` values."""
        ...


@dataclass
class Hints:
    """What a column's CHECK constraints say about its values (when simple enough).

    Attributes:
        choices: ``col IN (...)``: the only allowed values.
        low: Smallest allowed number (``col >= 1``, ``col BETWEEN 1 AND 5``).
        high: Largest allowed number.
        max_length: ``length(col) <= n``.
    """

    choices: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    max_length: int | None = None


class Pools:
    """Faker values made once per kind, shared by every column of that kind."""

    def __init__(self, faker: Faker, rng: random.Random, size: int) -> None:
        self.faker = faker
        self.rng = rng
        self.size = max(1, size)
        self._pools: dict[str, list[Any]] = {}

    def pool(self, kind: str) -> list[Any]:
        """The pool of ``kind`` values (a Faker provider name), made on first use."""
        if kind not in self._pools:
            self._pools[kind] = self._make(kind)
        return self._pools[kind]

    def _make(self, kind: str) -> list[Any]:
        if kind in _COMBINED:
            # Names and emails combine pools of parts: many distinct values, few Faker calls.
            combine = _COMBINED[kind]
            return [combine(self) for _ in range(self.size * 20)]
        if kind in _SPECIAL:
            make = _SPECIAL[kind]
            return [make(self.faker) for _ in range(self.size)]
        provider = getattr(self.faker, kind)
        return [provider() for _ in range(self.size)]

    def pick(self, kind: str) -> Any:
        """One value of ``kind`` (for combining pools)."""
        return self.rng.choice(self.pool(kind))


def _sentence(faker: Faker) -> str:
    return str(faker.sentence(nb_words=5)).rstrip(".")


def _ascii(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _email(pools: Pools) -> str:
    first, last = _ascii(pools.pick("first_name")), _ascii(pools.pick("last_name"))
    return f"{first}.{last}@{pools.pick('free_email_domain')}"


_SPECIAL: dict[str, Callable[[Faker], Any]] = {
    "title": _sentence,
    "paragraph": lambda f: f.paragraph(nb_sentences=2),
    "sku": lambda f: f.bothify("??-#####").upper(),
    "time": lambda f: f.time(),
}
_COMBINED: dict[str, Callable[[Pools], Any]] = {
    "name": lambda p: f"{p.pick('first_name')} {p.pick('last_name')}",
    "email": _email,
    "user_name": lambda p: f"{_ascii(p.pick('first_name'))}{p.rng.randrange(1, 1000)}",
}


@dataclass
class Choice:
    """Values picked at random from a fixed list."""

    values: Sequence[Any]
    rng: random.Random

    def take(self, k: int) -> list[Any]:
        """``k`` picks (with repeats)."""
        return self.rng.choices(self.values, k=k)


@dataclass
class Integers:
    """Integers in ``[low, high]``."""

    low: int
    high: int
    rng: random.Random

    def take(self, k: int) -> list[Any]:
        """``k`` integers."""
        return self.rng.choices(range(self.low, self.high + 1), k=k)


@dataclass
class Reals:
    """Floats in ``[low, high]`` rounded to ``digits``."""

    low: float
    high: float
    rng: random.Random
    digits: int = 2

    def take(self, k: int) -> list[Any]:
        """``k`` floats."""
        span, low, rnd = self.high - self.low, self.low, self.rng.random
        return [round(low + span * rnd(), self.digits) for _ in range(k)]


@dataclass
class Moments:
    """Timestamps between 2015 and 2026 as ISO text, dates, or Unix seconds."""

    shape: str  # "datetime", "date" or "epoch"
    rng: random.Random

    def take(self, k: int) -> list[Any]:
        """``k`` moments."""
        if self.shape == "epoch":
            return self.rng.choices(range(_START, _END), k=k)
        days = self.rng.choices(_days(), k=k)
        if self.shape == "date":
            return days
        # Formatting from a table of days and of times of day is 5x faster than strftime.
        times = self.rng.choices(_times(), k=k)
        return [f"{day} {moment}" for day, moment in zip(days, times, strict=True)]


@cache
def _days() -> list[str]:
    first = datetime.fromtimestamp(_START, UTC).date()
    count = (_END - _START) // 86400
    return [(first + timedelta(days=n)).isoformat() for n in range(count)]


@cache
def _times() -> list[str]:
    return [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]


@dataclass
class Blobs:
    """Random bytes."""

    rng: random.Random
    size: int = 16

    def take(self, k: int) -> list[Any]:
        """``k`` blobs."""
        return [self.rng.randbytes(self.size) for _ in range(k)]


@dataclass
class Uuids:
    """Random UUIDs (from the seeded generator, so runs reproduce)."""

    rng: random.Random

    def take(self, k: int) -> list[Any]:
        """``k`` UUID strings."""
        return [str(uuid.UUID(int=self.rng.getrandbits(128), version=4)) for _ in range(k)]


@dataclass
class Truncated:
    """Another generator's text cut to ``length`` characters (``length(col) <= n``)."""

    inner: Generator
    length: int

    def take(self, k: int) -> list[Any]:
        """``k`` values, text ones truncated."""
        n = self.length
        return [v[:n] if isinstance(v, str) else v for v in self.inner.take(k)]


class Unique:
    """Another generator's values, never repeating one already used.

    A repeat becomes a variant: ``x`` -> ``x-2``, ``a@b.org`` -> ``a.2@b.org``,
    an integer -> the next unused one.
    """

    def __init__(self, inner: Generator, seen: set[Any] | None = None) -> None:
        self.inner = inner
        self.seen: set[Any] = set(seen or ())
        self._serial = 1
        self._top: int | None = None  # largest integer handed out, for integer variants

    def take(self, k: int) -> list[Any]:
        """``k`` values, none seen before."""
        out = []
        for value in self.inner.take(k):
            while value in self.seen or value is None:
                value = self._variant(value)
            self.seen.add(value)
            out.append(value)
        return out

    def _variant(self, value: Any) -> Any:
        self._serial += 1
        if isinstance(value, bool) or value is None:
            return self._serial
        if isinstance(value, int):
            if self._top is None:
                ints = [v for v in self.seen if isinstance(v, int)]
                self._top = max(ints, default=value)
            self._top = max(self._top, value) + 1
            return self._top
        if isinstance(value, float):
            return value + self._serial / 1000
        if isinstance(value, bytes):
            return value + self._serial.to_bytes(4, "big")
        text = str(value)
        local, at, domain = text.partition("@")
        return f"{local}.{self._serial}@{domain}" if at else f"{text}-{self._serial}"


# -- choosing a generator -----------------------------------------------------------

# (name pattern, faker pool or special kind); first match wins, on word parts of the name.
_TEXT_KINDS: tuple[tuple[str, str], ...] = (
    (r"e_?mail", "email"),
    (r"user_?name|login|handle|nick", "user_name"),
    (r"first_?name|given_?name|forename", "first_name"),
    (r"last_?name|surname|family_?name", "last_name"),
    (r"(full_?|display_?|customer_?|contact_?)?name|author|owner", "name"),
    (r"city|town", "city"),
    (r"country_?code", "country_code"),
    (r"country|nation", "country"),
    (r"state|province|region", "state"),
    (r"address|street", "street_address"),
    (r"zip|post_?code|postal", "postcode"),
    (r"phone|mobile|tel|fax", "phone_number"),
    (r"company|organi[sz]ation|employer|vendor|supplier", "company"),
    (r"job|occupation|profession|position", "job"),
    (r"url|website|homepage|link|href", "url"),
    (r"domain|host", "domain_name"),
    (r"ip(_?address)?|ipv4", "ipv4"),
    (r"colou?r", "color_name"),
    (r"currency", "currency_code"),
    (r"lang(uage)?|locale", "language_code"),
    (r"title|subject|headline|caption|heading", "title"),
    (r"description|body|bio|summary|comment|content|text|notes?|message|details", "paragraph"),
    (r"slug", "slug"),
    (r"sku|code|ref(erence)?", "sku"),
    (r"password|hash|token|secret", "sha256"),
    (r"time", "time"),
    (r"tag|label|category|kind|type|status|word|keyword", "word"),
)
_MOMENT = re.compile(r"(_at|_on|_date|date|time|timestamp|created|updated|modified|deleted)$")
_DATE_ONLY = re.compile(r"(_on|date|birthday|dob)$")
# (name pattern, low, high, decimals or None for integers)
_NUMBERS: tuple[tuple[str, float, float, int | None], ...] = (
    (r"lat(itude)?", -90, 90, 6),
    (r"lng|lon(gitude)?", -180, 180, 6),
    (r"age", 18, 90, None),
    (r"year", 1970, 2026, None),
    (r"price|amount|total|cost|balance|salary|fee|revenue|budget", 1, 1000, 2),
    (r"quantity|qty|count|num|number|size|stock", 1, 20, None),
    (r"rating|score|stars|rank|priority|level", 1, 5, None),
    (r"percent|pct|ratio", 0, 100, 1),
    (r"weight|height|width|length|depth|duration", 1, 200, 1),
)
_BOOLEAN = re.compile(r"^(is|has|can|should|allow)_|(active|enabled|verified|flag|deleted)$")


def for_column(name: str, declared: str, pools: Pools, hints: Hints) -> Generator:
    """The generator for a column, from its CHECK hints, name and declared type."""
    rng = pools.rng
    if hints.choices:
        return Choice(hints.choices, rng)
    words = re.sub(r"\W+", "_", name.lower()).strip("_")  # "e-mail" -> "e_mail"
    gen = _by_name(words, declared, pools, hints) or _by_type(declared, pools, hints)
    if hints.max_length is not None:
        return Truncated(gen, hints.max_length)
    return gen


def _by_name(name: str, declared: str, pools: Pools, hints: Hints) -> Generator | None:
    kind = affinity(declared)
    upper = declared.upper()
    if _BOOLEAN.search(name) or "BOOL" in upper:
        return Choice((0, 1), pools.rng)
    if kind != "TEXT" and (numeric := _number(name, kind, pools.rng, hints)) is not None:
        return numeric
    if _MOMENT.search(name) or "DATE" in upper or "TIME" in upper:
        return _moment(name, kind, upper, pools.rng)
    if re.search(r"uuid|guid", name) or (kind != "INTEGER" and re.search(r"(^|_)id$", name)):
        return Uuids(pools.rng)
    if kind in ("TEXT", "BLOB", "NUMERIC") and not _is_number_type(upper):
        for pattern, pool in _TEXT_KINDS:
            if re.search(rf"(^|_)({pattern})($|_)", name):
                return Choice(pools.pool(pool), pools.rng)
    return None


def _is_number_type(upper: str) -> bool:
    return any(word in upper for word in ("NUM", "DEC", "REAL", "FLOA", "DOUB"))


def _number(name: str, kind: str, rng: random.Random, hints: Hints) -> Generator | None:
    for pattern, low, high, digits in _NUMBERS:
        if re.search(rf"(^|_)({pattern})($|_)", name):
            return _ranged(low, high, digits if kind != "INTEGER" else None, rng, hints)
    return None


def _moment(name: str, kind: str, upper: str, rng: random.Random) -> Generator:
    if kind == "INTEGER" or (kind == "REAL" and "DATE" not in upper):
        return Moments("epoch", rng)
    date_only = bool(_DATE_ONLY.search(name)) or (upper == "DATE")
    return Moments("date" if date_only else "datetime", rng)


def _ranged(
    low: float, high: float, digits: int | None, rng: random.Random, hints: Hints
) -> Generator:
    low = max(low, hints.low) if hints.low is not None else low
    high = min(high, hints.high) if hints.high is not None else high
    if low > high:  # the name's usual range misses the CHECK's: trust the CHECK
        low = hints.low if hints.low is not None else high - 100
        high = hints.high if hints.high is not None else low + 100
    if digits is None:
        return Integers(int(-(-low // 1)), int(high // 1), rng)
    return Reals(low, high, rng, digits)


def _by_type(declared: str, pools: Pools, hints: Hints) -> Generator:
    kind = affinity(declared)
    rng = pools.rng
    if kind == "INTEGER":
        return _ranged(0, 10_000, None, rng, hints)
    if kind in ("REAL", "NUMERIC"):
        return _ranged(0, 1000, 2, rng, hints)
    if kind == "BLOB" and declared:
        return Blobs(rng)
    return Choice(pools.pool("word"), rng)
