// The testing page's keyboard: every shortcut in one place (the page's shortcut list mirrors this table).
//
// With the output grid focused, arrows move its cell cursor, Shift+arrows select from the cursor, a digit
// paints the cursor's cell, Space/Enter paints (or floods) with the current colour. Ctrl+arrows (and plain
// arrows with the Select tool) move the selected cells wherever the focus is. Keys typed into text fields are left alone.

const ARROWS = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

export function bindKeys({ editor, actions }) {
  const onGrid = (target) => Boolean(target.closest && target.closest("#output-host .grid"));

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target.closest && target.closest("textarea, select, input:not([type=checkbox])")) return;
    if (document.querySelector("dialog[open].modal-open")) return;
    const key = event.key;
    const lower = key.length === 1 ? key.toLowerCase() : key;
    const grid = onGrid(target);
    const ctrl = event.ctrlKey || event.metaKey;

    if (ARROWS[key]) {
      const [dr, dc] = ARROWS[key];
      // the Select tool's arrows move the selected cells (as O2ARC's); Esc drops the selection
      const moving = ctrl || (editor.tool === "select" && !event.shiftKey && editor.outputSelection());
      if (moving) {
        if (!editor.moveSelection(dr, dc)) actions.say("Select cells of your output to move them");
      } else if (grid) {
        editor.moveCursor(dr, dc, event.shiftKey);
      } else return;
      event.preventDefault();
      return;
    }
    if (ctrl) {
      if (lower === "z" && !event.shiftKey) editor.undo();
      else if (lower === "y" || (lower === "z" && event.shiftKey)) editor.redo();
      else if (key === "Enter") actions.submit();
      else return;
      event.preventDefault();
      return;
    }
    if (event.altKey) return;
    if (/^[0-9]$/.test(key)) {
      if (grid) editor.actAtCursor(Number(key));
      else editor.setColour(Number(key));
    } else if ((key === " " || key === "Enter") && grid) editor.actAtCursor();
    else if (lower === "e") editor.setTool("edit");
    else if (lower === "s") editor.setTool("select");
    else if (lower === "f") editor.setTool("flood");
    else if (lower === "c") actions.copy();
    else if (lower === "v") actions.paste();
    else if (lower === "r") editor.transform("rotate");
    else if (lower === "x") editor.transform("flip_h");
    else if (lower === "y") editor.transform("flip_v");
    else if (lower === "i") editor.copyFromInput();
    else if (lower === "g") actions.focusGrid();
    else if (lower === "n") actions.nextTest();
    else if (key === "+" || key === "=") actions.zoom(1.25);
    else if (key === "-" || key === "_") actions.zoom(0.8);
    else if (key === "?") actions.shortcuts();
    else if (key === "Escape") editor.clearSelection();
    else return;
    event.preventDefault();
  });
}
