"""The version of the facts rules, stored with every article's facts (article_facts.rules_version).

facts-1: the first rules. facts-2: names with a body word as a syllable (Lê Trung Chinh), more body
syllables (Hội đồng nhân dân, Đại biểu Quốc hội), a former position keeps its "nguyên". facts-3:
the family names of ethnic minorities (Giàng, Thào, Ksor, ...), districts named like people. facts-4:
a body may start in lower case ("Trưởng đoàn đại biểu Quốc hội tỉnh").
"""

RULES_VERSION = "facts-4"
