// /login: sign in with email and password.

import { field, h, messages, setAppState, supabase, whileBusy } from "./core.js";

/** A safe in-app path to go to after signing in (never another origin). */
function nextPath() {
  const next = new URLSearchParams(location.search).get("next") || "/";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export async function render({ main, user, navigate, message }) {
  const msgs = messages();
  main.append(h("h1", {}, "Sign in"));
  if (user) {
    main.append(
      h("p", {}, "You are signed in as ", h("strong", {}, user.email), "."),
      h("p", {}, h("a", { href: "/" }, "Go to the home page")),
      ...msgs.nodes,
    );
    return;
  }
  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
  const password = h("input", {
    type: "password",
    name: "password",
    autocomplete: "current-password",
    required: true,
  });
  const form = h(
    "form",
    { class: "card", "aria-label": "Sign in" },
    field("Email", email),
    field("Password", password),
    h("button", { type: "submit" }, "Sign in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    msgs.busy("Signing in…");
    const { error } = await whileBusy(form, () =>
      supabase.auth.signInWithPassword({ email: email.value.trim(), password: password.value }),
    );
    if (error) {
      await msgs.error(error);
      password.select();
      return;
    }
    await navigate(nextPath(), { replace: true });
  });
  main.append(form, ...msgs.nodes);
  if (message) msgs.status(message);
  setAppState("ready");
  email.focus();
}
