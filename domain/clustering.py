"""Grouping jobs by meaning: k-means on their embeddings, each group named by its heaviest keywords.
Pure and deterministic (k-means++ seeding with a fixed seed)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

ITERATIONS = 50
SEED = 7


def kmeans(vectors: np.ndarray, k: int, iterations: int = ITERATIONS) -> list[int]:
    """The cluster index of each row (cosine geometry: rows are unit vectors)."""
    rng = np.random.default_rng(SEED)
    count = len(vectors)
    centres = [vectors[int(rng.integers(count))]]
    for _ in range(1, k):  # k-means++: each next seed far from those chosen
        distance = np.min(1.0 - vectors @ np.stack(centres).T, axis=1).clip(min=0)
        total = float(distance.sum())
        pick = int(rng.choice(count, p=distance / total)) if total > 0 else int(rng.integers(count))
        centres.append(vectors[pick])
    matrix = np.stack(centres)
    assignment = np.zeros(count, dtype=int)
    for step in range(iterations):
        new = np.argmax(vectors @ matrix.T, axis=1)
        if step and np.array_equal(new, assignment):
            break
        assignment = new
        for index in range(k):
            members = vectors[assignment == index]
            if len(members):
                centre = members.mean(axis=0)
                matrix[index] = centre / (np.linalg.norm(centre) or 1.0)
    return [int(a) for a in assignment]


def label(jobs: list[Any], size: int = 5) -> list[str]:
    """The group's heaviest keywords: summed weight over its jobs, skills first among equals."""
    weights: Counter[str] = Counter()
    for job in jobs:
        for keyword in job.keywords:
            weights[keyword["term"]] += float(keyword["weight"]) + (0.25 if keyword["term"] in job.skills else 0.0)
    return [term for term, _ in weights.most_common(size)]
