-- A roadmap's change number (docs/PERFORMANCE.md, issue 18): a roadmap
-- answer (with or without its items) is kept in the server under the
-- number of its roadmap and the date its overdue flags were computed on
-- (src/api/roadmaps.c), and served while both are unchanged. The number is
-- raised in the transaction of every write of the roadmap or of its items,
-- whatever statement makes it: kind 'roadmap', key the roadmap's id, in
-- dashboard_stamps (migrations/0024_dashboard_stamps.sql). Every column
-- counts ('*'): the answer shows them all.
CREATE TRIGGER roadmap_stamps_insert AFTER INSERT ON roadmaps
  REFERENCING NEW TABLE AS n FOR EACH STATEMENT
  EXECUTE FUNCTION dashboard_stamps_keep('roadmap', 'id', '*');
CREATE TRIGGER roadmap_stamps_update AFTER UPDATE ON roadmaps
  REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT
  EXECUTE FUNCTION dashboard_stamps_keep('roadmap', 'id', '*');
CREATE TRIGGER roadmap_stamps_delete AFTER DELETE ON roadmaps
  REFERENCING OLD TABLE AS o FOR EACH STATEMENT
  EXECUTE FUNCTION dashboard_stamps_keep('roadmap', 'id', '*');

CREATE TRIGGER roadmap_stamps_items_insert AFTER INSERT ON roadmap_items
  REFERENCING NEW TABLE AS n FOR EACH STATEMENT
  EXECUTE FUNCTION dashboard_stamps_keep('roadmap', 'roadmap_id', '*');
CREATE TRIGGER roadmap_stamps_items_update AFTER UPDATE ON roadmap_items
  REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT
  EXECUTE FUNCTION dashboard_stamps_keep('roadmap', 'roadmap_id', '*');
CREATE TRIGGER roadmap_stamps_items_delete AFTER DELETE ON roadmap_items
  REFERENCING OLD TABLE AS o FOR EACH STATEMENT
  EXECUTE FUNCTION dashboard_stamps_keep('roadmap', 'roadmap_id', '*');

CREATE TRIGGER roadmap_stamps_truncate AFTER TRUNCATE ON roadmaps
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_stamps_truncated('roadmap');
CREATE TRIGGER roadmap_stamps_items_truncate AFTER TRUNCATE ON roadmap_items
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_stamps_truncated('roadmap');
