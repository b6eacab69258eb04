"""Reading request parameters that name a row: a value a database cannot hold is no row."""

# The largest value of a signed 64-bit integer column (bigint on PostgreSQL, INTEGER on SQLite):
# a filter by anything larger overflows in the driver (a 500) instead of matching nothing.
MAX_ID = 2**63 - 1


def as_id(value) -> int | None:
    """The primary key that `value` names ("42" → 42), or None for anything else, including
    negative, non-ASCII and out-of-range numbers."""
    value = str(value or "")
    if not (value.isascii() and value.isdigit()) or len(value) > 19:
        return None
    number = int(value)
    return number if number <= MAX_ID else None
