// The reference app's entry point: the shell (header, navigation), path routes on the History
// API, and the auth state shown in the header. Each screen lives in js/<screen>.js.

import { currentUser, h, isAdmin, setAppState, supabase } from "./js/core.js";
import * as login from "./js/login.js";
import * as home from "./js/home.js";
import * as profile from "./js/profile.js";
import * as courses from "./js/courses.js";
import * as goals from "./js/goals.js";
import * as invites from "./js/invites.js";
import * as mission from "./js/mission.js";
import * as weight from "./js/weight.js";

const ROUTES = [
  { pattern: /^\/$/, screen: home, title: "Home" },
  { pattern: /^\/login$/, screen: login, title: "Sign in" },
  { pattern: /^\/profile$/, screen: profile, title: "Profile", signedIn: true },
  { pattern: /^\/admin\/courses$/, screen: courses, title: "Courses", signedIn: true },
  { pattern: /^\/goals$/, screen: goals, title: "Goals", signedIn: true },
  { pattern: /^\/invites(?:\/([^/]+))?$/, screen: invites, title: "Invitations", signedIn: true },
  { pattern: /^\/missions\/today$/, screen: mission, title: "Today's mission", signedIn: true },
  { pattern: /^\/weight$/, screen: weight, title: "Weight", signedIn: true },
];

const NAV = [
  { href: "/", text: "Home" },
  { href: "/missions/today", text: "Today's mission", signedIn: true },
  { href: "/goals", text: "Goals", signedIn: true },
  { href: "/invites", text: "Invitations", signedIn: true },
  { href: "/weight", text: "Weight", signedIn: true },
  { href: "/profile", text: "Profile", signedIn: true },
  { href: "/admin/courses", text: "Manage courses", admin: true },
  { href: "/login", text: "Sign in", signedOut: true },
];

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const account = document.getElementById("account");
let renderSeq = 0;
let flash = null; // a message for the next screen, e.g. "You are signed out"

/** Go to a path inside the app (pushState), or replace the current entry. */
export function navigate(path, { replace = false, message = null } = {}) {
  flash = message;
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  return render();
}

async function signOut(button) {
  button.disabled = true;
  // This device only: the account's sessions elsewhere (other tabs, phones) stay signed in.
  const { error } = await supabase.auth.signOut({ scope: "local" });
  button.disabled = false;
  if (error) {
    flash = null;
    const alert = h("p", { role: "alert", class: "alert" }, error.message);
    main.prepend(alert);
    setAppState("error");
    return;
  }
  await navigate("/login", { message: "You are signed out." });
}

function renderHeader(user, admin) {
  const here = location.pathname;
  nav.replaceChildren(
    h(
      "ul",
      {},
      NAV.filter(
        (item) =>
          (!item.signedIn || user) && (!item.signedOut || !user) && (!item.admin || admin),
      ).map((item) =>
        h("li", {}, h("a", { href: item.href, "aria-current": item.href === here ? "page" : null }, item.text)),
      ),
    ),
  );
  if (user) {
    const button = h("button", { type: "button", class: "link-button" }, "Sign out");
    button.addEventListener("click", () => signOut(button));
    account.replaceChildren(
      h("span", { class: "whoami", "data-testid": "signed-in-user" }, "Signed in as ", h("strong", {}, user.email)),
      button,
    );
    document.body.dataset.signedIn = "true";
  } else {
    account.replaceChildren(h("span", { class: "whoami" }, "Not signed in"));
    document.body.dataset.signedIn = "false";
  }
}

async function render() {
  const seq = ++renderSeq;
  const isCurrent = () => seq === renderSeq;
  setAppState("loading");
  const path = location.pathname.replace(/\/+$/, "") || "/";
  const route = ROUTES.find((r) => r.pattern.test(path));
  let user = null;
  let admin = false;
  try {
    const signedIn = await currentUser();
    user = signedIn.user;
    admin = isAdmin(signedIn.claims);
  } catch (error) {
    // the header can live without the admin flag; the screen reports its own errors
    admin = false;
  }
  if (!isCurrent()) return;
  renderHeader(user, admin);
  document.body.dataset.route = path;

  if (!route) {
    document.title = "Page not found · LMS";
    main.replaceChildren(
      h("h1", { tabindex: "-1" }, "Page not found"),
      h("p", { role: "alert", class: "alert" }, `There is no page at ${path}.`),
      h("p", {}, h("a", { href: "/" }, "Go to the home page")),
    );
    setAppState("error");
    return;
  }
  if (route.signedIn && !user) {
    const next = encodeURIComponent(location.pathname + location.search);
    history.replaceState(null, "", `/login?next=${next}`);
    flash = "Please sign in to continue.";
    return render();
  }
  document.title = `${route.title} · LMS`;
  const params = path.match(route.pattern).slice(1);
  const message = flash;
  flash = null;
  main.replaceChildren();
  try {
    await route.screen.render({ main, user, admin, params, navigate, isCurrent, message });
    if (isCurrent() && document.body.dataset.appState === "loading") setAppState("ready");
  } catch (error) {
    if (!isCurrent()) return;
    main.append(h("p", { role: "alert", class: "alert" }, error && error.message ? error.message : String(error)));
    setAppState("error");
  }
  const heading = main.querySelector("h1");
  if (heading && isCurrent()) heading.setAttribute("tabindex", "-1");
}

// Same-origin links stay in the app; everything else (media files, new tabs) is left alone.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href]");
  if (!link || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  if (link.target || link.hasAttribute("download")) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || !ROUTES.some((r) => r.pattern.test(url.pathname.replace(/\/+$/, "") || "/"))) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});

window.addEventListener("popstate", () => render());

// Another tab signing in or out, or a token refresh failing, updates the header. The callback
// stays synchronous: supabase-js must not be awaited from inside it.
supabase.auth.onAuthStateChange((event) => {
  if (event === "SIGNED_OUT" && document.body.dataset.signedIn === "true") {
    setTimeout(() => render(), 0);
  }
});

render();
