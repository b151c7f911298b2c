-- portalnews schema, version 18: an article is found from its raw page through an index.
-- articles.raw_page_id (0001) references raw_pages but had no index, so every read from a raw page to its
-- article was a scan of every article: the guide's query of the articles an archive import brought in
-- (docs/web-archives.md, raw_pages by source joined to articles; at 10,000 articles 11.3 ms, 1,735 blocks
-- of articles read for 300 archived pages, against 2.2 ms through this index) and the foreign key's check
-- when a raw page is deleted (6.7 ms a page at 10,000, growing with the articles). The index costs an
-- article one btree entry of a bigint that grows with time (about 25 bytes; 0.5 us of PostgreSQL CPU
-- alone, not measurable in the load stage's 2-3 ms an article: bench/README.md, "Story joins at 10,000").
CREATE INDEX articles_raw_page ON articles (raw_page_id);
