// /: the hero video and the playlist (both readable before sign-in).

import { h, messages, supabase } from "./core.js";

function heroSection(hero) {
  if (!hero) {
    return h("section", { "aria-labelledby": "hero-heading", class: "hero" },
      h("h2", { id: "hero-heading" }, "Featured video"),
      h("p", {}, "No featured video right now."));
  }
  const video = h("video", {
    src: hero.video_url,
    poster: hero.poster_url || null,
    controls: true,
    muted: true,
    playsinline: true,
    preload: "auto",
    "aria-label": `Hero video: ${hero.title}`,
    "data-testid": "hero-video",
  });
  video.muted = true; // the attribute alone does not mute a script-created element
  return h("section", { "aria-labelledby": "hero-heading", class: "hero" },
    h("h2", { id: "hero-heading" }, hero.title),
    video);
}

function playlistItem(item) {
  const tag = item.media_type === "audio" ? "audio" : "video";
  const media = h(tag, {
    src: item.media_url,
    controls: true,
    preload: "none",
    "aria-label": item.title,
  });
  return h("li", { class: "playlist-item", "data-position": item.position, "data-id": item.id },
    h("span", { class: "playlist-title" }, item.title),
    media);
}

export async function render({ main, isCurrent }) {
  const msgs = messages();
  main.append(h("h1", {}, "Home"), ...msgs.nodes);
  const [heroResult, playlistResult] = await Promise.all([
    supabase.from("hero_videos").select("id, title, video_url, poster_url")
      .eq("is_active", true).limit(1),
    supabase.from("playlist_items").select("id, title, media_url, media_type, position")
      .order("position", { ascending: true }).order("created_at", { ascending: true }),
  ]);
  if (!isCurrent()) return;
  const error = heroResult.error || playlistResult.error;
  if (error) {
    await msgs.error(error);
    return;
  }
  const items = playlistResult.data || [];
  main.append(
    heroSection((heroResult.data || [])[0]),
    h("section", { "aria-labelledby": "playlist-heading", class: "playlist" },
      h("h2", { id: "playlist-heading" }, "Playlist"),
      items.length
        ? h("ol", { "aria-labelledby": "playlist-heading" }, items.map(playlistItem))
        : h("p", {}, "The playlist is empty.")),
  );
}
