"""What loads when: `import recover` and the CLI load nothing heavy, and a text document is
recovered without scikit-learn, SciPy, pandas or pyarrow (the model's scorer is plain arrays).
Each check runs in a fresh interpreter, so that nothing another test imported counts."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
HEAVY = ("numpy", "sklearn", "scipy", "pandas", "pyarrow", "joblib", "pdfplumber", "pdfminer", "pypdfium2",
         "camelot", "cv2", "PIL", "onnxruntime", "rapidocr", "lxml", "docx", "openpyxl", "charset_normalizer", "rich")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport json, sys; print(json.dumps(sorted(sys.modules)))"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def _loaded_after(code: str) -> set[str]:
    return {name.split(".")[0] for name in _modules_after(code)}


def test_import_and_the_command_line_load_nothing_heavy():
    loaded = _loaded_after("import recover, recover.cli")
    assert loaded.isdisjoint(HEAVY), sorted(loaded.intersection(HEAVY))


def test_help_loads_nothing_heavy():
    loaded = _loaded_after("import sys\nfrom recover.cli import main\nsys.argv = ['recover', '--help']\n"
                           "try:\n    main()\nexcept SystemExit:\n    pass")
    assert loaded.isdisjoint(HEAVY), sorted(loaded.intersection(HEAVY))


def test_help_loads_no_part_of_recover_a_command_runs():
    """`recover --help` reads the schema (the --format and --template choices) and nothing the
    commands run: each imports its part of recover when it runs."""
    loaded = _modules_after("import sys\nfrom recover.cli import main\nsys.argv = ['recover', '--help']\n"
                            "try:\n    main()\nexcept SystemExit:\n    pass")
    assert {name for name in loaded if name.startswith("recover")} == {"recover", "recover.cli", "recover.errors",
                                                                        "recover.schema"}


def test_the_batch_process_loads_no_pipeline():
    """The batch process only hands documents to its workers and joins their pieces."""
    loaded = _modules_after("import recover.batch.run")
    assert not {name for name in loaded if name.startswith(("recover.pipeline", "recover.readers", "recover.classify",
                                                             "recover.reconcile", "recover.excel"))}, sorted(loaded)


def test_a_text_document_needs_no_scikit_learn_scipy_pandas_or_pyarrow():
    model = ROOT / "models" / "row_classifier.joblib"
    document = ROOT / "tests" / "fixtures" / "real" / "002_pingtan-2021-flat.txt"
    loaded = _loaded_after(f"import recover\nfrom recover.model import load_scorer\n"
                           f"report = recover.recover_file({str(document)!r}, load_scorer({str(model)!r}))\n"
                           "assert report.cells")
    assert "numpy" in loaded
    assert loaded.isdisjoint({"sklearn", "scipy", "pandas", "pyarrow", "joblib"}), loaded
