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
- longer: the rarest few of its tokens narrow the rows, and the LIKE on them keeps the result
  exactly that of the plain substring match.

When the search is a list's only condition, its count comes from the tokens too (counter()).

Tokens are integers (code points packed into a bigint): compact, no collation, a range for the
one-character case. Whoever writes search_text calls index() (services, intake, bulk, the
benchmark's seeding); migration 0009 fills the table for existing disputes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.db import connection
from django.db.models import Q

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


def _holding(condition: Q):
    return SearchToken.objects.filter(condition).values("dispute_id")


def _rarest(candidates: set[int]) -> list[int]:
    """The query's rarest tokens, by how many disputes hold each (counted up to _PROBE_CAP, so
    a common token costs a bounded index read): one query."""
    if len(candidates) <= _NARROW:
        return sorted(candidates)
    ordered = sorted(candidates)
    table = SearchToken._meta.db_table
    # Only our table name and integers are formatted in; the tokens are parameters.
    sql = " UNION ALL ".join(
        f"SELECT {i}, (SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE token = %s LIMIT {_PROBE_CAP}) t)"  # noqa: S608
        for i in range(len(ordered)))
    with connection.cursor() as cur:
        cur.execute(sql, ordered)
        counts = dict(cur.fetchall())
    ranked = sorted(range(len(ordered)), key=lambda i: (counts[i], i))
    return [ordered[i] for i in ranked[:_NARROW]]


def match_q(q: str) -> Q:
    """Disputes whose search text contains q (case-folded, not empty): the same rows as
    Q(search_text__contains=q), read through the token table."""
    if len(q) == 1:
        start = ord(q) * _K
        return Q(pk__in=_holding(Q(token__gte=start, token__lt=start + _K)))
    if len(q) == 2:
        return Q(pk__in=_holding(Q(token=_bigram(q[0], q[1]))))
    cond = Q(search_text__contains=q)
    for token in _rarest(_query_tokens(q)):
        cond &= Q(pk__in=_holding(Q(token=token)))
    return cond


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
