"""The reproducible, stratified sample of one teacher's items (pure: no database)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence


def draw(items_by_kind: Mapping[str, Sequence[int]], size: int, seed: str, who: str) -> list[int]:
    """Up to ``size`` item ids, taken in turn from each kind so that every kind that has items
    is represented before any kind gives a second one.

    The same seed, teacher and items give the same sample: the random stream is seeded with
    ``"<seed>:<who>"`` and the inputs are sorted before shuffling.
    """
    rng = random.Random(f"{seed}:{who}")
    kinds = sorted(k for k, ids in items_by_kind.items() if ids)
    rng.shuffle(kinds)
    queues = []
    for kind in kinds:
        ids = sorted(items_by_kind[kind])
        rng.shuffle(ids)
        queues.append(ids)
    sample: list[int] = []
    while len(sample) < size and any(queues):
        for queue in queues:
            if queue and len(sample) < size:
                sample.append(queue.pop(0))
    return sample
