-- roadmap_visible of 0003_plans.sql, the same rule, in PL/pgSQL (issue 18):
-- PostgreSQL 15 cannot inline a SQL function with sub-selects, and plans its
-- body again in every statement that calls it, and school_visible's body
-- inside it again: about 1.2 ms of a roadmap's read. PL/pgSQL keeps its plan
-- for the connection (about 0.2 ms). A school's roadmap is visible as its
-- school: school_visible's body (0002_access.sql), written out so that it is
-- planned with the rest.
CREATE OR REPLACE FUNCTION roadmap_visible(bigint, bigint, text, bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN CASE WHEN $1 IS NOT NULL THEN EXISTS (
      SELECT 1 FROM schools s JOIN municipalities m ON m.id = s.municipality_id
      WHERE s.id = $1 AND school_in_scope(s.id, s.municipality_id, m.region_id, $3, $4))
    ELSE CASE $3
      WHEN 'global' THEN true
      WHEN 'region' THEN (SELECT region_id FROM municipalities WHERE id = $2) = $4
      WHEN 'municipality' THEN $2 = $4
      WHEN 'school' THEN (SELECT municipality_id FROM schools WHERE id = $4) = $2
      WHEN 'assigned' THEN EXISTS (
        SELECT 1 FROM school_curators c JOIN schools s ON s.id = c.school_id
        WHERE c.user_id = $4 AND s.municipality_id = $2
          AND c.starts_on <= current_date
          AND (c.ends_on IS NULL OR c.ends_on >= current_date))
      ELSE false
    END
  END;
END
$$;
