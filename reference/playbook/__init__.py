"""The team's migration playbook, performed for real between two local stand-in stacks.

`python -m reference.playbook --state DIR [--fault NAME]` starts `old` (migrated, seeded and
grown to a realistic volume) and `new` (a fresh Supabase-shaped project), then moves old to
new the way PLAYBOOK.md says: pg_dump, pg_restore, extensions, pending migrations, the
storage sync, the policies re-applied, the functions' secrets, and the app served from new.
"""
