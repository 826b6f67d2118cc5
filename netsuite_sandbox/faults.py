"""Per-account fault injection and governance state, deterministic under a seed."""

from __future__ import annotations

import random
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field, fields
from typing import Any

ERROR_STATUSES = (500, 502, 503, 504)


@dataclass
class Faults:
    """Fault knobs for one account; every field defaults to 'no fault'."""

    seed: int = 0
    latency_ms: float = 0.0  # every API request is answered this long after it arrived
    # 1: the simulator's own work is done within the latency (NetSuite's time to answer);
    # 0: the latency is added after authentication and the work comes on top of it.
    latency_includes_work: int = 1
    jitter_ms: float = 0.0  # plus a uniform random delay in [0, jitter_ms]
    error_rate: float = 0.0  # share of API requests answered with error_status
    error_next: int = 0  # the next N API requests answered with error_status
    error_status: int = 500
    burst_429: int = 0  # the next N API requests refused as over the concurrency limit
    timeout_rate: float = 0.0  # share of API requests that hang, then drop (nothing saved)
    timeout_next: int = 0
    timeout_seconds: float = 30.0
    drop_rate: float = 0.0  # share of writes committed, then the connection dropped
    drop_next: int = 0

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Faults:
        """Build from JSON, refusing unknown knobs and out-of-range values."""
        known = {f.name: f.type for f in fields(cls)}
        unknown = set(data) - set(known)
        if unknown:
            raise ValueError(f"unknown fault knob(s): {', '.join(sorted(unknown))}")
        faults = cls(**{k: (int(v) if known[k] == "int" else float(v)) for k, v in data.items()})
        for name in ("error_rate", "timeout_rate", "drop_rate"):
            if not 0.0 <= getattr(faults, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if faults.error_status not in ERROR_STATUSES:
            raise ValueError(f"error_status must be one of {ERROR_STATUSES}")
        return faults

    def to_dict(self) -> dict[str, Any]:
        """Return the knobs as JSON-ready data."""
        return asdict(self)


@dataclass
class Decision:
    """What the fault layer decided for one request."""

    delay: float = 0.0
    refuse_429: bool = False
    timeout: bool = False
    error_status: int | None = None
    error_id: str = ""

    @property
    def is_answered_by_handler(self) -> bool:
        """No fault decided the answer: the request's own handler writes it."""
        return not (self.refuse_429 or self.timeout or self.error_status)


@dataclass
class AccountState:
    """In-memory runtime state of one account: in-flight count, faults, request log."""

    faults: Faults = field(default_factory=Faults)
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    inflight: int = 0
    max_inflight: int = 0  # the most requests in flight at once since the log was cleared
    log: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=10_000))
    outcomes: Counter[str] = field(default_factory=Counter)
    total: int = 0

    def set_faults(self, faults: Faults) -> None:
        """Replace the knobs and restart the random stream from the seed."""
        self.faults = faults
        self.rng = random.Random(faults.seed)

    def decide(self) -> Decision:
        """Draw this request's faults (in a fixed order so a seed replays exactly)."""
        f = self.faults
        d = Decision()
        d.delay = f.latency_ms / 1000.0
        if f.jitter_ms:
            d.delay += self.rng.uniform(0, f.jitter_ms) / 1000.0
        if f.burst_429 > 0:
            f.burst_429 -= 1
            d.refuse_429 = True
            return d
        if f.timeout_next > 0:
            f.timeout_next -= 1
            d.timeout = True
            return d
        if f.timeout_rate and self.rng.random() < f.timeout_rate:
            d.timeout = True
            return d
        if f.error_next > 0:
            f.error_next -= 1
            d.error_status = f.error_status
        elif f.error_rate and self.rng.random() < f.error_rate:
            d.error_status = f.error_status
        if d.error_status:
            d.error_id = f"{self.rng.getrandbits(32):08x}"
        return d

    def should_drop(self) -> bool:
        """Decide whether a committed write loses its answer."""
        f = self.faults
        if f.drop_next > 0:
            f.drop_next -= 1
            return True
        return bool(f.drop_rate) and self.rng.random() < f.drop_rate

    def record(self, entry: dict[str, Any]) -> None:
        """Append one request to the log and the outcome counters."""
        self.total += 1
        entry["seq"] = self.total
        entry["time"] = time.time()
        self.log.append(entry)
        self.outcomes[entry["outcome"]] += 1

    def clear_log(self) -> None:
        """Forget the request log and counters."""
        self.log.clear()
        self.outcomes.clear()
        self.total = 0
        self.max_inflight = self.inflight
