"""Hypothesis strategies for random valid schemas, and pairs (A, B) of them.

A schema is drawn as a small spec (frozen dataclasses) and rendered to SQL the way
a user writes schema files. B is drawn as a mutation of A, so a pair exercises
in-place changes (a column's type, a CHECK list, an index, a policy, an enum
value) as well as creates and drops.

Kinds generated: schemas, enums (values added, removed, reordered), tables with
identity / uuid / serial keys, columns of a dozen types with NOT NULL, defaults,
CHECKs (also NOT VALID), UNIQUE (NULLS NOT DISTINCT), exclusion constraints,
generated columns, FKs (deferrable, across schemas), partial / multi-column /
INCLUDE indexes, comments (tables, columns, indexes, types, domains, functions,
views, sequences), RLS (enable, force), policies (permissive, restrictive, roles,
commands), domains, composite types, functions (sql, plpgsql, BEGIN ATOMIC,
overloads), a procedure, row / statement / WHEN / constraint triggers, views
(chained, security_invoker), materialized views with indexes, standalone
sequences, grants and revokes, default privileges, realtime publication membership and REPLICA IDENTITY.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hypothesis import strategies as st

# -- the spec -------------------------------------------------------------------


@dataclass(frozen=True)
class ColType:
    sql: str
    default: str
    check: str | None  # a CHECK over the column, {c} standing for its name
    family: str


TYPES: tuple[ColType, ...] = (
    ColType("integer", "0", "{c} >= 0", "int"),
    ColType("bigint", "1", "{c} <> 13", "int"),
    ColType("smallint", "2", None, "int"),
    ColType("text", "'x'", "{c} IN ('x', 'y', 'z')", "text"),
    ColType("character varying(20)", "'v'", "length({c}) < 15", "text"),
    ColType("boolean", "false", None, "bool"),
    ColType("numeric(10,2)", "0", "{c} < 1000", "num"),
    ColType("timestamp with time zone", "now()", None, "time"),
    ColType("date", "CURRENT_DATE", None, "time"),
    ColType("jsonb", "'{}'::jsonb", None, "json"),
    ColType("uuid", "gen_random_uuid()", None, "uuid"),
    ColType("text[]", "'{}'::text[]", None, "array"),
)
BY_SQL = {t.sql: t for t in TYPES}
LABELS = ("a", "b", "c", "d", "e", "f")
ROLES = ("anon", "authenticated", "service_role")
DEFAULTS = (
    "ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO authenticated;",
    "ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM anon;",
    "ALTER DEFAULT PRIVILEGES GRANT USAGE ON SEQUENCES TO service_role WITH GRANT OPTION;",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT EXECUTE ON FUNCTIONS TO anon;",
)
COMMANDS = ("ALL", "SELECT", "INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True)
class Col:
    name: str
    type: str  # a TYPES sql, or an enum / domain name
    not_null: bool = False
    default: bool = False
    check: bool = False
    unique: bool = False
    comment: str | None = None


@dataclass(frozen=True)
class Policy:
    name: str
    command: str
    roles: tuple[str, ...]
    permissive: bool
    expr: str  # a boolean over the table's columns


@dataclass(frozen=True)
class Index:
    name: str
    columns: tuple[str, ...]
    unique: bool = False
    partial: bool = False
    include: str | None = None


@dataclass(frozen=True)
class Tab:
    schema: str
    name: str
    pk: str  # identity | uuid | serial
    cols: tuple[Col, ...]
    fk: str | None = None  # name of an earlier table (qualified)
    fk_deferrable: bool = False
    indexes: tuple[Index, ...] = ()
    rls: bool = False
    force_rls: bool = False
    policies: tuple[Policy, ...] = ()
    trigger: bool = False
    generated: bool = False
    comment: str | None = None
    grant_select: tuple[str, ...] = ()
    extras: frozenset[str] = frozenset()  # see EXTRAS

    @property
    def qname(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class View:
    name: str
    table: str  # qualified
    columns: tuple[str, ...]
    on_view: str | None = None  # chained: selects from this view instead
    invoker: bool = False
    materialized: bool = False


EXTRAS = (
    "not_valid",  # a CHECK added NOT VALID
    "exclusion",  # a tstzrange column with an exclusion constraint
    "when_trigger",  # a statement-level trigger and a row trigger with WHEN
    "constraint_trigger",  # a deferrable constraint trigger
    "index_comment",  # a comment on the first index
    "revoke_anon",  # REVOKE ALL FROM anon
    "realtime",  # a member of the supabase_realtime publication
    "replica_full",  # REPLICA IDENTITY FULL
)


@dataclass(frozen=True)
class Spec:
    enums: tuple[tuple[str, tuple[str, ...]], ...]
    domains: tuple[tuple[str, str], ...]  # (name, CHECK bound)
    composites: tuple[tuple[str, tuple[str, ...]], ...]  # (name, field types)
    tables: tuple[Tab, ...]
    views: tuple[View, ...]
    sequences: tuple[tuple[str, int], ...]  # (name, increment)
    function: str | None  # language of helper function f_double: sql | plpgsql | atomic
    overload: bool = False  # f_double(bigint) too, and a procedure
    comments: bool = False  # comments on the enums, domains, function, views and sequences
    defaults: tuple[str, ...] = ()  # ALTER DEFAULT PRIVILEGES statements (DEFAULTS), at the end
    domain_base: str = "integer"  # the domains' base type: integer or bigint (a change rebuilds them)


# -- rendering ----------------------------------------------------------------------


def _col_type(c: Col) -> ColType | None:
    return BY_SQL.get(c.type)


def _col_sql(c: Col, spec: Spec) -> str:
    parts = [c.name, c.type]
    ct = _col_type(c)
    if c.not_null:
        parts.append("NOT NULL")
    if c.default:
        if ct is not None:
            parts.append(f"DEFAULT {ct.default}")
        else:
            enum = dict(spec.enums).get(c.type)
            if enum:
                parts.append(f"DEFAULT '{enum[0]}'")
            elif c.type in dict(spec.domains):
                parts.append("DEFAULT 1")
    if c.check and ct is not None and ct.check:
        parts.append(f"CHECK ({ct.check.format(c=c.name)})")
    if c.unique:
        parts.append("UNIQUE NULLS NOT DISTINCT")
    return " ".join(parts)


def _pk_sql(t: Tab) -> str:
    return {
        "identity": "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "bydefault": "id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        "uuid": "id uuid PRIMARY KEY DEFAULT gen_random_uuid()",
        "serial": "id bigserial PRIMARY KEY",
    }[t.pk]


def _pk_type(t: Tab) -> str:
    return "uuid" if t.pk == "uuid" else "bigint"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def render(spec: Spec) -> str:
    out: list[str] = ["CREATE SCHEMA IF NOT EXISTS app;"]
    for name, labels in spec.enums:
        quoted = ", ".join(f"'{v}'" for v in labels)
        out.append(f"CREATE TYPE public.{name} AS ENUM ({quoted});")
    for name, bound in spec.domains:
        out.append(f"CREATE DOMAIN public.{name} AS {spec.domain_base} NOT NULL CHECK (VALUE < {bound});")
    for name, ftypes in spec.composites:
        fields = ", ".join(f"f{i} {t}" for i, t in enumerate(ftypes))
        out.append(f"CREATE TYPE public.{name} AS ({fields});")
    for name, inc in spec.sequences:
        out.append(f"CREATE SEQUENCE public.{name} INCREMENT BY {inc};")
    if spec.function == "sql":
        out.append("CREATE FUNCTION public.f_double(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$;")
    elif spec.function == "plpgsql":
        out.append(
            "CREATE FUNCTION public.f_double(x integer) RETURNS integer LANGUAGE plpgsql STABLE "
            "SET search_path = '' AS $$ BEGIN RETURN x * 2; END $$;"
        )
    elif spec.function == "atomic":
        out.append("CREATE FUNCTION public.f_double(x integer) RETURNS integer LANGUAGE sql IMMUTABLE BEGIN ATOMIC SELECT x * 2; END;")
    if spec.overload:
        out.append("CREATE FUNCTION public.f_double(x bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$;")
        out.append("CREATE PROCEDURE public.p_noop(x integer) LANGUAGE plpgsql AS $$ BEGIN PERFORM x; END $$;")
    if any(t.trigger or "when_trigger" in t.extras or "constraint_trigger" in t.extras for t in spec.tables):
        out.append(
            "CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
            "SET search_path = '' AS $$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$;"
        )
    for t in spec.tables:
        lines = [_pk_sql(t)]
        lines += [_col_sql(c, spec) for c in t.cols]
        if t.trigger or "when_trigger" in t.extras or "constraint_trigger" in t.extras:
            lines.append("updated_at timestamp with time zone")
        if "exclusion" in t.extras:
            lines.append("period tstzrange")
            lines.append("EXCLUDE USING gist (period WITH &&)")
        if t.generated and t.cols and _col_type(t.cols[0]) and _col_type(t.cols[0]).family == "int":  # type: ignore[union-attr]
            lines.append(f"g bigint GENERATED ALWAYS AS ({t.cols[0].name} * 2) STORED")
        if t.fk:
            ref = next(x for x in spec.tables if x.qname == t.fk)
            deferrable = " DEFERRABLE INITIALLY DEFERRED" if t.fk_deferrable else ""
            lines.append(f"{ref.name}_id {_pk_type(ref)} REFERENCES {ref.qname} (id) ON DELETE CASCADE{deferrable}")
        body = ",\n  ".join(lines)
        out.append(f"CREATE TABLE {t.qname} (\n  {body}\n);")
        for i in t.indexes:
            cols = ", ".join(i.columns)
            unique = "UNIQUE " if i.unique else ""
            include = f" INCLUDE ({i.include})" if i.include else ""
            where = f" WHERE {i.columns[0]} IS NOT NULL" if i.partial else ""
            out.append(f"CREATE {unique}INDEX {i.name} ON {t.qname} ({cols}){include}{where};")
        if t.rls:
            out.append(f"ALTER TABLE {t.qname} ENABLE ROW LEVEL SECURITY;")
        if t.force_rls:
            out.append(f"ALTER TABLE {t.qname} FORCE ROW LEVEL SECURITY;")
        for p in t.policies:
            kind = "PERMISSIVE" if p.permissive else "RESTRICTIVE"
            roles = ", ".join(p.roles)
            clause = (
                f"WITH CHECK ({p.expr})" if p.command == "INSERT"
                else f"USING ({p.expr})"
            )
            out.append(f'CREATE POLICY "{p.name}" ON {t.qname} AS {kind} FOR {p.command} TO {roles} {clause};')
        if t.trigger:
            out.append(
                f"CREATE TRIGGER {t.name}_touch BEFORE UPDATE ON {t.qname} "
                "FOR EACH ROW EXECUTE FUNCTION public.touch();"
            )
        if "when_trigger" in t.extras:
            out.append(
                f"CREATE TRIGGER {t.name}_when BEFORE UPDATE ON {t.qname} FOR EACH ROW "
                "WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION public.touch();"
            )
            out.append(
                f"CREATE TRIGGER {t.name}_stmt AFTER INSERT ON {t.qname} FOR EACH STATEMENT "
                "EXECUTE FUNCTION public.touch();"
            )
        if "constraint_trigger" in t.extras:
            out.append(
                f"CREATE CONSTRAINT TRIGGER {t.name}_ct AFTER INSERT ON {t.qname} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.touch();"
            )
        if "not_valid" in t.extras:
            out.append(f"ALTER TABLE {t.qname} ADD CONSTRAINT {t.name}_id_positive CHECK (id IS NOT NULL) NOT VALID;")
        if "index_comment" in t.extras and t.indexes:
            out.append(f"COMMENT ON INDEX {t.schema}.{t.indexes[0].name} IS 'an index';")
        if "realtime" in t.extras:
            out.append(f"ALTER PUBLICATION supabase_realtime ADD TABLE {t.qname};")
        if "replica_full" in t.extras:
            out.append(f"ALTER TABLE {t.qname} REPLICA IDENTITY FULL;")
        if "revoke_anon" in t.extras:
            out.append(f"REVOKE ALL ON {t.qname} FROM anon;")
        if t.comment:
            out.append(f"COMMENT ON TABLE {t.qname} IS {_literal(t.comment)};")
        for c in t.cols:
            if c.comment:
                out.append(f"COMMENT ON COLUMN {t.qname}.{c.name} IS {_literal(c.comment)};")
        if t.grant_select:
            out.append(f"GRANT SELECT ON {t.qname} TO {', '.join(t.grant_select)};")
    for v in spec.views:
        source = f"public.{v.on_view}" if v.on_view else v.table
        cols = ", ".join(v.columns)
        if v.materialized:
            out.append(f"CREATE MATERIALIZED VIEW public.{v.name} AS SELECT {cols} FROM {source};")
            out.append(f"CREATE INDEX {v.name}_idx ON public.{v.name} ({v.columns[0]});")
        else:
            opts = " WITH (security_invoker = true)" if v.invoker else ""
            out.append(f"CREATE VIEW public.{v.name}{opts} AS SELECT {cols} FROM {source};")
    if spec.comments:
        for name, _ in spec.enums:
            out.append(f"COMMENT ON TYPE public.{name} IS 'an enum';")
        for name, _ in spec.domains:
            out.append(f"COMMENT ON DOMAIN public.{name} IS 'a domain';")
        for name, _ in spec.sequences:
            out.append(f"COMMENT ON SEQUENCE public.{name} IS 'a sequence';")
        if spec.function:
            out.append("COMMENT ON FUNCTION public.f_double(integer) IS 'doubles';")
        for v in spec.views:
            word = "MATERIALIZED VIEW" if v.materialized else "VIEW"
            out.append(f"COMMENT ON {word} public.{v.name} IS 'a view';")
    out.extend(spec.defaults)  # written last: loaded before the objects all the same
    return "\n\n".join(out) + "\n"


# -- strategies ---------------------------------------------------------------------

comments = st.one_of(st.none(), st.sampled_from(["note", "it's quoted", "ünïcode"]))


@st.composite
def columns(draw: st.DrawFn, prefix: str, type_names: list[str]) -> tuple[Col, ...]:
    n = draw(st.integers(0, 4))
    cols = []
    for i in range(n):
        typ = draw(st.sampled_from(type_names))
        cols.append(
            Col(
                name=f"{prefix}{i}",
                type=typ,
                not_null=draw(st.booleans()),
                default=draw(st.booleans()),
                check=draw(st.booleans()),
                unique=draw(st.integers(0, 5)) == 0,
                comment=draw(comments),
            )
        )
    # a NOT NULL column without a default is fine: the tables are empty
    return tuple(cols)


def _indexes(draw: st.DrawFn, t_name: str, cols: tuple[Col, ...]) -> tuple[Index, ...]:
    names = [c.name for c in cols if BY_SQL.get(c.type) is None or BY_SQL[c.type].family not in ("json", "array")]
    if not names:
        return ()
    out = []
    for i in range(draw(st.integers(0, 2))):
        chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
        rest = [n for n in names if n not in chosen]
        out.append(
            Index(
                name=f"{t_name}_ix{i}",
                columns=tuple(chosen),
                unique=draw(st.booleans()),
                partial=draw(st.booleans()),
                include=draw(st.sampled_from(rest)) if rest and draw(st.booleans()) else None,
            )
        )
    return tuple(out)


def _policy_expr(draw: st.DrawFn, cols: tuple[Col, ...]) -> str:
    ints = [c.name for c in cols if BY_SQL.get(c.type) is not None and BY_SQL[c.type].family == "int"]
    options = ["true", "auth.uid() IS NOT NULL", "(auth.jwt() ->> 'role') = 'admin'"]
    options += [f"{n} > 0" for n in ints]
    return draw(st.sampled_from(options))


def _policies(draw: st.DrawFn, cols: tuple[Col, ...]) -> tuple[Policy, ...]:
    out = []
    for i in range(draw(st.integers(0, 2))):
        out.append(
            Policy(
                name=f"policy {i}",
                command=draw(st.sampled_from(COMMANDS)),
                roles=tuple(sorted(draw(st.lists(st.sampled_from(ROLES), min_size=1, max_size=2, unique=True)))),
                permissive=draw(st.integers(0, 3)) > 0,
                expr=_policy_expr(draw, cols),
            )
        )
    return tuple(out)


@st.composite
def specs(draw: st.DrawFn, prefix: str = "c") -> Spec:
    """A schema; its columns are named ``<prefix><n>``."""
    enums = tuple((f"mood{i}", tuple(draw(st.permutations(LABELS))[: draw(st.integers(1, 4))])) for i in range(draw(st.integers(0, 2))))
    domains = tuple((f"dom{i}", draw(st.sampled_from([10, 100, 1000]))) for i in range(draw(st.integers(0, 1))))
    composites = tuple(
        (f"pair{i}", tuple(draw(st.lists(st.sampled_from(["integer", "text", "boolean"]), min_size=1, max_size=3))))
        for i in range(draw(st.integers(0, 1)))
    )
    type_names = [t.sql for t in TYPES] + [e for e, _ in enums] + [d for d, _ in domains] + [c for c, _ in composites]
    tables: list[Tab] = []
    for i in range(draw(st.integers(1, 3))):
        name = f"t{i}"
        cols = draw(columns(prefix, type_names))
        tables.append(
            Tab(
                schema=draw(st.sampled_from(["public", "public", "app"])),
                name=name,
                # t1's key is a uuid, the others' a bigint: a key's type never changes
                pk="uuid" if i == 1 else draw(st.sampled_from(["identity", "bydefault", "serial"])),
                cols=cols,
                fk=draw(st.sampled_from([None] + [t.qname for t in tables])),
                fk_deferrable=draw(st.booleans()),
                indexes=_indexes(draw, name, cols),
                rls=draw(st.booleans()),
                force_rls=draw(st.integers(0, 4)) == 0,
                policies=(),
                trigger=draw(st.booleans()),
                generated=draw(st.booleans()),
                comment=draw(comments),
                grant_select=tuple(draw(st.lists(st.sampled_from(ROLES), max_size=2, unique=True))),
                extras=frozenset(draw(st.lists(st.sampled_from(EXTRAS), max_size=2))),
            )
        )
        tables[-1] = replace(tables[-1], policies=_policies(draw, cols))
    views = _views(draw, tables)
    return Spec(
        enums=enums,
        domains=domains,
        composites=composites,
        tables=tuple(tables),
        views=views,
        sequences=tuple((f"seq{i}", draw(st.sampled_from([1, 2, 10]))) for i in range(draw(st.integers(0, 1)))),
        function=draw(st.sampled_from([None, "sql", "plpgsql", "atomic"])),
        overload=draw(st.booleans()),
        comments=draw(st.booleans()),
        defaults=_defaults(draw),
    )


def _defaults(draw: st.DrawFn) -> tuple[str, ...]:
    """Now and then, some default privileges."""
    if draw(st.integers(0, 5)) != 0:
        return ()
    return tuple(draw(st.lists(st.sampled_from(DEFAULTS), min_size=1, max_size=2, unique=True)))


def _views(draw: st.DrawFn, tables: list[Tab]) -> tuple[View, ...]:
    out: list[View] = []
    if not tables:
        return ()
    for i in range(draw(st.integers(0, 2))):
        t = draw(st.sampled_from(tables))
        names = ["id"] + [c.name for c in t.cols]
        cols = tuple(draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)))
        on_view = None
        prior = [v for v in out if v.table == t.qname and not v.materialized]
        if prior and draw(st.booleans()):
            base = draw(st.sampled_from(prior))
            on_view, cols = base.name, base.columns[: draw(st.integers(1, len(base.columns)))]
        out.append(
            View(
                name=f"v{i}",
                table=t.qname,
                columns=cols,
                on_view=on_view,
                invoker=draw(st.booleans()),
                materialized=on_view is None and draw(st.integers(0, 3)) == 0,
            )
        )
    return tuple(out)


# -- mutation: B from A -----------------------------------------------------------

# Type changes PostgreSQL can make with a USING cast, on empty tables.
RETYPE = {
    "integer": ["bigint", "text", "numeric(10,2)"],
    "bigint": ["integer", "text"],
    "smallint": ["integer"],
    "text": ["character varying(20)", "integer"],
    "character varying(20)": ["text"],
    "numeric(10,2)": ["integer", "text"],
    "date": ["timestamp with time zone"],
    "timestamp with time zone": ["date"],
}


@st.composite
def mutated(draw: st.DrawFn, a: Spec) -> Spec:
    """A spec near ``a``: each part kept, changed or dropped; some parts added."""
    if draw(st.integers(0, 9)) == 0:
        # now and then, an unrelated schema (new column names: types that cannot be
        # cast into each other are not a change PostgreSQL can make in place)
        return draw(specs("n"))
    enums = []
    for name, labels in a.enums:
        choice = draw(st.integers(0, 5))
        if choice == 1:  # a value added (ADD VALUE ... BEFORE / AFTER)
            new = draw(st.sampled_from([v for v in LABELS if v not in labels] or [None]))
            if new is not None:
                at = draw(st.integers(0, len(labels)))
                labels = labels[:at] + (new,) + labels[at:]
        elif choice == 2 and len(labels) > 1:  # a value removed: the type is rebuilt
            gone = draw(st.sampled_from(labels))
            labels = tuple(v for v in labels if v != gone)
        elif choice == 3:  # reordered: rebuilt
            labels = tuple(draw(st.permutations(labels)))
        enums.append((name, labels))
    # Now and then a domain's base type changes (integer ↔ bigint: every value casts),
    # or a composite's attribute types (same names: ALTER ATTRIBUTE, or a rebuild of the
    # type when a column uses it; the tables are empty, so every cast through text works).
    domain_base = a.domain_base
    if a.domains and draw(st.integers(0, 5)) == 0:
        domain_base = "bigint" if domain_base == "integer" else "integer"
    composites = tuple(
        (name, tuple(draw(st.sampled_from(["integer", "text", "boolean"])) for _ in ftypes))
        if draw(st.integers(0, 5)) == 0 else (name, ftypes)
        for name, ftypes in a.composites
    )
    spec = replace(a, enums=tuple(enums), domain_base=domain_base, composites=composites)
    tables = []
    names = {t.qname for t in a.tables}
    for t in a.tables:
        choice = draw(st.integers(0, 9))
        if choice == 0 and not any(x.fk == t.qname for x in a.tables):
            names.discard(t.qname)
            continue  # dropped
        if choice <= 5:
            t = _mutate_table(draw, t, spec)
        tables.append(t)
    tables = [replace(t, fk=t.fk if t.fk in names else None) for t in tables]
    if draw(st.integers(0, 3)) == 0:
        extra = draw(specs()).tables[0]
        extra = replace(extra, name=f"t{len(a.tables) + 5}", fk=None, indexes=tuple(
            replace(i, name=i.name.replace(extra.name, f"t{len(a.tables) + 5}")) for i in extra.indexes
        ))
        if all(c.type in BY_SQL for c in extra.cols):
            tables.append(extra)
    views = tuple(v for v in _views(draw, tables) if draw(st.booleans())) if draw(st.booleans()) else tuple(
        v for v in a.views if _view_valid(v, tables, a.views)
    )
    return replace(
        spec,
        tables=tuple(tables),
        views=_closed_views(views),
        sequences=tuple((n, draw(st.sampled_from([inc, inc + 1]))) for n, inc in a.sequences),
        function=draw(st.sampled_from([a.function, a.function, "sql", "plpgsql", None])),
        overload=draw(st.sampled_from([a.overload, a.overload, not a.overload])),
        comments=draw(st.sampled_from([a.comments, a.comments, not a.comments])),
        defaults=a.defaults if draw(st.integers(0, 3)) else _defaults(draw),
    )


def _view_valid(v: View, tables: list[Tab], views: tuple[View, ...]) -> bool:
    t = next((x for x in tables if x.qname == v.table), None)
    if t is None:
        return False
    names = {"id"} | {c.name for c in t.cols}
    return all(c in names for c in v.columns)


def _closed_views(views: tuple[View, ...]) -> tuple[View, ...]:
    kept: list[View] = []
    for v in views:
        if v.on_view is None or any(k.name == v.on_view for k in kept):
            kept.append(v)
    return tuple(kept)


def _mutate_table(draw: st.DrawFn, t: Tab, spec: Spec) -> Tab:
    cols = []
    for c in t.cols:
        op = draw(st.integers(0, 8))
        if op == 0:
            continue  # dropped
        if op == 1 and c.type in RETYPE:
            c = replace(c, type=draw(st.sampled_from(RETYPE[c.type])))
        elif op == 2:
            c = replace(c, not_null=not c.not_null)
        elif op == 3:
            c = replace(c, default=not c.default)
        elif op == 4:
            c = replace(c, check=not c.check)
        elif op == 5:
            c = replace(c, comment=draw(comments))
        cols.append(c)
    if draw(st.integers(0, 3)) == 0:
        cols.append(Col(name="added", type=draw(st.sampled_from([x.sql for x in TYPES])), not_null=draw(st.booleans()), default=True))
    kept = {c.name for c in cols}
    indexes = tuple(
        i for i in t.indexes
        if all(n in kept for n in i.columns) and (i.include is None or i.include in kept) and draw(st.integers(0, 3)) > 0
    )
    if draw(st.integers(0, 3)) == 0:
        indexes += _indexes(draw, t.name + "_b", tuple(cols))
    policies = tuple(
        replace(p, expr=_policy_expr(draw, tuple(cols))) if draw(st.booleans()) else p
        for p in t.policies
    )
    ints = {c.name for c in cols if c.type in BY_SQL and BY_SQL[c.type].family == "int"}
    policies = tuple(p for p in policies if _expr_valid(p.expr, ints))
    if draw(st.integers(0, 3)) == 0:
        policies = tuple(replace(p, roles=tuple(sorted(set(p.roles) ^ {"anon"})) or ("authenticated",)) for p in policies)
    return replace(
        t,
        cols=tuple(cols),
        indexes=indexes,
        policies=policies,
        rls=draw(st.sampled_from([t.rls, not t.rls])),
        trigger=draw(st.sampled_from([t.trigger, not t.trigger])),
        generated=t.generated and draw(st.booleans()),
        comment=draw(st.sampled_from([t.comment, None, "changed"])),
        grant_select=tuple(draw(st.lists(st.sampled_from(ROLES), max_size=2, unique=True))),
        extras=t.extras ^ frozenset(draw(st.lists(st.sampled_from(EXTRAS), max_size=1))),
    )


def _expr_valid(expr: str, ints: set[str]) -> bool:
    """A policy expression over a column needs that column, still an integer."""
    head = expr.split(" ", 1)[0]
    return not head[:1].isalpha() or not head[1:].isdigit() or head in ints


@st.composite
def pairs(draw: st.DrawFn) -> tuple[Spec, Spec]:
    a = draw(specs())
    return a, draw(mutated(a))
