-- Keys the API instances share (docs/SCALING.md). 'read_after' seals the
-- write positions the server hands out in the Opora-LSN header, so that a
-- client learns nothing from them about others' writes and cannot forge
-- one. Two random UUIDs' bytes (244 random bits), made once here; every
-- instance reads the same key.
CREATE TABLE server_keys (
  name text PRIMARY KEY,
  key  bytea NOT NULL CHECK (length(key) = 32)
);
INSERT INTO server_keys (name, key)
VALUES ('read_after',
        decode(replace(gen_random_uuid()::text || gen_random_uuid()::text,
                       '-', ''), 'hex'));
