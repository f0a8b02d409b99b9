// The traces panel: the task's reasoning traces sorted by score, voting, adding, editing, deleting,
// and live updates pushed by the server (server-sent events) to every open page of the task.
//
// A live update *patches* the list: scores and votes change in place, new traces are added, removed ones
// go; a trace being edited keeps its editor (text, caret and all) and the list is not reordered under it.
// Trace bodies arrive as HTML that the server rendered and sanitised (markdown-it + nh3); the page's
// Content Security Policy forbids inline scripts as well, so nothing in a trace can run.

import { del, el, get, post, put, toast } from "./api.js";

export class TracesPanel {
  constructor({ account, limits = null }) {
    this.account = account;
    this.maxChars = limits ? limits.trace.max_chars : 200000;
    this.taskId = null;
    this.byId = new Map(); // trace id -> latest trace data
    this.list = document.getElementById("trace-list");
    this.count = document.getElementById("trace-count");
    this.form = document.getElementById("trace-form");
    this.text = document.getElementById("trace-text");
    this.hint = document.getElementById("trace-login-hint");
    this.events = null;
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.add(); });
  }

  setUser() {
    const user = this.account.user;
    this.form.hidden = !user;
    this.hint.hidden = Boolean(user);
    if (this.taskId) this.load({ rebuild: true });
  }

  open(taskId, version = 0) {
    this.version = version;
    if (taskId === this.taskId) return;
    this.taskId = taskId;
    if (this.events) this.events.close();
    this.byId.clear();
    this.list.replaceChildren();
    this.load();
    this.events = new EventSource(`/api/tasks/${encodeURIComponent(taskId)}/events`);
    this.events.addEventListener("traces", () => this.load());
  }

  async load({ rebuild = false } = {}) {
    const taskId = this.taskId;
    try {
      const data = await get(`/api/tasks/${encodeURIComponent(taskId)}/traces`);
      if (taskId === this.taskId) this.render(data.traces, rebuild);
    } catch (exc) {
      toast(exc.message, "error");
    }
  }

  editing() {
    return this.list.querySelector(".trace.editing");
  }

  render(traces, rebuild = false) {
    this.count.textContent = traces.length ? `(${traces.length})` : "";
    this.list.querySelector(".empty")?.remove();
    const open = this.editing();
    const nodes = new Map([...this.list.querySelectorAll(".trace")].map((n) => [Number(n.dataset.traceId), n]));
    const wanted = [];
    for (const trace of traces) {
      const previous = this.byId.get(trace.id);
      this.byId.set(trace.id, trace);
      let node = nodes.get(trace.id);
      if (node && node.classList.contains("editing")) {
        this.patchVotes(node, trace);
      } else if (node && !rebuild && previous && previous.updated_at === trace.updated_at && previous.text === trace.text) {
        this.patchVotes(node, trace);
      } else {
        const fresh = this.item(trace);
        if (node) node.replaceWith(fresh);
        node = fresh;
      }
      wanted.push(node);
    }
    const keep = new Set(wanted);
    for (const node of this.list.querySelectorAll(".trace")) {
      if (keep.has(node)) continue;
      if (node === open) {
        node.classList.add("gone");
        node.querySelector(".trace-meta")?.append(el("span", { class: "badge gone-note", text: "deleted meanwhile" }));
        continue;
      }
      this.byId.delete(Number(node.dataset.traceId));
      node.remove();
    }
    if (open) {
      for (const node of wanted) if (!node.isConnected) this.list.appendChild(node); // new traces go last while editing
    } else {
      wanted.forEach((node, i) => { if (this.list.children[i] !== node) this.list.insertBefore(node, this.list.children[i] || null); });
    }
    if (!traces.length && !open) {
      this.list.replaceChildren(el("li", { class: "empty", text: "No traces yet. Be the first to explain this task." }));
    }
  }

  patchVotes(node, trace) {
    node.querySelector(".score").textContent = String(trace.score);
    for (const [cls, value] of [["up", 1], ["down", -1]]) {
      const button = node.querySelector(`.vote.${cls}`);
      if (!button) continue;
      button.classList.toggle("on", trace.my_vote === value);
      button.setAttribute("aria-pressed", String(trace.my_vote === value));
    }
  }

  async vote(id, value) {
    if (!this.account.user) {
      this.account.open("login");
      return;
    }
    const trace = this.byId.get(id);
    try {
      await put(`/api/traces/${encodeURIComponent(id)}/vote`, { value: trace && trace.my_vote === value ? 0 : value });
      await this.load();
    } catch (exc) {
      toast(exc.message, "error");
    }
  }

  item(trace) {
    const user = this.account.user;
    const body = el("div", { class: "trace-body" });
    body.innerHTML = trace.html; // sanitised on the server (nh3 allow-list)
    const actions = [];
    let plain = false;
    actions.push(el("button", {
      type: "button", class: "link view-toggle", title: "Show the text as written, or as rendered Markdown",
      onclick: (e) => {
        plain = !plain;
        if (plain) body.replaceChildren(el("pre", { class: "plain", text: trace.text }));
        else body.innerHTML = trace.html;
        e.target.textContent = plain ? "Markdown" : "Plain text";
      },
    }, "Plain text"));
    if (trace.can_edit) {
      actions.push(el("button", { type: "button", class: "link edit", onclick: () => this.edit(trace.id, body) }, "Edit"));
      actions.push(el("button", { type: "button", class: "link delete", onclick: () => this.remove(trace) }, "Delete"));
    }
    const when = trace.updated_at || trace.created_at;
    const more = el("button", { type: "button", class: "link more", hidden: true }, "Show all");
    more.addEventListener("click", () => {
      const collapsed = body.classList.toggle("collapsed");
      more.textContent = collapsed ? "Show all" : "Show less";
    });
    // long traces start folded; the button appears once the body is laid out and found too tall
    if (trace.text.length > 600) {
      body.classList.add("collapsed");
      requestAnimationFrame(() => { more.hidden = body.scrollHeight <= body.clientHeight + 4; });
    }
    // no votes on one's own trace (the server refuses them too)
    const own = Boolean(user && trace.author_kind !== "model" && trace.author === user.name && trace.can_edit);
    const voteButton = (cls, value, label, mark) => el("button", {
      type: "button", class: `vote ${cls} ${trace.my_vote === value ? "on" : ""}`, title: own ? "Your own trace" : label,
      "aria-label": `${label}: trace by ${trace.author}`, "aria-pressed": String(trace.my_vote === value),
      disabled: own, onclick: () => this.vote(trace.id, value),
    }, mark);
    const author = trace.author_kind === "model"
      ? el("span", { class: "author", text: trace.author })
      : el("a", { class: "author", href: `/users/${encodeURIComponent(trace.author)}`, text: trace.author });
    return el("li", { class: `trace ${trace.author_kind}`, dataset: { traceId: trace.id } },
      el("div", { class: "votes" },
        voteButton("up", 1, "Vote up", "▲"),
        el("span", { class: "score", text: String(trace.score), "aria-label": "score" }),
        voteButton("down", -1, "Vote down", "▼"),
      ),
      el("div", { class: "trace-main" },
        el("div", { class: "trace-meta" },
          author,
          trace.author_kind === "model" ? el("span", { class: "badge model", text: "model" }) : null,
          trace.assisted ? el("span", { class: "badge assisted", text: "model-assisted" }) : null,
          el("span", { class: "date", text: when ? new Date(when).toISOString().slice(0, 10) : "" }),
          ...actions,
        ),
        body,
        more,
      ),
    );
  }

  async add() {
    const text = this.text.value.trim();
    if (!text) {
      toast("Write the trace first", "error");
      return;
    }
    try {
      await post(`/api/tasks/${encodeURIComponent(this.taskId)}/traces`, { text, version: this.version });
      this.text.value = "";
      toast("Trace added");
      await this.load();
    } catch (exc) {
      toast(exc.message, "error");
    }
  }

  edit(id, body) {
    const trace = this.byId.get(id);
    const node = body.closest(".trace");
    node.classList.add("editing");
    const area = el("textarea", { rows: 6, maxlength: this.maxChars, class: "edit-text", "aria-label": "Edit your trace" });
    area.value = trace.text;
    const close = () => {
      node.classList.remove("editing");
      this.load({ rebuild: true });
    };
    const save = async () => {
      try {
        await put(`/api/traces/${encodeURIComponent(id)}`, { text: area.value });
        toast("Trace saved");
        close();
      } catch (exc) {
        toast(exc.message, "error");
      }
    };
    body.classList.remove("collapsed");
    body.replaceChildren(area, el("div", { class: "row" },
      el("button", { type: "button", class: "primary save", onclick: save }, "Save"),
      el("button", { type: "button", class: "cancel", onclick: close }, "Cancel")));
    area.focus();
  }

  async remove(trace) {
    if (!window.confirm("Delete this trace?")) return;
    try {
      await del(`/api/traces/${encodeURIComponent(trace.id)}`);
      toast("Trace deleted");
      await this.load();
    } catch (exc) {
      toast(exc.message, "error");
    }
  }
}
