"""MinHash fingerprints of texts, to find the same or nearly the same text uploaded twice.

The text is NFKC-normalised, lower-cased and stripped of everything but letters and digits
(whitespace, punctuation and symbols go), then cut into overlapping 5-character shingles.
Each distinct shingle is hashed once with CRC-32.  Permutation ``i`` maps a shingle hash ``h``
to ``(a_i * h + b_i) mod 2**32`` (``a_i`` odd, both derived from BLAKE2b of ``i``, so they are
the same on every machine and every run, and the same whatever ``k`` is: a longer signature
extends a shorter one).  The signature is the minimum of each permutation over the shingles.

Speed: the ``k`` minimums are not computed shingle by shingle in Python.  All shingle hashes
are packed into one big integer, one 64-bit lane each; ``H * a_i + R * b_i`` (``R`` has a 1 in
every lane) computes ``a_i * h + b_i`` in every lane at once without carries (it is < 2**64),
and the minimum is found by looking only at the lanes whose top byte of the low 32 bits is the
smallest (``bytes.find`` on a strided slice).  A 3,000-character text takes a few milliseconds.
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
import zlib
from array import array
from functools import lru_cache

SHINGLE = 5
_NOT_ALNUM = re.compile(r"[\W_]+")
_MASK32 = 0xFFFFFFFF


@lru_cache(maxsize=8)
def _params(k: int) -> tuple[tuple[int, int], ...]:
    """The (a_i, b_i) of permutations 0 … k-1; a_i odd, both 32-bit."""
    out = []
    for i in range(k):
        digest = hashlib.blake2b(f"archive-minhash-{i}".encode(), digest_size=8).digest()
        out.append((int.from_bytes(digest[:4], "little") | 1, int.from_bytes(digest[4:], "little")))
    return tuple(out)


def normalise(text: str) -> str:
    """The text the shingles are cut from: letters and digits only, NFKC, lower case."""
    kept = _NOT_ALNUM.sub("", text)
    if not unicodedata.is_normalized("NFKC", kept):
        kept = _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", kept))
    return kept.lower()


def shingle_hashes(text: str) -> list[int]:
    """CRC-32 of every distinct 5-character shingle of the normalised text (in no order)."""
    norm = normalise(text)
    if not norm:
        return []
    data = norm.encode("utf-32-le")
    width = 4 * SHINGLE
    if len(norm) <= SHINGLE:
        return [zlib.crc32(data)]
    return list({zlib.crc32(data[j:j + width]) for j in range(0, len(data) - width + 4, 4)})


def _pack(values: list[int]) -> int:
    """One big integer with ``values[j]`` in the 64-bit lane ``j`` (little-endian)."""
    lanes = array("Q", values)
    if sys.byteorder == "big":
        lanes.byteswap()
    return int.from_bytes(lanes.tobytes(), "little")


def _lane_min(packed: bytes, tops: bytes) -> int:
    """The smallest low-32-bit value among the lanes (``tops`` = byte 3 of every lane)."""
    top = 0
    pos = -1
    for top in range(256):
        pos = tops.find(bytes((top,)))
        if pos >= 0:
            break
    best = _MASK32
    needle = bytes((top,))
    while pos >= 0:
        start = 8 * pos
        best = min(best, int.from_bytes(packed[start:start + 4], "little"))
        pos = tops.find(needle, pos + 1)
    return best


def minhash(text: str, k: int = 64) -> tuple[int, ...]:
    """The k-value MinHash signature of ``text``; ``()`` when it has no letters or digits."""
    if k < 1:
        raise ValueError("k must be at least 1")
    hashes = shingle_hashes(text)
    if not hashes:
        return ()
    width = 8 * len(hashes)
    big_h = _pack(hashes)
    ones = _pack([1] * len(hashes))
    signature = []
    for a, b in _params(k):
        packed = (big_h * a + ones * b).to_bytes(width, "little")
        signature.append(_lane_min(packed, packed[3::8]))
    return tuple(signature)


def similarity(a: tuple[int, ...] | list[int], b: tuple[int, ...] | list[int]) -> float:
    """Estimated Jaccard similarity of two signatures (over their common length); 0.0 if empty."""
    n = min(len(a), len(b))
    if n == 0:
        return 0.0
    return sum(1 for x, y in zip(a[:n], b[:n], strict=True) if x == y) / n
