"""JSON answers built from a response model in the endpoint's own thread.

A plain ``def`` endpoint that returns a model makes FastAPI validate that model again in a second thread-pool hop
before serialising it; the hot endpoints return the bytes instead, keeping their ``response_model`` for the docs.
"""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    """``model`` as FastAPI would serialise it for ``response_model=type(model)`` (by alias, nothing excluded)."""
    return Response(model.model_dump_json(by_alias=True), status_code=status_code, media_type="application/json")
