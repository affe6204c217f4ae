"""Offline advisory check: which pins of a lock, and which declared requirements, fall inside a known advisory.

The advisories live in requirements/advisories.toml (see its header). Everything here is a pure function over
plain data, so the check runs without network in `make audit` and in the test suite.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import tomllib
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from scripts.lockfile import ROOT, canonical_name

ADVISORIES_FILE = ROOT / "requirements" / "advisories.toml"
_LOWER_BOUND_OPERATORS = {">=", "==", "~=", ">", "==="}


@dataclass(frozen=True)
class Advisory:
    """One published advisory: its ids, the package and the version ranges it affects."""

    id: str
    aliases: tuple[str, ...]
    package: str
    affected: tuple[SpecifierSet, ...]
    summary: str

    def affects(self, version: str) -> bool:
        """Whether `version` lies in an affected range (local labels such as `+cpu` are ignored)."""
        try:
            parsed = Version(version)
        except InvalidVersion:
            return True  # a pin we cannot read is not a pin we can vouch for
        public = Version(parsed.public)
        return any(spec.contains(public, prereleases=True) for spec in self.affected)

    @property
    def fixed(self) -> str:
        """The lowest version above every affected range (what a declared floor must reach)."""
        bounds = [Version(s.version) for spec in self.affected for s in spec if s.operator in {"<", "<="}]
        return str(max(bounds)) if bounds else "none"


@dataclass(frozen=True)
class Accepted:
    """An advisory deliberately left open in one environment, with the reason it cannot be exploited there."""

    id: str
    environment: str
    reason: str


@dataclass(frozen=True)
class AcceptedRelease:
    """Every advisory against one exact release in one environment, for releases another package pins us to.

    Tied to the version: when the lock moves to another release, the acceptance no longer applies and is reviewed.
    """

    package: str
    version: str
    environment: str
    reason: str


@dataclass(frozen=True)
class Finding:
    """A pin or a declared requirement that admits a version an advisory affects."""

    environment: str
    package: str
    version: str
    advisory: Advisory
    accepted: Accepted | AcceptedRelease | None = None

    def describe(self) -> str:
        ids = ", ".join((self.advisory.id, *self.advisory.aliases))
        text = f"[{self.environment}] {self.package} {self.version}: {ids}: {self.advisory.summary} (fixed in "
        text += f"{self.advisory.fixed})"
        return text + (f"\n    accepted: {self.accepted.reason}" if self.accepted else "")


@dataclass(frozen=True)
class AdvisoryDatabase:
    """The advisories, the accepted exceptions and the packages each environment must declare a safe floor for."""

    advisories: tuple[Advisory, ...]
    accepted: tuple[Accepted, ...]
    declare: Mapping[str, tuple[str, ...]]
    accepted_releases: tuple[AcceptedRelease, ...] = ()

    def for_package(self, name: str) -> list[Advisory]:
        return [advisory for advisory in self.advisories if advisory.package == canonical_name(name)]

    def acceptance(
        self, advisory: Advisory, environment: str, version: str | None = None
    ) -> Accepted | AcceptedRelease | None:
        """Why this advisory may stay open in this environment (for this pinned version), or None."""
        ids = {advisory.id, *advisory.aliases}
        by_id = next((a for a in self.accepted if a.id in ids and a.environment == environment), None)
        return by_id or self.release_acceptance(advisory.package, version, environment)

    def release_acceptance(self, package: str, version: str | None, environment: str) -> AcceptedRelease | None:
        return next(
            (
                r
                for r in self.accepted_releases
                if (r.package, r.version, r.environment) == (canonical_name(package), version, environment)
            ),
            None,
        )


def parse_database(text: str) -> AdvisoryDatabase:
    """Read the advisories TOML (raises ValueError on a malformed entry, so a typo cannot hide an advisory)."""
    data = tomllib.loads(text)
    try:
        advisories = tuple(
            Advisory(
                id=entry["id"],
                aliases=tuple(entry.get("aliases", [])),
                package=canonical_name(entry["package"]),
                affected=tuple(SpecifierSet(spec) for spec in entry["affected"]),
                summary=entry["summary"],
            )
            for entry in data.get("advisory", [])
        )
        accepted = tuple(Accepted(e["id"], e["environment"], e["reason"]) for e in data.get("accepted", []))
        releases = tuple(
            AcceptedRelease(canonical_name(e["package"]), e["version"], e["environment"], e["reason"])
            for e in data.get("accepted_release", [])
        )
    except (KeyError, ValueError) as error:
        raise ValueError(f"malformed advisory entry: {error}") from error
    known = {i for a in advisories for i in (a.id, *a.aliases)}
    unknown = [a.id for a in accepted if a.id not in known]
    if unknown:
        raise ValueError(f"accepted entries name unknown advisories: {', '.join(unknown)}")
    declare = {env: tuple(canonical_name(p) for p in names) for env, names in data.get("declare", {}).items()}
    return AdvisoryDatabase(advisories, accepted, declare, releases)


def load_database(path: Path = ADVISORIES_FILE) -> AdvisoryDatabase:
    return parse_database(path.read_text(encoding="utf-8"))


def check_pins(environment: str, pins: Mapping[str, str], database: AdvisoryDatabase) -> list[Finding]:
    """Every (pin, advisory) pair where the pinned version is affected, accepted ones marked as such."""
    findings = []
    for name, version in sorted(pins.items()):
        for advisory in database.for_package(name):
            if advisory.affects(version):
                accepted = database.acceptance(advisory, environment, version)
                findings.append(Finding(environment, name, version, advisory, accepted))
    return findings


def declared_floor(specifier: SpecifierSet) -> Version | None:
    """The lowest version a specifier set can admit, when it states one (`>=`, `==`, `~=`, `>`)."""
    floors = [Version(s.version) for s in specifier if s.operator in _LOWER_BOUND_OPERATORS and "*" not in s.version]
    return max(floors) if floors else None


def check_declared(environment: str, requirements: Iterable[str], database: AdvisoryDatabase) -> list[Finding]:
    """Declared requirements whose range still admits an affected version, plus required floors never declared.

    A requirement passes when its lower bound is at or above every fix for its package (accepted advisories aside).
    """
    findings: list[Finding] = []
    declared: dict[str, SpecifierSet] = {}
    for line in requirements:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue  # pip options and URLs carry no version range to judge
        declared[canonical_name(requirement.name)] = requirement.specifier
    for name in sorted(set(declared) | set(database.declare.get(environment, ()))):
        specifier = declared.get(name)
        floor = declared_floor(specifier) if specifier is not None else None
        shown = "not declared" if specifier is None else (str(specifier) or "any version")
        for advisory in database.for_package(name):
            if database.acceptance(advisory, environment):
                continue
            unfixed = advisory.fixed == "none"
            if floor is None or unfixed or advisory.affects(str(floor)) or floor < Version(advisory.fixed):
                findings.append(Finding(environment, name, shown, advisory))
    return findings
