"""PostgreSQL: connections, schema migrations, the embedded server, and what a crawl remembers."""
