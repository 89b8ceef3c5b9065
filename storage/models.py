"""Every table, imported in one place so migrations and checks see the whole schema."""

from storage.accounts import User
from storage.analyses import Analysis, CachedScore
from storage.db import Base
from storage.embeddings import CachedEmbedding
from storage.feedback import Feedback
from storage.generations import Generation
from storage.improvements import Improvement, ImprovementRun
from storage.jobs import Job
from storage.outbox import OutboxTask
from storage.profiles import Certification, Education, Experience, Profile, ProfileSkill, Project
from storage.ranking import Ranking
from storage.resumes import Resume
from storage.samples import Sample

metadata = Base.metadata

__all__ = [
    "Analysis",
    "CachedScore",
    "CachedEmbedding",
    "Certification",
    "Education",
    "Experience",
    "Feedback",
    "Generation",
    "Improvement",
    "ImprovementRun",
    "Job",
    "OutboxTask",
    "Profile",
    "ProfileSkill",
    "Ranking",
    "Resume",
    "Sample",
    "Project",
    "User",
    "metadata",
]
