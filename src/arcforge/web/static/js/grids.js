// Drawing ARC grids as DOM elements, shared by every page. Colours come from CSS classes c0-c9.
//
// A grid shown for reading is one image to assistive technology (role="img" with a label saying what and
// how big). An editable grid is an ARIA grid: rows (display: contents, so the CSS grid still lays out the
// cells) of gridcells, each labelled with its row, column and colour name.

export const PALETTE = ["#000000", "#0074D9", "#FF4136", "#2ECC40", "#FFDC00",
  "#AAAAAA", "#F012BE", "#FF851B", "#7FDBFF", "#870C25"];
export const COLOUR_NAMES = ["black", "blue", "red", "green", "yellow", "grey", "magenta", "orange", "sky blue", "maroon"];

// The biggest cell (px) that fits a (height x width) grid in a box of `width` x `height` px.
export function fitCell(rows, cols, width, height = width, { min = 4, max = 40 } = {}) {
  const gap = 1;
  const byWidth = Math.floor((width - 2) / cols) - gap;
  const byHeight = Math.floor((height - 2) / rows) - gap;
  return Math.max(min, Math.min(max, byWidth, byHeight));
}

export function cellSize(height, width, box = 240, { min = 6, max = 32 } = {}) {
  return Math.max(min, Math.min(max, Math.floor(box / Math.max(height, width))));
}

export function cellLabel(r, c, value) {
  return `row ${r + 1}, column ${c + 1}: ${COLOUR_NAMES[value]} (${value})`;
}

// A grid element of (height x width) cells; `size` in px. Returns the element; cells carry data-r/data-c.
// `interactive`: an ARIA grid of labelled cells (the editor's grids); otherwise one labelled image.
export function drawGrid(rows, { size, numbers = false, label = "", cls = "", interactive = false, idPrefix = "" } = {}) {
  const height = rows.length;
  const width = rows[0].length;
  const px = size || cellSize(height, width);
  const grid = document.createElement("div");
  grid.className = `grid ${cls}`.trim();
  grid.style.setProperty("--cols", width);
  grid.style.setProperty("--cell", `${px}px`);
  grid.dataset.height = height;
  grid.dataset.width = width;
  const name = `${label || "grid"}, ${height} by ${width}`;
  grid.setAttribute("aria-label", name);
  grid.setAttribute("role", interactive ? "grid" : "img");
  for (let r = 0; r < height; r++) {
    const row = interactive ? document.createElement("div") : grid;
    if (interactive) {
      row.className = "grid-row";
      row.setAttribute("role", "row");
      grid.appendChild(row);
    }
    for (let c = 0; c < width; c++) {
      const cell = document.createElement("div");
      const value = rows[r][c];
      cell.className = `cell c${value}`;
      cell.dataset.r = r;
      cell.dataset.c = c;
      if (interactive) {
        cell.setAttribute("role", "gridcell");
        cell.id = `${idPrefix}-${r}-${c}`;
        cell.setAttribute("aria-label", cellLabel(r, c, value));
      }
      if (numbers) cell.textContent = value;
      row.appendChild(cell);
    }
  }
  return grid;
}

export function gridBlock(rows, title, options = {}) {
  const block = document.createElement("figure");
  block.className = "grid-block";
  const caption = document.createElement("figcaption");
  caption.textContent = `${title} · ${rows.length}×${rows[0].length}`;
  block.appendChild(caption);
  block.appendChild(drawGrid(rows, { label: title, ...options }));
  return block;
}

export function cloneRows(rows) {
  return rows.map((row) => row.slice());
}

export function sameRows(a, b) {
  if (!a || !b || a.length !== b.length || a[0].length !== b[0].length) return false;
  return a.every((row, r) => row.every((v, c) => v === b[r][c]));
}

// The original system's distance: the fraction of cells that differ; 1 when the sizes differ.
export function distance(a, b) {
  if (!a || !b || a.length !== b.length || a[0].length !== b[0].length) return 1;
  let differ = 0;
  for (let r = 0; r < a.length; r++) for (let c = 0; c < a[0].length; c++) if (a[r][c] !== b[r][c]) differ++;
  return differ / (a.length * a[0].length);
}

export function encodeRows(rows) {
  return `${rows.length}x${rows[0].length}:${rows.map((row) => row.join("")).join("")}`;
}

export function decodeRows(text) {
  const match = /^(\d{1,2})x(\d{1,2}):([0-9]+)$/.exec(text || "");
  if (!match) return null;
  const [h, w, digits] = [Number(match[1]), Number(match[2]), match[3]];
  if (!h || !w || h > 30 || w > 30 || digits.length !== h * w) return null;
  return Array.from({ length: h }, (_, r) => Array.from(digits.slice(r * w, (r + 1) * w), Number));
}
