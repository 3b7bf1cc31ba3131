-- The app's role claim. Auth calls this function for every access token it issues (Supabase:
-- Authentication > Hooks > Customize Access Token, pointed at
-- pg-functions://postgres/public/custom_access_token_hook) and signs the claims it returns:
-- user_role is 'admin' or 'member', from the profile, so every screen knows the user's role
-- from the token without asking the database. Switching the hook on is a project setting,
-- not part of this migration nor of a dump: without it, tokens carry no user_role and the
-- app shows no admin screens (the database's RLS still reads profiles.is_admin).
create or replace function public.custom_access_token_hook(event jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  claims jsonb := event -> 'claims';
  admin boolean;
begin
  select p.is_admin into admin from public.profiles p where p.id = (event ->> 'user_id')::uuid;
  claims := jsonb_set(
    claims, '{user_role}', to_jsonb(case when coalesce(admin, false) then 'admin' else 'member' end)
  );
  return jsonb_build_object('claims', claims);
end
$$;

-- Only Auth calls it: supabase_auth_admin may, clients may not.
grant usage on schema public to supabase_auth_admin;
grant execute on function public.custom_access_token_hook(jsonb) to supabase_auth_admin;
revoke execute on function public.custom_access_token_hook(jsonb) from authenticated, anon, public;
grant select on table public.profiles to supabase_auth_admin;
create policy "Auth reads profiles for the access token hook" on public.profiles
  as permissive for select to supabase_auth_admin using (true);
