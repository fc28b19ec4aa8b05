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
