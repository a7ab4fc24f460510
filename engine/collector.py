"""Pausing CPython's cyclic garbage collector around work that builds many long-lived objects.

The generational collector rescans every live container each time enough new ones appear, so
code that keeps most of what it allocates (a compiled program, a searched state space) spends
more and more time in it as it grows. Code run under :func:`collector_paused` must not make
reference cycles: its garbage is freed by reference counting alone.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
