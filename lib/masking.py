"""Names shown on public pages: one rule, so a person's name reads the same wherever it appears."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """张德润 → 张*润, 张三 → 张*, 欧阳明月 → 欧**月: enough to recognise, not to identify."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
