"""`python -m issue_core import FILE [--dry-run] [--language en]`, acting as the system user.
Exit codes: 0 imported (or a clean dry run), 1 refused (problems listed), 2 unreadable file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import Engine

from issue_core.auth import SYSTEM
from issue_core.i18n import translate
from issue_core.imports.reading import UnreadableFile
from issue_core.imports.run import ImportResult, run_import


def problem_lines(result: ImportResult, language: str) -> list[str]:
    return [
        f"{problem.table or '-'}\t{problem.row or '-'}\t{problem.column or '-'}\t{problem.reason(language)}"
        for problem in result.problems
    ]


def summary(result: ImportResult, language: str) -> str:
    key = "import.cli.imported" if result.imported else "import.cli.ready"
    return translate(key, language, total=result.total, counts=result.counts_line)


def import_command(engine: Engine, args: argparse.Namespace) -> int:
    language = args.language
    path = Path(args.file)
    try:
        content = path.read_bytes()
    except OSError as error:
        print(translate("import.cli.cannot_open", language, file=str(path), reason=error.strerror or str(error)),
              file=sys.stderr)
        return 2
    try:
        result = run_import(engine, SYSTEM, path.name, content, dry_run=args.dry_run)
    except UnreadableFile as error:
        print(error.reason(language), file=sys.stderr)
        return 2
    if result.problems:
        print(translate("import.cli.refused", language, count=len(result.problems)), file=sys.stderr)
        print(translate("import.cli.header", language), file=sys.stderr)
        for line in problem_lines(result, language):
            print(line, file=sys.stderr)
        return 1
    print(summary(result, language))
    return 0
