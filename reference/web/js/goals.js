// /goals: create a goal that invites someone by email and phone; goal-notifications sends it.

import { field, formatDateTime, h, messages, supabase, whileBusy } from "./core.js";

async function loadGoals(userId) {
  const goals = await supabase.from("goals").select("id, title, description, target_date, created_at")
    .eq("owner_id", userId).order("created_at", { ascending: false });
  if (goals.error) throw goals.error;
  const ids = (goals.data || []).map((g) => g.id);
  let invites = [];
  if (ids.length) {
    const result = await supabase.from("goal_invites")
      .select("id, goal_id, invitee_email, invitee_phone, status, sent_at")
      .in("goal_id", ids).order("created_at", { ascending: true });
    if (result.error) throw result.error;
    invites = result.data || [];
  }
  return (goals.data || []).map((goal) => ({ ...goal, invites: invites.filter((i) => i.goal_id === goal.id) }));
}

function goalsView(goals) {
  if (!goals.length) return h("p", {}, "No goals yet.");
  return h("ul", { class: "goals", "aria-labelledby": "your-goals-heading" }, goals.map((goal) =>
    h("li", { class: "goal", "data-goal-id": goal.id },
      h("h3", {}, goal.title),
      goal.description ? h("p", {}, goal.description) : null,
      goal.target_date ? h("p", {}, `Target date: ${goal.target_date}`) : null,
      goal.invites.length
        ? h("ul", { class: "invites", "aria-label": `Invites for ${goal.title}` }, goal.invites.map((invite) =>
          h("li", { "data-invite-status": invite.status },
            [invite.invitee_email, invite.invitee_phone].filter(Boolean).join(" · "),
            ` — ${invite.status}`,
            invite.sent_at ? ` (sent ${formatDateTime(invite.sent_at)})` : "")))
        : h("p", { class: "muted" }, "No invites."))));
}

export async function render({ main, user, isCurrent }) {
  const msgs = messages();
  main.append(h("h1", {}, "Goals"));
  let goals = await loadGoals(user.id);
  if (!isCurrent()) return;

  const title = h("input", { type: "text", name: "title", required: true });
  const description = h("textarea", { name: "description", rows: 2 });
  const targetDate = h("input", { type: "date", name: "target_date" });
  const email = h("input", { type: "email", name: "invitee_email", required: true, autocomplete: "off" });
  const phone = h("input", { type: "tel", name: "invitee_phone", autocomplete: "off", placeholder: "+15550100003" });
  const form = h("form", { class: "card", "aria-labelledby": "new-goal-heading" },
    h("h2", { id: "new-goal-heading" }, "New goal"),
    field("Goal title", title),
    field("Description", description),
    field("Target date", targetDate),
    h("fieldset", {},
      h("legend", {}, "Invite a friend"),
      field("Invitee email", email),
      field("Invitee phone", phone)),
    h("button", { type: "submit" }, "Create goal and send invite"));
  const listSlot = h("div", {}, goalsView(goals));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    msgs.busy("Creating the goal…");
    try {
      await whileBusy(form, async () => {
        const goal = await supabase.from("goals")
          .insert({ title: title.value.trim(), description: description.value.trim() || null, target_date: targetDate.value || null })
          .select("id, title").single();
        if (goal.error) throw goal.error;
        const invite = await supabase.from("goal_invites").insert({
          goal_id: goal.data.id,
          invitee_email: email.value.trim().toLowerCase(),
          invitee_phone: phone.value.trim() || null,
        });
        if (invite.error) throw invite.error;
        msgs.busy("Sending the invite…");
        const sent = await supabase.functions.invoke("goal-notifications", { body: { goal_id: goal.data.id } });
        goals = await loadGoals(user.id);
        listSlot.replaceChildren(goalsView(goals));
        if (sent.error) throw sent.error;
      });
    } catch (error) {
      await msgs.error(error);
      return;
    }
    form.reset();
    msgs.status("Invite sent");
  });

  main.append(
    form,
    ...msgs.nodes,
    h("section", { "aria-labelledby": "your-goals-heading" },
      h("h2", { id: "your-goals-heading" }, "Your goals"), listSlot),
  );
}
