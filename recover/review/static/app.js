// The review page: the batch, a document's tables, and the cells to check, keyboard first.
// Every piece of a document's text is put in the page with textContent, never as HTML.
"use strict";

const TOKEN = document.querySelector('meta[name="review-token"]').content;
const main = document.getElementById("main");
const state = { docs: [], selected: 0, search: "", doc: null, current: null, index: 0 };

// --- small helpers ---------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) node.append(c);
  return node;
}

async function getJSON(url) {
  const response = await fetch(url, { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`);
  return response.json();
}

async function postJSON(url, body) {
  const response = await fetch(url, {
    method: "POST", headers: { "content-type": "application/json", "X-Review-Token": TOKEN },
    body: JSON.stringify(body || {}),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

let statusTimer = null;
function say(text, error = false) {
  const box = document.getElementById("status");
  box.textContent = text;
  box.className = "shown" + (error ? " error" : "");
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { box.className = ""; }, error ? 5000 : 1800);
}

function keys(pairs) {
  const box = document.getElementById("keys");
  box.replaceChildren();
  for (const [k, what] of pairs) box.append(el("kbd", { text: k }), ` ${what}  `);
}

// --- routing -----------------------------------------------------------------------------------

function route() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.get("doc")) openDocument(params.get("doc"), params.get("cell"));
  else showBatch();
}
window.addEventListener("hashchange", route);
document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("apply").addEventListener("click", applyAll);
  document.addEventListener("keydown", onKey);
  route();
});

async function applyAll() {
  try {
    const done = await postJSON("api/apply");
    say(`Applied: ${done.cells} cells reviewed, ${done.cannot_tell} cannot tell, ${done.labelled_rows} rows labelled`);
    route();
  } catch (e) { say(String(e), true); }
}

// --- the batch -----------------------------------------------------------------------------------

async function showBatch() {
  state.doc = null;
  const data = await getJSON("api/documents");
  state.docs = data.documents;
  document.getElementById("where").textContent = `${data.batch}: ${state.docs.length} documents, ` +
    `${state.docs.reduce((n, d) => n + d.to_check, 0)} cells to check`;
  keys([["/", "search"], ["j/k", "move"], ["Enter", "open"]]);
  const search = el("input", { id: "search", type: "search", placeholder: "agency, year or file name", value: state.search });
  search.addEventListener("input", () => { state.search = search.value; state.selected = 0; drawBatch(); });
  main.replaceChildren(search, el("div", { id: "batch" }));
  drawBatch();
  performance.mark("batch-drawn");
}

function visibleDocs() {
  const words = state.search.trim().toLowerCase().split(/\s+/).filter(Boolean);
  return state.docs.filter(d => words.every(w =>
    `${d.document} ${d.agency} ${d.year ?? ""}`.toLowerCase().includes(w)));
}

function drawBatch() {
  const docs = visibleDocs();
  const body = el("tbody");
  docs.forEach((d, i) => {
    body.append(el("tr", { class: i === state.selected ? "selected" : "", "data-document": d.document,
                           onclick: () => { location.hash = "doc=" + encodeURIComponent(d.document); } },
      el("td", { text: d.document }), el("td", { class: "outcome-" + d.outcome, text: d.outcome }),
      el("td", { text: d.template }), el("td", { text: d.agency }), el("td", { text: d.year ?? "" }),
      el("td", { class: "count", text: String(d.to_check) }), el("td", { class: "count", text: String(d.decided) })));
  });
  const head = el("tr", {}, ...["document", "outcome", "template", "agency", "year", "to check", "decided"]
    .map(t => el("th", { text: t })));
  document.getElementById("batch").replaceChildren(el("table", { class: "batch" }, el("thead", {}, head), body));
}

// --- a document ----------------------------------------------------------------------------------

async function openDocument(name, cell) {
  try {
    setDocument(await getJSON("api/document?name=" + encodeURIComponent(name)), cell);
  } catch (e) { main.replaceChildren(el("p", { text: String(e) })); }
}

function setDocument(view, cell) {
  state.doc = view;
  const queue = view.queue;
  state.current = cell && view.cells && view.cells[cell] ? cell : (queue[0] || (view.to_check[0] ?? null));
  state.index = Math.max(0, queue.indexOf(state.current));
  drawDocument();
}

function drawDocument() {
  const v = state.doc;
  document.getElementById("where").textContent =
    `${v.document} · ${v.agency || "?"} · ${v.year || "?"} · template ${v.template || "?"} · ${v.kind}`;
  keys([["Enter/a", "accept"], ["0-9", "type the value"], ["c", "cannot tell"], ["C", "… the rest of the table"], ["j/→", "next"],
        ["k/←", "previous"], ["Esc", "batch"]]);
  if (!v.cells) {
    main.replaceChildren(el("p", { text: `Not read: ${v.error}` }));
    return;
  }
  const tables = el("div", { class: "tables" },
    el("div", { class: "legend" }, ...[["printed", "printed"], ["inferred", "inferred"], ["doubt", "to check"],
      ["unknown", "unknown"], ["reviewed", "reviewed"]].map(([k, t]) => el("span", { class: "legend-" + k, text: t }))));
  for (const table of v.form) {
    tables.append(el("h2", { text: table.title }));
    for (const block of table.blocks) tables.append(drawBlock(block));
  }
  tables.append(drawRows());
  main.replaceChildren(el("div", { class: "document" }, tables, el("aside", { id: "panel" })));
  drawPanel();
}

function drawBlock(block) {
  const head = el("thead");
  block.header.forEach(cells => {
    const row = el("tr");
    for (const h of cells) row.append(el("th", { colspan: h.colspan > 1 ? h.colspan : null,
                                                 rowspan: h.rowspan > 1 ? h.rowspan : null, text: h.text }));
    head.append(row);
  });
  const width = block.rows.reduce((n, r) => Math.max(n, r.cells ? r.cells.length : 0), 0);
  const body = el("tbody");
  for (const r of block.rows) {
    if (r.heading !== undefined) {
      body.append(el("tr", { class: "heading" }, el("th", { colspan: width + 1, text: r.heading })));
      continue;
    }
    const row = el("tr");
    if (!block.unlabelled) row.append(el("th", { class: "label", text: r.label }));
    for (const key of r.cells) row.append(drawCell(key));
    body.append(row);
  }
  return el("table", { class: "form" }, head, body);
}

function cellClasses(key) {
  const c = state.doc.cells[key];
  const decided = state.doc.decisions[key];
  const classes = ["cell", "status-" + c.status];
  if (c.doubt) classes.push("doubt");
  if (decided) classes.push("decided", decided.decision);
  if (key === state.current) classes.push("current");
  const through = currentIdentities();
  if (through.some(i => i.cells.includes(key))) classes.push("in-identity");
  return classes.join(" ");
}

function drawCell(key) {
  const c = state.doc.cells[key];
  return el("td", { class: cellClasses(key), "data-cell": key, title: `${key}\n${c.label}`,
                    text: c.value === "" ? "·" : c.value, onclick: () => select(key) });
}

function currentIdentities() {
  return state.current ? state.doc.identities.filter(i => i.cells.includes(state.current)) : [];
}

function refreshCells() {
  for (const td of main.querySelectorAll("td[data-cell]")) {
    const key = td.dataset.cell;
    td.className = cellClasses(key);
    const value = state.doc.cells[key].value;
    td.textContent = value === "" ? "·" : value;
  }
}

function drawRows() {
  // The printed rows and the canonical rows they were taken for: a wrong one is put right here.
  const v = state.doc;
  const body = el("tbody");
  const remapped = {};
  for (const d of Object.values(v.decisions)) if (d.cell.endsWith("/*")) remapped[d.value] = d.cell.slice(0, -2);
  for (const r of v.rows) {
    const key = remapped[`candidate:${r.index}`] || r.key;
    const pick = el("select", { "data-candidate": r.index, "aria-label": `canonical row of “${r.label}”` },
      ...v.row_keys.map(k => el("option", { value: k, text: k, selected: k === key })));
    pick.addEventListener("change", () => decide({ cell: pick.value + "/*", value: `candidate:${r.index}`,
                                                   decision: "corrected", note: `taken for ${r.key}` }));
    body.append(el("tr", {}, el("td", { text: String(r.line) }), el("td", { text: r.label }),
      el("td", { text: r.values.join(" | ") }), el("td", { text: r.probability.toFixed(2) }), el("td", {}, pick)));
  }
  return el("details", { class: "rows" }, el("summary", { text: `Rows as read (${v.rows.length}): the canonical row each printed row was taken for` }),
    el("table", {}, body));
}

async function drawPanel() {
  const v = state.doc;
  const panel = document.getElementById("panel");
  const left = v.queue.length;
  const progress = el("div", { class: "progress", id: "progress", "data-left": left,
    text: left ? `${left} of ${v.to_check.length} cells left to check` : `Nothing left to check (${v.to_check.length} checked)` });
  if (!left) progress.classList.add("done");
  panel.replaceChildren(progress);
  if (state.current) {
    const key = state.current;
    const c = v.cells[key];
    const decided = v.decisions[key];
    const input = el("input", { id: "value", inputmode: "decimal", autocomplete: "off", placeholder: c.value || "value",
                                "aria-label": "the right value" });
    input.addEventListener("keydown", e => {
      if (e.key === "Enter") { e.preventDefault(); e.stopPropagation(); submitTyped(input.value); }
      else if (e.key === "Escape") { e.stopPropagation(); input.blur(); }
    });
    panel.append(el("div", { class: "cellname", text: c.label }), el("div", { class: "key", text: key }),
      el("div", { class: "value", id: "current-value", text: c.value === "" ? "unknown" : c.value }),
      el("div", { text: `${c.status}, confidence ${c.confidence.toFixed(2)}` + (c.printed ? `, printed “${c.printed}”` : "") }),
      decided ? el("div", { class: "done", text: `decided: ${decided.decision} ${decided.value}` }) : "",
      el("h3", { text: "Why check it" }),
      el("ul", { class: "reasons" }, ...(c.flags.length ? c.flags : [{ meaning: c.status === "unknown" ? "no value was read or forced" : "nothing flagged", doubt: false }])
        .map(f => el("li", { class: f.doubt ? "" : "info", text: f.meaning }))),
      el("div", {}, input, " ",
        el("button", { id: "accept", onclick: () => accept(), disabled: c.value === "" }, "Accept"), " ",
        el("button", { id: "cannot", onclick: () => cannotTell() }, "Cannot tell")),
      el("h3", { text: "What else it could be" }), el("ul", { id: "alternatives" }),
      el("h3", { text: "Where it was printed" }), el("div", { id: "evidence" }));
  }
  panel.append(drawIdentities());
  if (state.current) loadCell(state.current);
}

function drawIdentities() {
  const ids = state.doc.identities;
  const holds = ids.filter(i => i.holds === true).length, broken = ids.filter(i => i.holds === false).length;
  const through = currentIdentities();
  const list = el("ul");
  for (const i of ids.filter(i => i.holds === false || through.includes(i))) {
    const mark = i.holds === true ? "holds" : i.holds === false ? "broken" : "open";
    list.append(el("li", { class: mark, "data-identity": i.name, text: `${i.name}: ${mark === "open" ? "not yet known" : mark}` }));
  }
  return el("div", { id: "identities", "data-holds": holds, "data-broken": broken },
    el("h3", { text: "Identities" }),
    el("div", { text: `${holds} hold, ${broken} broken, ${ids.length - holds - broken} not yet known` }), list);
}

async function loadCell(key) {
  let info;
  try {
    info = await getJSON(`api/cell?name=${encodeURIComponent(state.doc.document)}&cell=${encodeURIComponent(key)}`);
  } catch (e) { return; }
  if (key !== state.current) return;
  const alts = document.getElementById("alternatives");
  for (const a of info.alternatives) {
    const use = () => { const input = document.getElementById("value"); input.value = a.value; input.focus(); };
    alts.append(el("li", {}, a.value ? el("span", { class: "alt", text: a.value, onclick: use }) : "empty",
      ` — ${a.why}`));
  }
  if (!info.alternatives.length) alts.append(el("li", { class: "info", text: "none recorded" }));
  const box = document.getElementById("evidence");
  const ev = info.evidence;
  if (ev.kind === "text") {
    box.append(el("div", { class: "key", text: ev.line ? `line ${ev.line}` : "" }),
      el("pre", { class: "evidence" }, ev.before, el("mark", { text: ev.span }), ev.after));
  } else if (ev.kind === "image") {
    box.append(el("div", { class: "key", text: `page ${ev.page}` }), el("img", { class: "evidence", src: ev.url, alt: `page ${ev.page} around the cell` }));
  } else if (ev.kind === "docx") {
    box.append(el("div", { text: `Word table ${ev.table + 1}, row ${ev.row + 1}, cell ${ev.cell + 1}: “${ev.span}”` }));
  } else if (ev.kind === "inferred") {
    box.append(el("div", { text: `Not printed: worked out by identity ${ev.identity} from ${ev.from.join(", ")}` }));
  } else if (ev.kind === "missing") {
    box.append(el("div", { text: `The input ${ev.path} is not where the batch read it` }));
  } else {
    box.append(el("div", { class: "info", text: "not printed in the document" }));
  }
}

function select(key) {
  state.current = key;
  const at = state.doc.queue.indexOf(key);
  if (at >= 0) state.index = at;
  refreshCells();
  drawPanel();
}

function step(delta) {
  const queue = state.doc.queue.length ? state.doc.queue : state.doc.to_check;
  if (!queue.length) return;
  let at = queue.indexOf(state.current);
  at = at < 0 ? Math.min(state.index, queue.length - 1) : (at + delta + queue.length) % queue.length;
  select(queue[at]);
}

async function decide(body) {
  const key = state.current;
  try {
    const view = await postJSON("api/decisions", { document: state.doc.document, cell: key, ...body });
    const at = state.doc.queue.indexOf(key);
    state.doc = view;
    if (body.cell && body.cell.endsWith("/*")) { say("row mapping recorded"); drawDocument(); return; }
    if (body.cells) { say(`${body.decision}: ${body.cells.length} cells`); }
    // On to the next cell to check (the one decided has left the queue).
    const queue = view.queue;
    state.current = queue.length ? queue[Math.min(Math.max(at, 0), queue.length - 1)] : key;
    refreshCells();
    drawPanel();
    if (!body.cells) say(`${body.decision}: ${key}`);
  } catch (e) { say(String(e.message || e), true); }
}

function accept() {
  const c = state.doc.cells[state.current];
  if (c.value === "") { say("no value to accept: type it, or mark cannot tell", true); return; }
  decide({ value: c.value, decision: "accepted" });
}

function cannotTell() { decide({ value: "", decision: "cannot_tell" }); }

function cannotTellTable() {
  // Every cell left to check in the current cell's table: a document cut off, a table not printed.
  const table = state.current.split("/")[0];
  const cells = state.doc.queue.filter(k => k.split("/")[0] === table);
  decide({ cells, value: "", decision: "cannot_tell", note: "the rest of the table" });
}

function submitTyped(text) {
  const value = text.trim();
  if (!value) { accept(); return; }
  const c = state.doc.cells[state.current];
  decide({ value, decision: value === c.value ? "accepted" : "corrected" });
}

// --- the keyboard -------------------------------------------------------------------------------

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const typing = e.target.matches("input, select, textarea");
  if (!state.doc) return onBatchKey(e, typing);
  if (typing) return;
  if (!state.doc.cells) { if (e.key === "Escape") location.hash = ""; return; }
  const k = e.key;
  if (k === "Escape") { location.hash = ""; }
  else if (k === "Enter" || k === "a") { e.preventDefault(); accept(); }
  else if (k === "c") { e.preventDefault(); cannotTell(); }
  else if (k === "C") { e.preventDefault(); cannotTellTable(); }
  else if (k === "j" || k === "ArrowRight" || k === "ArrowDown" || k === "n") { e.preventDefault(); step(1); }
  else if (k === "k" || k === "ArrowLeft" || k === "ArrowUp" || k === "p") { e.preventDefault(); step(-1); }
  else if (/^[0-9.\-]$/.test(k) || k === "e") {
    const input = document.getElementById("value");
    if (!input) return;
    e.preventDefault();
    input.value = k === "e" ? "" : k;
    input.focus();
  }
}

function onBatchKey(e, typing) {
  const docs = visibleDocs();
  if (e.key === "/" && !typing) { e.preventDefault(); document.getElementById("search").focus(); return; }
  if (e.key === "Enter" && docs[state.selected]) {
    location.hash = "doc=" + encodeURIComponent(docs[state.selected].document);
    return;
  }
  if (typing) { if (e.key === "ArrowDown" || e.key === "ArrowUp") e.target.blur(); else return; }
  if (e.key === "j" || e.key === "ArrowDown") state.selected = Math.min(state.selected + 1, docs.length - 1);
  else if (e.key === "k" || e.key === "ArrowUp") state.selected = Math.max(state.selected - 1, 0);
  else return;
  e.preventDefault();
  drawBatch();
}
