-- Access control: people, machine clients, their tokens, the audit trail,
-- and the scope functions every statement filters with (docs/ACCESS.md).

-- Who a caller is, as statements see it: a scope kind and an id.
--   'global'        everything
--   'region'        region id
--   'municipality'  municipality id
--   'school'        school id
--   'assigned'      a curator: user id; the schools assigned to them today
-- The functions below take the positions of their arguments ($n) so that
-- PostgreSQL can inline them into each statement.

CREATE TABLE users (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  login            text NOT NULL,
  full_name        text NOT NULL,
  position         text,
  email            text,
  role             text NOT NULL
    CHECK (role IN ('admin', 'municipal', 'curator', 'school', 'ingest', 'reader')),
  scope_kind       text NOT NULL
    CHECK (scope_kind IN ('global', 'region', 'municipality', 'school')),
  -- The home region (NULL only for a global scope), and the municipality or
  -- school of a municipality or school scope.
  region_id        bigint CONSTRAINT users_region_id_fkey REFERENCES regions (id),
  municipality_id  bigint CONSTRAINT users_municipality_id_fkey REFERENCES municipalities (id),
  school_id        bigint CONSTRAINT users_school_id_fkey REFERENCES schools (id),
  password_hash    text NOT NULL,
  active           boolean NOT NULL DEFAULT true,
  last_login_at    timestamptz,
  version          integer NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_scope_fits_role CHECK (
    CASE role
      WHEN 'admin' THEN scope_kind IN ('global', 'region')
      WHEN 'municipal' THEN scope_kind = 'municipality'
      WHEN 'school' THEN scope_kind = 'school'
      ELSE scope_kind = 'region'
    END),
  CONSTRAINT users_scope_ids CHECK (
    (scope_kind = 'global') = (region_id IS NULL)
    AND (scope_kind = 'municipality') = (municipality_id IS NOT NULL)
    AND (scope_kind = 'school') = (school_id IS NOT NULL))
);
CREATE UNIQUE INDEX users_login_key ON users (lower(login));
CREATE INDEX users_region_idx ON users (region_id, id);

CREATE TABLE clients (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  client_id        text NOT NULL CONSTRAINT clients_client_id_key UNIQUE,
  description      text,
  role             text NOT NULL
    CHECK (role IN ('admin', 'municipal', 'curator', 'school', 'ingest', 'reader')),
  scope_kind       text NOT NULL
    CHECK (scope_kind IN ('global', 'region', 'municipality', 'school')),
  region_id        bigint CONSTRAINT clients_region_id_fkey REFERENCES regions (id),
  municipality_id  bigint CONSTRAINT clients_municipality_id_fkey REFERENCES municipalities (id),
  school_id        bigint CONSTRAINT clients_school_id_fkey REFERENCES schools (id),
  secret_hash      bytea NOT NULL,
  active           boolean NOT NULL DEFAULT true,
  last_used_at     timestamptz,
  version          integer NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  -- A curator is a person: no machine client has assignments.
  CONSTRAINT clients_scope_fits_role CHECK (
    CASE role
      WHEN 'admin' THEN scope_kind IN ('global', 'region')
      WHEN 'municipal' THEN scope_kind = 'municipality'
      WHEN 'school' THEN scope_kind = 'school'
      WHEN 'curator' THEN false
      ELSE scope_kind = 'region'
    END),
  CONSTRAINT clients_scope_ids CHECK (
    (scope_kind = 'global') = (region_id IS NULL)
    AND (scope_kind = 'municipality') = (municipality_id IS NOT NULL)
    AND (scope_kind = 'school') = (school_id IS NOT NULL))
);
CREATE INDEX clients_region_idx ON clients (region_id, id);

-- Bearer tokens, stored only as the SHA-256 of the token text.
CREATE TABLE auth_tokens (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token_hash  bytea NOT NULL CONSTRAINT auth_tokens_hash_key UNIQUE,
  user_id     bigint REFERENCES users (id),
  client_id   bigint REFERENCES clients (id),
  issued_at   timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz,
  CONSTRAINT auth_tokens_one_owner CHECK ((user_id IS NULL) <> (client_id IS NULL))
);
CREATE INDEX auth_tokens_user_idx ON auth_tokens (user_id) WHERE revoked_at IS NULL;
CREATE INDEX auth_tokens_client_idx ON auth_tokens (client_id) WHERE revoked_at IS NULL;

-- One row per write, in the write's own transaction. `before` and `after`
-- hold, for an update, only the fields that changed.
CREATE TABLE audit_events (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at               timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor_kind       text NOT NULL CHECK (actor_kind IN ('user', 'client', 'anonymous')),
  actor_id         bigint,
  actor_name       text NOT NULL,
  actor_role       text,
  action           text NOT NULL,
  entity           text NOT NULL,
  entity_id        bigint,
  before           jsonb,
  after            jsonb,
  request_id       text NOT NULL,
  remote_addr      text,
  region_id        bigint,
  municipality_id  bigint
);
CREATE INDEX audit_events_entity_idx ON audit_events (entity, entity_id, id);
CREATE INDEX audit_events_region_idx ON audit_events (region_id, id);
CREATE INDEX audit_events_municipality_idx ON audit_events (municipality_id, id);
-- Failed logins are counted from here (per login and per address).
CREATE INDEX audit_events_failed_login_idx ON audit_events (at)
  WHERE action = 'login_failed';

-- A curator assignment may name the user it gives access to.
ALTER TABLE school_curators
  ADD COLUMN user_id bigint CONSTRAINT school_curators_user_id_fkey REFERENCES users (id);
CREATE INDEX school_curators_user_idx ON school_curators (user_id, school_id)
  WHERE user_id IS NOT NULL;

-- The region a scope lies in; NULL for 'global'.
CREATE FUNCTION scope_region(text, bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT CASE $1
    WHEN 'region' THEN $2
    WHEN 'municipality' THEN (SELECT region_id FROM municipalities WHERE id = $2)
    WHEN 'school' THEN (SELECT m.region_id FROM schools s
                        JOIN municipalities m ON m.id = s.municipality_id
                        WHERE s.id = $2)
    WHEN 'assigned' THEN (SELECT region_id FROM users WHERE id = $2)
  END
$$;

-- ($1 school, $2 user): is the curator assigned to the school today?
CREATE FUNCTION curator_assigned(bigint, bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1 FROM school_curators c
    WHERE c.user_id = $2 AND c.school_id = $1 AND c.starts_on <= current_date
      AND (c.ends_on IS NULL OR c.ends_on >= current_date))
$$;

-- ($1 school, $2 its municipality, $3 its region, $4 scope kind, $5 scope id)
-- A plain expression with no sub-select, so that PostgreSQL inlines it and
-- plans `WHERE id = $1 AND school_in_scope(...)` as an index lookup; the
-- curator's sub-select lives in curator_assigned, run only for curators.
CREATE FUNCTION school_in_scope(bigint, bigint, bigint, text, bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE $4
    WHEN 'global' THEN true
    WHEN 'region' THEN $3 = $5
    WHEN 'municipality' THEN $2 = $5
    WHEN 'school' THEN $1 = $5
    WHEN 'assigned' THEN curator_assigned($1, $5)
    ELSE false
  END
$$;

-- ($1 school, $2 scope kind, $3 scope id): for what hangs off a school.
CREATE FUNCTION school_visible(bigint, text, bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1 FROM schools s JOIN municipalities m ON m.id = s.municipality_id
    WHERE s.id = $1 AND school_in_scope(s.id, s.municipality_id, m.region_id, $2, $3))
$$;

-- ($1 region, $2 scope kind, $3 scope id): regions and municipalities are
-- readable by everyone of the region.
CREATE FUNCTION region_visible(bigint, text, bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT $2 = 'global' OR $1 = scope_region($2, $3)
$$;

-- ($1 municipality, $2 its region, $3 scope kind, $4 scope id): where a
-- caller may put schools.
CREATE FUNCTION municipality_writable(bigint, bigint, text, bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE $3
    WHEN 'global' THEN true
    WHEN 'region' THEN $2 = $4
    WHEN 'municipality' THEN $1 = $4
    ELSE false
  END
$$;

-- ($1 region, $2 municipality, $3 scope kind, $4 scope id): audit events.
CREATE FUNCTION audit_visible(bigint, bigint, text, bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE $3
    WHEN 'global' THEN true
    WHEN 'region' THEN $1 = $4
    WHEN 'municipality' THEN $2 = $4
    ELSE false
  END
$$;

-- A scope as the API shows it: {"kind": "region", "id": 1}.
CREATE FUNCTION scope_json(text, bigint, bigint, bigint) RETURNS json
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE $1
    WHEN 'global' THEN json_build_object('kind', 'global')
    WHEN 'region' THEN json_build_object('kind', 'region', 'id', $2)
    WHEN 'municipality' THEN json_build_object('kind', 'municipality', 'id', $3)
    WHEN 'school' THEN json_build_object('kind', 'school', 'id', $4)
  END
$$;

-- ($1 partner school, $2 scope kind, $3 scope id): the school when it lies
-- in the caller's region, else -1, which no school has: the foreign key
-- then answers "no school has this id" without telling whether it exists.
CREATE FUNCTION partner_in_region(bigint, text, bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN $2 = 'global' OR EXISTS (
      SELECT 1 FROM schools s JOIN municipalities m ON m.id = s.municipality_id
      WHERE s.id = $1 AND m.region_id = scope_region($2, $3))
    THEN $1 ELSE -1 END
$$;

-- A curator assignment may only name a curator user of the school's region.
CREATE FUNCTION school_curators_user_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.user_id IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM users u, schools s
      JOIN municipalities m ON m.id = s.municipality_id
      WHERE u.id = NEW.user_id AND u.role = 'curator' AND u.active
        AND s.id = NEW.school_id AND u.region_id = m.region_id) THEN
    RAISE EXCEPTION 'user % is not an active curator of the region', NEW.user_id
      USING ERRCODE = 'foreign_key_violation',
            CONSTRAINT = 'school_curators_user_id_fkey';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER school_curators_user_check
  BEFORE INSERT OR UPDATE OF user_id ON school_curators
  FOR EACH ROW EXECUTE FUNCTION school_curators_user_check();

-- The keys of a whose values differ in b, without the bookkeeping ones.
CREATE FUNCTION audit_changed(a jsonb, b jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}')
  FROM jsonb_each(a) e
  WHERE e.key NOT IN ('version', 'updated_at') AND b -> e.key IS DISTINCT FROM e.value
$$;

-- One audit row. `place` says where the entity belongs, for scoped reading:
-- 'region' (the entity is a region), 'municipality' (a municipality: doc has
-- region_id), 'school' (doc has municipality_id), 'parent' (hangs off school
-- `parent`), 'region_id' (`parent` is the region: a login or token),
-- 'user' or 'client' (the account's home region), or 'none'.
CREATE FUNCTION audit_record(actor_kind text, actor_id bigint, actor_name text,
                             actor_role text, action text, entity text,
                             entity_id bigint, before jsonb, after jsonb,
                             request_id text, remote_addr text, place text,
                             parent bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  doc jsonb := coalesce(after, before);
  r bigint;
  m bigint;
  new_id bigint;
BEGIN
  IF place = 'region' THEN
    r := entity_id;
  ELSIF place = 'municipality' THEN
    m := entity_id;
    r := (doc ->> 'region_id')::bigint;
  ELSIF place = 'school' THEN
    m := (doc ->> 'municipality_id')::bigint;
    r := (SELECT region_id FROM municipalities WHERE id = m);
  ELSIF place = 'parent' THEN
    SELECT s.municipality_id, mu.region_id INTO m, r
      FROM schools s JOIN municipalities mu ON mu.id = s.municipality_id
      WHERE s.id = parent;
  ELSIF place = 'region_id' THEN
    r := parent;
  ELSIF place = 'user' THEN
    r := (SELECT u.region_id FROM users u WHERE u.id = entity_id);
  ELSIF place = 'client' THEN
    r := (SELECT c.region_id FROM clients c WHERE c.id = entity_id);
  END IF;
  IF before IS NOT NULL AND after IS NOT NULL THEN
    SELECT audit_changed(audit_record.before, audit_record.after),
           audit_changed(audit_record.after, audit_record.before)
      INTO before, after;
  END IF;
  INSERT INTO audit_events (actor_kind, actor_id, actor_name, actor_role,
                            action, entity, entity_id, before, after,
                            request_id, remote_addr, region_id, municipality_id)
  VALUES (actor_kind, actor_id, actor_name, actor_role, action, entity,
          entity_id, before, after, request_id, remote_addr, r, m)
  RETURNING id INTO new_id;
  RETURN new_id;
END
$$;

-- The home region of an account's scope {"kind", "id"}: NULL for global,
-- -1 (no region) when the id names nothing of its kind.
CREATE FUNCTION account_region(scope jsonb) RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN scope ->> 'kind' = 'global' THEN NULL
    ELSE coalesce(scope_region(scope ->> 'kind', (scope ->> 'id')::bigint), -1)
  END
$$;

-- The scope's id when it is of `kind`, else NULL.
CREATE FUNCTION account_scope_id(scope jsonb, kind text) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN scope ->> 'kind' = kind THEN (scope ->> 'id')::bigint END
$$;

-- The audit trail read by actor (GET /api/v1/audit?actor=), newest first.
CREATE INDEX audit_events_actor_idx ON audit_events (actor_name, id);

-- ($1 account's home region, $2 scope kind, $3 scope id): the accounts an
-- admin manages. A global admin sees all; an admin of region R the accounts
-- whose home region is R; nobody else any.
CREATE FUNCTION account_visible(bigint, text, bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE $2
    WHEN 'global' THEN true
    WHEN 'region' THEN $1 = $3
    ELSE false
  END
$$;

-- ($1 the scope {"kind", "id"} an account is given, $2/$3 the caller's
-- scope): may the caller give it? A scope id that names nothing (region -1)
-- is let through, for the foreign key to answer 422.
CREATE FUNCTION account_scope_grantable(jsonb, text, bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE $2
    WHEN 'global' THEN true
    WHEN 'region' THEN coalesce(account_region($1) IN (-1, $3), false)
    ELSE false
  END
$$;

-- Accounts as the API shows them: never a password hash or a secret.
CREATE VIEW user_docs AS
  SELECT u.id, u.login, u.full_name, u.role, u.active, u.region_id, u.version,
         (SELECT row_to_json(d) FROM (
            SELECT u.id, u.login, u.full_name, u.position, u.email, u.role,
                   scope_json(u.scope_kind, u.region_id, u.municipality_id,
                              u.school_id) AS scope,
                   u.active, u.last_login_at, u.version, u.created_at,
                   u.updated_at) d) AS doc
  FROM users u;

CREATE VIEW client_docs AS
  SELECT c.id, c.client_id, c.role, c.active, c.region_id, c.version,
         (SELECT row_to_json(d) FROM (
            SELECT c.id, c.client_id, c.description, c.role,
                   scope_json(c.scope_kind, c.region_id, c.municipality_id,
                              c.school_id) AS scope,
                   c.active, c.last_used_at, c.version, c.created_at,
                   c.updated_at) d) AS doc
  FROM clients c;

