// One task of a run (/runs/{id}/tasks/{task}): its pairs as grids, the lineage tree of a refined run,
// and every sample: prompt (collapsed), reply, program (highlighted), verdict per pair with the output
// drawn next to the expected grid and differing cells marked, and failures in full.

import { el } from "./api.js";
import { cellSize, drawGrid } from "./grids.js";
import { highlighted } from "./highlight.js";
import { apiRun, badge, fmt, load, pager, runUrl, solvedBadge, startAccount } from "./runs_common.js";

const LIMIT = 20;

function isGrid(rows) {
  return Array.isArray(rows) && rows.length > 0 && rows.length <= 30 && Array.isArray(rows[0]) && rows[0].length > 0
    && rows.every((row) => Array.isArray(row) && row.length === rows[0].length && row.length <= 30
      && row.every((v) => Number.isInteger(v) && v >= 0 && v <= 9));
}

// A captioned grid; `against` (same shape) marks the cells that differ from it.
export function figure(rows, caption, { against = null, cls = "" } = {}) {
  if (!isGrid(rows)) {
    return el("figure", { class: `grid-block ${cls}`.trim() }, el("figcaption", { text: caption }),
      el("div", { class: "no-grid", text: rows === null || rows === undefined ? "no output" : "not a grid" }));
  }
  const grid = drawGrid(rows, { size: cellSize(rows.length, rows[0].length, 150, { min: 4, max: 22 }) });
  let differ = 0;
  const sameShape = isGrid(against) && against.length === rows.length && against[0].length === rows[0].length;
  if (sameShape) {
    for (const cell of grid.children) {
      const r = Number(cell.dataset.r);
      const c = Number(cell.dataset.c);
      if (rows[r][c] !== against[r][c]) { cell.classList.add("diff"); differ++; }
    }
  }
  const note = against && !sameShape && isGrid(against) ? " · shape differs" : sameShape && differ ? ` · ${differ} cell(s) differ` : "";
  return el("figure", { class: `grid-block ${cls}`.trim(), dataset: { differ: String(differ) } },
    el("figcaption", { text: `${caption} · ${rows.length}×${rows[0].length}${note}` }), grid);
}

function pairsSection(pairs) {
  const row = (pair, label) => el("div", { class: "pair" }, figure(pair.input, `${label} input`), el("span", { class: "arrow", text: "→" }),
    figure(pair.output, `${label} output`));
  return el("section", { class: "panel", id: "task-pairs" }, el("h2", { text: "Task" }),
    el("div", { class: "pairs task-pairs" },
      (pairs.train || []).map((p, i) => row(p, `train ${i + 1}`)),
      (pairs.test || []).map((p, i) => row(p, `test ${i + 1}`))));
}

function lineageSection(nodes, onPick) {
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const children = new Map();
  const roots = [];
  for (const node of nodes) {
    if (node.parent && byKey.has(node.parent)) {
      if (!children.has(node.parent)) children.set(node.parent, []);
      children.get(node.parent).push(node);
    } else roots.push(node);
  }
  const accuracy = (n) => (n.train_total ? `${n.train_passed}/${n.train_total}` : "–");
  const item = (node) => {
    const perfect = node.train_total && node.train_passed === node.train_total;
    return el("li", {},
      el("button", { type: "button", class: `node ${perfect ? "perfect" : ""}`.trim(), dataset: { key: node.key },
        onclick: () => onPick(node.key) },
      el("span", { class: "mono", text: `s${node.sample_index ?? "?"}` }), ` round ${node.round} · train ${accuracy(node)}`,
      node.status !== "ok" ? badge(node.status || "?", "bad") : null),
      children.has(node.key) ? el("ul", {}, children.get(node.key).map(item)) : null);
  };
  return el("section", { class: "panel", id: "lineage" }, el("h2", { text: "Lineage" }),
    el("p", { class: "hint", text: "Each revision under the program it revises; round and train pairs passed at each node." }),
    el("ul", { class: "tree" }, roots.map(item)));
}

function verdictKind(status) {
  return status === "passed" ? "ok" : status === "unknown" ? "none" : "bad";
}

function pairVerdict(pair) {
  const label = `${pair.split} ${pair.index + 1}${pair.attempt ? ` · attempt ${pair.attempt}` : ""}`;
  return el("div", { class: `verdict-row ${verdictKind(pair.status)}`, dataset: { split: pair.split, status: pair.status || "" } },
    el("div", { class: "verdict-head" }, el("b", { text: label }), " ", badge(pair.status || "?", verdictKind(pair.status))),
    el("div", { class: "pair" },
      figure(pair.output, "output", { against: pair.expected, cls: "program-output" }),
      figure(pair.expected, "expected", { cls: "expected" })),
    pair.error ? el("pre", { class: "failure", tabindex: "0", text: pair.error }) : null);
}

// A generate-tasks sample: the verdict on the generator and the task it made, drawn.
function synthesisBlock(made) {
  if (!made || typeof made !== "object") return null;
  const task = made.task && typeof made.task === "object" ? made.task : null;
  const pairs = task ? [...(task.train || []).map((p, i) => [p, `made train ${i + 1}`]), ...(task.test || []).map((p, i) => [p, `made test ${i + 1}`])] : [];
  return el("div", { class: "synthesis" },
    el("h3", {}, "Task synthesis ", badge(String(made.status || "?"), made.status === "accepted" ? "ok" : "bad"),
      made.reason ? ` ${made.reason}` : "", made.task_id ? el("span", { class: "mono", text: ` → ${made.task_id}` }) : null),
    made.description ? el("p", { class: "hint", text: String(made.description) }) : null,
    made.detail ? el("pre", { class: "failure", tabindex: "0", text: String(made.detail) }) : null,
    pairs.length ? el("div", { class: "pairs task-pairs" }, pairs.map(([p, label]) => el("div", { class: "pair" },
      figure(p.input, `${label} input`), el("span", { class: "arrow", text: "→" }), figure(p.output, `${label} output`)))) : null);
}

// What a benchmark submitted for the task: per test input, its two attempts beside the expected output.
function submittedSection(submitted) {
  return el("section", { class: "panel", id: "submitted" }, el("h2", { text: "Submitted attempts" }),
    submitted.map((test) => el("div", { class: "verdicts" },
      el("h3", { text: `test ${test.test_index + 1}` }),
      ...test.attempts.map((a, i) => el("div", { class: `verdict-row ${a.correct ? "ok" : a.grid ? "bad" : "none"}`, dataset: { attempt: String(i + 1) } },
        el("div", { class: "verdict-head" }, el("b", { text: `attempt ${i + 1}` }), " ",
          a.grid ? badge(a.correct ? "right" : a.correct === false ? "wrong" : "?", a.correct ? "ok" : "bad") : badge("none", "none")),
        el("div", { class: "pair" }, figure(a.grid, "submitted", { against: test.expected, cls: "program-output" })),
        a.reason ? el("p", { class: "hint", text: `${a.reason}${a.programs ? ` (${a.programs.join(", ")})` : ""}` }) : null)),
      el("div", { class: "verdict-row" }, el("div", { class: "verdict-head" }, el("b", { text: "expected" })),
        el("div", { class: "pair" }, figure(test.expected, "expected", { cls: "expected" }))))));
}

function messages(list) {
  return (list || []).map((m) => el("div", { class: "message" }, el("div", { class: "role", text: m.role }),
    el("pre", { class: "text", tabindex: "0", text: typeof m.content === "string" ? m.content : JSON.stringify(m.content, null, 1) })));
}

function sampleCard(sample) {
  const usage = sample.usage || {};
  const train = sample.train_total ? ` · train ${sample.train_passed}/${sample.train_total}` : "";
  const lineage = sample.parent ? el("span", { class: "hint" }, ` · round ${sample.round} · revises `,
    el("a", { href: `#sample-${sample.parent}`, class: "mono", text: sample.parent })) : sample.round ? ` · round ${sample.round}` : null;
  return el("article", { class: "panel sample", id: `sample-${sample.key}`, dataset: { key: sample.key || "" } },
    el("div", { class: "sample-head" },
      el("h3", {}, el("span", { class: "mono", text: `sample ${sample.sample_index ?? "?"}` }), " ",
        badge(sample.status || "?", sample.status === "ok" ? "ok" : "bad"),
        sample.outcome ? badge(sample.outcome, sample.verified ? "ok" : "bad") : null, lineage),
      el("span", { class: "hint", text: `${fmt.usd(sample.cost_usd)} · ${fmt.int(usage.prompt_tokens)} in / ${fmt.int(usage.completion_tokens)} out`
        + ` · ${fmt.secs(sample.latency_s)}${sample.cached ? " · cached" : ""}${train}` })),
    el("details", { class: "prompt" }, el("summary", { text: `Prompt (${(sample.prompt_messages || []).length} message(s))` }),
      messages(sample.prompt_messages)),
    sample.feedback ? el("details", { class: "feedback" }, el("summary", { text: "Feedback it was given" }),
      el("pre", { class: "text", tabindex: "0", text: String(sample.feedback) })) : null,
    sample.thinking ? el("details", { class: "thinking" }, el("summary", { text: "Thinking" }), el("pre", { class: "text", tabindex: "0", text: sample.thinking })) : null,
    sample.completion !== null && sample.completion !== undefined
      ? el("details", { class: "reply", open: !sample.code }, el("summary", { text: "Reply" }), el("pre", { class: "text", tabindex: "0", text: sample.completion }))
      : null,
    sample.code ? el("div", { class: "program" }, el("h3", { text: `Program${sample.entry ? ` (${sample.entry})` : ""}` }), highlighted(sample.code)) : null,
    sample.error || sample.parse_error ? el("div", { class: "failure-box" }, el("h3", { text: sample.status === "parse_failure" ? "Parse failure" : "Error" }),
      el("pre", { class: "failure", tabindex: "0", text: [sample.parse_error ? `${sample.parse_error.kind}: ${sample.parse_error.message}` : "", sample.error || ""].filter(Boolean).join("\n") })) : null,
    synthesisBlock(sample.synthesis),
    sample.pairs.length ? el("div", { class: "verdicts" }, el("h3", { text: "Verdict per pair" }), sample.pairs.map(pairVerdict))
      : el("p", { class: "hint", text: sample.code && !sample.synthesis ? "No verdicts yet: run `arcforge verify` on this run." : "" }));
}

export async function taskPage(id, task, crumbs) {
  crumbs({ text: "Runs", href: "/runs" }, { text: id, href: runUrl(id) }, { text: task });
  const app = document.getElementById("app");
  const samplesHost = el("section", { class: "samples", id: "samples" });
  let first = null;

  async function drawSamples(offset, focusKey = null) {
    const data = await load(`${apiRun(id)}/tasks/${encodeURIComponent(task)}?offset=${offset}&limit=${LIMIT}`);
    samplesHost.replaceChildren(
      el("div", { class: "row toolbar-row" }, el("h2", { text: `Samples (${fmt.int(data.total)})` }),
        pager({ total: data.total, offset: data.offset, limit: data.limit, id: "sample-pager", onPage: (o) => drawSamples(o) })),
      ...data.samples.map(sampleCard));
    if (focusKey) document.getElementById(`sample-${focusKey}`)?.scrollIntoView();
    return data;
  }

  function pick(key) {
    const found = document.getElementById(`sample-${key}`);
    if (found) { found.scrollIntoView(); found.classList.add("flash"); return; }
    const position = first.lineage.findIndex((n) => n.key === key);
    drawSamples(Math.floor(position / LIMIT) * LIMIT, key);
  }

  first = await drawSamples(0);
  if (first.testing_page) startAccount();
  const version = first.task_version ? `&version=${first.task_version}` : "";
  const links = first.testing_page ? el("p", { class: "links" },
    el("a", { href: `/?task=${encodeURIComponent(first.task_id)}${version}`, id: "testing-link", text: "Open on the testing page" }), " · ",
    el("a", { href: `/?task=${encodeURIComponent(first.task_id)}${version}#pane-traces`, id: "traces-link", text: "its traces" }), " · ",
    el("a", { href: `/discuss/${encodeURIComponent(first.task_id)}`, text: "discuss it" })) : null;
  const bench = first.benchmark;
  app.replaceChildren(
    el("section", { class: "panel run-head" }, el("h1", { class: "run-title" }, el("span", { class: "mono", text: task }), " ",
      bench ? solvedBadge(bench.score) : null),
    el("p", { class: "hint" }, "in run ", el("a", { href: runUrl(id), class: "mono", text: id })), links),
    pairsSection(first.pairs),
    ...(first.submitted && first.submitted.length ? [submittedSection(first.submitted)] : []),
    ...(first.lineage.length ? [lineageSection(first.lineage, pick)] : []),
    samplesHost);
  document.body.classList.add("ready");
}
