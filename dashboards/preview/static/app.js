// Ripple live preview: draws the provisioned dashboards' panels as SVG from /api/dashboards/<uid>.
// No third-party code and nothing from a CDN. Data is only ever inserted as text (never as HTML).
// The page exposes its state for tests: body[data-state], body[data-refreshes], and per panel
// .panel[data-panel-state] ("ok" | "empty" | "error") and .panel[data-points] (marks drawn).
"use strict";

const COLORS = ["#73bf69", "#f2cc0c", "#8ab8ff", "#ff780a", "#f2495c", "#5794f2", "#b877d9", "#fade2a",
                "#96d98d", "#ffb357", "#ca95e5", "#6ed0e0"];
const SVGNS = "http://www.w3.org/2000/svg";
const state = { dashboards: [], uid: null, range: null, vars: {}, timer: null, refreshS: 5, refreshes: 0 };

function el(tag, attrs, text) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVGNS, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function isNum(v) { return typeof v === "number" && isFinite(v); }

function fmt(v, unit) {
  if (v === null || v === undefined) return "–";
  if (!isNum(v)) return String(v);
  if (unit === "percentunit") return (v * 100).toFixed(1) + "%";
  if (unit === "s") return v < 1 ? (v * 1000).toFixed(0) + " ms" : v.toFixed(2) + " s";
  const a = Math.abs(v);
  if (a >= 1e6) return (v / 1e6).toFixed(1) + "M";
  if (a >= 1e4) return (v / 1e3).toFixed(1) + "k";
  if (Number.isInteger(v)) return String(v);
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
}

function columns(rows) { return rows.length ? Object.keys(rows[0]) : []; }
function numericCols(rows, skip) {
  return columns(rows).filter(c => !skip.includes(c) && rows.some(r => isNum(r[c])) && rows.every(r => r[c] === null || isNum(r[c])));
}
function stringCols(rows, skip) { return columns(rows).filter(c => !skip.includes(c) && !numericCols(rows, skip).includes(c)); }

// ---------------------------------------------------------------- charts
function timeseries(body, rows, unit, data) {
  const labels = stringCols(rows, ["time"]);
  const values = numericCols(rows, ["time"]);
  const series = new Map();
  for (const r of rows) {
    const tag = labels.map(c => r[c]).join(" ");
    for (const v of values) {
      const name = labels.length ? (values.length > 1 ? tag + " " + v : tag) : v;
      if (!series.has(name)) series.set(name, []);
      if (isNum(r[v])) series.get(name).push([r.time, r[v]]);
    }
  }
  const W = Math.max(body.clientWidth, 200), H = Math.max(body.clientHeight - 18, 80), L = 48, B = 18, T = 6, R = 10;
  const svg = el("svg:svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H });
  const t0 = data.from, t1 = data.to;
  let lo = Infinity, hi = -Infinity;
  for (const pts of series.values()) for (const [, y] of pts) { lo = Math.min(lo, y); hi = Math.max(hi, y); }
  if (!isFinite(lo)) { lo = 0; hi = 1; }
  if (lo > 0) lo = 0;
  if (hi === lo) hi = lo + 1;
  const x = t => L + (W - L - R) * (t - t0) / Math.max(t1 - t0, 1);
  const y = v => T + (H - T - B) * (1 - (v - lo) / (hi - lo));
  for (let i = 0; i <= 4; i++) {
    const v = lo + (hi - lo) * i / 4;
    svg.appendChild(el("svg:line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#2c3235", "stroke-width": 1 }));
    svg.appendChild(el("svg:text", { x: L - 4, y: y(v) + 3, "text-anchor": "end" }, fmt(v, unit)));
  }
  for (let i = 0; i <= 4; i++) {
    const t = t0 + (t1 - t0) * i / 4;
    const d = new Date(t);
    const label = d.toISOString().slice(11, 16) + (t1 - t0 > 86400000 ? " " + d.toISOString().slice(5, 10) : "");
    svg.appendChild(el("svg:text", { x: x(t), y: H - 4, "text-anchor": i === 0 ? "start" : i === 4 ? "end" : "middle" }, label));
  }
  for (const ann of data.annotations || []) {
    for (const a of ann.rows) {
      if (!isNum(a.time)) continue;
      const x0 = x(Math.max(a.time, t0)), x1 = x(Math.min(isNum(a.timeEnd) ? a.timeEnd : a.time, t1));
      const band = el("svg:rect", { x: x0, y: T, width: Math.max(x1 - x0, 2), height: H - T - B, fill: "rgba(242,73,92,0.25)" });
      band.appendChild(el("svg:title", {}, a.text || ann.name));
      svg.appendChild(band);
    }
  }
  let points = 0, i = 0;
  const legend = el("div", { class: "legend" });
  for (const [name, pts] of series) {
    const color = COLORS[i++ % COLORS.length];
    pts.sort((a, b) => a[0] - b[0]);
    if (pts.length) {
      const d = pts.map(([t, v], j) => (j ? "L" : "M") + x(t).toFixed(1) + "," + y(v).toFixed(1)).join("");
      svg.appendChild(el("svg:path", { d, fill: "none", stroke: color, "stroke-width": 2, "vector-effect": "non-scaling-stroke" }));
      if (pts.length === 1) svg.appendChild(el("svg:circle", { cx: x(pts[0][0]), cy: y(pts[0][1]), r: 3, fill: color }));
      points += pts.length;
    }
    const item = el("span");
    item.appendChild(el("i", { style: `background:${color}` }));
    item.appendChild(document.createTextNode(name));
    legend.appendChild(item);
  }
  body.appendChild(svg);
  body.parentNode.appendChild(legend);
  return points;
}

function bars(body, rows, unit) {
  const cat = stringCols(rows, [])[0];
  const vals = numericCols(rows, []).slice(0, 2);
  const W = Math.max(body.clientWidth - 4, 200), L = Math.min(150, W / 3), R = 90;
  const rowH = Math.max(14, Math.min(26, (body.clientHeight - 24) / Math.max(rows.length, 1)));
  const H = Math.max(rows.length * rowH + 4, 40);
  const svg = el("svg:svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H });
  const max = Math.max(1e-9, ...rows.flatMap(r => vals.map(v => Math.abs(r[v] || 0))));
  const zero = rows.some(r => vals.some(v => (r[v] || 0) < 0)) ? L + (W - L - R) / 2 : L;
  const scale = (W - R - zero) / max;
  let points = 0;
  rows.forEach((r, i) => {
    svg.appendChild(el("svg:text", { x: L - 6, y: i * rowH + rowH / 2 + 4, "text-anchor": "end" }, r[cat]));
    vals.forEach((v, j) => {
      const val = r[v] || 0, w = Math.abs(val) * scale, h = (rowH - 6) / vals.length;
      svg.appendChild(el("svg:rect", { x: val < 0 ? zero - w : zero, y: i * rowH + 3 + j * h, width: Math.max(w, 1), height: h - 1, fill: COLORS[j] }));
      points += 1;
    });
    svg.appendChild(el("svg:text", { x: W - R + 4, y: i * rowH + rowH / 2 + 4 }, vals.map(v => fmt(r[v], unit)).join(" / ")));
  });
  body.appendChild(svg);
  const legend = el("div", { class: "legend" });
  vals.forEach((v, j) => { const s = el("span"); s.appendChild(el("i", { style: `background:${COLORS[j]}` })); s.appendChild(document.createTextNode(v)); legend.appendChild(s); });
  body.parentNode.appendChild(legend);
  return points;
}

function pie(body, rows, unit) {
  const cat = stringCols(rows, [])[0];
  const val = numericCols(rows, [])[0];
  const total = rows.reduce((s, r) => s + Math.max(r[val] || 0, 0), 0);
  const svg = el("svg:svg", { viewBox: "0 0 340 200", preserveAspectRatio: "xMidYMid meet", width: Math.max(body.clientWidth, 120), height: Math.max(body.clientHeight - 4, 80) });
  let a = -Math.PI / 2, points = 0;
  rows.forEach((r, i) => {
    const v = Math.max(r[val] || 0, 0);
    if (!total || !v) return;
    const b = a + 2 * Math.PI * v / total, color = COLORS[i % COLORS.length];
    const large = b - a > Math.PI ? 1 : 0, cx = 100, cy = 100, R = 90, rr = 50;
    const p = (ang, rad) => `${(cx + rad * Math.cos(ang)).toFixed(2)},${(cy + rad * Math.sin(ang)).toFixed(2)}`;
    const d = v === total
      ? `M${cx},${cy - R}A${R},${R} 0 1 1 ${cx - 0.01},${cy - R}L${cx - 0.01},${cy - rr}A${rr},${rr} 0 1 0 ${cx},${cy - rr}Z`
      : `M${p(a, R)}A${R},${R} 0 ${large} 1 ${p(b, R)}L${p(b, rr)}A${rr},${rr} 0 ${large} 0 ${p(a, rr)}Z`;
    svg.appendChild(el("svg:path", { d, fill: color }));
    if (i < 9) {
      svg.appendChild(el("svg:rect", { x: 210, y: 12 + i * 20, width: 10, height: 10, fill: color }));
      svg.appendChild(el("svg:text", { x: 226, y: 21 + i * 20 }, `${r[cat]} ${(100 * v / total).toFixed(0)}%`));
    }
    a = b; points += 1;
  });
  body.appendChild(svg);
  return points;
}

function stat(body, rows, unit) {
  const vals = numericCols(rows, []);
  if (!vals.length) return 0;
  const box = el("div", { class: "stat" }, fmt(rows[0][vals[0]], unit));
  const unitOf = v => (v.endsWith("_share") ? "percentunit" : null);
  if (vals.length > 1) box.appendChild(el("small", {}, vals.slice(1).map(v => `${fmt(rows[0][v], unitOf(v))} ${v.replace(/_/g, " ")}`).join(", ")));
  body.appendChild(box);
  return rows[0][vals[0]] === null ? 0 : 1;
}

function table(body, rows, unit) {
  const cols = columns(rows);
  const tbl = el("table");
  const head = el("tr");
  cols.forEach(c => head.appendChild(el("th", {}, c)));
  tbl.appendChild(head);
  for (const r of rows) {
    const tr = el("tr");
    cols.forEach(c => tr.appendChild(el("td", { class: isNum(r[c]) ? "num" : "" },
      c === "time" || c === "timeEnd" || c.endsWith("_at") || c === "due_by" ? (isNum(r[c]) ? new Date(r[c]).toISOString().slice(0, 19).replace("T", " ") : r[c]) : fmt(r[c], c.endsWith("_share") ? "percentunit" : null))));
    tbl.appendChild(tr);
  }
  body.appendChild(tbl);
  return rows.length;
}

const RENDERERS = { timeseries, barchart: bars, piechart: pie, stat, table };

// ---------------------------------------------------------------- page
function panelNode(p, data) {
  const node = el("section", { class: "panel", "data-panel-id": p.id, "data-panel-type": p.type });
  node.style.gridColumn = `${p.grid.x + 1} / span ${p.grid.w}`;
  node.style.gridRow = `${p.grid.y + 1} / span ${p.grid.h}`;
  const title = el("h3", { title: p.description || "" }, p.title);
  const body = el("div", { class: "body" });
  node.append(title, body);
  return node;
}

// Drawn after the node is in the page, so charts are sized in real pixels.
function drawPanel(node, p, data) {
  const body = node.querySelector(".body");
  let points = 0, panelState = "ok";
  if (p.error) {
    body.appendChild(el("div", { class: "msg error" }, p.error));
    panelState = "error";
  } else if (!p.rows.length) {
    body.appendChild(el("div", { class: "msg" }, "No data in this range yet"));
    panelState = "empty";
  } else {
    points = (RENDERERS[p.type] || table)(body, p.rows, p.unit, data);
    if (!points) panelState = "empty";
  }
  node.dataset.panelState = panelState;
  node.dataset.points = String(points);
}

function query() {
  const q = new URLSearchParams();
  if (state.range) q.set("range", state.range);
  for (const [name, values] of Object.entries(state.vars)) for (const v of values) q.append("var-" + name, v);
  return q.toString();
}

function renderVariables(data) {
  const box = document.getElementById("variables");
  box.replaceChildren();
  for (const v of data.variables) {
    const label = el("label", {}, v.label);
    // One value or All here; several values work through the URL (?var-channel=a&var-channel=b).
    const sel = el("select", { "data-var": v.name });
    const all = v.selected.includes("$__all");
    sel.appendChild(Object.assign(el("option", { value: "$__all" }, all || v.selected.length < 2 ? "All" : v.selected.join(", ")), { selected: true }));
    for (const o of v.options) sel.appendChild(Object.assign(el("option", { value: o }, o), { selected: !all && v.selected.length === 1 && v.selected[0] === o }));
    sel.addEventListener("change", () => {
      state.vars[v.name] = sel.value === "$__all" ? [] : [sel.value];
      refresh();
    });
    label.appendChild(sel);
    box.appendChild(label);
  }
  const range = document.getElementById("range");
  if (!range.options.length) {
    for (const r of data.ranges) range.appendChild(el("option", { value: r }, "last " + r));
    range.addEventListener("change", () => { state.range = range.value; refresh(); });
  }
  range.value = data.range;
}

async function refresh() {
  clearTimeout(state.timer);
  const status = document.getElementById("status");
  try {
    const res = await fetch(`/api/dashboards/${encodeURIComponent(state.uid)}?${query()}`);
    const data = await res.json();
    if (!res.ok) throw new Error(data.error || res.statusText);
    state.refreshS = data.refresh_s || 5;
    document.getElementById("subtitle").textContent = data.description +
      (data.from ? ` — ${new Date(data.from).toISOString().slice(0, 16).replace("T", " ")} to ${new Date(data.to).toISOString().slice(0, 16).replace("T", " ")} UTC, ${data.interval_s}s buckets` : "");
    const grid = document.getElementById("grid");
    if (document.activeElement === null || !document.activeElement.matches("select")) renderVariables(data);
    const nodes = data.panels.map(p => panelNode(p, data));
    grid.replaceChildren(...nodes);
    nodes.forEach((node, i) => drawPanel(node, data.panels[i], data));
    if (data.error) grid.replaceChildren(el("div", { class: "panel", style: "grid-column: 1 / span 24" }, data.error));
    state.refreshes += 1;
    document.body.dataset.refreshes = String(state.refreshes);
    document.body.dataset.state = data.error ? "error" : "ready";
    status.className = "status";
    status.textContent = "updated " + new Date().toISOString().slice(11, 19) + " UTC";
  } catch (err) {
    status.className = "status error";
    status.textContent = "error: " + err.message;
    document.body.dataset.state = "error";
  }
  state.timer = setTimeout(refresh, state.refreshS * 1000);
}

function select(uid) {
  state.uid = uid;
  state.vars = {};
  document.getElementById("variables").replaceChildren();
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.uid === uid);
  const q = new URLSearchParams(location.search);
  q.set("dashboard", uid);
  history.replaceState(null, "", "?" + q.toString());
  refresh();
}

async function main() {
  const res = await fetch("/api/dashboards");
  state.dashboards = await res.json();
  const tabs = document.getElementById("tabs");
  for (const d of state.dashboards) {
    const b = el("button", { "data-uid": d.uid, title: d.preview ? d.description : "Prometheus: open in Grafana" },
                 d.title.replace(/^Ripple \/ /, ""));
    if (!d.preview) b.disabled = true;
    b.addEventListener("click", () => select(d.uid));
    tabs.appendChild(b);
  }
  const params = new URLSearchParams(location.search);
  if (params.get("range")) state.range = params.get("range");
  const wanted = params.get("dashboard");
  const first = state.dashboards.find(d => d.uid === wanted && d.preview) || state.dashboards.find(d => d.preview);
  if (first) select(first.uid);
}

main().catch(err => { document.getElementById("status").textContent = "error: " + err.message; document.body.dataset.state = "error"; });
