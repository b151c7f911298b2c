"""Vietnamese language rules shared by the crawl and the extraction: text normal form and dates."""
