// Keeping the work on each test input: in memory while the page lives, and in the browser's storage so a
// reload, a log-in or a closed and reopened tab finds it again.
//
// Keys are "arcforge:work:<task>:<version>:<input>". Each saved entry holds the grid, the undo and redo
// stacks, the action log, and a fingerprint of what the task showed (its train pairs and that test input):
// when the fingerprint differs (the task changed since), the page asks before restoring. sessionStorage
// is written first (this tab); localStorage keeps a copy for a new tab. A full storage drops the oldest
// entries, then the undo history, and never throws into the page.

import { decodeRows, encodeRows } from "./grids.js";

const PREFIX = "arcforge:work:";
const KEEP = 60; // entries in localStorage
const STORED_UNDO = 100;

export function workKey(taskId, version, index) {
  return `${PREFIX}${taskId}:${version}:${index}`;
}

// A short, stable hash of the task content the page can see (FNV-1a over its JSON).
export function fingerprint(task, index) {
  const text = JSON.stringify([task.train, task.test[index].input]);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16);
}

function encode(work, print, undoLimit) {
  return JSON.stringify({
    v: 1,
    fingerprint: print,
    saved: Date.now(),
    grid: encodeRows(work.grid),
    undo: work.undo.slice(-undoLimit).map(encodeRows),
    redo: work.redo.slice(-undoLimit).map(encodeRows),
    log: undoLimit ? work.log : work.log.slice(-200),
    cursor: work.cursor,
  });
}

export function decode(text) {
  try {
    const data = JSON.parse(text);
    const grid = decodeRows(data.grid);
    if (!grid || data.v !== 1) return null;
    const rows = (list) => (Array.isArray(list) ? list.map(decodeRows).filter(Boolean) : []);
    return {
      fingerprint: data.fingerprint,
      saved: data.saved,
      work: {
        grid, undo: rows(data.undo), redo: rows(data.redo), log: Array.isArray(data.log) ? data.log : [],
        selection: null, cursor: data.cursor && Number.isInteger(data.cursor.r) ? data.cursor : { r: 0, c: 0 },
      },
    };
  } catch {
    return null;
  }
}

function put(storage, key, value) {
  try {
    storage.setItem(key, value);
    return true;
  } catch {
    return false;
  }
}

function prune(storage, keep) {
  const entries = [];
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (!key || !key.startsWith(PREFIX)) continue;
    const saved = decode(storage.getItem(key))?.saved || 0;
    entries.push([saved, key]);
  }
  entries.sort((a, b) => b[0] - a[0]);
  for (const [, key] of entries.slice(keep)) storage.removeItem(key);
}

export function saveWork(key, work, print) {
  for (const storage of [window.sessionStorage, window.localStorage]) {
    if (put(storage, key, encode(work, print, STORED_UNDO))) continue;
    prune(storage, 10);
    if (!put(storage, key, encode(work, print, STORED_UNDO))) put(storage, key, encode(work, print, 0));
  }
  if (Math.random() < 0.05) prune(window.localStorage, KEEP);
}

export function loadWork(key) {
  for (const storage of [window.sessionStorage, window.localStorage]) {
    const found = storage.getItem(key);
    const data = found && decode(found);
    if (data) return data;
  }
  return null;
}

export function dropWork(key) {
  window.sessionStorage.removeItem(key);
  window.localStorage.removeItem(key);
}

// Every stored piece of work, newest first: [{taskId, version, index, saved}] (for "my tasks").
export function listWork() {
  const found = new Map();
  for (const storage of [window.localStorage, window.sessionStorage]) {
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (!key || !key.startsWith(PREFIX)) continue;
      const match = /^(.*):(\d+):(\d+)$/.exec(key.slice(PREFIX.length));
      const data = match && decode(storage.getItem(key));
      if (!data) continue;
      const previous = found.get(key);
      if (!previous || previous.saved < data.saved) {
        found.set(key, { taskId: match[1], version: Number(match[2]), index: Number(match[3]), saved: data.saved });
      }
    }
  }
  return [...found.values()].sort((a, b) => b.saved - a.saved);
}

// The action log as sent with an attempt: at most `maxBytes` of JSON (the server's cap). The first entry
// (the start) stays; the oldest entries after it go first, replaced by one {tool: "truncated"} entry.
export function fitLog(log, maxBytes) {
  const size = (entries) => JSON.stringify(entries).length;
  if (!maxBytes || size(log) <= maxBytes) return log;
  const head = log.slice(0, 1);
  const tail = log.slice(1);
  let dropped = 0;
  let total = size(head) + size(tail) + 120; // room for the marker
  while (dropped < tail.length && total > maxBytes) {
    total -= JSON.stringify(tail[dropped]).length + 1;
    dropped += 1;
  }
  return [...head, { t: Date.now(), tool: "truncated", dropped, cells: [] }, ...tail.slice(dropped)];
}
