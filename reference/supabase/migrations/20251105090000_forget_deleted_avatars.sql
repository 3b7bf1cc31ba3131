-- A deleted avatar image no longer leaves a broken image on the profile: when an object of the
-- avatars bucket is deleted (the user removes or replaces it, or an admin cleans up), the
-- profile of the user whose folder held it forgets its URL, if that URL named the object.
--
-- The trigger lives on storage.objects, outside the app's schemas: a schema-only dump of the
-- app's schemas (as `supabase db dump` makes) leaves it out, and nothing says so until a
-- profile shows a broken image.
create or replace function public.forget_deleted_avatar()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.profiles
     set avatar_url = null
   where id::text = (storage.foldername(old.name))[1]
     and right(avatar_url, length('/avatars/' || old.name)) = '/avatars/' || old.name;
  return old;
end
$$;

revoke execute on function public.forget_deleted_avatar() from public, anon, authenticated;

drop trigger if exists on_avatar_deleted on storage.objects;
create trigger on_avatar_deleted
  after delete on storage.objects
  for each row when (old.bucket_id = 'avatars')
  execute function public.forget_deleted_avatar();
