"""The documents rules' quick check (`_may_name_a_type`) never hides a type word the case-insensitive
search (`_ANY_TYPE`) finds: the facts are the same with it as without it."""

from __future__ import annotations

import json
import re

from portalnews.facts import documents
from portalnews.facts.sentences import article_sentences
from tests.support.paths import SITES_DIR

ALL_LETTERS = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000)


def test_the_only_letters_ignorecase_matches_that_lowering_misses_are_the_two_kept_apart():
    """Every character the IGNORECASE search matches to a letter of a type name lowers to that letter,
    but those in `_ALSO_I` (whose presence sends a sentence to the full search)."""
    letters = {c for name in documents._TYPES for c in name.lower()}
    missed = {found for letter in letters
              for found in re.findall("[" + re.escape(letter) + "]", ALL_LETTERS, re.IGNORECASE)
              if found.lower() != letter}
    assert missed == set(documents._ALSO_I)


def test_every_sentence_the_full_search_matches_passes_the_quick_check():
    texts = [json.loads(path.read_text(encoding="utf-8"))
             for path in sorted(SITES_DIR.glob("*/expected/*.json"))]
    sentences = [s.text for t in texts for s in article_sentences(t.get("title"), t.get("sapo"), t["body"])]
    names = list(documents._TYPES)
    sentences += [f"theo {form} số 12" for name in names
                  for form in (name, name.upper(), name.lower(), name.title(), name.swapcase())]
    sentences += ["THÔNG TRİ 05", "Thông trı 05", "Không có văn bản nào"]
    matched = [s for s in sentences if documents._ANY_TYPE.search(s)]
    assert len(matched) > 5 * len(names)
    assert all(documents._may_name_a_type(s) for s in matched)
    assert not documents._may_name_a_type("Không có văn bản nào")
