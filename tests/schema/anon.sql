-- The anon role (no session) sees nothing and writes nothing.
INSERT INTO auth.users (id, email) VALUES ('11111111-1111-1111-1111-111111111111', 'a@example.com');
INSERT INTO public.users (id, email) VALUES ('11111111-1111-1111-1111-111111111111', 'a@example.com');
INSERT INTO public.subscriptions (user_id, status, plan)
VALUES ('11111111-1111-1111-1111-111111111111', 'active', 'pro');
INSERT INTO public.usage_counters (user_id, metric, count, window_start, window_end)
VALUES ('11111111-1111-1111-1111-111111111111', 'api_calls', 3, '2026-01-01', '2026-02-01');
INSERT INTO storage.objects (bucket_id, name)
VALUES ('user-files', '11111111-1111-1111-1111-111111111111/avatar.png');

-- as: anon
SELECT * FROM public.users;
-- expect: 0 rows
SELECT * FROM public.subscriptions;
-- expect: 0 rows
SELECT * FROM public.usage_counters;
-- expect: 0 rows
SELECT * FROM storage.objects;
-- expect: 0 rows
UPDATE public.users SET email = 'x@example.com';
-- expect: 0 rows
DELETE FROM public.subscriptions;
-- expect: 0 rows
INSERT INTO public.usage_counters (user_id, metric, window_start, window_end)
VALUES ('11111111-1111-1111-1111-111111111111', 'api_calls', '2026-02-01', '2026-03-01');
-- expect: error 42501
INSERT INTO storage.objects (bucket_id, name) VALUES ('user-files', 'anything.txt');
-- expect: error insufficient_privilege
