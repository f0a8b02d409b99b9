// Pure operations on grids (arrays of rows) and rectangles {r0, c0, r1, c1}: no DOM, no state.
// Each returns a new grid (and, where the rectangle changes, the new rectangle).

import { cloneRows } from "./grids.js";

export function blank(height, width, value = 0) {
  return Array.from({ length: height }, () => new Array(width).fill(value));
}

export function whole(rows) {
  return { r0: 0, c0: 0, r1: rows.length - 1, c1: rows[0].length - 1 };
}

export function crop(rows, rect) {
  const out = [];
  for (let r = rect.r0; r <= rect.r1; r++) out.push(rows[r].slice(rect.c0, rect.c1 + 1));
  return out;
}

export const rotate90 = (block) => block[0].map((_, c) => block.map((row) => row[c]).reverse());
export const flipH = (block) => block.map((row) => row.slice().reverse());
export const flipV = (block) => block.slice().reverse().map((row) => row.slice());

// Write `block` with its top-left at (r, c), clipped to the grid; returns [grid, cells written, rect].
export function stamp(rows, block, r, c) {
  const grid = cloneRows(rows);
  const cells = [];
  block.forEach((line, dr) => line.forEach((value, dc) => {
    const y = r + dr;
    const x = c + dc;
    if (y >= 0 && x >= 0 && y < grid.length && x < grid[0].length) {
      grid[y][x] = value;
      cells.push([y, x]);
    }
  }));
  const rect = {
    r0: Math.max(0, r), c0: Math.max(0, c),
    r1: Math.min(grid.length - 1, r + block.length - 1), c1: Math.min(grid[0].length - 1, c + block[0].length - 1),
  };
  return [grid, cells, rect];
}

// Transform the selected block (or the whole grid when `rect` is null) in place, anchored at its top-left.
// A whole-grid rotation swaps the grid's height and width.
export function transformBlock(rows, rect, fn) {
  if (!rect) {
    const grid = fn(rows);
    return [grid, null];
  }
  const cleared = fillRect(rows, rect, 0);
  const [grid, , next] = stamp(cleared, fn(crop(rows, rect)), rect.r0, rect.c0);
  return [grid, next];
}

export function fillRect(rows, rect, value) {
  const grid = cloneRows(rows);
  for (let r = rect.r0; r <= rect.r1; r++) for (let c = rect.c0; c <= rect.c1; c++) grid[r][c] = value;
  return grid;
}

// Move the selected block by (dr, dc): its old place becomes 0 (black), cells pushed off the grid are lost.
// The rectangle is kept whole as long as part of it stays on the grid, so a move can be walked back.
export function moveBlock(rows, rect, dr, dc) {
  const h = rows.length;
  const w = rows[0].length;
  const r0 = rect.r0 + dr;
  const c0 = rect.c0 + dc;
  const r1 = rect.r1 + dr;
  const c1 = rect.c1 + dc;
  if (r1 < 0 || c1 < 0 || r0 >= h || c0 >= w) return null;
  const [grid] = stamp(fillRect(rows, rect, 0), crop(rows, rect), r0, c0);
  const clip = { r0: Math.max(0, r0), c0: Math.max(0, c0), r1: Math.min(h - 1, r1), c1: Math.min(w - 1, c1) };
  return [grid, clip];
}

export function floodCells(rows, r, c, colour) {
  const grid = cloneRows(rows);
  const target = grid[r][c];
  const cells = [];
  if (target === colour) return [grid, cells];
  const stack = [[r, c]];
  while (stack.length) {
    const [y, x] = stack.pop();
    if (y < 0 || x < 0 || y >= grid.length || x >= grid[0].length || grid[y][x] !== target) continue;
    grid[y][x] = colour;
    cells.push([y, x]);
    stack.push([y + 1, x], [y - 1, x], [y, x + 1], [y, x - 1]);
  }
  return [grid, cells];
}

export function resized(rows, height, width) {
  const next = blank(height, width);
  for (let r = 0; r < Math.min(height, rows.length); r++) {
    for (let c = 0; c < Math.min(width, rows[0].length); c++) next[r][c] = rows[r][c];
  }
  return next;
}
