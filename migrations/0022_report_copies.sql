-- Reports marked as sent (docs/EFFECTIVENESS.md, "Sent reports"): the
-- workbook exactly as it was made when an authority sent it upward, kept
-- unchanged with who sent it, when, and the scope it was made in, so what
-- was sent can be shown again after the data changed.
CREATE TABLE report_copies (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind             text NOT NULL CHECK (kind IN ('programme_report', 'campaign_report')),
  object_id        bigint NOT NULL,
  municipality_id  bigint CONSTRAINT report_copies_municipality_fkey REFERENCES municipalities (id),
  region_id        bigint NOT NULL CONSTRAINT report_copies_region_fkey REFERENCES regions (id),
  title            text NOT NULL,
  note             text,
  file_name        text NOT NULL,
  content          bytea NOT NULL,
  sha256           text NOT NULL,
  -- who sent it, and the scope the report was made in (its figures are
  -- that scope's)
  actor_name       text NOT NULL,
  scope_kind       text NOT NULL,
  scope_id         bigint,
  sent_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX report_copies_object_idx ON report_copies (kind, object_id, id);

-- ($1, $2 the reader's scope; $3, $4 the scope a copy was made in): a copy
-- shows the figures of the schools of the scope it was made in, so it is
-- read by callers whose scope covers that one: the same, or a wider one
-- holding it (the region of a municipality's copy, everything for a
-- global caller; a curator the copies of its schools).
CREATE FUNCTION scope_covers(text, bigint, text, bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT CASE $1
    WHEN 'global' THEN true
    WHEN 'region' THEN $3 <> 'global' AND scope_region($3, $4) = $2
    WHEN 'municipality' THEN ($3 = 'municipality' AND $4 = $2)
      OR ($3 = 'school' AND (SELECT municipality_id FROM schools WHERE id = $4) = $2)
    WHEN 'school' THEN $3 = 'school' AND $4 = $2
    WHEN 'assigned' THEN ($3 = 'assigned' AND $4 = $2)
      OR ($3 = 'school' AND curator_assigned($4, $2))
    ELSE false
  END
$$;

-- A copy as the API shows it (without its content).
CREATE FUNCTION report_copy_doc(c report_copies) RETURNS json
LANGUAGE sql STABLE AS $$
  SELECT json_build_object(
    'id', c.id, 'kind', c.kind, 'object_id', c.object_id,
    'municipality_id', c.municipality_id, 'region_id', c.region_id,
    'title', c.title, 'note', c.note, 'file_name', c.file_name,
    'size', octet_length(c.content), 'sha256', c.sha256,
    'sent_by', c.actor_name,
    'scope', CASE WHEN c.scope_id IS NULL THEN json_build_object('kind', c.scope_kind)
             ELSE json_build_object('kind', c.scope_kind, 'id', c.scope_id) END,
    'sent_at', c.sent_at)
$$;
