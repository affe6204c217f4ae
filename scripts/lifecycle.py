"""Things that start and stop (process groups, servers) used as context managers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TypeVar

_Self = TypeVar("_Self", bound="Started")


class Started(ABC):
    """`with thing:` starts it and always stops it, also when starting fails halfway."""

    @abstractmethod
    def start(self) -> None:
        """Start and wait until ready."""

    @abstractmethod
    def stop(self) -> None:
        """Stop whatever runs; safe to call on a partly started or already stopped thing."""

    def __enter__(self: _Self) -> _Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
