"""Resume upload + extraction + parsing through the real server: p50/p95 for a 2-page PDF and DOCX
(each request a distinct file, so no dedupe). Bounded: a fixed number of uploads per kind.

    .venv/bin/python bench/documents.py [--uploads 20]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import FIXTURES, bearer, options, register, running, upload  # noqa: E402
from bench.figures import record  # noqa: E402
from tests.support.documents import make_docx, make_pdf  # noqa: E402

RESUME = (FIXTURES / "resumes" / "maya_chen.txt").read_text()
UPLOAD = "mutation ($file: Upload!) { uploadResume(file: $file) { deduplicated resume { id } } }"


def two_pages(i: int) -> str:
    filler = "\n".join(f"- Delivered project {n} for client {i} with Python and PostgreSQL." for n in range(40))
    return RESUME.replace("PROJECTS", f"Additional work\n{filler}\n\nPROJECTS") + f"\nReference {i}\n"


async def main(uploads: int) -> None:
    async with running() as tailor, httpx.AsyncClient(base_url=tailor.base, timeout=60) as client:
        auth = bearer(await register(client))
        print(f"\nResume upload + parse, {uploads} distinct 2-page files each, real server on 127.0.0.1\n")
        for kind, make, name in (("PDF", make_pdf, "resume.pdf"), ("DOCX", make_docx, "resume.docx")):
            samples = []
            for i in range(uploads):
                content = make(two_pages(i))
                started = time.perf_counter()
                response = await upload(client, auth, UPLOAD, content, name)
                samples.append((time.perf_counter() - started) * 1000)
                if response.json().get("errors"):
                    raise SystemExit(f"upload failed: {response.json()}")
            samples.sort()
            p95 = samples[int(0.95 * (len(samples) - 1))]
            p50 = statistics.median(samples)
            print(f"{kind:<6} {len(content) // 1024:>4} KiB   p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
            record("documents", f"upload {kind} resume", p50, p95=p95)


if __name__ == "__main__":
    asyncio.run(main(options(__doc__, uploads=20).uploads))
