"""Lock files of the two environments: where they are, what they pin, and whether they still match their inputs.

Standard library only: `scripts/bootstrap.sh` runs this file with a bare Python 3.10/3.11 before any venv exists.
  python scripts/lockfile.py check main|rasa   exits 1 with a message when the lock is missing or stale
  python scripts/lockfile.py digest main|rasa  prints the inputs digest `make lock` writes into the lock
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIGEST_PREFIX = "# inputs-sha256: "
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


@dataclass(frozen=True)
class Environment:
    """One virtual environment: the file its requirements are declared in and the lock generated from it."""

    name: str
    python: str  # the interpreter bootstrap.sh picks (pyenv 3.11.7 / 3.10.13): markers resolve against it
    inputs: Path
    lock: Path


ENVIRONMENTS = {
    "main": Environment("main", "3.11.7", ROOT / "pyproject.toml", ROOT / "requirements" / "main.lock"),
    "rasa": Environment("rasa", "3.10.13", ROOT / "bot" / "requirements.txt", ROOT / "requirements" / "rasa.lock"),
}


def canonical_name(name: str) -> str:
    """PEP 503 normalised project name, so `PyJWT`, `pyjwt` and `py_jwt` compare equal."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pins(text: str) -> dict[str, str]:
    """`name -> version` for every `name==version` line of a pip requirements/lock file."""
    pins: dict[str, str] = {}
    for line in text.splitlines():
        match = _PIN.match(line.strip())
        if match:
            pins[canonical_name(match.group(1))] = match.group(2)
    return pins


def requirement_lines(text: str) -> list[str]:
    """Requirement lines of a requirements.txt, without comments and whitespace, in a stable order."""
    lines = (re.sub(r"\s+", "", line.split("#", 1)[0]) for line in text.splitlines())
    return sorted(line for line in lines if line)


def declared_requirements(env: Environment, text: str | None = None) -> list[str]:
    """The requirement strings an environment is resolved from (pyproject's main list and every extra, or
    requirements.txt)."""
    source = env.inputs.read_text(encoding="utf-8") if text is None else text
    if env.inputs.suffix != ".toml":
        return requirement_lines(source)
    import tomllib  # imported here: Python 3.11+ only, and only the main environment's inputs are TOML

    project = tomllib.loads(source)["project"]
    extras = project.get("optional-dependencies", {}).values()
    listed = [*project.get("dependencies", []), *(item for extra in extras for item in extra)]
    return sorted(re.sub(r"\s+", "", item) for item in listed)


def inputs_digest(env: Environment, text: str | None = None) -> str:
    """SHA-256 over what the resolver sees, so comments and unrelated pyproject settings do not make a lock stale."""
    payload = json.dumps({"python": env.python, "requirements": declared_requirements(env, text)}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def recorded_digest(lock_text: str) -> str | None:
    """The inputs digest `make lock` wrote into a lock file's header, if any."""
    for line in lock_text.splitlines():
        if line.startswith(DIGEST_PREFIX):
            return line[len(DIGEST_PREFIX) :].strip()
    return None


def staleness(env: Environment) -> str | None:
    """Why the environment's lock cannot be installed as is (missing or older than its inputs), or None."""
    relative = env.lock.relative_to(ROOT)
    if not env.lock.exists():
        return f"{relative} is missing: run `make lock`"
    if recorded_digest(env.lock.read_text(encoding="utf-8")) != inputs_digest(env):
        return f"{relative} does not match {env.inputs.relative_to(ROOT)} any more: run `make lock`"
    return None


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in {"check", "digest"} or argv[1] not in ENVIRONMENTS:
        print("usage: lockfile.py check|digest main|rasa", file=sys.stderr)
        return 2
    env = ENVIRONMENTS[argv[1]]
    if argv[0] == "digest":
        print(inputs_digest(env))
        return 0
    problem = staleness(env)
    if problem:
        print(f"bootstrap: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
