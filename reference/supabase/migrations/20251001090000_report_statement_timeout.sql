-- The weight report reads up to a year of a user's measurements: signed-in requests get 15 s
-- before a statement is cancelled, instead of the project's 8 s. A role's setting belongs to
-- the server, not to the database: no dump of the database carries it, and once this file is
-- recorded as applied it is not run again, so a move must set it again on the new project.
alter role authenticated set statement_timeout = '15s';
