// The testing page's address and task search: the ?task=&version=&test= query, and "go to" by id,
// id prefix or #number.

import { el, get, toast } from "./api.js";

const $ = (id) => document.getElementById(id);

export function params() {
  const query = new URLSearchParams(window.location.search);
  return { task: query.get("task"), version: Number(query.get("version") || 0), test: Number(query.get("test") || 0) };
}

export function setUrl(task, testIndex, push) {
  const query = new URLSearchParams({ task: task.id });
  if (task.version) query.set("version", task.version);
  if (testIndex) query.set("test", testIndex);
  const url = `${window.location.pathname}?${query}`;
  if (push) window.history.pushState(null, "", url);
  else window.history.replaceState(null, "", url);
}

export function fillSuggestions(tasks) {
  $("task-suggestions").replaceChildren(...tasks.slice(0, 50).map((t) => el("option", { value: t.id, label: `#${t.number}` })));
}

// Open what the "go to" field names: an id, a #number, or the only (else the first) id with that prefix.
export async function gotoTask(text, ids, loadTask) {
  if (!text) return undefined;
  if (/^#?\d+$/.test(text) && !ids.includes(text)) return loadTask(text.startsWith("#") ? text : `#${text}`);
  if (ids.includes(text)) return loadTask(text);
  const found = await get(`/api/tasks?prefix=${encodeURIComponent(text)}&limit=50`);
  if (found.tasks.length === 1) return loadTask(found.tasks[0].id);
  if (!found.tasks.length) return toast(`No task id starts with "${text}"`, "error");
  fillSuggestions(found.tasks);
  toast(`${found.tasks.length} tasks start with "${text}": pick one from the list`);
  return loadTask(found.tasks[0].id);
}
