"""The site's invitations at the end of an article: "Follow us on Facebook, Twitter and Instagram",
"Sign up for our free daily newsletter", "Follow him on Twitter @handle".

Sites print them under every article, inside the element holding its text, so the main-text step
keeps them; they are the site's, not the article's. A line among the last PROMOTION_TAIL lines of the
body is one when it is short (PROMOTION_MAX_WORDS words or fewer) and either names a newsletter, or
names a social network while addressing the reader: "follow", "subscribe", "like us", "theo dõi",
"đăng ký", an @handle or a link to the network. (A network named alone is not enough: a last paragraph
about a scam on Facebook or what people said on Twitter is the article's.) It leaves the body with the
lines after it (a promotion's own second line: "Pick Six Newsletter" / "Get the day's big stories...").
A quoted post (a line with an embedded tweet's link, `pic.twitter.com/...`, `https://t.co/...`) is the
article's, and nothing is dropped if that would remove more than half of the body's words.
bench/README.md gives the benchmark pages this moves.
"""

from __future__ import annotations

import re

from portalnews.vietnamese.text import WORD

PROMOTION_TAIL = 2
PROMOTION_MAX_WORDS = 60
_NEWSLETTER = re.compile(r"\bnewsletters?\b", re.IGNORECASE)
_NETWORK = re.compile(
    r"\b(?:facebook|twitter|instagram|youtube|linkedin|tiktok|telegram|zalo)\b", re.IGNORECASE
)
# the reader addressed: asked to follow, subscribe, like; a handle or a link to the network
_TO_THE_READER = re.compile(
    r"\b(?:follow|subscribe|like us|theo dõi|đăng ký)\b|@\w|"
    r"\b(?:facebook|twitter|instagram|youtube|linkedin|tiktok)\.com/|\bzalo\.me/|\bt\.me/",
    re.IGNORECASE,
)
_QUOTED_POST = re.compile(r"\bpic\.twitter\.com/|\bt\.co/", re.IGNORECASE)


def is_promotion(line: str) -> bool:
    """A short line naming a newsletter, or a social network while addressing the reader; not a
    quoted post."""
    if not (_NEWSLETTER.search(line) or (_NETWORK.search(line) and _TO_THE_READER.search(line))):
        return False
    return not _QUOTED_POST.search(line) and len(WORD.findall(line)) <= PROMOTION_MAX_WORDS


def drop_trailing_promotions(lines: list[str]) -> list[str]:
    """`lines` without the site's invitations at their end (from the first of the last PROMOTION_TAIL
    lines that is one)."""
    tail_start = max(len(lines) - PROMOTION_TAIL, 0)
    cut = next((i for i in range(tail_start, len(lines)) if is_promotion(lines[i])), None)
    if cut is None:
        return lines
    dropped = sum(len(WORD.findall(line)) for line in lines[cut:])
    if dropped * 2 > sum(len(WORD.findall(line)) for line in lines):
        return lines
    return lines[:cut]
