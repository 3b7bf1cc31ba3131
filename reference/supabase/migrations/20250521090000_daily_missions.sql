-- Daily missions: one question per day, one answer per user and mission.

create table public.daily_missions (
  id uuid primary key default gen_random_uuid(),
  mission_date date not null unique,
  question text not null,
  created_at timestamptz not null default now()
);

create table public.mission_answers (
  id uuid primary key default gen_random_uuid(),
  mission_id uuid not null references public.daily_missions (id) on delete cascade,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  answer text not null check (length(trim(answer)) > 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint mission_answers_mission_id_user_id_key unique (mission_id, user_id)
);
create index mission_answers_user_id_idx on public.mission_answers (user_id);

-- Today's mission: the latest one dated today or earlier, so that a day without a seeded
-- question still shows the last one instead of nothing.
create or replace function public.today_mission()
returns setof public.daily_missions
language sql
stable
set search_path = ''
as $$
  select m.* from public.daily_missions m
  where m.mission_date <= current_date
  order by m.mission_date desc
  limit 1
$$;

alter table public.daily_missions enable row level security;
alter table public.mission_answers enable row level security;

create policy "Anyone reads daily missions" on public.daily_missions
  for select to anon, authenticated using (true);
create policy "Admins manage daily missions" on public.daily_missions
  for all to authenticated using (public.is_admin()) with check (public.is_admin());

create policy "Users read their answers" on public.mission_answers
  for select to authenticated using (user_id = auth.uid());
create policy "Users answer for themselves" on public.mission_answers
  for insert to authenticated with check (user_id = auth.uid());
create policy "Users change their answers" on public.mission_answers
  for update to authenticated using (user_id = auth.uid()) with check (user_id = auth.uid());
create policy "Users delete their answers" on public.mission_answers
  for delete to authenticated using (user_id = auth.uid());
