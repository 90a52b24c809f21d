"""Keeping Python's cycle collector off the large, long-lived data a build loads and makes.

A rebuild loads hundreds of thousands of small objects (the previous build's
record, the page cache) that live until the build ends and hold no cycles.
Left in the collector's generations, they are scanned again and again as the
build allocates; frozen, they are not. Forked workers gain too: the collector
no longer writes to the pages they share with the parent.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0


@contextmanager
def long_lived() -> Iterator[None]:
    """Freeze what is alive now, and what ``settle()`` adds, until the outermost block ends."""
    global _depth
    gc.freeze()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            gc.unfreeze()


def settle() -> None:
    """Freeze everything alive now (call inside ``long_lived()``, after loading)."""
    if _depth:
        gc.freeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cycle collector off (while unpickling large acyclic data)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Frozen, what was loaded is not scanned by the collection that would
        # otherwise follow at once (everything allocated meanwhile was counted).
        settle()
        if enabled:
            gc.enable()
