-- RLS on public.subscriptions (schema/0002_policies.sql): a user reads only their own
-- subscription; only the service role changes them.
-- Two users, A (1111...) and B (2222...), each with a subscription: fixtures, as the owner.
INSERT INTO auth.users (id, email) VALUES
    ('11111111-1111-1111-1111-111111111111', 'a@example.com'),
    ('22222222-2222-2222-2222-222222222222', 'b@example.com');
INSERT INTO public.users (id, email) VALUES
    ('11111111-1111-1111-1111-111111111111', 'a@example.com'),
    ('22222222-2222-2222-2222-222222222222', 'b@example.com');
INSERT INTO public.subscriptions (user_id, status, plan) VALUES
    ('11111111-1111-1111-1111-111111111111', 'active', 'pro'),
    ('22222222-2222-2222-2222-222222222222', 'trial', 'free');

-- as: authenticated sub=11111111-1111-1111-1111-111111111111
SELECT user_id, plan FROM public.subscriptions;
-- expect: rows [{"user_id": "11111111-1111-1111-1111-111111111111", "plan": "pro"}]

SELECT * FROM public.subscriptions WHERE user_id = '22222222-2222-2222-2222-222222222222';
-- expect: 0 rows

-- A user cannot change a subscription, not even their own (webhook-driven).
UPDATE public.subscriptions SET plan = 'pro' WHERE user_id = '22222222-2222-2222-2222-222222222222';
-- expect: 0 rows
UPDATE public.subscriptions SET plan = 'basic' WHERE user_id = '11111111-1111-1111-1111-111111111111';
-- expect: 0 rows
INSERT INTO public.subscriptions (user_id, status, plan)
VALUES ('11111111-1111-1111-1111-111111111111', 'active', 'pro');
-- expect: error 42501

-- as: authenticated sub=22222222-2222-2222-2222-222222222222
SELECT user_id, plan FROM public.subscriptions;
-- expect: rows [{"user_id": "22222222-2222-2222-2222-222222222222", "plan": "free"}]

-- as: service_role
SELECT user_id, plan FROM public.subscriptions;
-- expect: rows [{"user_id": "11111111-1111-1111-1111-111111111111", "plan": "pro"}, {"user_id": "22222222-2222-2222-2222-222222222222", "plan": "free"}]
UPDATE public.subscriptions SET status = 'cancelled' WHERE user_id = '22222222-2222-2222-2222-222222222222';
-- expect: 1 rows
