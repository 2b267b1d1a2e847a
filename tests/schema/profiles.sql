-- RLS on public.users (schema/0002_policies.sql): a user reads and updates only their own
-- profile.
INSERT INTO auth.users (id, email) VALUES
    ('11111111-1111-1111-1111-111111111111', 'a@example.com'),
    ('22222222-2222-2222-2222-222222222222', 'b@example.com');
INSERT INTO public.users (id, email) VALUES
    ('11111111-1111-1111-1111-111111111111', 'a@example.com'),
    ('22222222-2222-2222-2222-222222222222', 'b@example.com');

-- as: authenticated sub=11111111-1111-1111-1111-111111111111
SELECT id, email FROM public.users;
-- expect: rows [{"id": "11111111-1111-1111-1111-111111111111", "email": "a@example.com"}]

-- A cannot update B's profile: no row is visible to the UPDATE.
UPDATE public.users SET email = 'hacked@example.com' WHERE id = '22222222-2222-2222-2222-222222222222';
-- expect: 0 rows

-- A can update their own.
UPDATE public.users SET email = 'a2@example.com' WHERE id = '11111111-1111-1111-1111-111111111111';
-- expect: 1 rows

-- B's profile is unchanged, A's is changed (read as the owner).
-- as: owner
SELECT id, email FROM public.users ORDER BY id;
-- expect: rows [{"id": "11111111-1111-1111-1111-111111111111", "email": "a2@example.com"}, {"id": "22222222-2222-2222-2222-222222222222", "email": "b@example.com"}]
