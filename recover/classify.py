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

from dataclasses import dataclass, field

import numpy as np
import sklearn
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline

from . import schema
from .candidates import RowCandidate
from .layout import numbering

# A candidate this sure of a canonical row that the joint reading gave to another contests it.
CONTEST_PROBABILITY = 0.3

# The fields that describe a row candidate: the training files' columns, in order.
FIELDS = ("label", "context", "heading", "section", "position", "values", "filled", "shape",
          "prev_label", "next_label")


def describe(candidates: list[RowCandidate]) -> list[dict]:
    """The classifier's view of each candidate, neighbours included."""
    out = []
    for i, c in enumerate(candidates):
        prev = candidates[i - 1] if i else None
        nxt = candidates[i + 1] if i + 1 < len(candidates) else None
        out.append({
            "label": c.own_label[:64],
            "context": c.context[-40:],
            "heading": c.heading[:24],
            "section": c.section,
            "position": c.position,
            "values": len(c.values),
            "filled": len(c.filled),
            "shape": _shape(c),
            "prev_label": prev.own_label[:40] if prev else "",
            "next_label": nxt.own_label[:40] if nxt else "",
        })
    return out


def _shape(c: RowCandidate) -> str:
    """What the numbers look like: glued digit runs (and how many digits), decimals, signs, units."""
    marks = []
    texts = [v.text for v in c.filled]
    if any(v.glued for v in c.filled):
        digits = sum(ch.isdigit() for t in texts for ch in t)
        marks.append(f"glued{min(digits, 24)}")
    if any("." in t for t in texts):
        marks.append("decimal")
    if any(t.lstrip().startswith(("-", "+")) for t in texts):
        marks.append("signed")
    if any(t.endswith("元") for t in texts):
        marks.append("yuan")
    return " ".join(marks)


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
        n = self.length
        return [f"<{str(x.get('prev_label', ''))[:n]}|{str(x.get('next_label', ''))[:n]}>" for x in X]


class LayoutFeatures(BaseEstimator, TransformerMixin):
    """Numbering pattern, section, position and the shape of the numbers, as categories."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        rows = []
        for x in X:
            label = str(x.get("label", ""))
            mark = numbering(label)
            filled = int(x.get("filled", 0))
            position = int(x.get("position", 0))
            section = x.get("section", "")
            features = {
                f"numbering={mark}": 1,
                f"numbering_kind={_numbering_kind(mark)}": 1,
                f"section={section}": 1,
                f"position={section}:{min(position, 40)}": 1,
                f"filled={min(filled, 20)}": 1,
                f"values={min(int(x.get('values', 0)), 20)}": 1,
                f"section_filled={section}:{min(filled, 20)}": 1,
                "label_empty": int(not label),
                "label_long": int(len(label) > 40),
                "prose": int(any(p in label for p in "。；;") or label.count(",") > 2),
            }
            for mark_ in str(x.get("shape", "")).split():
                features[f"shape={mark_}"] = 1
            rows.append(features)
        return rows


def _through(pipeline: Pipeline, X):
    for _, step in pipeline.steps:
        X = step.transform(X)
    return X


def _numbering_kind(mark: str) -> str:
    if not mark:
        return "none"
    if mark.startswith("("):
        return "paren"
    if mark.endswith("、"):
        return "cn"
    return "digit"


# --- the estimator ----------------------------------------------------------------------------


@dataclass
class Decoding:
    """A document read jointly: the canonical row each candidate got (or ``none``)."""

    template: str
    keys: list[str]
    probabilities: list[float]  # the classifier's probability for the row each candidate got
    score: float  # total log-probability of the decoding
    # (candidate, the canonical row it would rather have had): the joint reading gave that row to
    # another candidate (order and uniqueness forced it), so either assignment may be wrong.
    contests: list[tuple[int, str]] = field(default_factory=list)


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
        # The union's small pipelines run one step after another and their inputs are known
        # clean: going straight through the steps skips the per-call checks and thread machinery
        # (more than half the time on a document's forty rows).
        X = list(X)
        union, model = self.pipeline_.named_steps["features"], self.pipeline_.named_steps["model"]
        weights = union.transformer_weights or {}
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            features = sparse.hstack([_through(pipeline, X) * weights.get(name, 1.0)
                                      for name, pipeline in union.transformer_list], format="csr")
            return model.predict_proba(features)

    def predict(self, X: list[dict]) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def decode(self, X: list[dict], template: str, proba: np.ndarray | None = None) -> Decoding:
        """Assign every candidate jointly: official order kept, no canonical row used twice."""
        if proba is None:
            proba = self.predict_proba(X)
        keys = schema.row_keys(template)
        index = {k: i for i, k in enumerate(self.classes_)}
        logp = np.log(np.clip(proba, 1e-9, 1.0))
        none = logp[:, index[schema.NOT_A_ROW]]
        canon = np.stack([logp[:, index[k]] if k in index else np.full(len(X), -30.0) for k in keys], axis=1)
        chosen = _monotone_assignment(canon - none[:, None])
        out_keys = [keys[j] if j >= 0 else schema.NOT_A_ROW for j in chosen]
        probs = [float(proba[i, index[k]]) for i, k in enumerate(out_keys)]
        score = float(none.sum() + sum(canon[i, j] - none[i] for i, j in enumerate(chosen) if j >= 0))
        contests = []
        favourite = np.argmax(canon, axis=1)  # each candidate's likeliest canonical row
        for i, key in enumerate(out_keys):
            wanted = keys[favourite[i]]
            if wanted != key and np.exp(canon[i, favourite[i]]) >= CONTEST_PROBABILITY and wanted in out_keys:
                contests.append((i, wanted))
        return Decoding(template, out_keys, probs, score, contests)


def _monotone_assignment(gain: np.ndarray) -> list[int]:
    """Best strictly increasing assignment of rows (candidates) to columns (canonical rows).

    ``gain[i, j]`` is what assigning candidate i to canonical row j adds over calling it not a
    row.  Returns, for each candidate, its canonical index or -1.  O(candidates × rows).
    """
    n, m = gain.shape
    # best[i][j]: the best total over the first i candidates using canonical rows < j only.
    best = np.zeros((n + 1, m + 1))
    for i in range(n):
        took = np.full(m + 1, -np.inf)
        took[1:] = np.maximum.accumulate(best[i, :m] + gain[i])
        best[i + 1] = np.maximum(best[i], took)
    chosen = [-1] * n
    j = m
    for i in range(n - 1, -1, -1):
        if best[i + 1, j] <= best[i, j]:
            continue
        options = best[i, :j] + gain[i, :j]
        j = int(np.argmax(options))
        chosen[i] = j
    return chosen
