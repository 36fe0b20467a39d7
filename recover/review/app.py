"""The review application: a local web page over one batch's output folder.

It lists the batch's documents (the neediest first), shows a document's three tables as printed
with every cell coloured by status and doubt, and walks the cells to check one by one: why each is
in doubt, what else it could be, where it was printed.  Each decision is appended to the batch's
corrections.csv at once; the page then shows which identities hold with the decisions made.

Safe by default: it listens on 127.0.0.1 only; it answers only requests naming this machine in
their Host header (a web page elsewhere cannot reach it through DNS rebinding); it serves the
batch's documents by their names in summary.csv, never a path a request gives; a request that
changes anything carries the token the page was served with; documents' text travels as JSON
and is put in the page as text, and the page's content security policy runs no inline script.
"""
from __future__ import annotations

import copy
import hmac
import json
import secrets
import threading
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import cells as vocabulary
from .. import schema
from ..cells import UNKNOWN
from ..reconcile.identities import adds_up, infer
from ..report import Report
from ..values import format_value
from . import corrections, evidence, forms

STATIC = Path(__file__).parent / "static"
TOKEN_HEADER = "X-Review-Token"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
_SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; object-src 'none'; "
                                 b"base-uri 'none'; frame-ancestors 'none'; form-action 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


def needs_check(report: Report) -> list[str]:
    """The cells a person should look at, in printed order: unknown, or flagged with a doubt."""
    return [key for key, c in report.cells.items()
            if c.status == UNKNOWN or vocabulary.doubts(c.flags)]


class Batch:
    """A batch output folder as the page sees it: each document's cells with the decisions made
    so far put in (exactly as ``recover apply`` will put them)."""

    def __init__(self, out_dir: Path):
        self.out = Path(out_dir).resolve()
        self.lock = threading.Lock()
        self.reload()

    def reload(self) -> None:
        rows = corrections.summary_rows(self.out)
        self.summary = {r["document"]: r for r in rows}
        self.saved = {name: json.loads((self.out / "json" / f"{name}.json").read_text(encoding="utf-8"))
                      for name in self.summary}
        self.decisions = corrections.latest(corrections.read(self.out))
        self.current: dict[str, Report] = {}
        self.needing: dict[str, list[str]] = {}  # the cells to check, kept for the batch's list
        for name in self.summary:
            self._build(name)

    def _build(self, name: str) -> None:
        report = Report.from_dict(self.saved[name])
        if report.cells:
            corrections.apply_to_report(report, self.decisions.get(name, {}))
        self.current[name], self.needing[name] = report, needs_check(report)

    def report(self, name: str) -> Report:
        if name not in self.summary:
            raise HTTPException(404, "no such document in this batch")
        return self.current[name]

    def source_path(self, name: str) -> Path:
        """The input a document was read from, as the batch recorded it."""
        return Path(self.summary[name]["path"])

    def to_check(self, name: str) -> list[str]:
        self.report(name)  # a document of this batch
        decided = self.decisions.get(name, {})
        return [k for k in self.needing[name] if k not in decided]

    def decide(self, document: str, decisions: list[corrections.Decision]) -> None:
        """Record decisions on one document's cells (all checked before any is written)."""
        report = self.report(document)
        if not report.cells or not report.template:
            raise corrections.CorrectionError("this document was not read: there is nothing to decide")
        for decision in decisions:
            corrections.check(decision, report.template)
        with self.lock:
            for decision in decisions:
                decision = corrections.append(self.out, decision)
                self.decisions.setdefault(document, {})[decision.subject] = decision
            self._build(document)

    def apply(self) -> corrections.Applied:
        with self.lock:
            applied = corrections.apply(self.out)
            self.reload()
        return applied

    # --- what the page is sent -----------------------------------------------------------------

    def listing(self) -> list[dict]:
        out = []
        for name, report in self.current.items():
            out.append({"document": name, "outcome": report.outcome, "template": report.template or "",
                        "agency": report.agency, "year": report.year, "kind": report.kind,
                        "error": report.error, "to_check": len(self.to_check(name)),
                        "decided": len(self.decisions.get(name, {}))})
        return sorted(out, key=lambda d: (-d["to_check"], d["document"]))

    def document(self, name: str) -> dict:
        report = self.report(name)
        decided = self.decisions.get(name, {})
        view: dict[str, Any] = {"document": name, "outcome": report.outcome, "template": report.template, "kind": report.kind,
                "agency": report.agency, "year": report.year, "error": report.error, "notes": report.notes,
                "flags": [_flag(f) for f in report.flags], "queue": self.to_check(name),
                "to_check": self.needing[name], "rows": [vars(r) for r in report.rows],
                "decisions": {k: {"cell": d.cell, "decision": d.decision, "value": d.value} for k, d in decided.items()}}
        template = report.template
        if not report.cells or not template:
            return view
        view["form"] = forms.form(template)
        view["row_keys"] = [*schema.row_keys(template), schema.NOT_A_ROW]
        view["cells"] = {key: {"value": format_value(c.value), "status": c.status, "confidence": c.confidence,
                               "printed": c.printed, "flags": [_flag(f) for f in c.flags],
                               "doubt": c.status == UNKNOWN or bool(vocabulary.doubts(c.flags)),
                               "label": _cell_label(template, key)}
                         for key, c in report.cells.items()}
        view["identities"] = [{"name": i.name, "kind": i.kind, "holds": adds_up(i, report.cells),
                               "cells": list(i.cells)} for i in schema.identities(template)]
        return view

    def cell(self, name: str, key: str) -> dict:
        """What the page shows beside one cell: the values it could be, and where it was printed."""
        report = self.report(name)
        if key not in report.cells:
            raise HTTPException(404, "no such cell in this document")
        cell = report.cells[key]
        return {"cell": key, "alternatives": alternatives(report, key),
                "evidence": evidence.describe(self.source_path(name), cell, name, key)}


def alternatives(report: Report, key: str) -> list[dict]:
    """Values the tool weighed for a cell: as printed, each reading the identities allowed (the
    splits of a digit run, the placements of a row's numbers), and what each identity through it
    forces from the other cells (the reconciler's own inference, asked about this cell alone)."""
    cell = report.cells[key]
    out = []
    if cell.printed:
        out.append({"value": cell.printed, "why": "as printed"})
    out += [{"value": v, "why": "a reading the identities allow"} for v in cell.alternatives]
    for identity in schema.identities(report.template):
        if key not in identity.cells:
            continue
        cells = copy.deepcopy({c: report.cells[c] for c in identity.cells})
        cells[key].value = None
        infer([identity], cells)
        if cells[key].value is not None:
            out.append({"value": format_value(cells[key].value), "why": f"what identity {identity.name} forces"})
    return out


def _flag(name: str) -> dict:
    flag = vocabulary.flag(name)
    return {"flag": name, "meaning": flag.meaning, "doubt": flag.doubt}


def _cell_label(template: str, key: str) -> str:
    table, row_id, _ = key.split("/")
    return f"{schema.row(template, f'{table}/{row_id}').label} · {schema.column_label(template, key)}"


# --- the web application -------------------------------------------------------------------------


def create_app(out_dir: Path, host: str = "127.0.0.1") -> Starlette:
    """The application over one batch; ``host`` is the address it is served on (the Host header
    must name it or this machine)."""
    batch = Batch(out_dir)
    token = secrets.token_urlsafe(32)
    page = (STATIC / "index.html").read_text(encoding="utf-8").replace("{{token}}", token)

    def changes(request: Request) -> None:
        if not hmac.compare_digest(request.headers.get(TOKEN_HEADER, ""), token):
            raise HTTPException(403, "this request does not carry the page's token")

    async def index(request: Request):
        return HTMLResponse(page, headers={"cache-control": "no-store"})

    async def documents(request: Request):
        return JSONResponse({"batch": batch.out.name, "documents": batch.listing()})

    async def document(request: Request):
        return JSONResponse(batch.document(request.query_params.get("name", "")))

    async def cell(request: Request):
        return JSONResponse(batch.cell(request.query_params.get("name", ""), request.query_params.get("cell", "")))

    async def crop(request: Request):
        name, key = request.query_params.get("name", ""), request.query_params.get("cell", "")
        report = batch.report(name)
        if key not in report.cells:
            raise HTTPException(404, "no such cell in this document")
        png = evidence.crop(batch.source_path(name), report.cells[key])
        if png is None:
            raise HTTPException(404, "no page image for this cell")
        return Response(png, media_type="image/png")

    async def decide(request: Request):
        """One decision on a cell, or the same decision on several (``cells``: "cannot tell" for
        the rest of a table cut off, say)."""
        changes(request)
        try:
            body = await request.json()
            document = str(body["document"])
            keys = body["cells"] if "cells" in body else [body["cell"]]
            batch.decide(document, [corrections.Decision(document, str(key), str(body.get("value", "")),
                                                         str(body["decision"]), str(body.get("note", "")))
                                    for key in keys])
        except (ValueError, KeyError, TypeError, corrections.CorrectionError) as e:
            return JSONResponse({"error": str(e)}, status_code=400)
        return JSONResponse(batch.document(document))

    async def apply(request: Request):
        changes(request)
        return JSONResponse(vars(batch.apply()))

    routes = [
        Route("/", index),
        Route("/api/documents", documents),
        Route("/api/document", document),
        Route("/api/cell", cell),
        Route("/api/crop.png", crop),
        Route("/api/decisions", decide, methods=["POST"]),
        Route("/api/apply", apply, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    allowed = sorted(set(LOCAL_HOSTS) | {host})
    app = Starlette(routes=routes, middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=allowed),
                                               Middleware(_SecurityHeaders)])
    app.state.batch, app.state.token = batch, token
    return app


class _SecurityHeaders:
    """Every response says: run only this site's own scripts, sniff no content types."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + _SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


def server(out_dir: Path, host: str = "127.0.0.1", port: int = 0):
    """A uvicorn server for the review application, its socket already bound (with ``port`` 0,
    to a free port), and its address: ``server.run(sockets=[sock])`` serves until told to stop."""
    import socket

    import uvicorn

    app = create_app(out_dir, host)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)  # connections made before the server starts wait for it
    shown = f"[{host}]" if ":" in host else host
    return uvicorn.Server(uvicorn.Config(app, log_level="warning")), sock, f"http://{shown}:{sock.getsockname()[1]}/"


def serve(out_dir: Path, host: str = "127.0.0.1", port: int = 0, on_ready=None) -> None:
    """Serve the review application until interrupted; ``on_ready(url)`` hears the address."""
    uvicorn_server, sock, url = server(out_dir, host, port)
    if on_ready:
        on_ready(url)
    uvicorn_server.run(sockets=[sock])
