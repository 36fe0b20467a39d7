"""Stage 2, the row classifier: which canonical row is each row candidate?

:class:`RowClassifier` is a scikit-learn estimator over row descriptions (plain dicts, the same
fields the training files hold): a pipeline of small transformers — character n-grams of the
label, of its context and heading and of the neighbouring rows, plus numbering, section,
position and the shape of the numbers — feeding a logistic regression.  :meth:`decode` then
reads a whole document at once: a dynamic programme picks the assignment of candidates to the
template's rows that is most probable overall while keeping the official order and using each
canonical row at most once.
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline

# describe and FIELDS are the classifier's inputs; they live with the derived scorer, which needs
# them without scikit-learn, and are named here too for the training code that reads them.
from .scoring import FIELDS, Decoding, decode, describe, layout_features, neighbours_text  # noqa: F401


# --- the pipeline's small transformers ------------------------------------------------------


class Field(BaseEstimator, TransformerMixin):
    """Pick one text field out of each row description."""

    def __init__(self, name: str = "label"):
        self.name = name

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return [str(x.get(self.name, "")) for x in X]


class Neighbours(BaseEstimator, TransformerMixin):
    """The starts of the labels of the rows before and after (where their numbering and first
    words are), marked so the two sides stay apart."""

    def __init__(self, length: int = 12):
        self.length = length

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return [neighbours_text(x, self.length) for x in X]


class LayoutFeatures(BaseEstimator, TransformerMixin):
    """Numbering pattern, section, position and the shape of the numbers, as categories."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return [layout_features(x) for x in X]


# --- the estimator ----------------------------------------------------------------------------


class RowClassifier(ClassifierMixin, BaseEstimator):
    """Maps row descriptions (see :func:`describe`) to ``table/row`` keys or ``none``."""

    def __init__(self, C: float = 8.0, label_ngrams: tuple[int, int] = (1, 3), max_iter: int = 3000,
                 random_state: int = 0):
        self.C = C
        self.label_ngrams = label_ngrams
        self.max_iter = max_iter
        self.random_state = random_state

    def _pipeline(self) -> Pipeline:
        def ngrams(field, ngram_range):
            return make_pipeline(Field(field), TfidfVectorizer(analyzer="char", ngram_range=ngram_range,
                                                               sublinear_tf=True, lowercase=False))

        features = FeatureUnion([
            ("label", ngrams("label", self.label_ngrams)),
            ("context", ngrams("context", (1, 2))),
            ("heading", ngrams("heading", (1, 2))),
            ("neighbours", make_pipeline(Neighbours(), TfidfVectorizer(analyzer="char", ngram_range=(2, 3),
                                                                       sublinear_tf=True, lowercase=False))),
            ("layout", make_pipeline(LayoutFeatures(), DictVectorizer())),
        ], transformer_weights={"label": 1.0, "context": 0.6, "heading": 0.6, "neighbours": 0.5, "layout": 0.8})
        model = LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.random_state)
        return Pipeline([("features", features), ("model", model)])

    def fit(self, X: list[dict], y: list[str], sample_weight=None) -> "RowClassifier":
        self.pipeline_ = self._pipeline().fit(list(X), list(y), model__sample_weight=sample_weight)
        self.classes_ = self.pipeline_.classes_
        return self

    def predict_proba(self, X: list[dict]) -> np.ndarray:
        return self.pipeline_.predict_proba(list(X))

    def predict(self, X: list[dict]) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def decode(self, X: list[dict], template: str, proba: np.ndarray | None = None) -> Decoding:
        """Assign every candidate jointly: official order kept, no canonical row used twice."""
        return decode(self.classes_, self.predict_proba(X) if proba is None else proba, template)
