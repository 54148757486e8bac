// The Playground page's script: starts Pyodide (the runtime `broadcasting docs build
// --playground` put next to the site), unpacks this package into its file system, and shows
// broadcasting.docs.playground.render_view(expression) as the reader types. No rule of
// broadcasting is written here: every word of the output comes from the Python package.
(function () {
  "use strict";
  const script = document.currentScript;
  const runtime = new URL(script.dataset.runtime, script.src);
  const input = document.getElementById("bc-input");
  const output = document.getElementById("bc-output");
  const DEBOUNCE_MS = 120;
  // what the tests and the benchmark read: times in ms (first result: since navigation)
  const stats = (window.bcPlayground = {
    firstResultMs: null, lastMs: null, count: 0, phases: {}, show: null,
  });
  const phase = (name) => { stats.phases[name] = Math.round(performance.now()); };

  function note(id) {
    output.dataset.state = "unavailable";
    output.replaceChildren();
    document.getElementById(id).hidden = false;
  }

  function message(text, state) {
    const p = document.createElement("p");
    p.className = "bc-error";
    p.textContent = text;
    output.replaceChildren(p);
    output.dataset.state = state;
  }

  function fail(text) {
    message(text, "failed");
  }

  function loadScript(url) {
    return new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = url;
      s.onload = resolve;
      s.onerror = () => reject(new Error("could not load " + url));
      document.head.appendChild(s);
    });
  }

  async function fetchBytes(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(url + ": HTTP " + response.status);
    return response.arrayBuffer();
  }

  function fragment() {
    try {
      return decodeURIComponent(location.hash.slice(1));
    } catch (err) {
      return location.hash.slice(1);
    }
  }

  function makeShow(renderView) {
    return function show(text) {
      const start = performance.now();
      try {
        const view = renderView(text);
        const error = view.error;
        if (error === undefined || error === null) {
          output.innerHTML = view.html;
          output.dataset.state = text.trim() ? "ready" : "empty";
        } else {
          message(error, "error");
        }
        view.destroy();
      } catch (err) {
        // a bug, not the reader's mistake: its last line here, the whole trace in the console
        console.error(err);
        const lines = String(err.message || err).trim().split("\n");
        message("internal error (please report it): " + lines[lines.length - 1], "failed");
      }
      output.dataset.expression = text;
      void output.offsetHeight; // lay the view out (MathML, SVG) before the clock stops
      const ms = performance.now() - start;
      stats.lastMs = ms;
      stats.count += 1;
      if (stats.firstResultMs === null) stats.firstResultMs = performance.now();
      return ms;
    };
  }

  function keepInAddress(text) {
    const hash = "#" + encodeURIComponent(text);
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }

  function wire(show) {
    let timer = null;
    const update = () => {
      clearTimeout(timer);
      timer = null;
      show(input.value);
      keepInAddress(input.value);
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(update, DEBOUNCE_MS);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") update();
    });
    for (const button of document.querySelectorAll(".bc-example")) {
      button.addEventListener("click", () => {
        input.value = button.dataset.expr;
        update();
      });
    }
    window.addEventListener("hashchange", () => {
      const text = fragment();
      if (text && text !== input.value) {
        input.value = text;
        show(text);
      }
    });
  }

  async function start() {
    if (location.protocol === "file:") return note("bc-note-file");
    if (typeof WebAssembly !== "object") return fail("This browser cannot run WebAssembly.");
    const loaded = loadScript(new URL("pyodide.js", runtime)); // meanwhile
    loaded.catch(() => null); // (awaited below, once the runtime is known to be there)
    let manifest;
    try {
      const response = await fetch(new URL("runtime.json", runtime));
      if (!response.ok) return note("bc-note-missing");
      manifest = await response.json();
    } catch (err) {
      return note("bc-note-missing");
    }
    phase("manifest");
    const zip = fetchBytes(new URL(manifest.package, runtime));
    await loaded;
    phase("script");
    const pyodide = await window.loadPyodide({ indexURL: runtime.href });
    phase("pyodide");
    pyodide.unpackArchive(await zip, "zip", { extractDir: "/home/pyodide/site" });
    pyodide.runPython("import sys; sys.path.insert(0, '/home/pyodide/site')");
    const module = pyodide.pyimport("broadcasting.docs.playground");
    phase("import");
    const show = makeShow(module.render_view);
    stats.show = show;
    const text = fragment() || input.value || script.dataset.default;
    input.value = text;
    show(text);
    wire(show);
  }

  start().catch((err) => {
    console.error(err);
    fail("The playground could not start: " + String(err.message || err).split("\n")[0]);
  });
})();
