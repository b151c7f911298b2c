"""The version of the facts rules, stored with every article's facts (article_facts.rules_version)."""

RULES_VERSION = "facts-1"
