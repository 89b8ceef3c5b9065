"""Figures for the bench report: each script records what it measured (and the target the issues set)
into the JSON-lines file named by TAILOR_BENCH_RECORD; `bench/report.py` gathers them. Without the
variable, recording does nothing and the scripts just print."""

from __future__ import annotations

import json
import os
from typing import Any


def record(
    script: str,
    name: str,
    value: float,
    unit: str = "ms",
    *,
    p95: float | None = None,
    floor: float | None = None,
    target: str | None = None,
    met: bool | None = None,
) -> None:
    path = os.environ.get("TAILOR_BENCH_RECORD")
    if not path:
        return
    entry: dict[str, Any] = {"script": script, "name": name, "value": round(value, 3), "unit": unit}
    if p95 is not None:
        entry["p95"] = round(p95, 3)
    if floor is not None:
        entry["floor_ms"] = round(floor, 3)
        entry["times_floor"] = round(value / floor, 2) if floor else None
    if target is not None:
        entry["target"] = target
        entry["met"] = met
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")
