// Shared pieces of the reference app: the Supabase client, the signed-in user, DOM helpers,
// and the screen state that tests wait on (body[data-app-state], role="status"/"alert").

const config = window.APP_CONFIG;
if (!config || !config.supabaseUrl || !config.anonKey) {
  throw new Error("APP_CONFIG is missing: /config.js must set supabaseUrl and anonKey");
}

// The only backend this app talks to: whatever /config.js names.
export const supabase = window.supabase.createClient(config.supabaseUrl, config.anonKey, {
  auth: { persistSession: true, autoRefreshToken: true, detectSessionInUrl: false },
});

/** The current session's user and its verified token claims ({user: null, claims: {}} when
 * signed out or when its token does not verify: getClaims checks it against the project's
 * JWKS, or asks Auth for a legacy HS256 token). */
export async function currentUser() {
  const { data } = await supabase.auth.getSession();
  if (!data.session) return { user: null, claims: {} };
  const { data: verified, error } = await supabase.auth.getClaims();
  return !error && verified && verified.claims.sub === data.session.user.id
    ? { user: data.session.user, claims: verified.claims }
    : { user: null, claims: {} };
}

/** Whether the token says admin: its user_role claim, which the project's Customize Access
 * Token hook adds (supabase/migrations/*_custom_access_token_hook.sql). */
export function isAdmin(claims) {
  return claims.user_role === "admin";
}

/**
 * Build an element: h("p", {class: "x", onclick: fn}, "text", child).
 * Text is always set as text, never as HTML, so data from the database cannot inject markup.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let uid = 0;
/** A unique element id with a readable prefix. */
export function newId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A labelled form field: <label for=id>text</label> followed by the control. */
export function field(labelText, control) {
  if (!control.id) control.id = newId("field");
  return h("div", { class: "field" }, h("label", { for: control.id }, labelText), control);
}

/** The screen-wide state tests wait on instead of sleeping: loading | ready | error. */
export function setAppState(state) {
  document.body.dataset.appState = state;
}

/** The message of anything thrown by supabase-js or the browser, in the server's words. */
export async function messageOf(error) {
  if (!error) return "Something went wrong";
  // functions.invoke: the function's own JSON error is in the Response kept on .context
  const response = error.context;
  if (response && typeof response.clone === "function") {
    try {
      const text = await response.clone().text();
      try {
        const body = JSON.parse(text);
        const detail = body.error || body.message || body.msg;
        if (detail) return `${error.message}: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`;
      } catch {
        if (text) return `${error.message}: ${text}`;
      }
    } catch {
      // the body was already read: fall back to the client's message
    }
  }
  return error.message || error.error_description || String(error);
}

/**
 * A screen's message area: one role="alert" for errors and one polite role="status" for
 * results ("Answer saved"). status() also sets data-saved="true" so tests can wait on it.
 */
export function messages() {
  const alert = h("p", { role: "alert", class: "alert", hidden: true });
  const status = h("p", { role: "status", "aria-live": "polite", class: "status" });
  return {
    nodes: [alert, status],
    async error(error) {
      const text = typeof error === "string" ? error : await messageOf(error);
      status.textContent = "";
      delete status.dataset.saved;
      alert.textContent = text;
      alert.hidden = false;
      setAppState("error");
    },
    status(text) {
      alert.textContent = "";
      alert.hidden = true;
      status.textContent = text;
      status.dataset.saved = "true";
      setAppState("ready");
    },
    busy(text) {
      alert.textContent = "";
      alert.hidden = true;
      status.textContent = text;
      delete status.dataset.saved;
      setAppState("loading");
    },
  };
}

/** Disable a form's controls while `work` runs, so a double click cannot submit twice. */
export async function whileBusy(form, work) {
  const controls = [...form.querySelectorAll("button, input, select, textarea")];
  for (const c of controls) c.disabled = true;
  try {
    return await work();
  } finally {
    for (const c of controls) c.disabled = false;
  }
}

/** The file's extension, from its name or else its type ("png" for image/png). */
export function extensionOf(file) {
  const match = /\.([A-Za-z0-9]{1,8})$/.exec(file.name || "");
  if (match) return match[1].toLowerCase();
  const sub = (file.type || "").split("/")[1] || "bin";
  return sub === "jpeg" ? "jpg" : sub.replace(/[^a-z0-9]/gi, "");
}

/** A storage-safe slug of a title: lower case letters, digits and dashes. */
export function slug(text) {
  return String(text).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "item";
}

/** A date-time as the user's locale shows it. */
export function formatDateTime(value) {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

/** Today's date as YYYY-MM-DD in the user's time zone. */
export function localToday() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
