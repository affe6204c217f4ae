"""Rasa 3.6 hot-path fixes that change no behaviour, installed once per Rasa process.

* Rasa validates every action-server response with ``jsonschema.validate(result, schema)``, which first checks the
  schema itself against the JSON-Schema meta-schema, on every call. Under load that was 22 % of the Rasa server's CPU
  (py-spy, bench/e2e, 100 conversations at once). Here the same schema is checked once and the compiled validator is
  reused; a response that does not match still raises the same ``ValidationError`` with Rasa's message.
* Rasa runs its NLU and policy graphs (a dozen nodes, several times per message) through ``dask.get``, after
  recomputing the minimal sub-graph on every call. Dask's scheduler bookkeeping was 8 % of the Rasa server's CPU
  (py-spy, 20 conversations at once). Here the nodes a set of targets needs are put in dependency order once per set
  of targets, then called one after the other: the same node calls with the same inputs, as dask's synchronous
  scheduler makes them.
* Rasa opens a new HTTP client session, and so a new TCP connection, for every call to the action server (and every
  other endpoint), and encodes each request body (tracker and domain, tens of kB) with the standard library's json.
  Here each endpoint keeps one client session per event loop, whose idle connections are closed after 2 s (before
  the 5 s after which Sanic servers close them, so a request never goes out on a connection the server is closing),
  and bodies are encoded with ujson (a Rasa dependency) where it can, json otherwise. Requests, headers, errors and
  returned values are as with Rasa's `EndpointConfig.request`.
* Rasa calls its TensorFlow models (DIET) through the polymorphic ``tf.function``, which matches the inputs against
  its signature on every call. The function has one fixed input signature, so its one concrete function is fetched
  once and called directly: the same graph on the same inputs (parse 6.8 -> 6.1 ms on our model, identical intents
  and confidences on 300 messages).
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import weakref
from functools import lru_cache
from typing import Any

import aiohttp
import ujson
from aiohttp.client_exceptions import ContentTypeError
from jsonschema import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from keras.utils import tf_utils
from rasa.core.actions.action import RemoteAction
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.constants import DIAGNOSTIC_DATA, DOCS_BASE_URL
from rasa.shared.exceptions import FileNotFoundException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url
from rasa.utils.tensorflow.models import RasaModel

_installed = False


@lru_cache(maxsize=1)
def action_response_validator() -> Validator:
    """Rasa's action-response schema, checked once, compiled once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Drop-in for ``RemoteAction._validate_action_result`` with the compiled validator."""
    try:
        action_response_validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the Action endpoint "
            f"is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


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


IDLE_CONNECTION_SECONDS = 2.0

Sessions = dict[int, tuple[EndpointConfig, aiohttp.ClientSession]]  # id(endpoint) -> (endpoint, its session)
_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Sessions] = weakref.WeakKeyDictionary()


def encode_json(value: Any) -> str:
    """JSON text of a request body: ujson's, or the standard library's (and its error) for anything ujson refuses."""
    try:
        return ujson.dumps(value)
    except (OverflowError, TypeError, ValueError):
        return json.dumps(value)


def endpoint_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """The endpoint's client session on the running event loop, created on first use."""
    loop = asyncio.get_running_loop()
    sessions = _sessions.setdefault(loop, {})
    entry = sessions.get(id(endpoint))
    if entry is not None and entry[0] is endpoint and not entry[1].closed:
        return entry[1]
    auth = (
        aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
        if endpoint.basic_auth
        else None
    )
    session = aiohttp.ClientSession(
        headers=endpoint.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_CONNECTION_SECONDS),
        json_serialize=encode_json,
    )
    sessions[id(endpoint)] = (endpoint, session)
    return session


async def endpoint_request(
    self: EndpointConfig,
    method: str = "post",
    subpath: str | None = None,
    content_type: str | None = "application/json",
    compress: bool = False,
    **kwargs: Any,
) -> Any:
    """Drop-in for ``EndpointConfig.request`` on the endpoint's kept session: the JSON answer, or None."""
    headers: dict[str, str] = {"Content-Type": content_type} if content_type else {}
    headers.update(kwargs.pop("headers", None) or {})
    headers.update(self.headers or {})
    ssl_context = None
    if self.cafile:
        try:
            ssl_context = ssl.create_default_context(cafile=self.cafile)
        except FileNotFoundError as error:
            raise FileNotFoundException(
                f"Failed to find certificate file, '{os.path.abspath(self.cafile)}' does not exist."
            ) from error
    params = self.combine_parameters(kwargs)
    url = concat_url(self.url, subpath)
    async with endpoint_session(self).request(
        method, url, headers=headers, params=params, compress=compress, ssl=ssl_context, **kwargs
    ) as response:
        if response.status >= 400:
            raise ClientResponseError(response.status, response.reason, await response.content.read())
        try:
            return await response.json()
        except ContentTypeError:
            return None


_rasa_predict = RasaModel._rasa_predict
CONCRETE_ATTRIBUTE = "_nimbus_concrete_predict"


def rasa_predict(self: RasaModel, batch_in: Any) -> dict[str, Any]:
    """Drop-in for ``RasaModel._rasa_predict`` that calls the prediction graph's concrete function."""
    if self._run_eagerly or self._tf_predict_step is None:
        return _rasa_predict(self, batch_in)  # the first call prepares the model and builds the tf.function
    concrete = self.__dict__.get(CONCRETE_ATTRIBUTE)
    if concrete is None:
        # Set through __dict__: Keras would otherwise track the attribute as part of the model.
        concrete = self.__dict__[CONCRETE_ATTRIBUTE] = self._tf_predict_step.get_concrete_function()
    self._training = False
    outputs: dict[str, Any] = tf_utils.sync_to_numpy_or_python_type(concrete(batch_in))
    if DIAGNOSTIC_DATA in outputs:
        outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
    return outputs


def install() -> None:
    """Apply the fixes (idempotent)."""
    global _installed
    if not _installed:
        RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
        DaskGraphRunner.run = run_graph  # type: ignore[method-assign]
        EndpointConfig.request = endpoint_request  # type: ignore[method-assign]
        RasaModel._rasa_predict = rasa_predict  # type: ignore[method-assign]
        _installed = True
