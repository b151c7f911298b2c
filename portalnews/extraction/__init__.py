"""HTML page -> Article. Pure: no database, no network, no Scrapy."""

from portalnews.extraction.article import Article, ExtractionError
from portalnews.extraction.extract import extract_article
from portalnews.extraction.version import EXTRACTOR_VERSION

__all__ = ["EXTRACTOR_VERSION", "Article", "ExtractionError", "extract_article"]
