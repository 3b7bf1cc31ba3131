-- The home screen: a hero video and a playlist, with their files in the public `media` bucket.
-- URLs are stored as the full public URLs the client got from getPublicUrl().

create table public.hero_videos (
  id uuid primary key default gen_random_uuid(),
  title text not null,
  video_url text not null,
  poster_url text,
  is_active boolean not null default false,
  created_at timestamptz not null default now()
);
-- at most one hero video is on the home screen
create unique index hero_videos_one_active_idx on public.hero_videos (is_active) where is_active;

create table public.playlist_items (
  id uuid primary key default extensions.uuid_generate_v4(),
  title text not null,
  media_url text not null,
  media_type text not null default 'video' check (media_type in ('video', 'audio')),
  position integer not null default 0,
  created_at timestamptz not null default now()
);
create index playlist_items_position_idx on public.playlist_items (position);

alter table public.hero_videos enable row level security;
alter table public.playlist_items enable row level security;

-- The home screen shows before sign-in, so anon reads too.
create policy "Anyone reads hero videos" on public.hero_videos
  for select to anon, authenticated using (true);
create policy "Admins manage hero videos" on public.hero_videos
  for all to authenticated using (public.is_admin()) with check (public.is_admin());

create policy "Anyone reads the playlist" on public.playlist_items
  for select to anon, authenticated using (true);
create policy "Admins manage the playlist" on public.playlist_items
  for all to authenticated using (public.is_admin()) with check (public.is_admin());

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values (
  'media', 'media', true, 52428800,
  array['video/webm', 'video/mp4', 'audio/*', 'image/*']
)
on conflict (id) do update set
  public = excluded.public,
  file_size_limit = excluded.file_size_limit,
  allowed_mime_types = excluded.allowed_mime_types;

create policy "Anyone reads media" on storage.objects
  for select to anon, authenticated using (bucket_id = 'media');
create policy "Admins upload media" on storage.objects
  for insert to authenticated with check (bucket_id = 'media' and public.is_admin());
create policy "Admins update media" on storage.objects
  for update to authenticated
  using (bucket_id = 'media' and public.is_admin())
  with check (bucket_id = 'media' and public.is_admin());
create policy "Admins delete media" on storage.objects
  for delete to authenticated using (bucket_id = 'media' and public.is_admin());
