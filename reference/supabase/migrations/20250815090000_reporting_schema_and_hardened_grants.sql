-- Hardening, as a careful project does it: health data is never the anonymous visitor's, so
-- anon loses every privilege on it (RLS would already hide the rows; this hides the table),
-- and reports live in their own schema with their own grants and default privileges.

revoke all on table public.weight_measurements from anon;
revoke all on sequence public.weight_measurements_id_seq from anon;

create schema if not exists reporting;
grant usage on schema reporting to authenticated, service_role;
-- Every report view added later is readable by signed-in users (RLS of the tables beneath
-- still decides which rows) and by the service role; anon gets nothing.
alter default privileges for role postgres in schema reporting
  grant select on tables to authenticated, service_role;

-- The weight report per week: runs as the caller (security_invoker), so weight_measurements'
-- policies decide whose weeks are seen.
create or replace view reporting.weekly_weight
with (security_invoker = true) as
select
  user_id,
  date_trunc('week', measured_at) as week,
  count(*) as measurements,
  round(avg(weight_kg), 2) as avg_kg,
  min(weight_kg) as min_kg,
  max(weight_kg) as max_kg
from public.weight_measurements
group by user_id, date_trunc('week', measured_at);
