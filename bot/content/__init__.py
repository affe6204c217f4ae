"""Content-team tooling for the assistant's language content (runs in `.venv-rasa`).

`python -m bot.content validate | export | import | report` from the project root.
"""

from bot.content.issues import Issue, Severity
from bot.content.settings import ContentSettings

__all__ = ["ContentSettings", "Issue", "Severity"]
