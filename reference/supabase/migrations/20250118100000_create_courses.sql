-- The course catalogue: courses, their modules, and the modules' lessons.

create table public.courses (
  id uuid primary key default gen_random_uuid(),
  title text not null check (length(trim(title)) > 0),
  description text,
  thumbnail_url text,
  created_by uuid default auth.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now()
);

create table public.course_modules (
  id uuid primary key default extensions.uuid_generate_v4(),
  course_id uuid not null references public.courses (id) on delete cascade,
  title text not null check (length(trim(title)) > 0),
  position integer not null default 0,
  created_at timestamptz not null default now()
);
create index course_modules_course_id_idx on public.course_modules (course_id, position);

create table public.lessons (
  id uuid primary key default extensions.uuid_generate_v4(),
  module_id uuid not null references public.course_modules (id) on delete cascade,
  title text not null check (length(trim(title)) > 0),
  content text,
  video_url text,
  position integer not null default 0,
  created_at timestamptz not null default now()
);
create index lessons_module_id_idx on public.lessons (module_id, position);

alter table public.courses enable row level security;
alter table public.course_modules enable row level security;
alter table public.lessons enable row level security;

-- Signed-in users read the catalogue; only admins change it.
create policy "Signed-in users read courses" on public.courses
  for select to authenticated using (true);
create policy "Admins insert courses" on public.courses
  for insert to authenticated with check (public.is_admin());
create policy "Admins update courses" on public.courses
  for update to authenticated using (public.is_admin()) with check (public.is_admin());
create policy "Admins delete courses" on public.courses
  for delete to authenticated using (public.is_admin());

create policy "Signed-in users read modules" on public.course_modules
  for select to authenticated using (true);
create policy "Admins insert modules" on public.course_modules
  for insert to authenticated with check (public.is_admin());
create policy "Admins update modules" on public.course_modules
  for update to authenticated using (public.is_admin()) with check (public.is_admin());
create policy "Admins delete modules" on public.course_modules
  for delete to authenticated using (public.is_admin());

create policy "Signed-in users read lessons" on public.lessons
  for select to authenticated using (true);
create policy "Admins insert lessons" on public.lessons
  for insert to authenticated with check (public.is_admin());
create policy "Admins update lessons" on public.lessons
  for update to authenticated using (public.is_admin()) with check (public.is_admin());
create policy "Admins delete lessons" on public.lessons
  for delete to authenticated using (public.is_admin());
