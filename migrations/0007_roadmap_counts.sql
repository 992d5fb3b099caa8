-- A roadmap carries `done_count` beside `items_count` and `overdue_count`
-- (docs/PLANS.md, "Roadmaps"): roadmap_doc of 0003_plans.sql, plus the
-- number of its items that are done.
CREATE OR REPLACE FUNCTION roadmap_doc(r roadmaps) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT row_to_json(d) FROM (
    SELECT r.id,
           (SELECT row_to_json(o) FROM (
              SELECT CASE WHEN r.owner_school_id IS NOT NULL THEN 'school'
                       ELSE 'municipality' END AS kind,
                     coalesce(r.owner_school_id, r.owner_municipality_id) AS id) o
           ) AS owner,
           r.kind, r.risk_factor_code AS risk_factor, r.title, r.period_from,
           r.period_to, r.status, r.approval_document, r.approved_on,
           r.revision, c.items_count, c.done_count, c.overdue_count,
           r.version, r.created_at, r.updated_at
    FROM (SELECT count(*) AS items_count,
                 count(*) FILTER (WHERE i.status = 'done') AS done_count,
                 count(*) FILTER (WHERE item_overdue(i.status, i.schedule))
                   AS overdue_count
          FROM roadmap_items i WHERE i.roadmap_id = r.id) c) d
$$;
