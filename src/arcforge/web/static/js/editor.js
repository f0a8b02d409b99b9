// The output editor: every tool of the ARC testing interface and O2ARC's selection tools (rotate, flip,
// move), a keyboard cell cursor, undo/redo, and the action log.
//
// What is being drawn for one test input is one plain object, the *work*: {grid, undo, redo, log, selection,
// cursor}. The page keeps one per test input (`snapshot()` / `restore(work)`), so switching inputs, logging
// in or reloading never loses a drawing or its undo history. Every change goes through `commit(entry,
// before)`, which pushes the previous grid on the undo stack and appends one entry to the action log: the
// tool, the colour, the cells touched, the selection, the resulting grid ("HxW:digits") and a UTC
// millisecond timestamp. A drag paints many cells but is one undo step and one log entry.

import { cellLabel, cloneRows, drawGrid, encodeRows, fitCell, sameRows } from "./grids.js";
import { bindPointer, endPointer } from "./pointer.js";
import {
  blank, crop, fillRect, flipH, flipV, floodCells, moveBlock, resized, rotate90, stamp, transformBlock,
} from "./grid_ops.js";

const MAX = 30;
const UNDO_LIMIT = 500;
const LOG_LIMIT = 5000;

export function newWork() {
  return { grid: blank(3, 3), undo: [], redo: [], log: [], selection: null, cursor: { r: 0, c: 0 } };
}

export class Editor {
  constructor({ outputHost, inputHost, onChange }) {
    this.outputHost = outputHost;
    this.inputHost = inputHost;
    this.onChange = onChange || (() => {});
    this.tool = "edit";
    this.colour = 1;
    this.numbers = false;
    this.zoom = 1;
    this.input = [[0]];
    this.work = newWork();
    this.clipboard = null;
    this.stroke = null;
    this.locked = false;
    this.box = { width: 400, height: 400 };
    window.addEventListener("pointerup", () => endPointer(this));
  }

  get grid() { return this.work.grid; }
  set grid(rows) { this.work.grid = rows; }
  get selection() { return this.work.selection; }
  set selection(value) { this.work.selection = value; }
  get log() { return this.work.log; }
  get undoStack() { return this.work.undo; }
  get redoStack() { return this.work.redo; }
  get cursor() { return this.work.cursor; }

  // ---- loading ----------------------------------------------------------------------------
  // Show test input `inputRows` with `work` (a stored one, or a fresh one that starts its log).
  load(inputRows, work = null) {
    this.input = cloneRows(inputRows);
    this.stroke = null;
    this.work = work || newWork();
    if (!this.work.cursor) this.work.cursor = { r: 0, c: 0 };
    if (!work) this.record({ tool: "start" });
    this.render();
  }

  snapshot() {
    return this.work;
  }

  setLocked(locked) {
    this.locked = locked;
    this.outputHost.classList.toggle("locked", locked);
    this.render();
  }

  setBox(width, height) {
    this.box = { width, height };
  }

  // ---- state changes ------------------------------------------------------------------------
  record(entry) {
    if (this.log.length >= LOG_LIMIT) return;
    const selection = this.selection ? { ...this.selection } : null;
    this.log.push({ t: Date.now(), colour: this.colour, cells: [], selection, ...entry, grid: encodeRows(this.grid) });
  }

  commit(entry, before) {
    if (sameRows(before, this.grid) && entry.tool !== "resize") return false;
    this.undoStack.push(before);
    if (this.undoStack.length > UNDO_LIMIT) this.undoStack.shift();
    this.work.redo = [];
    this.record(entry);
    this.clampCursor();
    this.render();
    return true;
  }

  // Replace the grid through `fn(grid) -> [grid, cells, selection?]` as one undoable step.
  apply(tool, fn, extra = {}) {
    if (this.locked) return false;
    const before = cloneRows(this.grid);
    const [grid, cells, selection] = fn(cloneRows(before));
    if (!grid) return false;
    this.grid = grid;
    if (selection !== undefined) this.selection = selection;
    return this.commit({ tool, cells: cells || [], ...extra }, before);
  }

  setTool(tool) {
    this.tool = tool;
    if (tool !== "select") this.clearSelection();
    this.onChange("tool");
  }

  setColour(colour) {
    this.colour = colour;
    if (this.tool === "select" && this.outputSelection()) this.fillSelection();
    this.onChange("colour");
  }

  setNumbers(on) {
    this.numbers = on;
    this.render(true);
  }

  setZoom(zoom) {
    this.zoom = Math.max(0.5, Math.min(3, zoom));
    this.render(true);
  }

  outputSelection() {
    const s = this.selection;
    return s && s.target === "output" ? s : null;
  }

  resize(height, width) {
    if (!(height >= 1 && height <= MAX && width >= 1 && width <= MAX)) return false;
    return this.apply("resize", (g) => [resized(g, height, width), [], null], { size: [height, width] });
  }

  copyFromInput() { return this.apply("copy_from_input", () => [cloneRows(this.input), [], null]); }
  reset() { return this.apply("reset", () => [blank(3, 3), [], null]); }
  floodFill(r, c) { return this.apply("flood_fill", (g) => floodCells(g, r, c, this.colour)); }

  paintAt(r, c, colour = this.colour) {
    return this.apply("edit", (g) => { g[r][c] = colour; return [g, [[r, c]]]; }, { colour });
  }

  fillSelection() {
    const s = this.outputSelection();
    if (!s) return false;
    const cells = [];
    for (let r = s.r0; r <= s.r1; r++) for (let c = s.c0; c <= s.c1; c++) cells.push([r, c]);
    this.apply("fill_selection", (g) => [fillRect(g, s, this.colour), cells]);
    return true;
  }

  // Rotate 90° clockwise / flip the selected block, or the whole output when nothing of it is selected.
  transform(kind) {
    const fn = { rotate: rotate90, flip_h: flipH, flip_v: flipV }[kind];
    const s = this.outputSelection();
    const rect = s ? { r0: s.r0, c0: s.c0, r1: s.r1, c1: s.c1 } : null;
    return this.apply(kind, (g) => {
      const [grid, next] = transformBlock(g, rect, fn);
      return [grid, [], next ? { target: "output", ...next } : null];
    });
  }

  moveSelection(dr, dc) {
    const s = this.outputSelection();
    if (!s) return false;
    const cur = this.work.cursor;
    const was = { r: cur.r, c: cur.c };
    [cur.r, cur.c] = [cur.r + dr, cur.c + dc]; // the cursor travels with the block (clamped on commit)
    const done = this.apply("move", (g) => {
      const moved = moveBlock(g, s, dr, dc);
      return moved ? [moved[0], [], { target: "output", ...moved[1] }] : [null];
    }, { by: [dr, dc] });
    if (!done) Object.assign(cur, was);
    return done;
  }

  copy() {
    const s = this.selection;
    if (!s) return false;
    this.clipboard = crop(s.target === "input" ? this.input : this.grid, s);
    this.record({ tool: "copy", cells: [] });
    return true;
  }

  paste() {
    const s = this.outputSelection();
    if (!this.clipboard || !s) return false;
    return this.apply("paste", (g) => {
      const [grid, cells, rect] = stamp(g, this.clipboard, s.r0, s.c0);
      return [grid, cells, { target: "output", ...rect }];
    }) || true;
  }

  undo() {
    if (this.locked || !this.undoStack.length) return;
    this.redoStack.push(cloneRows(this.grid));
    this.grid = this.undoStack.pop();
    this.selection = null;
    this.record({ tool: "undo" });
    this.clampCursor();
    this.render();
  }

  redo() {
    if (this.locked || !this.redoStack.length) return;
    this.undoStack.push(cloneRows(this.grid));
    this.grid = this.redoStack.pop();
    this.selection = null;
    this.record({ tool: "redo" });
    this.clampCursor();
    this.render();
  }

  clearSelection() {
    if (!this.selection) return;
    this.selection = null;
    this.paintSelection();
    this.onChange("selection");
  }

  // ---- keyboard cursor -------------------------------------------------------------------------
  clampCursor() {
    const cur = this.work.cursor;
    cur.r = Math.max(0, Math.min(this.grid.length - 1, cur.r));
    cur.c = Math.max(0, Math.min(this.grid[0].length - 1, cur.c));
  }

  // Arrows move the cursor; with `extend` (Shift) they grow the selection from where it started.
  moveCursor(dr, dc, extend) {
    const cur = this.work.cursor;
    const anchor = extend ? (this.work.anchor || { r: cur.r, c: cur.c }) : null;
    cur.r += dr;
    cur.c += dc;
    this.clampCursor();
    if (extend) {
      this.work.anchor = anchor;
      this.selection = {
        target: "output", r0: Math.min(anchor.r, cur.r), c0: Math.min(anchor.c, cur.c),
        r1: Math.max(anchor.r, cur.r), c1: Math.max(anchor.c, cur.c),
      };
      this.paintSelection();
    } else {
      this.work.anchor = null;
    }
    this.paintCursor();
    this.onChange("cursor");
  }

  // What the cursor's key does: paint the cell (edit), flood from it (flood), or select it (select).
  actAtCursor(colour = this.colour) {
    const { r, c } = this.work.cursor;
    this.colour = colour;
    if (this.tool === "flood") this.floodFill(r, c);
    else if (this.tool === "select" && this.outputSelection()) this.fillSelection();
    else this.paintAt(r, c, colour);
    this.onChange("colour");
  }

  updateCell(node, value) {
    node.className = `cell c${value}`;
    node.setAttribute("aria-label", cellLabel(Number(node.dataset.r), Number(node.dataset.c), value));
    if (this.numbers) node.textContent = value;
  }

  // ---- drawing ------------------------------------------------------------------------------
  cellPx(rows) {
    return Math.max(4, Math.round(fitCell(rows.length, rows[0].length, this.box.width, this.box.height, { max: 36 }) * this.zoom));
  }

  // Redraw both grids; an output of unchanged size is patched cell by cell (keeps focus and is fast).
  render(full = false) {
    const px = this.cellPx(this.grid);
    const old = this.outputHost.querySelector(".grid");
    const h = this.grid.length;
    const w = this.grid[0].length;
    if (!full && old && Number(old.dataset.height) === h && Number(old.dataset.width) === w && old.dataset.px === String(px)) {
      for (const node of old.querySelectorAll(".cell")) {
        const value = this.grid[Number(node.dataset.r)][Number(node.dataset.c)];
        if (!node.classList.contains(`c${value}`)) this.updateCell(node, value);
      }
      old.setAttribute("aria-readonly", String(this.locked));
    } else {
      const hadFocus = Boolean(old && old.contains(document.activeElement));
      const output = drawGrid(this.grid, {
        size: px, numbers: this.numbers, cls: "editable output-grid", label: this.locked ? "your output (read only)" : "your output",
        interactive: true, idPrefix: "out",
      });
      output.dataset.px = String(px);
      output.tabIndex = 0;
      output.setAttribute("aria-readonly", String(this.locked));
      output.setAttribute("aria-describedby", "grid-keys");
      output.addEventListener("focus", () => this.paintCursor());
      bindPointer(this, output, "output");
      this.outputHost.replaceChildren(output);
      const input = drawGrid(this.input, {
        size: this.cellPx(this.input), numbers: this.numbers, cls: "editable input-grid", label: "test input",
      });
      bindPointer(this, input, "input");
      this.inputHost.replaceChildren(input);
      if (hadFocus) output.focus();
    }
    this.paintSelection();
    this.paintCursor();
    this.onChange("grid");
  }

  paintCursor() {
    const grid = this.outputHost.querySelector(".grid");
    if (!grid) return;
    for (const node of grid.querySelectorAll(".cell.cursor")) node.classList.remove("cursor");
    const { r, c } = this.work.cursor;
    const node = grid.querySelector(`.cell[data-r="${r}"][data-c="${c}"]`);
    if (!node) return;
    node.classList.add("cursor");
    grid.setAttribute("aria-activedescendant", node.id);
  }

  paintSelection() {
    for (const host of [this.inputHost, this.outputHost]) {
      for (const node of host.querySelectorAll(".cell.sel")) node.classList.remove("sel");
    }
    const s = this.selection;
    if (!s) return;
    const host = s.target === "input" ? this.inputHost : this.outputHost;
    for (const node of host.querySelectorAll(".cell")) {
      const r = Number(node.dataset.r);
      const c = Number(node.dataset.c);
      if (r >= s.r0 && r <= s.r1 && c >= s.c0 && c <= s.c1) node.classList.add("sel");
    }
  }
}

export { blank };
