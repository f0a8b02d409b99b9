// The traces panel: the task's reasoning traces sorted by score, voting, adding, editing, deleting,
// and live updates pushed by the server (server-sent events) to every open page of the task.
//
// Trace bodies arrive as HTML that the server rendered and sanitised (markdown-it + nh3); the page's
// Content Security Policy forbids inline scripts as well, so nothing in a trace can run.

import { del, el, get, post, put, toast } from "./api.js";

export class TracesPanel {
  constructor({ account }) {
    this.account = account;
    this.taskId = null;
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
    if (this.taskId) this.load();
  }

  open(taskId, version = 0) {
    this.version = version;
    if (taskId === this.taskId) return;
    this.taskId = taskId;
    if (this.events) this.events.close();
    this.list.replaceChildren();
    this.load();
    this.events = new EventSource(`/api/tasks/${encodeURIComponent(taskId)}/events`);
    this.events.addEventListener("traces", () => this.load());
  }

  async load() {
    const taskId = this.taskId;
    try {
      const data = await get(`/api/tasks/${encodeURIComponent(taskId)}/traces`);
      if (taskId === this.taskId) this.render(data.traces);
    } catch (exc) {
      toast(exc.message, "error");
    }
  }

  render(traces) {
    this.count.textContent = traces.length ? `(${traces.length})` : "";
    if (!traces.length) {
      this.list.replaceChildren(el("li", { class: "empty", text: "No traces yet. Be the first to explain this task." }));
      return;
    }
    this.list.replaceChildren(...traces.map((trace) => this.item(trace)));
  }

  item(trace) {
    const user = this.account.user;
    const vote = (value) => async () => {
      if (!user) {
        this.account.open("login");
        return;
      }
      try {
        await put(`/api/traces/${encodeURIComponent(trace.id)}/vote`, { value: trace.my_vote === value ? 0 : value });
        await this.load();
      } catch (exc) {
        toast(exc.message, "error");
      }
    };
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
      actions.push(el("button", { type: "button", class: "link edit", onclick: () => this.edit(trace, body) }, "Edit"));
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
    return el("li", { class: `trace ${trace.author_kind}`, dataset: { traceId: trace.id } },
      el("div", { class: "votes" },
        el("button", { type: "button", class: `vote up ${trace.my_vote === 1 ? "on" : ""}`, title: "Vote up", "aria-pressed": String(trace.my_vote === 1), onclick: vote(1) }, "▲"),
        el("span", { class: "score", text: String(trace.score) }),
        el("button", { type: "button", class: `vote down ${trace.my_vote === -1 ? "on" : ""}`, title: "Vote down", "aria-pressed": String(trace.my_vote === -1), onclick: vote(-1) }, "▼"),
      ),
      el("div", { class: "trace-main" },
        el("div", { class: "trace-meta" },
          el("span", { class: "author", text: trace.author }),
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

  edit(trace, body) {
    const area = el("textarea", { rows: 6, maxlength: 20000, class: "edit-text" });
    area.value = trace.text;
    const save = async () => {
      try {
        await put(`/api/traces/${encodeURIComponent(trace.id)}`, { text: area.value });
        toast("Trace saved");
        await this.load();
      } catch (exc) {
        toast(exc.message, "error");
      }
    };
    body.replaceChildren(area, el("div", { class: "row" },
      el("button", { type: "button", class: "primary save", onclick: save }, "Save"),
      el("button", { type: "button", onclick: () => this.load() }, "Cancel")));
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
