"""What the CPU pool's fork server loads before any worker forks from it (domain/cpu.py): the modules
whose functions run in workers, and the skills lexicon, built once here instead of in every worker.
Nothing here may import torch or open a connection: workers are pure computation."""

from __future__ import annotations

import domain.ai.guarded
import domain.ai.local
import domain.ai.local_writing
import domain.ai.truthfulness
import domain.ats
import domain.clustering
import domain.documents.resume_parsing
import domain.exports
import domain.generations.service
import domain.improvements.text
import domain.job_parsing
import domain.jobs
import domain.matching
import domain.ranking.relevance
import domain.resume_compiler
import domain.resume_views
import domain.scoring
from domain.skills import default_lexicon

default_lexicon()

__all__ = [
    "domain",
]
