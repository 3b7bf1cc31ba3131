-- The app's first migration: extensions, user profiles made by a trigger on auth.users,
-- and the is_admin() check every later policy uses.

create extension if not exists pgcrypto with schema extensions;
create extension if not exists "uuid-ossp" with schema extensions;

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  email text,
  full_name text,
  avatar_url text,
  phone text,
  is_admin boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.profiles is 'One row per auth user, created by the on_auth_user_created trigger.';

-- Security definer so that policies can ask "is the caller an admin?" without recursing
-- into the profiles policies; search_path is empty so a caller cannot shadow anything.
create or replace function public.is_admin()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(
    (select p.is_admin from public.profiles p where p.id = auth.uid()),
    false
  )
$$;
comment on function public.is_admin() is 'True when the signed-in user''s profile has is_admin.';

create or replace function public.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.profiles (id, email, phone, full_name, avatar_url)
  values (
    new.id,
    new.email,
    -- GoTrue stores phones without the '+'; the app keeps E.164
    case
      when coalesce(new.phone, '') <> '' then '+' || ltrim(new.phone, '+')
      else new.raw_user_meta_data ->> 'phone'
    end,
    new.raw_user_meta_data ->> 'full_name',
    new.raw_user_meta_data ->> 'avatar_url'
  )
  on conflict (id) do nothing;
  return new;
end
$$;

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function public.handle_new_user();

-- A user may edit their own profile but never grant themselves admin.
create or replace function public.protect_profile_admin_flag()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if current_user in ('anon', 'authenticated')
     and new.is_admin is distinct from (case when tg_op = 'INSERT' then false else old.is_admin end)
     and not public.is_admin() then
    raise exception 'only an admin can change is_admin' using errcode = '42501';
  end if;
  new.updated_at := now();
  return new;
end
$$;

create trigger profiles_protect_admin_flag
  before insert or update on public.profiles
  for each row execute function public.protect_profile_admin_flag();

alter table public.profiles enable row level security;

create policy "Users read their own profile" on public.profiles
  for select to authenticated using (id = auth.uid());
create policy "Admins read every profile" on public.profiles
  for select to authenticated using (public.is_admin());
create policy "Users insert their own profile" on public.profiles
  for insert to authenticated with check (id = auth.uid());
create policy "Users update their own profile" on public.profiles
  for update to authenticated using (id = auth.uid()) with check (id = auth.uid());
