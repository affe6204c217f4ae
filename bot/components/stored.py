"""The model-storage plumbing every trainable NLU component of ours shares (Rasa's contract: persistence only
through model storage, in the component's own resource)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, TypeVar

from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

C = TypeVar("C", bound="StoredComponent")


class StoredComponent:
    """A graph component built from (config, model storage, resource) that saves files into its resource after
    training and reads them back when the model loads. Put it before `GraphComponent` in the bases; subclasses
    write `persist` and `restore`."""

    # True: a resource with nothing saved (trained on data without anything to learn) loads as the untrained
    # component; False: it is an error.
    may_be_unsaved: ClassVar[bool] = False

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource

    @classmethod
    def create(
        cls: type[C],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> C:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls: type[C],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> C:
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                component.restore(Path(directory))
        except (ValueError, FileNotFoundError):
            if not cls.may_be_unsaved:
                raise
        return component

    def save(self) -> Resource:
        """Write the trained state into the component's resource; the resource, as `train` returns it."""
        with self._storage.write_to(self._resource) as directory:
            self.persist(Path(directory))
        return self._resource

    def persist(self, directory: Path) -> None:
        """Write the trained state into `directory`."""
        raise NotImplementedError

    def restore(self, directory: Path) -> None:
        """Read the state `persist` wrote (raise ValueError or FileNotFoundError when there is none)."""
        raise NotImplementedError
