"""Which generation to serve: the current one, or — when it is damaged — the newest good one before it.

A generation is published only after it was verified, so damage comes later: a disk error, a truncated
or overwritten file, an operator's mistake. Readers and writers then fall back to the newest older
generation that still verifies (its manifest and checksums), log a warning, and say so in `rag info`
and `GET /ready`; the next successful write publishes a new, good current generation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from index import generations as gens
from index.errors import IndexCorrupt, IndexNotFound
from index.manifest import Manifest, read_manifest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fallback:
    """The current generation would not open; an older one is served instead."""

    damaged: str  # the current generation's name
    error: str  # why it would not open
    serving: str  # the generation served instead

    def warning(self) -> str:
        """The plain-words warning `rag info`, `/ready` and the log give while this fallback is served."""
        return (
            f"current generation {self.damaged} is damaged ({self.error}); serving the previous good "
            f"generation {self.serving}. Rebuild (`rag build`) or write again to publish a good one."
        )


T = TypeVar("T")


def newest_good(index_dir: Path, verify: bool = True) -> tuple[Path, Manifest, Fallback | None]:
    """(folder, verified manifest, None) of the current generation; when its manifest or checksums fail,
    the newest older generation that verifies, with a Fallback saying why.

    Raises IndexNotFound without a CURRENT pointer, and the current generation's IndexCorrupt when no
    generation verifies.
    """
    (folder, manifest), fallback = open_newest_good(index_dir, lambda f, m: (f, m), verify)
    return folder, manifest, fallback


def open_newest_good(
    index_dir: Path, opener: Callable[[Path, Manifest], T], verify: bool = True
) -> tuple[T, Fallback | None]:
    """`opener(folder, manifest)` of the current generation, or — when its manifest, checksums or
    `opener` raise IndexCorrupt (a truncated database, say) — of the newest older generation for which
    they do not, with a Fallback saying why. IndexNotFound without a CURRENT pointer; the current
    generation's IndexCorrupt when none opens."""
    name = gens.current_name(index_dir)
    if name is None:
        raise IndexNotFound(f"no index in {index_dir}: run `rag build PATH…` first")
    folder = index_dir / gens.GENERATIONS / name
    try:
        return opener(folder, read_manifest(folder, verify=verify)), None
    except IndexCorrupt as damage:
        for older in gens.older_generations(index_dir, name):
            try:
                opened = opener(older, read_manifest(older, verify=verify))
            except IndexCorrupt as e:
                log.warning("generation %s is damaged too: %s", older.name, e)
                continue
            fallback = Fallback(damaged=name, error=str(damage), serving=older.name)
            log.warning("%s", fallback.warning())
            return opened, fallback
        raise
