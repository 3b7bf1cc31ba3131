-- Goals a user sets, and the invitations they send to friends by email and WhatsApp.

create table public.goals (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  title text not null check (length(trim(title)) > 0),
  description text,
  target_date date,
  created_at timestamptz not null default now()
);
create index goals_owner_id_idx on public.goals (owner_id);

create table public.goal_invites (
  id uuid primary key default gen_random_uuid(),
  goal_id uuid not null references public.goals (id) on delete cascade,
  inviter_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  invitee_email text,
  invitee_phone text,
  status text not null default 'pending'
    check (status in ('pending', 'sent', 'accepted', 'declined')),
  -- the link token in the invitation email: 128 random bits from pgcrypto
  token text not null unique default encode(extensions.gen_random_bytes(16), 'hex'),
  sent_at timestamptz,
  responded_at timestamptz,
  created_at timestamptz not null default now(),
  constraint goal_invites_has_contact check (invitee_email is not null or invitee_phone is not null)
);
create index goal_invites_goal_id_idx on public.goal_invites (goal_id);
create index goal_invites_invitee_email_idx on public.goal_invites (lower(invitee_email));

-- The invitee is whoever signs in with the invited email (or phone: GoTrue drops the '+').
create or replace function public.is_invitee(invite_email text, invite_phone text)
returns boolean
language sql
stable
set search_path = ''
as $$
  select coalesce(lower(invite_email) = lower(auth.jwt() ->> 'email'), false)
      or coalesce(
           regexp_replace(invite_phone, '[^0-9]', '', 'g')
             = nullif(regexp_replace(auth.jwt() ->> 'phone', '[^0-9]', '', 'g'), ''),
           false)
$$;

-- Cross-table checks go through security definer helpers so that the goals and goal_invites
-- policies never expand each other (which Postgres reports as infinite recursion).
create or replace function public.owns_goal(goal uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (select 1 from public.goals g where g.id = goal and g.owner_id = auth.uid())
$$;

create or replace function public.is_invited_to_goal(goal uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from public.goal_invites gi
    where gi.goal_id = goal and public.is_invitee(gi.invitee_email, gi.invitee_phone)
  )
$$;

alter table public.goals enable row level security;
alter table public.goal_invites enable row level security;

create policy "Owners manage their goals" on public.goals
  for all to authenticated using (owner_id = auth.uid()) with check (owner_id = auth.uid());
create policy "Invitees read goals they are invited to" on public.goals
  for select to authenticated using (public.is_invited_to_goal(id));

create policy "Inviters read their invites" on public.goal_invites
  for select to authenticated using (inviter_id = auth.uid());
create policy "Inviters invite to their own goals" on public.goal_invites
  for insert to authenticated
  with check (inviter_id = auth.uid() and public.owns_goal(goal_id));
create policy "Inviters update their invites" on public.goal_invites
  for update to authenticated
  using (inviter_id = auth.uid()) with check (inviter_id = auth.uid() and public.owns_goal(goal_id));
create policy "Inviters delete their invites" on public.goal_invites
  for delete to authenticated using (inviter_id = auth.uid());
create policy "Invitees read invites addressed to them" on public.goal_invites
  for select to authenticated using (public.is_invitee(invitee_email, invitee_phone));
create policy "Invitees answer invites addressed to them" on public.goal_invites
  for update to authenticated
  using (public.is_invitee(invitee_email, invitee_phone))
  with check (
    public.is_invitee(invitee_email, invitee_phone) and status in ('accepted', 'declined')
  );
