"""Rasa 3.6 hot-path fixes that change no behaviour, installed once per Rasa process by bot/patches.py.

Each was picked from a py-spy profile of the Rasa server under the e2e benchmark's load (bench/e2e) and is tested
against Rasa's own code path (tests/bot/test_speedups.py):

* `action_response`: action-server responses validated with compiled validators, one small one per event type;
* `graph_runner`: the NLU and policy graphs run in a precomputed order, without dask's scheduler;
* `endpoints`: one kept HTTP session per endpoint, request bodies encoded with ujson;
* `tf_predict`: DIET predicts through its one concrete TensorFlow function;
* `sparse_features`: sparse features joined by concatenating entries instead of ``scipy.sparse.hstack``;
* `rule_states`: RulePolicy turns into states only the recent turns its rules can look at, not the whole window.
"""

from __future__ import annotations

from bot.speedups import action_response, endpoints, graph_runner, rule_states, sparse_features, tf_predict

_installed = False


def install() -> None:
    """Apply the fixes (idempotent)."""
    global _installed
    if not _installed:
        for fix in (action_response, graph_runner, endpoints, tf_predict, sparse_features, rule_states):
            fix.install()
        _installed = True
