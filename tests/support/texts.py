"""The texts several test modules feed the API: fixture files read once (a job posting, a cover letter)
and the weak resume the improvement tests rewrite."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
JOB_TEXT = (FIXTURES / "jobs" / "senior_backend_python.txt").read_text()
DATA_ENGINEER = (FIXTURES / "jobs" / "data_engineer.txt").read_text()
LETTER = (FIXTURES / "samples" / "cover_letter_maya.txt").read_text()
WEAK_RESUME = """Sam Rivera
sam.rivera@example.com | +1 555 010 2020

Summary
I think I am basically a backend developer who really likes Python.

Experience
Backend Developer | Quillstack | Denver, CO
Jan 2021 - Present
- Responsible for building REST APIs in Python and Django for 30 customers.
- Worked on the PostgreSQL schema in order to speed up reports.

Junior Developer | Pinecrest Labs | Boulder, CO
Jun 2018 - Dec 2020
- Responsible for maintaining internal tools in Python.
- Helped the team with Docker deployments.

Skills
Docker, Git, Python, Django, PostgreSQL

Education
B.S. Computer Science, Colorado State University, 2018
"""
