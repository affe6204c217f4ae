"""`make lock`: regenerate requirements/main.lock and requirements/rasa.lock (pinned, with hashes) with uv.

uv keeps every pin the existing lock already has unless the inputs need another version (`UPGRADE=1` lifts them).
torch must resolve to the machine's CPU wheel: any other build of `torch==2.13.0` pulls gigabytes of CUDA packages,
so the folder holding that wheel (pip's `find-links`, or `LOCK_FIND_LINKS`) is passed to uv, and a main lock that
pins anything else for torch, or any `nvidia-*` package, is refused.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from scripts.lockfile import DIGEST_PREFIX, ENVIRONMENTS, ROOT, Environment, inputs_digest, parse_pins

TORCH_PIN = "2.13.0+cpu"


class LockError(Exception):
    """A lock could not be generated, or came out in a shape bootstrap must not install."""


def find_links() -> list[str]:
    """Where the local CPU torch wheel lives: `LOCK_FIND_LINKS`, else pip's configured find-links."""
    given = os.environ.get("LOCK_FIND_LINKS") or os.environ.get("PIP_FIND_LINKS")
    if given is None:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "config", "get", "global.find-links"], capture_output=True, text=True
        )
        given = result.stdout if result.returncode == 0 else ""
    return shlex.split(given)


def refuse_unsafe_main_lock(text: str) -> None:
    """Raise when the main lock would install a non-CPU torch or CUDA libraries."""
    pins = parse_pins(text)
    if pins.get("torch") != TORCH_PIN:
        raise LockError(f"torch resolved to {pins.get('torch')!r}, not the local CPU wheel {TORCH_PIN}")
    cuda = sorted(name for name in pins if name.startswith("nvidia-") or name == "triton")
    if cuda:
        raise LockError(f"the lock pulls CUDA packages: {', '.join(cuda)}")


def with_digest(text: str, digest: str) -> str:
    """The lock text with the inputs digest line placed right after uv's header comment."""
    lines = [line for line in text.splitlines() if not line.startswith(DIGEST_PREFIX)]
    header_end = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    lines.insert(header_end, DIGEST_PREFIX + digest)
    return "\n".join(lines) + "\n"


def uv_binary() -> Path:
    uv = Path(sys.executable).parent / "uv"
    if not uv.exists():
        raise LockError(f"{uv} is missing: `{sys.executable} -m pip install uv==0.13.9` (a dev dependency)")
    return uv


def compile_command(env: Environment, output: Path, links: list[str], upgrade: bool) -> list[str]:
    command = [str(uv_binary()), "pip", "compile", str(env.inputs.relative_to(ROOT)), "--quiet", "--generate-hashes"]
    command += ["--python-version", env.python, "--custom-compile-command", "make lock", "--output-file", str(output)]
    if env.name == "main":
        command.append("--all-extras")  # one environment for development and tests: every optional path
        for link in links:
            command += ["--find-links", link]
    if upgrade:
        command.append("--upgrade")
    return command


def lock(env: Environment, upgrade: bool = False) -> None:
    """Regenerate one environment's lock; the old lock stays in place when anything goes wrong."""
    links = find_links() if env.name == "main" else []
    if env.name == "main" and not links:
        raise LockError("no find-links folder holding the torch CPU wheel: set LOCK_FIND_LINKS")
    env.lock.parent.mkdir(exist_ok=True)
    draft = env.lock.with_suffix(".lock.new")
    if env.lock.exists():
        draft.write_text(env.lock.read_text(encoding="utf-8"), encoding="utf-8")  # uv keeps the pins it finds there
    result = subprocess.run(compile_command(env, draft, links, upgrade), cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        draft.unlink(missing_ok=True)
        raise LockError(f"uv could not resolve {env.inputs.relative_to(ROOT)}:\n{result.stderr.strip()}")
    text = with_digest(draft.read_text(encoding="utf-8"), inputs_digest(env))
    draft.unlink()
    if env.name == "main":
        refuse_unsafe_main_lock(text)
    env.lock.write_text(text, encoding="utf-8")


def main(argv: list[str]) -> int:
    names = argv or list(ENVIRONMENTS)
    upgrade = os.environ.get("UPGRADE", "") not in {"", "0"}
    try:
        for name in names:
            lock(ENVIRONMENTS[name], upgrade=upgrade)
            print(f"lock: {ENVIRONMENTS[name].lock.relative_to(ROOT)} written")
    except LockError as error:
        print(f"lock: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
