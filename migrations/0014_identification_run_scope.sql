-- A run as a caller within part of its region sees it. A run is the
-- region's, but a municipal user, a curator or a school reads it
-- restricted to their schools (docs/IDENTIFICATION.md): its counts are
-- those of the schools within the caller's scope, and its data state
-- (which names every context row of the region, and when the region's
-- statistics last changed) is shown only to callers who see the whole
-- region. Before, both covered the whole region for every reader.
DROP FUNCTION identification_run_doc(identification_runs);
CREATE FUNCTION identification_run_doc(r identification_runs,
  p_scope_kind text, p_scope_id bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', r.id, 'region_id', r.region_id,
    'kind', r.kind, 'year', r.year, 'methodology', r.methodology,
    'created_by', r.created_by,
    'methodology_id', r.methodology_id,
    'methodology_name', r.methodology_name,
    'created_at', r.created_at, 'applied', r.applied_at IS NOT NULL,
    'application', r.application,
    'counts', (SELECT jsonb_build_object(
      'meets', count(*) FILTER (WHERE rs.decision = 'meets'),
      'does_not_meet', count(*) FILTER (WHERE rs.decision = 'does_not_meet'),
      'insufficient_evidence',
        count(*) FILTER (WHERE rs.decision = 'insufficient_evidence'))
      FROM identification_run_schools rs
      JOIN schools s ON s.id = rs.school_id
      JOIN municipalities m ON m.id = s.municipality_id
      WHERE rs.run_id = r.id
      AND school_in_scope(s.id, s.municipality_id, m.region_id,
                          p_scope_kind, p_scope_id)))
  || CASE WHEN p_scope_kind = 'global'
       OR (p_scope_kind = 'region' AND p_scope_id = r.region_id)
     THEN jsonb_build_object('data_state', r.data_state)
     ELSE '{}'::jsonb END
$$;

-- The data check is for those who run and apply (identification:run, who
-- see the whole region): nothing of it is hidden, nothing only counted.
DROP FUNCTION identification_data_check(identification_runs, text, bigint);
CREATE FUNCTION identification_data_check(r identification_runs)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  WITH t AS (SELECT identification_state_key(e) AS key, e
    FROM jsonb_array_elements(r.data_state) e),
  n AS (SELECT identification_state_key(e) AS key, e
    FROM jsonb_array_elements(identification_data_state(r)) e),
  d AS (
    SELECT CASE WHEN t.e IS NULL THEN 'appeared'
        WHEN n.e IS NULL THEN 'disappeared' ELSE 'changed' END AS change,
      coalesce(n.e, t.e) AS e, t.e AS then_e, n.e AS now_e
    FROM t FULL JOIN n ON n.key = t.key
    WHERE t.e IS NULL OR n.e IS NULL OR identification_state_differs(t.e, n.e)),
  v AS (
    SELECT d.change, (d.e->>'assessment_id')::bigint AS assessment_id,
      (d.e->>'school_id')::bigint AS school_id, (d.e->>'year')::integer AS year,
      CASE WHEN d.e ? 'assessment_id' THEN jsonb_build_object(
          'assessment_id', d.e->'assessment_id', 'kind', d.e->'kind',
          'year', d.e->'year', 'grade', d.e->'grade',
          'subject_code', d.e->'subject_code', 'variant_set', d.e->'variant_set',
          'then', d.then_e - 'assessment_id' - 'kind' - 'year' - 'grade'
            - 'subject_code' - 'variant_set',
          'now', d.now_e - 'assessment_id' - 'kind' - 'year' - 'grade'
            - 'subject_code' - 'variant_set')
        ELSE jsonb_build_object('school_id', d.e->'school_id',
          'school_code', s.code, 'year', d.e->'year',
          'then', d.then_e - 'school_id' - 'year',
          'now', d.now_e - 'school_id' - 'year') END AS item
    FROM d LEFT JOIN schools s ON s.id = (d.e->>'school_id')::bigint)
  SELECT jsonb_build_object('run_id', r.id, 'kind', r.kind,
    'checked_at', now(),
    'same_data', NOT EXISTS (SELECT 1 FROM v),
    'changed', (SELECT coalesce(jsonb_agg(v.item ORDER BY v.assessment_id,
      v.school_id, v.year), '[]') FROM v WHERE v.change = 'changed'),
    'appeared', (SELECT coalesce(jsonb_agg(v.item ORDER BY v.assessment_id,
      v.school_id, v.year), '[]') FROM v WHERE v.change = 'appeared'),
    'disappeared', (SELECT coalesce(jsonb_agg(v.item ORDER BY v.assessment_id,
      v.school_id, v.year), '[]') FROM v WHERE v.change = 'disappeared'))
$$;
