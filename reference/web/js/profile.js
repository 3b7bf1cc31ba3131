// /profile: the signed-in user's profile and avatar upload (bucket "avatars", <uid>/avatar-<ts>.<ext>).

import { extensionOf, field, h, messages, supabase, whileBusy } from "./core.js";

const BUCKET = "avatars";

function avatarView(url) {
  if (!url) return h("p", { class: "avatar-empty" }, "No avatar yet.");
  return h("img", { src: url, alt: "Your avatar", class: "avatar", width: 128, height: 128 });
}

export async function render({ main, user, isCurrent }) {
  const msgs = messages();
  main.append(h("h1", {}, "Profile"));
  const { data: profile, error } = await supabase
    .from("profiles").select("id, email, full_name, avatar_url, phone")
    .eq("id", user.id).maybeSingle();
  if (!isCurrent()) return;
  if (error) {
    main.append(...msgs.nodes);
    await msgs.error(error);
    return;
  }
  const avatarSlot = h("div", { class: "avatar-slot" }, avatarView(profile && profile.avatar_url));
  const file = h("input", { type: "file", name: "avatar", accept: "image/*", required: true });
  const form = h("form", { class: "card", "aria-label": "Change avatar" },
    field("Avatar image", file),
    h("button", { type: "submit" }, "Upload avatar"));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = file.files && file.files[0];
    if (!chosen) {
      await msgs.error("Choose an image first.");
      return;
    }
    msgs.busy("Uploading…");
    const path = `${user.id}/avatar-${Date.now()}.${extensionOf(chosen)}`;
    const failure = await whileBusy(form, async () => {
      const upload = await supabase.storage.from(BUCKET).upload(path, chosen, {
        contentType: chosen.type || undefined,
        upsert: false,
      });
      if (upload.error) return upload.error;
      const { data } = supabase.storage.from(BUCKET).getPublicUrl(path);
      const update = await supabase.from("profiles")
        .update({ avatar_url: data.publicUrl }).eq("id", user.id).select("avatar_url").single();
      if (update.error) return update.error;
      avatarSlot.replaceChildren(avatarView(update.data.avatar_url));
      return null;
    });
    if (failure) {
      await msgs.error(failure);
      return;
    }
    form.reset();
    msgs.status("Avatar updated");
  });

  main.append(
    h("section", { "aria-labelledby": "account-heading" },
      h("h2", { id: "account-heading" }, "Account"),
      h("dl", { class: "facts" },
        h("dt", {}, "Email"), h("dd", {}, (profile && profile.email) || user.email),
        h("dt", {}, "Name"), h("dd", {}, (profile && profile.full_name) || "—"),
        h("dt", {}, "Phone"), h("dd", {}, (profile && profile.phone) || "—"))),
    h("section", { "aria-labelledby": "avatar-heading" },
      h("h2", { id: "avatar-heading" }, "Avatar"), avatarSlot, form),
    ...msgs.nodes,
  );
}
