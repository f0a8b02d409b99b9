// The testing page: task navigation, the work kept per test input, submitting attempts, and the panels.
//
// The page never holds a test output until the server sends it as the answer of a finished input (the
// server decides who may see it). The work on each test input (grid, undo history, action log) is kept in
// memory per input and saved to the browser's storage (work.js), so switching inputs, logging in,
// reloading or reopening the tab finds it again; stored work for a task whose content changed since is
// offered with "Restore / Discard" instead of being restored silently.

import { ApiError, el, get, post, toast } from "./api.js";
import { initAccount } from "./account.js";
import { Editor } from "./editor.js";
import { cloneRows, distance, drawGrid, gridBlock } from "./grids.js";
import { initHelp } from "./help.js";
import { bindKeys } from "./keys.js";
import { fitWorkspace, initTrainFold, markScrollable, onResize, trainCell } from "./layout.js";
import { fillSuggestions, gotoTask, params, setUrl } from "./navigation.js";
import { buildPalette, parseSize, syncTools } from "./toolbar.js";
import { TracesPanel } from "./traces.js";
import { VariationsPanel } from "./variations.js";
import { dropWork, fingerprint, fitLog, loadWork, saveWork, workKey } from "./work.js";

const $ = (id) => document.getElementById(id);

const state = {
  ids: [],
  task: null,
  testIndex: 0,
  key: null, // the storage key of the input being edited
  works: new Map(), // storage key -> the work on that input (editor.js: newWork)
  submitted: {}, // storage key -> grids this page submitted
  pending: null, // {key, work} stored work for a task that changed, waiting for restore / discard
  limits: {}, // GET /api/limits
};

let editor;
let account;
let traces;
let variations;
let help;
let saveTimer = null;

// ---- keeping the work ------------------------------------------------------------------------------
function saveNow() {
  clearTimeout(saveTimer);
  saveTimer = null;
  if (!state.key || !state.task) return;
  const work = state.works.get(state.key);
  if (!work || (work.undo.length === 0 && work.redo.length === 0 && work.log.length <= 1)) return;
  saveWork(state.key, work, fingerprint(state.task, state.testIndex));
}

function scheduleSave() {
  if (!saveTimer) saveTimer = setTimeout(saveNow, 250);
}

function workFor(key) {
  if (state.works.has(key)) return state.works.get(key);
  const stored = loadWork(key);
  if (!stored) return null;
  if (stored.fingerprint === fingerprint(state.task, state.testIndex)) {
    state.works.set(key, stored.work);
    return stored.work;
  }
  state.pending = { key, work: stored.work, saved: stored.saved };
  return null;
}

function showPending() {
  const pending = state.pending && state.pending.key === state.key ? state.pending : null;
  $("restore-banner").hidden = !pending;
  if (pending) {
    const when = pending.saved ? new Date(pending.saved).toLocaleString() : "earlier";
    $("restore-text").textContent = `This task changed since you worked on it (${when}). Restore your earlier drawing?`;
  }
}

function restorePending(keep) {
  const pending = state.pending;
  state.pending = null;
  $("restore-banner").hidden = true;
  if (!pending || pending.key !== state.key) return;
  if (keep) {
    state.works.set(pending.key, pending.work);
    editor.load(state.task.test[state.testIndex].input, pending.work);
    relayout();
    saveNow();
    toast("Your earlier drawing is back");
  } else {
    dropWork(pending.key);
    toast("Discarded the stored drawing");
  }
}

// ---- tasks and inputs ------------------------------------------------------------------------------
async function loadTask(ref, { version = 0, test = 0, push = true } = {}) {
  saveNow();
  let task;
  try {
    task = await get(`/api/tasks/${encodeURIComponent(ref)}?version=${version}`);
  } catch (exc) {
    toast(exc instanceof ApiError && exc.status === 404 ? `No task ${ref}` : exc.message, "error");
    return;
  }
  const same = state.task && state.task.id === task.id && state.task.version === task.version;
  state.task = task;
  if (!same) state.submitted = {};
  state.testIndex = Math.min(Math.max(0, test), task.test.length - 1);
  renderTask();
  setUrl(task, state.testIndex, push);
  traces.open(task.id, task.version);
  variations.setTask(task);
  // other scripts (a discussion link, say) follow the current task without touching this file
  document.body.dataset.taskId = task.id;
  document.body.dataset.taskVersion = task.version;
  document.dispatchEvent(new CustomEvent("arcforge:task", { detail: { id: task.id, version: task.version } }));
}

function renderTask() {
  const task = state.task;
  $("task-label").textContent = `${task.id} · #${task.number} of ${task.total}`;
  document.title = `arcforge · ${task.id}`;
  $("discuss-link").href = `/discuss/${encodeURIComponent(task.id)}${task.version ? `?version=${task.version}` : ""}`;
  $("version-select").replaceChildren(...task.versions.map((v) => el("option", {
    value: v.version,
    text: `v${v.version}${v.transform ? ` (${v.transform})` : ""}${v.retired ? " · retired" : ""}`,
  })));
  $("version-select").value = String(task.version);
  const info = [];
  if (task.provenance) info.push(`derived from v${task.provenance.parent_version} by ${task.provenance.transform}`);
  if (task.signers.length) info.push(`signed by ${task.signers.join(", ")}`);
  if (task.retired) info.push("retired");
  $("version-info").textContent = info.join(" · ");
  $("version-info").classList.toggle("retired", task.retired);
  $("train-count").textContent = `(${task.train.length})`;
  renderTrain();
  renderTest();
}

function renderTrain() {
  const host = $("train-pairs");
  host.replaceChildren(...state.task.train.map((pair, i) => {
    // a swap version's pair whose output is a test output the viewer may not see yet comes withheld
    const output = pair.output || pair.input;
    const { size, stacked } = trainCell(host, { input: pair.input, output });
    return el("div", { class: `pair${stacked ? " stacked" : ""}` },
      gridBlock(pair.input, `Input ${i + 1}`, { size }),
      el("span", { class: "arrow", "aria-hidden": "true", text: stacked ? "↓" : "→" }),
      pair.output ? gridBlock(pair.output, `Output ${i + 1}`, { size })
        : el("p", { class: "withheld", text: `Output ${i + 1} withheld: ${pair.withheld || "not shown to you yet"}` }));
  }));
}

function renderTest() {
  const task = state.task;
  const input = task.test[state.testIndex].input;
  state.key = workKey(task.id, task.version, state.testIndex);
  $("test-index").textContent = `${state.testIndex + 1}/${task.test.length}`;
  $("next-test").disabled = task.test.length < 2;
  $("input-size").textContent = `${input.length}×${input[0].length}`;
  const work = workFor(state.key);
  editor.load(input, work);
  if (!work) state.works.set(state.key, editor.snapshot());
  showPending();
  renderStatus();
}

function currentStatus() {
  return state.task.attempts[state.testIndex];
}

function renderStatus() {
  const status = currentStatus();
  const limit = status.used + status.remaining;
  const done = Boolean(status.done);
  $("attempts").textContent = status.solved
    ? `Solved in ${status.used} attempt${status.used === 1 ? "" : "s"}`
    : `Attempts: ${status.used} of ${limit} used`;
  $("attempts").className = `attempts ${status.solved ? "solved" : done ? "spent" : ""}`;
  $("submit").disabled = done;
  $("locked-note").hidden = !done;
  $("toolbar").classList.toggle("locked", done);
  for (const b of $("toolbar").querySelectorAll("button, input:not([type=checkbox])")) b.disabled = done;
  const answerBox = $("answer");
  answerBox.hidden = !done;
  if (status.answer) {
    answerBox.replaceChildren(el("h3", { text: status.solved ? "Correct answer (you solved it)" : "The answer" }),
      el("div", { class: "grid-host answer-host" }));
  } else if (done) {
    answerBox.replaceChildren(el("h3", { text: "The answer" }),
      el("p", { class: "hint", text: status.answer_shown_when ? `Shown ${status.answer_shown_when}.` : "Not shown here." }));
  } else {
    answerBox.replaceChildren();
  }
  editor.locked = done; // relayout redraws the grids once, with the answer's room accounted for
  editor.outputHost.classList.toggle("locked", done);
  relayout();
}

function relayout() {
  if (!state.task) return;
  const status = currentStatus();
  const grids = [editor.input, editor.grid];
  if (status.answer) grids.push(status.answer);
  const box = fitWorkspace($("io"), grids);
  editor.setBox(box.width, box.height);
  editor.render(true);
  const host = $("answer").querySelector(".answer-host");
  if (host && status.answer) host.replaceChildren(drawGrid(status.answer, { size: editor.cellPx(status.answer), label: "the answer" }));
  $("zoom-level").textContent = `${Math.round(editor.zoom * 100)}%`;
  markScrollable([$("input-host"), $("output-host"), ...(host ? [host] : [])]);
  updateDistance();
}

function updateDistance() {
  const box = $("distance");
  box.hidden = !$("show-distance").checked;
  if (box.hidden || !state.task) return;
  const grid = editor.grid;
  const pct = (d) => `${(100 * d).toFixed(1)}%`;
  const parts = [`vs input: ${pct(distance(grid, editor.input))}`];
  const mine = state.submitted[state.key] || [];
  if (mine.length) parts.push(`vs your last attempt: ${pct(distance(grid, mine[mine.length - 1]))}`);
  const answer = currentStatus().answer;
  if (answer) {
    parts.push(`vs answer: ${pct(distance(grid, answer))}`);
    mine.forEach((g, i) => parts.push(`attempt ${i + 1} vs answer: ${pct(distance(g, answer))}`));
  } else {
    parts.push("vs answer: shown once your attempts are done");
  }
  box.textContent = `Cells differing — ${parts.join(" · ")}`;
}

async function submit() {
  const task = state.task;
  if (currentStatus().done) return;
  const grid = cloneRows(editor.grid);
  const key = state.key;
  try {
    const data = await post(`/api/tasks/${encodeURIComponent(task.id)}/versions/${task.version}/attempts`, {
      test_index: state.testIndex, grid, actions: fitLog(editor.log, state.limits.action_log?.max_bytes),
    });
    (state.submitted[key] ||= []).push(grid);
    task.attempts[state.testIndex] = data.status;
    $("verdict").textContent = data.correct ? "✔ Correct!" : "✘ Not quite";
    $("verdict").className = `verdict ${data.correct ? "good" : "bad"}`;
    toast(data.correct ? "Correct!" : data.status.remaining ? "Wrong answer: one more attempt" : "Wrong answer: no attempts left",
      data.correct ? "good" : "error");
    renderStatus();
    saveNow();
  } catch (exc) {
    toast(exc.message, "error");
  }
}

// ---- toolbar -----------------------------------------------------------------------------------------
function syncToolbar(what) {
  syncTools(editor, what);
  if (what === "grid") {
    updateDistance();
    scheduleSave();
  }
}

function resizeFromInput(event) {
  event.preventDefault();
  const size = parseSize($("resize-input").value);
  if (!size) {
    toast("Size is HxW with each between 1 and 30, e.g. 5x7", "error");
    return;
  }
  editor.resize(...size);
  relayout();
}

function nextTest() {
  if (!state.task || state.task.test.length < 2) return;
  saveNow();
  state.testIndex = (state.testIndex + 1) % state.task.test.length;
  $("verdict").textContent = "";
  renderTest();
  setUrl(state.task, state.testIndex, false);
}

function setTab(name) {
  for (const tab of document.querySelectorAll("[role=tab]")) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  $("pane-traces").hidden = name !== "traces";
  $("pane-variations").hidden = name !== "variations";
}

const report = (exc) => toast(exc.message, "error");

function bindToolbar() {
  const click = (id, fn) => $(id).addEventListener("click", fn);
  $("resize-form").addEventListener("submit", resizeFromInput);
  click("copy-input", () => { editor.copyFromInput(); relayout(); });
  click("reset-grid", () => { editor.reset(); relayout(); });
  click("undo", () => editor.undo());
  click("redo", () => editor.redo());
  for (const b of document.querySelectorAll("#tools [data-tool]")) b.addEventListener("click", () => editor.setTool(b.dataset.tool));
  click("fill-selection", () => { if (!editor.fillSelection()) toast("Select cells of your output first", "error"); });
  click("copy-selection", () => actions.copy());
  click("paste-selection", () => actions.paste());
  click("rotate", () => editor.transform("rotate"));
  click("flip-h", () => editor.transform("flip_h"));
  click("flip-v", () => editor.transform("flip_v"));
  click("zoom-in", () => actions.zoom(1.25));
  click("zoom-out", () => actions.zoom(0.8));
  $("show-numbers").addEventListener("change", (e) => editor.setNumbers(e.target.checked));
  $("show-distance").addEventListener("change", updateDistance);
  click("submit", submit);
  click("next-test", nextTest);
  click("restore-work", () => restorePending(true));
  click("discard-work", () => restorePending(false));
}

const actions = {
  submit,
  nextTest,
  copy: () => (editor.copy() ? toast("Copied the selection") : toast("Select cells first", "error")),
  paste: () => { if (!editor.paste()) toast("Copy cells, then select an output cell to paste at", "error"); },
  focusGrid: () => $("output-host").querySelector(".grid")?.focus(),
  zoom: (factor) => { editor.zoom = Math.max(0.5, Math.min(3, editor.zoom * factor)); relayout(); },
  shortcuts: () => help.shortcuts(),
  say: (text) => toast(text, "error"),
};

async function main() {
  editor = new Editor({ outputHost: $("output-host"), inputHost: $("input-host"), onChange: syncToolbar });
  buildPalette(editor);
  help = initHelp();
  initTrainFold($("train-details"));
  const limits = await get("/api/limits");
  state.limits = limits;
  $("trace-text").maxLength = limits.trace.max_chars;
  account = await initAccount({
    host: $("account"),
    limits,
    onChange: () => {
      traces.setUser();
      variations.setUser();
      // the status (attempts, answer) depends on who is logged in; the drawing does not
      if (state.task) loadTask(state.task.id, { version: state.task.version, test: state.testIndex, push: false });
    },
  });
  traces = new TracesPanel({ account, limits });
  traces.setUser();
  variations = new VariationsPanel({
    account,
    onSigned: (version) => loadTask(state.task.id, { version }),
    onRetired: () => loadTask(state.task.id, { version: state.task.version, push: false }),
  });
  variations.init().catch(report);
  bindToolbar();
  bindKeys({ editor, actions });
  document.querySelector(".skip").addEventListener("click", (e) => { e.preventDefault(); actions.focusGrid(); });
  $("prev-task").addEventListener("click", () => state.task && loadTask(state.task.prev));
  $("next-task").addEventListener("click", () => state.task && loadTask(state.task.next));
  $("random-task").addEventListener("click", () => {
    if (state.ids.length) loadTask(state.ids[Math.floor(Math.random() * state.ids.length)]);
  });
  $("goto-form").addEventListener("submit", (e) => {
    e.preventDefault();
    gotoTask($("goto-input").value.trim(), state.ids, loadTask).catch(report);
  });
  $("goto-input").addEventListener("input", (e) => {
    const text = e.target.value.trim();
    if (text.length < 2 || text.startsWith("#")) return;
    get(`/api/tasks?prefix=${encodeURIComponent(text)}&limit=50`).then((found) => fillSuggestions(found.tasks), () => {});
  });
  $("version-select").addEventListener("change", (e) => loadTask(state.task.id, { version: Number(e.target.value) }));
  for (const tab of document.querySelectorAll("[role=tab]")) tab.addEventListener("click", () => setTab(tab.dataset.tab));
  window.addEventListener("popstate", () => {
    const p = params();
    if (p.task) loadTask(p.task, { version: p.version, test: p.test, push: false });
  });
  window.addEventListener("pagehide", saveNow);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") saveNow(); });
  onResize(() => { if (state.task) { renderTrain(); relayout(); } });

  const list = await get("/api/tasks");
  state.ids = list.tasks.map((t) => t.id);
  const p = params();
  const first = p.task || state.ids[0];
  if (!first) {
    toast("No tasks to show: start the server with --dataset", "error");
    return;
  }
  await loadTask(first, { version: p.version, test: p.test, push: false });
  document.body.classList.add("ready");
}

main().catch(report);
