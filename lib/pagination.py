"""A paginator for tables of millions of rows (the audit log, activity logs).

COUNT(*) over a million rows costs seconds on every page view; nobody needs to know whether
there are 1,284,113 or 1,284,114 rows. Counting stops at CAP: past it the page says "10000+"."""

from functools import cached_property

from django.core.paginator import Paginator
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination as NinjaLimitOffsetPagination

CAP = 10_000
MAX_LIMIT = 500
# Far past any table we hold, far below a 64-bit integer (SQLite and PostgreSQL refuse those).
MAX_OFFSET = 100_000_000


class CappedPaginator(Paginator):
    cap = CAP

    @cached_property
    def count(self) -> int:
        # Without the ordering: the first cap + 1 rows in any order count the same, and the
        # database may stop at them instead of sorting (or ranking, for a search) every match.
        rows = self.object_list.order_by() if hasattr(self.object_list, "order_by") else self.object_list
        return rows[: self.cap + 1].count()

    @property
    def count_is_capped(self) -> bool:
        return self.count > self.cap

    @property
    def count_label(self) -> str:
        return f"{self.cap}+" if self.count_is_capped else str(self.count)


class LimitOffsetPagination(NinjaLimitOffsetPagination):
    """The API's one paginator: `limit` and `offset` within what a database can take, so that a
    huge or negative value is a 400 naming the parameter, never an integer overflow in SQL."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT, description=f"每页条数，1–{MAX_LIMIT}")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description=f"跳过的条数，0–{MAX_OFFSET}")

    def __init__(self, **kwargs) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
