-- Programmes and their targets as the API shows them (docs/PROGRAMMES.md),
-- and where the audit trail files their writes.

-- The owner of a programme as the API shows it: {"kind", "id"}.
CREATE FUNCTION programme_owner_json(p programmes) RETURNS json
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN p.owner_region_id IS NOT NULL THEN json_build_object('kind', 'region', 'id', p.owner_region_id)
    WHEN p.owner_municipality_id IS NOT NULL THEN json_build_object('kind', 'municipality', 'id', p.owner_municipality_id)
    ELSE json_build_object('kind', 'school', 'id', p.owner_school_id)
  END
$$;

-- A programme as the API shows it.
CREATE FUNCTION programme_doc(p programmes) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'id', p.id, 'title', p.title, 'owner', programme_owner_json(p),
    'region_id', programme_region(p),
    'year_from', p.year_from, 'year_to', p.year_to,
    'categories', to_json(p.categories), 'roadmap_id', p.roadmap_id,
    'approval_document', p.approval_document,
    'version', p.version, 'created_at', p.created_at, 'updated_at', p.updated_at)
$$;

-- A target as the API shows it: its yearly values as an array in year
-- order, and its indicator's name, polarity and rule for display.
CREATE FUNCTION programme_target_doc(t programme_targets) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'id', t.id, 'programme_id', t.programme_id, 'indicator', t.indicator_code,
    'indicator_name', i.name, 'polarity', i.polarity, 'rule_text', i.rule_text,
    'baseline_year', t.baseline_year, 'baseline_value', t.baseline_value,
    'targets', (SELECT coalesce(json_agg(json_build_object('year', e.key::integer, 'value', e.value)
                                         ORDER BY e.key::integer), '[]')
                FROM jsonb_each(t.targets) e),
    'note', t.note,
    'version', t.version, 'created_at', t.created_at, 'updated_at', t.updated_at)
  FROM indicators i WHERE i.code = t.indicator_code
$$;

-- The array of the API ([{"year": 2024, "value": 92.5}, ...]) as stored
-- ({"2024": 92.5}).
CREATE FUNCTION programme_targets_object(jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_object_agg(e ->> 'year', e -> 'value'), '{}')
  FROM jsonb_array_elements(coalesce($1, '[]')) e
$$;

-- Where a programme belongs in the audit trail: (region, municipality) of
-- its owner; a region-owned one has no municipality.
CREATE FUNCTION programme_place(region bigint, municipality bigint, school bigint,
                                OUT r bigint, OUT m bigint)
LANGUAGE sql STABLE AS $$
  SELECT coalesce(region, (SELECT mu.region_id FROM municipalities mu
                           WHERE mu.id = coalesce(municipality,
                             (SELECT s.municipality_id FROM schools s WHERE s.id = school)))),
         coalesce(municipality, (SELECT s.municipality_id FROM schools s WHERE s.id = school))
$$;

-- Where the audit trail files the writes of programmes and targets: the
-- region and municipality of the programme's owner. The server records
-- them with place 'none'; this fills them in, from the programme as it is
-- (or, once deleted, from the document as it was), so audit_record itself
-- stays as the migrations before left it.
CREATE FUNCTION audit_events_programme_place() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  p programmes;
  owner jsonb := NEW.before -> 'owner';
BEGIN
  IF NEW.entity = 'programme' THEN
    SELECT * INTO p FROM programmes WHERE id = NEW.entity_id;
    IF NOT FOUND THEN
      p.owner_region_id := CASE WHEN owner ->> 'kind' = 'region' THEN (owner ->> 'id')::bigint END;
      p.owner_municipality_id := CASE WHEN owner ->> 'kind' = 'municipality' THEN (owner ->> 'id')::bigint END;
      p.owner_school_id := CASE WHEN owner ->> 'kind' = 'school' THEN (owner ->> 'id')::bigint END;
    END IF;
  ELSE
    SELECT * INTO p FROM programmes
    WHERE id = coalesce((SELECT t.programme_id FROM programme_targets t WHERE t.id = NEW.entity_id),
                        (NEW.before ->> 'programme_id')::bigint);
  END IF;
  SELECT o.r, o.m INTO NEW.region_id, NEW.municipality_id
  FROM programme_place(p.owner_region_id, p.owner_municipality_id, p.owner_school_id) o;
  RETURN NEW;
END
$$;
CREATE TRIGGER audit_events_programme_place BEFORE INSERT ON audit_events
  FOR EACH ROW WHEN (NEW.entity IN ('programme', 'programme_target'))
  EXECUTE FUNCTION audit_events_programme_place();

-- ($1 roadmap, $2 the programme's region, $3 scope kind, $4 scope id): the
-- roadmap a programme may name as its plan: one the caller sees, of the
-- programme's region. Any other names no roadmap (-1), so the foreign key
-- answers as for a missing one and reveals nothing of another's.
CREATE FUNCTION programme_roadmap_ref(bigint, bigint, text, bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN $1 IS NULL THEN NULL
    WHEN EXISTS (
      SELECT 1 FROM roadmaps r
      WHERE r.id = $1
        AND roadmap_visible(r.owner_school_id, r.owner_municipality_id, $3, $4)
        AND (programme_place(NULL, r.owner_municipality_id, r.owner_school_id)).r = $2)
    THEN $1 ELSE -1 END
$$;
