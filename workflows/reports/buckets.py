"""Durations by bucket, for exact percentiles over many days of rollups.

    bucket_of(3600)                      # 8 buckets per doubling of the seconds
    histogram([30, 3600, 3700])          # {bucket: count}
    pack([3600, 3700]) / unpack(text)    # one bucket's exact values, compact

A bucket is a monotonic function of the seconds (a larger duration never falls in an
earlier bucket), so the value at nearest rank ``k`` of many days is found by adding the
days' histograms, walking the buckets to the one that holds rank ``k``, and reading only
that bucket's exact values: :func:`nearest_rank`.
"""

from __future__ import annotations

import array
import base64
import json
import math
import sys
from collections import Counter
from collections.abc import Iterable, Mapping

__all__ = ["bucket_of", "histogram", "pack", "rank_of", "unpack", "load_histogram", "dump_histogram", "locate"]

PER_DOUBLING = 8


def bucket_of(seconds: int) -> int:
    """0 for durations under a second (a clock that ran backwards included), then 8 a doubling."""
    if seconds < 1:
        return 0
    return 1 + int(math.log2(seconds) * PER_DOUBLING)


def histogram(values: Iterable[int]) -> Counter[int]:
    return Counter(bucket_of(v) for v in values)


def dump_histogram(counts: Mapping[int, int]) -> str:
    return json.dumps({str(b): n for b, n in sorted(counts.items())}, separators=(",", ":"))


def load_histogram(text: str) -> dict[int, int]:
    return {int(b): n for b, n in json.loads(text).items()}


def pack(values: Iterable[int]) -> str:
    """Sorted 64-bit little-endian integers, base64."""
    packed = array.array("q", sorted(values))
    if sys.byteorder == "big":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def unpack(text: str) -> list[int]:
    packed = array.array("q")
    packed.frombytes(base64.b64decode(text))
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tolist()


def rank_of(n: int, percent: int) -> int:
    """Nearest rank (1-based) of the ``percent``-th percentile of ``n`` values: ``ceil(p * n)``."""
    return (n * percent + 99) // 100


def locate(counts: Mapping[int, int], rank: int) -> tuple[int, int]:
    """(bucket holding the ``rank``-th smallest value, its rank within that bucket)."""
    seen = 0
    for bucket in sorted(counts):
        if seen + counts[bucket] >= rank:
            return bucket, rank - seen
        seen += counts[bucket]
    raise ValueError(f"rank {rank} beyond {seen} values")
