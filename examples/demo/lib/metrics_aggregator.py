"""Aggregates metric samples. A library module with no entry point."""

from statistics import mean


def aggregate(samples):
    """Returns count, mean and max of a list of numbers."""
    if not samples:
        return {"count": 0, "mean": None, "max": None}
    return {"count": len(samples), "mean": mean(samples), "max": max(samples)}
