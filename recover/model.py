"""Saving and loading the row classifier, safely.

A joblib file is a pickle: loading one runs whatever it says.  So a model travels with its
card (``<model>.card.json``) that records the file's sha256, and :func:`load_model` refuses
a model whose file does not match its card unless the caller says ``trust=True``.  The model
shipped inside the package is used when no path is given.

Beside the model the card names its scorer (``<model>.scorer.npz``): the same fitted weights as
plain arrays (see :mod:`recover.scoring`), which recovering documents reads instead of the
pickle, and which needs no scikit-learn.  A model whose card names no scorer, or one that does
not match, is scored through a scorer derived from it when it loads.
"""
from __future__ import annotations

import hashlib
import json
import warnings
from functools import lru_cache
from importlib import resources
from pathlib import Path

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

if TYPE_CHECKING:
    from .classify import RowClassifier
    from .scoring import RowScorer

SHIPPED_MODEL = "row_classifier.joblib"


class ModelError(Exception):
    """A model that cannot or should not be loaded: missing, tampered with, or incompatible."""


def card_path(model_path: Path) -> Path:
    return model_path.with_suffix(".card.json")


def scorer_path(model_path: Path) -> Path:
    return model_path.with_suffix(".scorer.npz")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(model: RowClassifier, path: Path, card: dict) -> dict:
    """Write the model, its scorer and its card; the card gains the files' sha256 and the library
    versions."""
    import joblib
    import sklearn

    from .scoring import RowScorer

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path, compress=3)
    scorer = scorer_path(path)
    RowScorer.from_classifier(model).save(scorer)
    card = dict(card, model_file=path.name, sha256=sha256(path), scorer_file=scorer.name,
                scorer_sha256=sha256(scorer), scikit_learn=sklearn.__version__)
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


def load_scorer(path: str | Path | None = None, *, trust: bool = False) -> RowScorer:
    """What recovering documents scores rows with: the scorer the model's card names (checked
    against the card's sha256), else one derived from the model itself."""
    if path is None:
        return _shipped_scorer()
    return _load_scorer(Path(path), trust)


@lru_cache(maxsize=1)
def _shipped_scorer() -> RowScorer:
    return _load_scorer(shipped_model_path(), trust=False)


def _load_scorer(path: Path, trust: bool) -> RowScorer:
    from .scoring import RowScorer

    card_file = card_path(path)
    card = json.loads(card_file.read_text(encoding="utf-8")) if card_file.is_file() else {}
    scorer = scorer_path(path)
    if path.is_file() and card.get("sha256") == sha256(path) and scorer.is_file() \
            and card.get("scorer_sha256") == sha256(scorer):
        return RowScorer.load(scorer)
    return scorer_of(_load(path, trust))


_derived: WeakKeyDictionary = WeakKeyDictionary()


def scorer_of(model: RowClassifier | RowScorer | None) -> RowScorer:
    """The scorer for a model given by the caller: the shipped one, or one derived from it once."""
    from .scoring import RowScorer

    if model is None:
        return load_scorer()
    if isinstance(model, RowScorer):
        return model
    if model not in _derived:
        _derived[model] = RowScorer.from_classifier(model)
    return _derived[model]


def _load(path: Path, trust: bool) -> RowClassifier:
    import joblib
    import sklearn

    from .classify import RowClassifier

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
        try:
            model = joblib.load(path)
        except Exception as e:  # not a joblib file at all, or one made for other code
            raise ModelError(f"{path} is not a model file recover can load ({type(e).__name__}: {e})") from e
    if not isinstance(model, RowClassifier):
        raise ModelError(f"{path} does not hold a recover RowClassifier")
    if card and card.get("scikit_learn") != sklearn.__version__:
        _check_runs(model, path, card.get("scikit_learn"))
    return model


# One row as the classifier sees it: a model unpickled under another scikit-learn must predict it.
_PROBE = {"label": "一、本年新收政府信息公开申请数量", "context": "", "heading": "", "section": "requests",
          "position": 1, "values": 7, "filled": 7, "shape": "", "prev_label": "", "next_label": ""}


def _check_runs(model: RowClassifier, path: Path, trained_with: str | None) -> None:
    """A model pickled by one scikit-learn may load under another and fail on its first document
    (an attribute renamed or gone): try it once, and say what to do."""
    import sklearn

    try:
        model.predict_proba([_PROBE])
    except Exception as e:
        raise ModelError(
            f"{path.name} was trained with scikit-learn {trained_with} and does not run with the "
            f"{sklearn.__version__} installed ({type(e).__name__}: {e}); install the version it was trained "
            f"with (pip install 'scikit-learn=={trained_with}') or retrain it with `recover train`") from e
