"""Command line: python -m issue_core <command>. Every command first brings the database to the
latest migration."""

from __future__ import annotations

import argparse
import getpass
import sys

from issue_core.db import configured_url, current_revision, get_engine, is_empty, is_pristine, migrate
from issue_core.errors import DomainError
from issue_core.health import HEALTH_TIMEOUT_SECONDS


def cmd_migrate(args: argparse.Namespace) -> int:
    engine = get_engine(args.database_url)
    migrate(engine)
    print(f"database at revision {current_revision(engine)}: {engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from issue_core.demo import seed_demo

    engine = get_engine(args.database_url)
    migrate(engine)
    if not is_pristine(engine):
        print("the database has already been used (accounts, sites or audit rows): demo data is only written "
              "into a new database", file=sys.stderr)
        return 1
    seed_demo(engine)
    print("demo data written")
    return 0


def read_new_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (12 characters at least): ")
    if getpass.getpass("Repeat the password: ") != first:
        raise SystemExit("the two passwords differ: nothing was created")
    return first


def cmd_create_user(args: argparse.Namespace) -> int:
    from issue_core.auth import SYSTEM
    from issue_core.services.users import create_user

    engine = get_engine(args.database_url)
    migrate(engine)
    organisation_id = None
    if args.organisation:
        from sqlalchemy import select

        from issue_core.db import read_session
        from issue_core.models import Organisation

        with read_session(engine) as session:
            organisation_id = session.scalar(
                select(Organisation.id).where(Organisation.short_name == args.organisation)
            )
        if organisation_id is None:
            print(f"no organisation with the short name {args.organisation!r}", file=sys.stderr)
            return 2
    password = read_new_password(args.password_stdin)
    user_id = create_user(
        engine, SYSTEM, username=args.username, display_name=args.display_name or args.username, role=args.role,
        password=password, organisation_id=organisation_id, language=args.language, email=args.email,
    )
    print(f"account {args.username} created (id {user_id}, role {args.role})")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from issue_core import bench
    from issue_core.ui.bench_pages import bench_pages, write_json

    url = args.database_url or configured_url()
    if args.action == "pages":
        results = bench_pages(url, args.user, args.password, repeat=args.repeat, pages=args.page or None)
    elif args.action == "load":
        from issue_core.ui.bench_load import bench_load

        results = bench_load(args.url, url, args.user, sessions=args.sessions, seconds=args.seconds,
                             pages=args.page or None)
    else:
        engine = get_engine(url)
        migrate(engine)
        results = {"kind": "metrics", "engine": engine.dialect.name}
        if args.action != "metrics" and not args.existing:
            results["rows"] = build_bench_database(engine, args)
        timings = bench.time_metrics(engine, repeat=args.repeat)
        results["metrics"] = [{"metric": t.metric, "first_ms": round(t.first_seconds * 1000, 1),
                               "median_ms": round(t.median_seconds * 1000, 1)} for t in timings]
    write_json(results, args.json)
    return 0


def build_bench_database(engine, args: argparse.Namespace) -> dict[str, int]:  # noqa: ANN001 (an Engine)
    from issue_core import bench

    if args.scale == "demo":
        from issue_core.demo import seed_demo

        if not is_empty(engine):
            raise SystemExit("the bench needs an empty database: it writes synthetic data into it")
        seed_demo(engine)
        return {}
    shape = bench.SCALES.get(args.scale) or bench.Shape(units=args.units, households=args.households)
    return bench.build(engine, shape, progress=bench.progress_bar())


def cmd_report(args: argparse.Namespace) -> int:
    from issue_core.reports.cli import report_command

    engine = get_engine(args.database_url)
    migrate(engine)
    return report_command(engine, args)


def cmd_import(args: argparse.Namespace) -> int:
    from issue_core.imports.cli import import_command

    engine = get_engine(args.database_url)
    migrate(engine)
    return import_command(engine, args)


def cmd_export(args: argparse.Namespace) -> int:
    from issue_core.tables import export_command

    engine = get_engine(args.database_url)
    migrate(engine)
    return export_command(engine, args)


def cmd_backup(args: argparse.Namespace) -> int:
    from issue_core.backup import backup_command

    return backup_command(get_engine(args.database_url), args)


def cmd_restore(args: argparse.Namespace) -> int:
    from issue_core.backup import restore_command

    return restore_command(get_engine(args.database_url), args)


def cmd_health(args: argparse.Namespace) -> int:
    from issue_core.health import health_command

    return health_command(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m issue_core", description="ISSUE dashboard command line")
    parser.add_argument("--database-url", default=None, help=f"default: the configured URL ({configured_url()})")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="bring the database to the latest migration").set_defaults(func=cmd_migrate)
    commands.add_parser("seed-demo", help="write the demo data into a new database").set_defaults(func=cmd_seed_demo)
    create = commands.add_parser("create-user", help="create an account (asks for its password)")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=["admin", "coordinator", "director", "screen"])
    create.add_argument("--organisation", help="short name of the partner (coordinators and directors)")
    create.add_argument("--display-name")
    create.add_argument("--email")
    create.add_argument("--language", default="fr", choices=["fr", "nl", "en"])
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    create.set_defaults(func=cmd_create_user)
    bench = commands.add_parser(
        "bench", help="benchmarks: build a synthetic database and time the metrics, or time the pages, or load a server",
        description="bench [--scale demo|mid|sector]: fill an EMPTY database, then time the metrics. "
                    "bench metrics: time the metrics on the database as it is. bench pages: time every page in "
                    "AppTest, cold and warm, against an empty page. bench load: N signed-in sessions against a "
                    "running server.")
    bench.add_argument("action", nargs="?", default="build", choices=["build", "metrics", "pages", "load"])
    bench.add_argument("--scale", choices=["demo", "mid", "sector"], help="the shape to build (default: custom)")
    bench.add_argument("--households", type=int, default=20_000, help="custom shape (without --scale)")
    bench.add_argument("--units", type=int, default=2_000, help="custom shape (without --scale)")
    bench.add_argument("--repeat", type=int, default=3, help="warm runs per metric or page (the median is kept)")
    bench.add_argument("--existing", action="store_true", help="same as 'bench metrics'")
    bench.add_argument("--json", help="also write the results to this JSON file (to compare two runs)")
    bench.add_argument("--user", default="bench.admin", help="pages, load: the account to sign in with")
    bench.add_argument("--password", default="bench-password-2026", help="pages, load: its password")
    bench.add_argument("--page", action="append", default=[], help="pages, load: only this page (repeatable)")
    bench.add_argument("--url", default="http://127.0.0.1:8501", help="load: the running server")
    bench.add_argument("--sessions", type=int, default=30, help="load: concurrent sessions")
    bench.add_argument("--seconds", type=float, default=60, help="load: how long the load lasts")
    bench.set_defaults(func=cmd_bench)
    report = commands.add_parser("report", help="the period report, as an XLSX workbook or a CSV file")
    report.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
    report.add_argument("--to", dest="end", required=True, help="last day (included), YYYY-MM-DD")
    report.add_argument("--out", required=True, help="file to write: .xlsx or .csv")
    report.add_argument("--axis", type=int, action="append", default=[], help="axis 1, 2 or 3 (repeatable)")
    report.add_argument("--partner", action="append", default=[], help="partner short name (repeatable)")
    report.add_argument("--operator", action="append", default=[], help="housing operator short name (repeatable)")
    report.add_argument("--site", action="append", default=[], help="site name (repeatable)")
    report.add_argument("--suppress-small", action="store_true", help='show counts below 5 as "<5"')
    report.add_argument("--language", default="fr", choices=["fr", "nl", "en"])
    report.set_defaults(func=cmd_report)
    load = commands.add_parser("import", help="import a filled-in template (XLSX or CSV); all or nothing")
    load.add_argument("file")
    load.add_argument("--dry-run", action="store_true", help="list every problem, write nothing")
    load.add_argument("--language", default="en", choices=["fr", "nl", "en"])
    load.set_defaults(func=cmd_import)
    export = commands.add_parser("export", help="every table of the app, as one XLSX workbook or CSV files")
    export.add_argument("dest", help="an .xlsx file, or a folder for one CSV per table")
    export.set_defaults(func=cmd_export)
    backup = commands.add_parser("backup", help="a consistent copy of the database, safe while the app runs")
    backup.add_argument("dest", help="file to write (SQLite copy, or pg_dump archive for PostgreSQL)")
    backup.set_defaults(func=cmd_backup)
    restore = commands.add_parser("restore", help="replace the database with a backup (stop the app first)")
    restore.add_argument("source")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    restore.set_defaults(func=cmd_restore)
    health = commands.add_parser("health", help="whether the database answers (exit 0) or not (exit 1); one line")
    health.add_argument("--timeout", type=float, default=HEALTH_TIMEOUT_SECONDS, help="seconds to wait for the answer")
    health.set_defaults(func=cmd_health)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DomainError as error:
        print(error.message("en"), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
