"""The `tailor` command: serve, migrate, export-schema, settings-doc, and operators' account commands."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import types
from collections.abc import Awaitable, Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin

from pydantic import AliasChoices, SecretStr, ValidationError
from pydantic.fields import FieldInfo

from domain.settings import Settings
from graph.logs import configure_logging
from graph.server.settings import WebSettings

if TYPE_CHECKING:  # the services import the whole stack: commands load it only when they run
    from graph.context import Services


def _settings() -> WebSettings:
    try:
        return WebSettings()
    except ValidationError as exc:
        problems = "; ".join(str(err["msg"]).removeprefix("Value error, ") for err in exc.errors())
        sys.exit(f"tailor: invalid settings: {problems}")


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from graph.server.serving import http_protocol

    settings = _settings()
    configure_logging(settings.log_level, settings.effective_log_format)
    if settings.workers > 1 and not settings.chroma_url:
        sys.exit(
            "tailor: the embedded Chroma index is not safe for several processes; "
            "run `chroma run` and set TAILOR_CHROMA_URL, or use TAILOR_WORKERS=1"
        )
    if settings.trusted_documents is not None:
        from graph.persisted import TrustedDocumentsError, load_trusted_documents

        try:
            load_trusted_documents(settings.trusted_documents)
        except TrustedDocumentsError as exc:
            sys.exit(f"tailor: {exc}")
    if args.host:  # each worker reads its settings again: the CORS default depends on the host
        os.environ["TAILOR_HOST"] = args.host
    options: dict[str, Any] = {
        "factory": True,
        "host": args.host or settings.host,
        "port": args.port if args.port is not None else settings.port,
        "workers": settings.workers,
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": settings.shutdown_timeout_seconds,
        "proxy_headers": False,
        "ws_max_size": settings.max_body_bytes,
        "http": http_protocol(settings.request_header_timeout_seconds),  # uvicorn's, with a deadline for headers
    }
    if settings.workers > 1:  # uvicorn's supervisor says where it listens; each worker logs "tailor ready"
        uvicorn.run("graph.server.app:serve_app", **options)
        return
    from graph.server.serving import AnnouncingServer

    server = AnnouncingServer(uvicorn.Config("graph.server.app:serve_app", **options), graphiql=settings.graphiql)
    try:
        server.run()
    except KeyboardInterrupt:  # Ctrl+C: uvicorn has shut down gracefully and re-raised it
        pass
    if not server.started:
        sys.exit(3)  # uvicorn's STARTUP_FAILURE: the port is taken, or the app failed to start


def migrate(_: argparse.Namespace) -> None:
    from storage import migrate as migrations
    from storage.db import create_engine

    settings = _settings()
    configure_logging(settings.log_level, settings.effective_log_format)
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    async def run() -> str | None:
        engine = create_engine(settings.resolved_database_url)
        try:
            await migrations.upgrade(engine)
            return await migrations.current_revision(engine)
        finally:
            await engine.dispose()

    print(f"database at revision {asyncio.run(run())}")


def set_role(args: argparse.Namespace) -> None:
    async def action(services: Services) -> str:
        user = await services.accounts.set_role(args.email, args.role.upper())
        return f"{user.email} is now {user.role}"

    _account_command(action)


def _account_command(action: Callable[[Services], Awaitable[str]]) -> None:
    """Runs one account action against the configured database and prints its answer (or its error)."""
    from domain.errors import DomainError
    from graph.server.app import build_services

    settings = _settings()

    async def run() -> str:
        services = build_services(settings)
        try:
            return await action(services)
        finally:
            await services.aclose()

    try:
        print(asyncio.run(run()))
    except DomainError as exc:
        sys.exit(f"tailor: {exc.message}")


def read_new_password(stdin: Any = None) -> str:
    """From a terminal, asked twice without echo; otherwise the first line of standard input (so a
    script can pipe it in, and it never appears in the process list or the shell history)."""
    import getpass

    stream = stdin or sys.stdin
    if stream.isatty():
        password = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != password:
            sys.exit("tailor: the passwords differ")
        return password
    return stream.readline().rstrip("\r\n")


def reset_password(args: argparse.Namespace) -> None:
    password = read_new_password()

    async def action(services: Services) -> str:
        user = await services.accounts.reset_password(args.email, password)
        return f"new password set for {user.email}; every session of the account has ended"

    _account_command(action)


def reindex(_: argparse.Namespace) -> None:
    from graph.server.app import build_services
    from storage import migrate as migrations

    settings = _settings()
    configure_logging(settings.log_level, settings.effective_log_format)

    async def run() -> dict[str, int]:
        services = build_services(settings)
        try:
            await migrations.upgrade(services.engine)
            counts = await services.indexer.reindex()
            await services.indexer.drain()  # what the outbox held is in the rebuild already; clear it
            return counts
        finally:
            await services.aclose()

    counts = asyncio.run(run())
    print("reindexed " + ", ".join(f"{name}: {count}" for name, count in counts.items()))


def export_schema(_: argparse.Namespace) -> None:
    from graph.schema import export_sdl

    sys.stdout.write(export_sdl())


SETTINGS_DOC_HEAD = """# Settings

Every setting is an environment variable with the prefix `TAILOR_`, read once at start into one
pydantic-settings object. Lists take `a,b` or a JSON array; `TAILOR_SCORE_WEIGHTS` takes a JSON object. A
value that does not fit stops the server at start with a one-line message.

The settings live with the code that reads them: the server's web settings in `graph/server/settings.py`
(`WebSettings`), the rest in `domain/settings.py` (`Settings`, which `WebSettings` extends). This page is
generated from both classes by `tailor settings-doc` (`make docs` writes it); a test fails when it is
stale, so edit the descriptions in those files, not here.
"""
SETTINGS_TABLE_HEAD = "| variable | type | default | description |\n|---|---|---|---|\n"
WEB_SECTIONS = {  # first field of each section → its heading, in the order the class declares them
    "host": "Listening, processes and deadlines",
    "cors_origins": "HTTP and websockets",
    "introspection": "GraphQL documents and operations",
    "log_level": "Logs",
}
DOMAIN_SECTIONS = {
    "env": "Environment and database",
    "jwt_secret": "Accounts",
    "max_resume_chars": "Documents and worker processes",
    "storage_quota_bytes": "Quotas and budgets",
    "llm_provider": "AI",
    "score_weights": "Scoring, matching and improvement runs",
    "pdf_font_dir": "Fonts, the vector index and Redis",
}


def _type_name(annotation: Any) -> str:
    if get_origin(annotation) in (Union, types.UnionType):
        return " or ".join(_type_name(arg) for arg in get_args(annotation) if arg is not type(None))
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return " / ".join(f"`{member.value}`" for member in annotation)
    if annotation is SecretStr:
        return "secret"
    if annotation is Path:
        return "path"
    if get_origin(annotation) is list:
        return "list"
    if get_origin(annotation) is dict:
        return "JSON object"
    return getattr(annotation, "__name__", str(annotation))


def _bounds(field: FieldInfo) -> str:
    """The limits pydantic checks (`ge`, `gt`, `le`, `lt` constraints), as `1–64` or `> 0, ≤ 60`."""
    limits = {kind: getattr(m, kind) for m in field.metadata for kind in ("ge", "gt", "le", "lt") if hasattr(m, kind)}
    if "ge" in limits and "le" in limits:
        return f"{_number(limits['ge'])}–{_number(limits['le'])}"
    signs = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
    return ", ".join(f"{signs[kind]} {_number(value)}" for kind, value in limits.items())


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _default(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, Enum):
        return f"`{value.value}`"
    if isinstance(value, dict):
        return f"`{json.dumps(value, separators=(',', ':'))}`"
    return f"`{value}`"


def _row(name: str, field: FieldInfo) -> str:
    alias = field.validation_alias
    names = alias.choices if isinstance(alias, AliasChoices) else [f"TAILOR_{name.upper()}"]
    variable = " or ".join(f"`{choice}`" for choice in names)
    kind = _type_name(field.annotation)
    if bounds := _bounds(field):
        kind = f"{kind}, {bounds}"
    cells = [variable, kind, _default(field), field.description or ""]
    return "| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |\n"


def _sections(fields: dict[str, FieldInfo], headings: dict[str, str]) -> str:
    """One table per section, each starting at the field `headings` names; a heading naming no field, or
    a first field without a heading, is a mistake in the code, not something to print."""
    if unknown := set(headings) - set(fields):
        raise ValueError(f"settings sections start at unknown fields: {', '.join(sorted(unknown))}")
    if next(iter(fields)) not in headings:
        raise ValueError(f"the first setting, {next(iter(fields))}, needs a section heading")
    text = ""
    for name, field in fields.items():
        if name in headings:
            text += f"\n### {headings[name]}\n\n{SETTINGS_TABLE_HEAD}"
        text += _row(name, field)
    return text


def settings_markdown() -> str:
    """docs/settings.md: one row per setting, from the settings classes themselves: the server's web
    settings (those `WebSettings` adds), then the domain's."""
    web = {name: field for name, field in WebSettings.model_fields.items() if name not in Settings.model_fields}
    server = _sections(web, WEB_SECTIONS)
    domain = _sections(dict(Settings.model_fields), DOMAIN_SECTIONS)
    return (
        f"{SETTINGS_DOC_HEAD}\n## The server (`graph/server/settings.py`)\n\nRead only by the HTTP edge: the "
        f"composition root, the GraphQL view, its middleware and limits.\n{server}"
        f"\n## The domain (`domain/settings.py`)\n\nRead by the services and storage (the composition root "
        f"hands them the values).\n{domain}"
    )


def settings_doc(_: argparse.Namespace) -> None:
    sys.stdout.write(settings_markdown())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="tailor", description="Tailor GraphQL API server")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="apply migrations and serve the API")
    serve_cmd.add_argument("--host", help="overrides TAILOR_HOST")
    serve_cmd.add_argument("--port", type=int, help="overrides TAILOR_PORT")
    serve_cmd.set_defaults(run=serve)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=migrate)
    commands.add_parser("export-schema", help="print the GraphQL SDL").set_defaults(run=export_schema)
    commands.add_parser("settings-doc", help="print docs/settings.md: every setting, from the code").set_defaults(
        run=settings_doc
    )
    commands.add_parser("reindex", help="rebuild the vector index from SQL").set_defaults(run=reindex)
    role_cmd = commands.add_parser("set-role", help="make an account ADMIN (may publish public jobs) or USER")
    role_cmd.add_argument("email")
    role_cmd.add_argument("role", choices=["ADMIN", "USER", "admin", "user"])
    role_cmd.set_defaults(run=set_role)
    reset_cmd = commands.add_parser(
        "reset-password", help="set an account's password (from stdin, or asked) and end all its sessions"
    )
    reset_cmd.add_argument("email")
    reset_cmd.set_defaults(run=reset_password)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
