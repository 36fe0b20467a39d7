"""Speed and memory of recover, each figure a ratio against its floor, measured in one run.

    python bench/bench.py                          # everything
    python bench/bench.py --only startup,pdf       # some sections
    python bench/bench.py --runs 5 --sizes 1000,10000,100000

Sections (every measurement is a whole process, started the way a user starts it, timed from
outside; the median of ``--runs`` runs):
  startup  `recover --help`, `--version` and a one-document batch against `python -c pass`
  batch    text and HTML documents/s through `recover batch` on one core, against the floor
           (a process that reads and decodes the same files and splits them into lines);
           `--jobs 2` against `--jobs 1`; peak RSS of the main process and of each worker
  pdf      a digital PDF through `recover batch` against pdfplumber alone opening it and
           extracting the words and the tables of every page: whole process, and per page
           (in one process, once the libraries are loaded)
  scan     a scanned PDF, per page, against tesseract alone reading the same page images, both
           pinned to one CPU (tesseract with OMP_THREAD_LIMIT=1; recover's OCR model runs on one
           thread), and the peak RSS of the batch worker that read it; needs tesseract and
           pytesseract (the `bench` extra), which recover itself no longer uses
  scaling  time and peak RSS of `recover batch --jobs 2` at growing corpus sizes: the time
           should grow linearly and the memory stay flat

The bench itself imports nothing of recover (its own peak memory would otherwise carry over into
the processes it starts); generated corpora are built once under bench/corpus/ (not committed).
Nothing here is a test: the figures go into README.md by hand, with the machine they came from.
"""
from __future__ import annotations

import argparse
import os
import resource
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = ROOT / "bench" / "corpus"
SECTIONS = ("startup", "batch", "pdf", "scan", "scaling")
PYTHON = sys.executable
ENV = dict(os.environ, PYTHONPATH=str(ROOT))
PDF = FIXTURES / "real" / "301_huaian-gov-2024.pdf"
SCAN = FIXTURES / "kinds" / "huaian-2024-scan200.pdf"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    versions = subprocess.run([PYTHON, "-c", "import sklearn, pdfplumber; print(sklearn.__version__, "
                               "pdfplumber.__version__)"], capture_output=True, text=True, env=ENV).stdout.split()
    tesseract = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python "
            f"{platform.python_version()}, scikit-learn {versions[0]}, pdfplumber {versions[1]}, {tesseract}")


# --- running and measuring a process -----------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    children = [int(c) for c in f.read().split()]
                out += children
                todo += children
        except OSError:
            continue
    return out


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _peak_mb(pid: int) -> float | None:
    """A process's peak resident memory (VmHWM: per address space, so not carried over an exec)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Run:
    """One process run to its end: wall time, and the peak RSS of it and of each process under it
    (sampled as it runs; VmHWM only grows, so the last sample is the peak to within the interval)."""

    def __init__(self, argv: list[str], env: dict | None = None, cwd: Path = ROOT):
        self.main_mb, self.children_mb = 0.0, {}
        cpu = _children_cpu()
        start = time.perf_counter()
        process = subprocess.Popen(argv, env=env or ENV, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        done = threading.Event()

        def sample():
            while not done.is_set():
                self._sample(process.pid)
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        stdout, stderr = process.communicate()
        self.seconds = time.perf_counter() - start
        self.cpu = _children_cpu() - cpu  # on a busy machine, steadier than the wall time
        done.set()
        sampler.join()
        self.stdout = stdout.decode()
        if process.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(map(str, argv))} failed ({process.returncode}): {stderr.decode()[-2000:]}")

    def _sample(self, pid: int) -> None:
        peak = _peak_mb(pid)
        if peak:
            self.main_mb = max(self.main_mb, peak)
        for child in _descendants(pid):
            peak = _peak_mb(child)
            if peak:
                self.children_mb[child] = max(self.children_mb.get(child, 0.0), peak)

    @property
    def worker_mb(self) -> float:
        return max(self.children_mb.values(), default=0.0)


def median_run(argv: list[str], runs: int, env: dict | None = None, before=None) -> Run:
    """The run of median wall time among ``runs``; its memory is the largest seen in any run."""
    done = []
    for _ in range(runs):
        if before:
            before()
        done.append(Run(argv, env))
    done.sort(key=lambda r: r.seconds)
    middle = done[len(done) // 2]
    middle.main_mb = max(r.main_mb for r in done)
    middle.children_peak = max(r.worker_mb for r in done)
    return middle


def recover_batch(paths: list[Path], out: Path, jobs: int = 1) -> list[str]:
    # Generated folders hold their truth files under truth/: recover reads every file it is given.
    return [PYTHON, "-m", "recover", "batch", *map(str, paths), "--out", str(out), "--jobs", str(jobs),
            "--no-progress", "--exclude", "truth/*"]


def in_process(code: str, *args) -> list[float]:
    """Run ``code`` in a fresh process; it prints floats, one a line."""
    out = subprocess.run([PYTHON, "-c", code, *map(str, args)], env=ENV, cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    return [float(x) for x in out.split()]


def generated(kind: str, count: int) -> Path:
    """A folder of ``count`` generated reports of one kind (text or html), built once."""
    folder = CORPUS / f"{kind}-{count}"
    if not folder.exists():
        code = ("import sys; from pathlib import Path; from recover.tools import synth\n"
                "kind, count, folder = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])\n"
                "layouts = ('html',) if kind == 'html' else tuple(l for l in synth.LAYOUTS if l != 'html')\n"
                "synth.write_documents([r for r in synth.generate(count, count, layouts) if not r.truncated], folder)")
        subprocess.run([PYTHON, "-c", code, kind, str(count), str(folder) + ".part"], env=ENV, check=True)
        os.rename(str(folder) + ".part", folder)
    return folder


def documents(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file())


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×"


# --- sections ----------------------------------------------------------------------------------


def startup(runs: int) -> None:
    print("\nstart-up (whole process, median of runs; goal ≤ 0.3 s and ≤ 60 MB for --help):")
    floor = median_run([PYTHON, "-c", "pass"], runs)
    print(f"  python -c pass: {floor.seconds:.3f} s (cpu {floor.cpu:.3f} s), {floor.main_mb:.0f} MB")
    out = CORPUS / "out-startup"
    one = FIXTURES / "real" / "002_pingtan-2021-flat.txt"
    for name, argv in (("recover --help", [PYTHON, "-m", "recover", "--help"]),
                       ("recover --version", [PYTHON, "-m", "recover", "--version"]),
                       ("recover batch (one text document)", recover_batch([one], out))):
        r = median_run(argv, runs, before=lambda: shutil.rmtree(out, ignore_errors=True))
        print(f"  {name}: {r.seconds:.3f} s (cpu {r.cpu:.3f} s), {r.main_mb:.0f} MB → "
              f"{ratio(r.seconds, floor.seconds)} the time (cpu {ratio(r.cpu, floor.cpu)}), "
              f"{ratio(r.main_mb, floor.main_mb)} the memory of python -c pass")


_FLOOR = """
import sys, time
from pathlib import Path
paths = sorted(p for p in Path(sys.argv[1]).iterdir() if p.is_file())
lines = 0
for p in paths:
    data = p.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("gb18030", "replace")
    lines += len(text.splitlines())
"""


def batch(docs: int, runs: int) -> None:
    print(f"\n`recover batch` over {docs} generated reports (whole process; goal 200 documents/s on one core, "
          "2 jobs ≥ 1.8× 1 job):")
    out = CORPUS / "out-batch"
    clear = lambda: shutil.rmtree(out, ignore_errors=True)  # noqa: E731
    for kind in ("text", "html"):
        folder = generated(kind, docs)
        n = len(documents(folder))
        floor = median_run([PYTHON, "-c", _FLOOR, str(folder)], runs)
        one = median_run(recover_batch([folder], out, 1), runs, before=clear)
        two = median_run(recover_batch([folder], out, 2), runs, before=clear)
        print(f"  {kind}, {n} documents: one core {n / one.seconds:.0f} documents/s ({n / one.cpu:.0f} a cpu-second; "
              f"{ratio(one.seconds, floor.seconds)} "
              f"the floor's {n / floor.seconds:.0f}/s: read, decode, split into lines); 2 jobs "
              f"{n / two.seconds:.0f} documents/s → {ratio(one.seconds, two.seconds)} one job")
        print(f"    peak RSS: one job main {one.main_mb:.0f} MB, worker {one.children_peak:.0f} MB; "
              f"2 jobs main {two.main_mb:.0f} MB, workers {two.children_peak:.0f} MB")


_PLUMBER_PAGES = """
import io, sys, time
import pdfplumber
data = open(sys.argv[1], "rb").read()
def work():
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_words()
            page.extract_tables()
        return len(pdf.pages)
for _ in range(int(sys.argv[2])):
    t = time.perf_counter(); pages = work(); print((time.perf_counter() - t) / pages)
"""
_RECOVER_PAGES = """
import sys, time
import pypdfium2
from recover import recover_bytes
data = open(sys.argv[1], "rb").read()
pages = len(pypdfium2.PdfDocument(data))
recover_bytes(data, "warm")  # libraries loaded, model read: what is left is the work per page
for _ in range(int(sys.argv[2])):
    t = time.perf_counter(); recover_bytes(data, "x"); print((time.perf_counter() - t) / pages)
"""


def pdf(runs: int) -> None:
    print(f"\ndigital PDF ({PDF.name}) against pdfplumber alone extracting words and tables of every page "
          "(goal ≤ 2× whole process, ≤ 1.3× per page):")
    out = CORPUS / "out-pdf"
    alone = median_run([PYTHON, "-c", _PLUMBER_PAGES, str(PDF), "1"], runs)
    ours = median_run(recover_batch([PDF], out), runs, before=lambda: shutil.rmtree(out, ignore_errors=True))
    print(f"  whole process: recover batch {ours.seconds:.2f} s (cpu {ours.cpu:.2f} s), {ours.main_mb:.0f} MB; "
          f"pdfplumber alone {alone.seconds:.2f} s (cpu {alone.cpu:.2f} s), {alone.main_mb:.0f} MB → "
          f"{ratio(ours.seconds, alone.seconds)} (cpu {ratio(ours.cpu, alone.cpu)})")
    plumber = statistics.median(in_process(_PLUMBER_PAGES, PDF, runs))
    recovered = statistics.median(in_process(_RECOVER_PAGES, PDF, runs))
    print(f"  per page: recover {recovered * 1000:.0f} ms, pdfplumber alone {plumber * 1000:.0f} ms → "
          f"{ratio(recovered, plumber)}")


_TESSERACT_PAGES = """
import sys, time
import pypdfium2, pytesseract
document = pypdfium2.PdfDocument(open(sys.argv[1], "rb").read())
images = [document[i].render(scale=200 / 72, grayscale=True).to_pil() for i in range(len(document))]
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    for image in images:
        pytesseract.image_to_string(image, lang="chi_sim")
    print((time.perf_counter() - t) / len(images))
"""


def scan(runs: int) -> None:
    print(f"\nscan ({SCAN.name}, 200 dpi) per page against tesseract alone (chi_sim, whole page), both on one "
          "core (pinned to one CPU, OMP_THREAD_LIMIT=1; goal ≤ 1.0×, worker ≤ 400 MB):")
    env = dict(ENV, OMP_THREAD_LIMIT="1")

    def pages(code: str) -> float:
        return statistics.median(float(x) for x in subprocess.run(
            [PYTHON, "-c", code, str(SCAN), str(runs)], env=env, cwd=ROOT, capture_output=True, text=True,
            check=True, preexec_fn=_one_cpu).stdout.split())

    alone, ours = pages(_TESSERACT_PAGES), pages(_RECOVER_PAGES)
    print(f"  recover {ours:.2f} s/page, tesseract alone {alone:.2f} s/page → {ratio(ours, alone)}")
    out = CORPUS / "out-scan"
    worker = median_run(recover_batch([SCAN], out), 1, before=lambda: shutil.rmtree(out, ignore_errors=True))
    print(f"  peak RSS of the batch worker that read it: {worker.children_peak:.0f} MB "
          f"(main process {worker.main_mb:.0f} MB)")


def _one_cpu() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def scaling(sizes: list[int], runs: int) -> None:
    print("\n`recover batch --jobs 2` against corpus size (generated text reports; linear time, flat memory):")
    out = CORPUS / "out-scaling"
    first = None
    for size in sizes:
        folder = generated("text", size)
        n = len(documents(folder))
        r = median_run(recover_batch([folder], out, 2), runs if size <= 10_000 else 1,
                       before=lambda: shutil.rmtree(out, ignore_errors=True))
        per = r.seconds / n
        first = first or per
        print(f"  {n} documents: {r.seconds:.1f} s, cpu {r.cpu:.1f} s ({per * 1000:.2f} ms a document, {ratio(per, first)} the "
              f"smallest's), peak RSS main {r.main_mb:.0f} MB, workers {r.children_peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated: {', '.join(SECTIONS)}")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (the median is shown)")
    parser.add_argument("--docs", type=int, default=1000, help="generated reports in the batch section")
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes in the scaling section")
    args = parser.parse_args()
    chosen = set(args.only.split(","))
    sys.stdout.reconfigure(line_buffering=True)  # each figure shows as it is measured
    CORPUS.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    if "startup" in chosen:
        startup(max(args.runs, 5))
    if "batch" in chosen:
        batch(args.docs, args.runs)
    if "pdf" in chosen:
        pdf(args.runs)
    if "scan" in chosen:
        scan(args.runs)
    if "scaling" in chosen:
        scaling([int(s) for s in args.sizes.split(",")], args.runs)


if __name__ == "__main__":
    main()
