"""Readers for the language-identification benchmark data (../shared/data), one labelled text per item."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

LINGUA_SETS = ("single-words", "word-pairs", "sentences")


@dataclass(frozen=True)
class Sample:
    """One text with its true language (ISO 639-1)."""

    text: str
    language: str


@dataclass(frozen=True)
class Dataset:
    """A named list of samples, e.g. lingua single words or xSID utterances."""

    name: str
    samples: tuple[Sample, ...]

    def languages(self) -> list[str]:
        """The languages present, sorted."""
        return sorted({sample.language for sample in self.samples})


def read_lingua(data_dir: Path, subset: str, languages: Sequence[str]) -> Dataset:
    """lingua's test lines: `lingua/<subset>/<lang>.txt`, one text a line (1,000 per language)."""
    samples: list[Sample] = []
    for language in languages:
        path = data_dir / "lingua" / subset / f"{language}.txt"
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
            samples.extend(Sample(line.strip(), language) for line in lines if line.strip())
    return Dataset(f"lingua {subset}", tuple(samples))


def read_xsid(data_dir: Path, languages: Sequence[str], split: str = "valid") -> Dataset:
    """xSID utterances: the `# text =` header of each sentence in `xsid/<lang>.<split>.conll`."""
    samples: list[Sample] = []
    for language in languages:
        path = data_dir / "xsid" / f"{language}.{split}.conll"
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("# text ="):
                samples.append(Sample(line.split("=", 1)[1].strip(), language))
    return Dataset("xSID", tuple(samples))


def read_fb_mtod(data_dir: Path, languages: Sequence[str]) -> Dataset:
    """fb_mtod eval utterances (third TSV column), for the languages present (es, th)."""
    samples: list[Sample] = []
    for language in languages:
        path = data_dir / "fb_mtod" / language / f"eval-{language}.tsv"
        if not path.is_file():
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                if len(row) >= 3 and row[2].strip():
                    samples.append(Sample(row[2].strip(), language))
    return Dataset("fb_mtod eval", tuple(samples))


def read_all(data_dir: Path, languages: Sequence[str]) -> list[Dataset]:
    """Every dataset with at least one sample in `languages`."""
    datasets = [read_lingua(data_dir, subset, languages) for subset in LINGUA_SETS]
    datasets += [read_xsid(data_dir, languages), read_fb_mtod(data_dir, languages)]
    return [dataset for dataset in datasets if dataset.samples]
