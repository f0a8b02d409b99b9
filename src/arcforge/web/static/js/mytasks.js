// The "my tasks" page: what the viewer (an account, or this browser's anonymous solver id) solved,
// attempted and could not solve, with attempts used, active time and a link to continue; plus work
// started in this browser and not submitted yet (from work.js's storage).

import { el, get, toast } from "./api.js";
import { initAccount } from "./account.js";
import { listWork } from "./work.js";

const $ = (id) => document.getElementById(id);

export function duration(ms) {
  const minutes = Math.round(ms / 60000);
  if (ms < 60000) return ms ? `${Math.max(1, Math.round(ms / 1000))} s` : "–";
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const when = (iso) => (iso ? new Date(iso).toLocaleDateString() : "");

function inputsText(task) {
  const parts = [];
  for (let i = 0; i < task.tests; i++) {
    const item = task.inputs[String(i)];
    if (!item) parts.push(`input ${i + 1}: not tried`);
    else parts.push(`input ${i + 1}: ${item.solved ? "solved" : `${item.used}/${task.attempt_limit}`}`);
  }
  return parts.join(" · ");
}

function table(id, tasks, action) {
  const host = $(id);
  $(`${id}-count`).textContent = `(${tasks.length})`;
  if (!tasks.length) {
    host.replaceChildren(el("caption", { class: "hint", text: "None yet." }));
    return;
  }
  host.replaceChildren(
    el("thead", {}, el("tr", {},
      ...["Task", "Attempts used", "Inputs", "Time spent", "Last", ""].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...tasks.map((t) => el("tr", { dataset: { taskId: t.task_id, status: t.status } },
      el("td", {}, el("span", { class: "mono", text: t.task_id }), el("span", { class: "hint", text: ` #${t.number}` })),
      el("td", { class: "num", text: String(t.attempts_used) }),
      el("td", { class: "hint", text: inputsText(t) }),
      el("td", { class: "num time", text: duration(t.active_ms) }),
      el("td", { class: "hint", text: when(t.last_at) }),
      el("td", {}, el("a", { class: "continue", href: t.continue_url, "aria-label": `${action} task ${t.task_id}` }, action)),
    ))),
  );
}

function drafts(known) {
  const work = listWork().filter((w) => !known.has(w.taskId));
  $("drafts-section").hidden = !work.length;
  $("drafts").replaceChildren(...work.slice(0, 30).map((w) => {
    const query = new URLSearchParams({ task: w.taskId });
    if (w.version) query.set("version", w.version);
    if (w.index) query.set("test", w.index);
    return el("li", {}, el("a", { class: "continue", href: `/?${query}` }, `Continue ${w.taskId}`),
      el("span", { class: "hint", text: ` · ${w.version ? `v${w.version} · ` : ""}input ${w.index + 1} · saved ${new Date(w.saved).toLocaleString()}` }));
  }));
}

async function load(user) {
  const data = await get("/api/me/progress");
  $("who-note").textContent = user
    ? `Signed in as ${user.name}. Attempts count per test input across every version of a task.`
    : "Not signed in: this list is this browser's anonymous attempts. Sign in to keep them with an account.";
  const c = data.counts;
  $("counts").replaceChildren(...[["solved", "Solved"], ["attempted", "Attempted"], ["unsolved", "Unsolved"], ["not_started", "Not started"]]
    .map(([key, label]) => el("div", { class: `count ${key}` }, el("strong", { text: String(c[key]) }), el("span", { text: label }))));
  const of = (status) => data.tasks.filter((t) => t.status === status);
  table("attempted", of("attempted"), "Continue");
  table("unsolved", of("unsolved"), "Review");
  table("solved", of("solved"), "Open");
  $("next-note").replaceChildren(...(data.next_unstarted
    ? ["Next task you have not tried: ", el("a", { href: `/?task=${encodeURIComponent(data.next_unstarted)}`, id: "next-unstarted" }, data.next_unstarted)]
    : ["You have tried every task."]));
  drafts(new Set(data.tasks.map((t) => t.task_id)));
}

async function main() {
  const account = await initAccount({ host: $("account"), onChange: (user) => load(user).catch((e) => toast(e.message, "error")) });
  await load(account.user);
  document.body.classList.add("ready");
}

main().catch((exc) => toast(exc.message, "error"));
