"""The `townhall` command: serve the API, seed demo data, export the schema, manage departments."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence

from api.logs import configure_logging
from api.runtime import StartupError, database_server, open_database
from api.settings import Settings, SettingsError
from models.common.actors import COMMAND_LINE
from models.common.db import Database
from models.common.errors import DomainError

log = logging.getLogger("townhall.cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="townhall", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the GraphQL API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="seed demo data if the database is empty")
    serve.add_argument("--worker", action="store_true", help="also run `townhall worker` in this process")

    commands.add_parser("seed-demo", help="fill an empty database with the demo city")
    commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")

    worker = commands.add_parser("worker", help="process outbox events and deadlines until stopped")
    worker.add_argument("--once", action="store_true", help="process what is due, then exit")

    token = commands.add_parser(
        "token", help="print an access token for a person (uses the local signing key: no network bypass)"
    )
    who = token.add_mutually_exclusive_group(required=True)
    who.add_argument("--phone", help="a citizen's phone number, e.g. +8613800000001 (demo citizens)")
    who.add_argument("--email", help="a staff account's e-mail")

    department = commands.add_parser("department", help="manage departments")
    department_commands = department.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = department_commands.add_parser("create", help="create a department")
    create.add_argument("--code", required=True, help="2–40 lowercase letters, digits or hyphens")
    create.add_argument("--name-zh", required=True)
    create.add_argument("--name-en", default="")
    create.add_argument("--parent", help="the supervising department's code")

    staff = commands.add_parser("staff", help="manage staff accounts")
    staff_commands = staff.add_subparsers(dest="action", required=True, metavar="ACTION")
    staff_create = staff_commands.add_parser("create", help="create a staff account")
    staff_create.add_argument("--email", required=True)
    staff_create.add_argument("--role", required=True, choices=["helper", "official", "moderator", "admin"])
    staff_create.add_argument("--department", help="the department's code (required for an official)")
    staff_create.add_argument("--name", default="", help="public name (default: the e-mail's name part)")
    staff_create.add_argument(
        "--password-stdin", action="store_true", help="read the password from one line of stdin"
    )

    screening = commands.add_parser("screening", help="manage the screening rules")
    screening_commands = screening.add_subparsers(dest="action", required=True, metavar="ACTION")
    flood = screening_commands.add_parser(
        "flood-limits", help="set when repeated texts and posting rates hold submissions (audited)"
    )
    flood.add_argument("--repeated-text", type=int, default=3, help="the n-th identical text is held (2–100)")
    flood.add_argument("--repeated-text-hours", type=int, default=24, help="…within this many hours (1–168)")
    flood.add_argument(
        "--rate-limit", type=int, default=10, help="submissions past this many are held (1–1000)"
    )
    flood.add_argument("--rate-minutes", type=int, default=10, help="…within this many minutes (1–1440)")

    audit = commands.add_parser("audit", help="check the moderation audit log")
    audit_commands = audit.add_subparsers(dest="action", required=True, metavar="ACTION")
    audit_commands.add_parser("verify", help="report the first changed or removed entry of the hash chain")
    return parser


def _with_database(settings: Settings, job: Callable[[Database], Awaitable[int]]) -> int:
    async def run(uri: str) -> int:
        async with open_database(settings, uri) as db:
            return await job(db)

    with database_server(settings) as uri:
        return asyncio.run(run(uri))


def _serve(settings: Settings, host: str, port: int, demo: bool, worker: bool) -> int:
    import uvicorn

    from api.app import create_app

    # A server owns its database: a second `serve` on the same data directory is refused.
    with database_server(settings, attach=False) as uri:
        if demo:
            _with_demo(settings, uri)
        app = create_app(settings, mongodb_uri=uri, with_worker=worker)
        # What start-up made (the schema above all) lives as long as the process: kept out of the
        # collector's full passes, which scanned it all and stalled the loop ~0.1-0.2 s at a time.
        gc.collect()
        gc.freeze()
        print(f"Townhall: GraphQL at http://{host}:{port}/graphql", file=sys.stderr)
        try:
            uvicorn.run(
                app,
                host=host,
                port=port,
                log_config=None,
                ws="websockets-sansio",
                ws_max_size=settings.ws_max_message_bytes,  # refused (1009) before it is buffered
                lifespan="on",
                access_log=False,
                # The app works out the client address itself, believing X-Forwarded-For only from
                # TOWNHALL_TRUSTED_PROXIES (api/client_address.py); uvicorn's own default believes
                # it from loopback, which handed every new header value a fresh rate limit.
                proxy_headers=False,
            )
        except SystemExit as stop:
            # uvicorn re-raises SIGTERM after its graceful shutdown; for a server that is success.
            if stop.code != 128 + signal.SIGTERM:
                raise
    return 0


def _with_demo(settings: Settings, uri: str) -> None:
    from api.demo.seed import DemoSecrets, seed_demo

    async def run() -> None:
        async with open_database(settings, uri) as db:
            summary = await seed_demo(db, DemoSecrets(phone_key=settings.phone_hash_key()))
            log.info("demo data", extra={"summary": str(summary)})

    asyncio.run(run())


def _seed_demo(settings: Settings) -> Callable[[Database], Awaitable[int]]:
    from api.demo.seed import DemoSecrets, seed_demo

    async def job(db: Database) -> int:
        summary = await seed_demo(db, DemoSecrets(phone_key=settings.phone_hash_key()))
        print(summary.describe())
        return 0

    return job


def _create_department(args: argparse.Namespace) -> Callable[[Database], Awaitable[int]]:
    from models.departments.service import NewDepartment, create_department

    async def job(db: Database) -> int:
        document = await create_department(
            db,
            COMMAND_LINE,
            NewDepartment(
                code=args.code, name_zh=args.name_zh, name_en=args.name_en, parent_code=args.parent
            ),
        )
        print(f"created department {document['code']} ({document['_id']})")
        return 0

    return job


def _read_new_password(from_stdin: bool) -> str:
    """One line of stdin (for scripts), or asked twice without echo (so a typo is not saved)."""
    from models.common.errors import InvalidInput

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InvalidInput("no password on standard input", field="password")
        return password
    import getpass

    try:
        password = getpass.getpass("Password: ")
        again = getpass.getpass("Password again: ")
    except EOFError:
        raise InvalidInput("no password given", field="password") from None
    if again != password:
        raise InvalidInput("the two passwords differ", field="password")
    return password


def _create_staff(args: argparse.Namespace, password: str) -> Callable[[Database], Awaitable[int]]:
    from models.identity.staff import NewStaff, create_staff

    async def job(db: Database) -> int:
        document = await create_staff(
            db,
            COMMAND_LINE,
            NewStaff(
                email=args.email,
                role=args.role,
                password=password,
                department_code=args.department,
                public_name=args.name,
            ),
        )
        print(f"created staff {document['email']} ({document['role']}) {document['_id']}")
        return 0

    return job


def _print_token(args: argparse.Namespace, settings: Settings) -> Callable[[Database], Awaitable[int]]:
    from models.identity.sign_in import sign_in_locally

    policy = settings.token_policy()  # refuse at once when no key is configured

    async def job(db: Database) -> int:
        phone_key = settings.phone_hash_key() if args.phone else b""
        session = await sign_in_locally(db, policy, phone_key=phone_key, phone=args.phone, email=args.email)
        print(session.access_token)
        return 0

    return job


def _run_worker(settings: Settings, once: bool) -> Callable[[Database], Awaitable[int]]:
    from api.workers import run_workers

    async def job(db: Database) -> int:
        await run_workers(db, settings, once=once)
        return 0

    return job


def _set_flood_limits(args: argparse.Namespace) -> Callable[[Database], Awaitable[int]]:
    import datetime as dt

    from models.moderation.flood import FloodLimits
    from models.moderation.screening_rules import set_flood_limits

    limits = FloodLimits(
        repeated_text=args.repeated_text,
        repeated_text_window=dt.timedelta(hours=args.repeated_text_hours),
        rate_limit=args.rate_limit,
        rate_window=dt.timedelta(minutes=args.rate_minutes),
    )

    async def job(db: Database) -> int:
        await set_flood_limits(db, COMMAND_LINE, limits)
        print(
            f"flood limits set: the {limits.repeated_text}th identical text within "
            f"{args.repeated_text_hours} h, more than {limits.rate_limit} submissions within "
            f"{args.rate_minutes} min"
        )
        return 0

    return job


def _verify_audit() -> Callable[[Database], Awaitable[int]]:
    from models.moderation import audit

    async def job(db: Database) -> int:
        result = await audit.verify(db)
        if result.ok:
            print(f"audit log intact: {result.entries} entries")
            return 0
        print(f"audit log broken at entry {result.first_broken_seq}: {result.problem}")
        return 1

    return job


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        configure_logging(settings.log_level)
        if args.command == "export-schema":
            from api.schema import build_schema

            print(build_schema(settings.limits).as_str())
            return 0
        if args.command == "serve":
            return _serve(settings, args.host, args.port, args.demo, args.worker)
        if args.command == "seed-demo":
            return _with_database(settings, _seed_demo(settings))
        if args.command == "token":
            return _with_database(settings, _print_token(args, settings))
        if args.command == "worker":
            return _with_database(settings, _run_worker(settings, args.once))
        if args.command == "department" and args.action == "create":
            return _with_database(settings, _create_department(args))
        if args.command == "staff" and args.action == "create":
            password = _read_new_password(args.password_stdin)
            return _with_database(settings, _create_staff(args, password))
        if args.command == "screening" and args.action == "flood-limits":
            return _with_database(settings, _set_flood_limits(args))
        if args.command == "audit" and args.action == "verify":
            return _with_database(settings, _verify_audit())
    except (SettingsError, StartupError) as error:
        print(f"townhall: {error}", file=sys.stderr)
        return 2
    except DomainError as error:
        where = f" ({error.field})" if error.field else ""
        print(f"townhall: {error.message}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
