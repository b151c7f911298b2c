"""Dedupe rules: when is a newly cleaned page an article the portal already has?

In order: one of its URLs (canonical form, portalnews.registry.urls) is already an article's; its
body has the same fingerprint (the comparison form of the text, so spacing, case, punctuation and
tone-mark placement do not count); or it has the same title and a near-identical trafilatura Simhash
(a changed byline or footer line). A new rule is one more step in `find_existing`, which works on the
candidates `candidates` fetched for a whole batch of pages at once.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from trafilatura.deduplication import Simhash, sample_tokens

from portalnews.vietnamese.text import dedupe_form

NEAR_DUPLICATE_SIMILARITY = 0.95


def fingerprint(body: str) -> str:
    return fingerprint_of_form(dedupe_form(body))


def fingerprint_of_form(form: str) -> str:
    """`fingerprint` of a body already in its dedupe form (the load stage computes that once)."""
    return hashlib.sha256(form.encode("utf-8")).hexdigest()


def simhash(body: str) -> Simhash:
    return simhash_of_form(dedupe_form(body))


SIMHASH_BITS = 64  # trafilatura's Simhash length
_BYTE_SPREAD_WIDTH = 16  # bits per counter: room for 65,535 tokens (a longer text: the library computes it)


# For each byte value, its 8 bits each moved to the bottom of its own counter.
_BYTE_SPREADS = tuple(sum(1 << (bit * _BYTE_SPREAD_WIDTH) for bit in range(8) if value >> bit & 1)
                      for value in range(256))


@lru_cache(maxsize=2**13)  # 8,192 frequent tokens, 1 MiB
def _token_spread(token: str) -> int:
    """The token's 64 hash bits (trafilatura's: blake2b, 8 bytes, big-endian) as 64 one-bit counters."""
    digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
    # digest[-1] holds bits 0-7 of the big-endian value, digest[0] bits 56-63
    return sum(_BYTE_SPREADS[byte] << (8 * _BYTE_SPREAD_WIDTH * position)
               for position, byte in enumerate(reversed(digest)))


def simhash_of_form(form: str) -> Simhash:
    """trafilatura's `Simhash(form)`, the same value, at a fifth of the cost: its 64 counters (+1 for a
    token whose hash bit is set, -1 otherwise) held in one big integer, one addition per distinct token
    instead of 64 list additions per token. Bit i is set when counter i >= 0, i.e. when at least half
    the tokens have it."""
    tokens = Counter(sample_tokens(form, SIMHASH_BITS))
    total = sum(tokens.values())
    if not total or total >= 1 << _BYTE_SPREAD_WIDTH:
        return Simhash(form)  # the library's own answer for the edge cases (no token, 65,536 tokens)
    counters = sum(_token_spread(token) * count for token, count in tokens.items())
    mask = (1 << _BYTE_SPREAD_WIDTH) - 1
    value = sum(1 << bit for bit in range(SIMHASH_BITS)
                if 2 * (counters >> (bit * _BYTE_SPREAD_WIDTH) & mask) >= total)
    # a hash of 0 counts as none for trafilatura's Simhash, which would compute it again from ""
    return Simhash(existing_hash=value) if value else Simhash(form)


@dataclass
class Candidates:
    """The stored articles a batch of pages of one portal could be: by URL, body fingerprint, title."""

    by_url: dict[str, dict] = field(default_factory=dict)
    by_fingerprint: dict[str, dict] = field(default_factory=dict)
    by_title: dict[str, list[dict]] = field(default_factory=dict)


def candidates(cur, portal: str, urls: list[str], fingerprints: list[str], titles: list[str],
               columns: str = "a.*") -> Candidates:
    """Everything `find_existing` may need for these pages, in two queries (`columns` of `articles a`)."""
    found = Candidates()
    cur.execute(f"SELECT u.canonical_url AS matched_url, {columns} FROM article_urls u"
                " JOIN articles a ON a.id = u.article_id WHERE u.portal = %s AND u.canonical_url = ANY(%s)",
                (portal, urls))
    for row in cur.fetchall():
        found.by_url[row["matched_url"]] = row
    # Titles are looked up by their md5 (migration 0016's index: a title may be too long for a btree key).
    cur.execute(f"SELECT {columns} FROM articles a WHERE a.portal = %s AND (a.body_fingerprint = ANY(%s)"
                " OR (md5(a.title)::uuid = ANY(ARRAY(SELECT md5(t)::uuid FROM unnest(%s::text[]) AS t))"
                " AND a.title = ANY(%s) AND a.body_simhash IS NOT NULL)) ORDER BY a.id",
                (portal, fingerprints, titles, titles))
    for row in cur.fetchall():
        found.by_fingerprint.setdefault(row["body_fingerprint"], row)
        if row["body_simhash"] is not None:
            found.by_title.setdefault(row["title"], []).append(row)
    return found


def find_existing(found: Candidates, urls: list[str], body_fingerprint: str, title: str | None,
                  body_simhash: Simhash) -> tuple[dict | None, str | None]:
    """(the stored article this page is, how it matched: "url" or "content"), or (None, None)."""
    for url in urls:
        if url in found.by_url:
            return found.by_url[url], "url"
    if body_fingerprint in found.by_fingerprint:
        return found.by_fingerprint[body_fingerprint], "content"
    for row in found.by_title.get(title, ()) if title else ():
        if body_simhash.similarity(Simhash(existing_hash=row["body_simhash"])) >= NEAR_DUPLICATE_SIMILARITY:
            return row, "content"
    return None, None
