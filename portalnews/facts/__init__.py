"""Facts analysts query: the Party and State documents an article cites and the officials it names
with their positions. Pure (no database, no Scrapy): text in, mentions out; the load stage stores them
(pipelines/load/facts.py). `RULES_VERSION` names the rules: bump it when a rule changes, then
`portalnews facts recompute` derives every stored article's facts again."""

from portalnews.facts.derive import ArticleFacts, derive_facts
from portalnews.facts.documents import DocumentMention
from portalnews.facts.officials import OfficialMention
from portalnews.facts.version import RULES_VERSION

__all__ = ["RULES_VERSION", "ArticleFacts", "DocumentMention", "OfficialMention", "derive_facts"]
