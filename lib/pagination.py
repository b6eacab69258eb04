"""A paginator for tables of millions of rows (the audit log, activity logs).

COUNT(*) over a million rows costs seconds on every page view; nobody needs to know whether
there are 1,284,113 or 1,284,114 rows. Counting stops at CAP: past it the page says "10000+"."""

from functools import cached_property

from django.core.paginator import Paginator

CAP = 10_000


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
