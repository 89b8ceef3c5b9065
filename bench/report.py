"""The bench report: runs every benchmark script, gathers the figures they record (bench/figures.py) and
writes `bench/results/report.md` and `bench/results/report.json`: the machine, each figure with its
target and the `{ __typename }` floor measured in the same run, and each script's own output.

    make bench                                       # everything (matching loads 20,000 jobs the first time:
                                                     # about 15 minutes; its data is kept for later runs)
    .venv/bin/python bench/report.py --skip-matching # all but that
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SCRIPTS = [
    "run",
    "statements",
    "embeddings",
    "parsing",
    "documents",
    "liveness",
    "improvements",
    "feedback",
    "load",
    "matching",
]


def machine() -> dict[str, Any]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def markdown(info: dict[str, Any], figures: list[dict[str, Any]], outputs: dict[str, str]) -> str:
    lines = ["# Tailor bench report", ""]
    lines += [f"- {key}: {value}" for key, value in info.items()]
    lines += [
        "",
        "| script | figure | value | p95 | × floor (floor ms) | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        floor = f"{f['times_floor']} ({f['floor_ms']})" if "floor_ms" in f else ""
        met = {True: "yes", False: "**no**", None: ""}[f.get("met")]
        p95 = f"{f['p95']}" if "p95" in f else ""
        value = f"{f['value']} {f['unit']}"
        lines.append(f"| {f['script']} | {f['name']} | {value} | {p95} | {floor} | {f.get('target', '')} | {met} |")
    for script, output in outputs.items():
        lines += ["", f"## bench/{script}.py", "", "```", output.strip(), "```"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-matching", action="store_true", help="leave out bench/matching.py (20,000 jobs)")
    parser.add_argument("--only", nargs="*", help="run just these scripts (names without .py)")
    args = parser.parse_args()
    scripts = args.only or [s for s in SCRIPTS if not (args.skip_matching and s == "matching")]
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w+", suffix=".jsonl", delete=False) as sink:
        record_path = sink.name
    env = {**os.environ, "TAILOR_BENCH_RECORD": record_path}
    outputs: dict[str, str] = {}
    for script in scripts:
        started = time.monotonic()
        print(f"bench/{script}.py …", flush=True)
        done = subprocess.run(
            [sys.executable, f"bench/{script}.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        outputs[script] = done.stdout + (
            f"\n(exit {done.returncode})\n{done.stderr[-2000:]}" if done.returncode else ""
        )
        print(f"  {time.monotonic() - started:.0f} s, exit {done.returncode}", flush=True)
    figures = [json.loads(line) for line in Path(record_path).read_text().splitlines() if line.strip()]
    Path(record_path).unlink()
    info = machine()
    (RESULTS / "report.json").write_text(json.dumps({"machine": info, "figures": figures}, indent=2) + "\n")
    (RESULTS / "report.md").write_text(markdown(info, figures, outputs))
    missed = [f for f in figures if f.get("met") is False]
    print(f"wrote bench/results/report.md and report.json: {len(figures)} figures, {len(missed)} targets missed")


if __name__ == "__main__":
    main()
