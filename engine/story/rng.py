"""A tiny deterministic random generator (SplitMix64) whose whole state is one integer.

Python's ``random`` would do, but its state is large and version-dependent; a story save
must replay identically anywhere.
"""

from __future__ import annotations

__all__ = ["next_below"]

_MASK = (1 << 64) - 1


def next_below(state: int, bound: int) -> tuple[int, int]:
    """Return (new state, a number in [0, bound))."""
    state = (state + 0x9E3779B97F4A7C15) & _MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    z ^= z >> 31
    return state, z % bound
