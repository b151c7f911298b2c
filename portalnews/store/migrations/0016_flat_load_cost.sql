-- portalnews schema, version 16: the load stage's dedupe lookups stay flat as a portal's articles grow.
-- Its candidates query (pipelines/dedupe.py) asks for a batch's body fingerprints OR titles within one
-- portal. Titles had no index usable there, so PostgreSQL read every article of the portal for every
-- batch of 200 pages: 6,667 rows and 39 ms a batch at 200,000 stored articles over 30 portals, growing
-- with the portal (bench/search.py). The index is on the title's md5 (16 bytes), within the portal: a
-- title may be longer than a btree key may be; the query compares the titles themselves too.
CREATE INDEX articles_portal_title_md5 ON articles (portal, (md5(title)::uuid));
