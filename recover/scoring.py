"""Stage 2 at work: the row classifier's view of each candidate, its probabilities, and the
joint reading of a document.

:class:`RowScorer` is the fitted :class:`~recover.classify.RowClassifier` pipeline (the model of
record) taken apart into the arrays it multiplies: each n-gram field's vocabulary and idf, the
layout features' names, the logistic regression's weights.  The model is linear, so what one
field's text adds to a row's scores does not depend on the other fields: it is worked out once
per distinct text (labels and headings recur across thousands of documents) and kept in a
bounded cache; a document then costs one sum and one softmax over its rows.  It needs only
numpy — no scikit-learn, SciPy or pandas to start — and ``tests/test_classifier.py`` holds it to
the pipeline's own ``predict_proba``.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import schema
from .candidates import RowCandidate
from .layout import numbering

# A candidate this sure of a canonical row that the joint reading gave to another contests it.
CONTEST_PROBABILITY = 0.3
# Distinct texts whose contribution each field keeps (about 40 × 8 bytes each).
CACHE_SIZE = 8192

# The fields that describe a row candidate: the training files' columns, in order.
FIELDS = ("label", "context", "heading", "section", "position", "values", "filled", "shape",
          "prev_label", "next_label")
# The pipeline's n-gram fields, in the order its feature union stacks them; then "layout".
TEXT_FIELDS = ("label", "context", "heading", "neighbours")


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
    filled = c.filled
    texts = [v.text for v in filled]
    if any(v.glued for v in filled):
        digits = sum(ch.isdigit() for t in texts for ch in t)
        marks.append(f"glued{min(digits, 24)}")
    if any("." in t for t in texts):
        marks.append("decimal")
    if any(t.lstrip().startswith(("-", "+")) for t in texts):
        marks.append("signed")
    if any(t.endswith("元") for t in texts):
        marks.append("yuan")
    return " ".join(marks)


def neighbours_text(x: dict, length: int = 12) -> str:
    """The starts of the labels of the rows before and after (where their numbering and first
    words are), marked so the two sides stay apart."""
    return f"<{str(x.get('prev_label', ''))[:length]}|{str(x.get('next_label', ''))[:length]}>"


# What layout_features reads of a description.
_LAYOUT_FIELDS = ("label", "section", "position", "values", "filled", "shape")


def layout_features(x: dict) -> dict[str, int]:
    """Numbering pattern, section, position and the shape of the numbers, as categories."""
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
    return features


def _numbering_kind(mark: str) -> str:
    if not mark:
        return "none"
    if mark.startswith("("):
        return "paren"
    if mark.endswith("、"):
        return "cn"
    return "digit"


# --- the derived scorer -----------------------------------------------------------------------

_WHITE_SPACES = re.compile(r"\s\s+")  # as scikit-learn's vectorizers squeeze them


def _char_ngrams(text: str, low: int, high: int) -> list[str]:
    text = _WHITE_SPACES.sub(" ", text)
    return [text[i:i + n] for n in range(low, min(high, len(text)) + 1) for i in range(len(text) - n + 1)]


class RowScorer:
    """The fitted pipeline's arithmetic, for inference: ``predict_proba`` as the pipeline's."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = arrays
        meta = json.loads(str(arrays["meta"]))
        self.classes_ = arrays["classes"]
        self._weights_t = arrays["coef_t"]  # features × classes: a feature's weights are one row
        self._intercept = arrays["intercept"]
        self._text = {}
        for name in TEXT_FIELDS:
            terms = arrays[f"{name}_terms"].tolist()
            self._text[name] = (dict(zip(terms, zip(arrays[f"{name}_columns"].tolist(),
                                                    arrays[f"{name}_idf"].tolist()))),
                                tuple(meta[name]["ngram_range"]), meta[name]["weight"])
        self._neighbours_length = meta["neighbours"]["length"]
        self._layout = (dict(zip(arrays["layout_names"].tolist(), arrays["layout_columns"].tolist())),
                        meta["layout"]["weight"])
        self._text_contribution = lru_cache(maxsize=CACHE_SIZE)(self._text_contribution_uncached)
        self._layout_contribution = lru_cache(maxsize=CACHE_SIZE)(self._layout_contribution_uncached)

    def __reduce__(self):  # the caches stay behind: a copy starts with its own
        return RowScorer, (self.arrays,)

    @classmethod
    def from_classifier(cls, classifier) -> "RowScorer":
        """The arrays of a fitted :class:`~recover.classify.RowClassifier`."""
        union = classifier.pipeline_.named_steps["features"]
        model = classifier.pipeline_.named_steps["model"]
        weights = union.transformer_weights or {}
        arrays: dict[str, np.ndarray] = {}
        meta: dict[str, dict] = {}
        offset = 0
        for name, pipeline in union.transformer_list:
            first, vectorizer = pipeline.steps[0][1], pipeline.steps[-1][1]
            meta[name] = {"weight": float(weights.get(name, 1.0))}
            if name == "layout":
                names = vectorizer.feature_names_
                arrays["layout_names"] = np.array(names, dtype=str)
                arrays["layout_columns"] = offset + np.arange(len(names))
                offset += len(names)
                continue
            assert vectorizer.analyzer == "char" and vectorizer.sublinear_tf and vectorizer.norm == "l2" \
                and not vectorizer.lowercase, "the scorer reads character n-grams, sublinear tf, l2-normed"
            if name == "neighbours":
                meta[name]["length"] = first.length
            terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
            arrays[f"{name}_terms"] = np.array(terms, dtype=str)
            arrays[f"{name}_columns"] = offset + np.arange(len(terms))
            arrays[f"{name}_idf"] = vectorizer.idf_
            meta[name]["ngram_range"] = list(vectorizer.ngram_range)
            offset += len(terms)
        assert list(meta) == [*TEXT_FIELDS, "layout"], "the pipeline's fields are the scorer's"
        arrays.update(classes=np.asarray(classifier.classes_, dtype=str), intercept=model.intercept_,
                      coef_t=np.ascontiguousarray(model.coef_.T), meta=np.array(json.dumps(meta)))
        return cls(arrays)

    def save(self, path: Path) -> None:
        with open(path, "wb") as f:
            np.savez_compressed(f, **self.arrays)  # type: ignore[arg-type]  # numpy's stub misreads **kwds

    @classmethod
    def load(cls, path: Path) -> "RowScorer":
        with np.load(path, allow_pickle=False) as f:  # plain arrays: loading runs no code
            return cls({k: f[k] for k in f.files})

    def _text_contribution_uncached(self, name: str, text: str) -> np.ndarray | None:
        """What one field's text adds to every class's score: the weights of its n-grams, tf-idf
        weighted and l2-normed as the vectorizer does, times the field's weight."""
        vocabulary, (low, high), weight = self._text[name]
        found = [(vocabulary[g], count) for g, count in Counter(_char_ngrams(text, low, high)).items()
                 if g in vocabulary]
        if not found:
            return None
        columns = [c for (c, _), _ in found]
        values = np.array([(1.0 + math.log(count)) * idf for (_, idf), count in found])
        values *= weight / np.sqrt(values @ values)
        return values @ self._weights_t[columns]

    def _layout_contribution_uncached(self, fields: tuple) -> np.ndarray:
        names, weight = self._layout
        found = [(names[k], v) for k, v in layout_features(dict(fields)).items() if k in names and v]
        return weight * sum((v * self._weights_t[c] for c, v in found), np.zeros(len(self.classes_)))

    def predict_proba(self, X: list[dict]) -> np.ndarray:
        """Each row description's probability of every class, as the pipeline's ``predict_proba``."""
        scores = np.tile(self._intercept, (len(X), 1))
        for i, x in enumerate(X):
            texts = (str(x.get("label", "")), str(x.get("context", "")), str(x.get("heading", "")),
                     neighbours_text(x, self._neighbours_length))
            for name, text in zip(TEXT_FIELDS, texts):
                part = self._text_contribution(name, text)
                if part is not None:
                    scores[i] += part
            scores[i] += self._layout_contribution(tuple((f, x[f]) for f in _LAYOUT_FIELDS if f in x))
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def decode(self, X: list[dict], template: str, proba: np.ndarray | None = None) -> Decoding:
        return decode(self.classes_, self.predict_proba(X) if proba is None else proba, template)


# --- reading a document jointly -----------------------------------------------------------------


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


def decode(classes, proba: np.ndarray, template: str) -> Decoding:
    """Assign every candidate jointly: official order kept, no canonical row used twice."""
    keys = schema.row_keys(template)
    index = {k: i for i, k in enumerate(classes)}
    logp = np.log(np.clip(proba, 1e-9, 1.0))
    none = logp[:, index[schema.NOT_A_ROW]]
    canon = np.stack([logp[:, index[k]] if k in index else np.full(len(proba), -30.0) for k in keys], axis=1)
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
