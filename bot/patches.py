"""Every Rasa method this project replaces, in one list, installed by the entry point (bot/server.py) and nowhere else.

Rasa 3.6 has no extension point for these changes, so each replaces one method of a Rasa class in the running
process. Listing them here makes them explicit: the entry point installs all of them whatever tracker store or
channels the endpoints configure, logs one line per replaced method, and refuses to start when a method is missing
(another Rasa) or is not ours after installation. Each replacement is tested against Rasa's own code path
(tests/bot/test_speedups.py, test_rule_states.py, test_admission.py, test_server_entry.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import AwaitableTrackerStore, FailSafeTrackerStore
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.nlu.training_data.features import Features
from rasa.utils.endpoints import EndpointConfig
from rasa.utils.tensorflow.models import RasaModel

from bot import admission, metrics
from bot.security import processor_guard
from bot.speedups import action_response, endpoints, graph_runner, rule_states, sparse_features, tf_predict
from bot.stores import windowed_sql


class PatchError(RuntimeError):
    """A patch cannot be installed in this Rasa, or did not take."""


@dataclass(frozen=True)
class Patch:
    """One Rasa method replaced by a function of module `by`, put in place by `install`."""

    owner: type
    method: str
    by: str
    install: Callable[[], object]
    what: str | Callable[[], str]
    wanted: Callable[[], bool] = lambda: True

    @property
    def target(self) -> str:
        """The replaced method's full name, e.g. `rasa.core.processor.MessageProcessor.handle_message`."""
        return f"{self.owner.__module__}.{self.owner.__qualname__}.{self.method}"

    def in_place(self) -> bool:
        """Whether the owner's method is now ours (directly, or under another of our wrappers)."""
        return any(getattr(function, "__module__", None) == self.by for function in _layers(self.owner, self.method))


def _layers(owner: type, method: str) -> Iterator[Any]:
    """The method and every function it wraps (through `__wrapped__` or a closure), outermost first."""
    pending, seen = [getattr(owner, method, None)], set()
    while pending:
        function = pending.pop()
        if not callable(function) or id(function) in seen:
            continue
        seen.add(id(function))
        yield function
        pending.append(getattr(function, "__wrapped__", None))
        pending.extend(cell.cell_contents for cell in getattr(function, "__closure__", None) or ())


def _bounded() -> bool:
    return admission.configured_limit() > 0


# In installation order: the admission bound wraps Rasa's handle_message first, the '/' guard wraps both.
PATCHES: tuple[Patch, ...] = (
    Patch(
        RemoteAction,
        "_validate_action_result",
        action_response.__name__,
        action_response.install,
        "action-server responses validated with one compiled validator per event type",
    ),
    Patch(
        DaskGraphRunner,
        "run",
        graph_runner.__name__,
        graph_runner.install,
        "NLU and policy graphs run in a precomputed order, without dask's scheduler",
    ),
    Patch(
        EndpointConfig,
        "request",
        endpoints.__name__,
        endpoints.install,
        "one kept HTTP session per endpoint, bodies encoded with ujson",
    ),
    Patch(
        RasaModel,
        "_rasa_predict",
        tf_predict.__name__,
        tf_predict.install,
        "DIET predicts through its one concrete TensorFlow function",
    ),
    Patch(
        Features,
        "_combine_sparse_features",
        sparse_features.__name__,
        sparse_features.install,
        "sparse features joined by concatenating entries",
    ),
    Patch(
        RulePolicy,
        "_prediction_states",
        rule_states.__name__,
        rule_states.install,
        "RulePolicy describes only the recent turns its rules can look at",
    ),
    Patch(
        AwaitableTrackerStore,
        "init_tracker",
        windowed_sql.__name__,
        windowed_sql.install_wrapper_delegation,
        "Rasa's tracker-store wrapper asks the wrapped store for new trackers",
    ),
    Patch(
        FailSafeTrackerStore,
        "init_tracker",
        windowed_sql.__name__,
        windowed_sql.install_wrapper_delegation,
        "Rasa's tracker-store wrapper asks the wrapped store for new trackers",
    ),
    Patch(
        MessageProcessor,
        "log_message",
        metrics.__name__,
        metrics.install,
        "customer messages counted by channel and language, with NLU confidence and fallbacks (GET /metrics)",
    ),
    Patch(
        MessageProcessor,
        "handle_message",
        admission.__name__,
        admission.install,
        lambda: f"at most {admission.configured_limit()} customer messages in work at once",
        wanted=_bounded,
    ),
    Patch(
        MessageProcessor,
        "handle_message",
        processor_guard.__name__,
        processor_guard.install,
        "customer '/...' text is read by NLU unless it is a button payload the domain offers",
    ),
)


def install_all(patches: tuple[Patch, ...] = PATCHES) -> list[str]:
    """Install every wanted patch (idempotent); one start-up log line per patch. `PatchError` if one cannot be."""
    absent = [patch.target for patch in patches if not callable(getattr(patch.owner, patch.method, None))]
    if absent:
        raise PatchError(f"this Rasa has no {', '.join(absent)}: the patches were written for another Rasa")
    lines = []
    for patch in patches:
        if not patch.wanted():
            lines.append(f"kept Rasa's {patch.target} ({patch.by} not wanted by the configuration)")
            continue
        patch.install()
        what = patch.what() if callable(patch.what) else patch.what
        lines.append(f"replaced Rasa's {patch.target} ({patch.by}: {what})")
    missing = not_in_place(patches)
    if missing:
        raise PatchError(f"installed but not in place: {', '.join(missing)}")
    return lines


def not_in_place(patches: tuple[Patch, ...] = PATCHES) -> list[str]:
    """The wanted patches whose Rasa method is not ours right now, as `target (module)`."""
    return [f"{patch.target} ({patch.by})" for patch in patches if patch.wanted() and not patch.in_place()]


__all__ = ["PATCHES", "Patch", "PatchError", "install_all", "not_in_place"]
