-- Runs as the superuser when the database is first created (supabase/postgres image, init-scripts):
-- gives the service roles that the Storage API and PostgREST log in as the stack's database password.
\set pgpass `echo "$POSTGRES_PASSWORD"`

ALTER USER authenticator WITH PASSWORD :'pgpass';
ALTER USER supabase_storage_admin WITH PASSWORD :'pgpass';
