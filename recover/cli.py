"""The ``recover`` command: a thin shell over the library."""
from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import time
from pathlib import Path

import click

from . import __version__
from .schema import BATCH_FORMATS, TEMPLATES

# Each command imports what it runs when it runs: `recover --help` loads click and the schema only.


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="recover")
def main() -> None:
    """Recover the standard tables of 政府信息公开工作年度报告, cell by cell."""


def _tooling(name: str, needs: tuple[str, ...] = ()):
    """A module of recover.tools, or a clear message naming the extra its packages come in."""
    missing = [package for package in needs if importlib.util.find_spec(package) is None]
    if missing:
        raise click.ClickException(f"`recover {name}` needs {', '.join(missing)}: pip install 'recover-zfxxgk[tools]'")
    return importlib.import_module(f"recover.tools.{name}")


def _check_model(model: str | None, trust: bool) -> None:
    from .model import ModelError, load_scorer

    try:
        load_scorer(model, trust=trust)
    except ModelError as e:
        raise click.ClickException(str(e)) from e


def _load_model(model: str | None, trust: bool):
    """The row classifier, loaded once, or a clear message why it may not be."""
    from .model import ModelError, load_model

    try:
        return load_model(model, trust=trust)
    except ModelError as e:
        raise click.ClickException(str(e)) from e


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for cells.csv, summary.csv, json/ and the other formats.")
@click.option("--jobs", "-j", default=1, show_default=True, help="Documents recovered at once (-1: all cores).")
@click.option("--resume", is_flag=True, help="Keep what an earlier run of this batch finished, where the file, "
              "the options and the manifest are unchanged; redo the rest.")
@click.option("--format", "formats", multiple=True, type=click.Choice(BATCH_FORMATS), default=("csv",),
              show_default=True, help="Also write cells.parquet, wide.csv(.parquet), xlsx/<document>.xlsx.")
@click.option("--include", multiple=True, metavar="GLOB",
              help="Under folders, read only files whose name or path matches (repeatable).")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Under folders, pass over matching files (repeatable).")
@click.option("--time-limit", type=float, default=300, show_default=True,
              help="Seconds one document may take before it is reported failed (0: none).")
@click.option("--memory-limit", type=int, default=4096, show_default=True,
              help="MB of memory one document may take, on top of its worker's own; a document needing more "
              "fails (0: none).")
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with document, agency, year: overrides what documents say of themselves.")
@click.option("--scheduler", help="Address of a Dask scheduler (tcp://host:8786) to run the documents on.")
@click.option("--model", type=click.Path(exists=True, dir_okay=False), help="A row classifier other than the shipped one.")
@click.option("--model-sha256", help="The sha256 --model must have (recover train writes it in the model's card).")
@click.option("--trust-model", is_flag=True, help="Load --model whatever its sha256: only for a file you made.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
def batch(paths, out, jobs, resume, formats, include, exclude, time_limit, memory_limit, manifest, scheduler,
          model, model_sha256, trust_model, progress):
    """Recover every document under PATHS (files or directories) into OUT.

    Every regular file under a folder is read (recover tells a document by its content); files
    passed over are listed with the reason.

    Exit status: 0 when every document was read (ok or flagged) or is not a report, 1 when any
    report failed, 2 when the batch could not run (bad options, manifest or model; OUT locked by
    another batch or not writable), 130 when interrupted (run again with --resume).
    """
    from . import batch as batch_

    found = batch_.walk(paths, include, exclude, out=out)
    filtered = 0  # files the globs leave out are counted, every other file passed over is named
    for skipped in found.skipped:
        if skipped.reason.startswith(("excluded by", "matched by no")):
            filtered += 1
        else:
            click.echo(f"  skipped: {skipped.path}: {skipped.reason}", err=True)
    if filtered:
        click.echo(f"  skipped {filtered} file{'s' if filtered != 1 else ''} by --include/--exclude", err=True)
    if not found.inputs:
        _could_not_run("no documents found under the paths given")
    show = sys.stderr.isatty() if progress is None else progress
    limits = batch_.Limits(time_limit or None, memory_limit or None)
    try:
        with _Progress(len(found.inputs), show) as bar:
            result = batch_.run_batch(
                found.inputs, out, model_path=model, trust_model=trust_model, model_sha256_=model_sha256,
                jobs=jobs, resume=resume, limits=limits, scheduler=scheduler, formats=formats, manifest=manifest,
                on_done=bar.advance, on_resume=bar.resumed)
    except batch_.BatchError as e:
        _could_not_run(str(e))
    except batch_.Interrupted as e:
        click.echo(f"interrupted: {e.done} of {e.total} documents are saved in {out}; run the same command "
                   "with --resume to finish", err=True)
        sys.exit(130)
    except OSError as e:
        _could_not_run(f"cannot write to {out}: {e.strerror or e}")
    c, n = result.counts, result.documents
    click.echo(f"{n} document{'s' if n != 1 else ''}: {c['ok']} ok, {c['flagged']} flagged, {c['failed']} failed, "
               f"{c['not_a_report']} not a report → {out}/: {', '.join(result.written)}", err=True)
    if result.slowest[0]:
        allowed = f" of the {time_limit:g} s allowed" if time_limit else ""
        click.echo(f"  slowest: {result.slowest[0]} ({result.slowest[1]:.1f} s{allowed}); "
                   f"largest worker: {result.worker_peak_mb:.0f} MB", err=True)
    if (out / "corrections.csv").exists():  # the review's decisions are kept, not applied to what was read anew
        click.echo(f"  {out} holds a review's decisions (corrections.csv); the tables now hold the batch as "
                   f"recovered: run `recover apply {out}` to apply them again", err=True)
    for document, outcome, error in result.unread:
        click.echo(f"  {outcome.replace('_', ' ')}: {document}: {error}", err=True)
    sys.exit(1 if result.any_failed else 0)


def _could_not_run(message: str) -> None:
    click.echo(f"recover batch: {message}", err=True)
    sys.exit(2)


class _Progress:
    """A rich progress bar counting documents done, flagged, failed and not reports, with the rate
    of this run (documents an earlier run finished are counted done, not in the rate)."""

    def __init__(self, total: int, show: bool):
        from .report import OUTCOMES

        self.total, self.show = total, show
        self.counts = dict.fromkeys(OUTCOMES, 0)
        self.recovered = 0

    def __enter__(self):
        self.started = time.monotonic()
        if self.show:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(TextColumn("[bold]recover"), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("{task.fields[counts]}"), TextColumn("{task.fields[rate]}"),
                                     TimeRemainingColumn(), transient=False)
            self.progress.start()
            self.task = self.progress.add_task("batch", total=self.total, counts="starting the workers…", rate="")
        return self

    def resumed(self, done: int, to_go: int) -> None:
        click.echo(f"resuming: {done} documents already done, {to_go} to go", err=True)

    def advance(self, outcome) -> None:
        self.counts[outcome.outcome] += 1
        self.recovered += not outcome.resumed
        if self.show:
            c = self.counts
            seconds = time.monotonic() - self.started
            self.progress.update(self.task, advance=1,
                                 counts=f"{c['ok']} ok · {c['flagged']} flagged · {c['failed']} failed"
                                        + (f" · {c['not_a_report']} not a report" if c["not_a_report"] else ""),
                                 rate=f"{self.recovered / seconds:.1f} docs/s" if self.recovered and seconds else "")

    def __exit__(self, *exc):
        if self.show:
            self.progress.stop()
        return False


@main.command()
@click.option("--truth", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Directory of truth JSON files.")
@click.option("--cells", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="A batch's cells.csv.")
@click.option("--compare", nargs=2, type=click.Path(exists=True, dir_okay=False),
              help="Two models to compare on the documents given as arguments.")
@click.option("--trust-model", is_flag=True, help="Load the --compare models whatever their sha256: only files you made.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.argument("documents", nargs=-1, type=click.Path(exists=True, path_type=Path))
def evaluate(truth, cells, compare, trust_model, as_json, documents):
    """Score a batch's cells.csv against truth (--truth, --cells), or compare two models on the
    same DOCUMENTS (--compare A B), listing the rows and cells that change."""
    from . import evaluate as evaluate_

    if compare:
        _compare(compare, documents, truth, trust_model, as_json)
        return
    if not (truth and cells):
        raise click.UsageError("give --truth and --cells, or --compare MODEL_A MODEL_B DOCUMENTS...")
    try:
        scores = evaluate_.score(evaluate_.load_truth(truth), evaluate_.load_cells(cells))
    except evaluate_.EvaluationError as e:
        raise click.ClickException(str(e)) from e
    if not scores.documents:
        raise click.ClickException(f"none of the documents in {cells} has a truth file in {truth}")
    if as_json:
        click.echo(json.dumps(scores.summary(), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(evaluate_.report_lines(scores)))


def _compare(paths, documents, truth, trust, as_json):
    from . import evaluate as evaluate_
    from .model import ModelError, load_model

    if not documents:
        raise click.UsageError("--compare needs documents to read")
    try:
        model_a, model_b = (load_model(p, trust=trust) for p in paths)
        truth = evaluate_.load_truth(truth) if truth else None
    except (ModelError, evaluate_.EvaluationError) as e:
        raise click.ClickException(str(e)) from e
    result = evaluate_.compare_models(list(documents), model_a, model_b, truth)
    if as_json:
        click.echo(json.dumps({"rows": result.rows, "cells": result.cells, "failed": result.failed,
                               "not_reports": result.not_reports,
                               "scores": {k: v.summary() for k, v in result.scores.items()}}, ensure_ascii=False,
                              indent=1))
        return
    a, b = paths
    click.echo(f"A = {a}\nB = {b}" + ("  (the same file: nothing can change)" if Path(a).resolve() == Path(b).resolve()
                                      else ""))
    click.echo(f"{len(result.rows)} rows classified differently:")
    for document, label, ra, rb in result.rows:
        click.echo(f"  {document}: {label[:30]!r}: {ra} → {rb}")
    click.echo(f"{len(result.cells)} cells changed:")
    for document, key, va, vb in result.cells:
        click.echo(f"  {document}: {key}: {va} → {vb}")
    for model, document, reason in result.failed:
        click.echo(f"  {model} failed on {document}: {reason}")
    if result.not_reports:
        click.echo(f"{len(result.not_reports)} files read as no report by either model, left out: "
                   f"{', '.join(result.not_reports[:5])}{' …' if len(result.not_reports) > 5 else ''}")
    for name, scores in result.scores.items():
        s = scores.summary()
        click.echo(f"{name}: cell accuracy {s['cell_accuracy']:.2%}, silent errors {s['silent_errors']}, "
                   f"over {s['cells']} cells of {s['documents']} documents with truth")


@main.command()
@click.option("--seed", default=1, show_default=True)
@click.option("--count", default=200, show_default=True, help="How many reports to generate.")
@click.option("--rows", "rows_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the reports' labelled row candidates here (a training file).")
@click.option("--documents", type=click.Path(file_okay=False, path_type=Path),
              help="Write the reports themselves here, with truth/<name>.json beside them.")
def synth(seed, count, rows_out, documents):
    """Generate synthetic reports (seeded, reproducible) for training and stress: give --documents
    DIR, --rows FILE, or both."""
    if not (rows_out or documents):
        raise click.UsageError("nothing to write: give --documents DIR (the reports, with truth/ beside them) "
                               "and/or --rows FILE (their labelled row candidates, a training file)")
    synth_, labelling = _tooling("synth"), _tooling("labelling")
    from .training import write_rows

    reports = synth_.generate(seed, count)
    if rows_out:
        write_rows(rows_out, [row for r in reports for row in labelling.label_synthetic(r)])
        click.echo(f"wrote {rows_out}", err=True)
    if documents:
        synth_.write_documents(reports, documents)
        click.echo(f"wrote {len(reports)} reports to {documents}", err=True)


@main.command()
@click.option("--data", "data", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Training files or directories of them (repeatable); label files from `recover label` too. "
                   "Default: training_data/ of a checkout of the repository.")
@click.option("--out", default=Path("models/row_classifier.joblib"), show_default=True,
              type=click.Path(dir_okay=False, path_type=Path), help="Where to write the model and its card.")
@click.option("--seed", default=0, show_default=True)
@click.option("--folds", default=5, show_default=True, help="Cross-validation folds (1: none).")
@click.option("--documents", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folders of the hand-labelled documents with their truth/ (repeatable), to measure cell "
                   "confidence on each held out.  Default, in a checkout: tests/fixtures/real and seeds.")
@click.option("--held-out/--no-held-out", default=True, show_default=True,
              help="Measure confidence leaving each hand-labelled document out in turn (one fit each).")
def train(data, out, seed, folds, documents, held_out):
    """Fit the row classifier on labelled files; write it with a model card."""
    from .training import LabelError, train_and_save

    if not data:
        if not Path("training_data").is_dir():
            raise click.UsageError("no training_data/ here: run in a checkout of the repository (its training_data/ "
                                   "holds the rows the shipped model learnt from), or give --data FILE_OR_DIR")
        data = (Path("training_data"),)
    if not documents:
        documents = tuple(p for p in (Path("tests/fixtures/real"), Path("tests/fixtures/seeds")) if p.is_dir())
    try:
        card = train_and_save(list(data), out, seed, folds, list(documents), held_out)
    except LabelError as e:
        raise click.ClickException(str(e)) from e
    for source, count in card["unlabelled"].items():
        click.echo(f"{source}: {count} lines have no label in the row column yet: left out", err=True)
    cv = card.get("cross_validation")
    click.echo(f"trained on {card['rows']} rows from {card['documents']} documents → {out}")
    if cv:
        click.echo(f"cross-validated accuracy: {cv['accuracy']:.2%}")
        for c in cv["confusions"][:10]:
            click.echo(f"  {c['true']} → {c['predicted']}: {c['count']}")
    held = card.get("held_out") or {}
    for what in ("rows", "cells"):
        measured = held.get(what)
        if measured:
            click.echo(f"held out, {what}: {measured['accuracy']:.2%} right of {measured[what]}, ECE {measured['ece']:.4f}, "
                       f"confidence ≥ 0.99 right: {measured['confident_accuracy']}")
    for document, reason in held.get("unmeasured", {}).items():
        click.echo(f"not held out: {document}: {reason}", err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The label file to write.")
@click.option("--model", type=click.Path(exists=True, dir_okay=False), help="A row classifier other than the shipped one.")
@click.option("--trust-model", is_flag=True, help="Load --model whatever its sha256: only a file you made (a model the package does not know is refused).")
@click.option("--prefill", is_flag=True, help="Fill the row column with the suggested row ID (check every line!).")
@click.option("--order", type=click.Choice(["doubt", "document"]), default="doubt", show_default=True,
              help="Least certain rows first, or each document in reading order.")
def label(paths, out, model, trust_model, prefill, order):
    """Write the row candidates of PATHS to a file a person labels (the row column), for `recover train`."""
    from .batch import find_inputs
    from .errors import UnreadableDocumentError
    from .training import candidate_rows, write_rows

    classifier = _load_model(model, trust_model)
    rows = []
    for item in find_inputs(paths):
        try:
            rows += candidate_rows(item.path, classifier, prefill)
        except UnreadableDocumentError as e:
            click.echo(f"skipped {item.path}: {e}", err=True)
    if order == "doubt":  # rows the identities prove wrong first, then the least certain
        rows.sort(key=lambda r: (r.suggested == r.predicted, float(r.probability)))
    write_rows(out, rows)
    click.echo(f"wrote {len(rows)} rows to {out}; put the correct row ID in the 'row' column", err=True)


@main.command()
@click.option("--truth", "truth_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Render the real reports that have truth files here (from their truth and prose).")
@click.option("--synthetic", "count", type=int, default=0, help="Render this many generated reports instead.")
@click.option("--seed", default=1, show_default=True)
@click.option("--kinds", default="pdf,docx,scan", show_default=True,
              help="Comma-separated: pdf, docx, scan, the degraded scans photo, stamped, fax, and scans with the "
                   "tables on landscape pages: landscape (as they lie), turned (a quarter turned on portrait images).")
@click.option("--dpi", default=200, show_default=True, help="Resolution of the scans.")
@click.option("--printed", is_flag=True,
              help="With --truth: scan the reports that are PDFs as they were printed, not rebuilt from "
                   "their truth (scan kinds only).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Write the documents here.")
@click.option("--rows", "rows_out", type=click.Path(dir_okay=False, path_type=Path),
              help="With --synthetic and scan kinds: read each rendered scan by OCR and write its row candidates, "
                   "labelled by the rows the generator printed, here (a training file).")
def render(truth_dir, count, seed, kinds, dpi, printed, out, rows_out):
    """Render reports as Word, digital PDF and scans, each with its truth, for tests and benchmarks;
    or (--rows) scans of generated reports read back by OCR, as training rows."""
    render_ = _tooling("render", needs=("reportlab",))

    chosen = [k.strip() for k in kinds.split(",") if k.strip()]
    unknown = set(chosen) - set(render_.KINDS)
    if unknown:
        raise click.BadParameter(f"unknown kinds: {', '.join(sorted(unknown))}", param_hint="--kinds")
    if bool(truth_dir) == bool(count):
        raise click.UsageError("give either --truth DIR or --synthetic N")
    if printed and (count or set(chosen) - set(render_.SCANNED)):
        raise click.UsageError(f"--printed scans real reports (--truth) as {', '.join(render_.SCANNED)} only")
    if not (out or rows_out):
        raise click.UsageError("nothing to write: give --out DIR (the documents) and/or --rows FILE (with --synthetic)")
    if rows_out:
        scans = (*render_.SCANNED, *render_.LANDSCAPE)
        if not count or set(chosen) - set(scans):
            raise click.UsageError(f"--rows reads generated reports (--synthetic N) rendered as {', '.join(scans)}")
        from .training import write_rows

        rows = list(_tooling("labelling").scanned_rows(seed, count, chosen, dpi))
        write_rows(rows_out, rows)
        click.echo(f"wrote {len(rows)} labelled rows to {rows_out}", err=True)
        if not out:
            return
    if truth_dir:
        if not any(truth_dir.glob("*.json")):
            hint = f"; did you mean {truth_dir / 'truth'}?" if (truth_dir / "truth").is_dir() else ""
            raise click.UsageError(f"no truth files (*.json) in {truth_dir}{hint}", )
        written = (render_.render_printed if printed else render_.render_real)(truth_dir, out, chosen, dpi)
    else:
        written = render_.render_synthetic(seed, count, out, chosen, dpi)
    click.echo(f"wrote {written} documents to {out} (truth in {out}/truth)", err=True)


@main.command()
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", default=0, show_default=True, help="Seed of the report the damaged files are made from.")
@click.option("--big/--no-big", default=True, show_default=True, help="Include the 50 MB text file.")
@click.option("--special/--no-special", default=True, show_default=True,
              help="Include symbolic links, a named pipe and an unreadable file (which git cannot hold).")
def hostile(out, seed, big, special):
    """Write a corpus of hostile and broken files, with expected.json saying what each must give."""
    written = _tooling("hostile", needs=("reportlab",)).write_corpus(out, seed, big=big, special=special)
    click.echo(f"wrote {written} documents to {out} (what each must give: {out}/expected.json); "
               f"try: recover batch {out} --exclude expected.json --out {out}-out", err=True)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
@click.option("--markdown", is_flag=True, help="Print the table as README prints it.")
def flags(as_json, markdown):
    """List every flag a cell can carry: its name, what it means, whether it marks doubt."""
    from .cells import FLAGS, flags_markdown

    if as_json:
        click.echo(json.dumps([vars(f) for f in FLAGS], ensure_ascii=False, indent=1))
    elif markdown:
        click.echo(flags_markdown())
    else:
        width = max(len(f.name) for f in FLAGS)
        for f in FLAGS:
            click.echo(f"{f.name:<{width}}  {'doubt' if f.doubt else 'info '}  {f.meaning}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the schema as JSON.")
@click.option("--template", type=click.Choice(TEMPLATES), help="Only this template's tables.")
def schema(as_json, template):
    """Print the contract: tables, row and column IDs with their official labels, the identities,
    the statuses and cells.csv's columns (docs/SCHEMA.md says the same in words)."""
    from . import schema as schema_
    from .cells import STATUSES

    contract = dict(schema_.as_dict(), statuses=STATUSES)
    if template:
        contract["templates"] = {template: contract["templates"][template]}
    if as_json:
        click.echo(json.dumps(contract, ensure_ascii=False, indent=1))
        return
    for name, tables in contract["templates"].items():
        click.echo(f"template {name}")
        for table, rows in tables.items():
            click.echo(f"  {table} — {contract['tables'][table]}")
            for r in rows:
                columns = ", ".join(c["id"] for c in r["columns"])
                click.echo(f"    {r['row']:<28} {r['label']}  [{columns}]")
    click.echo("identities")
    for kind, meaning in contract["identities"].items():
        click.echo(f"  {kind:<20} {meaning}")
    click.echo("statuses")
    for status, meaning in STATUSES.items():
        click.echo(f"  {status:<9} {meaning}")
    click.echo(f"cells.csv: {', '.join(contract['cells_csv'])}")


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", type=click.Path(exists=True, dir_okay=False), help="A row classifier other than the shipped one.")
@click.option("--trust-model", is_flag=True, help="Load --model whatever its sha256: only a file you made (a model the package does not know is refused).")
@click.option("--doubts/--no-doubts", default=True, show_default=True,
              help="List the cells in doubt with their reasons below the tables.")
def show(path, model, trust_model, doubts):
    """Recover one document and print its three tables as printed, doubtful cells marked:
    yellow* in doubt, red ? unknown, blue inferred."""
    from rich.console import Console

    from .errors import UnreadableDocumentError
    from .pipeline import recover_file
    from .terminal import report_view

    classifier = _load_model(model, trust_model)
    try:
        report = recover_file(path, classifier)
    except UnreadableDocumentError as e:
        raise click.ClickException(f"{path}: {e} ({e.reason})") from e
    # Into a pipe or a file, wide enough for the requests table (a terminal says its own width).
    Console(highlight=False, width=None if sys.stdout.isatty() else 160).print(report_view(report, doubts=doubts))


@main.command()
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--port", default=0, show_default=True, help="Port to listen on (0: a free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but this machine lets others on the network see the batch.")
@click.option("--no-browser", is_flag=True, help="Only print the address; do not open a browser.")
def review(out_dir, port, host, no_browser):
    """Check a batch's doubtful cells in the browser; every decision goes to OUT_DIR/corrections.csv."""
    try:
        from .review.app import serve
    except ImportError as e:
        raise click.ClickException(f"the review app needs the review extra: pip install 'recover-zfxxgk[review]' ({e})")
    if not (out_dir / "summary.csv").exists():
        raise click.ClickException(f"{out_dir} is not a batch's output (no summary.csv): run recover batch first")

    def ready(url):
        click.echo(f"reviewing {out_dir} at {url} (Ctrl+C to stop); then: recover apply {out_dir}", err=True)
        if not no_browser:
            import webbrowser

            webbrowser.open(url)

    serve(out_dir, host, port, ready)


@main.command()
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--corrections", "corrections_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Decisions to apply (default: OUT_DIR/corrections.csv).")
@click.option("--model", type=click.Path(exists=True, dir_okay=False), help="The row classifier the batch used.")
@click.option("--trust-model", is_flag=True, help="Load --model whatever its sha256: only a file you made (a model the package does not know is refused).")
def apply(out_dir, corrections_file, model, trust_model):
    """Rewrite a batch's outputs with the decisions of its review: reviewed cells, identities checked again."""
    from .review import corrections

    _check_model(model, trust_model)
    try:
        done = corrections.apply(out_dir, corrections_file, model, trust_model)
    except corrections.CorrectionError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"{done.cells} cells reviewed in {done.documents} documents, {done.cannot_tell} marked cannot tell "
               f"→ {out_dir}/cells.csv", err=True)
    if done.labelled_rows:
        click.echo(f"{done.labelled_rows} rows mapped anew → {out_dir}/{corrections.LABELS_NAME}; "
                   f"retrain: recover train --data training_data --data {out_dir}/{corrections.LABELS_NAME}", err=True)
