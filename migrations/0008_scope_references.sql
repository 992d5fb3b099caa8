-- References a write takes answer alike whether they lie outside the
-- caller's reach or name nothing (docs/ACCESS.md, "References").

-- ($1 the scope {"kind", "id"} an account is given, $2/$3 the caller's
-- scope): may the caller give it? An admin of a region gives scopes within
-- it; an id that names nothing is not within it either (403 for both). A
-- global admin is let through, for the foreign key to answer 422.
CREATE OR REPLACE FUNCTION account_scope_grantable(jsonb, text, bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE $2
    WHEN 'global' THEN true
    WHEN 'region' THEN coalesce(account_region($1) = $3, false)
    ELSE false
  END
$$;

-- A partner is any school of the school's region, whoever writes: the code
-- and short name of every school of a region are a directory its users
-- share. Replaces partner_in_region, which went by the caller's region (a
-- global admin could pair schools of two regions).
DROP FUNCTION partner_in_region(bigint, text, bigint);

-- ($1 partner school, $2 school): the partner when it lies in the school's
-- region, else -1, which no school has: the foreign key then answers as
-- for a school that does not exist.
CREATE FUNCTION partner_of_region(bigint, bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN EXISTS (
      SELECT 1 FROM schools p JOIN municipalities pm ON pm.id = p.municipality_id,
                    schools s JOIN municipalities sm ON sm.id = s.municipality_id
      WHERE p.id = $1 AND s.id = $2 AND pm.region_id = sm.region_id)
    THEN $1 ELSE -1 END
$$;

-- ($1 user, $2 roadmap): the user when its home region is the roadmap's,
-- else -1, which no user has (NULL stays NULL): a responsible user of
-- another region answers as one that does not exist.
CREATE FUNCTION responsible_of_region(bigint, bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN $1 IS NULL THEN NULL WHEN EXISTS (
      SELECT 1 FROM users u JOIN municipalities m ON m.region_id = u.region_id
      WHERE u.id = $1 AND m.id = roadmap_municipality($2))
    THEN $1 ELSE -1 END
$$;
