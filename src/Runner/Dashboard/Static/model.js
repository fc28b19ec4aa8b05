// The Model page: pick a net file (and a snapshot), see its drawing, its layers and the snapshot's weights.
"use strict";
(() => {
  const $ = id => document.getElementById(id);
  const number = value => (value === null || value === undefined) ? "–" : layernet.number(value);

  async function show() {
    const net = $("model-net").value;
    const weights = $("model-weights").value;
    const phase = $("model-phase").value;
    $("model-error").hidden = true;
    if (!net) {
      layernet.fail($("model-error"), "choose a net file (a .prototxt under the root)");
      return;
    }
    const query = new URLSearchParams({ path: net, phase });
    if (weights) {
      query.set("weights", weights);
    }
    history.replaceState(null, "", "/model?" + query);
    let report;
    try {
      report = await layernet.get("/api/model/net?" + query);
    } catch (error) {
      $("model-result").hidden = true;
      layernet.fail($("model-error"), error.message);
      return;
    }
    $("model-result").hidden = false;
    $("model-title").textContent = `${report.name || net} (${report.phase})` +
      (report.parameters === null ? "" : ` · ${report.parameters.toLocaleString("en")} learnable values`);
    $("model-notes").textContent = report.shapesUnknown || "";
    const drawing = $("model-drawing");
    if (report.drawingUnavailable) {
      drawing.hidden = true;
      layernet.fail($("model-drawing-missing"), report.drawingUnavailable);
    } else {
      $("model-drawing-missing").hidden = true;
      drawing.hidden = false;
      drawing.src = "/api/model/drawing.svg?" + new URLSearchParams({ path: net, phase });
    }
    const layers = $("model-layers").tBodies[0];
    layers.replaceChildren(...report.layers.map(layer => layernet.row([
      layer.name, layer.type + (layer.inserted ? " (inserted)" : ""), layer.bottoms.join(", "),
      layer.tops.map(top => top.shape === null ? top.name : `${top.name} (${top.shape})`).join(", "),
      { text: layer.parameters === null ? "?" : layer.parameters.toLocaleString("en"), className: "num" },
      layer.parameterShapes.join(" · "),
    ])));
    $("model-weights-section").hidden = !report.weights;
    if (!report.weights) {
      return;
    }
    $("model-weights-file").textContent = report.weights;
    $("model-weight-table").tBodies[0].replaceChildren(...report.weightRows.map(row => layernet.row([
      row.layer, { text: row.blob === 0 ? "weights" : row.blob === 1 ? "bias" : `blob ${row.blob}` }, row.shape,
      ...[row.mean, row.std, row.min, row.max, row.l2].map(v => ({ text: number(v), className: "num" })),
    ])));
    const filters = $("model-filters");
    filters.replaceChildren();
    for (const row of report.weightRows.filter(r => r.filters)) {
      const figure = document.createElement("figure");
      const image = document.createElement("img");
      image.className = "grid";
      image.alt = `${row.layer}'s filters`;
      image.src = "/api/model/filters.png?" + new URLSearchParams({ weights: report.weights, layer: row.layer });
      const caption = document.createElement("figcaption");
      caption.textContent = `${row.layer}: ${row.shape.split(" ")[0]} filters (${row.shape}), each stretched to its own range`;
      figure.append(caption, image);
      filters.append(figure);
    }
  }

  async function load() {
    const choices = await layernet.get("/api/model/files");
    const params = new URLSearchParams(location.search);
    layernet.options($("model-net"), choices.nets, params.get("path"));
    layernet.options($("model-weights"), choices.weights, params.get("weights"), "(none)");
    if (params.get("phase")) {
      $("model-phase").value = params.get("phase");
    }
    $("model-show").addEventListener("click", show);
    if (params.get("path")) {
      await show();
    }
  }

  load().catch(error => layernet.fail($("model-error"), error.message));
})();
