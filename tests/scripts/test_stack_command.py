"""The command line the launcher gives `rasa run`, read back by Rasa's own argument parser."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from scripts.stack import ROOT, StackConfig, build_services

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

PARSE = """
import json, sys
from rasa.__main__ import create_argument_parser
arguments = create_argument_parser().parse_args(json.loads(sys.argv[1]))
print(json.dumps({"auth_token": arguments.auth_token, "port": arguments.port, "model": arguments.model}))
"""


@pytest.mark.parametrize("token", ["-Xy3_generated-token", "--looks-like-an-option", "plain+token/with=signs"])
def test_any_generated_token_reaches_rasa_as_one_argument(tmp_path: Path, token: str) -> None:
    """`secrets.token_urlsafe` starts with "-" one time in 64; Rasa must still get the whole token, not an error."""
    config = dataclasses.replace(StackConfig.throwaway(tmp_path, "test"), rasa_api_token=token)
    rasa = next(service for service in build_services(config) if service.name == "rasa")
    parsed = subprocess.run(
        [str(RASA_PYTHON), "-c", PARSE, json.dumps(rasa.command[1:])],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert parsed.returncode == 0, parsed.stderr[-2000:]
    arguments = json.loads(parsed.stdout.strip().splitlines()[-1])
    assert arguments == {"auth_token": token, "port": config.ports.rasa, "model": str(config.model_path)}
    assert parse_qs(urlparse(rasa.ready_url).query) == {"token": [token]}
