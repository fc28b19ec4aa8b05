// The Datasets page: make an LMDB from an image folder and list, watch its progress, see its mean image.
"use strict";
(() => {
  const $ = id => document.getElementById(id);
  let timer = null;

  function request() {
    const number = id => Number.parseInt($(id).value || "0", 10);
    return {
      folder: $("datasets-folder").value,
      list: $("datasets-list").value,
      database: $("datasets-database").value.trim(),
      resizeHeight: number("datasets-resize-height"),
      resizeWidth: number("datasets-resize-width"),
      gray: $("datasets-gray").checked,
      shuffle: $("datasets-shuffle").checked,
      seed: $("datasets-seed").value === "" ? null : Number.parseInt($("datasets-seed").value, 10),
      encoded: $("datasets-encoded").checked,
      encodeType: $("datasets-encode-type").value || null,
      checkSize: $("datasets-check-size").checked,
    };
  }

  function show(status) {
    $("datasets-job").hidden = false;
    $("datasets-job-title").textContent = status.database;
    $("datasets-progress").value = status.percent;
    $("datasets-percent").textContent = `${status.percent}%`;
    $("datasets-state").textContent = `${status.state} · ${status.done}/${status.total || "?"} images`;
    $("datasets-log").textContent = status.log;
    const over = ["done", "failed", "stopped"].includes(status.state);
    $("datasets-stop").hidden = over;
    if (status.error) {
      layernet.fail($("datasets-job-error"), status.error);
    } else {
      $("datasets-job-error").hidden = true;
    }
    if (status.state === "done" && status.mean) {
      $("datasets-mean").hidden = false;
      $("datasets-mean-file").textContent = status.mean;
      $("datasets-mean-image").src = "/api/datasets/mean.png?" + new URLSearchParams({ path: status.mean });
      $("datasets-channel-means").textContent = "mean_value of each channel (B, G, R, or gray): " +
        status.channelMeans.map(v => v.toFixed(4)).join(", ");
    } else {
      $("datasets-mean").hidden = true;
    }
    return over;
  }

  function watch(id) {
    clearInterval(timer);
    $("datasets-stop").onclick = () => layernet.post(`/api/datasets/jobs/${encodeURIComponent(id)}/stop`).catch(() => {});
    timer = setInterval(async () => {
      try {
        if (show(await layernet.get(`/api/datasets/jobs/${encodeURIComponent(id)}`))) {
          clearInterval(timer);
          $("datasets-start").disabled = false;
        }
      } catch (error) {
        clearInterval(timer);
        $("datasets-start").disabled = false;
        layernet.fail($("datasets-job-error"), error.message);
      }
    }, 250);
  }

  async function start(event) {
    event.preventDefault();
    $("datasets-error").hidden = true;
    $("datasets-start").disabled = true;
    try {
      const status = await layernet.post("/api/datasets/jobs", request());
      show(status);
      watch(status.id);
    } catch (error) {
      $("datasets-start").disabled = false;
      layernet.fail($("datasets-error"), error.message);
    }
  }

  async function load() {
    const choices = await layernet.get("/api/datasets/files");
    layernet.options($("datasets-folder"), choices.folders, null, "(the root)");
    layernet.options($("datasets-list"), choices.lists, null);
    $("datasets-form").addEventListener("submit", start);
  }

  load().catch(error => layernet.fail($("datasets-error"), error.message));
})();
