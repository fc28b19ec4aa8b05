// The Inference page: classify an uploaded image (or one under the root) and draw any blob's activations.
"use strict";
(() => {
  const $ = id => document.getElementById(id);
  let previewUrl = null;

  function preview(file, picked) {
    if (previewUrl) {
      URL.revokeObjectURL(previewUrl);
      previewUrl = null;
    }
    if (file) {
      previewUrl = URL.createObjectURL(file);
      $("inference-preview").src = previewUrl;
    } else {
      $("inference-preview").src = "/api/inference/image?" + new URLSearchParams({ path: picked });
    }
  }

  function drawBlob(result) {
    const name = $("inference-blob").value;
    const blob = result.blobs.find(b => b.name === name);
    $("inference-blob-note").textContent = blob
      ? `${blob.name}: ${blob.shape}; the first item, each channel stretched to its own range`
      : "";
    $("inference-activations").src = "/api/inference/activations.png?" + new URLSearchParams({ id: result.id, blob: name });
  }

  async function classify(event) {
    event.preventDefault();
    $("inference-error").hidden = true;
    const form = new FormData($("inference-form"));
    const file = $("inference-upload").files[0];
    if (!file) {
      form.delete("upload");
    }
    $("inference-run").disabled = true;
    let result;
    try {
      result = await layernet.post("/api/inference/classify", form);
    } catch (error) {
      $("inference-result").hidden = true;
      layernet.fail($("inference-error"), error.message);
      return;
    } finally {
      $("inference-run").disabled = false;
    }
    preview(file, $("inference-image").value);
    $("inference-image-name").textContent = result.image;
    $("inference-top").tBodies[0].replaceChildren(...result.top.map((c, i) => layernet.row([
      { text: i + 1, className: "num" }, { text: c.class, className: "num" }, c.label ?? "", { text: c.text, className: "num" },
    ])));
    const names = result.blobs.map(b => b.name);
    // The first blob past the input with a picture of channels: the first convolution's, in most nets.
    const first = result.blobs.find((b, i) => i > 0 && b.shape.split(" ").length >= 4) || result.blobs[result.blobs.length - 1];
    layernet.options($("inference-blob"), names, first ? first.name : names[0]);
    $("inference-blob").onchange = () => drawBlob(result);
    drawBlob(result);
    $("inference-result").hidden = false;
  }

  async function load() {
    const choices = await layernet.get("/api/inference/files");
    const params = new URLSearchParams(location.search);
    layernet.options($("inference-model"), choices.nets, params.get("model"));
    layernet.options($("inference-weights"), choices.weights, params.get("weights"));
    layernet.options($("inference-labels"), choices.labels, params.get("labels"), "(none: class numbers)");
    layernet.options($("inference-mean"), choices.means, params.get("mean"), "(none)");
    layernet.options($("inference-image"), choices.images, params.get("image"), "(the upload)");
    $("inference-form").addEventListener("submit", classify);
  }

  load().catch(error => layernet.fail($("inference-error"), error.message));
})();
