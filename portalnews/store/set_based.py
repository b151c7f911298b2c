"""Set-based writes for the load stage: ids taken from a table's sequence before its rows are built
(so rows can refer to each other), and many rows inserted in one statement."""

from __future__ import annotations

from psycopg2.extras import execute_values


def next_ids(cur, table: str, count: int) -> list[int]:
    """`count` new ids of `table`'s serial `id` column, ascending."""
    cur.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS id FROM generate_series(1, %s)", (table, count)
    )
    return sorted(row["id"] for row in cur.fetchall())


def insert_rows(
    cur, table: str, rows: list[dict], columns: list[str] | tuple[str, ...] | None = None
) -> None:
    """Insert `rows` (dicts with the same keys; `columns` of them, else all) in one statement."""
    if not rows:
        return
    columns = list(columns or rows[0])
    execute_values(cur, f"INSERT INTO {table} ({', '.join(columns)}) VALUES %s", rows,
                   template="(" + ", ".join(f"%({name})s" for name in columns) + ")", page_size=len(rows))
