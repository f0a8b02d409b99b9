// The variations panel: preview a transform of the current version on the server, then sign it.
// The preview shows train pairs and test inputs only; the server derives and checks the new version.

import { el, get, post, toast } from "./api.js";
import { gridBlock } from "./grids.js";

export class VariationsPanel {
  constructor({ account, onSigned, onRetired }) {
    this.account = account;
    this.onSigned = onSigned;
    this.onRetired = onRetired;
    this.task = null;
    this.select = document.getElementById("transform-select");
    this.preview = document.getElementById("variation-preview");
    this.sign = document.getElementById("sign-variation");
    this.moderation = document.getElementById("moderation");
    this.retire = document.getElementById("retire-version");
    document.getElementById("variation-form").addEventListener("submit", (e) => { e.preventDefault(); this.showPreview(); });
    this.sign.addEventListener("click", () => this.signVariation());
    this.retire.addEventListener("click", () => this.toggleRetired());
    this.custom = document.getElementById("transform-custom");
    for (const input of [this.select, this.custom]) {
      input.addEventListener("input", () => { this.sign.disabled = true; this.preview.replaceChildren(); });
    }
  }

  async init() {
    const data = await get("/api/transforms");
    this.offered = data.transforms;
    this.fillOptions();
  }

  // The offered transforms, plus each train/test swap this task allows (a swap needs your attempts on
  // that test input to be done, since it shows the test output as a train pair).
  fillOptions() {
    if (!this.offered) return;
    const options = this.offered.map((t) => el("option", { value: t.name, text: t.label }));
    if (this.task) {
      this.task.train.forEach((_, i) => this.task.test.forEach((__, j) => options.push(
        el("option", { value: `swap:${i},${j}`, text: `Swap train ${i + 1} with test ${j + 1}` }))));
    }
    const chosen = this.select.value;
    this.select.replaceChildren(...options);
    if (chosen && [...this.select.options].some((o) => o.value === chosen)) this.select.value = chosen;
  }

  transformName() {
    return this.custom.value.trim() || this.select.value;
  }

  setTask(task) {
    this.task = task;
    this.fillOptions();
    this.sign.disabled = true;
    this.preview.replaceChildren();
    this.setUser();
  }

  setUser() {
    const user = this.account.user;
    const moderator = Boolean(user && user.role === "moderator");
    this.moderation.hidden = !moderator || !this.task || this.task.version === 0;
    if (this.task) this.retire.textContent = this.task.retired ? "Restore this version" : "Retire this version";
  }

  base() {
    return `/api/tasks/${encodeURIComponent(this.task.id)}/versions/${this.task.version}`;
  }

  async showPreview() {
    try {
      const data = await post(`${this.base()}/preview`, { transform: this.transformName() });
      const blocks = [];
      data.train.forEach((pair, i) => {
        blocks.push(el("div", { class: "pair" },
          gridBlock(pair.input, `train ${i + 1} in`, { size: previewSize(pair.input) }),
          // issue 12: a swap's train pair that is a test output you may not see yet comes withheld (output null)
          pair.output ? gridBlock(pair.output, `train ${i + 1} out`, { size: previewSize(pair.output) })
            : el("p", { class: "withheld", text: `train ${i + 1} out withheld: ${pair.withheld || "not shown to you yet"}` })));
      });
      data.test.forEach((pair, i) => blocks.push(el("div", { class: "pair" }, gridBlock(pair.input, `test ${i + 1} in`, { size: previewSize(pair.input) }))));
      const note = data.existing_version === null
        ? "New content: signing creates a new version."
        : `Identical to version ${data.existing_version}: signing adds your signature.`;
      this.preview.replaceChildren(el("p", { class: "hint", text: note }), ...blocks);
      this.sign.disabled = false;
    } catch (exc) {
      toast(exc.message, "error");
    }
  }

  async signVariation() {
    if (!this.account.user) {
      this.account.open("login");
      return;
    }
    try {
      const data = await post(`${this.base()}/sign`, { transform: this.transformName() });
      toast(data.created ? `Signed: new version ${data.version}` : `Signature added to version ${data.version}`);
      this.sign.disabled = true;
      this.onSigned(data.version);
    } catch (exc) {
      toast(exc.message, "error");
    }
  }

  async toggleRetired() {
    try {
      await post(`${this.base()}/retire`, { retired: !this.task.retired });
      toast(this.task.retired ? "Version restored" : "Version retired");
      this.onRetired();
    } catch (exc) {
      toast(exc.message, "error");
    }
  }
}

function previewSize(rows) {
  return Math.max(4, Math.min(16, Math.floor(110 / Math.max(rows.length, rows[0].length))));
}
