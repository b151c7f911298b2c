-- portalnews schema, version 16: the load stage's dedupe lookups stay flat as a portal's articles grow.
-- Its candidates query (pipelines/dedupe.py) asks for a batch's body fingerprints OR titles within one
-- portal. Titles had no equality index, so PostgreSQL read every article of the portal for every batch
-- of 200 pages: 6,667 rows and 39 ms a batch at 200,000 stored articles over 30 portals, growing with
-- the portal (bench/search.py). A hash index has no key-length limit (a title may be long, a btree key
-- may not) and answers `title = ANY(...)`; with the fingerprint index the two arms are one BitmapOr.
CREATE INDEX articles_title_hash ON articles USING hash (title);
