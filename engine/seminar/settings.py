"""The seminar server's one typed settings object, and the per-connection rate limiter."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RateLimiter", "ServerSettings"]


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8765
    store_url: str = "seminar.sqlite3"
    # The address children's devices use to reach this server (QR code, join page); default:
    # the Host the organizer's browser used.
    public_url: str | None = None
    # An organizer token chosen by the operator instead of a generated one.
    organizer_token: str | None = None
    new_token: bool = False
    max_message_bytes: int = 4096
    organizer_max_message_bytes: int = 16384
    rate_per_second: float = 10.0
    rate_burst: float = 30.0
    organizer_rate_per_second: float = 50.0
    organizer_rate_burst: float = 200.0
    max_participants_per_room: int = 60
    max_connections_per_address: int = 250
    max_organizers_per_room: int = 8
    # Browser pages on other origins that may open a WebSocket (the console's own origin always
    # may; the 3D app sends no Origin header at all and is allowed explicitly).
    allowed_origins: tuple[str, ...] = ()
    code_ttl_hours: float = 12.0
    retention_days: float = 30.0
    join_timeout_s: float = 10.0
    tally_interval_s: float = 0.1
    replay_window: int = 2000
    ping_interval_s: float | None = 20.0


class RateLimiter:
    """A token bucket: ``rate`` messages a second on average, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self._rate = rate
        self._burst = burst
        self._tokens = burst
        self._stamp = now

    def allow(self, now: float) -> bool:
        self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False
