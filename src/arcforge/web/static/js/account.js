// The account corner of every page: who is logged in, and the log-in / sign-up dialog.
// `initAccount` resolves to an object whose `user` is kept current; `onChange(user)` runs after each change.
// The dialog is made here, once for every page: a page holds only the corner (`host`).

import { el, get, post, toast } from "./api.js";

// The name and password rules come from the server (GET /api/limits): one definition for the store,
// the API and this form.
function authDialog(limits) {
  const name = limits.user_name;
  const password = limits.password;
  return el("dialog", { id: "auth-dialog", class: "auth-dialog", "aria-labelledby": "auth-title" },
    el("form", { id: "auth-form", method: "dialog" },
      el("h2", { id: "auth-title" }, "Log in"),
      el("label", {}, "Name ",
        el("input", { id: "auth-name", name: "name", autocomplete: "username", required: true,
          maxlength: String(name.max_chars), pattern: name.pattern, title: `Use ${name.rule}` })),
      el("label", {}, "Password ",
        el("input", { id: "auth-password", name: "password", type: "password", autocomplete: "current-password",
          required: true, minlength: String(password.min_chars), maxlength: String(password.max_chars) })),
      el("p", { id: "auth-error", class: "error", role: "alert" }),
      el("div", { class: "row" },
        el("button", { type: "submit", id: "auth-submit", class: "primary", value: "submit" }, "Log in"),
        el("button", { type: "button", id: "auth-cancel" }, "Cancel")),
    ));
}

export async function initAccount({ host, onChange = () => {}, limits = null }) {
  const state = { user: null };
  const dialog = authDialog(limits || await get("/api/limits"));
  document.body.append(dialog);
  const form = document.getElementById("auth-form");
  const title = document.getElementById("auth-title");
  const submit = document.getElementById("auth-submit");
  const error = document.getElementById("auth-error");
  const password = document.getElementById("auth-password");
  let mode = "login";

  function open(which) {
    mode = which;
    title.textContent = which === "login" ? "Log in" : "Sign up";
    submit.textContent = which === "login" ? "Log in" : "Create account";
    password.autocomplete = which === "login" ? "current-password" : "new-password";
    error.textContent = "";
    form.reset();
    dialog.showModal();
  }

  function render() {
    if (state.user) {
      host.replaceChildren(...[
        el("a", { class: "who", id: "who", href: `/users/${encodeURIComponent(state.user.name)}`, title: "Your profile" }, state.user.name,
          el("span", { class: `role ${state.user.role}`, text: state.user.role })),
        state.user.role === "moderator"
          ? el("a", { class: "export", href: "/api/export", download: "", title: "Download everything as JSON" }, "Export")
          : null,
        el("button", { type: "button", id: "logout", onclick: logout }, "Log out"),
      ].filter(Boolean));
    } else {
      host.replaceChildren(
        el("button", { type: "button", id: "login", onclick: () => open("login") }, "Log in"),
        el("button", { type: "button", id: "signup", class: "primary", onclick: () => open("signup") }, "Sign up"),
      );
    }
  }

  async function logout() {
    try {
      await post("/api/auth/logout");
    } catch (exc) {
      toast(exc.message, "error");
    }
    state.user = null;
    render();
    onChange(state.user);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: document.getElementById("auth-name").value.trim(), password: password.value };
    try {
      const data = await post(mode === "login" ? "/api/auth/login" : "/api/auth/signup", body);
      state.user = data.user;
      dialog.close();
      render();
      toast(mode === "login" ? `Welcome back, ${state.user.name}` : `Account ${state.user.name} created`);
      onChange(state.user);
    } catch (exc) {
      error.textContent = exc.message;
    }
  });
  document.getElementById("auth-cancel").addEventListener("click", () => dialog.close());

  const session = await get("/api/session");
  state.user = session.user;
  state.open = open;
  render();
  return state;
}
