-- portalnews schema, version 17: one trigram index on titles, not two.
-- 0001 indexed the plain title with pg_trgm, 0002 the folded one (`vi_fold(title)`), which is what the
-- documented fuzzy title search uses (docs/analysts.md, `vi_fold(...) <% vi_fold(title)`: typed with or
-- without diacritics). No query in the code, the DAGs, the analysts' documentation or the tests searches
-- the plain title by trigrams (`%`, `<%`, `LIKE '%...%'` on `title`), so its index only cost every stored
-- article about 60 trigram keys to insert: at 1,000,000 articles a GIN of random pages, part of the load
-- stage's cost that grows with the corpus (bench/README.md, "Flat cost at 1,000,000, third attempt").
DROP INDEX IF EXISTS articles_title_trgm;
