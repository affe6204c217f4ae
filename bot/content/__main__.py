"""Command line: `python -m bot.content {validate,export,import,report}` from the project root."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.content.errors import ContentError
from bot.content.issues import Severity, has_errors
from bot.content.settings import ContentSettings
from language_registry import codes


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.content", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path("."), help="project root")
    parser.add_argument("--config", type=Path, default=Path("config.yml"))
    parser.add_argument("--domain", type=Path, default=Path("bot/domain"))
    parser.add_argument("--responses", type=Path, default=Path("bot/domain/responses.yml"))
    parser.add_argument("--nlu", type=Path, default=Path("nlu_data"))
    parser.add_argument("--data", type=Path, default=Path("bot/data"), help="rules and stories")
    parser.add_argument("--languages", default=None, help="comma-separated (default: languages.yml)")
    parser.add_argument("--min-examples", type=int, default=30)
    parser.add_argument("--min-faq-examples", type=int, default=60)
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="rasa data validate + our checks")
    validate.add_argument("--skip-rasa", action="store_true", help="only our checks")
    validate.add_argument("--no-warnings", action="store_true", help="hide warnings")
    export = commands.add_parser("export", help="examples and responses to CSV")
    export.add_argument("--out", type=Path, required=True)
    importing = commands.add_parser("import", help="CSV back into the YAML files")
    importing.add_argument("csv", type=Path)
    report = commands.add_parser("report", help="per-language quality report")
    report.add_argument("--out", type=Path, required=True)
    report.add_argument("--test-fraction", type=float, default=0.2)
    report.add_argument("--seed", type=int, default=42)
    report.add_argument("--epochs", type=int, default=None, help="override DIET epochs")
    report.add_argument(
        "--predictions", type=Path, default=None, help="also write every held-out prediction here (JSONL)"
    )
    report.add_argument(
        "--history", type=Path, default=None, help="append per-language accuracy here (JSONL) and chart it (.svg)"
    )
    return parser


def settings_from(args: argparse.Namespace) -> ContentSettings:
    """Builds the settings object from parsed arguments."""
    return ContentSettings(
        project_root=args.root,
        config=args.config,
        domain=args.domain,
        responses=args.responses,
        nlu_dir=args.nlu,
        dialogue_data=args.data,
        languages=tuple(code.strip() for code in (args.languages or ",".join(codes())).split(",") if code.strip()),
        min_examples=args.min_examples,
        min_examples_by_intent={"faq": args.min_faq_examples},
    )


def _validate(settings: ContentSettings, args: argparse.Namespace) -> int:
    from bot.content.validate import content_issues, rasa_issue, run_rasa_validate

    issues = content_issues(settings)
    if not args.skip_rasa:
        result = run_rasa_validate(settings)
        print(result.output, end="")
        issues.extend(rasa_issue(settings, result))
    shown = [i for i in issues if not (args.no_warnings and i.severity is Severity.WARNING)]
    for issue in shown:
        print(issue.format(settings.project_root))
    errors = sum(1 for i in issues if i.severity is Severity.ERROR)
    print(f"{errors} error(s), {len(issues) - errors} warning(s)")
    return 1 if has_errors(issues) else 0


def _run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.command == "validate":
        return _validate(settings, args)
    if args.command == "export":
        from bot.content.csv_io import export_csv

        rows = export_csv(settings, args.out)
        print(f"wrote {rows} rows to {args.out}")
        return 0
    if args.command == "import":
        from bot.content.csv_io import import_csv

        changed: list[Path] = import_csv(settings, args.csv)
        print(f"updated {len(changed)} file(s): " + ", ".join(str(p) for p in changed))
        return 0
    from bot.content.report.run import run_report

    written = run_report(settings, args.out, args.test_fraction, args.seed, args.epochs, args.predictions, args.history)
    print(f"report written to {written}")
    if args.history is not None:
        print(f"accuracy history: {args.history} (chart {args.history.with_suffix('.svg')})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one command and returns the process exit code (2 on a content-tooling error)."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (ContentError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
