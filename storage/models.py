"""Every table, imported in one place so migrations and checks see the whole schema."""

from storage.accounts import User
from storage.db import Base
from storage.jobs import Job

metadata = Base.metadata

__all__ = ["Job", "User", "metadata"]
