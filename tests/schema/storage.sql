-- Storage folder policies (schema/0003_storage.sql): in the user-files bucket a user reads
-- and writes only the objects under their own folder, <user id>/...
INSERT INTO auth.users (id, email) VALUES
    ('11111111-1111-1111-1111-111111111111', 'a@example.com'),
    ('22222222-2222-2222-2222-222222222222', 'b@example.com');
INSERT INTO storage.buckets (id, name) VALUES ('other-bucket', 'other-bucket');
INSERT INTO storage.objects (bucket_id, name) VALUES
    ('user-files', '11111111-1111-1111-1111-111111111111/avatar.png'),
    ('user-files', '22222222-2222-2222-2222-222222222222/notes.txt'),
    ('other-bucket', '11111111-1111-1111-1111-111111111111/elsewhere.txt');

-- as: authenticated sub=11111111-1111-1111-1111-111111111111
SELECT name FROM storage.objects;
-- expect: rows [{"name": "11111111-1111-1111-1111-111111111111/avatar.png"}]

-- Upload into their own folder: allowed; into B's, at the top, or in another bucket: refused.
INSERT INTO storage.objects (bucket_id, name)
VALUES ('user-files', '11111111-1111-1111-1111-111111111111/report.pdf');
-- expect: ok
INSERT INTO storage.objects (bucket_id, name)
VALUES ('user-files', '22222222-2222-2222-2222-222222222222/planted.pdf');
-- expect: error 42501
INSERT INTO storage.objects (bucket_id, name) VALUES ('user-files', 'top-level.txt');
-- expect: error 42501
INSERT INTO storage.objects (bucket_id, name)
VALUES ('other-bucket', '11111111-1111-1111-1111-111111111111/x.txt');
-- expect: error 42501

-- B's objects cannot be changed or deleted; A's own can.
UPDATE storage.objects SET metadata = '{"x": 1}'
WHERE name = '22222222-2222-2222-2222-222222222222/notes.txt';
-- expect: 0 rows
DELETE FROM storage.objects WHERE name LIKE '22222222-2222-2222-2222-222222222222/%';
-- expect: 0 rows
UPDATE storage.objects SET metadata = '{"x": 1}'
WHERE name = '11111111-1111-1111-1111-111111111111/avatar.png';
-- expect: 1 rows
DELETE FROM storage.objects WHERE name = '11111111-1111-1111-1111-111111111111/avatar.png';
-- expect: 1 rows

-- as: authenticated sub=22222222-2222-2222-2222-222222222222
SELECT name FROM storage.objects;
-- expect: rows [{"name": "22222222-2222-2222-2222-222222222222/notes.txt"}]
