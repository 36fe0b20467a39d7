"""Saving and loading the row classifier, safely.

A joblib file is a pickle: loading one runs whatever it says.  So a model travels with its
card (``<model>.card.json``) that records the file's sha256, and :func:`load_model` refuses
a model whose file does not match its card unless the caller says ``trust=True``.  The model
shipped inside the package is used when no path is given.
"""
from __future__ import annotations

import hashlib
import json
import warnings
from functools import lru_cache
from importlib import resources
from pathlib import Path

import joblib
import sklearn

from .classify import RowClassifier

SHIPPED_MODEL = "row_classifier.joblib"


class ModelError(Exception):
    """A model that cannot or should not be loaded: missing, tampered with, or incompatible."""


def card_path(model_path: Path) -> Path:
    return model_path.with_suffix(".card.json")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(model: RowClassifier, path: Path, card: dict) -> dict:
    """Write the model and its card; the card gains the file's sha256 and the library versions."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path, compress=3)
    card = dict(card, model_file=path.name, sha256=sha256(path), scikit_learn=sklearn.__version__)
    card_path(path).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return card


def shipped_model_path() -> Path:
    """The model that ships in the package: ``recover.models`` in an installed package (the
    build maps the repository's models/ onto it), the repository's models/ in a source checkout."""
    try:
        return Path(str(resources.files("recover.models").joinpath(SHIPPED_MODEL)))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "models" / SHIPPED_MODEL


def load_model(path: str | Path | None = None, *, trust: bool = False) -> RowClassifier:
    """The shipped classifier, or the one at ``path`` after checking it against its card."""
    if path is None:
        return _shipped()
    return _load(Path(path), trust)


@lru_cache(maxsize=1)
def _shipped() -> RowClassifier:
    return _load(shipped_model_path(), trust=False)


def _load(path: Path, trust: bool) -> RowClassifier:
    if not path.is_file():
        raise ModelError(f"no model file at {path}")
    card_file = card_path(path)
    card = json.loads(card_file.read_text(encoding="utf-8")) if card_file.is_file() else None
    if not trust:
        if card is None:
            raise ModelError(f"{path} has no card ({card_file.name}) to check it against; "
                             "a joblib file runs code when loaded, so pass trust=True (--trust-model) "
                             "only for a file you made yourself")
        if card.get("sha256") != sha256(path):
            raise ModelError(f"{path} does not match the sha256 in {card_file.name}: the file was changed "
                             "after it was trained; refusing to load it (pass trust=True to override)")
    if card and card.get("scikit_learn") != sklearn.__version__:
        warnings.warn(f"{path.name} was trained with scikit-learn {card.get('scikit_learn')}, this is "
                      f"{sklearn.__version__}: predictions may differ; retrain with `recover train`",
                      stacklevel=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)  # sklearn's own version warning, said above
        model = joblib.load(path)
    if not isinstance(model, RowClassifier):
        raise ModelError(f"{path} does not hold a recover RowClassifier")
    return model
