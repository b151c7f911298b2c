-- portalnews schema, version 8: the batched load stage.
-- Why an ok extraction could not be merged into `articles` (the load stage loads a failing batch page
-- by page, keeps each bad page's error here and stores the rest); cleared when the page loads. Such a
-- page stays unloaded (loaded_at NULL) and is tried again by the next load.
ALTER TABLE extractions ADD COLUMN load_error text;
