// One run (/runs/{id}): the summary figures, benchmark scores with intervals, rounds of a refined run,
// and the per-task table (sorted and paged by the server). A running run is refreshed every few seconds.

import { el } from "./api.js";
import { apiRun, badge, fmt, load, pager, solvedBadge, sortableTable, startAccount, stat, taskUrl } from "./runs_common.js";

const LIMIT = 50;

function interval(ci) {
  return Array.isArray(ci) && ci.length === 2 ? `95% CI ${fmt.pct(ci[0])} – ${fmt.pct(ci[1])}` : "";
}

function summarySection(run) {
  const tokens = run.tokens;
  const cards = [
    stat("samples", fmt.int(run.samples), `${fmt.int(run.tasks)} task(s)`, "stat-samples"),
  ];
  if (run.verified !== null) {
    cards.push(stat("verified", fmt.int(run.verified), `yield ${fmt.pct(run.yield)} · ${fmt.int(run.tasks_verified)} task(s)`, "stat-verified"));
    cards.push(stat("cost per verified sample", fmt.usd(run.cost_per_verified),
      run.tokens_per_verified ? `${fmt.int(Math.round(run.tokens_per_verified))} tokens each` : ""));
  }
  if (run.benchmark) {
    const b = run.benchmark;
    cards.push(stat("score (per task)", fmt.pct(b.score), interval(b.score_ci95), "stat-score"));
    cards.push(stat("per test output", fmt.pct(b.score_per_output), interval(b.score_per_output_ci95)));
    cards.push(stat("tasks solved", fmt.ratio(b.tasks_solved, b.tasks), b.complete === false ? "run stopped early" : ""));
    cards.push(stat("cost per solved task", fmt.usd(run.cost_per_solved_task)));
    if (b.oracle) cards.push(stat("oracle (upper bound)", fmt.pct(b.oracle.score), `pass@${b.oracle.k}; not a score`));
  } else if (run.accepted !== null) {
    cards.push(stat("tasks made", fmt.int(run.accepted), `of ${fmt.int(run.samples)} generator(s)`, "stat-accepted"));
  } else if (run.train_perfect) {
    cards.push(stat("train-perfect programs", fmt.int(run.train_perfect)));
  }
  const costHint = run.cost_unknown ? `no price known for ${fmt.int(run.cost_unknown)} sample(s)`
    : `${fmt.usd(run.samples && run.cost_usd !== null ? run.cost_usd / run.samples : null)} per sample`;
  const costValue = run.cost_usd === null || (run.cost_unknown && !run.cost_usd) ? "unknown"
    : run.cost_unknown ? `≥ ${fmt.usd(run.cost_usd)}` : fmt.usd(run.cost_usd);  // known part: a lower bound
  cards.push(stat("cost", costValue, costHint, "stat-cost"));
  cards.push(stat("tokens in / out", `${fmt.int(tokens.prompt)} / ${fmt.int(tokens.completion)}`,
    tokens.reasoning ? `${fmt.int(tokens.reasoning)} reasoning` : ""));
  cards.push(stat("latency", fmt.secs(run.latency.median_s), `median · p90 ${fmt.secs(run.latency.p90_s)}`));
  const statuses = Object.entries(run.by_status).map(([name, n]) =>
    el("li", {}, badge(name, name === "ok" ? "ok" : name === "error" ? "bad" : "part"), ` ${fmt.int(n)}`));
  const made = Object.entries(run.synthesis || {}).map(([name, n]) =>
    el("li", {}, badge(name, name === "accepted" ? "ok" : "bad"), ` ${fmt.int(n)}`));
  const outcomes = Object.entries(run.outcomes || {}).map(([name, n]) =>
    el("li", {}, badge(name, name === "verified" ? "ok" : "bad"), ` ${fmt.int(n)}`));
  return el("section", { class: "panel" },
    el("h2", { text: "Summary" }),
    el("div", { class: "stats" }, cards),
    el("div", { class: "breakdowns" },
      el("div", {}, el("h3", { text: "status" }), el("ul", { class: "breakdown", id: "by-status" }, statuses)),
      made.length ? el("div", {}, el("h3", { text: "task synthesis" }), el("ul", { class: "breakdown", id: "by-synthesis" }, made)) : null,
      outcomes.length ? el("div", {}, el("h3", { text: "verification" }), el("ul", { class: "breakdown", id: "by-outcome" }, outcomes)) : null,
      run.rounds.length ? el("div", {}, el("h3", { text: "refinement rounds" }),
        el("table", { class: "runs-table small", id: "rounds" }, el("tr", {}, el("th", { text: "round" }), el("th", { class: "num", text: "programs" }),
          el("th", { class: "num", text: "train-perfect" })),
        run.rounds.map((r) => el("tr", {}, el("td", { text: String(r.round) }), el("td", { class: "num", text: fmt.int(r.samples) }),
          el("td", { class: "num", text: fmt.int(r.train_perfect) }))))) : null));
}

function header(run) {
  const manifest = run.manifest || {};
  return el("section", { class: "panel run-head" },
    el("h1", { class: "run-title" }, el("span", { class: "mono", text: run.id }), " ", badge(run.status, run.status === "completed" ? "ok" : "part"),
      run.refined ? badge("refined", "part") : null),
    el("p", { class: "hint" }, `${run.kind} · model ${run.model} · dataset ${run.dataset} · folder ${run.folder} · `
      + `started ${fmt.when(run.started_at)} · ended ${fmt.when(run.ended_at)}`),
    el("details", { class: "manifest", id: "manifest" }, el("summary", { text: "Manifest: configuration and sessions" }),
      el("pre", { class: "text", tabindex: "0", text: JSON.stringify({ command: manifest.command, config: manifest.config,
        arcforge_version: manifest.arcforge_version, sessions: manifest.sessions }, null, 2) })));
}

export async function runPage(id, crumbs) {
  crumbs({ text: "Runs", href: "/runs" }, { text: id });
  const app = document.getElementById("app");
  const tableHost = el("section", { class: "panel", id: "tasks-panel" });
  const state = { sort: "task", desc: false, offset: 0, q: "" };
  const filter = el("input", { id: "task-filter", type: "search", placeholder: "task id", maxlength: "100",
    "aria-label": "Filter tasks by id" });
  filter.addEventListener("input", () => { state.q = filter.value.trim(); state.offset = 0; drawTasks(); });

  const columns = [
    { key: "task", label: "task", render: (t) => el("a", { href: taskUrl(id, t.task), class: "mono task-link", text: t.task }) },
    { key: "samples", label: "samples", num: true },
    { key: "ok", label: "answered", num: true },
    { key: "verified", label: "verified", num: true },
    { key: "best_train", label: "best train", num: true, render: (t) => fmt.pct(t.best_train) },
    { key: "solved", label: "solved", num: true, render: (t) => solvedBadge(t.solved) },
    // some replies without a price: the known part is a lower bound, never the whole
    { key: "cost", label: "cost", num: true, render: (t) => (t.cost_unknown
      ? (t.cost ? el("span", { text: `≥ ${fmt.usd(t.cost)}`, title: `${fmt.int(t.cost_unknown)} sample(s) of unknown cost` }) : "unknown")
      : fmt.usd(t.cost)) },
    { key: "tokens", label: "tokens", num: true, render: (t) => fmt.int(t.tokens) },
    { key: "rounds", label: "rounds", num: true },
  ];
  const madeColumn = { key: "accepted", label: "tasks made", num: true };

  async function drawTasks() {
    const query = new URLSearchParams({ sort: state.sort, desc: state.desc, offset: state.offset, limit: LIMIT, q: state.q });
    const page = await load(`${apiRun(id)}/tasks?${query}`);
    tableHost.replaceChildren(
      el("div", { class: "row toolbar-row" }, el("h2", { text: "Tasks" }), filter,
        pager({ total: page.total, offset: page.offset, limit: page.limit, id: "task-pager",
          onPage: (offset) => { state.offset = offset; drawTasks(); } })),
      sortableTable(state.columns, page.rows, { sortKey: state.sort, desc: state.desc, id: "tasks-table",
        rowAttrs: (t) => ({ dataset: { task: t.task } }),
        onSort: (key, desc) => { state.sort = key; state.desc = desc; state.offset = 0; drawTasks(); } }));
  }

  async function draw() {
    const run = await load(apiRun(id));
    if (run.testing_page) startAccount();
    // the columns this run has data for: no verified column before `arcforge verify`, no rounds one-shot
    state.columns = [...columns.filter((c) => (c.key !== "verified" || run.verified !== null)
      && (c.key !== "rounds" || run.refined)),
    ...(run.accepted !== null ? [madeColumn] : [])];
    app.replaceChildren(header(run), summarySection(run), tableHost);
    await drawTasks();
    return run;
  }
  const run = await draw();
  document.body.classList.add("ready");
  if (run.status === "running") {
    const timer = setInterval(async () => {
      const fresh = await draw().catch(() => null);
      if (!fresh || fresh.status !== "running") clearInterval(timer);
    }, 3000);
  }
}
