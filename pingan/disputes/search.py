"""Substring search on disputes backed by a token table that both SQLite and PostgreSQL index.

A search is `search_text LIKE '%q%'` (Dispute.search_text: title, facts, party names, numbers,
case-folded; never ID numbers or phones). Chinese has no word boundaries and a two-character word
has no trigram, so PostgreSQL's pg_trgm cannot serve the most common searches (邻里, 欠薪) and
both databases scan every row. SearchToken holds, for each dispute, every character bigram of
its search text (the last character paired with "\\0", so every character starts a bigram) and
every trigram of ASCII letters and digits (numbers: a digit bigram is in most disputes, a digit
trigram in few). A search then reads only the disputes holding the query's tokens:

- one character: bigrams starting with it (a range of token values), exact;
- two characters: that bigram, exact;
- longer: the rarest two of its tokens narrow the rows, and the LIKE on them keeps the result
  exactly that of the plain substring match.

When the search is a list's only condition, its count comes from the tokens too (counter()).

Tokens are integers (code points packed into a bigint): compact, no collation, a range for the
one-character case. Whoever writes search_text calls index() (services, intake, bulk, the
benchmark's seeding); migration 0009 fills the table for existing disputes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.db import connection
from django.db.models import Exists, OuterRef, Q

from .models import Dispute, SearchToken

_K = 0x110000  # one past the largest code point
_ALNUM = frozenset("0123456789abcdefghijklmnopqrstuvwxyz")
# Tokens of a long query used to narrow the rows (the LIKE does the rest): the rarest ones.
_NARROW = 2
# A token held by more disputes than this counts as common when choosing the rarest.
_PROBE_CAP = 2000


def _bigram(a: str, b: str) -> int:
    return ord(a) * _K + ord(b)


def _trigram(a: str, b: str, c: str) -> int:
    # Negative: apart from every bigram.
    return -1 - ((ord(a) * 128 + ord(b)) * 128 + ord(c))


def tokens(text: str) -> set[int]:
    """The tokens of a (case-folded) search text."""
    out = {_bigram(a, b) for a, b in zip(text, text[1:] + "\0", strict=True)}
    out.update(_trigram(a, b, c) for a, b, c in zip(text, text[1:], text[2:], strict=False)
               if a in _ALNUM and b in _ALNUM and c in _ALNUM)
    return out


def _query_tokens(q: str) -> set[int]:
    """Tokens every text containing q (three characters or more) holds: trigrams of its letters
    and digits, and bigrams of its other characters; bigrams mixing an ASCII character in only
    when there is nothing else (a query like "a b")."""
    tri = {_trigram(a, b, c) for a, b, c in zip(q, q[1:], q[2:], strict=False)
           if a in _ALNUM and b in _ALNUM and c in _ALNUM}
    wide = {_bigram(a, b) for a, b in zip(q, q[1:], strict=False) if not a.isascii() and not b.isascii()}
    return (tri | wide) or {_bigram(a, b) for a, b in zip(q, q[1:], strict=False)}


def _ranges(q: str) -> list[tuple[int, int]]:
    """The token ranges [lo, hi) a text containing q holds one of each of."""
    if len(q) == 1:
        start = ord(q) * _K
        return [(start, start + _K)]
    tokens = {_bigram(q[0], q[1])} if len(q) == 2 else _query_tokens(q)
    return [(t, t + 1) for t in sorted(tokens)]


def _postings(ranges: list[tuple[int, int]]) -> list[int]:
    """How many tokens each range holds, counted up to _PROBE_CAP (a common token costs a
    bounded index read): one query."""
    table = SearchToken._meta.db_table
    # Only our table name and integers are formatted in; the bounds are parameters.
    sql = " UNION ALL ".join(
        f"SELECT {i}, (SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE token >= %s AND token < %s "  # noqa: S608
        f"LIMIT {_PROBE_CAP}) t)" for i in range(len(ranges)))
    with connection.cursor() as cur:
        cur.execute(sql, [bound for r in ranges for bound in r])
        counts = dict(cur.fetchall())
    return [counts[i] for i in range(len(ranges))]


def match_q(q: str) -> Q:
    """Disputes whose search text contains q (case-folded, not empty): the same rows as
    Q(search_text__contains=q), read through the token table.

    The tokens' postings are counted first (one bounded query) to pick the join: rare ones drive
    (the disputes holding them, then their rows); the token of a short query held by many
    disputes is probed per dispute while the list walks its received_at order (SQLite otherwise reads and sorts every match: 邻里 at
    100k 100 → 38 ms; PostgreSQL plans both forms alike)."""
    ranges = _ranges(q)
    counts = _postings(ranges) if len(ranges) > _NARROW or len(q) <= 2 else [0] * len(ranges)
    rarest = sorted(range(len(ranges)), key=lambda i: (counts[i], i))[:_NARROW]
    # Only a one- or two-character query (its token is the match): for longer ones two common
    # tokens may still meet in few disputes, which walking the whole list would not find fast.
    common = len(q) <= 2 and counts[rarest[0]] >= _PROBE_CAP
    conds: list[Q | Exists] = [Q(search_text__contains=q)] if len(q) > 2 else []
    for i in rarest:
        lo, hi = ranges[i]
        rows = SearchToken.objects.filter(Q(token=lo) if hi == lo + 1 else Q(token__gte=lo, token__lt=hi))
        conds.append(Exists(rows.filter(dispute_id=OuterRef("pk"))) if common
                     else Q(pk__in=rows.values("dispute_id")))
    return Q(*conds)


def counter(q: str) -> Callable[[], int] | None:
    """For a one- or two-character query, the number of disputes holding it read from the token
    table alone (None for longer ones, which the LIKE decides). For a search with no other
    condition: counting through the disputes costs a probe per match (邻里 at 1M: 77k probes,
    150 ms; the postings alone: 10 ms)."""
    if len(q) == 1:
        start = ord(q) * _K
        return SearchToken.objects.filter(token__gte=start, token__lt=start + _K).values("dispute_id").distinct().count
    if len(q) == 2:
        return SearchToken.objects.filter(token=_bigram(q[0], q[1])).count
    return None


def index(disputes: Sequence[Dispute], *, new: bool = False) -> None:
    """Write the tokens of the disputes' search_text (already set and saved), replacing what they
    had unless `new` (just inserted: nothing to replace)."""
    if not new:
        SearchToken.objects.filter(dispute__in=[d.pk for d in disputes]).delete()
    write((d.pk, d.search_text) for d in disputes)


def write(texts: Iterable[tuple[int, str]]) -> None:
    """Insert the tokens of (dispute id, search text) pairs: COPY on PostgreSQL, one executemany
    elsewhere (a dispute has tens to hundreds of tokens; bulk_create would need a statement per
    few hundred rows)."""
    table = SearchToken._meta.db_table
    params = [(t, pk) for pk, text in texts for t in tokens(text)]
    if not params:
        return
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.copy(f"COPY {table} (token, dispute_id) FROM STDIN") as copy:
                for row in params:
                    copy.write_row(row)
        else:
            cur.executemany(f"INSERT INTO {table} (token, dispute_id) VALUES (%s, %s)", params)  # noqa: S608
