// The output editor: every tool of the ARC testing interface, undo/redo, and the action log.
//
// The grid is a plain array of rows. Every change goes through `commit(entry, before)`, which pushes the
// previous grid on the undo stack and appends one entry to the action log: the tool, the colour, the cells
// touched, the selection, the resulting grid (as "HxW:digits") and a UTC millisecond timestamp. A drag
// paints many cells but is one undo step and one log entry.

import { cloneRows, drawGrid, encodeRows, sameRows } from "./grids.js";

const MAX = 30;
const UNDO_LIMIT = 500;
const LOG_LIMIT = 5000;

export class Editor {
  constructor({ outputHost, inputHost, onChange }) {
    this.outputHost = outputHost;
    this.inputHost = inputHost;
    this.onChange = onChange || (() => {});
    this.tool = "edit";
    this.colour = 1;
    this.numbers = false;
    this.input = [[0]];
    this.grid = blank(3, 3);
    this.selection = null; // {target, r0, c0, r1, c1}
    this.clipboard = null;
    this.undoStack = [];
    this.redoStack = [];
    this.log = [];
    this.stroke = null;
    this.locked = false;
    this.cellPx = 24;
    window.addEventListener("pointerup", () => this.endPointer());
  }

  // ---- loading ----------------------------------------------------------------------------
  load(inputRows) {
    this.input = cloneRows(inputRows);
    this.grid = blank(3, 3);
    this.selection = null;
    this.undoStack = [];
    this.redoStack = [];
    this.log = [];
    this.record({ tool: "start" });
    this.render();
  }

  setLocked(locked) {
    this.locked = locked;
    this.outputHost.classList.toggle("locked", locked);
  }

  // ---- state changes ------------------------------------------------------------------------
  record(entry) {
    if (this.log.length >= LOG_LIMIT) return;
    const selection = this.selection ? { ...this.selection } : null;
    this.log.push({ t: Date.now(), colour: this.colour, cells: [], selection, ...entry, grid: encodeRows(this.grid) });
  }

  commit(entry, before) {
    if (sameRows(before, this.grid) && entry.tool !== "resize") {
      return false;
    }
    this.undoStack.push(before);
    if (this.undoStack.length > UNDO_LIMIT) this.undoStack.shift();
    this.redoStack = [];
    this.record(entry);
    this.render();
    return true;
  }

  canEdit() {
    return !this.locked;
  }

  setTool(tool) {
    this.tool = tool;
    if (tool !== "select") this.clearSelection();
    this.onChange("tool");
  }

  setColour(colour) {
    this.colour = colour;
    if (this.tool === "select" && this.selection && this.selection.target === "output") {
      this.fillSelection();
    }
    this.onChange("colour");
  }

  setNumbers(on) {
    this.numbers = on;
    this.render();
  }

  resize(height, width) {
    if (!this.canEdit()) return false;
    if (!(height >= 1 && height <= MAX && width >= 1 && width <= MAX)) return false;
    const before = cloneRows(this.grid);
    const next = blank(height, width);
    for (let r = 0; r < Math.min(height, before.length); r++) {
      for (let c = 0; c < Math.min(width, before[0].length); c++) next[r][c] = before[r][c];
    }
    this.grid = next;
    this.selection = null;
    return this.commit({ tool: "resize", size: [height, width] }, before);
  }

  copyFromInput() {
    if (!this.canEdit()) return;
    const before = cloneRows(this.grid);
    this.grid = cloneRows(this.input);
    this.selection = null;
    this.commit({ tool: "copy_from_input" }, before);
  }

  reset() {
    if (!this.canEdit()) return;
    const before = cloneRows(this.grid);
    this.grid = blank(3, 3);
    this.selection = null;
    this.commit({ tool: "reset" }, before);
  }

  floodFill(r, c) {
    if (!this.canEdit()) return;
    const before = cloneRows(this.grid);
    const target = this.grid[r][c];
    if (target === this.colour) return;
    const cells = [];
    const stack = [[r, c]];
    const h = this.grid.length;
    const w = this.grid[0].length;
    while (stack.length) {
      const [y, x] = stack.pop();
      if (y < 0 || x < 0 || y >= h || x >= w || this.grid[y][x] !== target) continue;
      this.grid[y][x] = this.colour;
      cells.push([y, x]);
      stack.push([y + 1, x], [y - 1, x], [y, x + 1], [y, x - 1]);
    }
    this.commit({ tool: "flood_fill", cells }, before);
  }

  fillSelection() {
    const s = this.selection;
    if (!this.canEdit() || !s || s.target !== "output") return false;
    const before = cloneRows(this.grid);
    const cells = [];
    for (let r = s.r0; r <= s.r1; r++) {
      for (let c = s.c0; c <= s.c1; c++) {
        this.grid[r][c] = this.colour;
        cells.push([r, c]);
      }
    }
    this.commit({ tool: "fill_selection", cells }, before);
    return true;
  }

  copy() {
    const s = this.selection;
    if (!s) return false;
    const source = s.target === "input" ? this.input : this.grid;
    this.clipboard = [];
    for (let r = s.r0; r <= s.r1; r++) this.clipboard.push(source[r].slice(s.c0, s.c1 + 1));
    this.record({ tool: "copy", cells: [] });
    return true;
  }

  paste() {
    const s = this.selection;
    if (!this.canEdit() || !this.clipboard || !s || s.target !== "output") return false;
    const before = cloneRows(this.grid);
    const cells = [];
    const h = this.grid.length;
    const w = this.grid[0].length;
    this.clipboard.forEach((row, dr) => row.forEach((value, dc) => {
      const r = s.r0 + dr;
      const c = s.c0 + dc;
      if (r < h && c < w) {
        this.grid[r][c] = value;
        cells.push([r, c]);
      }
    }));
    this.commit({ tool: "paste", cells }, before);
    return true;
  }

  undo() {
    if (!this.canEdit() || !this.undoStack.length) return;
    this.redoStack.push(cloneRows(this.grid));
    this.grid = this.undoStack.pop();
    this.selection = null;
    this.record({ tool: "undo" });
    this.render();
  }

  redo() {
    if (!this.canEdit() || !this.redoStack.length) return;
    this.undoStack.push(cloneRows(this.grid));
    this.grid = this.redoStack.pop();
    this.selection = null;
    this.record({ tool: "redo" });
    this.render();
  }

  clearSelection() {
    if (!this.selection) return;
    this.selection = null;
    this.paintSelection();
  }

  // ---- pointer handling ------------------------------------------------------------------------
  cellFrom(event, target) {
    const host = target === "input" ? this.inputHost : this.outputHost;
    const node = document.elementFromPoint(event.clientX, event.clientY);
    if (!node || !node.classList.contains("cell") || !host.contains(node)) return null;
    return [Number(node.dataset.r), Number(node.dataset.c), node];
  }

  startPointer(event, target) {
    const hit = this.cellFrom(event, target);
    if (!hit) return;
    event.preventDefault();
    const [r, c, node] = hit;
    if (this.tool === "select" || target === "input") {
      this.stroke = { kind: "select", target, r, c };
      this.selection = { target, r0: r, c0: c, r1: r, c1: c };
      this.paintSelection();
      return;
    }
    if (!this.canEdit()) return;
    if (this.tool === "flood") {
      this.floodFill(r, c);
      return;
    }
    this.stroke = { kind: "paint", before: cloneRows(this.grid), cells: [] };
    this.paintCell(r, c, node);
  }

  movePointer(event, target) {
    if (!this.stroke || !(event.buttons & 1)) return;
    const hit = this.cellFrom(event, target);
    if (!hit) return;
    const [r, c, node] = hit;
    if (this.stroke.kind === "select" && this.stroke.target === target) {
      this.selection = {
        target,
        r0: Math.min(this.stroke.r, r), c0: Math.min(this.stroke.c, c),
        r1: Math.max(this.stroke.r, r), c1: Math.max(this.stroke.c, c),
      };
      this.paintSelection();
    } else if (this.stroke.kind === "paint" && target === "output") {
      this.paintCell(r, c, node);
    }
  }

  endPointer() {
    const stroke = this.stroke;
    this.stroke = null;
    if (!stroke) return;
    if (stroke.kind === "paint") {
      this.commit({ tool: "edit", cells: stroke.cells }, stroke.before);
    } else if (stroke.kind === "select") {
      this.record({ tool: "select" });
      this.onChange("selection");
    }
  }

  paintCell(r, c, node) {
    if (this.grid[r][c] === this.colour) return;
    this.grid[r][c] = this.colour;
    this.stroke.cells.push([r, c]);
    node.className = `cell c${this.colour}`;
    if (this.numbers) node.textContent = this.colour;
  }

  // ---- drawing ------------------------------------------------------------------------------
  bindGrid(gridEl, target) {
    gridEl.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      e.target.releasePointerCapture?.(e.pointerId);
      this.startPointer(e, target);
    });
    gridEl.addEventListener("pointermove", (e) => this.movePointer(e, target));
    gridEl.addEventListener("dragstart", (e) => e.preventDefault());
  }

  render() {
    const h = this.grid.length;
    const w = this.grid[0].length;
    const box = Math.min(420, Math.max(240, this.outputHost.clientWidth || 420));
    this.cellPx = Math.max(10, Math.min(36, Math.floor(box / Math.max(h, w))));
    const inputPx = Math.max(10, Math.min(36, Math.floor(box / Math.max(this.input.length, this.input[0].length))));
    const inputGrid = drawGrid(this.input, { size: inputPx, numbers: this.numbers, cls: "editable input-grid", label: "test input" });
    const outputGrid = drawGrid(this.grid, { size: this.cellPx, numbers: this.numbers, cls: "editable output-grid", label: "your output" });
    this.bindGrid(inputGrid, "input");
    this.bindGrid(outputGrid, "output");
    this.inputHost.replaceChildren(inputGrid);
    this.outputHost.replaceChildren(outputGrid);
    this.paintSelection();
    this.onChange("grid");
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

export function blank(height, width) {
  return Array.from({ length: height }, () => new Array(width).fill(0));
}
