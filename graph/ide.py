"""GraphiQL, served offline: its JavaScript and CSS come from the npm packages that `make install` puts
in `graph/graphiql/node_modules` (pinned by `graph/graphiql/package-lock.json`), never from a CDN.

Only the folders the page needs are mounted under `/graphiql/`, one per package, plus our own
`graph/graphiql/static` (the page script that signs in, see `tailor-graphiql.js`). Without the packages
(no Node ≥ 20.19 when `make install` ran) `GET /graphql` from a browser answers a page saying how to
get GraphiQL; the API itself does not depend on any of this."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from html import escape
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

HERE = Path(__file__).resolve().with_name("graphiql")
NODE_MODULES = HERE / "node_modules"
STATIC = HERE / "static"
PREFIX = "/graphiql"
MIN_NODE = "20.19"
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # React and CodeMirror set inline styles
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self' ws: wss:",  # the page's own endpoint, over HTTP and websockets
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'self'",
    ]
)


class PackageFiles(StaticFiles):
    """A package's folder: 404 (not Starlette's 500) while it is not installed, served once `make install` ran."""

    async def check_config(self) -> None:
        return None


@dataclass(frozen=True)
class Package:
    """One npm package: the folder of it that is served at `/graphiql/<name>/`, and the files the page loads."""

    name: str
    folder: str
    files: tuple[str, ...]

    @property
    def directory(self) -> Path:
        return NODE_MODULES / self.name / self.folder

    def version(self) -> str:
        try:
            return str(json.loads((NODE_MODULES / self.name / "package.json").read_text())["version"])
        except (OSError, ValueError, KeyError):
            return "0"


# GraphiQL 4.1.2's UMD build bundles everything but React (18: its JSX runtime needs React 18's internals).
PACKAGES = (
    Package("react", "umd", ("react.production.min.js",)),
    Package("react-dom", "umd", ("react-dom.production.min.js",)),
    Package("graphiql", "dist", ("style.css", "index.umd.js")),
    Package("graphql-ws", "umd", ("graphql-ws.min.js",)),
)
PAGE_FILES = ("tailor-graphiql.css", "tailor-graphiql.js")


def asset_routes() -> list[BaseRoute]:
    """`/graphiql/<package>/…` for each package's served folder and `/graphiql/tailor/…` for the page's own files;
    they answer 404 while the packages are not installed (the folders may appear later, with `make install`)."""
    routes: list[BaseRoute] = [
        Mount(f"{PREFIX}/{package.name}", app=PackageFiles(directory=package.directory, check_dir=False))
        for package in PACKAGES
    ]
    routes.append(Mount(f"{PREFIX}/tailor", app=StaticFiles(directory=STATIC)))
    return routes


def missing_assets() -> list[Path]:
    return [
        package.directory / name
        for package in PACKAGES
        for name in package.files
        if not (package.directory / name).is_file()
    ]


def page(request: Request) -> HTMLResponse:
    """The GraphiQL page (every script and stylesheet from this server), or how to install it."""
    if missing_assets():
        return HTMLResponse(_INSTALL_PAGE, headers={"Cache-Control": "no-store"})
    base = escape(request.scope.get("root_path", "") + PREFIX)
    styles = [f"{base}/graphiql/style.css?v={_version('graphiql')}", f"{base}/tailor/tailor-graphiql.css?v={_digest()}"]
    scripts = [
        f"{base}/{package.name}/{name}?v={package.version()}"
        for package in PACKAGES
        for name in package.files
        if name.endswith(".js")
    ]
    html = _PAGE.format(
        endpoint=escape(request.url.path),
        styles="\n".join(f'<link rel="stylesheet" href="{href}">' for href in styles),
        scripts="\n".join(f'<script src="{src}"></script>' for src in scripts),
        page_script=f"{base}/tailor/tailor-graphiql.js?v={_digest()}",
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"})


def _version(name: str) -> str:
    return next(package.version() for package in PACKAGES if package.name == name)


def _digest() -> str:
    """Changes with the page's own files, so browsers never keep a stale copy."""
    digest = hashlib.sha256()
    for name in PAGE_FILES:
        digest.update((STATIC / name).read_bytes())
    return digest.hexdigest()[:12]


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tailor · GraphiQL</title>
<link rel="icon" href="data:,">
{styles}
</head>
<body>
<header id="tailor-bar">
  <strong>Tailor</strong>
  <span id="tailor-auth" role="status" data-state="signed-out">Not signed in.</span>
  <button id="tailor-sign-out" type="button" hidden>Sign out</button>
</header>
<main id="graphiql" data-endpoint="{endpoint}">Loading GraphiQL…</main>
{scripts}
<script src="{page_script}"></script>
</body>
</html>
"""

_INSTALL_PAGE = f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Tailor · GraphiQL is not installed</title><link rel="icon" href="data:,"></head>
<body style="font-family: system-ui, sans-serif; max-width: 42rem; margin: 3rem auto; line-height: 1.5">
<h1>GraphiQL is not installed</h1>
<p>Tailor serves GraphiQL from npm packages on this machine, never from a CDN. To get it, install
Node.js {MIN_NODE} or newer (<a href="https://nodejs.org/en/download">nodejs.org</a>, your package manager,
or <code>nvm install 22</code>) and run <code>make install</code> (or <code>make run</code>) again: it runs
<code>npm ci</code> in <code>graph/graphiql</code>.</p>
<p>The API works without it: send operations to this URL with <code>POST</code> and
<code>Content-Type: application/json</code>, or over <code>graphql-transport-ws</code> websockets.</p>
</body>
</html>
"""
