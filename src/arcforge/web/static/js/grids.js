// Drawing ARC grids as DOM elements, shared by every page. Colours come from CSS classes c0-c9.

export const PALETTE = ["#000000", "#0074D9", "#FF4136", "#2ECC40", "#FFDC00",
  "#AAAAAA", "#F012BE", "#FF851B", "#7FDBFF", "#870C25"];

export function cellSize(height, width, box = 240, { min = 6, max = 32 } = {}) {
  return Math.max(min, Math.min(max, Math.floor(box / Math.max(height, width))));
}

// A grid element of (height x width) cells; `size` in px. Returns the element; cells carry data-r/data-c.
export function drawGrid(rows, { size, numbers = false, label = "", cls = "" } = {}) {
  const height = rows.length;
  const width = rows[0].length;
  const px = size || cellSize(height, width);
  const grid = document.createElement("div");
  grid.className = `grid ${cls}`.trim();
  grid.style.setProperty("--cols", width);
  grid.style.setProperty("--cell", `${px}px`);
  if (label) grid.setAttribute("aria-label", label);
  grid.dataset.height = height;
  grid.dataset.width = width;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const cell = document.createElement("div");
      const value = rows[r][c];
      cell.className = `cell c${value}`;
      cell.dataset.r = r;
      cell.dataset.c = c;
      if (numbers) cell.textContent = value;
      grid.appendChild(cell);
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
  block.appendChild(drawGrid(rows, options));
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
