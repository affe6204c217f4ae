"""`make audit`: the dependency audit of both lock files.

1. Offline, always: every pin against requirements/advisories.toml, and every declared requirement's floor.
2. Online, when reachable (skip with `--offline`): pip-audit against PyPI's vulnerability service, lock by lock.
   An unreachable service is reported as such and never counts as a clean result.
Exits 1 when any advisory is open (not listed as accepted for that environment), 0 otherwise.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.advisories import AdvisoryDatabase, Finding, check_declared, check_pins, load_database
from scripts.lockfile import ENVIRONMENTS, Environment, declared_requirements, parse_pins, staleness


@dataclass
class OnlineResult:
    """What pip-audit reported for one lock: open vulnerabilities, or why the lookup was not possible."""

    open: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    unavailable: str | None = None


def accepted_ids(database: AdvisoryDatabase, environment: str) -> set[str]:
    """Ids and aliases of the advisories accepted for an environment (pip-audit may name any of them)."""
    ids: set[str] = set()
    for advisory in database.advisories:
        if database.acceptance(advisory, environment):
            ids |= {advisory.id, *advisory.aliases}
    return ids


def summarize_pip_audit(
    report: dict[str, Any], accepted: set[str], environment: str = "", database: AdvisoryDatabase | None = None
) -> OnlineResult:
    """Open and accepted vulnerabilities from pip-audit's JSON report; unavailable when it audited nothing.

    A vulnerability counts as accepted when one of its ids is in `accepted`, or when the database accepts every
    advisory against that exact release in this environment.
    """
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    if dependencies and not audited:
        return OnlineResult(unavailable=f"no advisory data came back for any of {len(dependencies)} pins")
    result = OnlineResult()
    for dependency in audited:
        for vuln in dependency.get("vulns", []):
            names = {vuln.get("id", ""), *vuln.get("aliases", [])}
            fix = ", ".join(vuln.get("fix_versions", [])) or "no fix"
            line = f"{dependency['name']} {dependency['version']}: {vuln.get('id')} (fixed in {fix})"
            release = database and database.release_acceptance(dependency["name"], dependency["version"], environment)
            (result.accepted if names & accepted or release else result.open).append(line)
    return result


def audit_online(env: Environment, database: AdvisoryDatabase) -> OnlineResult:
    """pip-audit against PyPI's advisory service, then OSV's when PyPI answered nothing; the first answer counts."""
    reasons = []
    for service in ("pypi", "osv"):
        result = run_pip_audit(env, database, service)
        if result.unavailable is None:
            return result
        reasons.append(f"{service}: {result.unavailable}")
    return OnlineResult(unavailable="; ".join(reasons))


def run_pip_audit(env: Environment, database: AdvisoryDatabase, service: str) -> OnlineResult:
    """Run pip-audit on one lock (no resolution, no install: the lock is complete and hashed)."""
    pip_audit = Path(sys.executable).parent / "pip-audit"
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.json"
        command = [str(pip_audit), "-r", str(env.lock), "--disable-pip", "--require-hashes", "--format", "json"]
        command += ["--output", str(output), "--progress-spinner", "off", "--timeout", "10", "-s", service]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as error:
            return OnlineResult(unavailable=f"pip-audit did not run: {error}")
        if not output.exists():
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            return OnlineResult(unavailable=f"pip-audit failed: {last[:100]}")
        report = json.loads(output.read_text(encoding="utf-8"))
        return summarize_pip_audit(report, accepted_ids(database, env.name), env.name, database)


def audit_offline(env: Environment, database: AdvisoryDatabase) -> list[Finding]:
    """Findings for one environment's lock pins and declared requirements."""
    pins = parse_pins(env.lock.read_text(encoding="utf-8")) if env.lock.exists() else {}
    return check_pins(env.name, pins, database) + check_declared(env.name, declared_requirements(env), database)


def main(argv: list[str]) -> int:
    online = "--offline" not in argv
    database = load_database()
    failed = False
    for env in ENVIRONMENTS.values():
        problem = staleness(env)
        if problem:
            print(f"audit: {problem}")
            failed = True
        findings = audit_offline(env, database)
        open_findings = [f for f in findings if f.accepted is None]
        print(f"audit: [{env.name}] offline: {len(open_findings)} open, {len(findings) - len(open_findings)} accepted")
        for finding in findings:
            print(("  ACCEPTED " if finding.accepted else "  OPEN ") + finding.describe())
        failed |= bool(open_findings)
        if online and env.lock.exists():
            result = audit_online(env, database)
            if result.unavailable:
                print(f"audit: [{env.name}] online: NOT CHECKED ({result.unavailable}); the offline list decides")
                continue
            print(f"audit: [{env.name}] online (pip-audit): {len(result.open)} open, {len(result.accepted)} accepted")
            for line in result.open:
                print(f"  OPEN {line}")
            failed |= bool(result.open)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
