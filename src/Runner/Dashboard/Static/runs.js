// The Runs page: the table of runs (polled), the curves of the ticked runs as SVG (server-sent events push new points
// as a log grows), and their snapshots with resume.
"use strict";
(() => {
  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = ["#2457c5", "#c5462b", "#1e7b34", "#8a3ec5", "#c58a1e", "#1e8a8a", "#5b6475"];
  const tbody = document.querySelector("#run-table tbody");
  const empty = document.getElementById("runs-empty");
  const error = document.getElementById("runs-error");
  const charts = document.getElementById("charts");
  const snapshots = document.getElementById("snapshots");
  const params = new URLSearchParams(location.search);
  const selected = new Set(params.getAll("run"));
  const streams = new Map(); // run id -> { source, curves: { name -> [[it, v]] }, color }
  let rows = [];
  let firstLoad = true;
  let drawPending = false;

  const number = v => (v === null || v === undefined ? NaN : Number(v));
  const format = v => {
    const x = number(v);
    if (!Number.isFinite(x)) { return String(v ?? ""); }
    const a = Math.abs(x);
    return a !== 0 && (a >= 1e5 || a < 1e-3) ? x.toExponential(3) : String(Number(x.toPrecision(5)));
  };
  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) { e.setAttribute(k, v); }
    if (text !== undefined) { e.textContent = text; }
    return e;
  };
  const svg = (tag, attrs) => {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) { e.setAttribute(k, v); }
    return e;
  };

  async function refresh() {
    try {
      rows = await layernet.get("/api/runs");
      error.textContent = "";
    } catch (e) {
      error.textContent = e.message;
      return;
    }
    if (firstLoad && selected.size === 0 && rows.length > 0) { selected.add(rows[0].id); }
    firstLoad = false;
    renderTable();
    syncStreams();
    renderSnapshots();
  }

  // Rows are updated in place (the events change them several times a second): a button under the pointer stays
  // the same element, so a click on it is not lost.
  function renderTable() {
    empty.hidden = rows.length > 0;
    const existing = new Map([...tbody.children].map(tr => [tr.dataset.run, tr]));
    rows.forEach((run, index) => {
      let tr = existing.get(run.id);
      if (!tr) { tr = createRow(run); }
      existing.delete(run.id);
      updateRow(tr, run);
      if (tbody.children[index] !== tr) { tbody.insertBefore(tr, tbody.children[index] || null); }
    });
    for (const gone of existing.values()) { gone.remove(); }
  }

  function createRow(run) {
    const tr = el("tr", { "data-run": run.id });
    const tick = el("input", { type: "checkbox", "data-run": run.id, "aria-label": "show " + run.name });
    tick.checked = selected.has(run.id);
    tick.addEventListener("change", () => {
      if (tick.checked) { selected.add(run.id); } else { selected.delete(run.id); }
      syncStreams();
      renderTable();
      renderSnapshots();
      scheduleDraw();
    });
    const show = el("td");
    show.append(tick);
    const name = el("td", { title: run.id });
    name.append(el("span", { class: "swatch" }), el("span", { class: "name" }, run.name));
    tr.append(show, name, el("td", { class: "state-cell" }), el("td", { class: "num" }), el("td", { class: "num" }), el("td", { class: "num" }), el("td"), el("td", { class: "actions" }));
    return tr;
  }

  function updateRow(tr, run) {
    const cells = tr.children;
    const swatch = cells[1].querySelector(".swatch");
    const stream = streams.get(run.id);
    swatch.hidden = !stream;
    if (stream) { swatch.style.background = stream.color; } // CSSOM, which the content policy allows (no style attribute)
    const stateKey = run.state + "|" + (run.message || "");
    if (cells[2].dataset.key !== stateKey) {
      cells[2].dataset.key = stateKey;
      cells[2].replaceChildren(el("span", { class: "state state-" + run.state }, run.state));
      if (run.message) { cells[2].append(el("div", { class: "error" }, run.message)); }
    }
    cells[3].textContent = run.iteration === null ? "" : run.iteration + (run.maxIter !== null ? " / " + run.maxIter : "");
    cells[4].textContent = run.iterationsPerSecond === null ? "" : format(run.iterationsPerSecond);
    cells[5].textContent = run.loss === null ? "" : format(run.loss);
    cells[6].textContent = Object.entries(run.tests).map(([k, v]) => k + " " + format(v)).join(", ");
    const active = run.job && (run.state === "running" || run.state === "queued");
    const actionKey = active ? run.job + "|" + run.state : "";
    if (cells[7].dataset.key !== actionKey) {
      cells[7].dataset.key = actionKey;
      cells[7].replaceChildren();
      if (active) {
        const stop = el("button", { type: "button", class: "secondary", "data-stop": run.job }, run.state === "running" ? "Stop" : "Cancel");
        stop.addEventListener("click", async () => {
          stop.disabled = true;
          try { await layernet.post("/api/new/jobs/" + encodeURIComponent(run.job) + "/stop"); } catch (e) { error.textContent = e.message; }
          refresh();
        });
        cells[7].append(stop);
      }
    }
  }

  function syncStreams() {
    for (const [id, stream] of streams) {
      if (!selected.has(id)) { stream.source.close(); streams.delete(id); }
    }
    for (const id of selected) {
      if (streams.has(id) || !rows.some(r => r.id === id)) { continue; }
      const used = new Set([...streams.values()].map(s => s.color));
      const color = COLORS.find(c => !used.has(c)) || COLORS[streams.size % COLORS.length];
      const stream = { curves: {}, color, source: null };
      stream.source = layernet.events("/api/runs/events?run=" + encodeURIComponent(id), points => receive(stream, points));
      streams.set(id, stream);
    }
    if (selected.size === 0) {
      charts.replaceChildren(el("p", { class: "muted" }, "Tick one or more runs to see their curves."));
    }
  }

  function receive(stream, points) {
    if (points.reset) { stream.curves = {}; }
    const add = (name, list) => {
      if (!list || list.length === 0) { return; }
      (stream.curves[name] = stream.curves[name] || []).push(...list.map(p => [number(p[0]), number(p[1])]));
    };
    add("Train loss", points.loss);
    add("Learning rate", points.learningRate);
    for (const [name, list] of Object.entries(points.tests || {})) { add("Test " + name, list); }
    if (points.summary) {
      const i = rows.findIndex(r => r.id === points.summary.id);
      if (i >= 0 && JSON.stringify(rows[i]) !== JSON.stringify(points.summary)) {
        rows[i] = points.summary;
        renderTable();
        renderSnapshots();
      }
    }
    scheduleDraw();
  }

  function scheduleDraw() {
    if (drawPending) { return; }
    drawPending = true;
    requestAnimationFrame(() => { drawPending = false; draw(); });
  }

  function draw() {
    if (selected.size === 0) { return; }
    const metrics = [];
    for (const stream of streams.values()) {
      for (const name of Object.keys(stream.curves)) { if (!metrics.includes(name)) { metrics.push(name); } }
    }
    const order = n => (n === "Train loss" ? 0 : n === "Learning rate" ? 2 : 1);
    metrics.sort((a, b) => order(a) - order(b) || a.localeCompare(b));
    if (metrics.length === 0) {
      charts.replaceChildren(el("p", { class: "muted" }, "No curve points yet: they appear with the first display line of the log."));
      return;
    }
    charts.replaceChildren(...metrics.map(chart));
  }

  // One chart: each shown run's series of this metric as a polyline, with axes, ticks and a legend.
  function chart(metric) {
    const W = 600, H = 280, L = 64, R = 12, T = 26, B = 34;
    const series = [...streams.entries()].filter(([, s]) => s.curves[metric]).map(([id, s]) => ({ id, color: s.color, points: s.curves[metric].filter(p => Number.isFinite(p[1])) }));
    const all = series.flatMap(s => s.points);
    const xs = all.map(p => p[0]), ys = all.map(p => p[1]);
    let x0 = Math.min(...xs), x1 = Math.max(...xs);
    if (!(x1 > x0)) { x1 = x0 + 1; }
    let y0 = Math.min(...ys), y1 = Math.max(...ys);
    const log = y0 > 0 && y1 / y0 > 100;
    const f = log ? Math.log10 : (v => v);
    let fy0 = f(y0), fy1 = f(y1);
    if (!(fy1 > fy0)) {
      // A constant (the learning rate of a fixed policy): a band around it, as wide as the value itself.
      const pad = log ? 0.5 : Math.abs(fy0) / 2 || 0.5;
      fy0 -= pad;
      fy1 += pad;
    }
    const px = x => L + (x - x0) / (x1 - x0) * (W - L - R);
    const py = y => T + (1 - (f(y) - fy0) / (fy1 - fy0)) * (H - T - B);
    const root = svg("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, width: W, height: H, "data-metric": metric, role: "img", "aria-label": metric });
    root.append(svg("rect", { x: L, y: T, width: W - L - R, height: H - T - B, class: "plot" }));
    const title = svg("text", { x: L, y: 17, class: "title" });
    title.textContent = metric + (log ? " (log scale)" : "");
    root.append(title);
    for (let i = 0; i <= 4; i++) {
      const fy = fy0 + (fy1 - fy0) * i / 4, y = T + (1 - i / 4) * (H - T - B);
      root.append(svg("line", { x1: L, x2: W - R, y1: y, y2: y, class: "grid" }));
      const label = svg("text", { x: L - 4, y: y + 4, class: "tick", "text-anchor": "end" });
      label.textContent = format(log ? Math.pow(10, fy) : fy);
      root.append(label);
    }
    // Iterations at round steps (1, 2 or 5 times a power of ten), about five of them.
    const raw = (x1 - x0) / 5, power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = Math.max(1, [1, 2, 5, 10].map(m => m * power).find(s => s >= raw));
    for (let xv = Math.ceil(x0 / step) * step; xv <= x1; xv += step) {
      const xl = svg("text", { x: px(xv), y: H - B + 15, class: "tick", "text-anchor": "middle" });
      xl.textContent = String(xv);
      root.append(xl);
    }
    const axis = svg("text", { x: W - R, y: H - 4, class: "tick", "text-anchor": "end" });
    axis.textContent = "iteration";
    root.append(axis);
    series.forEach((s, i) => {
      const line = svg("polyline", { points: s.points.map(p => px(p[0]).toFixed(1) + "," + py(p[1]).toFixed(1)).join(" "), stroke: s.color, class: "series", "data-run": s.id, "data-points": s.points.length });
      root.append(line);
      const name = (rows.find(r => r.id === s.id) || { name: s.id }).name;
      const legend = svg("text", { x: W - R - 4, y: T + 14 + 14 * i, class: "legend", "text-anchor": "end" });
      legend.style.fill = s.color; // over the style sheet's text colour (an attribute would lose to it)
      const last = s.points.length ? s.points[s.points.length - 1][1] : NaN;
      legend.textContent = name + (Number.isFinite(last) ? " " + format(last) : "");
      root.append(legend);
    });
    const box = el("div", { class: "chart-box" });
    box.append(root);
    return box;
  }

  function renderSnapshots() {
    const shown = rows.filter(r => selected.has(r.id));
    if (shown.length === 0) {
      snapshots.replaceChildren(el("p", { class: "muted" }, "The snapshots of the runs shown."));
      return;
    }
    // Keep what a person is typing: only rebuild when the snapshots changed.
    const key = JSON.stringify(shown.map(r => [r.id, r.snapshots, r.solver]));
    if (snapshots.dataset.key === key) { return; }
    snapshots.dataset.key = key;
    snapshots.replaceChildren(...shown.map(run => {
      const part = el("div", { class: "run-snapshots", "data-run": run.id });
      part.append(el("h3", {}, run.name));
      if (run.snapshots.length === 0) {
        part.append(el("p", { class: "muted" }, "No snapshots yet (written at the solver's snapshot interval and at the end, or when stopped)."));
        return part;
      }
      const solver = el("input", { type: "text", size: 44, value: run.solver || "", placeholder: "solver.prototxt to resume with", "aria-label": "solver for " + run.name });
      const iterations = el("input", { type: "number", min: 0, placeholder: "max_iter", "aria-label": "iterations for " + run.name });
      const row = el("div", { class: "row" });
      row.append(el("label", {}, "Solver "), solver, el("label", {}, "train to iteration "), iterations);
      const message = el("p", { class: "error" });
      const table = el("table", { class: "snapshot-table" });
      const head = el("tr");
      head.append(el("th", {}, "Iteration"), el("th", {}, "Weights"), el("th", {}, "Solver state"), el("th"));
      table.append(head);
      for (const snap of run.snapshots) {
        const tr = el("tr", { "data-snapshot": snap.state || snap.weights || "" });
        const act = el("td");
        if (snap.state) {
          const resume = el("button", { type: "button", class: "secondary", "data-resume": snap.state }, "Resume");
          resume.addEventListener("click", async () => {
            resume.disabled = true;
            message.textContent = "";
            try {
              const job = await layernet.post("/api/runs/resume", {
                snapshot: snap.state,
                solver: solver.value || null,
                iterations: iterations.value === "" ? null : Number(iterations.value),
              });
              message.className = "ok";
              message.textContent = "Queued as job " + job.id + " (run " + job.name + ").";
              refresh();
            } catch (e) {
              message.className = "error";
              message.textContent = e.message;
            } finally {
              resume.disabled = false;
            }
          });
          act.append(resume);
        }
        tr.append(el("td", { class: "num" }, String(snap.iteration)), el("td", {}, snap.weights || ""), el("td", {}, snap.state || ""), act);
        table.append(tr);
      }
      part.append(row, table, message);
      return part;
    }));
  }

  refresh();
  setInterval(refresh, 2000);
})();
