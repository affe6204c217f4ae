"""Top unanswered questions: read them (tracker store and handoff store), mask personal data, embed them with the
knowledge base's first encoder and group them by meaning.

Identical questions (after masking, case and spacing ignored) are embedded once; a group counts every time one of
its questions was asked. A group's id is derived from its label, so the same data gives the same ids.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.domain.redaction import redact, truncate
from handoff.errors import HandoffServiceError
from handoff.reports.buckets import local_date, utc_window
from handoff.reports.content_export import GroupText
from handoff.reports.grouping import DEFAULT_THRESHOLD, cluster
from handoff.reports.tracker import TrackerReader, TrackerUnavailableError
from handoff.reports.unanswered_facts import (
    REPEATED_FAILURE,
    HandoffQuestion,
    Question,
    UnansweredKind,
    merge_handoffs,
    unanswered_from_tracker,
)
from handoff.store.models import Handoff, Message

BATCH = 64
MAX_TEXT_CHARS = 300
# The most frequent distinct questions that are grouped; the rest of a long tail is counted in ``ungrouped``.
MAX_DISTINCT = 2000
MAX_EXAMPLES = 5
_CACHED_VECTORS = 20000


class GroupingUnavailableError(HandoffServiceError):
    """There is no encoder to group with (the knowledge-base index is not built or cannot be loaded)."""


class EncoderLike(Protocol):
    """What grouping needs of an encoder (kb.Encoder has it)."""

    name: str

    def encode_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """L2-normalised rows, one per text."""
        ...


class VectorCache:
    """Vectors of texts already embedded by one encoder, most recently used kept; embeds what is missing in batches."""

    def __init__(self, encoder: EncoderLike, size: int = _CACHED_VECTORS) -> None:
        self.encoder = encoder
        self._size = size
        self._vectors: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()

    def vectors(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One row per text, in order."""
        with self._lock:
            missing = sorted({text for text in texts if text not in self._vectors})
            for start in range(0, len(missing), BATCH):
                batch = missing[start : start + BATCH]
                for text, row in zip(batch, self.encoder.encode_queries(batch), strict=True):
                    self._vectors[text] = np.asarray(row, dtype=np.float32)
            rows = []
            for text in texts:
                self._vectors.move_to_end(text)
                rows.append(self._vectors[text])
            while len(self._vectors) > max(self._size, len(texts)):
                self._vectors.popitem(last=False)
        return np.vstack(rows) if rows else np.zeros((0, 1), dtype=np.float32)


@dataclass(frozen=True)
class UnansweredGroup:
    """Questions of one meaning: the most central as label, how often they were asked, in which languages, why."""

    id: str
    label: str
    count: int
    languages: dict[str, int]
    kinds: dict[str, int]
    texts: tuple[GroupText, ...]

    @property
    def examples(self) -> tuple[GroupText, ...]:
        """The most frequent distinct questions (the label first)."""
        rest = [t for t in self.texts if t.text != self.label]
        first = [t for t in self.texts if t.text == self.label]
        return tuple([*first, *rest][:MAX_EXAMPLES])


@dataclass(frozen=True)
class UnansweredResult:
    """The groups, and whether the tracker store could be read (without it only repeated-failure handoffs count)."""

    groups: list[UnansweredGroup]
    questions: int
    ungrouped: int
    tracker_available: bool
    unavailable_reason: str | None


def handoff_questions(session: Session, start: datetime, end: datetime) -> list[HandoffQuestion]:
    """The customer's last message before each repeated-failure handoff created in ``[start, end)``."""
    rows = session.execute(
        select(Handoff.id, Handoff.conversation_id, Handoff.created_at, Handoff.language, Handoff.reason, Message.text)
        .join(Message, Message.handoff_id == Handoff.id)
        .where(
            Handoff.reason == REPEATED_FAILURE,
            Handoff.created_at >= start,
            Handoff.created_at < end,
            Message.role == "customer",
            Message.private.is_(False),
            Message.timestamp <= Handoff.created_at,
        )
        .order_by(Handoff.id, Message.timestamp.desc(), Message.id.desc())
    ).all()
    found: dict[str, HandoffQuestion] = {}
    for handoff_id, conversation, created, language, reason, text in rows:
        found.setdefault(handoff_id, HandoffQuestion(conversation, created, language, reason, text or ""))
    return list(found.values())


def collect_questions(
    tracker: TrackerReader | None, handoffs: Callable[[], list[HandoffQuestion]], start: datetime, end: datetime
) -> tuple[list[Question], str | None]:
    """The unanswered questions in ``[start, end)`` and, when the tracker store cannot be read, why."""
    reason = None
    questions: list[Question] = []
    try:
        if tracker is None:
            raise TrackerUnavailableError("the tracker store is not configured (HANDOFF_REPORTS_TRACKER_DB_URL)")
        tracker_slice = tracker.read(start, end)
        questions = unanswered_from_tracker(tracker_slice.events, tracker_slice.languages_before)
    except TrackerUnavailableError as error:
        reason = str(error)
    return merge_handoffs(questions, handoffs()), reason


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def group_id(label: str) -> str:
    """A short, stable id of a group, from its label."""
    return hashlib.sha256(_key(label).encode("utf-8")).hexdigest()[:12]


@dataclass
class _Distinct:
    text: str
    count: int
    languages: Counter[str | None]
    kinds: Counter[str]
    forms: Counter[str]


def _distinct(questions: Sequence[Question]) -> list[_Distinct]:
    """Masked questions merged by their normalised text, most frequent first (ties: alphabetical)."""
    merged: dict[str, _Distinct] = {}
    for question in questions:
        masked = truncate(redact(question.text), MAX_TEXT_CHARS)
        key = _key(masked)
        if not key:
            continue
        item = merged.setdefault(key, _Distinct(masked, 0, Counter(), Counter(), Counter()))
        item.count += 1
        item.languages[question.language] += 1
        item.kinds.update(kind.value for kind in question.kinds)
        item.forms[masked] += 1
    for item in merged.values():
        item.text = min(item.forms, key=lambda form: (-item.forms[form], form))
    return sorted(merged.values(), key=lambda d: (-d.count, _key(d.text)))


def _language(languages: Counter[str | None]) -> str | None:
    return min(languages, key=lambda lang: (-languages[lang], lang or "~"))


def group_questions(
    questions: Sequence[Question], cache: VectorCache, threshold: float = DEFAULT_THRESHOLD
) -> tuple[list[UnansweredGroup], int]:
    """Groups by meaning, most asked first (ties: label), and how many questions were beyond ``MAX_DISTINCT``."""
    distinct = _distinct(questions)
    kept, beyond = distinct[:MAX_DISTINCT], distinct[MAX_DISTINCT:]
    if not kept:
        return [], 0
    vectors = cache.vectors([d.text for d in kept])
    groups = []
    for found in cluster(vectors, [d.count for d in kept], threshold):
        members = [kept[index] for index in found.members]
        label = kept[found.centre].text
        languages: Counter[str] = Counter()
        kinds: Counter[str] = Counter()
        for member in members:
            for language, n in member.languages.items():
                languages[language or "unknown"] += n
            kinds.update(member.kinds)
        texts = tuple(
            GroupText(m.text, _language(m.languages), m.count)
            for m in sorted(members, key=lambda m: (-m.count, _key(m.text)))
        )
        groups.append(
            UnansweredGroup(
                group_id(label),
                label,
                sum(m.count for m in members),
                dict(sorted(languages.items())),
                {kind.value: kinds[kind.value] for kind in UnansweredKind if kinds[kind.value]},
                texts,
            )
        )
    groups.sort(key=lambda g: (-g.count, _key(g.label)))
    return groups, sum(d.count for d in beyond)


def filter_languages(questions: Sequence[Question], languages: frozenset[str] | None) -> list[Question]:
    """The questions in one of ``languages`` (all when None)."""
    if not languages:
        return list(questions)
    return [q for q in questions if q.language in languages]


def unanswered(
    sessions: Callable[[], Session],
    tracker: Callable[[], TrackerReader | None],
    cache: Callable[[], VectorCache],
    first_day: date,
    last_day: date,
    zone: ZoneInfo,
    languages: frozenset[str] | None,
) -> UnansweredResult:
    """Every group of the local dates ``first_day..last_day`` in ``zone`` and in ``languages``; the encoder is loaded
    only when there is something to group."""
    start, end = utc_window(first_day, last_day, zone)

    def from_handoffs() -> list[HandoffQuestion]:
        with sessions() as session:
            return handoff_questions(session, start, end)

    reason: str | None
    try:
        reader = tracker()
    except TrackerUnavailableError as error:
        questions, reason = merge_handoffs([], from_handoffs()), str(error)
    else:
        questions, reason = collect_questions(reader, from_handoffs, start, end)
    # The database read is coarse (a day more on each side); the exact cut is the local date.
    in_range = [q for q in questions if first_day <= local_date(q.at, zone) <= last_day]
    chosen = filter_languages(in_range, languages)
    groups, ungrouped = group_questions(chosen, cache()) if chosen else ([], 0)
    return UnansweredResult(groups, len(chosen), ungrouped, reason is None, reason)
