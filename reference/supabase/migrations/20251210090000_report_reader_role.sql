-- The course statistics export (the partners' dashboard) calls the API with a token whose
-- `role` claim is report_reader: the API switches to that role, which may read
-- reporting.course_stats and nothing else (no member's weights, no profile).
--
-- A role belongs to the server, not to the database: a dump carries none of it, only a roles
-- dump of its own (`supabase db dump --role-only`) does, its grant to authenticator included.
-- Without that grant the API cannot switch to the role, and every export call is refused.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'report_reader') then
    create role report_reader nologin noinherit;
  end if;
end
$$;

grant report_reader to authenticator;
grant usage on schema reporting to report_reader;
grant select on reporting.course_stats to report_reader;
