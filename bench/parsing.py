"""Job parsing time on hostile and realistic postings (each must stay well under a second: parsing
runs on the request path). Bounded: a handful of inputs, three runs each.

    .venv/bin/python bench/parsing.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import record  # noqa: E402
from domain.errors import JobParsingFailed  # noqa: E402
from domain.job_parsing import parse_job  # noqa: E402
from domain.skills import default_lexicon  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "jobs"
INPUTS = {
    "fixture: senior backend": (FIXTURES / "senior_backend_python.txt").read_text(),
    "50k realistic": "Backend Engineer\nRequirements\n"
    + "- Python and SQL with distributed systems, Kubernetes and AWS.\n" * 780,
    "hostile: 'Aa-' x16000": "Backend Engineer\n" + "Aa-" * 16000,
    "hostile: 'Go ' x16600": "Backend Engineer\n" + "Go " * 16600,
    "hostile: 'C ' x17000": "Backend Engineer\n" + "C " * 17000,
    "hostile: inline list x16600": "Backend Engineer\nBenefits: " + "a, " * 16600,
}


def main() -> None:
    lexicon = default_lexicon()
    print(f"\n{'posting':<32}{'chars':>8}{'best ms':>10}")
    for name, text in INPUTS.items():
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            try:
                parse_job(text, lexicon)
            except JobParsingFailed:
                pass
            runs.append((time.perf_counter() - started) * 1000)
        print(f"{name:<32}{len(text):>8}{min(runs):>10.1f}")
        record("parsing", f"parse_job {name}", min(runs))


if __name__ == "__main__":
    main()
