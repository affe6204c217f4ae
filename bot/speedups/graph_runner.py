"""Rasa's graphs without dask's scheduler.

Rasa runs its NLU and policy graphs (a dozen nodes, several times per message) through ``dask.get``, after recomputing
the minimal sub-graph on every call. Dask's scheduler bookkeeping was 8 % of the Rasa server's CPU (py-spy, 20
conversations at once). Here the nodes a set of targets needs are put in dependency order once per set of targets,
then called one after the other: the same node calls with the same inputs, as dask's synchronous scheduler makes them.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphNode
from rasa.engine.runner.dask import DaskGraphRunner

Plan = list[tuple[str, GraphNode, list[str]]]  # (node name, node, names of what it needs), dependencies first


def execution_plan(runner: DaskGraphRunner, targets: list[str]) -> Plan:
    """The nodes ``targets`` need, each after everything it needs (computed once per runner and set of targets)."""
    plans: dict[tuple[str, ...], Plan] = runner.__dict__.setdefault("_nimbus_plans", {})
    key = tuple(targets)
    if key not in plans:
        schema = runner._graph_schema.minimal_graph_schema(targets)
        plan: Plan = []
        placed: set[str] = set()

        def place(name: str, visiting: frozenset[str]) -> None:
            if name in placed or name not in schema.nodes:
                return
            if name in visiting:
                raise GraphRunError(f"The graph has a cycle through node '{name}'.")
            needs = list(schema.nodes[name].needs.values())
            for need in needs:
                place(need, visiting | {name})
            placed.add(name)
            plan.append((name, runner._instantiated_nodes[name], needs))

        for name in schema.nodes:
            place(name, frozenset())
        plans[key] = plan
    return plans[key]


def run_graph(
    self: DaskGraphRunner, inputs: dict[str, Any] | None = None, targets: list[str] | None = None
) -> dict[str, Any]:
    """Drop-in for ``DaskGraphRunner.run``: same results, same errors, without dask's scheduler."""
    run_targets = targets if targets else self._graph_schema.target_names
    plan = execution_plan(self, run_targets)
    # As in dask: an input is the literal (name, value) and replaces a node of the same name; a need that is neither
    # a node nor an input is passed on as its bare name (GraphNode warns about it).
    outputs: dict[str, Any] = {}
    for input_name, input_value in (inputs or {}).items():
        if isinstance(input_value, str) and any(input_value == name for name, _, _ in plan):
            raise GraphRunError(
                f"Input value '{input_value}' clashes with a node name. Make sure that none of the input names "
                f"passed to the `run` method are the same as node names in the graph schema."
            )
        outputs[input_name] = (input_name, input_value)
    try:
        for name, node, needs in plan:
            if name not in outputs:
                outputs[name] = node(*(outputs.get(need, need) for need in needs))
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error
    return dict(outputs[target] for target in run_targets)


def install() -> None:
    DaskGraphRunner.run = run_graph
