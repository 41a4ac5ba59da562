"""When a push FCM could not take is tried again: exponential back-off, full jitter, Retry-After."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from push.outcomes import QUOTA_CODES


@dataclasses.dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """Back-off for deliveries FCM answered with 429, 503, 500 or a broken connection.

    The wait after the n-th attempt is the server's minimum (its Retry-After; for QUOTA_EXCEEDED
    without one, FCM's advice of a minute) plus a uniformly random share of min(cap, base·2ⁿ⁻¹):
    never sooner than FCM asked, and spread so that a storm's thousands of deliveries do not all
    come back at the same instant. With the defaults a delivery is given up after 16 attempts,
    which lets it ride out an FCM outage of some hours.
    """

    max_attempts: int = 16
    base: dt.timedelta = dt.timedelta(seconds=1)
    cap: dt.timedelta = dt.timedelta(hours=1)
    quota_floor: dt.timedelta = dt.timedelta(minutes=1)

    def gives_up(self, attempts: int) -> bool:
        """Whether a delivery that has used `attempts` attempts gets no more."""
        return attempts >= self.max_attempts

    def ceiling(self, attempts: int) -> dt.timedelta:
        return min(self.cap, self.base * 2 ** min(max(attempts - 1, 0), 40))

    def floor(self, code: str | None, retry_after: float | None) -> dt.timedelta:
        """The least wait FCM asked for."""
        if retry_after is not None:
            return dt.timedelta(seconds=retry_after)
        if code in QUOTA_CODES:
            return self.quota_floor
        return dt.timedelta(0)

    def delay(
        self,
        attempts: int,
        *,
        code: str | None = None,
        retry_after: float | None = None,
        rng: random.Random | None = None,
    ) -> dt.timedelta:
        share = (rng or random).random()
        return self.floor(code, retry_after) + self.ceiling(attempts) * share
