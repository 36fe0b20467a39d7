"""Speed and memory of recover, measured on real reports and a generated corpus.

    python bench/bench.py            # the figures, printed
    python bench/bench.py --docs 500 # a bigger generated corpus

Prints the machine, then per-document time on one core (median, mean, 95th percentile) for
each kind of input, split by stage (read + layout, classify, reconcile), and the peak RSS.
Nothing here is a test: the figures go into README.md by hand, with the machine they came from.
"""
from __future__ import annotations

import argparse
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

from recover import load_model, synth  # noqa: E402
from recover.extract import read_layouts  # noqa: E402
from recover.pipeline import classify_layout  # noqa: E402
from recover.reconcile import reconcile  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


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


def time_documents(paths: list[Path], model, repeat: int = 1) -> dict[str, list[float]]:
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


def report(name: str, stages: dict[str, list[float]]) -> None:
    total = stages["total"]
    ordered = sorted(total)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    print(f"\n{name}: {len(total)} document runs")
    print(f"  per document: median {statistics.median(total) * 1000:.1f} ms, mean {statistics.mean(total) * 1000:.1f} ms, "
          f"p95 {p95 * 1000:.1f} ms  → {len(total) / sum(total):.1f} documents/s on one core")
    parts = ", ".join(f"{k} {statistics.mean(v) * 1000:.1f} ms" for k, v in stages.items() if k != "total")
    print(f"  mean by stage: {parts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200, help="generated reports in the synthetic corpus")
    parser.add_argument("--repeat", type=int, default=5, help="passes over the real reports")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    model = load_model()
    warm = FIXTURES / "seeds" / "000_f75c2c88bf6d12f5.txt"
    time_documents([warm], model)  # imports and caches warmed before timing

    real_text = sorted((FIXTURES / "real").glob("*.txt")) + sorted((FIXTURES / "seeds").glob("*.txt"))
    real_html = sorted((FIXTURES / "real").glob("*.html"))
    real_pdf = sorted((FIXTURES / "real").glob("*.pdf"))
    report("real text reports (tests/fixtures)", time_documents(real_text, model, args.repeat))
    report("real HTML reports (tests/fixtures)", time_documents(real_html, model, args.repeat))
    report("real digital PDF (tests/fixtures)", time_documents(real_pdf, model, args.repeat))
    with tempfile.TemporaryDirectory() as tmp:
        reports = synth.generate(7, args.docs)
        synth.write_documents(reports, Path(tmp))
        text = sorted(Path(tmp).glob("*.txt"))
        html = sorted(Path(tmp).glob("*.html"))
        report(f"generated text reports ({len(text)}, 9 layouts)", time_documents(text, model))
        report(f"generated HTML reports ({len(html)})", time_documents(html, model))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
