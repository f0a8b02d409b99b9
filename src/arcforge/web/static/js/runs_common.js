// What every page of the runs viewer shares: number formats, loading with the sign-in rule, sortable
// tables, a pager, links. Text from runs (ids, model names, replies) only ever goes in as text nodes.

import { ApiError, el, get } from "./api.js";

export const fmt = {
  pct: (x) => (x === null || x === undefined ? "–" : `${(100 * x).toFixed(1)}%`),
  usd: (x) => (x === null || x === undefined ? "–" : `$${Number(x).toFixed(x >= 1 ? 2 : 4)}`),
  int: (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US")),
  secs: (x) => (x === null || x === undefined ? "–" : `${Number(x).toFixed(2)} s`),
  when: (iso) => (iso ? String(iso).replace("T", " ").replace(/\+00:00$|Z$/, " UTC") : "–"),
  ratio: (a, b) => (a === null || a === undefined || !b ? "–" : `${a}/${b}`),
};

export const runUrl = (id) => `/runs/${encodeURIComponent(id)}`;
export const taskUrl = (id, task) => `${runUrl(id)}/tasks/${encodeURIComponent(task)}`;
export const apiRun = (id) => `/api/runs/${encodeURIComponent(id)}`;

let accountStarted = false;

// The account corner (log in / out) when the viewer is part of the full app.
export async function startAccount(onChange = () => window.location.reload()) {
  if (accountStarted) return;
  accountStarted = true;
  const host = document.getElementById("account");
  const { initAccount } = await import("./account.js");
  await initAccount({ host, onChange });
}

// GET `path`; on 401/403 the page says that the viewer needs a moderator and offers the log-in dialog.
export async function load(path) {
  try {
    return await get(path);
  } catch (exc) {
    const main = document.getElementById("app");
    if (exc instanceof ApiError && (exc.status === 401 || exc.status === 403)) {
      main.replaceChildren(el("section", { class: "panel notice", id: "sign-in-needed" },
        el("h2", { text: "Moderators only" }),
        el("p", { text: exc.status === 401 ? "Log in with a moderator's account (top right) to see the runs."
          : "Your account is not a moderator's: ask a moderator (arcforge users add NAME --moderator)." }),
        el("p", { class: "hint", text: "This server is reachable from other machines and runs hold the hidden " +
          "test outputs, so the runs viewer is for moderators here (on 127.0.0.1 it is open)." })));
      await startAccount();
    } else {
      main.replaceChildren(el("section", { class: "panel notice" },
        el("h2", { text: "Not found" }), el("p", { class: "error", text: exc.message })));
    }
    document.body.classList.add("ready");
    throw exc;
  }
}

// A comparison function for rows by column `col` (its `sort(row)` or `row[col.key]`); missing values last.
export function orderBy(col, descending) {
  const value = (row) => (col.sort ? col.sort(row) : row[col.key]);
  return (a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (x < y ? -1 : 1) * (descending ? -1 : 1);
  };
}

// A table whose headers sort it (in the page, or through `onSort` when the server sorts). columns: [{key, label, num, render(row) -> node|string, sort(row)}].
export function sortableTable(columns, rows, { sortKey, desc = false, onSort, id, rowAttrs } = {}) {
  let key = sortKey || columns[0].key;
  let descending = desc;
  const table = el("table", { class: "runs-table", id });
  const head = el("thead");
  const body = el("tbody");
  table.append(head, body);
  function draw() {
    const sortBy = (col) => {
      if (key === col.key) descending = !descending; else { key = col.key; descending = !!col.num; }
      if (onSort) onSort(key, descending); else draw();
    };
    head.replaceChildren(el("tr", {}, columns.map((col) => el("th", {
      class: `${col.num ? "num" : ""} ${col.key === key ? "sorted" : ""}`.trim(),
      dataset: { key: col.key },
      title: "sort",
      tabindex: "0",
      "aria-sort": col.key === key ? (descending ? "descending" : "ascending") : "none",
      onclick: () => sortBy(col),
      onkeydown: (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortBy(col); } },
    }, col.label, col.key === key ? (descending ? " ▾" : " ▴") : ""))));
    const ordered = onSort ? rows : rows.slice().sort(orderBy(columns.find((c) => c.key === key), descending));
    body.replaceChildren(...ordered.map((row) => el("tr", rowAttrs ? rowAttrs(row) : {},
      columns.map((col) => {
        const shown = col.render ? col.render(row) : row[col.key];
        return el("td", { class: col.num ? "num" : "" },
          shown instanceof Node ? shown : String(shown === null || shown === undefined ? "–" : shown));
      }))));
  }
  draw();
  return el("div", { class: "table-scroll" }, table);
}

// "1–50 of 1,234" with previous/next buttons.
export function pager({ total, offset, limit, onPage, id }) {
  const end = Math.min(total, offset + limit);
  return el("div", { class: "pager", id },
    el("button", { type: "button", class: "prev", disabled: offset <= 0, onclick: () => onPage(Math.max(0, offset - limit)) }, "◀"),
    el("span", { class: "pager-text", text: total ? `${fmt.int(offset + 1)}–${fmt.int(end)} of ${fmt.int(total)}` : "none" }),
    el("button", { type: "button", class: "next", disabled: end >= total, onclick: () => onPage(offset + limit) }, "▶"));
}

export function stat(label, value, hint = "", id = undefined) {
  return el("div", { class: "stat", id }, el("div", { class: "stat-label", text: label }),
    el("div", { class: "stat-value", text: value }), hint ? el("div", { class: "stat-hint", text: hint }) : null);
}

export function badge(text, kind = "") {
  return el("span", { class: `vbadge ${kind}`.trim(), text });
}

export function solvedBadge(value) {
  if (value === null || value === undefined) return badge("–", "none");
  if (value >= 1) return badge("solved", "ok");
  if (value > 0) return badge(`${Math.round(value * 100)}%`, "part");
  return badge("unsolved", "bad");
}
