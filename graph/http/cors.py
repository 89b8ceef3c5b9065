"""Which browser pages may call Tailor: CORS for HTTP, the same rule for websocket handshakes, and
GraphQL-shaped refusals that say which setting to change."""

from __future__ import annotations

import re

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp
from strawberry.http.websocket_origin import normalize_origin

from domain.settings import Environment
from graph.errors import error_response
from graph.http.uploads import PREFLIGHT_HEADERS
from graph.server.settings import WebSettings

# Pages a developer runs on this machine (Vite, webpack, Next: any port), allowed by default in development
# when Tailor itself serves on loopback and TAILOR_CORS_ORIGINS is not set.
DEV_ORIGINS = r"^http://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
ALLOWED_HEADERS = [
    "authorization",
    "content-type",
    "accept",
    "x-request-id",
    *PREFLIGHT_HEADERS,  # the CSRF headers uploads need must pass a preflight too
    "apollographql-client-name",
    "apollographql-client-version",
]
EXPOSED_HEADERS = ["x-request-id", "content-disposition", "x-tailor-warning", "retry-after", "www-authenticate"]
REFUSED = "ORIGIN_NOT_ALLOWED"


class OriginPolicy:
    """The configured origins, or, with none configured, the development ones when TAILOR_ENV is
    development and the server listens on loopback (production never gets a default)."""

    def __init__(self, settings: WebSettings) -> None:
        self.origins = [o for o in (normalize_origin(origin) for origin in settings.cors_origins or []) if o]
        if "*" in (settings.cors_origins or []):
            self.origins.append("*")
        dev = (
            settings.cors_origins is None
            and settings.env is Environment.DEVELOPMENT
            and settings.host in LOOPBACK_HOSTS
        )
        self.pattern = DEV_ORIGINS if dev else None
        self._regex = re.compile(DEV_ORIGINS) if dev else None

    def allows(self, origin: str) -> bool:
        normalized = normalize_origin(origin)
        if normalized is None:
            return False
        return "*" in self.origins or normalized in self.origins or bool(self._regex and self._regex.match(normalized))


def refusal(origin: str) -> str:
    return f"Pages on {origin} may not call this API: add the origin to TAILOR_CORS_ORIGINS"


class TailorCORS(CORSMiddleware):
    """Starlette's CORS, with a refused preflight answered as a coded GraphQL error body."""

    def __init__(self, app: ASGIApp, policy: OriginPolicy) -> None:
        super().__init__(
            app,
            allow_origins=policy.origins,
            allow_origin_regex=policy.pattern,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=ALLOWED_HEADERS,
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        origin = request_headers["origin"]
        if not self.is_allowed_origin(origin):
            return error_response(403, refusal(origin), REFUSED)
        failed = response.body.decode(errors="replace")  # e.g. "Disallowed CORS headers"
        return error_response(400, f"{failed}: this API allows the headers {', '.join(ALLOWED_HEADERS)}")
