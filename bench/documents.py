"""Resume upload + extraction + parsing through the real server: p50/p95 for a 2-page PDF and DOCX
(each request a distinct file, so no dedupe). Bounded: a fixed number of uploads per kind.

    .venv/bin/python bench/documents.py [--uploads 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.figures import record  # noqa: E402
from bench.run import UNLIMITED, free_port, wait_ready  # noqa: E402
from tests.documents import make_docx, make_pdf  # noqa: E402

RESUME = (ROOT / "tests" / "fixtures" / "resumes" / "maya_chen.txt").read_text()
UPLOAD = "mutation ($file: Upload!) { uploadResume(file: $file) { deduplicated resume { id } } }"


def two_pages(i: int) -> str:
    filler = "\n".join(f"- Delivered project {n} for client {i} with Python and PostgreSQL." for n in range(40))
    return RESUME.replace("PROJECTS", f"Additional work\n{filler}\n\nPROJECTS") + f"\nReference {i}\n"


async def main(uploads: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="tailor-doc-bench-"))
    port = free_port()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("TAILOR_")}
    env = {**inherited, **UNLIMITED, "TAILOR_DATA_DIR": str(data_dir), "TAILOR_PORT": str(port)}
    env["TAILOR_LOG_LEVEL"] = "WARNING"
    proc = subprocess.Popen([sys.executable, "-m", "graph.server.cli", "serve"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(base, proc)
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            signup = await client.post(
                "/graphql",
                json={
                    "query": 'mutation { register(email: "bench@example.com", password: "bench password") { token } }'
                },
            )
            headers = {
                "Authorization": f"Bearer {signup.json()['data']['register']['token']}",
                "Apollo-Require-Preflight": "true",
            }
            print(f"\nResume upload + parse, {uploads} distinct 2-page files each, real server on 127.0.0.1\n")
            for kind, make, name in (("PDF", make_pdf, "resume.pdf"), ("DOCX", make_docx, "resume.docx")):
                samples = []
                for i in range(uploads):
                    content = make(two_pages(i))
                    started = time.perf_counter()
                    response = await client.post(
                        "/graphql",
                        data={
                            "operations": json.dumps({"query": UPLOAD, "variables": {"file": None}}),
                            "map": json.dumps({"0": ["variables.file"]}),
                        },
                        files={"0": (name, content, "application/octet-stream")},
                        headers=headers,
                    )
                    samples.append((time.perf_counter() - started) * 1000)
                    if response.json().get("errors"):
                        raise SystemExit(f"upload failed: {response.json()}")
                samples.sort()
                p95 = samples[int(0.95 * (len(samples) - 1))]
                p50 = statistics.median(samples)
                print(f"{kind:<6} {len(content) // 1024:>4} KiB   p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
                record("documents", f"upload {kind} resume", p50, p95=p95)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--uploads", type=int, default=20)
    asyncio.run(main(parser.parse_args().uploads))
