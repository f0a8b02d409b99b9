// The first-visit how-to card (shown once, remembered in localStorage) and the shortcut list.
// The how-to card does not block the page (a non-modal dialog); the shortcut list is modal.

const SEEN = "arcforge:howto-seen";

function remembered() {
  try {
    return window.localStorage.getItem(SEEN) === "1";
  } catch {
    return true;
  }
}

export function initHelp() {
  const howto = document.getElementById("howto");
  const shortcuts = document.getElementById("shortcuts");
  const closeHowto = () => {
    howto.close();
    try {
      window.localStorage.setItem(SEEN, "1");
    } catch { /* storage off: the card shows again next time */ }
  };
  const openShortcuts = () => {
    if (shortcuts.open) return;
    shortcuts.classList.add("modal-open");
    shortcuts.showModal();
  };
  shortcuts.addEventListener("close", () => shortcuts.classList.remove("modal-open"));
  document.getElementById("howto-close").addEventListener("click", closeHowto);
  document.getElementById("howto-shortcuts").addEventListener("click", () => { closeHowto(); openShortcuts(); });
  document.getElementById("shortcuts-close").addEventListener("click", () => shortcuts.close());
  document.getElementById("shortcuts-button").addEventListener("click", openShortcuts);
  document.getElementById("help-button").addEventListener("click", () => { if (!howto.open) howto.show(); });
  howto.addEventListener("keydown", (e) => { if (e.key === "Escape") closeHowto(); });
  if (!remembered()) howto.show();
  return { shortcuts: openShortcuts };
}
