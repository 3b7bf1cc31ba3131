// /missions/today: today's question, the user's answer, saved with an upsert on (mission_id, user_id).

import { field, h, localToday, messages, supabase, whileBusy } from "./core.js";

export async function render({ main, user, isCurrent }) {
  const msgs = messages();
  main.append(h("h1", {}, "Today's mission"));
  // Today's mission is the latest one dated today or earlier.
  const mission = await supabase.from("daily_missions").select("id, mission_date, question")
    .lte("mission_date", localToday()).order("mission_date", { ascending: false }).limit(1);
  if (!isCurrent()) return;
  if (mission.error) {
    main.append(...msgs.nodes);
    await msgs.error(mission.error);
    return;
  }
  const today = (mission.data || [])[0];
  if (!today) {
    main.append(h("p", {}, "There is no mission for today."), ...msgs.nodes);
    return;
  }
  const saved = await supabase.from("mission_answers").select("answer, updated_at")
    .eq("mission_id", today.id).eq("user_id", user.id).maybeSingle();
  if (!isCurrent()) return;
  if (saved.error) {
    main.append(...msgs.nodes);
    await msgs.error(saved.error);
    return;
  }

  const savedAnswer = h("p", { class: "saved-answer", "data-testid": "saved-answer" });
  const savedSection = h("section", { "aria-labelledby": "saved-heading", hidden: true },
    h("h2", { id: "saved-heading" }, "Your saved answer"), savedAnswer);
  function showSaved(text) {
    savedAnswer.textContent = text;
    savedSection.hidden = !text;
  }

  const answer = h("textarea", { name: "answer", rows: 4, required: true });
  const form = h("form", { class: "card", "aria-labelledby": "question-heading" },
    h("h2", { id: "question-heading" }, "Question"),
    h("p", { class: "question", "data-testid": "mission-question", "data-mission-id": today.id }, today.question),
    field("Your answer", answer),
    h("button", { type: "submit" }, "Save answer"));
  if (saved.data) {
    answer.value = saved.data.answer;
    showSaved(saved.data.answer);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    msgs.busy("Saving…");
    const result = await whileBusy(form, () =>
      supabase.from("mission_answers")
        .upsert({ mission_id: today.id, user_id: user.id, answer: answer.value.trim() }, { onConflict: "mission_id,user_id" })
        .select("answer").single());
    if (result.error) {
      await msgs.error(result.error);
      return;
    }
    showSaved(result.data.answer);
    msgs.status("Answer saved");
  });

  main.append(h("p", { class: "muted" }, `Mission of ${today.mission_date}`), form, ...msgs.nodes, savedSection);
}
