"""The Supabase baseline, and the seed schema's policies behaving as on Supabase."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from schemakit.server.baseline import (
    BASELINE_VERSION,
    OWNER_ROLE,
    has_supabase_platform,
    install_baseline,
)
from schemakit.server.shadow import with_user

SEED_DIR = Path(__file__).resolve().parents[1] / "schema"


def seed_sql() -> list[str]:
    """The seed's three files in the project's schema/ (the seed document's ```sql blocks)."""
    blocks = [p.read_text(encoding="utf-8") for p in sorted(SEED_DIR.glob("*.sql"))]
    assert len(blocks) == 3
    return blocks


def test_baseline_version_is_a_short_hash() -> None:
    assert re.fullmatch(r"[0-9a-f]{12}", BASELINE_VERSION)


def test_install_twice_and_platform_detection(empty_db: str) -> None:
    with psycopg.connect(empty_db, autocommit=True) as conn:
        assert not has_supabase_platform(conn)
        install_baseline(conn)
        assert has_supabase_platform(conn)
        install_baseline(conn)
        with conn.transaction():  # also inside an explicit transaction
            install_baseline(conn)
        assert has_supabase_platform(conn)


def test_install_in_a_transaction_rolls_back(empty_db: str) -> None:
    with psycopg.connect(empty_db) as conn:
        install_baseline(conn)
        assert has_supabase_platform(conn)
        conn.rollback()
        assert not has_supabase_platform(conn)


def test_baseline_objects(baseline_db: str) -> None:
    with psycopg.connect(baseline_db) as conn:
        assert has_supabase_platform(conn)
        owners: dict[str, str] = dict(
            conn.execute(
                """SELECT c.oid::regclass::text, pg_get_userbyid(c.relowner)
                   FROM pg_class c WHERE c.oid IN
                   ('auth.users'::regclass, 'storage.objects'::regclass, 'storage.buckets'::regclass)"""
            ).fetchall()
        )
        assert owners == {
            "auth.users": "supabase_auth_admin",
            "storage.objects": "supabase_storage_admin",
            "storage.buckets": "supabase_storage_admin",
        }
        assert conn.execute(
            "SELECT relrowsecurity FROM pg_class WHERE oid = 'storage.objects'::regclass"
        ).fetchone() == (True,)
        assert conn.execute(
            "SELECT count(*) FROM pg_publication WHERE pubname = 'supabase_realtime'"
        ).fetchone() == (1,)
        assert conn.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolcanlogin"
            " FROM pg_roles WHERE rolname = %s",
            [OWNER_ROLE],
        ).fetchone() == (False, True, True, True, True)
        assert conn.execute(
            "SELECT storage.foldername('a/b/c.txt'), storage.filename('a/b/c.txt'),"
            " storage.extension('a/b/c.tar.gz')"
        ).fetchone() == (["a", "b"], "c.txt", "gz")

        # auth.uid() & co. read either the per-claim settings or the claims object.
        uid = uuid.uuid4()
        conn.execute("SELECT set_config('request.jwt.claim.sub', %s, true)", [str(uid)])
        assert conn.execute("SELECT auth.uid()").fetchone() == (uid,)
        conn.rollback()
        claims = {"sub": str(uid), "role": "authenticated", "email": "a@example.com"}
        conn.execute("SELECT set_config('request.jwt.claims', %s, true)", [json.dumps(claims)])
        assert conn.execute(
            "SELECT auth.uid(), auth.role(), auth.email(), auth.jwt()"
        ).fetchone() == (uid, "authenticated", "a@example.com", claims)
        conn.rollback()
        assert conn.execute("SELECT auth.uid(), auth.jwt()").fetchone() == (None, None)


def test_owner_role_can_create_schemas_and_trigger_on_auth_users(baseline_db: str) -> None:
    with psycopg.connect(with_user(baseline_db, OWNER_ROLE), autocommit=True) as conn:
        conn.execute("CREATE SCHEMA app")
        conn.execute(
            """
            CREATE TABLE public.profiles (id uuid PRIMARY KEY REFERENCES auth.users (id));
            CREATE FUNCTION public.handle_new_user() RETURNS trigger
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
            BEGIN
              INSERT INTO public.profiles (id) VALUES (NEW.id);
              RETURN NEW;
            END $$;
            CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users
              FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();
            """
        )
        uid = uuid.uuid4()
        conn.execute("INSERT INTO auth.users (id, email) VALUES (%s, 'x@example.com')", [uid])
        assert conn.execute("SELECT id FROM public.profiles").fetchall() == [(uid,)]


class TestSeedPoliciesBehaveAsOnSupabase:
    """The seed schema, applied as the owner role, then exercised as the API roles."""

    @pytest.fixture
    def seeded(self, baseline_db: str) -> tuple[str, uuid.UUID, uuid.UUID]:
        owner_url = with_user(baseline_db, OWNER_ROLE)
        a, b = uuid.uuid4(), uuid.uuid4()
        with psycopg.connect(owner_url) as conn:
            for block in seed_sql():
                conn.execute(sql.SQL(block))
            for uid, email in ((a, "a@example.com"), (b, "b@example.com")):
                conn.execute(
                    "INSERT INTO auth.users (id, email, role, aud) VALUES (%s, %s, 'authenticated', 'authenticated')",
                    [uid, email],
                )
                conn.execute("INSERT INTO public.users (id, email) VALUES (%s, %s)", [uid, email])
                conn.execute(
                    "INSERT INTO public.subscriptions (user_id, status, plan) VALUES (%s, 'active', 'pro')",
                    [uid],
                )
        return owner_url, a, b

    @staticmethod
    def _as(conn: psycopg.Connection[object], role: str, claims: dict[str, str]) -> None:
        conn.execute("SELECT set_config('request.jwt.claims', %s, true)", [json.dumps(claims)])
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))

    def test_authenticated_sees_only_own_rows(
        self, seeded: tuple[str, uuid.UUID, uuid.UUID]
    ) -> None:
        url, a, _ = seeded
        with psycopg.connect(url) as conn:
            self._as(conn, "authenticated", {"sub": str(a), "role": "authenticated"})
            assert conn.execute("SELECT id FROM public.users").fetchall() == [(a,)]
            assert conn.execute("SELECT user_id FROM public.subscriptions").fetchall() == [(a,)]
            # Only the service role may modify subscriptions: the update matches nothing.
            cur = conn.execute("UPDATE public.subscriptions SET plan = 'free'")
            assert cur.rowcount == 0

    def test_anon_sees_nothing(self, seeded: tuple[str, uuid.UUID, uuid.UUID]) -> None:
        url, _, _ = seeded
        with psycopg.connect(url) as conn:
            self._as(conn, "anon", {"role": "anon"})
            assert conn.execute("SELECT count(*) FROM public.users").fetchone() == (0,)

    def test_service_role_sees_everything(
        self, seeded: tuple[str, uuid.UUID, uuid.UUID]
    ) -> None:
        url, a, b = seeded
        with psycopg.connect(url) as conn:
            self._as(conn, "service_role", {"role": "service_role"})
            users = {r[0] for r in conn.execute("SELECT id FROM public.users").fetchall()}
            subs = {r[0] for r in conn.execute("SELECT user_id FROM public.subscriptions")}
            assert users == subs == {a, b}

    def test_storage_upload_only_into_own_folder(
        self, seeded: tuple[str, uuid.UUID, uuid.UUID]
    ) -> None:
        url, a, b = seeded
        insert = "INSERT INTO storage.objects (bucket_id, name, owner) VALUES ('user-files', %s, %s)"
        with psycopg.connect(url) as conn:
            self._as(conn, "authenticated", {"sub": str(a), "role": "authenticated"})
            conn.execute(insert, [f"{a}/docs/2025/01/report.pdf", a])
            assert conn.execute("SELECT path_tokens[1] FROM storage.objects").fetchall() == [
                (str(a),)
            ]
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                conn.execute(insert, [f"{b}/docs/2025/01/report.pdf", a])


def test_installs_in_several_databases_at_once(pg_admin_url: str) -> None:
    """Roles are cluster-wide: installs that run together in different databases
    (xdist workers, two local targets) must not trip over the same role rows."""
    from concurrent.futures import ThreadPoolExecutor
    from contextlib import ExitStack

    from schemakit.server import shadow

    with ExitStack() as stack:
        urls = [
            stack.enter_context(shadow.temporary_database(pg_admin_url, baseline=False, prefix="schemakit_test"))
            for _ in range(4)
        ]

        def install(url: str) -> bool:
            with psycopg.connect(url, autocommit=True) as conn:
                for _ in range(3):
                    install_baseline(conn)
                return has_supabase_platform(conn)

        with ThreadPoolExecutor(len(urls)) as pool:
            assert list(pool.map(install, urls)) == [True] * len(urls)
    with psycopg.connect(pg_admin_url) as conn:
        settings = conn.execute(
            """SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
               WHERE r.rolname = %s AND s.setdatabase = 0""",
            [OWNER_ROLE],
        ).fetchall()
    assert settings == [(['search_path="$user", public, extensions'],)]
