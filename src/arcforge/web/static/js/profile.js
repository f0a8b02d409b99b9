// A user's profile: their traces (best score first) and the votes those traces received.

import { ApiError, el, get, toast } from "./api.js";
import { initAccount } from "./account.js";

const $ = (id) => document.getElementById(id);

function nameFromPath() {
  const match = /^\/users\/([^/]+)$/.exec(window.location.pathname);
  return match ? decodeURIComponent(match[1]) : "";
}

function render(data) {
  const user = data.user;
  document.title = `arcforge · ${user.name}`;
  $("profile-title").textContent = data.is_me ? `${user.name} (you)` : user.name;
  $("profile-meta").textContent = `${user.role} · since ${new Date(user.since).toLocaleDateString()}`;
  const v = data.votes_received;
  $("votes").replaceChildren(
    el("div", { class: "count" }, el("strong", { text: String(data.traces.length) }), el("span", { text: "Traces" })),
    el("div", { class: "count solved" }, el("strong", { text: String(v.up) }), el("span", { text: "Up votes received" })),
    el("div", { class: "count unsolved" }, el("strong", { text: String(v.down) }), el("span", { text: "Down votes received" })),
    el("div", { class: "count" }, el("strong", { text: String(v.score) }), el("span", { text: "Total score" })));
  $("trace-total").textContent = `(${data.traces.length})`;
  if (!data.traces.length) {
    $("profile-traces").replaceChildren(el("li", { class: "hint", text: "No traces yet." }));
    return;
  }
  $("profile-traces").replaceChildren(...data.traces.map((t) => {
    const query = new URLSearchParams({ task: t.task_id });
    if (t.task_version) query.set("version", t.task_version);
    return el("li", { class: "profile-trace", dataset: { traceId: t.id } },
      el("div", { class: "trace-meta" },
        el("a", { href: `/?${query}`, class: "mono" }, t.task_id),
        t.assisted ? el("span", { class: "badge assisted", text: "model-assisted" }) : null,
        el("span", { class: "score-line", text: `score ${t.score} · ▲ ${t.up} · ▼ ${t.down}` }),
        el("span", { text: new Date(t.created_at).toLocaleDateString() })),
      el("p", { class: "excerpt", text: t.excerpt }));
  }));
}

async function main() {
  const name = nameFromPath();
  await initAccount({ host: $("account") });
  try {
    render(await get(`/api/users/${encodeURIComponent(name)}`));
  } catch (exc) {
    const message = exc instanceof ApiError && exc.status === 404 ? `No user named ${name}` : exc.message;
    $("profile-title").textContent = message;
    toast(message, "error");
  }
  document.body.classList.add("ready");
}

main().catch((exc) => toast(exc.message, "error"));
