-- Row level security on every table created in public from now on, at once: a table a later
-- migration (or someone in the SQL editor) creates without `enable row level security` would
-- otherwise be readable and writable by anyone holding the publishable key until it is noticed.
--
-- An event trigger is a database-wide object, not a schema's: a dump of the app's schemas
-- leaves it out, and only a superuser may create one, so a restore run as another role fails
-- on it. Nothing says it is gone until the next new table is exposed.
create or replace function public.enable_rls_on_new_tables()
returns event_trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  created record;
begin
  for created in
    select object_identity
      from pg_event_trigger_ddl_commands()
     where object_type = 'table' and schema_name = 'public'
  loop
    execute format('alter table %s enable row level security', created.object_identity);
  end loop;
end
$$;

revoke execute on function public.enable_rls_on_new_tables() from public, anon, authenticated;

drop event trigger if exists ensure_rls_on_new_tables;
create event trigger ensure_rls_on_new_tables
  on ddl_command_end
  when tag in ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO')
  execute function public.enable_rls_on_new_tables();
