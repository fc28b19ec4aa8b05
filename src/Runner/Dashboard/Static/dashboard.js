// LayerNet dashboard: what every page shares. No library: the page works offline.
"use strict";
const layernet = {
  // A request that changes something: it carries the header the server asks of every POST/PUT/DELETE.
  async send(method, url, body) {
    const headers = { "X-LayerNet-Request": "1" };
    let payload = body;
    if (body !== undefined && !(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const response = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(text || response.statusText);
    }
    return text.length && (response.headers.get("Content-Type") || "").includes("json") ? JSON.parse(text) : text;
  },
  post(url, body) { return this.send("POST", url, body); },
  async get(url) {
    const response = await fetch(url, { credentials: "same-origin" });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(text || response.statusText);
    }
    return (response.headers.get("Content-Type") || "").includes("json") ? JSON.parse(text) : text;
  },
  // Server-sent events: calls onMessage with each event's parsed JSON; the browser reconnects by itself.
  events(url, onMessage) {
    const source = new EventSource(url);
    source.onmessage = e => onMessage(JSON.parse(e.data));
    return source;
  },
  text(element, value) { element.textContent = value; },
};

// Helpers of the Model, Inference and Datasets pages.
// A number as the drawings print them: 4 significant digits, an exponent when very small or large.
layernet.number = value => {
  if (value === 0) {
    return "0";
  }
  const magnitude = Math.abs(value);
  return magnitude >= 1e5 || magnitude < 1e-3 ? value.toExponential(2) : value.toPrecision(4);
};
// Shows an error's text in an element (text only: a message from the server is never parsed as HTML).
layernet.fail = (element, message) => {
  element.textContent = message;
  element.hidden = false;
};
// A table row from cells: text, or { text, className }.
layernet.row = cells => {
  const row = document.createElement("tr");
  for (const cell of cells) {
    const td = document.createElement("td");
    const text = typeof cell === "object" && cell !== null ? cell.text : cell;
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (typeof cell === "object" && cell !== null && cell.className) {
      td.className = cell.className;
    }
    row.append(td);
  }
  return row;
};
// Fills a select with paths, keeping a first empty choice when `empty` names it, and selects `chosen` when offered.
layernet.options = (select, values, chosen, empty) => {
  const options = [];
  if (empty !== undefined) {
    const none = document.createElement("option");
    none.value = "";
    none.textContent = empty;
    options.push(none);
  }
  for (const value of values) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = value;
    options.push(option);
  }
  select.replaceChildren(...options);
  if (chosen && values.includes(chosen)) {
    select.value = chosen;
  }
};
