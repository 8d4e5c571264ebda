// reglab explore: the page. Controls ask the server (POST /api/train) for a path of models around the chosen
// strength; each model arrives as one JSON line and is kept here, so the λ and epoch sliders redraw from what the
// page holds, without asking the server. No library: canvas 2-D drawing only.
"use strict";

const GROUPS = {
  data: ["data", "noise", "n", "validation_split", "standardize"], network: ["layers", "width", "activation"],
  training: ["optimizer", "learning_rate", "batch_size", "epochs"],
  regularization: ["regularizer", "strength", "l1_ratio", "seeds"],
};
const LABELS = {validation_split: "validation split", learning_rate: "learning rate", batch_size: "batch size",
                strength: "λ / rate", l1_ratio: "L1 ratio", n: "samples"};
const CLASS_COLORS = ["#3b6fb6", "#d1495b", "#2a9d8f", "#e9c46a", "#8d6cab", "#6c757d", "#f4a261", "#264653",
                      "#a3b18a", "#bc4749"];
const TRAIN = "#1f77b4", VAL = "#ff7f0e", PENALTY = "#555";

const state = {table: null, controls: {}, csv: null, scene: null, models: [], lam: 0, epoch: -1, seed: 0,
               busy: null, started: performance.now(), exportKind: null};
const timings = {firstSurface: null, firstModel: null, lastModel: null, requestStart: null, redraws: []};
window.reglab = {state, timings};

// In a notebook the page lives in the widget's iframe and its kernel trains: requests and answers travel as
// messages through the widget (reglab/explore/widget.py, static/widget.js) instead of HTTP.
const kernel = window.REGLAB_WIDGET ? widgetBridge() : null;

function widgetBridge() {
  const waiting = {table: null, lines: null};
  window.addEventListener("message", (event) => {
    const m = event.data;
    if (!m || !m.reglab) return;
    if (m.reglab === "table" && waiting.table) waiting.table(m.table);
    else if (m.reglab === "line" && waiting.lines) waiting.lines(m.message);
    else if (m.reglab === "apply") apply(m.controls);
  });
  return {
    table: () => new Promise((resolve) => { waiting.table = resolve; parent.postMessage({reglab: "controls"}, "*"); }),
    train: (body, lines) => { waiting.lines = lines; parent.postMessage({reglab: "train", body}, "*"); },
    view: (view) => parent.postMessage({reglab: "view", view}, "*"),
  };
}

function apply(controls) {  // controls set from Python: shown, and trained unless they are what the page shows
  if (Object.keys(controls).every((name) => controls[name] === state.controls[name])) return;
  showControls(controls);
  start(controls);
}

const $ = (id) => document.getElementById(id);

function b64(text, Type) {
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  return Type === Uint8Array ? bytes : new Type(bytes.buffer);
}

// ---- controls and the URL ----------------------------------------------------------------------------------------

function buildControls(table) {
  for (const [group, names] of Object.entries(GROUPS)) {
    const box = $("f-" + group);
    for (const name of names) {
      const spec = table.controls[name];
      const label = document.createElement("label");
      label.textContent = LABELS[name] || name.replace("_", " ");
      let input;
      if (spec.kind === "choice") {
        input = document.createElement("select");
        const kinds = name === "regularizer" ? table.regularizers : {};  // the server's labels of its kinds
        for (const option of spec.allowed) {
          const item = new Option(kinds[option] ? kinds[option].label : option.replace("_", " "), option);
          if (kinds[option]) item.title = kinds[option].help;
          input.add(item);
        }
      } else {
        input = document.createElement("input");
        input.type = "number";
        input.step = "any";
      }
      input.id = "c-" + name;
      input.name = name;
      input.addEventListener("change", () => controlChanged(name));
      label.appendChild(input);
      box.appendChild(label);
    }
  }
}

function readControls() {
  const out = {};
  for (const name of Object.keys(state.table.controls)) {
    const input = $("c-" + name), kind = state.table.controls[name].kind;
    out[name] = kind === "choice" ? input.value : Number(input.value);
  }
  return out;
}

function showControls(values) {
  for (const [name, value] of Object.entries(values)) {
    const input = $("c-" + name);
    if (input) input.value = value;
  }
  if (!state.table) return;  // a saved page has no controls
  const generated = state.table.generated.includes(values.data);
  $("c-n").disabled = !generated;
  $("c-noise").disabled = !(values.data in state.table.noise);  // a generator without noise has none to set
  $("c-l1_ratio").disabled = !state.table.regularizers[values.regularizer].ratio;
}

function controlChanged(name) {
  const values = readControls();
  if (name === "data" && values.data in state.table.noise) {
    values.noise = state.table.noise[values.data];  // each generator's own default noise
  }
  if (name === "regularizer") {  // a strength stays where the new kind's scale is the old one's, else its default
    const kinds = state.table.regularizers, now = kinds[values.regularizer], before = kinds[state.controls.regularizer];
    if (now.scale && (!before || before.scale !== now.scale)) values.strength = now.default;
  }
  if (name === "data" && values.data !== "csv") state.csv = null;
  if (values.data === "csv" && !state.csv) {
    status("choose a CSV file (a header row, numeric inputs and a column named label)", false);
    showControls(values);
    state.controls = values;
    return;
  }
  showControls(values);
  start(values);
}

function fromHash() {
  const params = new URLSearchParams(location.hash.slice(1)), values = {};
  for (const [name, spec] of Object.entries(state.table ? state.table.controls : {})) {
    values[name] = params.has(name) ? (spec.kind === "choice" ? params.get(name) : Number(params.get(name)))
      : spec.default;
  }
  if (params.has("family")) values.family = params.get("family");  // a saved page's path and its axes' values
  for (const [key, value] of params) if (key.startsWith("axis.")) values[key] = value;
  return {values, lam: params.has("lam") ? Number(params.get("lam")) : null,
          epoch: params.has("epoch") ? Number(params.get("epoch")) : null,
          seed: params.has("seed") ? Number(params.get("seed")) : null};
}

function toHash() {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(state.controls)) params.set(name, value);
  if (state.static) {
    params.set("family", $("family").value);
    for (const pick of document.querySelectorAll("select[data-axis]")) params.set("axis." + pick.dataset.axis,
                                                                                   pick.value);
  }
  params.set("lam", state.lam);
  params.set("seed", state.seed);
  params.set("epoch", state.epoch);
  if (kernel) kernel.view({lam: state.lam, seed: state.seed, epoch: state.epoch});
  try {
    history.replaceState(null, "", "#" + params.toString());
  } catch (err) {}  // a page inline in a notebook (an iframe's srcdoc) has no address of its own to keep
}

// ---- training requests -------------------------------------------------------------------------------------------

function status(text, error) {
  const box = $("status");
  box.textContent = text;
  box.className = error ? "error" : "";
}

async function start(values, keep) {
  if (state.busy) state.busy.abort();  // a newer change cancels the older work (the server stops on disconnect)
  const busy = new AbortController();
  state.busy = busy;
  timings.requestStart = performance.now();
  timings.firstModel = timings.lastModel = null;
  status("training…", false);
  const body = {controls: values};
  if (values.data === "csv" && state.csv) body.csv = state.csv;
  if (kernel) {  // the kernel answers with the same messages the server streams, an error as one of them
    state.controls = values;
    kernel.train(body, (message) => { if (state.busy === busy) receive(message, keep); });
    return;
  }
  let response;
  try {
    response = await fetch("api/train", {method: "POST", body: JSON.stringify(body), signal: busy.signal,
                                         headers: {"Content-Type": "application/json"}});
  } catch (err) {
    if (busy.signal.aborted) return;
    status("the server did not answer: " + err, true);
    return;
  }
  if (!response.ok) {
    const answer = await response.json().catch(() => ({error: response.statusText}));
    if (state.busy === busy) status(answer.error, true);
    return;
  }
  state.controls = values;
  const reader = response.body.getReader(), decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const {value, done} = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, {stream: true});
      let cut;
      while ((cut = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 1);
        if (state.busy !== busy) return;
        receive(JSON.parse(line), keep);
      }
    }
  } catch (err) {
    if (!busy.signal.aborted) status("the stream broke off: " + err, true);
  }
}

function receive(message, keep) {
  if (message.type === "scene") {
    state.scene = message;
    state.models = [];
    $("data-line").textContent = message.data;
    const lambda = $("lambda");
    lambda.max = message.strengths.length - 1;
    const middle = Math.floor(message.strengths.length / 2);
    state.lam = keep && keep.lam !== null && keep.lam <= lambda.max ? keep.lam : middle;
    lambda.value = state.lam;
    state.epoch = keep && keep.epoch !== null ? keep.epoch : -1;
    const seeds = message.seeds || [0], seed = $("seed");  // the seed drawn; the path shows means over seeds
    seed.replaceChildren(...seeds.map((s) => new Option(String(s), String(s))));
    state.seed = keep && keep.seed !== null && seeds.includes(keep.seed) ? keep.seed : seeds[0];
    seed.value = String(state.seed);
    seed.disabled = seeds.length < 2;
    // the inputs already show what was asked (and a person may be editing one now): a late answer leaves them
    toHash();
    redraw();
  } else if (message.type === "model") {
    if (message.history) message.decoded = decode(message);  // a sweep's other seeds bring their figures only
    state.models[message.index] = message;
    const now = performance.now() - timings.requestStart;
    if (timings.firstModel === null) timings.firstModel = now;
    const arrived = state.models.filter(Boolean).length, total = state.scene.models.length;
    status(`trained ${arrived} of ${total} models`, false);
    const current = modelAt(state.lam);
    if (current === message) redraw();
    else drawPath();
  } else if (message.type === "progress") {  // the running models' epochs, as their chunks end
    const arrived = state.models.filter(Boolean).length, total = state.scene.models.length;
    status(`trained ${arrived} of ${total} models (${message.epochs.toLocaleString()} of ` +
           `${message.total.toLocaleString()} epochs)`, false);
  } else if (message.type === "done") {
    timings.lastModel = performance.now() - timings.requestStart;
    status(`${state.scene.models.length} models trained in ${message.seconds.toFixed(1)} s`, false);
  } else if (message.type === "error") {
    status(message.message, true);
  }
}

function decode(m) {
  const history = {};
  for (const [key, text] of Object.entries(m.history)) history[key] = b64(text, Float32Array);
  const params = m.params.map((layer) => ({shape: layer.shape, kernel: b64(layer.kernel, Float32Array),
                                           bias: b64(layer.bias, Float32Array)}));
  return {history, params, surface: b64(m.surface, Uint8Array), winner: m.winner ? b64(m.winner, Uint8Array) : null};
}

function modelAt(lam) {
  const strength = state.scene.strengths[lam];
  return state.models.find((m) => m && m.strength === strength && m.seed === state.seed) || null;
}

// ---- drawing -----------------------------------------------------------------------------------------------------

function redraw() {
  const began = performance.now();
  const model = state.scene && modelAt(state.lam);
  const lambdaValue = state.scene ? state.scene.strengths[state.lam] : null;
  $("lambda-value").textContent = lambdaValue === null ? "–"
    : `${state.scene.controls.regularizer} ${fmt(lambdaValue)}`;
  if (model) {
    // A model kept at snapshots: the slider walks them. One kept at its last epoch only (a sweep's): the slider
    // walks every epoch for the loss curves and the figures, and the drawings stay at the last epoch.
    const epoch = $("epoch"), finalOnly = model.snapshot_epochs.length === 1;
    epoch.max = finalOnly ? model.epochs - 1 : model.snapshot_epochs.length - 1;
    const at = state.epoch < 0 || state.epoch > Number(epoch.max) ? Number(epoch.max) : state.epoch;
    const j = finalOnly ? 0 : at, shown = finalOnly ? at + 1 : model.snapshot_epochs[j];
    epoch.value = at;
    $("epoch-value").textContent = `${shown} of ${model.epochs}` + (finalOnly ? " (drawings: the last epoch)" : "");
    drawSurface(model, j);
    drawLoss(model, shown);
    drawHistogram(model, j);
    drawNetwork(model);
    drawUnits(model);
    readout(model, j, shown);
    if (timings.firstSurface === null) timings.firstSurface = performance.now() - state.started;
  } else if (state.scene) {
    drawSurface(null, 0);
  }
  drawPath();
  showExport();
  return performance.now() - began;
}

function fmt(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(2) : Number(v.toPrecision(4)).toString();
}

function readout(model, j, epoch) {
  const h = model.decoded.history, at = (k) => h[k] ? h[k][epoch - 1] : null;
  const n = state.scene.val.y.length;
  $("r-name").textContent = model.name;
  const last = model.final.final_epoch;
  $("r-epoch").textContent = `${epoch}` + (last !== model.epochs ? ` (final ${last})` : "");
  $("r-data_loss").textContent = fmt(at("data_loss"));
  $("r-val_data_loss").textContent = fmt(at("val_data_loss"));
  $("r-penalty").textContent = fmt(at("penalty"));
  $("r-accuracy").textContent = fmt(at("accuracy"));
  const va = at("val_accuracy");
  $("r-val_accuracy").textContent = va === null || Number.isNaN(va) ? "–"
    : `${fmt(va)} (${Math.round(va * n)} of ${n})`;
  const total = model.hist.counts[j].reduce((a, b) => a + b, 0) + model.hist.zeros[j];
  $("r-zeros").textContent = `${(100 * model.hist.zeros[j] / total).toFixed(1)}% (${model.hist.zeros[j]} of ${total})`;
  const length = model.final.boundary_length;
  $("r-boundary").textContent = length === undefined ? "–" : `${length.toFixed(2)} (last epoch)`;
  $("r-architecture").textContent = model.architecture.join(" → ");
}

function plotArea(canvas, m = {l: 46, r: 10, t: 10, b: 28}) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  return {ctx, x0: m.l, x1: canvas.width - m.r, y0: m.t, y1: canvas.height - m.b};
}

function mix(a, b, t) {
  return a.map((v, i) => Math.round(v + (b[i] - v) * t));
}
const BLUE = [59, 111, 182], WHITE = [247, 247, 247], RED = [209, 73, 91];

function drawSurface(model, j) {
  const canvas = $("surface"), ctx = canvas.getContext("2d"), s = state.scene, g = s.grid;
  const [[x0, x1], [y0, y1]] = s.window, W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const toX = (x) => (x - x0) / (x1 - x0) * W, toY = (y) => H - (y - y0) / (y1 - y0) * H;
  if (model) {
    const cells = model.decoded.surface.subarray(j * g * g, (j + 1) * g * g);
    const winner = model.decoded.winner && model.decoded.winner.subarray(j * g * g, (j + 1) * g * g);
    const image = new ImageData(g, g);
    for (let row = 0; row < g; row++) {
      for (let col = 0; col < g; col++) {
        const p = cells[row * g + col] / 255, at = ((g - 1 - row) * g + col) * 4;  // row 0 is the bottom
        let rgb;
        if (winner) {
          const k = s.classes.length, hex = CLASS_COLORS[winner[row * g + col] % 10];
          const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
          rgb = mix(WHITE, c, 0.25 + 0.6 * (p - 1 / k) / (1 - 1 / k));
        } else {
          rgb = mix(WHITE, p < 0.5 ? BLUE : RED, 0.6 * Math.abs(2 * p - 1));  // light: the points keep their colour
        }
        image.data.set([...rgb, 255], at);
      }
    }
    const tile = document.createElement("canvas");
    tile.width = tile.height = g;
    tile.getContext("2d").putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    // grid points are cell centres at the window's edges: stretch the image half a cell beyond the window
    const half = 0.5 / (g - 1);
    ctx.drawImage(tile, -half * W, -half * H, W * (1 + 2 * half), H * (1 + 2 * half));
    if (!winner) contour(ctx, cells, g, W, H);
  }
  for (const [part, marker] of [["train", "circle"], ["val", "triangle"]]) {
    const {xy, y} = s[part];
    for (let i = 0; i < y.length; i++) {
      ctx.fillStyle = CLASS_COLORS[y[i] % 10];
      ctx.strokeStyle = marker === "circle" ? "#000" : "#fff";
      ctx.lineWidth = 1;
      const px = toX(xy[i][0]), py = toY(xy[i][1]);
      ctx.beginPath();
      if (marker === "circle") ctx.arc(px, py, 4, 0, 2 * Math.PI);
      else { ctx.moveTo(px, py - 6); ctx.lineTo(px + 5, py + 4); ctx.lineTo(px - 5, py + 4); ctx.closePath(); }
      ctx.fill();
      ctx.stroke();
    }
  }
  ctx.fillStyle = "#333";
  ctx.font = "11px system-ui";
  ctx.fillText(`${s.axes[0]} ${fmt(x0)} … ${fmt(x1)}`, 6, H - 6);
  ctx.save(); ctx.translate(12, H - 90); ctx.rotate(-Math.PI / 2);
  ctx.fillText(`${s.axes[1]} ${fmt(y0)} … ${fmt(y1)}`, 0, 0); ctx.restore();
}

function contour(ctx, cells, g, W, H) {
  // marching squares on P = 0.5 (128 of 255), linear interpolation along cell edges
  const v = (r, c) => cells[r * g + c] - 127.5, X = (c) => c / (g - 1) * W, Y = (r) => H - r / (g - 1) * H;
  ctx.strokeStyle = "#000";
  ctx.lineWidth = 1.6;
  ctx.beginPath();
  for (let r = 0; r < g - 1; r++) {
    for (let c = 0; c < g - 1; c++) {
      const corners = [[r, c], [r, c + 1], [r + 1, c + 1], [r + 1, c]], points = [];
      for (let e = 0; e < 4; e++) {
        const [ra, ca] = corners[e], [rb, cb] = corners[(e + 1) % 4], a = v(ra, ca), b = v(rb, cb);
        if ((a < 0) !== (b < 0)) {
          const t = a / (a - b);
          points.push([X(ca + (cb - ca) * t), Y(ra + (rb - ra) * t)]);
        }
      }
      for (let k = 0; k + 1 < points.length; k += 2) {
        ctx.moveTo(...points[k]);
        ctx.lineTo(...points[k + 1]);
      }
    }
  }
  ctx.stroke();
}

function logRange(arrays) {
  let lo = Infinity, hi = -Infinity;
  for (const a of arrays) {
    for (const v of a) if (v > 0 && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  }
  if (!Number.isFinite(lo)) return [1e-3, 1];
  return [Math.log10(lo) - 0.05, Math.log10(hi) + 0.05];
}

function axes(ctx, area, xlabel, ylabel) {
  ctx.strokeStyle = "#999";
  ctx.lineWidth = 1;
  ctx.strokeRect(area.x0, area.y0, area.x1 - area.x0, area.y1 - area.y0);
  ctx.fillStyle = "#333";
  ctx.font = "11px system-ui";
  ctx.fillText(xlabel, (area.x0 + area.x1) / 2 - ctx.measureText(xlabel).width / 2, area.y1 + 22);
  if (ylabel) { ctx.save(); ctx.translate(11, (area.y0 + area.y1) / 2 + ctx.measureText(ylabel).width / 2);
    ctx.rotate(-Math.PI / 2); ctx.fillText(ylabel, 0, 0); ctx.restore(); }
}

function logTicks(ctx, area, lo, hi, toY) {
  ctx.fillStyle = "#333";
  ctx.font = "10px system-ui";
  for (let d = Math.ceil(lo); d <= Math.floor(hi); d++) {
    const y = toY(d);
    ctx.fillText(`1e${d}`, area.x0 - 34, y + 3);
    ctx.strokeStyle = "#eee";
    ctx.beginPath(); ctx.moveTo(area.x0, y); ctx.lineTo(area.x1, y); ctx.stroke();
  }
}

function drawLoss(model, epoch) {
  const area = plotArea($("loss")), ctx = area.ctx, h = model.decoded.history, n = model.epochs;
  const keys = [["data_loss", TRAIN, []], ["val_data_loss", VAL, []], ["penalty", PENALTY, [4, 3]]]
    .filter(([k]) => h[k]);
  const [lo, hi] = logRange(keys.map(([k]) => h[k]));
  const toX = (e) => area.x0 + (e - 1) / Math.max(1, n - 1) * (area.x1 - area.x0);
  const toY = (l) => area.y1 - (l - lo) / (hi - lo) * (area.y1 - area.y0);
  logTicks(ctx, area, lo, hi, toY);
  const step = Math.max(1, Math.floor(n / 600));
  for (const [k, color, dash] of keys) {
    ctx.strokeStyle = color; ctx.setLineDash(dash); ctx.lineWidth = 1.2; ctx.beginPath();
    let on = false;
    for (let e = 1; e <= n; e += step) {
      const v = h[k][e - 1];
      if (!(v > 0)) { on = false; continue; }
      const x = toX(e), y = toY(Math.log10(v));
      if (on) ctx.lineTo(x, y); else ctx.moveTo(x, y);
      on = true;
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
  ctx.strokeStyle = "#000";
  ctx.beginPath(); ctx.moveTo(toX(epoch), area.y0); ctx.lineTo(toX(epoch), area.y1); ctx.stroke();
  axes(ctx, area, `epoch (1 … ${n})`, "loss");
}

function drawHistogram(model, j) {
  const area = plotArea($("histogram"), {l: 46, r: 10, t: 16, b: 28}), ctx = area.ctx;
  const {edges, counts, zeros} = model.hist, c = counts[j], z = zeros[j];
  const bars = [z, ...c], top = Math.log10(Math.max(...bars, 1) + 1), gap = 3;  // slots between 0 and the bins
  const w = (area.x1 - area.x0) / (bars.length + gap), slot = (i) => area.x0 + (i === 0 ? 0 : i - 1 + gap) * w;
  bars.forEach((count, i) => {
    const height = Math.log10(count + 1) / top * (area.y1 - area.y0);
    ctx.fillStyle = i === 0 ? "#c0392b" : "#4c72b0";
    ctx.fillRect(slot(i), area.y1 - height, w - 1, height);
  });
  ctx.fillStyle = "#333"; ctx.font = "10px system-ui";
  const centred = (text, x) => ctx.fillText(text, x - ctx.measureText(text).width / 2, area.y1 + 12);
  centred("0", slot(0) + w / 2);
  for (let i = 0; i < edges.length; i += 6) centred(`1e${edges[i]}`, slot(i + 1));  // the bin's left edge
  ctx.fillText(`exact zeros: ${z}`, area.x0 + 4, area.y0 - 4);
  axes(ctx, area, "", "weights (log count)");
}

function activation(name) {
  return {relu: (x) => Math.max(0, x), tanh: Math.tanh, sigmoid: (x) => 1 / (1 + Math.exp(-x)), linear: (x) => x,
          gelu: (x) => 0.5 * x * (1 + Math.tanh(0.7978845608 * (x + 0.044715 * x * x * x)))}[name];
}

function drawNetwork(model) {
  const canvas = $("network"), ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const params = model.decoded.params, sizes = [params[0].shape[0], ...params.map((p) => p.shape[1])];
  const live = [...model.live, new Array(sizes[sizes.length - 1]).fill(1)];
  const xs = sizes.map((_, i) => 40 + i * (W - 80) / (sizes.length - 1));
  const ys = sizes.map((n) => Array.from({length: n}, (_, k) => n === 1 ? H / 2 : 14 + k * (H - 28) / (n - 1)));
  let max = 0;
  for (const p of params) for (const w of p.kernel) max = Math.max(max, Math.abs(w));
  ctx.lineWidth = 1;
  params.forEach((p, l) => {
    const [a, b] = p.shape;
    for (let i = 0; i < a; i++) {
      for (let j = 0; j < b; j++) {
        const w = p.kernel[i * b + j];
        if (w === 0) continue;  // exact zeros are absent
        const alpha = Math.min(1, Math.abs(w) / max * 1.5);
        if (alpha < 0.02) continue;
        ctx.strokeStyle = w > 0 ? `rgba(209,73,91,${alpha})` : `rgba(59,111,182,${alpha})`;
        ctx.beginPath(); ctx.moveTo(xs[l], ys[l][i]); ctx.lineTo(xs[l + 1], ys[l + 1][j]); ctx.stroke();
      }
    }
  });
  sizes.forEach((n, l) => {
    const spacing = n > 1 ? (H - 28) / (n - 1) : H;
    for (let k = 0; k < n; k++) {
      ctx.fillStyle = live[l][k] ? "#222" : "#bbb";
      if (spacing < 9) {  // too close for dots, which would merge into a bar: a tick a unit, with gaps between
        const h = Math.max(1, Math.floor(spacing / 2));  // whole pixels: crisp ticks and gaps
        ctx.fillRect(xs[l] - 5, Math.round(ys[l][k] - h / 2), 10, h);
      } else {
        ctx.beginPath(); ctx.arc(xs[l], ys[l][k], 4, 0, 2 * Math.PI); ctx.fill();
      }
    }
  });
  $("network-caption").textContent = `The network at its last epoch: ${sizes.join(" → ")} units (a wide layer's ` +
    `as ticks), live ${model.architecture.join(" → ")}; edges by |w| (red positive, blue negative), exact zeros ` +
    "absent, dead units (no non-zero path to the output) grey.";
}

function drawUnits(model) {
  const canvas = $("units"), ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height, s = state.scene;
  ctx.clearRect(0, 0, W, H);
  const p = model.decoded.params[0], [d, units] = p.shape;
  if (model.decoded.params.length < 2) { ctx.fillText("no hidden layer", 10, 20); return; }
  const cols = Math.ceil(Math.sqrt(units * W / H)), rows = Math.ceil(units / cols);
  const size = Math.floor(Math.min(W / cols, H / rows));
  const g = Math.max(8, Math.min(20, size - 2)), act = activation(model.activation);
  const [[x0, x1], [y0, y1]] = s.window, basis = s.basis, mean = s.mean;
  const tile = document.createElement("canvas");
  tile.width = tile.height = g;
  const tctx = tile.getContext("2d"), counts = {varying: 0, flat: 0, dead: 0};
  for (let u = 0; u < units; u++) {
    const values = new Float32Array(g * g);
    let lo = Infinity, hi = -Infinity;
    for (let r = 0; r < g; r++) {
      for (let c = 0; c < g; c++) {
        const a = x0 + (x1 - x0) * c / (g - 1), b = y1 - (y1 - y0) * r / (g - 1);
        let z = p.bias[u];
        for (let i = 0; i < d; i++) {
          const xi = basis ? mean[i] + a * basis[i][0] + b * basis[i][1] : (i === 0 ? a : b);
          z += xi * p.kernel[i * units + u];
        }
        const v = act(z);
        values[r * g + c] = v; lo = Math.min(lo, v); hi = Math.max(hi, v);
      }
    }
    // grey: dead, no live path (as "live units" counts); pale yellow: live, but constant on this plane (a ReLU
    // that never fires here may fire off the plane, where the other inputs differ from the data's mean)
    const image = tctx.createImageData(g, g), dead = !model.live[1][u], flat = !dead && hi - lo < 1e-6;
    dead ? counts.dead++ : flat ? counts.flat++ : counts.varying++;
    for (let k = 0; k < g * g; k++) {
      const t = hi > lo ? (values[k] - lo) / (hi - lo) : 0;
      const rgb = dead ? [205, 205, 205] : flat ? [246, 236, 200] : mix([255, 255, 255], [40, 40, 40], t);
      image.data.set([...rgb, 255], k * 4);
    }
    tctx.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(tile, (u % cols) * size, Math.floor(u / cols) * size, size - 2, size - 2);
  }
  const [plane, off] = basis ? ["the plane of the first two principal components", "off the plane"]
    : ["the window drawn", "outside it"];
  $("units-caption").textContent = `First hidden layer: each unit's activation over ${plane} (last epoch, dark: ` +
    `high). Of ${units} units, ${counts.varying} vary here, ${counts.flat} are live but constant here (pale ` +
    `yellow: they may vary ${off}) and ${counts.dead} are dead (grey: no non-zero path to the output); ` +
    `"live units" counts the ${units - counts.dead} not dead.`;
}

function drawPath() {
  if (!state.scene) return;
  const canvas = $("path"), ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const strengths = state.scene.strengths;
  const linear = !state.scene.log || strengths.length < 2;
  const mean = (s, pick) => {
    const values = state.models.filter((m) => m && m.strength === s).map(pick)
      .filter((v) => v !== null && v !== undefined);
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
  };
  const panels = [
    ["data loss (log)", [["val_data_loss", VAL], ["data_loss", TRAIN]], true],
    ["accuracy", [["val_accuracy", VAL], ["accuracy", TRAIN]], false],
    ["exact zeros", [["zeros", "#2a9d8f"]], false],
    ["boundary length", [["boundary_length", "#264653"]], false],
  ];
  const pw = W / panels.length;
  const xv = (s) => linear ? s : Math.log10(s);
  const xl = xv(strengths[0]), xh = xv(strengths[strengths.length - 1]);
  panels.forEach(([title, series, log], k) => {
    const area = {x0: k * pw + 44, x1: (k + 1) * pw - 8, y0: 16, y1: H - 30};
    const pts = series.map(([key, color]) => [color, strengths.map((s) => {
      const v = mean(s, (m) => m.final[key]);
      return v === null ? null : (log ? (v > 0 ? Math.log10(v) : null) : v);
    })]);
    const all = pts.flatMap(([, v]) => v).filter((v) => v !== null);
    let lo = all.length ? Math.min(...all) : 0, hi = all.length ? Math.max(...all) : 1;
    if (!log) { lo = Math.min(lo, 0); hi = Math.max(hi, title === "accuracy" || title === "exact zeros" ? 1 : hi); }
    if (hi - lo < 1e-9) hi = lo + 1;
    const toX = (s) => area.x0 + (xh === xl ? 0.5 : (xv(s) - xl) / (xh - xl)) * (area.x1 - area.x0);
    const toY = (v) => area.y1 - (v - lo) / (hi - lo) * (area.y1 - area.y0);
    ctx.strokeStyle = "#999"; ctx.lineWidth = 1;
    ctx.strokeRect(area.x0, area.y0, area.x1 - area.x0, area.y1 - area.y0);
    ctx.strokeStyle = "#000"; ctx.setLineDash([3, 3]);
    const sx = toX(strengths[state.lam]);
    ctx.beginPath(); ctx.moveTo(sx, area.y0); ctx.lineTo(sx, area.y1); ctx.stroke(); ctx.setLineDash([]);
    for (const [color, values] of pts) {
      ctx.strokeStyle = ctx.fillStyle = color; ctx.lineWidth = 1.5; ctx.beginPath();
      let on = false;
      values.forEach((v, i) => {
        if (v === null) { on = false; return; }
        const x = toX(strengths[i]), y = toY(v);
        if (on) ctx.lineTo(x, y); else ctx.moveTo(x, y);
        on = true;
      });
      ctx.stroke();
      values.forEach((v, i) => {
        if (v !== null) { ctx.beginPath(); ctx.arc(toX(strengths[i]), toY(v), 2.5, 0, 7); ctx.fill(); }
      });
    }
    ctx.fillStyle = "#333"; ctx.font = "11px system-ui";
    ctx.fillText(title, area.x0 + 4, area.y0 - 4);
    if (!all.length && title === "boundary length") {  // measured on a plane of two inputs only
      ctx.fillText("(two inputs only)", area.x0 + 8, (area.y0 + area.y1) / 2);
    }
    ctx.font = "10px system-ui";
    if (series.length > 1) {  // a legend on the title's line, right-aligned, off the data: a short line a series
      let x = area.x1;
      for (const [key, color] of series) {
        const name = key.startsWith("val_") ? "val" : "train";
        x -= ctx.measureText(name).width;
        ctx.strokeStyle = ctx.fillStyle = color; ctx.lineWidth = 2;
        ctx.fillText(name, x, area.y0 - 4);
        ctx.beginPath(); ctx.moveTo(x - 13, area.y0 - 7); ctx.lineTo(x - 3, area.y0 - 7); ctx.stroke();
        x -= 19;
      }
      ctx.fillStyle = "#333";
    }
    ctx.fillText(fmt(log ? 10 ** lo : lo), area.x0 - 40, area.y1);
    ctx.fillText(fmt(log ? 10 ** hi : hi), area.x0 - 40, area.y0 + 8);
    ctx.fillText(fmt(strengths[0]), area.x0, area.y1 + 12);
    const last = fmt(strengths[strengths.length - 1]);
    ctx.fillText(last, area.x1 - ctx.measureText(last).width, area.y1 + 12);
    const label = linear ? state.scene.controls.regularizer.replace("_", " ") : "λ (log)";
    ctx.fillText(label, (area.x0 + area.x1) / 2 - 14, area.y1 + 24);
  });
}

// ---- exports -----------------------------------------------------------------------------------------------------

function showExport() {
  if (!state.exportKind || !state.scene) return;
  const texts = (state.scene.exports[String(state.seed)] || [])[state.lam];
  $("export-text").textContent = texts ? texts[state.exportKind] : "this seed has no model at this strength";
}

// ---- start -------------------------------------------------------------------------------------------------------

function sliders() {
  $("lambda").addEventListener("input", () => {
    state.lam = Number($("lambda").value);
    timings.redraws.push(redraw());
    toHash();
  });
  $("epoch").addEventListener("input", () => {
    state.epoch = Number($("epoch").value);
    timings.redraws.push(redraw());
    toHash();
  });
  $("seed").addEventListener("change", () => {
    state.seed = Number($("seed").value);
    timings.redraws.push(redraw());
    showExport();
    toHash();
  });
  for (const button of document.querySelectorAll("[data-export]")) {
    button.addEventListener("click", () => { state.exportKind = button.dataset.export; showExport(); });
  }
  $("copy-link").addEventListener("click", () => {
    $("export-text").textContent = location.href;
    if (navigator.clipboard) navigator.clipboard.writeText(location.href).catch(() => {});
  });
  $("csv-file").addEventListener("change", async () => {
    const file = $("csv-file").files[0];
    if (!file) return;
    state.csv = {name: file.name, text: await file.text()};
    const values = readControls();
    values.data = "csv";
    showControls(values);
    start(values);
  });
}

function staticPage(data) {
  // A saved page: its models are inside it. The controls give way to a choice of path (one per regularizer), one
  // per further axis of a sweep (its values) and the seed.
  $("controls").hidden = true;
  if (!data.families.length) { status(`${data.title}: every model diverged; nothing to draw`, true); return; }
  const {values, lam, epoch, seed} = fromHash();
  const choices = [["family", "path", (p) => p.family]];
  for (const axis of data.axes || []) choices.push(["axis." + axis, axis, (p) => p.axes[axis]]);
  const picks = choices.map(([key, title, of]) => {
    const pick = document.createElement("select");
    if (key === "family") pick.id = "family"; else pick.dataset.axis = key.slice(5);
    for (const value of new Set(data.families.map(of))) pick.add(new Option(value, value));
    if (data.families.some((p) => of(p) === values[key])) pick.value = values[key];
    const label = document.createElement("label");
    label.textContent = title + " ";
    label.appendChild(pick);
    return [label, pick, of];
  });
  const show = (keep) => {
    const path = data.families.find((p) => picks.every(([, pick, of]) => of(p) === pick.value));
    if (!path) { status("no model of the sweep has these values (every one diverged)", true); return; }
    timings.requestStart = performance.now();
    for (const message of path.messages) receive(message, keep);
    timings.lastModel = performance.now() - timings.requestStart;
    const where = Object.entries(path.axes || {}).map(([k, v]) => `${k} ${v}`).join(", ");
    status(`${path.family}${where ? ", " + where : ""}: ${path.messages.length - 1} models; ${data.title}`, false);
  };
  for (const [, pick] of picks) {
    pick.addEventListener("change", () => show({lam: state.lam, epoch: state.epoch, seed: state.seed}));
  }
  document.querySelector(".sliders").prepend(...picks.map(([label]) => label));
  state.static = true;
  sliders();
  show({lam, epoch, seed});
}

async function main() {
  if (window.REGLAB_STATIC) { staticPage(window.REGLAB_STATIC); return; }
  state.table = kernel ? await kernel.table() : await (await fetch("api/controls")).json();
  buildControls(state.table);
  sliders();
  if (kernel) {  // the widget's controls are the kernel's; its own data stand where a CSV file would
    if (state.table.own) state.csv = {name: state.table.own};
    showControls(state.table.current);
    start(state.table.current);
    return;
  }
  const {values, lam, epoch, seed} = fromHash();
  showControls(values);
  if (values.data === "csv") { status("choose a CSV file to train on", false); return; }
  start(values, {lam, epoch, seed});
}

main();
