// The testing page's toolbar: the palette, the tool and colour state shown on the buttons, the size field.

import { el } from "./api.js";
import { COLOUR_NAMES, PALETTE } from "./grids.js";

const $ = (id) => document.getElementById(id);

export function buildPalette(editor) {
  $("palette").replaceChildren(...PALETTE.map((_, i) => el("button", {
    type: "button", class: `swatch c${i}`, role: "radio", "aria-label": `colour ${i}, ${COLOUR_NAMES[i]}`,
    "aria-checked": "false", title: `${COLOUR_NAMES[i]} (key ${i})`, dataset: { colour: i }, text: String(i),
    onclick: () => editor.setColour(i),
  })));
}

// Show the editor's tool, colour, size and undo/redo state on the toolbar (`what` says what changed).
export function syncTools(editor, what) {
  for (const b of document.querySelectorAll("#tools [data-tool]")) {
    b.classList.toggle("active", b.dataset.tool === editor.tool);
    b.setAttribute("aria-pressed", String(b.dataset.tool === editor.tool));
  }
  for (const b of document.querySelectorAll("#palette .swatch")) {
    const on = Number(b.dataset.colour) === editor.colour;
    b.classList.toggle("chosen", on);
    b.setAttribute("aria-checked", String(on));
  }
  if (what === "grid") {
    $("output-size").textContent = `${editor.grid.length}×${editor.grid[0].length}`;
    $("resize-input").value = `${editor.grid.length}x${editor.grid[0].length}`;
    $("undo").disabled = editor.locked || !editor.undoStack.length;
    $("redo").disabled = editor.locked || !editor.redoStack.length;
  }
}

// "5x7" (or 5×7, 5*7, 5,7) -> [5, 7] when both are 1-30, else null.
export function parseSize(text) {
  const match = /^\s*(\d{1,2})\s*[x×X*,]\s*(\d{1,2})\s*$/.exec(text);
  const h = match && Number(match[1]);
  const w = match && Number(match[2]);
  return match && h >= 1 && h <= 30 && w >= 1 && w <= 30 ? [h, w] : null;
}
