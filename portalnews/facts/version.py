"""The version of the facts rules, stored with every article's facts (article_facts.rules_version).

facts-1: the first rules. facts-2: names with a body word as a syllable (Lê Trung Chinh), more body
syllables (Hội đồng nhân dân, Đại biểu Quốc hội), a former position keeps its "nguyên".
"""

RULES_VERSION = "facts-2"
