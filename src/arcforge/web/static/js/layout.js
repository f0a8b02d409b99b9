// Fitting the testing page to the screen: the cell size comes from the space there is and the grid's size.
//
// The input, output (and, once revealed, answer) grids sit side by side when their cells stay legible
// (>= 12 px) that way, else one under the other at full width; the height allowed is part of the
// window's, so a 30x30 grid fits a laptop screen. The zoom control scales that size; a grid wider than
// its column then scrolls inside the column, never the page. Train pairs are folded on narrow screens.

import { fitCell } from "./grids.js";

const LEGIBLE = 12;
const NARROW = "(max-width: 760px)";

export function availableHeight() {
  return Math.max(200, Math.round(window.innerHeight * 0.55));
}

// Choose side-by-side or stacked for `grids` (arrays of rows) in the #io box; returns the box per grid.
export function fitWorkspace(io, grids) {
  const width = (io.clientWidth || 300) - 8; // the grid hosts' padding
  const height = availableHeight();
  const gap = 16;
  const side = Math.floor((width - gap * (grids.length - 1)) / grids.length);
  const cell = (w) => Math.min(...grids.map((g) => fitCell(g.length, g[0].length, w, height, { max: 36 })));
  const stacked = grids.length > 1 && cell(side) < LEGIBLE && cell(width) > cell(side);
  io.classList.toggle("stacked", stacked);
  return { width: stacked ? width : side, height };
}

// A train pair's cell size, and whether its input and output go one under the other (a narrow column).
export function trainCell(pairsHost, pair) {
  const width = Math.max(160, pairsHost.clientWidth || 260);
  const rows = Math.max(pair.input.length, pair.output.length);
  const cols = Math.max(pair.input[0].length, pair.output[0].length);
  const side = fitCell(rows, cols, Math.floor((width - 40) / 2), 180, { min: 3, max: 22 });
  const stackedSize = fitCell(rows, cols, width, 180, { min: 3, max: 22 });
  const sideWidth = 2 * (cols * (side + 1) + 2) + 40; // two grids and the arrow
  const stacked = sideWidth > width || stackedSize >= side * 1.4;
  return { size: stacked ? stackedSize : side, stacked };
}

// Train pairs start folded on a narrow screen, open on a wide one (the person's choice wins after that).
export function initTrainFold(details) {
  const query = window.matchMedia(NARROW);
  details.open = !query.matches;
  let touched = false;
  details.querySelector("summary").addEventListener("click", () => { touched = true; });
  query.addEventListener("change", () => { if (!touched) details.open = !query.matches; });
}

export function onResize(fn) {
  let timer = null;
  let lastWidth = window.innerWidth;
  window.addEventListener("resize", () => {
    if (window.innerWidth === lastWidth) return; // a phone's toolbar showing/hiding changes only the height
    lastWidth = window.innerWidth;
    clearTimeout(timer);
    timer = setTimeout(fn, 120);
  });
}

// A grid bigger than its column (zoomed in) scrolls inside it: such a host joins the tab order so the
// keyboard can scroll it too.
export function markScrollable(hosts) {
  for (const host of hosts) {
    const scrolls = host.scrollWidth > host.clientWidth + 1 || host.scrollHeight > host.clientHeight + 1;
    if (scrolls) {
      host.tabIndex = 0;
      host.setAttribute("role", "region");
      host.setAttribute("aria-label", `${host.dataset.name || "grid"} (scrolls)`);
    } else {
      host.removeAttribute("tabindex");
      host.removeAttribute("role");
      host.removeAttribute("aria-label");
    }
  }
}
