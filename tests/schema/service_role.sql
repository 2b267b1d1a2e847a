-- The service role (webhooks, admin jobs) sees and manages every row.
INSERT INTO auth.users (id, email) VALUES
    ('11111111-1111-1111-1111-111111111111', 'a@example.com'),
    ('22222222-2222-2222-2222-222222222222', 'b@example.com');
INSERT INTO public.users (id, email) VALUES
    ('11111111-1111-1111-1111-111111111111', 'a@example.com'),
    ('22222222-2222-2222-2222-222222222222', 'b@example.com');
INSERT INTO public.subscriptions (user_id, status, plan) VALUES
    ('11111111-1111-1111-1111-111111111111', 'active', 'pro'),
    ('22222222-2222-2222-2222-222222222222', 'trial', 'free');
INSERT INTO public.usage_counters (user_id, metric, count, window_start, window_end) VALUES
    ('11111111-1111-1111-1111-111111111111', 'api_calls', 3, '2026-01-01', '2026-02-01'),
    ('22222222-2222-2222-2222-222222222222', 'api_calls', 7, '2026-01-01', '2026-02-01');
INSERT INTO storage.objects (bucket_id, name) VALUES
    ('user-files', '11111111-1111-1111-1111-111111111111/avatar.png'),
    ('user-files', '22222222-2222-2222-2222-222222222222/notes.txt');

-- as: service_role
SELECT * FROM public.users;
-- expect: 2 rows
SELECT * FROM public.subscriptions;
-- expect: 2 rows
SELECT user_id, count FROM public.usage_counters;
-- expect: rows [{"user_id": "11111111-1111-1111-1111-111111111111", "count": 3}, {"user_id": "22222222-2222-2222-2222-222222222222", "count": 7}]
SELECT name FROM storage.objects WHERE bucket_id = 'user-files';
-- expect: 2 rows
UPDATE public.usage_counters SET count = count + 1;
-- expect: 2 rows
INSERT INTO public.subscriptions (user_id, status, plan)
VALUES ('11111111-1111-1111-1111-111111111111', 'active', 'basic');
-- expect: error unique_violation
