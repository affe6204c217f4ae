"""The two NLU configurations compared: ours (the NLU part of the project's config.yml, read, not copied) and
Rasa 3.6's default pipeline (rasa/engine/recipes/config_files/default_config.yml, what `rasa init` lists).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rasa.engine.recipes
import rasa.shared.utils.io

from bench.nlu.decision import Fallback

NLU_KEYS = ("recipe", "assistant_id", "language", "pipeline")


@dataclass(frozen=True)
class Pipeline:
    """A named NLU configuration ready to write as config.yml."""

    name: str
    config: dict[str, Any]

    @property
    def fallback(self) -> Fallback | None:
        """The FallbackClassifier settings of the pipeline, if it has one."""
        for component in self.config.get("pipeline", []):
            if component.get("name") == "FallbackClassifier":
                return Fallback(
                    threshold=float(component.get("threshold", 0.3)),
                    ambiguity_threshold=float(component.get("ambiguity_threshold", 0.1)),
                )
        return None

    @property
    def epochs(self) -> list[int]:
        """Epochs of every component that trains for a number of epochs."""
        return [int(c["epochs"]) for c in self.config.get("pipeline", []) if "epochs" in c]


def stock_config_path() -> Path:
    """Rasa's default config file inside the installed rasa package."""
    return Path(rasa.engine.recipes.__file__).parent / "config_files" / "default_config.yml"


def nlu_part(config: dict[str, Any]) -> dict[str, Any]:
    """Only the NLU keys of a Rasa config (policies dropped)."""
    return {key: copy.deepcopy(config[key]) for key in NLU_KEYS if key in config}


def with_training_setting(config: dict[str, Any], setting: str, value: int | None) -> dict[str, Any]:
    """A copy where every component that trains for epochs (DIET, ResponseSelector) has `setting: value`, and, for
    `random_seed`, every component whose config names a seed (the linear classifier's cross-validation folds): the
    same `epochs` or `random_seed` for every pipeline (None: unchanged, so stock Rasa stays unseeded as `rasa init`
    writes it)."""
    result = copy.deepcopy(config)
    if value is not None:
        for component in result.get("pipeline", []):
            if "epochs" in component or (setting == "random_seed" and setting in component):
                component[setting] = value
    return result


def load_pipelines(
    project_config: Path,
    epochs: int | None,
    candidates: Sequence[tuple[str, Path]] = (),
    seed: int | None = None,
    *,
    with_stock: bool = True,
) -> list[Pipeline]:
    """Ours, then each named candidate config (a variant of ours under test), then stock Rasa's (unless not
    `with_stock`), all with the same epochs override and, if given, the same random seed."""

    def prepared(config: dict[str, Any]) -> dict[str, Any]:
        return with_training_setting(with_training_setting(nlu_part(config), "epochs", epochs), "random_seed", seed)

    ours = rasa.shared.utils.io.read_yaml_file(project_config)
    stock = rasa.shared.utils.io.read_yaml_file(stock_config_path())
    extra = [Pipeline(name, prepared(rasa.shared.utils.io.read_yaml_file(path))) for name, path in candidates]
    return [Pipeline("ours", prepared(ours)), *extra, *([Pipeline("stock", prepared(stock))] if with_stock else [])]
