-- What a fresh Supabase project has besides auth and storage: Vault, the webhooks' schema,
-- the HTTP queue that stands in for pg_net, and the empty realtime publication.
-- Idempotent, like supabase_base.sql.

-- >>> vault: Supabase's interface (vault.create_secret, vault.update_secret, vault.secrets,
-- vault.decrypted_secrets). The root key lives outside the database, as pgsodium's does: a
-- file `vault_root.key` in the cluster's data directory, written by the stand-in from the
-- project's secrets. Rows copied to another project (another key) do not decrypt there.
create schema if not exists vault;

create table if not exists vault.secrets (
  id uuid primary key default gen_random_uuid(),
  name text unique,
  description text not null default '',
  secret text not null,
  key_id uuid,
  nonce bytea default pg_catalog.decode(pg_catalog.md5(pg_catalog.gen_random_uuid()::text), 'hex'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create or replace function vault._root_key() returns text
language plpgsql stable security definer set search_path = '' as $$
begin
  return trim(both e' \n' from pg_catalog.pg_read_file('vault_root.key'));
exception when others then
  return null;  -- no key on this server: nothing decrypts
end
$$;

create or replace function vault._key_id() returns uuid
language sql stable security definer set search_path = '' as $$
  select pg_catalog.md5('vault key ' || vault._root_key())::uuid
$$;

-- The cipher needs nothing but core PostgreSQL (sha256, gen_random_uuid), as Supabase's Vault
-- needs nothing of the extensions a migration may leave out or put elsewhere (pgcrypto):
-- the text XORed with a keystream of sha256(key, nonce, block number), behind a 16-byte nonce
-- and a keyed sha256 tag of nonce and ciphertext, checked before decrypting, so a row
-- encrypted under another project's key does not decrypt here.
create or replace function vault._key() returns bytea
language sql stable security definer set search_path = '' as $$
  select pg_catalog.sha256(pg_catalog.convert_to('vault key ' || vault._root_key(), 'UTF8'))
$$;

create or replace function vault._xor_keystream(data bytea, key bytea, nonce bytea) returns bytea
language plpgsql immutable strict set search_path = '' as $$
declare
  result bytea := data;
  block bytea;
begin
  for i in 0 .. pg_catalog.length(data) - 1 loop
    if i % 32 = 0 then
      block := pg_catalog.sha256(key || nonce || pg_catalog.int4send(i / 32));
    end if;
    result := pg_catalog.set_byte(
      result, i, pg_catalog.get_byte(data, i) # pg_catalog.get_byte(block, i % 32));
  end loop;
  return result;
end
$$;

create or replace function vault._tag(key bytea, nonce bytea, body bytea) returns bytea
language sql immutable strict set search_path = '' as $$
  select pg_catalog.substr(pg_catalog.sha256(key || '\x746167'::bytea || nonce || body), 1, 16)
$$;

create or replace function vault._encrypt(plain text) returns text
language plpgsql volatile security definer set search_path = '' as $$
declare
  key bytea := vault._key();
  nonce bytea := pg_catalog.decode(
    pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', ''), 'hex');
  body bytea;
begin
  if key is null then
    raise exception 'vault: this project has no root key';
  end if;
  body := vault._xor_keystream(pg_catalog.convert_to(plain, 'UTF8'), key, nonce);
  return pg_catalog.encode(nonce || vault._tag(key, nonce, body) || body, 'base64');
end
$$;

create or replace function vault._decrypt(cipher text) returns text
language plpgsql stable security definer set search_path = '' as $$
declare
  key bytea := vault._key();
  raw bytea;
  nonce bytea;
  body bytea;
begin
  raw := pg_catalog.decode(cipher, 'base64');
  nonce := pg_catalog.substr(raw, 1, 16);
  body := pg_catalog.substr(raw, 33);
  if key is null or pg_catalog.length(raw) < 32
     or vault._tag(key, nonce, body) <> pg_catalog.substr(raw, 17, 16) then
    return null;  -- encrypted with another project's key (or damaged): it does not decrypt
  end if;
  return pg_catalog.convert_from(vault._xor_keystream(body, key, nonce), 'UTF8');
exception when others then
  return null;
end
$$;

create or replace function vault.create_secret(
  new_secret text, new_name text default null, new_description text default '',
  new_key_id uuid default null
) returns uuid
language sql volatile security definer set search_path = '' as $$
  insert into vault.secrets (name, description, secret, key_id)
  values (new_name, coalesce(new_description, ''), vault._encrypt(new_secret), vault._key_id())
  returning id
$$;

create or replace function vault.update_secret(
  secret_id uuid, new_secret text default null, new_name text default null,
  new_description text default null, new_key_id uuid default null
) returns void
language sql volatile security definer set search_path = '' as $$
  update vault.secrets set
    secret = coalesce(vault._encrypt(new_secret), secret),
    key_id = case when new_secret is null then key_id else vault._key_id() end,
    name = coalesce(new_name, name),
    description = coalesce(new_description, description),
    updated_at = now()
  where id = secret_id
$$;

create or replace view vault.decrypted_secrets as
  select id, name, description, secret, vault._decrypt(secret) as decrypted_secret,
         key_id, nonce, created_at, updated_at
  from vault.secrets;

revoke all on schema vault from public, anon, authenticated;
revoke all on all tables in schema vault from public, anon, authenticated;
revoke all on all functions in schema vault from public, anon, authenticated;
grant usage on schema vault to service_role;
grant select, insert, update, delete on vault.secrets, vault.decrypted_secrets to service_role;
grant execute on function vault.create_secret(text, text, text, uuid),
  vault.update_secret(uuid, text, text, text, uuid) to service_role;
-- <<< vault

-- >>> net: the stand-in for pg_net. net.http_post queues a request; the gateway's sender
-- (reference/stack/gateway/net_sender.py) sends it and records the answer in net._http_response.
create schema if not exists net;

create table if not exists net.http_request_queue (
  id bigserial primary key,
  method text not null,
  url text not null,
  headers jsonb not null default '{}'::jsonb,
  body bytea,
  timeout_milliseconds integer not null default 5000
);

create table if not exists net._http_response (
  id bigint primary key,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out boolean,
  error_msg text,
  created timestamptz not null default now()
);

create or replace function net._notify_sender() returns trigger
language plpgsql as $$
begin
  perform pg_notify('net_http_request', new.id::text);
  return new;
end
$$;

drop trigger if exists notify_sender on net.http_request_queue;
create trigger notify_sender after insert on net.http_request_queue
  for each row execute function net._notify_sender();

create or replace function net.http_post(
  url text, body jsonb default '{}'::jsonb, params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds integer default 5000
) returns bigint
language sql volatile security definer set search_path = '' as $$
  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values (
    'POST',
    url || case when params = '{}'::jsonb then '' else '?' || (
      select string_agg(key || '=' || value, '&') from jsonb_each_text(params)) end,
    headers, convert_to(body::text, 'UTF8'), timeout_milliseconds
  )
  returning id
$$;

revoke all on schema net from public, anon, authenticated;
grant usage on schema net to service_role;
grant execute on function net.http_post(text, jsonb, jsonb, jsonb, integer) to service_role;
grant select on net._http_response to service_role;
-- <<< net

-- >>> supabase_functions: database webhooks. A webhook is a trigger
-- `... execute function supabase_functions.http_request(url, method, headers, params, timeout)`;
-- each call is queued through net.http_post and recorded in supabase_functions.hooks.
create schema if not exists supabase_functions;

create table if not exists supabase_functions.hooks (
  id bigserial primary key,
  hook_table_id integer not null,
  hook_name text not null,
  created_at timestamptz not null default now(),
  request_id bigint
);

create or replace function supabase_functions.http_request() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  request_id bigint;
  payload jsonb;
  url text := tg_argv[0]::text;
  method text := coalesce(tg_argv[1]::text, 'POST');
  headers jsonb := coalesce(tg_argv[2]::jsonb, '{"Content-Type": "application/json"}'::jsonb);
  params jsonb := coalesce(tg_argv[3]::jsonb, '{}'::jsonb);
  timeout_ms integer := coalesce(tg_argv[4]::integer, 1000);
begin
  if url is null or url = 'null' then
    raise exception 'url argument is missing';
  end if;
  if method is null or method <> 'POST' then
    raise exception 'the stand-in sends POST webhooks only';
  end if;
  payload := jsonb_build_object(
    'old_record', case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end,
    'record', case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end,
    'type', tg_op, 'table', tg_table_name, 'schema', tg_table_schema
  );
  select net.http_post(url, payload, params, headers, timeout_ms) into request_id;
  insert into supabase_functions.hooks (hook_table_id, hook_name, request_id)
  values (tg_relid, tg_name, request_id);
  return new;
end
$$;

revoke all on schema supabase_functions from public, anon, authenticated;
grant usage on schema supabase_functions to service_role;
-- <<< supabase_functions

-- >>> realtime: the publication Supabase Realtime listens to, empty on a fresh project.
do $$
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$$;
-- <<< realtime
