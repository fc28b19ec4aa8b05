// The New run page: a picker over the root's .prototxt files, the solver and net editors (checked by the server's
// prototxt reader, errors shown at their line), start, and the job queue with stop and cancel.
"use strict";
(() => {
  const $ = id => document.getElementById(id);
  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) { e.setAttribute(k, v); }
    if (text !== undefined) { e.textContent = text; }
    return e;
  };
  const editors = {};
  for (const kind of ["solver", "net"]) {
    editors[kind] = { kind, path: $(kind + "-path"), text: $(kind + "-text"), error: $(kind + "-error"), ok: $(kind + "-ok"), dirty: false };
    const editor = editors[kind];
    editor.text.addEventListener("input", () => { editor.dirty = true; editor.ok.textContent = ""; });
    $(kind + "-load").addEventListener("click", () => load(editor.path.value, kind));
    $(kind + "-check").addEventListener("click", () => check(editor));
    $(kind + "-save").addEventListener("click", () => save(editor));
  }

  function report(editor, result) {
    editor.error.textContent = "";
    editor.ok.textContent = "";
    if (result.ok) {
      editor.ok.textContent = "The prototxt reader accepts it.";
      return true;
    }
    editor.error.textContent = result.message + (result.line ? ` (line ${result.line}, column ${result.column})` : "");
    editor.error.dataset.line = result.line || "";
    if (result.line) { selectLine(editor.text, result.line); }
    return false;
  }

  // Puts the caret on the error's line and scrolls the editor to it.
  function selectLine(area, line) {
    const lines = area.value.split("\n");
    let start = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
    const end = start + (lines[line - 1] || "").length;
    area.focus();
    area.setSelectionRange(start, end);
    // Lines do not wrap (wrap="off"): each is one row of the editor.
    const height = area.scrollHeight / Math.max(lines.length, 1);
    area.scrollTop = Math.max(0, (line - 4) * height);
  }

  const body = editor => ({ path: editor.path.value, kind: editor.kind, text: editor.text.value });

  async function load(path, kind) {
    const editor = editors[kind];
    editor.error.textContent = "";
    editor.ok.textContent = "";
    try {
      const file = await layernet.get("/api/new/file?path=" + encodeURIComponent(path));
      const target = editors[file.kind] || editor;
      target.path.value = file.path;
      target.text.value = file.text;
      target.dirty = false;
      target.error.textContent = "";
      target.ok.textContent = "Loaded " + file.path + ".";
      if (file.kind === "solver" && file.net) { await load(file.net, "net"); }
    } catch (e) {
      editor.error.textContent = e.message;
    }
  }

  async function check(editor) {
    try {
      return report(editor, await layernet.post("/api/new/check", body(editor)));
    } catch (e) {
      editor.error.textContent = e.message;
      return false;
    }
  }

  async function save(editor) {
    try {
      const result = await layernet.send("PUT", "/api/new/file", body(editor));
      editor.dirty = false;
      report(editor, result);
      editor.ok.textContent = "Saved " + editor.path.value + ".";
      listFolder(currentFolder);
      return true;
    } catch (e) {
      // A refused check comes back as its JSON (400); anything else as one line of text.
      try { report(editor, JSON.parse(e.message)); } catch { editor.error.textContent = e.message; }
      return false;
    }
  }

  $("run-start").addEventListener("click", async () => {
    const error = $("start-error");
    error.textContent = "";
    for (const editor of [editors.net, editors.solver]) {
      if (editor.dirty && editor.path.value && !(await save(editor))) {
        error.textContent = "Fix the " + editor.kind + " first: " + editor.error.textContent;
        return;
      }
    }
    const iterations = $("run-iterations").value;
    try {
      await layernet.post("/api/new/jobs", {
        solver: editors.solver.path.value,
        iterations: iterations === "" ? null : Number(iterations),
        name: $("run-name").value || null,
      });
      refreshJobs();
    } catch (e) {
      error.textContent = e.message;
    }
  });

  let currentFolder = "";
  async function listFolder(path) {
    const list = $("picker-list");
    try {
      const listing = await layernet.get("/api/files?ext=.prototxt&path=" + encodeURIComponent(path));
      currentFolder = listing.path;
      $("picker-path").textContent = "/" + listing.path;
      const items = [];
      if (listing.path !== "") {
        const up = el("li", { class: "folder" }, "..");
        up.addEventListener("click", () => listFolder(listing.path.split("/").slice(0, -1).join("/")));
        items.push(up);
      }
      for (const folder of listing.folders) {
        const item = el("li", { class: "folder", "data-path": folder }, folder.split("/").pop() + "/");
        item.addEventListener("click", () => listFolder(folder));
        items.push(item);
      }
      for (const file of listing.files) {
        const name = file.path.split("/").pop();
        const item = el("li", { class: "file", "data-path": file.path }, name);
        item.addEventListener("click", () => load(file.path, /solver/i.test(name) ? "solver" : "net"));
        items.push(item);
      }
      list.replaceChildren(...items);
    } catch (e) {
      list.replaceChildren(el("li", { class: "error" }, e.message));
    }
  }

  async function refreshJobs() {
    let jobs;
    try { jobs = await layernet.get("/api/new/jobs"); } catch { return; }
    $("jobs-empty").hidden = jobs.length > 0;
    $("job-table").hidden = jobs.length === 0;
    $("job-table").querySelector("tbody").replaceChildren(...jobs.slice().reverse().map(job => {
      const tr = el("tr", { "data-job": job.id, "data-state": job.state });
      const run = el("td");
      const link = el("a", { href: "/runs?run=" + encodeURIComponent(job.log) }, job.name);
      run.append(link);
      const state = el("td");
      state.append(el("span", { class: "state state-" + job.state }, job.state));
      if (job.message) { state.append(el("div", { class: "error" }, job.message)); }
      const act = el("td");
      if (job.state === "running" || job.state === "queued") {
        const stop = el("button", { type: "button", class: "secondary", "data-stop": job.id }, job.state === "running" ? "Stop" : "Cancel");
        stop.addEventListener("click", async () => {
          stop.disabled = true;
          try { await layernet.post("/api/new/jobs/" + encodeURIComponent(job.id) + "/stop"); } catch (e) { $("start-error").textContent = e.message; }
          refreshJobs();
        });
        act.append(stop);
      }
      tr.append(el("td", { class: "num" }, job.id), run, state, el("td", {}, job.solver), el("td", {}, job.snapshot || ""), act);
      return tr;
    }));
  }

  const params = new URLSearchParams(location.search);
  if (params.get("solver")) { load(params.get("solver"), "solver"); }
  listFolder(params.get("folder") || "");
  refreshJobs();
  setInterval(refreshJobs, 1000);
})();
