-- The admin dashboard's course statistics (modules and lessons per course), kept as a
-- materialized view so that the dashboard does not count every lesson on each visit; the
-- admin refreshes it with `refresh materialized view concurrently reporting.course_stats`
-- (the unique index allows that). The reporting schema's default privileges let signed-in
-- users and the service role read it. A dump carries its data as a REFRESH run at the end of
-- the restore.
create materialized view reporting.course_stats as
select
  c.id as course_id,
  count(distinct m.id) as modules,
  count(l.id) as lessons
from public.courses c
left join public.course_modules m on m.course_id = c.id
left join public.lessons l on l.module_id = m.id
group by c.id;

create unique index course_stats_course_id on reporting.course_stats (course_id);
