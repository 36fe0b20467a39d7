"""Speed and memory of recover, measured in one run on real reports and a generated corpus.

    python bench/bench.py                       # everything (about 15 minutes on 2 cores)
    python bench/bench.py --only pdf,scan       # some sections
    python bench/bench.py --sizes 1000,5000     # a smaller scaling run

Sections:
  stages   per-document time on one core, by stage, for the real text and HTML reports
  batch    documents/s for generated text and HTML through `recover batch`, one core and all cores
  pdf      digital-PDF time per page against pdfplumber alone opening and extracting the pages
  scan     scan time per page against tesseract alone reading the same page images
  memory   peak RSS of a batch worker, and of a fresh process per kind of document
  scaling  time against corpus size (generated text reports): it should grow linearly

The corpus is built under bench/corpus/ (not committed) from tests/fixtures and the generator.
Nothing here is a test: the figures go into README.md by hand, with the machine they came from.
"""
from __future__ import annotations

import argparse
import io
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import sklearn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recover import UnreadableDocumentError, load_model, readers, recover_bytes  # noqa: E402
from recover.batch import find_inputs, run_batch  # noqa: E402
from recover.pipeline import classify_layout  # noqa: E402
from recover.reconcile import reconcile  # noqa: E402
from recover.tools import synth  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = ROOT / "bench" / "corpus"
SECTIONS = ("stages", "batch", "pdf", "scan", "memory", "scaling")


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


def generated(kind: str, count: int) -> Path:
    """A folder of ``count`` generated reports of one kind (text or html), built once."""
    folder = CORPUS / f"{kind}-{count}"
    if not folder.exists():
        layouts = ("html",) if kind == "html" else tuple(l for l in synth.LAYOUTS if l != "html")
        reports = [r for r in synth.generate(count, count, layouts) if not r.truncated]
        synth.write_documents(reports, folder)
    return folder


# --- sections ----------------------------------------------------------------------------------


def stages(model) -> None:
    def per_document(paths):
        out = {"read+layout": [], "classify": [], "reconcile": [], "total": []}
        for _ in range(5):
            for path in paths:
                data = path.read_bytes()
                t0 = time.perf_counter()
                layout = readers.read(data)[0]
                t1 = time.perf_counter()
                classified = classify_layout(layout, model)
                t2 = time.perf_counter()
                reconcile(classified.choice.template, classified.rows)
                t3 = time.perf_counter()
                for name, seconds in zip(out, (t1 - t0, t2 - t1, t3 - t2, t3 - t0)):
                    out[name].append(seconds)
        return out

    print("\nper document on one core, by stage (5 passes):")
    for name, paths in (("real text reports", sorted((FIXTURES / "real").glob("*.txt")) +
                         sorted((FIXTURES / "seeds").glob("*.txt"))),
                        ("real HTML reports", sorted((FIXTURES / "real").glob("*.html")))):
        t = per_document(paths)
        print(f"  {name}: median {statistics.median(t['total']) * 1000:.1f} ms → "
              f"{len(t['total']) / sum(t['total']):.0f} documents/s; mean "
              + ", ".join(f"{k} {statistics.mean(v) * 1000:.1f} ms" for k, v in t.items() if k != "total"))


def _timed_batch(folder: Path, jobs: int, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    inputs = find_inputs([folder])
    start = time.perf_counter()
    run_batch(inputs, out, jobs=jobs)
    return time.perf_counter() - start


def batch(docs: int) -> None:
    cores = os.cpu_count() or 1
    print("\n`recover batch` over generated reports (whole batch: start-up, workers, outputs):")
    for kind in ("text", "html"):
        folder = generated(kind, docs)
        n = len(find_inputs([folder]))
        one = _timed_batch(folder, 1, CORPUS / "out")
        every = _timed_batch(folder, cores, CORPUS / "out")
        print(f"  {kind}, {n} documents: one core {n / one:.0f} documents/s; {cores} jobs {n / every:.0f} "
              f"documents/s ({one / every:.2f}×)")


def pdf(model) -> None:
    import pdfplumber

    pdfs = [FIXTURES / "real" / "301_huaian-gov-2024.pdf", FIXTURES / "kinds" / "shanghai-2019.pdf",
            FIXTURES / "kinds" / "synthetic.pdf", FIXTURES / "kinds" / "synthetic-unruled.pdf"]
    print("\ndigital PDF, time per page (best of 3):")
    for path in pdfs:
        data = path.read_bytes()

        def plumber():
            with pdfplumber.open(io.BytesIO(data)) as document:
                for page in document.pages:
                    page.extract_text()
                return len(document.pages)

        pages = plumber()
        alone = _best_of(plumber, 3) / pages
        ours = _best_of(lambda: recover_bytes(data, path.name, model), 3) / pages
        print(f"  {path.name}: {pages} pages, recover {ours * 1000:.0f} ms/page, pdfplumber alone "
              f"{alone * 1000:.0f} ms/page → {ours / alone:.2f}×")


def scan(model) -> None:
    import pypdfium2
    import pytesseract

    path = FIXTURES / "kinds" / "huaian-2024-scan200.pdf"
    data = path.read_bytes()
    document = pypdfium2.PdfDocument(data)
    images = [document[i].render(scale=200 / 72, grayscale=True).to_pil() for i in range(len(document))]
    alone = _best_of(lambda: [pytesseract.image_to_string(im, lang="chi_sim") for im in images], 1) / len(images)
    ours = _best_of(lambda: recover_bytes(data, path.name, model), 1) / len(images)
    print(f"\nscan ({path.name}: {len(images)} pages scanned at 200 dpi):")
    print(f"  recover {ours:.2f} s/page, tesseract alone (chi_sim, whole page) {alone:.2f} s/page → "
          f"{ours / alone:.2f}×")


def _best_of(work, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - t)
    return best


def _worker_peak(paths: list[str]) -> float:
    """Recover documents in a batch worker; its peak RSS in MB."""
    for path in paths:
        try:
            recover_bytes(Path(path).read_bytes(), Path(path).name)
        except UnreadableDocumentError:
            pass
    return peak_rss_mb()


def peak_rss_mb() -> float:
    """This process's peak resident memory.  VmHWM, not ru_maxrss: Linux carries ru_maxrss over an
    exec from the process that started it, so a child started by a big parent would inherit its peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory() -> None:
    from joblib import Parallel, delayed

    print("\npeak RSS:")
    mixed = [str(p) for p in sorted(generated("text", 1000).glob("*.txt"))[:200]] + \
        [str(p) for p in sorted((FIXTURES / "real").glob("*")) if p.is_file()] + \
        [str(FIXTURES / "kinds" / "shanghai-2019.docx"), str(FIXTURES / "kinds" / "huaian-2024-scan200.pdf")]
    halves = [mixed[0::2], mixed[1::2]]
    peaks = Parallel(n_jobs=2)(delayed(_worker_peak)(h) for h in halves)
    print(f"  batch workers after {len(mixed)} mixed documents (text, HTML, PDF, Word, a scan): "
          + ", ".join(f"{p:.0f} MB" for p in peaks))
    code = ("import sys, recover; recover.recover_file(sys.argv[1]); "  # VmHWM, as peak_rss_mb reads it
            "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:')) / 1024)")
    for path in (FIXTURES / "real" / "002_pingtan-2021-flat.txt", FIXTURES / "real" / "301_huaian-gov-2024.pdf",
                 FIXTURES / "kinds" / "huaian-2024-scan200.pdf"):
        peak = float(subprocess.check_output([sys.executable, "-c", code, str(path)], cwd=ROOT))
        print(f"  a fresh process recovering {path.name}: {peak:.0f} MB")


def scaling(sizes: list[int]) -> None:
    cores = os.cpu_count() or 1
    print(f"\ntime against corpus size (generated text reports, {cores} jobs):")
    for size in sizes:
        folder = generated("text", size)
        n = len(find_inputs([folder]))
        seconds = _timed_batch(folder, cores, CORPUS / "out")
        print(f"  {n} documents: {seconds:.1f} s, {n / seconds:.0f} documents/s, "
              f"{seconds / n * 1000:.2f} ms a document")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated: {', '.join(SECTIONS)}")
    parser.add_argument("--docs", type=int, default=1000, help="generated reports in the batch section")
    parser.add_argument("--sizes", default="1000,5000,20000", help="corpus sizes in the scaling section")
    args = parser.parse_args()
    chosen = set(args.only.split(","))

    print(f"machine: {machine()}")
    model = load_model()
    recover_bytes((FIXTURES / "seeds" / "000_f75c2c88bf6d12f5.txt").read_bytes())  # warm imports and caches
    if "stages" in chosen:
        stages(model)
    if "batch" in chosen:
        batch(args.docs)
    if "pdf" in chosen:
        pdf(model)
    if "scan" in chosen:
        scan(model)
    if "memory" in chosen:
        memory()
    if "scaling" in chosen:
        scaling([int(s) for s in args.sizes.split(",")])


if __name__ == "__main__":
    main()
