// Two runs side by side (/runs/compare?a=..&b=..): per task, solved by one, the other, both or neither.

import { el } from "./api.js";
import { fmt, load, orderBy, pager, runUrl, solvedBadge, sortableTable, startAccount, stat, taskUrl } from "./runs_common.js";

const PAGE = 100;

const VERDICTS = { a_only: "only A", b_only: "only B", both: "both", neither: "neither" };

export async function comparePage(crumbs) {
  crumbs({ text: "Runs", href: "/runs" }, { text: "Compare" });
  const query = new URLSearchParams(window.location.search);
  const list = await load("/api/runs");
  if (list.testing_page) startAccount();
  const app = document.getElementById("app");
  const choose = (name, value) => el("select", { id: `run-${name}`, name, "aria-label": `Run ${name.toUpperCase()}` },
    el("option", { value: "", text: `run ${name.toUpperCase()}…` }),
    list.runs.map((r) => el("option", { value: r.id, selected: r.id === value, text: `${r.id} · ${r.kind} · ${r.model}` })));
  const a = choose("a", query.get("a"));
  const b = choose("b", query.get("b"));
  const go = el("button", { type: "button", class: "primary", id: "compare-go", onclick: () => {
    window.location.href = `/runs/compare?a=${encodeURIComponent(a.value)}&b=${encodeURIComponent(b.value)}`;
  } }, "Compare");
  const picker = el("section", { class: "panel" }, el("h2", { text: "Compare two runs" }), el("div", { class: "row" }, a, b, go));
  if (!query.get("a") || !query.get("b")) {
    app.replaceChildren(picker);
    document.body.classList.add("ready");
    return;
  }
  const data = await load(`/api/runs/compare?a=${encodeURIComponent(query.get("a"))}&b=${encodeURIComponent(query.get("b"))}`);
  let shown = "";
  let offset = 0;
  let sortKey = "task";
  let desc = false;
  const tableHost = el("div", {});
  const columns = [
    { key: "task", label: "task", render: (t) => el("span", { class: "mono", text: t.task }) },
    { key: "a", label: "A", num: true, render: (t) => (t.in_a ? el("a", { href: taskUrl(data.a.id, t.task) }, solvedBadge(t.a)) : "–") },
    { key: "b", label: "B", num: true, render: (t) => (t.in_b ? el("a", { href: taskUrl(data.b.id, t.task) }, solvedBadge(t.b)) : "–") },
    { key: "verdict", label: "solved by", render: (t) => VERDICTS[t.verdict] },
  ];
  function draw() {
    const rows = data.rows.filter((r) => !shown || r.verdict === shown);
    rows.sort(orderBy(columns.find((c) => c.key === sortKey), desc));  // sorted whole, then paged
    tableHost.replaceChildren(
      pager({ total: rows.length, offset, limit: PAGE, id: "compare-pager", onPage: (o) => { offset = o; draw(); } }),
      sortableTable(columns, rows.slice(offset, offset + PAGE), { id: "compare-table", sortKey, desc,
        onSort: (key, descending) => { sortKey = key; desc = descending; offset = 0; draw(); },
        rowAttrs: (t) => ({ dataset: { task: t.task, verdict: t.verdict } }) }));
  }
  const filters = el("div", { class: "row", id: "verdict-filters" },
    Object.entries({ "": "every task", ...VERDICTS }).map(([key, label]) => el("button", { type: "button", dataset: { verdict: key },
      class: key === "" ? "active" : "", onclick: (e) => {
        shown = key;
        offset = 0;
        for (const button of filters.children) button.classList.toggle("active", button === e.currentTarget);
        draw();
      } }, key ? `${label} (${data.counts[key]})` : label)));
  const side = (run, letter) => el("div", { class: "compare-side" }, el("h3", {}, `${letter}: `, el("a", { href: runUrl(run.id), class: "mono", text: run.id })),
    el("p", { class: "hint", text: `${run.kind} · ${run.model} · ${fmt.int(run.samples)} samples · ${fmt.usd(run.cost_usd)}` }));
  app.replaceChildren(picker,
    el("section", { class: "panel" }, el("div", { class: "compare-sides" }, side(data.a, "A"), side(data.b, "B")),
      el("div", { class: "stats", id: "compare-counts" },
        stat("only A", fmt.int(data.counts.a_only)), stat("only B", fmt.int(data.counts.b_only)),
        stat("both", fmt.int(data.counts.both)), stat("neither", fmt.int(data.counts.neither)))),
    el("section", { class: "panel" }, filters, tableHost));
  draw();
  document.body.classList.add("ready");
}
