// goal-notifications: tells a goal's pending invitees that they were invited.
//
// POST {"goal_id": "<uuid>"} (or {"invite_id": "<uuid>"}) by the goal's owner or the service
// role. For each pending invite: an email through Resend, a WhatsApp message through the
// WhatsApp Cloud API when the invite has a phone, an in-app notification when the invitee
// has an account; then the invite is marked 'sent'. Every link is built from SITE_URL.
// A body without goal_id/invite_id ({} or {"dry_run": true}) sends nothing and answers 200:
// the playbook's smoke test. The secrets are checked first, the dry run included.
import { createClient, type SupabaseClient } from "npm:@supabase/supabase-js@2";
import { preflight } from "../_shared/cors.ts";
import {
  bearerToken,
  firstSecret,
  json,
  missingSecrets,
  missingSecretsResponse,
  readJsonObject,
  secret,
} from "../_shared/http.ts";

const FUNCTION_NAME = "goal-notifications";
// Needed by every call: without them no invite could be sent, so the smoke test must fail.
const REQUIRED = [
  "SUPABASE_URL",
  "SUPABASE_SECRET_KEY|SUPABASE_SERVICE_ROLE_KEY",
  "RESEND_API_KEY",
  "SITE_URL",
  "EMAIL_FROM",
];
// Needed only when an invite has a phone number (checked before anything is sent).
const REQUIRED_FOR_WHATSAPP = ["WHATSAPP_TOKEN", "WHATSAPP_PHONE_NUMBER_ID"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Goal = { id: string; owner_id: string; title: string };
type Invite = {
  id: string;
  goal_id: string;
  invitee_email: string | null;
  invitee_phone: string | null;
  token: string;
};
type Sent = {
  invite_id: string;
  email_id: string | null;
  whatsapp_message_id: string | null;
  notification_id: string | null;
};

/** A provider (Resend, WhatsApp) refused or could not be reached. */
class ProviderError extends Error {
  constructor(
    readonly provider: string,
    readonly status: number | null,
    readonly detail: unknown,
  ) {
    super(status === null ? `${provider} could not be reached` : `${provider} answered ${status}`);
  }
}

/** A database call failed (reported as 500 with PostgREST's message). */
class DatabaseError extends Error {}

Deno.serve(async (req: Request) => {
  if (req.method === "OPTIONS") return preflight(req);
  if (req.method !== "POST") return json({ error: "use POST" }, 405);

  const missing = missingSecrets(REQUIRED);
  if (missing.length) return missingSecretsResponse(FUNCTION_NAME, missing);

  const body = await readJsonObject(req);
  if (body === null) return json({ error: "the body must be a JSON object" }, 400);
  const goalId = typeof body.goal_id === "string" ? body.goal_id : null;
  const inviteId = typeof body.invite_id === "string" ? body.invite_id : null;
  if (body.dry_run === true || (!goalId && !inviteId)) {
    return json({ ok: true, dry_run: true, sent: [] });
  }
  for (const [field, value] of [["goal_id", goalId], ["invite_id", inviteId]]) {
    if (value !== null && !UUID.test(value)) {
      return json({ error: `${field} must be a uuid` }, 400);
    }
  }

  // The current secret key when the project has one, else the legacy service_role key.
  const serviceKey = firstSecret("SUPABASE_SECRET_KEY", "SUPABASE_SERVICE_ROLE_KEY");
  const admin = createClient(secret("SUPABASE_URL"), serviceKey, {
    auth: { persistSession: false, autoRefreshToken: false },
  });

  // The caller is either the service role itself or a signed-in user who owns the goal.
  // Deployed without JWT verification (as the current keys require), it checks here: the
  // secret key in `apikey` (its Bearer, if any, the same key) is the service role.
  const token = bearerToken(req);
  const apikey = (req.headers.get("apikey") ?? "").trim();
  let callerId: string | null = null;
  const asService = apikey === serviceKey && (!token || token === serviceKey);
  if (!asService && (!token || !(await isServiceRole(token, serviceKey)))) {
    const { data, error } = token ? await admin.auth.getUser(token) : { data: null, error: true };
    if (error || !data?.user) {
      return json({ error: "sign in first: the caller must be the goal's owner" }, 401);
    }
    callerId = data.user.id;
  }

  const sent: Sent[] = [];
  try {
    const goal = await findGoal(admin, goalId, inviteId);
    if (!goal) return json({ error: inviteId ? "invite not found" : "goal not found" }, 404);
    if (callerId !== null && goal.owner_id !== callerId) {
      return json({ error: "only the goal's owner can send its invites" }, 403);
    }
    const invites = await pendingInvites(admin, goal.id, inviteId);
    if (invites.some((invite) => invite.invitee_phone)) {
      const missingWhatsApp = missingSecrets(REQUIRED_FOR_WHATSAPP);
      if (missingWhatsApp.length) return missingSecretsResponse(FUNCTION_NAME, missingWhatsApp);
    }
    const inviter = await inviterName(admin, goal.owner_id);
    for (const invite of invites) {
      sent.push(await notifyInvitee(admin, goal, invite, inviter));
    }
    return json({ ok: true, dry_run: false, goal_id: goal.id, sent });
  } catch (err) {
    if (err instanceof ProviderError) {
      return json(
        {
          error: err.message,
          function: FUNCTION_NAME,
          provider: err.provider,
          provider_status: err.status,
          provider_error: err.detail,
          sent,
        },
        502,
      );
    }
    if (err instanceof DatabaseError) {
      return json({ error: err.message, function: FUNCTION_NAME, sent }, 500);
    }
    throw err;
  }
});

/** Whether `token` is the service role: its key, or a JWT of that role that Auth's admin API
 * accepts (so a re-issued service key works, and a forged claim does not). */
async function isServiceRole(token: string, serviceKey: string): Promise<boolean> {
  if (token === serviceKey || token === secret("SUPABASE_SERVICE_ROLE_KEY")) return true;
  if (jwtRole(token) !== "service_role") return false;
  const url = `${secret("SUPABASE_URL").replace(/\/+$/, "")}/auth/v1/admin/users?page=1&per_page=1`;
  try {
    const res = await fetch(url, {
      headers: { apikey: serviceKey, Authorization: `Bearer ${token}` },
    });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** The unverified `role` claim of a JWT (a cheap filter before asking Auth). */
function jwtRole(token: string): string | null {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, "="))).role ?? null;
  } catch {
    return null;
  }
}

/** The goal named by goal_id, or the goal of invite_id; null when there is none. */
async function findGoal(
  admin: SupabaseClient,
  goalId: string | null,
  inviteId: string | null,
): Promise<Goal | null> {
  let id = goalId;
  if (inviteId) {
    const { data, error } = await admin
      .from("goal_invites").select("goal_id").eq("id", inviteId).maybeSingle();
    if (error) throw new DatabaseError(`reading goal_invites: ${error.message}`);
    if (!data || (goalId && data.goal_id !== goalId)) return null;
    id = data.goal_id;
  }
  const { data, error } = await admin
    .from("goals").select("id, owner_id, title").eq("id", id).maybeSingle();
  if (error) throw new DatabaseError(`reading goals: ${error.message}`);
  return data as Goal | null;
}

/** The goal's invites still waiting to be sent (only invite_id's, when given). */
async function pendingInvites(
  admin: SupabaseClient,
  goalId: string,
  inviteId: string | null,
): Promise<Invite[]> {
  let query = admin
    .from("goal_invites")
    .select("id, goal_id, invitee_email, invitee_phone, token")
    .eq("goal_id", goalId)
    .eq("status", "pending");
  if (inviteId) query = query.eq("id", inviteId);
  const { data, error } = await query.order("created_at", { ascending: true });
  if (error) throw new DatabaseError(`reading goal_invites: ${error.message}`);
  return (data ?? []) as Invite[];
}

/** How the invitee will see the goal's owner named. */
async function inviterName(admin: SupabaseClient, ownerId: string): Promise<string> {
  const { data, error } = await admin
    .from("profiles").select("full_name, email").eq("id", ownerId).maybeSingle();
  if (error) throw new DatabaseError(`reading profiles: ${error.message}`);
  return data?.full_name || data?.email || "Someone";
}

/** Email, WhatsApp, in-app card (each when the invite allows it); then the invite is sent. */
async function notifyInvitee(
  admin: SupabaseClient,
  goal: Goal,
  invite: Invite,
  inviter: string,
): Promise<Sent> {
  const link = `${secret("SITE_URL").replace(/\/+$/, "")}/invites/${
    encodeURIComponent(invite.token)
  }`;
  const emailId = invite.invitee_email
    ? await sendEmail(invite.invitee_email, goal.title, inviter, link)
    : null;
  const whatsappId = invite.invitee_phone
    ? await sendWhatsApp(invite.invitee_phone, goal.title, inviter, link)
    : null;
  const notificationId = await addInAppCard(admin, goal, invite, inviter);
  const { error } = await admin
    .from("goal_invites")
    .update({ status: "sent", sent_at: new Date().toISOString() })
    .eq("id", invite.id);
  if (error) throw new DatabaseError(`marking the invite sent: ${error.message}`);
  return {
    invite_id: invite.id,
    email_id: emailId,
    whatsapp_message_id: whatsappId,
    notification_id: notificationId,
  };
}

/** POST {RESEND_API_URL}/emails; the Resend email id. */
async function sendEmail(to: string, title: string, inviter: string, link: string) {
  const base = (Deno.env.get("RESEND_API_URL") || "https://api.resend.com").replace(/\/+$/, "");
  const html = `<p>${escapeHtml(inviter)} invited you to the goal <strong>${
    escapeHtml(title)
  }</strong>.</p><p><a href="${escapeHtml(link)}">Accept the invitation</a></p>` +
    `<p>Or open this link: ${escapeHtml(link)}</p>`;
  const payload = {
    from: secret("EMAIL_FROM"),
    to: [to],
    subject: `${inviter} invited you to the goal "${title}"`,
    html,
    text: `${inviter} invited you to the goal "${title}".\nAccept the invitation: ${link}\n`,
  };
  const answer = await post("resend", `${base}/emails`, secret("RESEND_API_KEY"), payload);
  return String(answer.id);
}

/** POST {WHATSAPP_API_URL}/{phone number id}/messages; the WhatsApp message id. */
async function sendWhatsApp(phone: string, title: string, inviter: string, link: string) {
  const base = (Deno.env.get("WHATSAPP_API_URL") || "https://graph.facebook.com/v21.0")
    .replace(/\/+$/, "");
  const payload = {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: phone.replace(/[^0-9]/g, ""), // the Cloud API takes the number as digits
    type: "text",
    text: {
      preview_url: true,
      body: `${inviter} invited you to the goal "${title}". Accept the invitation: ${link}`,
    },
  };
  const url = `${base}/${encodeURIComponent(secret("WHATSAPP_PHONE_NUMBER_ID"))}/messages`;
  const answer = await post("whatsapp", url, secret("WHATSAPP_TOKEN"), payload);
  const messages = answer.messages as Array<{ id?: string }> | undefined;
  if (!messages?.[0]?.id) throw new ProviderError("whatsapp", 200, answer);
  return messages[0].id;
}

/** The notifications row for the invitee's account, or null when they have none yet. */
async function addInAppCard(
  admin: SupabaseClient,
  goal: Goal,
  invite: Invite,
  inviter: string,
): Promise<string | null> {
  // The invitee's account: by email (GoTrue keeps emails lower-case), else by phone.
  const [column, value] = invite.invitee_email
    ? ["email", invite.invitee_email.trim().toLowerCase()]
    : ["phone", invite.invitee_phone ?? ""];
  const { data: profile, error } = await admin
    .from("profiles")
    .select("id")
    .eq(column, value)
    .limit(1)
    .maybeSingle();
  if (error) throw new DatabaseError(`reading profiles: ${error.message}`);
  if (!profile) return null;
  const { data, error: insertError } = await admin
    .from("notifications")
    .insert({
      user_id: profile.id,
      kind: "goal_invite",
      title: `${inviter} invited you to a goal`,
      body: goal.title,
      data: { goal_id: goal.id, invite_id: invite.id, token: invite.token },
    })
    .select("id")
    .single();
  if (insertError) throw new DatabaseError(`adding the notification: ${insertError.message}`);
  return String(data.id);
}

/** POST JSON with a bearer token; the provider's JSON answer, or ProviderError. */
async function post(
  provider: string,
  url: string,
  token: string,
  payload: unknown,
): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(payload),
    });
  } catch (err) {
    throw new ProviderError(provider, null, String(err));
  }
  const text = await res.text();
  let answer: unknown = text;
  try {
    answer = JSON.parse(text);
  } catch {
    // keep the raw text as the detail
  }
  if (!res.ok || answer === null || typeof answer !== "object") {
    throw new ProviderError(provider, res.status, answer);
  }
  return answer as Record<string, unknown>;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
