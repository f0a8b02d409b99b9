// The runs viewer's entry: picks the page from the address, and draws the list of runs (/runs).

import { el } from "./api.js";
import { badge, fmt, load, orderBy, runUrl, sortableTable, startAccount } from "./runs_common.js";

function crumbs(...parts) {
  document.getElementById("crumbs").replaceChildren(...parts.flatMap((part, i) => [
    ...(i ? [el("span", { class: "sep", text: "›" })] : []),
    part.href ? el("a", { href: part.href, text: part.text }) : el("span", { text: part.text }),
  ]));
}

function outcome(run) {
  if (run.score !== null && run.score !== undefined) return `score ${fmt.pct(run.score)}`;
  if (run.verified !== null && run.verified !== undefined) return `${fmt.int(run.verified)} verified`;
  if (run.accepted !== null && run.accepted !== undefined) return `${fmt.int(run.accepted)} task(s) made`;
  if (run.train_perfect) return `${fmt.int(run.train_perfect)} train-perfect`;
  return "not verified";
}

async function listPage() {
  crumbs({ text: "Runs" });
  const data = await load("/api/runs");
  if (data.testing_page) startAccount();
  const app = document.getElementById("app");
  const kinds = [...new Set(data.runs.map((r) => r.kind))].sort();
  const statuses = [...new Set(data.runs.map((r) => r.status))].sort();
  const text = el("input", { id: "run-filter", type: "search", placeholder: "filter: id, model, dataset", maxlength: "100",
    "aria-label": "Filter runs by id, model or dataset" });
  const kind = el("select", { id: "kind-filter", "aria-label": "Kind of run" }, el("option", { value: "", text: "every kind" }),
    kinds.map((k) => el("option", { value: k, text: k })));
  const status = el("select", { id: "status-filter", "aria-label": "Status of run" }, el("option", { value: "", text: "every status" }),
    statuses.map((s) => el("option", { value: s, text: s })));
  const chosen = new Set();
  const compare = el("button", { type: "button", id: "compare-selected", class: "primary", disabled: true,
    onclick: () => {
      const [a, b] = [...chosen];
      window.location.href = `/runs/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`;
    } }, "Compare the two selected");
  const host = el("div", { class: "table-host" });
  const count = el("span", { class: "hint", id: "run-count" });
  const columns = [
    { key: "pick", label: "", render: (r) => el("input", { type: "checkbox", class: "pick", "aria-label": `select ${r.id}`,
      checked: chosen.has(r.id), onchange: (e) => {
        if (e.target.checked) chosen.add(r.id); else chosen.delete(r.id);
        compare.disabled = chosen.size !== 2;
      } }), sort: (r) => (chosen.has(r.id) ? 0 : 1) },
    { key: "id", label: "run", render: (r) => el("a", { href: runUrl(r.id), class: "run-link" },
      el("span", { class: "mono", text: r.id }), el("div", { class: "hint", text: r.folder })) },
    { key: "kind", label: "kind", render: (r) => el("span", {}, r.kind, r.refined ? badge("refined", "part") : null) },
    { key: "model", label: "model" },
    { key: "dataset", label: "dataset" },
    { key: "status", label: "status", render: (r) => badge(r.status, r.status === "completed" ? "ok" : r.status === "running" ? "part" : "none") },
    { key: "samples", label: "samples", num: true, render: (r) => fmt.int(r.samples) },
    { key: "outcome", label: "verified / score", num: true, render: outcome,
      sort: (r) => (r.score ?? (r.samples ? (r.verified ?? r.train_perfect ?? 0) / r.samples : 0)) },
    { key: "cost_usd", label: "cost", num: true, render: (r) => fmt.usd(r.cost_usd) },
    { key: "tokens", label: "tokens", num: true, render: (r) => fmt.int(r.tokens.total), sort: (r) => r.tokens.total },
    { key: "started_at", label: "started", render: (r) => fmt.when(r.started_at) },
    { key: "ended_at", label: "ended", render: (r) => fmt.when(r.ended_at) },
  ];
  let sortKey = "started_at";
  let desc = true;
  function draw() {
    const needle = text.value.trim().toLowerCase();
    const rows = data.runs.filter((r) => (!kind.value || r.kind === kind.value) && (!status.value || r.status === status.value)
      && (!needle || [r.id, r.folder, r.model, r.dataset].some((v) => String(v).toLowerCase().includes(needle))));
    count.textContent = `${rows.length} of ${data.runs.length} run(s)`;
    rows.sort(orderBy(columns.find((c) => c.key === sortKey), desc));
    host.replaceChildren(sortableTable(columns, rows, { sortKey, desc, id: "runs-table",
      rowAttrs: (r) => ({ dataset: { run: r.id } }),
      onSort: (key, descending) => { sortKey = key; desc = descending; draw(); } }));
  }
  for (const control of [text, kind, status]) control.addEventListener("input", draw);
  app.replaceChildren(el("section", { class: "panel" },
    el("div", { class: "row toolbar-row" }, el("h2", { text: "Runs" }), text, kind, status, compare, count),
    data.runs.length ? host : el("p", { class: "hint", text: "No runs in the viewer's folders yet." })));
  draw();
  document.body.classList.add("ready");
}

async function route() {
  const path = window.location.pathname.replace(/\/+$/, "");
  const parts = path.split("/").slice(2).map(decodeURIComponent);
  if (parts.length === 0) return listPage();
  if (parts.length === 1 && parts[0] === "compare") return (await import("./runs_compare.js")).comparePage(crumbs);
  if (parts.length === 1) return (await import("./runs_run.js")).runPage(parts[0], crumbs);
  if (parts.length === 3 && parts[1] === "tasks") return (await import("./runs_task.js")).taskPage(parts[0], parts[2], crumbs);
  document.getElementById("app").replaceChildren(el("p", { class: "error", text: "No such page." }));
  return null;
}

route().catch((exc) => {
  if (!document.body.classList.contains("ready")) {
    document.getElementById("app").replaceChildren(el("p", { class: "error", text: String(exc.message || exc) }));
    document.body.classList.add("ready");
  }
});
