"""Speed and memory of recover, measured on real reports and generated ones.

    python bench/bench.py                  # everything, a few minutes
    python bench/bench.py --only text,pdf  # some sections

Sections (each prints its figures):
  text   per-document time on one core for real and generated text and HTML reports, by stage
  pdf    digital-PDF time per page, against pdfplumber alone opening and extracting the pages
  scan   scan time per page, against tesseract alone reading the same page images
  memory peak RSS of one process recovering one document of each kind

Nothing here is a test: the figures go into README.md by hand, with the machine they came from.
"""
from __future__ import annotations

import argparse
import io
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sklearn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recover import load_model, recover_bytes, synth  # noqa: E402
from recover.extract import read_layouts  # noqa: E402
from recover.pipeline import classify_layout  # noqa: E402
from recover.reconcile import reconcile  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
SECTIONS = ("text", "pdf", "scan", "memory")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}")


def per_document(paths: list[Path], model, repeat: int = 1) -> dict[str, list[float]]:
    """Seconds per document for each stage, sequentially on one core."""
    stages: dict[str, list[float]] = {"read+layout": [], "classify": [], "reconcile": [], "total": []}
    for _ in range(repeat):
        for path in paths:
            data = path.read_bytes()
            t0 = time.perf_counter()
            layouts = read_layouts(data)
            t1 = time.perf_counter()
            readings = [classify_layout(layout, model) for layout in layouts]
            t2 = time.perf_counter()
            for classified in readings:
                reconcile(classified.choice.template, classified.rows)
            t3 = time.perf_counter()
            for name, seconds in (("read+layout", t1 - t0), ("classify", t2 - t1), ("reconcile", t3 - t2),
                                  ("total", t3 - t0)):
                stages[name].append(seconds)
    return stages


def show(name: str, stages: dict[str, list[float]]) -> None:
    total = sorted(stages["total"])
    p95 = total[min(len(total) - 1, int(len(total) * 0.95))]
    print(f"\n{name}: {len(total)} document runs")
    print(f"  per document: median {statistics.median(total) * 1000:.1f} ms, mean {statistics.mean(total) * 1000:.1f} ms, "
          f"p95 {p95 * 1000:.1f} ms  → {len(total) / sum(total):.1f} documents/s on one core")
    print("  mean by stage: " + ", ".join(f"{k} {statistics.mean(v) * 1000:.1f} ms"
                                          for k, v in stages.items() if k != "total"))


def text_section(model, docs: int) -> None:
    real_text = sorted((FIXTURES / "real").glob("*.txt")) + sorted((FIXTURES / "seeds").glob("*.txt"))
    show("real text reports (tests/fixtures)", per_document(real_text, model, 5))
    show("real HTML reports (tests/fixtures)", per_document(sorted((FIXTURES / "real").glob("*.html")), model, 5))
    with tempfile.TemporaryDirectory() as tmp:
        synth.write_documents(synth.generate(7, docs), Path(tmp))
        show(f"generated text reports ({docs} minus the HTML ones)", per_document(sorted(Path(tmp).glob("*.txt")), model))
        show("generated HTML reports", per_document(sorted(Path(tmp).glob("*.html")), model))


def pdf_section(model) -> None:
    import pdfplumber

    pdfs = [FIXTURES / "real" / "301_huaian-gov-2024.pdf", FIXTURES / "kinds" / "shanghai-2019.pdf",
            FIXTURES / "kinds" / "synthetic.pdf", FIXTURES / "kinds" / "synthetic-unruled.pdf"]
    print("\ndigital PDF, time per page (3 runs each):")
    for path in pdfs:
        data = path.read_bytes()

        def plumber():
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                for page in pdf.pages:
                    page.extract_text()
                return len(pdf.pages)

        pages = plumber()
        alone = _best_of(plumber, 3) / pages
        ours = _best_of(lambda: recover_bytes(data, path.name, model), 3) / pages
        print(f"  {path.name}: {pages} pages, recover {ours * 1000:.0f} ms/page, pdfplumber alone "
              f"{alone * 1000:.0f} ms/page → {ours / alone:.2f}×")


def scan_section(model) -> None:
    import pypdfium2
    import pytesseract

    path = FIXTURES / "kinds" / "huaian-2024-scan200.pdf"
    data = path.read_bytes()
    document = pypdfium2.PdfDocument(data)
    images = [document[i].render(scale=300 / 72, grayscale=True).to_pil() for i in range(len(document))]
    alone = _best_of(lambda: [pytesseract.image_to_string(im, lang="chi_sim") for im in images], 1) / len(images)
    ours = _best_of(lambda: recover_bytes(data, path.name, model), 1) / len(images)
    print(f"\nscan ({path.name}, {len(images)} pages at 200 dpi, rendered at 300 for both):")
    print(f"  recover {ours:.2f} s/page, tesseract alone (chi_sim, whole page) {alone:.2f} s/page → {ours / alone:.2f}×")


def _best_of(work, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - t)
    return best


def memory_section() -> None:
    """Each document in a fresh interpreter, so the figure is that document's alone."""
    import subprocess

    print("\npeak RSS of a fresh process recovering one document (imports and model included):")
    samples = [FIXTURES / "real" / "002_pingtan-2021-flat.txt", FIXTURES / "real" / "102_pingtan-2020.html",
               FIXTURES / "real" / "301_huaian-gov-2024.pdf", FIXTURES / "kinds" / "shanghai-2019.docx",
               FIXTURES / "kinds" / "huaian-2024-scan200.pdf"]
    code = ("import resource, sys, recover; recover.recover_file(sys.argv[1]); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    baseline = ("import resource, recover; recover.load_model(); "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    run = [sys.executable, "-c"]
    print(f"  imports and model alone: {float(subprocess.check_output(run + [baseline], cwd=ROOT)):.0f} MB")
    for path in samples:
        peak = float(subprocess.check_output(run + [code, str(path)], cwd=ROOT))
        print(f"  {path.name}: {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated: {', '.join(SECTIONS)}")
    parser.add_argument("--docs", type=int, default=200, help="generated reports in the text section")
    args = parser.parse_args()
    chosen = set(args.only.split(","))

    print(f"machine: {machine()}")
    model = load_model()
    recover_bytes((FIXTURES / "seeds" / "000_f75c2c88bf6d12f5.txt").read_bytes())  # warm imports and caches
    if "text" in chosen:
        text_section(model, args.docs)
    if "pdf" in chosen:
        pdf_section(model)
    if "scan" in chosen:
        scan_section(model)
    if "memory" in chosen:
        memory_section()


if __name__ == "__main__":
    main()
