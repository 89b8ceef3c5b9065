"""Permission classes: `permission_classes=[IsAuthenticated]` makes a field need a user."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission
from strawberry.types import Info

from graph.context import Context


class IsAuthenticated(BasePermission):
    message = "You must be logged in"
    error_extensions = {"code": "UNAUTHENTICATED"}

    async def has_permission(self, source: Any, info: Info[Context, Any], **kwargs: Any) -> bool:
        # require_user raises UNAUTHENTICATED with the precise reason (expired, forged, missing).
        await info.context.require_user()
        return True
