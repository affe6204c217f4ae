"""Fixtures: a tiny, valid content project in a temporary folder, and its settings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content.settings import ContentSettings

REPO_ROOT = Path(__file__).resolve().parents[2]

# Three examples per intent per language, all distinct.
TINY_EXAMPLES: dict[str, dict[str, list[str]]] = {
    "en": {
        "greet": ["hi", "hello", "good morning"],
        "check_order_status": ["where is my order", "status of [NB-123456](order_id)", "track it"],
    },
    "es": {
        "greet": ["hola", "buenas", "buenos días"],
        "check_order_status": ["dónde está mi pedido", "estado del [nb-123457](order_id)", "rastrear"],
    },
    "pt": {
        "greet": ["olá", "oi", "bom dia"],
        "check_order_status": ["cadê meu pedido", "status do [nb123458](order_id)", "rastrear pedido"],
    },
    "fr": {
        "greet": ["bonjour", "salut", "coucou"],
        "check_order_status": ["où est ma commande", "suivi [NB-123459](order_id)", "mon colis"],
    },
    "ar": {
        "greet": ["مرحبا", "السلام عليكم", "اهلا"],
        "check_order_status": ["أين طلبي", "حالة الطلب [NB-123460](order_id)", "تتبع الشحنة"],
    },
    "zh": {
        "greet": ["你好", "您好", "在吗"],
        "check_order_status": ["我的订单在哪", "订单[NB-123461](order_id)", "查物流"],
    },
}

TINY_RESPONSES = {
    "en": "Hi! Order {order_id}?",
    "es": "¡Hola! ¿Pedido {order_id}?",
    "pt": "Olá! Pedido {order_id}?",
    "fr": "Bonjour ! Commande {order_id} ?",
    "ar": "مرحبًا! الطلب {order_id}؟",
    "zh": "您好！订单 {order_id}？",
}


def nlu_yaml(intents: dict[str, list[str]], language: str) -> str:
    """Rasa NLU YAML for intents and their examples, each intent block declaring its language."""
    lines = ['version: "3.1"', "nlu:"]
    for intent, examples in intents.items():
        lines += [f"- intent: {intent}", "  metadata:", f"    language: {language}", "  examples: |"]
        lines += [f"    - {e}" for e in examples]
    return "\n".join(lines) + "\n"


def responses_yaml(texts: dict[str, str], name: str = "utter_greet") -> str:
    """A responses-only domain file with one variation per language."""
    lines = ['version: "3.1"', "responses:", f"  {name}:"]
    for language, text in texts.items():
        lines += [
            f"  - condition: [{{type: slot, name: language, value: {language}}}]",
            f'    text: "{text}"',
        ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A valid project: six NLU files, shared regex, one response in six languages, and a language registry of
    those six (the tooling and the commands it starts read it)."""
    registry = yaml.safe_load((REPO_ROOT / "languages.yml").read_text(encoding="utf-8"))
    registry["languages"] = [entry for entry in registry["languages"] if entry["code"] in TINY_EXAMPLES]
    for entry in registry["languages"]:
        entry["fallback"] = [code for code in entry.get("fallback", []) if code in TINY_EXAMPLES]
    (tmp_path / "languages.yml").write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("NIMBUS_LANGUAGES_FILE", str(tmp_path / "languages.yml"))
    for language, intents in TINY_EXAMPLES.items():
        folder = tmp_path / "nlu_data" / language
        folder.mkdir(parents=True)
        (folder / "nlu.yml").write_text(nlu_yaml(intents, language), encoding="utf-8")
    (tmp_path / "nlu_data" / "common.yml").write_text(
        'version: "3.1"\nnlu:\n- regex: order_id\n  examples: |\n    - [Nn][Bb]-?\\d{6}\n'
        "- synonym: es\n  examples: |\n    - español\n",
        encoding="utf-8",
    )
    domain = tmp_path / "bot" / "domain"
    domain.mkdir(parents=True)
    (domain / "responses.yml").write_text(responses_yaml(TINY_RESPONSES), encoding="utf-8")
    return tmp_path


@pytest.fixture
def settings(project: Path) -> ContentSettings:
    """Settings for the tiny project: three examples per intent are enough."""
    return ContentSettings(
        project_root=project,
        languages=tuple(TINY_EXAMPLES),
        min_examples=3,
        min_examples_by_intent={},
    )


def pytest_configure(config: pytest.Config) -> None:
    """Registers the `slow` marker (trains a tiny Rasa model)."""
    config.addinivalue_line("markers", "slow: trains a model; deselect with -m 'not slow'")
