"""Recovering a batch's documents, each isolated in a worker process (whatever ``jobs`` says):
one document's failure, time, memory or crash costs that document only.  Each worker loads the
model once and owns its work: it writes each document's pieces (its JSON, its rows of cells.csv,
its workbook, and a small record saying what was read with which options) and hands back one
line.  The main process joins the pieces in input order at the end, holding one document at a
time, so a killed batch resumes where it stopped, and a resumed one redoes exactly what changed.
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import resource
import selectors
import signal
import stat
import subprocess
import sys
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__, schema
from ..agency import agency_and_year
from ..errors import UnreadableDocumentError
from ..model import ModelError, load_scorer, model_sha256
from ..report import FAILED, NOT_A_REPORT, OUTCOMES, Report
from . import outputs
from .inputs import Input, ManifestError, printable, read_manifest

# The batch process imports only what it runs; the pipeline and the workbooks load where a
# document is recovered or a workbook written (mostly in the workers): a batch starts sooner.

STATE = ".recover"  # inside --out: the lock and the pieces; nothing a reader needs
GRACE_SECONDS = 2.0  # a worker not back this long after a document's time is up is killed
QUEUED = 2  # documents sent to a worker at once: the one it reads and the next


class BatchError(Exception):
    """The batch could not run (bad options, output folder locked or not writable, bad manifest,
    a model that may not be loaded, workers that cannot start): no document was at fault."""


class Interrupted(Exception):
    """The batch was stopped (Ctrl-C or SIGTERM); what was finished is saved for ``resume``."""

    def __init__(self, done: int, total: int):
        super().__init__(f"stopped after {done} of {total} documents")
        self.done, self.total = done, total


@dataclass(frozen=True)
class Limits:
    """What one document may take.  None: no limit."""

    seconds: float | None = None
    memory_mb: int | None = None


@dataclass
class Outcome:
    """What the main process hears of a finished document."""

    document: str
    outcome: str
    error: str = ""
    resumed: bool = False  # finished by an earlier run of the batch
    seconds: float = 0.0  # what the document took its worker
    peak_mb: float = 0.0  # the worker's peak resident memory so far


@dataclass
class BatchResult:
    documents: int = 0
    resumed: int = 0  # finished by an earlier run and kept
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    unread: list[tuple[str, str, str]] = field(default_factory=list)  # (document, outcome, why) not read
    written: list[str] = field(default_factory=list)  # the outputs, as named in the output folder
    slowest: tuple[str, float] = ("", 0.0)  # the document of this run that took longest, and its seconds
    worker_peak_mb: float = 0.0  # the largest peak resident memory a worker reported

    @property
    def any_failed(self) -> bool:
        return self.counts["failed"] > 0


def recover_one(item: Input, model=None, limits: Limits = Limits()) -> tuple[Report, str]:
    """Recover one input; any failure becomes a failed report with a one-line reason.  Also gives
    the sha256 of the bytes read ('' where none were)."""
    from ..pipeline import read_document, recover_bytes

    digest = ""
    try:
        with _time_limit(limits.seconds):
            data = read_document(item.path)
            digest = hashlib.sha256(data).hexdigest()
            report = recover_bytes(data, item.path.name, model)
    except UnreadableDocumentError as e:
        report = Report(item.name, error=printable(str(e)), error_reason=e.reason)
    except FileNotFoundError:  # gone since the batch listed it, or a link to nowhere
        report = Report(item.name, error="cannot read the file: it is not there (moved, deleted, or a link to "
                                         "nowhere)", error_reason="missing")
    except _TimeUp:
        report = Report(item.name, error=f"took longer than the {limits.seconds:g} s allowed a document")
    except MemoryError:
        report = Report(item.name, error=f"needed more than the {limits.memory_mb} MB allowed a document"
                        if limits.memory_mb else "ran out of memory reading this document")
    except Exception as e:  # a bug must cost one document, not the batch
        report = Report(item.name, error=printable(f"internal error ({type(e).__name__}: {e})"))
    return _named(report, item), digest


def _named(report: Report, item: Input) -> Report:
    """The report under its name in the batch; a failed one's agency and year as the file's name
    says them (it may still say whose and which year)."""
    report.document = item.name
    if report.error and not report.year:
        report.agency, report.year = agency_and_year(printable(item.path.stem))
    return report


class _TimeUp(BaseException):
    """A document's time is up.  Not an Exception, so that no reader's ``except Exception``
    (pdfplumber wraps everything it catches) can swallow it."""


@contextmanager
def _time_limit(seconds: float | None):
    """Interrupt the document after ``seconds`` where Python code runs; C code that does not let
    go is stopped by the main process killing the worker."""
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


def _limit_memory(megabytes: int | None) -> None:
    """Cap this (worker) process's address space at what it holds now (the libraries, the model)
    plus ``megabytes``, so a document that would exhaust memory raises MemoryError instead of
    taking the machine down."""
    if not megabytes:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space() + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


def _address_space() -> int:
    """Bytes of address space this process has mapped (0 where the system does not say)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        return 0


# --- the pieces a document leaves in the output folder -----------------------------------------


def _piece(out: Path, name: str) -> Path:
    """Where a document's pieces live (without suffix): named by a hash of its name, which may
    already be as long as a file name can be."""
    return out / STATE / "pieces" / hashlib.sha256(name.encode()).hexdigest()[:32]


def save_pieces(out: Path, task: dict, report: Report, digest: str, options: str, xlsx: bool) -> Outcome:
    """Write a document's pieces, link its JSON (and workbook) into place, and record last what
    was read with which options: a piece without its record is not finished."""
    name, path = task["name"], task["shown"]
    base = _piece(out, name)
    outputs.write_atomic(base.with_suffix(".json"), outputs.json_bytes(report, path))
    outputs.write_atomic(base.with_suffix(".rows"), outputs.rows_bytes(report))
    if xlsx and report.cells:
        outputs.write_atomic(base.with_suffix(".xlsx"), outputs.workbook_bytes(report))
    record = {"name": name, "path": path, "sha256": digest, "options": options, "xlsx": xlsx,
              "manifest": _manifest_of(task), "agency": report.agency, "year": report.year,
              "cells": bool(report.cells), "summary": outputs.summary_row(path, report)}
    outputs.write_atomic(base.with_suffix(".done"), json.dumps(record, ensure_ascii=False).encode())
    _publish(out, name, base, xlsx and bool(report.cells))
    return Outcome(name, report.outcome, report.error)


def _manifest_of(task: dict) -> list | None:
    """What the manifest says of the document: [agency, year], or None where it says nothing."""
    return None if task["agency"] is None and task["year"] is None else [task["agency"], task["year"]]


def _as_manifest_says(report: Report, task: dict) -> Report:
    if _manifest_of(task):
        report.agency = task["agency"] or report.agency
        report.year = task["year"] or report.year
    return report


def _publish(out: Path, name: str, base: Path, xlsx: bool) -> None:
    """json/<name>.json (and xlsx/<name>.xlsx) as the pieces, hard-linked (copied where links
    cannot be made) and renamed into place."""
    pairs = [(base.with_suffix(".json"), out / "json" / f"{name}.json")]
    if xlsx:
        pairs.append((base.with_suffix(".xlsx"), out / "xlsx" / f"{name}.xlsx"))
    for source, target in pairs:
        with contextlib.suppress(OSError):
            if os.path.samefile(source, target):
                continue
        tmp = target.parent / f"{outputs.TEMP_PREFIX}{os.urandom(8).hex()}.tmp"
        try:
            os.link(source, tmp)
        except OSError:
            outputs.write_atomic(target, source.read_bytes())
            continue
        os.replace(tmp, target)


def _record(out: Path, name: str) -> dict | None:
    try:
        return json.loads(_piece(out, name).with_suffix(".done").read_bytes())
    except (OSError, ValueError):
        return None


def _finished_record(out: Path, name: str) -> dict:
    record = _record(out, name)
    if record is None:
        raise BatchError(f"the pieces of {name} are missing from {printable(str(out / STATE))}")
    return record


def _content_sha256(path: Path) -> str | None:
    """The sha256 of a regular file's bytes (None for anything else: it is read again)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


# --- the workers ---------------------------------------------------------------------------------


def serve() -> None:
    """A worker process: the setup on its first line of input, then a task a line; a line back for
    each (``ready``, ``done`` or ``fatal``).  Runs as ``python -P``: nothing is imported from the
    folder the batch was started in (see :data:`_WORKER`)."""
    for stop in (signal.SIGINT, signal.SIGTERM):  # the batch process stops its workers itself
        signal.signal(stop, signal.SIG_IGN)
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything a library prints goes to the log, not into the answers

    def say(message: dict) -> None:
        answers.write(json.dumps(message) + "\n")
        answers.flush()

    setup = json.loads(sys.stdin.readline())
    limits = Limits(setup["seconds"], setup["memory_mb"])
    out = Path(setup["out"])
    try:
        model = load_scorer(setup["model"], sha256=setup["model_sha256"])
        _limit_memory(limits.memory_mb)  # what a document may add to a worker with the model loaded
    except (ModelError, MemoryError, OSError, ValueError) as e:
        say({"fatal": f"the worker could not start: {str(e) or type(e).__name__}"})
        return
    say({"ready": True})
    for line in sys.stdin:
        task = json.loads(line)
        started = time.monotonic()
        report, digest = recover_one(Input(Path(task["path"]), task["name"]), model, limits)
        try:
            outcome = save_pieces(out, task, _as_manifest_says(report, task), digest, setup["options"], setup["xlsx"])
        except OSError as e:
            say({"fatal": f"cannot write to {printable(str(out))}: {e.strerror or e}"})
            return
        outcome.seconds = round(time.monotonic() - started, 3)
        outcome.peak_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux
        say({"done": vars(outcome)})


# A worker's program: first ask Linux to kill it when the batch process dies (kill -9, the OOM
# killer), before the seconds the imports take; if the batch is already gone, stop.
_WORKER = ("import ctypes, os, sys\n"
           "try:\n    ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL\n"
           "except (OSError, AttributeError):\n    pass\n"
           "if os.getppid() != {parent}:\n    sys.exit(1)\n"
           "from recover.batch.run import serve\nserve()\n")


def _worker_environment() -> dict[str, str]:
    """The batch's environment, and where this very ``recover`` comes from when it is not an
    installed package (a source checkout run in place): the worker imports the same code."""
    import site

    env = dict(os.environ)
    home = str(Path(__file__).resolve().parents[2])
    if home not in {*site.getsitepackages(), site.getusersitepackages()}:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [home, env.get("PYTHONPATH")]))
    return env


class _Worker:
    """A worker process and the documents sent to it (``jobs``), oldest first: the first is the one
    it is reading, since ``started``; the next waits in its input, so the worker never waits for
    the batch process between documents."""

    def __init__(self, setup: dict, log: Path):
        with open(log, "ab") as log_file:
            self.process = subprocess.Popen([sys.executable, "-P", "-c", _WORKER.format(parent=os.getpid())],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log_file,
                                            env=_worker_environment())
        assert self.process.stdin and self.process.stdout
        self.stdin, self.stdout = self.process.stdin, self.process.stdout
        self.ready = False
        self.jobs: deque[tuple[Input, dict]] = deque()
        self.started = 0.0
        self.unread = b""
        self._say(setup)

    @property
    def job(self) -> tuple[Input, dict] | None:
        """The document the worker is reading, if any."""
        return self.jobs[0] if self.jobs else None

    def send(self, job: tuple[Input, dict]) -> None:
        if not self.jobs:
            self.started = time.monotonic()
        self.jobs.append(job)
        self._say(job[1])

    def finished(self) -> None:
        """The document it was reading is done: it reads the next from now."""
        self.jobs.popleft()
        self.started = time.monotonic()

    def messages(self) -> list[dict] | None:
        """The messages it has written whole since the last call (several, when documents finish
        close together), or None once it has died.  Read unbuffered: a message left in a buffer
        would wake no ``select``."""
        data = os.read(self.stdout.fileno(), 1 << 16)
        if not data:
            return None
        *whole, self.unread = (self.unread + data).split(b"\n")
        return [json.loads(line) for line in whole]

    def _say(self, message: dict) -> None:
        self.stdin.write((json.dumps(message) + "\n").encode())
        self.stdin.flush()

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        self.process.wait()
        for stream in (self.stdin, self.stdout):
            with contextlib.suppress(OSError):
                stream.close()


def _death(process: subprocess.Popen) -> str:
    code = process.wait()
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"


def _run_local(todo: list[Input], task_of: Callable[[Input], dict], setup: dict, jobs: int, limits: Limits,
               out: Path, log: Path) -> Iterator[Outcome]:
    """Outcomes as documents finish, on ``jobs`` worker processes.  A worker that dies or overruns
    its document's time by :data:`GRACE_SECONDS` is killed and replaced; the document fails."""
    pending = list(reversed(todo))
    selector = selectors.DefaultSelector()
    workers: list[_Worker] = []

    def start() -> None:
        worker = _Worker(setup, log)
        workers.append(worker)
        selector.register(worker.stdout, selectors.EVENT_READ, worker)

    def retire(worker: _Worker) -> tuple[Input, dict] | None:
        """Stop a worker and start another if work is left; the documents waiting behind the one
        it was reading go back first in line.  The one it was reading, which is lost."""
        selector.unregister(worker.stdout)
        workers.remove(worker)
        worker.kill()
        lost = worker.jobs.popleft() if worker.jobs else None
        pending.extend(item for item, _ in reversed(worker.jobs))
        if pending or any(w.job for w in workers):
            start()
        return lost

    def failed(job: tuple[Input, dict], error: str) -> Outcome:
        item, task = job
        report = _named(Report(item.name, error=error), item)
        return save_pieces(out, task, _as_manifest_says(report, task), "", setup["options"], setup["xlsx"])

    try:
        for _ in range(min(jobs, len(todo))):
            start()
        while pending or any(w.job for w in workers):
            for worker in workers:
                while worker.ready and len(worker.jobs) < QUEUED and pending:
                    item = pending.pop()
                    worker.send((item, task_of(item)))
            timeout = None
            if limits.seconds:
                busy = [w.started + limits.seconds + GRACE_SECONDS for w in workers if w.job]
                timeout = max(0.0, min(busy) - time.monotonic()) if busy else None
            for key, _ in selector.select(timeout):
                worker = key.data
                messages = worker.messages()
                if messages is None:  # the worker died
                    if not worker.ready:
                        raise BatchError(f"a worker process could not start ({_death(worker.process)}); "
                                         f"its messages are in {printable(str(log))}")
                    death = _death(worker.process)
                    lost = retire(worker)
                    if lost is not None:
                        yield failed(lost, f"the reader crashed on this document (its worker process died: {death})")
                    continue
                for message in messages:
                    if "fatal" in message:
                        raise BatchError(message["fatal"])
                    if "ready" in message:
                        worker.ready = True
                    else:
                        worker.finished()
                        yield Outcome(**message["done"])
            if limits.seconds:
                now = time.monotonic()
                for worker in [w for w in workers if w.job and now > w.started + limits.seconds + GRACE_SECONDS]:
                    lost = retire(worker)
                    assert lost is not None
                    yield failed(lost, f"took longer than the {limits.seconds:g} s allowed a document "
                                       "(its worker was stopped)")
    finally:
        for worker in list(workers):
            worker.kill()
        selector.close()


def _recover_remote(item: Input, model_path, digest: str, limits: Limits, task: dict) -> tuple[Report, str]:
    """On a Dask worker, which may not see the output folder: the report goes back to be saved."""
    report, content = recover_one(item, _remote_model(model_path, digest), limits)
    return _as_manifest_says(report, task), content


_remote_models: dict = {}


def _remote_model(model_path, digest):
    if (model_path, digest) not in _remote_models:
        _remote_models[(model_path, digest)] = load_scorer(model_path, sha256=digest)
    return _remote_models[(model_path, digest)]


def _run_dask(todo: list[Input], task_of: Callable[[Input], dict], scheduler: str, model_path, digest, limits,
              out, options, xlsx) -> Iterator[Outcome]:
    from joblib import Parallel, delayed, parallel_config

    try:
        from dask.distributed import Client
    except ImportError as e:
        raise BatchError(f"--scheduler needs Dask: pip install 'recover-zfxxgk[dask]' ({e})") from e
    try:
        client = Client(scheduler, timeout=30)
    except (OSError, TimeoutError) as e:
        raise BatchError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from e
    with client, parallel_config(backend="dask", wait_for_workers_timeout=60):
        client.wait_for_workers(1)
        parallel = Parallel(n_jobs=-1, return_as="generator")
        results = parallel(delayed(_recover_remote)(item, model_path, digest, limits, task_of(item)) for item in todo)
        for item, (report, content) in zip(todo, results):
            yield save_pieces(out, task_of(item), report, content, options, xlsx)


# --- the batch -----------------------------------------------------------------------------------


def run_batch(inputs: list[Input], out: Path, *, model_path: str | None = None, trust_model: bool = False,
              model_sha256_: str | None = None, jobs: int = 1, resume: bool = False, limits: Limits = Limits(),
              scheduler: str | None = None, formats: Iterable[str] = ("csv",), manifest: Path | None = None,
              on_done: Callable[[Outcome], None] | None = None,
              on_resume: Callable[[int, int], None] | None = None) -> BatchResult:
    """Recover every input into ``out``: json/<document>.json as each finishes, then cells.csv,
    summary.csv and the other formats asked for, in input order.  ``resume`` keeps the documents
    an earlier run finished whose file, options and manifest entry are unchanged.  Raises
    :class:`BatchError` (before any work) where the batch cannot run, :class:`Interrupted` on
    Ctrl-C or SIGTERM."""
    formats = set(formats) | {"csv"}
    if jobs == -1:
        jobs = os.cpu_count() or 1
    if jobs < 1:
        raise BatchError(f"--jobs must be at least 1 (or -1 for every core), not {jobs}")
    if (limits.seconds or 0) < 0 or (limits.memory_mb or 0) < 0:
        raise BatchError("--time-limit and --memory-limit must be 0 (no limit) or more")
    unknown = formats - set(schema.BATCH_FORMATS)
    if unknown:
        raise BatchError(f"unknown formats: {', '.join(sorted(unknown))}")
    try:
        entries = read_manifest(manifest)
        digest = model_sha256(model_path, trust=trust_model, sha256=model_sha256_)
    except (ManifestError, ModelError) as e:
        raise BatchError(str(e)) from e
    out = Path(out).absolute()
    options = hashlib.sha256(json.dumps([__version__, digest, limits.seconds, limits.memory_mb]).encode()).hexdigest()
    xlsx = "xlsx" in formats
    with _locked(out):
        if xlsx:
            (out / "xlsx").mkdir(exist_ok=True)
        def task_of(item: Input) -> dict:
            """What a worker is sent for a document (made when it is sent: a 100k batch holds none)."""
            agency, year = entries.get(item.name, (None, None))
            return {"path": os.fspath(item.path.absolute()), "shown": printable(str(item.path)), "name": item.name,
                    "agency": agency, "year": year}

        def finished_before(item: Input, record: dict) -> bool:
            """Whether an earlier run read this very file, as this one would."""
            task = task_of(item)
            return record["path"] == task["shown"] and record["options"] == options and record["xlsx"] == xlsx \
                and record.get("manifest") == _manifest_of(task) \
                and bool(record["sha256"]) and record["sha256"] == _content_sha256(item.path)

        done, todo = 0, []
        for item in inputs:
            record = _record(out, item.name) if resume else None
            if record and finished_before(item, record):
                done += 1
                if on_done:
                    on_done(Outcome(item.name, record["summary"]["outcome"], record["summary"]["error"], resumed=True))
            else:
                todo.append(item)
        if resume and on_resume:
            on_resume(done, len(todo))
        setup = {"model": model_path, "model_sha256": digest, "seconds": limits.seconds,
                 "memory_mb": limits.memory_mb, "out": str(out), "options": options, "xlsx": xlsx}
        finished = done
        with _stopped_by_sigterm():
            try:
                if scheduler:
                    outcomes = _run_dask(todo, task_of, scheduler, model_path, digest, limits, out, options, xlsx)
                else:
                    outcomes = _run_local(todo, task_of, setup, jobs, limits, out, out / STATE / "workers.log")
                slowest, peak_mb = ("", 0.0), 0.0
                for outcome in outcomes:
                    finished += 1
                    slowest = max(slowest, (outcome.document, outcome.seconds), key=lambda s: s[1])
                    peak_mb = max(peak_mb, outcome.peak_mb)
                    if on_done:
                        on_done(outcome)
            except KeyboardInterrupt:
                raise Interrupted(finished, len(inputs)) from None
        result = _finish(inputs, out, formats)
        result.slowest, result.worker_peak_mb = slowest, peak_mb
        result.resumed = done
        return result


@contextmanager
def _stopped_by_sigterm():
    """SIGTERM stops the batch as Ctrl-C does: the workers are killed, the finished work kept."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _locked(out: Path):
    """The output folder, made and locked for this batch: a second batch on it is refused."""
    import fcntl

    try:
        for folder in (out, out / "json", out / STATE / "pieces"):
            folder.mkdir(parents=True, exist_ok=True)
        lock = open(out / STATE / "lock", "a+")
    except OSError as e:
        raise BatchError(f"cannot write to {printable(str(out))}: {e.strerror or e}") from e
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.seek(0)
            holder = lock.read().strip()
            raise BatchError(f"another batch{f' (process {holder})' if holder else ''} is writing to "
                             f"{printable(str(out))}; wait for it to finish or give another --out") from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        for folder in (out, out / "json", out / "xlsx", out / STATE / "pieces"):
            for stale in folder.glob(f"{outputs.TEMP_PREFIX}*.tmp"):  # a killed batch's half-written files
                stale.unlink()
        yield


def _finish(inputs: list[Input], out: Path, formats: set[str]) -> BatchResult:
    """Join the pieces, in input order, one document at a time: the check across years on the
    reports it concerns, then cells.csv, summary.csv, the JSON and workbooks in place, the other
    formats; the outputs of documents no longer in the batch removed."""
    crossed = _check_across_years(inputs, out)
    result = BatchResult(documents=len(inputs))
    names = {item.name for item in inputs}
    with outputs.Tables(out, formats) as tables:
        for item in inputs:
            base = _piece(out, item.name)
            report = crossed.get(item.name)
            record = _finished_record(out, item.name)
            if report is None:
                summary = record["summary"]
                tables.add(summary, base.with_suffix(".rows").read_bytes(), lambda b=base: _load_piece(b))
                _publish(out, item.name, base, record["xlsx"] and record["cells"])
                if not record["xlsx"]:  # a workbook an earlier run asked for is stale now
                    (out / "xlsx" / f"{item.name}.xlsx").unlink(missing_ok=True)
            else:
                summary = outputs.summary_row(record["path"], report)
                tables.add(summary, outputs.rows_bytes(report), lambda r=report: r)
                outputs.write_atomic(out / "json" / f"{item.name}.json", outputs.json_bytes(report, record["path"]))
                if record["xlsx"] and report.cells:
                    outputs.write_atomic(out / "xlsx" / f"{item.name}.xlsx", outputs.workbook_bytes(report))
            result.counts[summary["outcome"]] += 1
            if summary["outcome"] in (FAILED, NOT_A_REPORT):
                result.unread.append((item.name, summary["outcome"], summary["error"]))
    _forget_others(out, names, formats)
    result.written = ["cells.csv", "summary.csv", "json/",
                      *(name for name in ("cells.parquet", "wide.csv", "wide.parquet") if outputs.written(name, formats)),
                      *(["xlsx/"] if "xlsx" in formats else [])]
    return result


def read_reports(out: Path) -> Iterator[Report]:
    """A finished batch's reports, in its order (read from json/, one at a time)."""
    with open(Path(out) / "summary.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            yield Report.from_dict(json.loads((Path(out) / "json" / f"{row['document']}.json").read_bytes()))


def _load_piece(base: Path) -> Report:
    return Report.from_dict(json.loads(base.with_suffix(".json").read_bytes()))


def _check_across_years(inputs: list[Input], out: Path) -> dict[str, Report]:
    """Identities 5 and 6 between successive years of an agency, one agency at a time, on the full
    reports of the agencies that have successive years in the batch.  The reports whose cells
    changed, by name."""
    from ..reconcile.identities import check_across_years

    years: dict[str, dict[int, str]] = defaultdict(dict)
    for item in inputs:
        record = _finished_record(out, item.name)
        if record["agency"] and record["year"] and record["cells"]:
            years[record["agency"]].setdefault(record["year"], item.name)  # the first of a year counts
    changed: dict[str, Report] = {}
    for by_year in years.values():
        if not any(year - 1 in by_year for year in by_year):
            continue
        names = [name for year, name in by_year.items() if year - 1 in by_year or year + 1 in by_year]
        reports = [_load_piece(_piece(out, name)) for name in names]
        changed.update((r.document, r) for r in check_across_years(reports))
    return changed


def _forget_others(out: Path, names: set[str], formats: set[str]) -> None:
    """Remove what this batch wrote for documents it no longer has (deleted or renamed inputs):
    their pieces, and their JSON and workbooks."""
    kept = {_piece(out, name).name for name in names}  # a kept document's record need not be read
    for record_file in (out / STATE / "pieces").glob("*.done"):
        if record_file.stem in kept:
            continue
        try:
            name = json.loads(record_file.read_bytes())["name"]
        except (OSError, ValueError, KeyError):
            name = None
        if name is not None:
            for target in (out / "json" / f"{name}.json", out / "xlsx" / f"{name}.xlsx"):
                target.unlink(missing_ok=True)
        for piece in record_file.parent.glob(record_file.stem + ".*"):
            piece.unlink()
    for name in ("cells.parquet", "wide.csv", "wide.parquet"):  # formats not asked for this time
        if not outputs.written(name, formats):
            (out / name).unlink(missing_ok=True)
