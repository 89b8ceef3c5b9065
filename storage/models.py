"""Every table, imported in one place so migrations and checks see the whole schema."""

from storage.accounts import User
from storage.db import Base

metadata = Base.metadata

__all__ = ["User", "metadata"]
