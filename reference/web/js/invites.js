// /invites and /invites/<token>: the invitee's in-app invitation cards, from notifications
// (kind goal_invite) and the goal_invites addressed to them; accept or decline each.

import { formatDateTime, h, messages, supabase } from "./core.js";

function addressedTo(user, invite) {
  const email = (user.email || "").toLowerCase();
  const digits = (value) => String(value || "").replace(/[^0-9]/g, "");
  return (invite.invitee_email && invite.invitee_email.toLowerCase() === email) ||
    (invite.invitee_phone && user.phone && digits(invite.invitee_phone) === digits(user.phone));
}

/** One card per invitation: invites joined with their notification and goal. */
async function loadCards(user, token) {
  let inviteQuery = supabase.from("goal_invites")
    .select("id, goal_id, invitee_email, invitee_phone, status, token, sent_at, created_at")
    .order("created_at", { ascending: false });
  if (token) inviteQuery = inviteQuery.eq("token", token);
  const [invites, notifications] = await Promise.all([
    inviteQuery,
    supabase.from("notifications").select("id, kind, title, body, data, read_at, created_at")
      .eq("kind", "goal_invite").order("created_at", { ascending: false }),
  ]);
  const error = invites.error || notifications.error;
  if (error) throw error;
  const mine = (invites.data || []).filter((invite) => addressedTo(user, invite));
  const goalIds = [...new Set(mine.map((i) => i.goal_id))];
  let goals = [];
  if (goalIds.length) {
    const result = await supabase.from("goals").select("id, title, description").in("id", goalIds);
    if (result.error) throw result.error;
    goals = result.data || [];
  }
  const byInvite = new Map((notifications.data || []).map((n) => [n.data && n.data.invite_id, n]));
  const cards = mine.map((invite) => ({
    invite,
    notification: byInvite.get(invite.id) || null,
    goal: goals.find((g) => g.id === invite.goal_id) || null,
  }));
  // Notifications whose invite is not readable (yet) still show as cards.
  if (!token) {
    const known = new Set(mine.map((i) => i.id));
    for (const n of notifications.data || []) {
      const inviteId = n.data && n.data.invite_id;
      if (!known.has(inviteId)) cards.push({ invite: null, notification: n, goal: null });
    }
  }
  return cards;
}

function cardView(card, msgs, rerender) {
  const { invite, notification, goal } = card;
  const goalTitle = (goal && goal.title) || (notification && notification.body) || "a goal";
  const headingId = `invite-${invite ? invite.id : notification.id}`;
  const status = invite ? invite.status : "sent";
  const actions = [];
  if (invite && (invite.status === "pending" || invite.status === "sent")) {
    for (const [label, value] of [["Accept invitation", "accepted"], ["Decline invitation", "declined"]]) {
      actions.push(h("button", {
        type: "button",
        onclick: async (event) => {
          event.target.disabled = true;
          msgs.busy("Saving your answer…");
          const { error } = await supabase.from("goal_invites")
            .update({ status: value, responded_at: new Date().toISOString() }).eq("id", invite.id);
          if (error) {
            event.target.disabled = false;
            await msgs.error(error);
            return;
          }
          if (notification && !notification.read_at) {
            await supabase.from("notifications").update({ read_at: new Date().toISOString() }).eq("id", notification.id);
          }
          await rerender();
          msgs.status(value === "accepted" ? "Invitation accepted" : "Invitation declined");
        },
      }, label));
    }
  }
  return h("article", {
    class: "invite-card",
    "aria-labelledby": headingId,
    "data-invite-id": invite ? invite.id : null,
    "data-invite-status": status,
  },
  h("h2", { id: headingId }, `Invitation: ${goalTitle}`),
  h("p", {}, notification ? notification.title : "You were invited to a goal"),
  goal && goal.description ? h("p", {}, goal.description) : null,
  h("p", { class: "muted" }, `Status: ${status}`,
    notification ? ` · received ${formatDateTime(notification.created_at)}` : ""),
  actions.length ? h("div", { class: "actions" }, actions) : null);
}

export async function render({ main, user, params, isCurrent }) {
  const token = params[0] ? decodeURIComponent(params[0]) : null;
  const msgs = messages();
  const list = h("div", { class: "cards" });
  main.append(h("h1", {}, "Invitations"), ...msgs.nodes, list);

  async function show() {
    const cards = await loadCards(user, token);
    if (!isCurrent()) return;
    const nodes = cards.length
      ? cards.map((card) => cardView(card, msgs, show))
      : [h("p", {}, token ? "This invitation was not found for your account." : "No invitations yet.")];
    if (token) nodes.push(h("p", {}, h("a", { href: "/invites" }, "All invitations")));
    list.replaceChildren(...nodes);
  }
  await show();
}
