"""Saving and loading the row classifier, safely.

A joblib file is a pickle: loading one runs whatever it says.  So a model is loaded only when
its sha256 is one the caller vouches for — given with ``sha256=`` (``--model-sha256``; ``recover
train`` writes it in the model's card), or in the package's own list of known models (the shipped
one) — or when the caller says ``trust=True``.  A card lying beside the file proves nothing:
whoever can write the file can write the card; it is read only for the scikit-learn version.
The file's bytes are read once, and the bytes hashed are the bytes unpickled.  The model shipped
inside the package is used when no path is given.

Beside the shipped model its card names its scorer (``<model>.scorer.npz``): the same fitted
weights as plain arrays (see :mod:`recover.scoring`), which recovering documents reads instead of
the pickle, and which needs no scikit-learn.  Any other model is scored through a scorer derived
from it when it loads (its card, unvouched for, cannot say which arrays belong to it).
"""
from __future__ import annotations

import hashlib
import io
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


def known_models() -> frozenset[str]:
    """The sha256 of the models this package vouches for: the one it ships (whose card is part of
    the installed package, as trustworthy as its code)."""
    card = json.loads(card_path(shipped_model_path()).read_text(encoding="utf-8"))
    return frozenset({card["sha256"]})


def load_model(path: str | Path | None = None, *, trust: bool = False, sha256: str | None = None) -> RowClassifier:
    """The shipped classifier, or the one at ``path`` if its sha256 is ``sha256``, a known
    model's, or ``trust`` is given."""
    if path is None and sha256 is None:
        return _shipped()
    return _load(Path(path) if path is not None else shipped_model_path(), trust, sha256)


@lru_cache(maxsize=1)
def _shipped() -> RowClassifier:
    return _load(shipped_model_path(), trust=False, sha256=None)


def load_scorer(path: str | Path | None = None, *, trust: bool = False, sha256: str | None = None) -> RowScorer:
    """What recovering documents scores rows with: the shipped scorer (checked against the shipped
    card) for the shipped model, or one derived from the model at ``path`` (checked as
    :func:`load_model` checks it)."""
    if path is None and sha256 is None:
        return _shipped_scorer()
    digest = model_sha256(path, trust=trust, sha256=sha256)
    if digest in known_models():  # the shipped model, wherever its file is: its arrays, no pickle
        return _shipped_scorer()
    return scorer_of(load_model(path, sha256=digest))  # the digest pins the bytes read again


@lru_cache(maxsize=1)
def _shipped_scorer() -> RowScorer:
    from .scoring import RowScorer

    path = shipped_model_path()
    card = json.loads(card_path(path).read_text(encoding="utf-8"))
    scorer = scorer_path(path)
    if scorer.is_file() and card.get("scorer_sha256") == sha256(scorer):
        return RowScorer.load(scorer)
    return scorer_of(_shipped())


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


def model_sha256(path: str | Path | None = None, *, trust: bool = False, sha256: str | None = None) -> str:
    """The sha256 of the model :func:`load_model` would load, checked as it checks it (without
    unpickling): a batch checks once, and each worker loads exactly those bytes."""
    path = Path(path) if path is not None else shipped_model_path()
    return _checked(path, _read(path), trust, sha256)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"no model file at {path}") from None
    except OSError as e:
        raise ModelError(f"cannot read the model {path}: {e.strerror or e}") from e


def _checked(path: Path, data: bytes, trust: bool, sha256: str | None) -> str:
    digest = hashlib.sha256(data).hexdigest()
    if sha256 is not None:
        if digest != sha256.strip().lower():
            raise ModelError(f"{path} has sha256 {digest}, not the {sha256} given: refusing to load it")
    elif not trust and digest not in known_models():
        raise ModelError(f"{path} is not a model recover knows, and a joblib file runs code when loaded; a card "
                         "beside it proves nothing (whoever wrote the file could write the card). Pass its sha256 "
                         "with --model-sha256 (recover train writes it in the card it makes), or --trust-model "
                         "for a file you made yourself")
    return digest


def _load(path: Path, trust: bool, sha256: str | None) -> RowClassifier:
    import joblib
    import sklearn

    from .classify import RowClassifier

    data = _read(path)  # read once: the bytes checked are the bytes loaded
    _checked(path, data, trust, sha256)
    card_file = card_path(path)
    try:
        card = json.loads(card_file.read_text(encoding="utf-8")) if card_file.is_file() else None
    except (OSError, ValueError):
        card = None
    if card and card.get("scikit_learn") != sklearn.__version__:
        warnings.warn(f"{path.name} was trained with scikit-learn {card.get('scikit_learn')}, this is "
                      f"{sklearn.__version__}: predictions may differ; retrain with `recover train`",
                      stacklevel=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)  # sklearn's own version warning, said above
        try:
            model = joblib.load(io.BytesIO(data))
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
