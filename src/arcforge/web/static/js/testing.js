// The testing page: task navigation, the editor's toolbar and keys, submitting attempts, and the panels.
//
// The page never holds a test output until the server sends it as the answer of a finished input.
// The distance toggle shows the original system's metric (fraction of differing cells) against what the
// page may know: the test input and your previous attempt, and the answer only once it is revealed.

import { ApiError, el, get, post, toast } from "./api.js";
import { initAccount } from "./account.js";
import { Editor } from "./editor.js";
import { PALETTE, cloneRows, distance, drawGrid, gridBlock } from "./grids.js";
import { TracesPanel } from "./traces.js";
import { VariationsPanel } from "./variations.js";

const $ = (id) => document.getElementById(id);

const state = {
  ids: [],
  task: null,
  testIndex: 0,
  submitted: {}, // test index -> list of grids this page submitted
};

let editor;
let account;
let traces;
let variations;

function params() {
  const query = new URLSearchParams(window.location.search);
  return { task: query.get("task"), version: Number(query.get("version") || 0), test: Number(query.get("test") || 0) };
}

function setUrl(push) {
  const query = new URLSearchParams({ task: state.task.id });
  if (state.task.version) query.set("version", state.task.version);
  if (state.testIndex) query.set("test", state.testIndex);
  const url = `${window.location.pathname}?${query}`;
  if (push) window.history.pushState(null, "", url);
  else window.history.replaceState(null, "", url);
}

async function loadTask(ref, { version = 0, test = 0, push = true } = {}) {
  try {
    const task = await get(`/api/tasks/${encodeURIComponent(ref)}?version=${version}`);
    state.task = task;
    state.testIndex = Math.min(Math.max(0, test), task.test.length - 1);
    state.submitted = {};
    renderTask();
    setUrl(push);
    traces.open(task.id, task.version);
    variations.setTask(task);
    // other scripts (a discussion link, say) follow the current task without touching this file
    document.body.dataset.taskId = task.id;
    document.body.dataset.taskVersion = task.version;
    document.dispatchEvent(new CustomEvent("arcforge:task", { detail: { id: task.id, version: task.version } }));
  } catch (exc) {
    toast(exc instanceof ApiError && exc.status === 404 ? `No task ${ref}` : exc.message, "error");
  }
}

function renderTask() {
  const task = state.task;
  $("task-label").textContent = `${task.id} · #${task.number} of ${task.total}`;
  document.title = `arcforge · ${task.id}`;
  $("discuss-link").href = `/discuss/${encodeURIComponent(task.id)}${task.version ? `?version=${task.version}` : ""}`;
  const select = $("version-select");
  select.replaceChildren(...task.versions.map((v) => el("option", {
    value: v.version,
    text: `v${v.version}${v.transform ? ` (${v.transform})` : ""}${v.retired ? " · retired" : ""}`,
  })));
  select.value = String(task.version);
  const info = [];
  if (task.provenance) info.push(`derived from v${task.provenance.parent_version} by ${task.provenance.transform}`);
  if (task.signers.length) info.push(`signed by ${task.signers.join(", ")}`);
  if (task.retired) info.push("retired");
  $("version-info").textContent = info.join(" · ");
  $("version-info").classList.toggle("retired", task.retired);
  $("train-pairs").replaceChildren(...task.train.map((pair, i) => {
    const box = Math.max(...[pair.input, pair.output].map((g) => Math.max(g.length, g[0].length)));
    const size = Math.max(6, Math.min(22, Math.floor(150 / box)));
    return el("div", { class: "pair" },
      gridBlock(pair.input, `Input ${i + 1}`, { size }),
      el("span", { class: "arrow", text: "→" }),
      gridBlock(pair.output, `Output ${i + 1}`, { size }));
  }));
  renderTest();
}

function renderTest() {
  const task = state.task;
  const input = task.test[state.testIndex].input;
  $("test-index").textContent = `${state.testIndex + 1}/${task.test.length}`;
  $("next-test").disabled = task.test.length < 2;
  $("input-size").textContent = `${input.length}×${input[0].length}`;
  editor.load(input);
  renderStatus();
}

function currentStatus() {
  return state.task.attempts[state.testIndex];
}

function renderStatus() {
  const status = currentStatus();
  const limit = status.used + status.remaining;
  const done = status.done;
  $("attempts").textContent = status.solved
    ? `Solved in ${status.used} attempt${status.used === 1 ? "" : "s"}`
    : `Attempts: ${status.used} of ${limit} used`;
  $("attempts").className = `attempts ${status.solved ? "solved" : done ? "spent" : ""}`;
  $("submit").disabled = done;
  const answerBox = $("answer");
  if (status.answer) {
    answerBox.hidden = false;
    const size = Math.max(8, Math.min(24, Math.floor(220 / Math.max(status.answer.length, status.answer[0].length))));
    answerBox.replaceChildren(el("h3", { text: status.solved ? "Correct answer (you solved it)" : "The answer" }),
      drawGrid(status.answer, { size, label: "answer" }));
  } else {
    answerBox.hidden = true;
    answerBox.replaceChildren();
  }
  updateDistance();
}

function updateDistance() {
  const box = $("distance");
  box.hidden = !$("show-distance").checked;
  if (box.hidden || !state.task) return;
  const grid = editor.grid;
  const pct = (d) => `${(100 * d).toFixed(1)}%`;
  const parts = [`vs input: ${pct(distance(grid, editor.input))}`];
  const mine = state.submitted[state.testIndex] || [];
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
  const grid = cloneRows(editor.grid);
  try {
    const data = await post(`/api/tasks/${encodeURIComponent(task.id)}/versions/${task.version}/attempts`, {
      test_index: state.testIndex, grid, actions: editor.log,
    });
    (state.submitted[state.testIndex] ||= []).push(grid);
    task.attempts[state.testIndex] = data.status;
    $("verdict").textContent = data.correct ? "✔ Correct!" : "✘ Not quite";
    $("verdict").className = `verdict ${data.correct ? "good" : "bad"}`;
    toast(data.correct ? "Correct!" : data.status.remaining ? "Wrong answer: one more attempt" : "Wrong answer: no attempts left",
      data.correct ? "good" : "error");
    renderStatus();
  } catch (exc) {
    toast(exc.message, "error");
  }
}

function buildPalette() {
  $("palette").replaceChildren(...PALETTE.map((colour, i) => el("button", {
    type: "button", class: `swatch c${i}`, role: "radio", "aria-label": `colour ${i}`, title: `Colour ${i} (key ${i})`,
    dataset: { colour: i }, text: String(i), onclick: () => editor.setColour(i),
  })));
}

function syncToolbar(what) {
  for (const b of document.querySelectorAll("#tools [data-tool]")) b.classList.toggle("active", b.dataset.tool === editor.tool);
  for (const b of document.querySelectorAll("#palette .swatch")) {
    const on = Number(b.dataset.colour) === editor.colour;
    b.classList.toggle("chosen", on);
    b.setAttribute("aria-checked", String(on));
  }
  if (what === "grid") {
    $("output-size").textContent = `${editor.grid.length}×${editor.grid[0].length}`;
    $("resize-input").value = `${editor.grid.length}x${editor.grid[0].length}`;
    $("undo").disabled = !editor.undoStack.length;
    $("redo").disabled = !editor.redoStack.length;
    updateDistance();
  }
}

function resizeFromInput(event) {
  event.preventDefault();
  const match = /^\s*(\d{1,2})\s*[x×X*,]\s*(\d{1,2})\s*$/.exec($("resize-input").value);
  const h = match && Number(match[1]);
  const w = match && Number(match[2]);
  if (!match || h < 1 || h > 30 || w < 1 || w > 30) {
    toast("Size is HxW with each between 1 and 30, e.g. 5x7", "error");
    return;
  }
  editor.resize(h, w);
}

function navigate(offset) {
  const task = state.task;
  if (!task) return;
  loadTask(offset < 0 ? task.prev : task.next);
}

async function gotoTask(event) {
  event.preventDefault();
  const text = $("goto-input").value.trim();
  if (!text) return;
  if (/^#?\d+$/.test(text) && !state.ids.includes(text)) {
    loadTask(text.startsWith("#") ? text : `#${text}`);
    return;
  }
  if (state.ids.includes(text)) {
    loadTask(text);
    return;
  }
  const found = await get(`/api/tasks?prefix=${encodeURIComponent(text)}&limit=50`);
  if (found.tasks.length === 1) loadTask(found.tasks[0].id);
  else if (!found.tasks.length) toast(`No task id starts with "${text}"`, "error");
  else {
    fillSuggestions(found.tasks);
    toast(`${found.tasks.length} tasks start with "${text}": pick one from the list`);
    loadTask(found.tasks[0].id);
  }
}

function fillSuggestions(tasks) {
  $("task-suggestions").replaceChildren(...tasks.slice(0, 50).map((t) => el("option", { value: t.id, label: `#${t.number}` })));
}

function onKey(event) {
  const target = event.target;
  if (target.closest && target.closest("textarea, select, dialog, input:not([type=checkbox])")) return;
  const key = event.key.toLowerCase();
  if (event.ctrlKey || event.metaKey) {
    if (key === "z" && !event.shiftKey) { editor.undo(); event.preventDefault(); }
    else if (key === "y" || (key === "z" && event.shiftKey)) { editor.redo(); event.preventDefault(); }
    return;
  }
  if (event.altKey) return;
  if (/^[0-9]$/.test(key)) editor.setColour(Number(key));
  else if (key === "e") editor.setTool("edit");
  else if (key === "s") editor.setTool("select");
  else if (key === "f") editor.setTool("flood");
  else if (key === "c") { if (editor.copy()) toast("Copied the selection"); }
  else if (key === "v") { if (!editor.paste()) toast("Select an output cell to paste at", "error"); }
  else if (key === "escape") editor.clearSelection();
  else return;
  event.preventDefault();
}

function setTab(name) {
  for (const tab of document.querySelectorAll("[role=tab]")) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  $("pane-traces").hidden = name !== "traces";
  $("pane-variations").hidden = name !== "variations";
}

async function main() {
  editor = new Editor({ outputHost: $("output-host"), inputHost: $("input-host"), onChange: syncToolbar });
  buildPalette();
  account = await initAccount({
    host: $("account"),
    onChange: () => {
      traces.setUser();
      variations.setUser();
      if (state.task) loadTask(state.task.id, { version: state.task.version, test: state.testIndex, push: false });
    },
  });
  traces = new TracesPanel({ account });
  traces.setUser();
  variations = new VariationsPanel({
    account,
    onSigned: (version) => loadTask(state.task.id, { version }),
    onRetired: () => loadTask(state.task.id, { version: state.task.version, push: false }),
  });
  variations.init().catch((exc) => toast(exc.message, "error"));

  $("resize-form").addEventListener("submit", resizeFromInput);
  $("copy-input").addEventListener("click", () => editor.copyFromInput());
  $("reset-grid").addEventListener("click", () => editor.reset());
  $("undo").addEventListener("click", () => editor.undo());
  $("redo").addEventListener("click", () => editor.redo());
  for (const b of document.querySelectorAll("#tools [data-tool]")) b.addEventListener("click", () => editor.setTool(b.dataset.tool));
  $("fill-selection").addEventListener("click", () => { if (!editor.fillSelection()) toast("Select cells of your output first", "error"); });
  $("copy-selection").addEventListener("click", () => { if (editor.copy()) toast("Copied the selection"); else toast("Select cells first", "error"); });
  $("paste-selection").addEventListener("click", () => { if (!editor.paste()) toast("Copy cells, then select an output cell to paste at", "error"); });
  $("show-numbers").addEventListener("change", (e) => editor.setNumbers(e.target.checked));
  $("show-distance").addEventListener("change", updateDistance);
  $("submit").addEventListener("click", submit);
  $("next-test").addEventListener("click", () => {
    state.testIndex = (state.testIndex + 1) % state.task.test.length;
    $("verdict").textContent = "";
    renderTest();
    setUrl(false);
  });
  $("prev-task").addEventListener("click", () => navigate(-1));
  $("next-task").addEventListener("click", () => navigate(1));
  $("random-task").addEventListener("click", () => {
    if (state.ids.length) loadTask(state.ids[Math.floor(Math.random() * state.ids.length)]);
  });
  $("goto-form").addEventListener("submit", gotoTask);
  $("goto-input").addEventListener("input", async (e) => {
    const text = e.target.value.trim();
    if (text.length < 2 || text.startsWith("#")) return;
    const found = await get(`/api/tasks?prefix=${encodeURIComponent(text)}&limit=50`);
    fillSuggestions(found.tasks);
  });
  $("version-select").addEventListener("change", (e) => loadTask(state.task.id, { version: Number(e.target.value) }));
  for (const tab of document.querySelectorAll("[role=tab]")) tab.addEventListener("click", () => setTab(tab.dataset.tab));
  document.addEventListener("keydown", onKey);
  window.addEventListener("popstate", () => {
    const p = params();
    if (p.task) loadTask(p.task, { version: p.version, test: p.test, push: false });
  });

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

main().catch((exc) => toast(exc.message, "error"));
