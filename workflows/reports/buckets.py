"""Durations by bucket, for exact percentiles over many days of rollups.

    bucket_of(3600)                      # 8 buckets per doubling of the seconds
    histogram([30, 3600, 3700])          # {bucket: count}; dump_histogram / add_histogram: packed
    pack([3600, 3700]) / unpack(text)    # one bucket's exact values, compact

A bucket is a monotonic function of the seconds (a larger duration never falls in an
earlier bucket), so the value at nearest rank ``k`` of many days is found by adding the
days' histograms, walking the buckets to the one that holds rank ``k``, and reading only
that bucket's exact values: :func:`nearest_rank`.
"""

from __future__ import annotations

import array
import base64
import math
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["MAX_BUCKET", "add_histogram", "bucket_of", "dump_histogram", "histogram", "locate", "pack", "rank_of",
           "unpack"]

PER_DOUBLING = 8
#: Above every bucket of a 64-bit duration.
MAX_BUCKET = 1 + 64 * PER_DOUBLING


def bucket_of(seconds: int) -> int:
    """0 for durations under a second (a clock that ran backwards included), then 8 a doubling."""
    if seconds < 1:
        return 0
    return 1 + int(math.log2(seconds) * PER_DOUBLING)


def histogram(values: Iterable[int]) -> Counter[int]:
    return Counter(bucket_of(v) for v in values)


def dump_histogram(counts: Mapping[int, int]) -> str:
    """``{bucket: n}`` packed as ``bucket, n, bucket, n, ...``."""
    return pack_pairs([x for bucket, n in sorted(counts.items()) for x in (bucket, n)])


def add_histogram(total: list[int], text: str) -> None:
    """Add a packed histogram into ``total`` (indexed by bucket, long enough)."""
    pairs = unpack(text)
    for i in range(0, len(pairs), 2):
        total[pairs[i]] += pairs[i + 1]


def pack_pairs(values: list[int]) -> str:
    packed = array.array("q", values)
    if sys.byteorder == "big":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def pack(values: Iterable[int]) -> str:
    """Sorted 64-bit little-endian integers, base64."""
    return pack_pairs(sorted(values))


def unpack(text: str) -> list[int]:
    packed = array.array("q")
    packed.frombytes(base64.b64decode(text))
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tolist()


def rank_of(n: int, percent: int) -> int:
    """Nearest rank (1-based) of the ``percent``-th percentile of ``n`` values: ``ceil(p * n)``."""
    return (n * percent + 99) // 100


def locate(counts: Sequence[int], rank: int) -> tuple[int, int]:
    """(bucket holding the ``rank``-th smallest value, its rank within that bucket), of
    counts indexed by bucket."""
    seen = 0
    for bucket, n in enumerate(counts):
        if n and seen + n >= rank:
            return bucket, rank - seen
        seen += n
    raise ValueError(f"rank {rank} beyond {seen} values")
