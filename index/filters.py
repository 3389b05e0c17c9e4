"""What a search may return: outlets, articles, a date range and an as-of date, as one SQL condition."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Filters:
    """Restrictions on what a search may return. Empty fields restrict nothing."""

    sources: tuple[str, ...] = ()
    article_ids: tuple[str, ...] = ()
    since: str | None = None  # inclusive ISO date
    until: str | None = None  # inclusive ISO date
    as_of: str | None = None  # inclusive ISO date; unlike `until`, undated articles pass

    def __bool__(self) -> bool:
        return bool(self.sources or self.article_ids or self.since or self.until or self.as_of)

    def where(self) -> tuple[str, list[object]]:
        """A SQL condition over `articles a` and its parameters."""
        parts: list[str] = []
        params: list[object] = []
        if self.sources:
            parts.append(f"lower(a.source) IN ({','.join('?' * len(self.sources))})")
            params += [s.lower() for s in self.sources]
        if self.article_ids:
            parts.append(f"a.id IN ({','.join('?' * len(self.article_ids))})")
            params += list(self.article_ids)
        if self.since:
            parts.append("a.date IS NOT NULL AND substr(a.date, 1, 10) >= ?")
            params.append(self.since[:10])
        if self.until:
            parts.append("a.date IS NOT NULL AND substr(a.date, 1, 10) <= ?")
            params.append(self.until[:10])
        if self.as_of:
            parts.append("(a.date IS NULL OR substr(a.date, 1, 10) <= ?)")
            params.append(self.as_of[:10])
        return (" AND ".join(parts) or "1"), params
