// Pointer input on the editor's grids: paint by dragging, flood fill, select a rectangle (on the input or
// the output), and move a selected block by dragging from inside it. A stroke is one undo step.

import { cloneRows } from "./grids.js";
import { moveBlock } from "./grid_ops.js";

function cellFrom(editor, event, target) {
  const host = target === "input" ? editor.inputHost : editor.outputHost;
  const node = document.elementFromPoint(event.clientX, event.clientY);
  if (!node || !node.classList.contains("cell") || !host.contains(node)) return null;
  return [Number(node.dataset.r), Number(node.dataset.c), node];
}

function startPointer(editor, event, target) {
  const hit = cellFrom(editor, event, target);
  if (!hit) return;
  event.preventDefault();
  const [r, c, node] = hit;
  if (target === "output") {
    editor.work.cursor = { r, c };
    editor.paintCursor();
  }
  const s = editor.outputSelection();
  const inside = s && target === "output" && r >= s.r0 && r <= s.r1 && c >= s.c0 && c <= s.c1;
  if (editor.tool === "select" && inside && !editor.locked && (s.r0 !== s.r1 || s.c0 !== s.c1)) {
    editor.stroke = { kind: "move", r, c, rect: { ...s }, before: cloneRows(editor.grid), dr: 0, dc: 0 };
    return;
  }
  if (editor.tool === "select" || target === "input") {
    editor.stroke = { kind: "select", target, r, c };
    editor.selection = { target, r0: r, c0: c, r1: r, c1: c };
    editor.paintSelection();
    return;
  }
  if (editor.locked) return;
  if (editor.tool === "flood") {
    editor.floodFill(r, c);
    return;
  }
  editor.stroke = { kind: "paint", before: cloneRows(editor.grid), cells: [] };
  paintCell(editor, r, c, node);
}

function movePointer(editor, event, target) {
  const stroke = editor.stroke;
  if (!stroke || !(event.buttons & 1)) return;
  const hit = cellFrom(editor, event, target);
  if (!hit) return;
  const [r, c, node] = hit;
  if (stroke.kind === "select" && stroke.target === target) {
    editor.selection = {
      target, r0: Math.min(stroke.r, r), c0: Math.min(stroke.c, c), r1: Math.max(stroke.r, r), c1: Math.max(stroke.c, c),
    };
    editor.paintSelection();
  } else if (stroke.kind === "paint" && target === "output") {
    paintCell(editor, r, c, node);
  } else if (stroke.kind === "move" && target === "output") {
    const moved = moveBlock(stroke.before, stroke.rect, r - stroke.r, c - stroke.c);
    if (!moved) return;
    [stroke.dr, stroke.dc] = [r - stroke.r, c - stroke.c];
    editor.grid = moved[0];
    editor.selection = { target: "output", ...moved[1] };
    editor.render();
  }
}

export function endPointer(editor) {
  const stroke = editor.stroke;
  editor.stroke = null;
  if (!stroke) return;
  if (stroke.kind === "paint") {
    editor.commit({ tool: "edit", cells: stroke.cells }, stroke.before);
  } else if (stroke.kind === "move") {
    editor.commit({ tool: "move", by: [stroke.dr, stroke.dc] }, stroke.before);
  } else if (stroke.kind === "select") {
    editor.record({ tool: "select" });
    editor.onChange("selection");
  }
}

function paintCell(editor, r, c, node) {
  if (editor.grid[r][c] === editor.colour) return;
  editor.grid[r][c] = editor.colour;
  editor.stroke.cells.push([r, c]);
  editor.updateCell(node, editor.colour);
}

export function bindPointer(editor, gridEl, target) {
  gridEl.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    e.target.releasePointerCapture?.(e.pointerId);
    startPointer(editor, e, target);
  });
  gridEl.addEventListener("pointermove", (e) => movePointer(editor, e, target));
  gridEl.addEventListener("dragstart", (e) => e.preventDefault());
}
