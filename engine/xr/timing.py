"""Frame statistics for the headset loop: dropped frames and CPU time in our code. Pure.

``xrWaitFrame`` gives each frame a predicted display time and the display period. Two frames
whose display times are more than one and a half periods apart mean the runtime showed at least
one frame that we did not deliver in time: each missing period counts as one dropped frame.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FrameStats"]


@dataclass
class FrameStats:
    submitted: int = 0
    dropped: int = 0
    cpu_ms: list[float] = field(default_factory=list)  # xrWaitFrame returned -> xrEndFrame did
    runtime_ms: list[float] = field(default_factory=list)  # of which inside the runtime's calls
    period_ns: int = 0
    _last_display_ns: int | None = None

    def record(
        self, display_time_ns: int, period_ns: int, cpu_ms: float, runtime_ms: float = 0.0
    ) -> None:
        """One submitted frame: its predicted display time, the period, the frame's time on the
        render thread and how much of it was spent inside runtime calls."""
        if period_ns > 0:
            self.period_ns = period_ns
        last = self._last_display_ns
        if last is not None and self.period_ns > 0:
            gap = display_time_ns - last
            if gap > 1.5 * self.period_ns:
                self.dropped += round(gap / self.period_ns) - 1
        self._last_display_ns = display_time_ns
        self.submitted += 1
        self.cpu_ms.append(cpu_ms)
        self.runtime_ms.append(runtime_ms)

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.cpu_ms)
        pairs = zip(self.cpu_ms, self.runtime_ms, strict=True)
        ours = sorted(total - runtime for total, runtime in pairs)
        return {
            "frames_submitted": self.submitted,
            "frames_dropped": self.dropped,
            "display_hz": round(1e9 / self.period_ns, 2) if self.period_ns else None,
            "cpu_ms_median": round(statistics.median(ordered), 3) if ordered else None,
            "cpu_ms_p95": round(ordered[int(0.95 * (len(ordered) - 1))], 3) if ordered else None,
            "cpu_ms_max": round(ordered[-1], 3) if ordered else None,
            "our_cpu_ms_median": round(statistics.median(ours), 3) if ours else None,
        }
