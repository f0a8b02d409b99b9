// The discussion page: the task's grids, a streamed chat with a model, a code box run in the sandbox,
// and saving the person's reasoning as a model-assisted trace.
//
// The server does every model call: the page never holds a key, and it stores nothing in localStorage.
// A reply is a POST answered with server-sent events, read from the fetch body (so the CSRF header goes
// with it); Stop aborts that fetch, and the server then cancels the upstream request. While a reply
// streams, its text is shown as plain text (textContent); once done it is replaced by the HTML the
// server rendered from Markdown and sanitised (markdown-it + nh3), the only HTML this page inserts.

import { ApiError, el, get, post, readEvents, stream, toast } from "./api.js";
import { initAccount } from "./account.js";
import { gridBlock } from "./grids.js";

const $ = (id) => document.getElementById(id);

const state = {
  taskId: null,
  version: 0,
  task: null,
  config: null,
  conversation: null, // {id, model, ...}
  controller: null, // AbortController of the streaming reply
};
let account;

function pageTask() {
  const query = new URLSearchParams(window.location.search);
  const match = /^\/discuss\/([^/]+)$/.exec(window.location.pathname);
  return { id: match ? decodeURIComponent(match[1]) : query.get("task"), version: Number(query.get("version") || 0) };
}

const fit = (rows, box, max = 22) => Math.max(5, Math.min(max, Math.floor(box / Math.max(rows.length, rows[0].length))));

// -- the task ---------------------------------------------------------------------------------------
function renderTask() {
  const task = state.task;
  $("task-label").textContent = `${task.id}${task.version ? ` · v${task.version}` : ""} · #${task.number} of ${task.total}`;
  document.title = `arcforge · discuss ${task.id}`;
  const query = new URLSearchParams({ task: task.id });
  if (task.version) query.set("version", task.version);
  $("testing-link").href = `/?${query}`;
  $("train-pairs").replaceChildren(...task.train.map((pair, i) => {
    // issue 12: a swap version's train pair whose output is a test output you may not see comes withheld
    const box = Math.max(...[pair.input, pair.output || pair.input].map((g) => Math.max(g.length, g[0].length)));
    const size = Math.max(5, Math.min(20, Math.floor(130 / box)));
    return el("div", { class: "pair" }, gridBlock(pair.input, `Input ${i + 1}`, { size }),
      el("span", { class: "arrow", text: "→" }), pair.output ? gridBlock(pair.output, `Output ${i + 1}`, { size })
        : el("p", { class: "withheld", text: `Output ${i + 1} withheld: ${pair.withheld || "not shown to you yet"}` }));
  }));
  $("test-inputs").replaceChildren(...task.test.map((pair, i) => el("div", { class: "pair" },
    gridBlock(pair.input, `Test input ${i + 1}`, { size: fit(pair.input, 150, 20) }))));
}

// -- options and spending ---------------------------------------------------------------------------
function renderConfig() {
  const config = state.config;
  const select = $("model-select");
  select.replaceChildren(...config.models.map((m) => el("option", {
    value: m.id, disabled: !m.available, text: m.available ? m.id : `${m.id} (unavailable: ${m.reason})`,
  })));
  const first = config.models.find((m) => m.available);
  if (first) select.value = first.id;
  $("encoding-select").replaceChildren(...config.encodings.map((e) => el("option", {
    value: e.name, text: e.name, title: e.description,
  })));
  $("encoding-select").value = config.default_encoding;
  $("temperature").min = config.temperature.min;
  $("temperature").max = config.temperature.max;
  $("max-tokens").max = config.max_tokens.max;
  applyModelDefaults();
  renderSpend();
}

function applyModelDefaults() {
  const model = state.config.models.find((m) => m.id === $("model-select").value);
  if (!model) return;
  $("temperature").value = model.temperature;
  $("max-tokens").value = model.max_tokens;
}

function renderSpend() {
  const { spent_today_usd: spent, daily_limit_usd: limit } = state.config;
  $("spend").textContent = spent === null || spent === undefined ? `Daily limit $${limit.toFixed(2)}`
    : `Spent today $${spent.toFixed(4)} of $${limit.toFixed(2)}`;
  $("spend").classList.toggle("over", spent !== null && spent >= limit);
}

async function refreshConfig() {
  state.config = await get("/api/discuss/config");
  renderSpend();
}

// -- conversations ----------------------------------------------------------------------------------
function setSignedIn() {
  const user = account.user;
  $("login-hint").hidden = Boolean(user);
  for (const id of ["composer", "new-conversation", "clear-conversation", "export-conversation", "conversation-select"]) {
    $(id).hidden = !user;
  }
  $("run").disabled = !user;
  $("save-trace").disabled = !user;
  if (!user) {
    state.conversation = null;
    $("messages").replaceChildren();
  }
}

async function loadConversations(selectId) {
  if (!account.user || !state.taskId) return;
  const data = await get(`/api/discuss/tasks/${encodeURIComponent(state.taskId)}/conversations`);
  const mine = data.conversations.filter((c) => c.version === state.version);
  const select = $("conversation-select");
  select.replaceChildren(el("option", { value: "", text: mine.length ? "New conversation" : "No conversations yet" }),
    ...mine.map((c) => el("option", {
      value: c.id, text: `#${c.id} · ${c.model} · ${c.messages} message${c.messages === 1 ? "" : "s"} · ${c.created_at.slice(0, 16).replace("T", " ")}`,
    })));
  const chosen = selectId ?? (mine.length ? mine[mine.length - 1].id : null);
  select.value = chosen ? String(chosen) : "";
  if (chosen) await openConversation(chosen);
  else {
    state.conversation = null;
    renderMessages([]);
  }
}

async function openConversation(id) {
  const data = await get(`/api/discuss/conversations/${id}`);
  state.conversation = data.conversation;
  renderMessages(data.messages);
}

async function ensureConversation() {
  if (state.conversation) return state.conversation;
  const data = await post(`/api/discuss/tasks/${encodeURIComponent(state.taskId)}/conversations`, {
    version: state.version, model: $("model-select").value,
  });
  state.conversation = data.conversation;
  await loadConversations(data.conversation.id);
  return state.conversation;
}

// -- messages ---------------------------------------------------------------------------------------
function renderMessages(messages) {
  const list = $("messages");
  list.replaceChildren(...messages.map(messageItem));
  if (!messages.length) list.appendChild(el("li", { class: "empty", text: "Ask the model about this task. It sees the train pairs and the test inputs, never a test output." }));
  list.scrollTop = list.scrollHeight;
}

function decorateCode(body) {
  for (const code of body.querySelectorAll("pre > code")) {
    const use = el("button", { type: "button", class: "use-code", title: "Put this code in the code box" }, "Use in code box ▸");
    use.addEventListener("click", () => {
      $("code").value = code.textContent;
      $("code").focus();
      toast("Code copied to the code box");
    });
    code.parentElement.after(use);
  }
}

function messageItem(message) {
  const item = el("li", { class: `message ${message.role}`, dataset: { messageId: message.id } });
  const meta = el("div", { class: "meta" }, el("span", { class: "who", text: message.role === "user" ? "You" : message.model || "model" }));
  if (message.outcome === "stopped") meta.appendChild(el("span", { class: "badge stopped", text: "stopped" }));
  if (message.outcome === "error") meta.appendChild(el("span", { class: "badge failed", text: "failed" }));
  if (message.cost_usd) meta.appendChild(el("span", { class: "cost", text: `$${message.cost_usd.toFixed(5)}` }));
  const body = el("div", { class: "body" });
  if (message.role === "assistant") {
    body.innerHTML = message.html; // rendered from Markdown and sanitised on the server (nh3 allow-list)
    decorateCode(body);
  } else {
    body.classList.add("plain");
    body.textContent = message.content;
  }
  item.append(meta, body);
  if (message.error) item.appendChild(el("p", { class: "error", text: message.error }));
  return item;
}

function addItem(item) {
  const list = $("messages");
  list.querySelector(".empty")?.remove();
  list.appendChild(item);
  list.scrollTop = list.scrollHeight;
}

function setStreaming(on) {
  $("send").disabled = on;
  $("stop").hidden = !on;
  $("message-text").disabled = on;
}

async function send(content) {
  if (!account.user) return account.open("login");
  const conversation = await ensureConversation();
  const body = {
    content, model: $("model-select").value, encoding: $("encoding-select").value,
    temperature: Number($("temperature").value), max_tokens: Number($("max-tokens").value),
  };
  const controller = new AbortController();
  state.controller = controller;
  setStreaming(true);
  const live = el("li", { class: "message assistant streaming" },
    el("div", { class: "meta" }, el("span", { class: "who", text: body.model }), el("span", { class: "badge live", text: "streaming…" })));
  const thinking = el("details", { class: "reasoning", hidden: true }, el("summary", { text: "Reasoning" }), el("div", { class: "plain" }));
  const text = el("div", { class: "body plain", id: "streaming-text" });
  live.append(thinking, text);
  let stopped = false;
  try {
    const response = await stream("POST", `/api/discuss/conversations/${conversation.id}/messages`, body,
      { signal: controller.signal });
    $("message-text").value = "";
    for await (const [name, data] of readEvents(response)) {
      if (name === "start") {
        if (data.user_message) addItem(messageItem(data.user_message));
        addItem(live);
      } else if (name === "delta") {
        if (data.kind === "reasoning") {
          thinking.hidden = false;
          thinking.lastChild.textContent += data.text;
        } else {
          text.textContent += data.text;
        }
        $("messages").scrollTop = $("messages").scrollHeight;
      } else if (name === "done") {
        live.replaceWith(data.message ? messageItem(data.message)
          : el("li", { class: "message assistant empty-reply", text: "The model sent an empty reply." }));
      } else if (name === "error") {
        live.replaceWith(data.message ? messageItem(data.message) : el("li", { class: "message assistant" }));
        addItem(el("li", { class: "message failure" }, el("p", { class: "error", text: data.detail }),
          el("button", { type: "button", class: "retry", onclick: () => send("") }, "Retry")));
      }
    }
  } catch (exc) {
    if (exc.name === "AbortError") stopped = true;
    else {
      live.remove();
      toast(exc.message, "error");
      if (exc.status === 429) addItem(el("li", { class: "message failure" }, el("p", { class: "error", text: exc.message })));
    }
  } finally {
    state.controller = null;
    setStreaming(false);
  }
  if (stopped) {
    // the server keeps what arrived, marked "stopped"; show its stored copy
    await new Promise((resolve) => setTimeout(resolve, 300));
    await openConversation(conversation.id).catch(() => {});
    toast("Stopped");
  }
  refreshConfig().catch(() => {});
  loadConversations(conversation.id).catch(() => {});
}

// -- the code box -----------------------------------------------------------------------------------
function resultItem(pair) {
  const title = `${pair.split === "train" ? "Train" : "Test"} ${pair.index + 1}`;
  const source = state.task[pair.split][pair.index].input;
  const label = { passed: "✔ passed", failed: "✘ wrong", error: "✘ failed", hidden: "output (not judged yet)", unknown: "output" }[pair.status];
  const grids = [gridBlock(source, "Input", { size: fit(source, 110, 16) })];
  if (pair.output) grids.push(gridBlock(pair.output, "Program output", { size: fit(pair.output, 110, 16) }));
  if (pair.expected) grids.push(gridBlock(pair.expected, "Expected", { size: fit(pair.expected, 110, 16) }));
  else if (pair.split === "test") grids.push(el("p", { class: "hint hidden-answer", text: "Expected output: shown once your attempts on this test input are done." }));
  return el("div", { class: `result ${pair.status}`, dataset: { split: pair.split, index: pair.index } },
    el("div", { class: "result-head" }, el("strong", { text: title }), el("span", { class: `status ${pair.status}`, text: label })),
    pair.error ? el("pre", { class: "run-error", text: pair.error }) : null,
    el("div", { class: "result-grids" }, ...grids));
}

async function run() {
  if (!account.user) return account.open("login");
  const code = $("code").value;
  if (!code.trim()) return toast("Write or paste some code first", "error");
  $("run").disabled = true;
  $("run-summary").textContent = "Running…";
  try {
    const data = await post(`/api/discuss/tasks/${encodeURIComponent(state.taskId)}/versions/${state.version}/run`, { code });
    $("results").replaceChildren(...data.pairs.map(resultItem));
    $("run-summary").textContent = `${data.train_passed} of ${data.train_total} train pairs solved`;
    $("run-summary").className = `run-summary ${data.train_passed === data.train_total ? "good" : "bad"}`;
  } catch (exc) {
    $("run-summary").textContent = "";
    toast(exc.message, "error");
  } finally {
    $("run").disabled = !account.user;
  }
}

async function saveTrace() {
  if (!account.user) return account.open("login");
  const text = $("reasoning").value.trim();
  if (!text) return toast("Write your reasoning first", "error");
  try {
    const data = await post(`/api/discuss/tasks/${encodeURIComponent(state.taskId)}/traces`, {
      text, version: state.version, conversation_id: state.conversation ? state.conversation.id : null,
      code: $("include-code").checked ? $("code").value : "",
    });
    const link = el("a", { href: $("testing-link").href, id: "saved-trace-link" }, "see it on the testing page");
    $("save-result").replaceChildren(`Saved as a model-assisted trace${data.code_included ? " with its code" : ""}${data.note ? ` (${data.note})` : ""}: `, link);
    toast("Trace saved", "good");
  } catch (exc) {
    toast(exc.message, "error");
  }
}

function codeKeys(event) {
  if (event.key !== "Tab" || event.shiftKey) return;
  event.preventDefault();
  const area = event.target;
  area.setRangeText("    ", area.selectionStart, area.selectionEnd, "end");
}

// -- start ------------------------------------------------------------------------------------------
async function main() {
  const wanted = pageTask();
  if (!wanted.id) {
    toast("No task given: open /discuss/TASK_ID", "error");
    return;
  }
  account = await initAccount({
    host: $("account"),
    onChange: () => {
      setSignedIn();
      refreshConfig().catch(() => {});
      loadConversations().catch((exc) => toast(exc.message, "error"));
    },
  });
  setSignedIn();
  $("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const content = $("message-text").value;
    if (!content.trim()) return toast("Write a message first", "error");
    send(content).catch((exc) => toast(exc.message, "error"));
  });
  $("message-text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("composer").requestSubmit();
  });
  $("stop").addEventListener("click", () => state.controller?.abort());
  $("model-select").addEventListener("change", applyModelDefaults);
  $("conversation-select").addEventListener("change", (e) => {
    if (e.target.value) openConversation(Number(e.target.value)).catch((exc) => toast(exc.message, "error"));
    else { state.conversation = null; renderMessages([]); }
  });
  $("new-conversation").addEventListener("click", () => {
    state.conversation = null;
    $("conversation-select").value = "";
    renderMessages([]);
    $("message-text").focus();
  });
  $("clear-conversation").addEventListener("click", () => {
    if (!state.conversation || !window.confirm("Clear this conversation's messages?")) return;
    post(`/api/discuss/conversations/${state.conversation.id}/clear`)
      .then(() => loadConversations(state.conversation.id))
      .catch((exc) => toast(exc.message, "error"));
  });
  $("export-conversation").addEventListener("click", () => {
    if (!state.conversation) return toast("Open a conversation first", "error");
    window.location.href = `/api/discuss/conversations/${state.conversation.id}/export`;
  });
  $("run").addEventListener("click", run);
  $("code").addEventListener("keydown", codeKeys);
  $("save-trace").addEventListener("click", saveTrace);

  try {
    state.task = await get(`/api/tasks/${encodeURIComponent(wanted.id)}?version=${wanted.version}`);
  } catch (exc) {
    // a failed lookup is a message on the page, not a broken page: nothing else runs without a task
    const message = exc instanceof ApiError && exc.status === 404 ? `No task ${wanted.id}` : exc.message;
    toast(message, "error");
    $("task-label").textContent = message;
    $("train-pairs").replaceChildren(el("p", { class: "error", role: "alert", text: `${message}. Pick a task on the testing page.` }));
    for (const id of ["composer", "run", "save-trace"]) $(id).hidden = true;
    document.body.classList.add("ready", "no-task");
    return;
  }
  state.taskId = state.task.id;
  state.version = state.task.version;
  renderTask();
  state.config = await get("/api/discuss/config");
  renderConfig();
  await loadConversations();
  document.body.classList.add("ready");
}

main().catch((exc) => toast(exc.message, "error"));
