-- Scheduled jobs and realtime for the in-app cards.
-- pg_cron is enabled where the server has it loaded (Supabase: Database > Extensions); the
-- nightly job itself, the Vault secrets it reads and the goal_invites webhook are made in
-- the dashboard (the stand-in: reference/stack/project_setup.py), as they carry the
-- project's URL and key.
do $$
begin
  if current_setting('cron.database_name', true) = current_database() then
    create extension if not exists pg_cron;
    grant usage on schema cron to postgres;
  end if;
end
$$;

-- The in-app card listens for its own notifications through Supabase Realtime.
alter publication supabase_realtime add table public.notifications;
