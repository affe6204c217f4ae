"""bot/speedups: every hot-path fix gives what Rasa's own code path gives (verdicts, errors, results)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
import scipy.sparse
from aiohttp import web
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.features import Features
from rasa.utils.endpoints import ClientResponseError, EndpointConfig
from rasa.utils.tensorflow.models import RasaModel

from bot import speedups
from bot.speedups import action_response, endpoints, graph_runner, rule_states, sparse_features, tf_predict
from tests.bot.tiny_model import parse, train_tiny

# Rasa's own methods, kept before any test installs the replacements.
DASK_RUN = DaskGraphRunner.run
RASA_COMBINE_SPARSE = Features._combine_sparse_features

USER_EVENT = {
    "event": "user",
    "timestamp": 1.5,
    "text": "hola",
    "input_channel": "rest",
    "message_id": "m1",
    "parse_data": {
        "text": "hola",
        "intent": {"name": "greet", "confidence": 0.9},
        "intent_ranking": [{"name": "greet", "confidence": 0.9}],
        "entities": [{"entity": "language", "value": "es", "start": 0, "end": 4, "extractor": None}],
    },
    "metadata": {"locale": "es-MX"},
}
GOOD: list[Any] = [
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "language", "value": "es", "timestamp": None}],
        "responses": [{"text": "hola"}],
    },
    {"events": [{"event": "followup", "name": "action_handoff"}], "responses": []},
    {},
    {"events": [USER_EVENT, {"event": "action", "name": "action_listen", "policy": None, "confidence": 1.0}]},
    {"events": [{"event": "bot", "text": "hi", "data": {}, "metadata": {}}, {"event": "session_started"}]},
    {"events": [{"event": "entities", "entities": [{"entity": "order_id", "value": "NB-1"}]}]},
    {"events": [{"event": "reset_slots"}, {"event": "active_loop", "name": None}, {"event": "pause"}]},
    {"events": [{"event": "slot", "name": "n", "value": None, "extra": [1, 2]}], "other": 5},
]
BAD: list[Any] = [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},  # a slot event needs a name
    {"responses": ["not an object"]},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "no event field"}]},
    {"events": [{"event": 5}]},
    {"events": [{"event": ["slot"]}]},
    {"events": ["slot"]},
    {"events": [{"event": "slot", "name": 3, "value": 1}]},
    {"events": [{"event": "bot", "timestamp": "yesterday"}]},
    {"events": [{"event": "bot", "metadata": []}]},
    {"events": [{**USER_EVENT, "parse_data": {"intent": {"name": 7}}}]},
    {"events": [{"event": "entities", "entities": [{"entity": "order_id"}]}]},
    {"events": [{"event": "action", "name": "x", "hide_rule_turn": "yes"}]},
    {"responses": "hi"},
    ["not", "an", "object"],
]


@pytest.mark.parametrize("result", GOOD)
def test_valid_responses_pass_as_with_rasa(result: Any) -> None:
    validate(result, RemoteAction.action_response_format_spec())  # Rasa's own way accepts it too
    assert action_response.validate_action_result(RemoteAction("action_x", None), result) is True


@pytest.mark.parametrize("result", BAD)
def test_invalid_responses_fail_as_with_rasa(result: Any) -> None:
    with pytest.raises(ValidationError) as rasas:
        validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError, match="Failed to validate Action server response") as ours:
        action_response.validate_action_result(RemoteAction("action_x", None), result)
    assert ours.value.message.startswith(rasas.value.message)


def test_valid_responses_take_the_one_check_per_event_path() -> None:
    """The speed-up is real: every valid response above is accepted without the full oneOf validator."""
    assert set(action_response.event_validators()) >= {"user", "bot", "slot", "action", "followup", "session_started"}
    assert all(action_response._surely_valid(result) for result in GOOD)
    assert not any(action_response._surely_valid(result) for result in BAD)


def test_install_replaces_rasas_method_once() -> None:
    speedups.install()
    speedups.install()
    assert RemoteAction._validate_action_result is action_response.validate_action_result
    assert RemoteAction("action_x", None)._validate_action_result({"events": []}) is True


SPARSE_CASES = [
    (
        scipy.sparse.random(4, 30, density=0.2, format="coo", dtype=np.float32, random_state=1),
        scipy.sparse.random(4, 500, density=0.05, format="coo", dtype=np.float32, random_state=2),
    ),
    (
        scipy.sparse.random(1, 7, density=0.5, format="csr", dtype=np.float64, random_state=3),
        scipy.sparse.random(1, 9, density=0.5, format="coo", dtype=np.float32, random_state=4),
    ),
    (
        scipy.sparse.coo_matrix((3, 5), dtype=np.float32),
        scipy.sparse.random(3, 4, density=0.5, format="coo", random_state=5),
    ),
    (scipy.sparse.coo_matrix(([1, 2], ([0, 0], [1, 1])), shape=(2, 3)), scipy.sparse.coo_matrix((2, 0))),
]


@pytest.mark.parametrize(("left", "right"), SPARSE_CASES)
def test_sparse_features_join_as_scipy_hstack_does(left: Any, right: Any) -> None:
    """Same entries in the same order (duplicates kept), same shape, dtype and index type as scipy's."""
    expected = scipy.sparse.hstack([left, right])
    joined = sparse_features.hstack(left, right)
    assert joined.format == expected.format == "coo"
    assert (joined.shape, joined.dtype, joined.row.dtype) == (expected.shape, expected.dtype, expected.row.dtype)
    for mine, theirs in ((joined.row, expected.row), (joined.col, expected.col), (joined.data, expected.data)):
        np.testing.assert_array_equal(mine, theirs)


def test_sparse_features_combine_as_rasa_does() -> None:
    """Through Rasa's Features: same matrix, same fingerprint, and the same error when the rows differ."""
    left, right = SPARSE_CASES[0]
    theirs = Features(left, "sequence", "text", "a")
    RASA_COMBINE_SPARSE(theirs, Features(right, "sequence", "text", "b"))
    mine = Features(left, "sequence", "text", "a")
    sparse_features.combine_sparse_features(mine, Features(right, "sequence", "text", "b"))
    assert mine.fingerprint() == theirs.fingerprint()
    with pytest.raises(ValueError, match="sequence dimensions do not match: 4 != 1"):
        sparse_features.combine_sparse_features(mine, Features(SPARSE_CASES[1][0], "sequence", "text", "c"))


class Add(GraphComponent):
    """A graph node that adds its inputs and its configured number, counting its calls."""

    calls: ClassVar[list[str]] = []

    def __init__(self, name: str, number: int) -> None:
        self.name, self.number = name, number

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Add:
        return cls(resource.name, config["number"])

    def add(self, x: int = 0, y: int = 0) -> int:
        Add.calls.append(self.name)
        if self.number < 0:
            raise RuntimeError("negative")
        return x + y + self.number


def node(number: int, needs: dict[str, str], target: bool = False) -> SchemaNode:
    return SchemaNode(needs, Add, "create", "add", {"number": number}, is_target=target)


SCHEMA = GraphSchema(
    {
        "a": node(1, {"x": "__input__"}),
        "b": node(10, {"x": "a"}),
        "c": node(100, {"x": "a", "y": "b"}, target=True),
        "unused": node(1000, {}),
        "fails": node(-1, {"x": "a"}),
    }
)


@pytest.fixture
def runner(tmp_path: Path) -> DaskGraphRunner:
    storage = LocalModelStorage(tmp_path)
    return DaskGraphRunner(SCHEMA, storage, ExecutionContext(SCHEMA, "test"))


@pytest.mark.parametrize("targets", [None, ["c"], ["b", "a"], ["__input__", "c"]])
def test_the_sequential_runner_gives_what_dask_gives(runner: DaskGraphRunner, targets: list[str] | None) -> None:
    """Same outputs, and only the nodes the targets need are called, each once."""
    Add.calls.clear()
    expected = DASK_RUN(runner, {"__input__": 5}, targets)
    dask_calls = sorted(Add.calls)
    Add.calls.clear()
    assert graph_runner.run_graph(runner, {"__input__": 5}, targets) == expected
    assert sorted(Add.calls) == dask_calls
    assert "unused" not in Add.calls and "fails" not in Add.calls
    if targets is None:
        assert expected == {"c": 5 + 1 + (5 + 1 + 10) + 100}


def test_errors_are_raised_as_with_dask(runner: DaskGraphRunner) -> None:
    """A clashing input name and a failing node raise what Rasa's dask runner raises."""
    failures = []
    for run in (DASK_RUN, graph_runner.run_graph):
        with pytest.raises(GraphRunError, match="clashes with a node name"):
            run(runner, {"__input__": "a"}, ["c"])
        with pytest.raises(Exception, match="node fails") as raised:
            run(runner, {"__input__": 1}, ["fails"])
        failures.append((type(raised.value), str(raised.value), str(raised.value.__cause__)))
    assert failures[0] == failures[1]
    assert failures[0][2] == "negative"


def test_install_replaces_rasas_methods() -> None:
    speedups.install()
    assert DaskGraphRunner.run is graph_runner.run_graph
    assert EndpointConfig.request is endpoints.endpoint_request
    assert RasaModel._rasa_predict is tf_predict.rasa_predict
    assert Features._combine_sparse_features is sparse_features.combine_sparse_features
    assert RulePolicy._prediction_states is rule_states.rule_prediction_states


class EchoServer:
    """A local HTTP server that records the connections and requests it gets."""

    def __init__(self) -> None:
        self.peers: list[object] = []
        self.requests: list[dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        body = await request.text()
        self.requests.append({"path": request.path, "query": dict(request.query), "headers": dict(request.headers)})
        if request.path == "/fail":
            return web.Response(status=409, text="conflict")
        if request.path == "/text":
            return web.Response(text="plain")
        return web.json_response({"echo": json.loads(body) if body else None})

    async def start(self) -> tuple[web.AppRunner, str]:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return runner, f"http://127.0.0.1:{port}"


def test_endpoint_requests_share_one_connection_and_answer_as_rasas() -> None:
    """JSON in and out, token and headers, errors and non-JSON answers as Rasa's; one TCP connection for all."""
    server = EchoServer()

    async def scenario() -> None:
        runner, url = await server.start()
        endpoint = EndpointConfig(url, token="secret", headers={"X-Nimbus": "1"})
        try:
            body = {"text": "مرحبا 你好 / ok", "score": 0.5, "nested": [1, None, True]}
            assert await endpoints.endpoint_request(endpoint, json=body, subpath="webhook") == {"echo": body}
            nan_body = {"value": float("nan")}
            answered = await endpoints.endpoint_request(endpoint, json=nan_body)
            assert answered is not None and answered["echo"]["value"] != answered["echo"]["value"]  # NaN kept
            with pytest.raises(ClientResponseError) as failed:
                await endpoints.endpoint_request(endpoint, subpath="fail", json={})
            assert failed.value.status == 409 and failed.value.text == b"conflict"
            assert await endpoints.endpoint_request(endpoint, method="get", subpath="text") is None
        finally:
            await endpoints.endpoint_session(endpoint).close()
            await runner.cleanup()

    asyncio.run(scenario())
    assert len(server.requests) == 4
    assert server.requests[0]["path"] == "/webhook" and server.requests[0]["query"] == {"token": "secret"}
    assert server.requests[0]["headers"]["X-Nimbus"] == "1"
    assert len(set(server.peers)) == 1  # Rasa's own request would open four connections


def test_an_idle_connection_is_replaced_without_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """After the idle time the client drops its connection itself and the next request opens a new one."""
    monkeypatch.setattr(endpoints, "IDLE_CONNECTION_SECONDS", 0.2)
    server = EchoServer()

    async def scenario() -> None:
        runner, url = await server.start()
        endpoint = EndpointConfig(url)
        try:
            for _ in range(2):
                assert await endpoints.endpoint_request(endpoint, json={"n": 1}) == {"echo": {"n": 1}}
                await asyncio.sleep(0.6)
        finally:
            await endpoints.endpoint_session(endpoint).close()
            await runner.cleanup()

    asyncio.run(scenario())
    assert len(server.requests) == 2 and len(set(server.peers)) == 2


def test_json_bodies_read_back_as_sent() -> None:
    assert json.loads(endpoints.encode_json({"a": "é/中"})) == {"a": "é/中"}
    assert json.loads(endpoints.encode_json({"v": float("inf")})) == {"v": float("inf")}
    assert json.loads(endpoints.encode_json({"v": 2**70})) == {"v": 2**70}
    with pytest.raises(TypeError):
        endpoints.encode_json({"v": {1, 2}})


TINY_CONFIG = """
recipe: default.v1
language: en
assistant_id: speedups-test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 3
  - name: DIETClassifier
    epochs: 5
    number_of_transformer_layers: 0
    random_seed: 3
"""
TINY_NLU = """
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hi
    - hello there
    - good morning
    - hey
- intent: check_order_status
  examples: |
    - where is my order [NB-204519](order_id)
    - track [NB-100200](order_id) please
    - status of order [NB-555111](order_id)
    - has [NB-123123](order_id) shipped
- intent: goodbye
  examples: |
    - bye
    - see you later
    - goodbye for now
"""
MESSAGES = ["hi", "hello", "where is NB-777000", "bye bye", "status of my order NB-1", "good morning!", "", "xyz"]


def test_diet_through_its_concrete_function_predicts_what_rasa_predicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trained DIET, loaded from its archive: same intents, rankings and entities by either call path."""
    agent = train_tiny(tmp_path, TINY_CONFIG, TINY_NLU)
    monkeypatch.setattr(RasaModel, "_rasa_predict", tf_predict._rasa_predict)
    rasas = [parse(agent, text) for text in MESSAGES]
    monkeypatch.setattr(RasaModel, "_rasa_predict", tf_predict.rasa_predict)
    ours = [parse(agent, text) for text in MESSAGES]
    assert [o["intent"]["name"] for o in ours] == [r["intent"]["name"] for r in rasas]
    for mine, theirs in zip(ours, rasas, strict=True):
        assert [i["name"] for i in mine["intent_ranking"]] == [i["name"] for i in theirs["intent_ranking"]]
        assert [i["confidence"] for i in mine["intent_ranking"]] == pytest.approx(
            [i["confidence"] for i in theirs["intent_ranking"]], abs=1e-6
        )
        assert [(e["entity"], e["value"]) for e in mine["entities"]] == [
            (e["entity"], e["value"]) for e in theirs["entities"]
        ]
    assert ours[2]["intent"]["name"] == "check_order_status"
