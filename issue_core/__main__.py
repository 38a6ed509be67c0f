"""Command line: python -m issue_core <command>. Every command first brings the database to the
latest migration."""

from __future__ import annotations

import argparse
import sys

from issue_core.db import configured_url, current_revision, get_engine, is_empty, migrate
from issue_core.errors import DomainError


def cmd_migrate(args: argparse.Namespace) -> int:
    engine = get_engine(args.database_url)
    migrate(engine)
    print(f"database at revision {current_revision(engine)}: {engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from issue_core.demo import seed_demo

    engine = get_engine(args.database_url)
    migrate(engine)
    if not is_empty(engine):
        print("the database already holds sites: demo data is only written into an empty database", file=sys.stderr)
        return 1
    seed_demo(engine)
    print("demo data written")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m issue_core", description="ISSUE dashboard command line")
    parser.add_argument("--database-url", default=None, help=f"default: the configured URL ({configured_url()})")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="bring the database to the latest migration").set_defaults(func=cmd_migrate)
    commands.add_parser("seed-demo", help="write the demo data into an empty database").set_defaults(func=cmd_seed_demo)
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
