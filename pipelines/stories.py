"""Stories across portals: which stored articles carry the same text.

Provincial portals routinely republish the same directive or report. Each article belongs to one
story (`articles.story_id`): a new article joins the story of an article on any portal whose body is
the same after normalisation (same fingerprint) or a near-duplicate, else it starts a story.

Near-duplicates are found by MinHash over 4-syllable shingles, so a changed header line, byline or
footer leaves most shingles, and the estimated Jaccard similarity, high. The signature is the one-
permutation variant (one hash per shingle, spread over bins, empty bins densified from their right
neighbour; Li, Owen & Zhang 2012, Shrivastava & Li 2014): no numpy, about a millisecond an article.
Its LSH band keys are stored with a GIN index, and only articles sharing a band key are compared, so
assigning a story costs the same at 10,000 or 200,000 stored articles.
"""

from __future__ import annotations

import math
from datetime import datetime
from hashlib import blake2b

from portalnews.vietnamese.text import comparison_form

SHINGLE_WORDS = 4
MINHASH_BINS = 64
BAND_ROWS = 4  # 16 bands of 4: a pair at Jaccard 0.8 shares a band with probability > 0.999
SAME_STORY_JACCARD = 0.8
_EMPTY = -1


def _hash63(data: str) -> int:
    return int.from_bytes(blake2b(data.encode("utf-8"), digest_size=8).digest(), "big") >> 1


def minhash(body: str) -> list[int] | None:
    """The body's MinHash signature (MINHASH_BINS values), or None for a body without words."""
    words = comparison_form(body).split()
    if not words:
        return None
    last = max(1, len(words) - SHINGLE_WORDS + 1)
    bins = [_EMPTY] * MINHASH_BINS
    for shingle in {" ".join(words[i:i + SHINGLE_WORDS]) for i in range(last)}:
        value = _hash63(shingle)
        index, rank = value % MINHASH_BINS, value // MINHASH_BINS
        if bins[index] == _EMPTY or rank < bins[index]:
            bins[index] = rank
    # Densify: an empty bin takes the nearest non-empty bin to its right, marked with the distance,
    # so two texts' empty bins agree exactly when their donors do.
    signature = []
    for index in range(MINHASH_BINS):
        for distance in range(MINHASH_BINS):
            donor = bins[(index + distance) % MINHASH_BINS]
            if donor != _EMPTY:
                signature.append(donor if distance == 0 else _hash63(f"{donor}:{distance}"))
                break
    return signature


def band_keys(signature: list[int]) -> list[int]:
    return [_hash63(f"{start}:" + ",".join(map(str, signature[start:start + BAND_ROWS])))
            for start in range(0, MINHASH_BINS, BAND_ROWS)]


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of the two bodies' shingle sets."""
    return sum(x == y for x, y in zip(a, b, strict=True)) / MINHASH_BINS


def _matching_story(cur, article_id: int, body_fingerprint: str, signature: list[int] | None) -> int | None:
    cur.execute("SELECT story_id FROM articles WHERE body_fingerprint = %s AND id <> %s AND story_id IS NOT NULL"
                " ORDER BY id LIMIT 1", (body_fingerprint, article_id))
    row = cur.fetchone()
    if row:
        return row["story_id"]
    if signature is None:
        return None
    # Every candidate sharing a band is scored in the database (equal bins of the two signatures);
    # no cap on candidates, so a common boilerplate sentence cannot crowd the real copy out.
    cur.execute(
        """
        SELECT a.story_id FROM (
            SELECT s.article_id,
                   (SELECT count(*) FROM unnest(s.minhash, %(signature)s::bigint[]) AS bins(x, y) WHERE x = y) AS same
            FROM story_signatures s
            WHERE s.bands && %(bands)s::bigint[] AND s.article_id <> %(id)s
        ) c JOIN articles a ON a.id = c.article_id
        WHERE c.same >= %(min_same)s AND a.story_id IS NOT NULL
        ORDER BY c.same DESC, a.id LIMIT 1
        """,
        {"signature": signature, "bands": band_keys(signature), "id": article_id,
         "min_same": math.ceil(SAME_STORY_JACCARD * MINHASH_BINS)},
    )
    row = cur.fetchone()
    return row["story_id"] if row else None


def assign_story(cur, article_id: int, portal: str, published_at: datetime | None, body: str,
                 body_fingerprint: str) -> int:
    """Put a newly stored article into its story (an existing one or a new one); return the story id."""
    # Two portals loading the same text at once must not start two stories for it.
    cur.execute("SELECT pg_advisory_xact_lock(hashtext('portalnews-story:' || %s))", (body_fingerprint,))
    signature = minhash(body)
    if signature is not None:
        cur.execute("INSERT INTO story_signatures (article_id, minhash, bands) VALUES (%s, %s, %s)"
                    " ON CONFLICT (article_id) DO NOTHING", (article_id, signature, band_keys(signature)))
    story_id = _matching_story(cur, article_id, body_fingerprint, signature)
    if story_id is None:
        cur.execute("INSERT INTO stories (first_article_id, first_portal, first_published_at)"
                    " VALUES (%s, %s, %s) RETURNING id", (article_id, portal, published_at))
        story_id = cur.fetchone()["id"]
    else:
        # The story's first copy is the earliest published one, whichever portal was crawled first.
        cur.execute(
            "UPDATE stories SET first_article_id = %s, first_portal = %s, first_published_at = %s"
            " WHERE id = %s AND %s::timestamptz IS NOT NULL"
            " AND (first_published_at IS NULL OR first_published_at > %s)",
            (article_id, portal, published_at, story_id, published_at, published_at),
        )
    cur.execute("UPDATE articles SET story_id = %s WHERE id = %s", (story_id, article_id))
    return story_id
