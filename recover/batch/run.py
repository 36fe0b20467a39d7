"""Recovering a batch's documents, each isolated: one document's failure, time limit or memory
never stops the batch; a worker process that dies is replaced and the document that killed it
is found; each finished document is saved at once, so a killed batch resumes where it stopped."""
from __future__ import annotations

import json
import resource
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..agency import agency_and_year
from ..errors import UnreadableDocumentError
from ..model import load_scorer
from ..pipeline import recover_file
from ..reconcile.identities import CROSS_YEAR_FLAGS, check_across_years
from ..report import FAILED, Report
from .inputs import Input, apply_manifest
from .outputs import write_atomic, write_outputs

@dataclass(frozen=True)
class Limits:
    """What one document may take.  None: no limit."""

    seconds: float | None = None
    memory_mb: int | None = None


@lru_cache(maxsize=4)
def _model(model_path: str | None, trust: bool):
    """Each process loads a model once (joblib and Dask workers are separate processes)."""
    return load_scorer(model_path, trust=trust)


def recover_one(item: Input, model_path: str | None = None, trust_model: bool = False,
                limits: Limits = Limits()) -> Report:
    """Recover one input; any failure becomes a failed report with a one-line reason."""
    try:
        _limit_memory(limits.memory_mb)
        model = _model(model_path, trust_model)  # loaded once a process, outside any document's time
        with _time_limit(limits.seconds):
            report = recover_file(item.path, model)
    except UnreadableDocumentError as e:
        report = Report(item.name, error=str(e), error_reason=e.reason)
    except FileNotFoundError:  # gone since the batch listed it, or a link to nowhere
        report = Report(item.name, error="cannot read the file: it is not there (moved, deleted, or a link to "
                                         "nowhere)", error_reason="missing")
    except _TimeUp:
        report = Report(item.name, error=f"took longer than the {limits.seconds:g} s allowed a document")
    except MemoryError:
        report = Report(item.name, error=f"needed more than the {limits.memory_mb} MB allowed a document"
                        if limits.memory_mb else "ran out of memory reading this document")
    except Exception as e:  # a bug must cost one document, not the batch
        report = Report(item.name, error=f"internal error ({type(e).__name__}: {e})")
    report.document = item.name
    if report.error and not report.year:  # the file's name may still say whose and which year
        report.agency, report.year = agency_and_year(item.path.stem)
    return report


def recover_chunk(items: list[Input], model_path: str | None, trust_model: bool, limits: Limits,
                  save_to: Path | None = None) -> list[Report]:
    """Recover a few documents in one task; save each one's file at once where ``save_to`` is
    given (a local worker sees the output folder; a Dask worker may not, and the caller saves)."""
    reports = []
    for item in items:
        report = recover_one(item, model_path, trust_model, limits)
        if save_to is not None:
            save_report(report, item.path, save_to)
        reports.append(report)
    return reports


class _TimeUp(BaseException):
    """A document's time is up.  Not an Exception, so that no reader's ``except Exception``
    (pdfplumber wraps everything it catches) can swallow it."""


@contextmanager
def _time_limit(seconds: float | None):
    """Interrupt the document after ``seconds`` (where the platform lets this thread be interrupted:
    the main thread of a process; Dask runs documents in threads and keeps its own watch)."""
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def stop(signum, frame):
        raise _TimeUp()

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_memory_limited = False


def _limit_memory(megabytes: int | None) -> None:
    """Cap this process's address space, so a document that would exhaust memory raises
    MemoryError instead of taking the machine down.  Done once a process."""
    global _memory_limited
    if not megabytes or _memory_limited:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    _memory_limited = True


def run_batch(inputs: list[Input], out: Path, *, model_path: str | None = None, trust_model: bool = False,
              jobs: int = 1, resume: bool = False, limits: Limits = Limits(), scheduler: str | None = None,
              formats: Iterable[str] = ("csv",), manifest: Path | None = None, chunk: int = 8,
              on_done: Callable[[Report], None] | None = None,
              on_resume: Callable[[int, int], None] | None = None) -> list[Report]:
    """Recover every input into ``out``: json/<document>.json as each finishes, then cells.csv,
    summary.csv and the other formats asked for.  Returns the reports in input order.
    ``on_resume(done, to_go)`` hears how much an earlier run of the batch had finished."""
    out = Path(out)
    (out / "json").mkdir(parents=True, exist_ok=True)
    for stale in out.glob("**/.*.tmp"):  # half-written files of a batch that was killed
        stale.unlink()
    done = _finished(inputs, out) if resume else {}
    for report in done.values():
        if on_done:
            on_done(report)
    todo = [item for item in inputs if item.name not in done]
    if resume and on_resume:
        on_resume(len(done), len(todo))
    path_of = {item.name: item.path for item in inputs}
    saved_by_workers = None if scheduler else out / "json"
    for report in _recover_all(todo, model_path, trust_model, jobs, limits, scheduler, chunk, saved_by_workers):
        if saved_by_workers is None:
            save_report(report, path_of[report.document], out / "json")
        done[report.document] = report
        if on_done:
            on_done(report)
    reports = [done[item.name] for item in inputs]
    apply_manifest(reports, manifest)
    for report in check_across_years(reports):  # its cells changed: the saved file follows
        save_report(report, path_of[report.document], out / "json")
    write_outputs(reports, inputs, out, formats)
    return reports


def _recover_all(todo: list[Input], model_path, trust, jobs, limits, scheduler, chunk,
                 save_to: Path | None) -> Iterator[Report]:
    """Reports as documents finish (each saved to ``save_to`` first, where given).  A worker
    that dies takes no document down with it but the one that killed it: its chunk is read again
    one document a task until that one is found."""
    if not todo:
        return
    if jobs == 1 and not scheduler:
        for item in todo:
            yield from recover_chunk([item], model_path, trust, limits, save_to)
        return
    from joblib import Parallel, delayed, parallel_config
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    pending = {item.name: item for item in todo}
    size = max(1, chunk)
    while pending:
        items = list(pending.values())
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        try:
            with _backend(scheduler, parallel_config):
                parallel = Parallel(n_jobs=jobs if not scheduler else -1, return_as="generator_unordered")
                for reports in parallel(delayed(recover_chunk)(c, model_path, trust, limits, save_to)
                                        for c in chunks):
                    for report in reports:
                        pending.pop(report.document, None)
                        yield report
        except TerminatedWorkerError:
            if size > 1:
                size = 1  # find the document that kills a worker, one document a task
                continue
            suspect = next(iter(pending.values()))
            if _survives_alone(suspect, model_path, trust, limits):
                continue
            pending.pop(suspect.name)
            report = Report(suspect.name, error="the reader crashed on this document (its worker process died)")
            if save_to is not None:
                save_report(report, suspect.path, save_to)
            yield report


def _survives_alone(item: Input, model_path, trust, limits) -> bool:
    from joblib import Parallel, delayed
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    try:
        Parallel(n_jobs=2)(delayed(recover_one)(i, model_path, trust, limits) for i in [item])
        return True
    except TerminatedWorkerError:
        return False


@contextmanager
def _backend(scheduler: str | None, parallel_config):
    if not scheduler:
        yield
        return
    from dask.distributed import Client

    with Client(scheduler) as client, parallel_config(backend="dask", wait_for_workers_timeout=60):
        client.wait_for_workers(1)
        yield


def _finished(inputs: list[Input], out: Path) -> dict[str, Report]:
    """Documents a previous run of this batch finished (their saved file names the same input)."""
    done = {}
    for item in inputs:
        path = out / "json" / f"{item.name}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("path") == str(item.path):
            report = Report.from_dict(data)
            for cell in report.cells.values():  # the cross-year check is made again at the end
                cell.flags = [f for f in cell.flags if f not in CROSS_YEAR_FLAGS]
            done[item.name] = report
    return done


def save_report(report: Report, path: Path, folder: Path) -> None:
    """A document's JSON file, naming the input it came from (which a resumed batch checks)."""
    write_atomic(folder / f"{report.document}.json",
                 json.dumps(dict(report.to_dict(), path=str(path)), ensure_ascii=False) + "\n")


def any_failed(reports: list[Report]) -> bool:
    return any(r.outcome == FAILED for r in reports)


