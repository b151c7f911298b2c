"""An article's facts: the document and official mentions of its title, lead and body."""

from __future__ import annotations

from dataclasses import dataclass

from portalnews.facts.documents import DocumentMention, document_mentions, resolve_short_forms
from portalnews.facts.officials import OfficialMention, official_mentions, resolve_abbreviations
from portalnews.facts.sentences import Sentence, article_sentences


@dataclass
class ArticleFacts:
    documents: list[tuple[Sentence, DocumentMention]]
    officials: list[tuple[Sentence, OfficialMention]]

    def document_keys(self) -> set[str]:
        return {m.document_key for _, m in self.documents if m.document_key}

    def name_positions(self) -> set[tuple[str, str]]:
        return {(m.name, m.position) for _, m in self.officials}


def derive_facts(title: str | None, sapo: str | None, body: str | None) -> ArticleFacts:
    documents: list[tuple[Sentence, DocumentMention]] = []
    officials: list[tuple[Sentence, OfficialMention]] = []
    for sentence in article_sentences(title, sapo, body):
        documents += [(sentence, m) for m in document_mentions(sentence.text)]
        officials += [(sentence, m) for m in official_mentions(sentence.text)]
    # Short forms ("Nghị quyết 35", "Bí thư Trương Quang Nghĩa") are resolved across the whole article.
    return ArticleFacts(
        _resolved(documents, resolve_short_forms), _resolved(officials, resolve_abbreviations)
    )


def _resolved(pairs: list, resolve) -> list:
    resolved = resolve([mention for _, mention in pairs])
    return [(sentence, mention) for (sentence, _), mention in zip(pairs, resolved, strict=True) if mention]
