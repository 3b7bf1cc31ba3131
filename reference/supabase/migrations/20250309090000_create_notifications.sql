-- In-app notification cards (an invitation, a reminder...). Edge functions create them with
-- the service role; users read, mark read and dismiss their own.

create table public.notifications (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  kind text not null,
  title text not null,
  body text,
  data jsonb not null default '{}'::jsonb,
  read_at timestamptz,
  created_at timestamptz not null default now()
);
create index notifications_user_id_idx on public.notifications (user_id, created_at desc);

alter table public.notifications enable row level security;

create policy "Users read their notifications" on public.notifications
  for select to authenticated using (user_id = auth.uid());
create policy "Users create their own notifications" on public.notifications
  for insert to authenticated with check (user_id = auth.uid());
create policy "Users mark their notifications read" on public.notifications
  for update to authenticated using (user_id = auth.uid()) with check (user_id = auth.uid());
create policy "Users dismiss their notifications" on public.notifications
  for delete to authenticated using (user_id = auth.uid());
