"""Rates written as DRF writes them ("30/hour"), for limits kept outside DRF. Plain Python: settings read it."""

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """(requests, seconds) of "30/hour", "10/min", "5/s" or "100/day"; ValueError naming the bad value.

    The same spelling as the API's throttle settings, so a deployment writes
    every limit one way; read when the settings load, so a typo stops the
    start rather than the first check-in.
    """
    count, _, period = rate.partition("/")
    seconds = _PERIODS.get(period.strip()[:1].lower())
    if not count.strip().isdigit() or int(count) < 1 or seconds is None:
        raise ValueError(f"A rate is a number of requests per s, min, hour or day, e.g. 30/hour; got {rate!r}.")
    return int(count), seconds
