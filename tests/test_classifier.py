"""The row classifier: a scikit-learn estimator, measured on labelled rows it never saw."""
import itertools
import re
from pathlib import Path

import numpy as np
from sklearn.base import clone

from recover import schema
from recover.classify import RowClassifier
from recover.scoring import _monotone_assignment
from recover.training import measure, read_dir

TRAINING = Path(__file__).parent.parent / "training_data"


def test_estimator_api(model):
    assert isinstance(clone(model), RowClassifier)
    assert set(schema.all_row_keys()) <= set(model.classes_)
    rows = read_dir(TRAINING / "real")[:30]
    proba = model.predict_proba([r.description for r in rows])
    assert proba.shape == (30, len(model.classes_))
    assert np.allclose(proba.sum(axis=1), 1)
    assert list(model.predict([r.description for r in rows])) == list(model.classes_[proba.argmax(axis=1)])


def test_accuracy_on_real_documents_held_out_of_training(figures):
    """Trained on synthetic rows and the seeds only; scored on the rows of the realdata reports."""
    real = read_dir(TRAINING / "real")
    seeds = [r for r in real if re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", r.document)]
    held_out = [r for r in real if r not in seeds]
    synthetic = read_dir(TRAINING / "synthetic")
    model = RowClassifier().fit([r.description for r in synthetic + seeds], [r.row for r in synthetic + seeds])
    metrics = measure([r.row for r in held_out], list(model.predict([r.description for r in held_out])))
    data_rows = [r for r in held_out if r.row != schema.NOT_A_ROW]
    figures["row classifier, held-out real rows"] = (
        f"{metrics.accuracy:.2%} of {len(held_out)} rows ({len(data_rows)} data rows) "
        f"from {len({r.document for r in held_out})} reports never trained on")
    assert metrics.accuracy >= 0.97, metrics.confusions


def test_decoding_keeps_official_order_and_uses_each_row_once(model):
    rows = read_dir(TRAINING / "real")
    by_doc = {}
    for r in rows:
        by_doc.setdefault(r.document, []).append(r)
    for doc_rows in by_doc.values():
        X = [r.description for r in sorted(doc_rows, key=lambda r: r.index)]
        for template in schema.TEMPLATES:
            keys = [k for k in model.decode(X, template).keys if k != schema.NOT_A_ROW]
            order = schema.row_keys(template)
            positions = [order.index(k) for k in keys]
            assert positions == sorted(set(positions))


def test_dynamic_programme_finds_the_best_monotone_assignment():
    rng = np.random.default_rng(0)
    for _ in range(50):
        n, m = rng.integers(1, 6), rng.integers(1, 5)
        gain = rng.normal(size=(n, m))
        chosen = _monotone_assignment(gain)
        best = 0.0
        for assignment in itertools.product(range(-1, m), repeat=n):
            used = [j for j in assignment if j >= 0]
            if used == sorted(set(used)):
                best = max(best, sum(gain[i, j] for i, j in enumerate(assignment) if j >= 0))
        got = sum(gain[i, j] for i, j in enumerate(chosen) if j >= 0)
        assert np.isclose(got, best)


def _descriptions_of_documents():
    """Every candidate's description in the real fixtures and in generated reports of each layout."""
    from recover import readers
    from recover.candidates import find_candidates
    from recover.scoring import describe
    from recover.tools import synth

    FIXTURES = Path(__file__).parent / "fixtures"
    datas = [p.read_bytes() for d in ("real", "seeds") for p in sorted((FIXTURES / d).iterdir())
             if p.is_file() and p.suffix in (".txt", ".html")]
    datas += [r.content.encode("utf-8") for r in synth.generate(17, 44)]
    out = []
    for data in datas:
        for layout in readers.read(data):
            candidates = find_candidates(layout)
            if candidates:
                out.append(describe(candidates))
    return out


def test_the_shipped_scorer_is_the_pipeline(model):
    """The scorer documents are recovered with (numpy arrays, no scikit-learn) gives the fitted
    pipeline's own probabilities: the shipped file and one derived from the model afresh."""
    from recover.model import load_scorer, scorer_path
    from recover.scoring import RowScorer

    shipped_file = Path(__file__).parent.parent / "models" / "row_classifier.joblib"
    shipped = RowScorer.load(scorer_path(shipped_file))
    assert isinstance(load_scorer(shipped_file), RowScorer)
    derived = RowScorer.from_classifier(model)
    documents = _descriptions_of_documents()
    assert len(documents) > 50
    for X in documents:
        expected = model.pipeline_.predict_proba(X)
        for scorer in (shipped, derived, derived):  # the second pass reads from the caches
            assert list(scorer.classes_) == list(model.classes_)
            assert np.abs(scorer.predict_proba(X) - expected).max() < 1e-9


def test_ocr_rows_the_forms_order_places_are_not_in_doubt():
    # A fax lost the numbering of （一）予以公开 and （二）部分公开: the classifier is unsure of
    # both rows, but between 上年结转 and 属于国家秘密, recognised surely, the form has exactly those
    # two rows, and a line between that prints a single word holds none of them.
    from recover.candidates import RowCandidate
    from recover.cells import doubts
    from recover.layout import Cell
    from recover.pipeline import Classified
    from recover.reconcile import reconcile
    from recover.scoring import Decoding
    from recover.template import TemplateChoice

    def candidate(label: str, count: int, ocr: bool = True) -> RowCandidate:
        return RowCandidate([label], [Cell("0", ocr=ocr, ocr_sure=ocr) for _ in range(count)], section="requests")

    keys = ["requests/carried_over", "none", "requests/granted", "requests/partly_granted",
            "requests/withheld.state_secret"]
    labels = ["二、上年结转政府信息公开申请数量", "三", "()予以公开", "()部分公开", "1.属于国家秘密"]
    counts = [7, 1, 7, 7, 7]

    def classified(ocr: bool = True, probabilities=(1.0, 0.7, 0.17, 0.43, 0.998)) -> Classified:
        candidates = [candidate(label, n, ocr) for label, n in zip(labels, counts)]
        decoding = Decoding("2021", keys, list(probabilities), 0.0, [(2, "requests/partly_granted")])
        return Classified(candidates, [{} for _ in keys], TemplateChoice("2021", (), {}), decoding)

    rows = {r.key: r for r in classified().rows}
    assert rows["requests/granted"].placed and rows["requests/partly_granted"].placed
    assert not rows["requests/granted"].contested and not rows["requests/carried_over"].placed
    cells = reconcile("2021", list(rows.values()))
    assert not any(doubts(cells[f"requests/granted/{c.id}"].flags) for c in schema.REQUEST_COLUMNS)
    # printed text says what the agency printed; and a row next to an unsure one places nothing
    assert not any(r.placed for r in classified(ocr=False).rows)
    assert not any(r.placed for r in classified(probabilities=(1.0, 0.7, 0.17, 0.43, 0.6)).rows)
