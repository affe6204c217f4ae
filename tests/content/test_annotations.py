"""Specification of the entity-annotation parser."""

from __future__ import annotations

import pytest

from bot.content.annotations import normalise, parse_example


@pytest.mark.parametrize(
    ("raw", "plain", "entities"),
    [
        # plain text has no annotations
        ("where is my order", "where is my order", []),
        # short form
        ("status of [NB-123456](order_id)", "status of NB-123456", [("order_id", None)]),
        # JSON form with a normalised value
        ('in [español]{"entity": "language", "value": "es"}', "in español", [("language", "es")]),
        # Chinese without spaces around the entity
        ('可以说[英语]{"entity": "language", "value": "en"}吗', "可以说英语吗", [("language", "en")]),
        # two annotations in one example
        (
            'no [ingles]{"entity": "language", "value": "en"}, [espanol](language)',
            "no ingles, espanol",
            [("language", "en"), ("language", None)],
        ),
    ],
)
def test_well_formed_examples_parse(raw: str, plain: str, entities: list) -> None:
    """Annotations are removed from the text and their entity names and values kept."""
    parsed = parse_example(raw)

    assert (plain, entities, ()) == (
        parsed.plain,
        [(a.entity, a.value) for a in parsed.annotations],
        parsed.errors,
    )


def test_annotation_offsets_point_into_the_plain_text() -> None:
    """start/end of an annotation select its text in the plain example."""
    parsed = parse_example("order [NB-123456](order_id) please")
    annotation = parsed.annotations[0]

    assert parsed.plain[annotation.start : annotation.end] == "NB-123456"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        # missing closing bracket
        ("order [NB-123456(order_id)", "unbalanced"),
        # bracket without an entity
        ("order [NB-123456] please", "unbalanced"),
        # broken JSON
        ('in [es]{"entity": "language", "value": }', "not valid JSON"),
        # JSON without an entity name
        ('in [es]{"value": "es"}', 'no "entity"'),
    ],
)
def test_malformed_annotations_are_reported(raw: str, fragment: str) -> None:
    """Each malformed annotation yields an explanatory error."""
    errors = parse_example(raw).errors

    assert any(fragment in e for e in errors), errors


def test_normalise_ignores_case_and_spacing() -> None:
    """Duplicates are found regardless of case and repeated spaces."""
    assert normalise("Where  is MY order") == normalise("where is my order ")
