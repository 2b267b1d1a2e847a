"""Plan or apply one schema folder to many databases at once.

Each target runs in a worker thread (catalog reads and applies mostly wait on the
server, and psycopg releases the GIL meanwhile), at most ``parallel`` at a time:

1. *planning*: connect (a refused connection: *unreachable*), read the target's
   catalog, then diff it with the files' state. That state is loaded into a shadow
   **once per distinct (profile, major)**: the first target of a kind loads it, the
   others wait for it and reuse it (``_DesiredStates``).
2. *applying* (``apply``): ``schemakit.apply.apply_plan``, the very function of a single
   apply, so each target keeps its guarantees: one transaction, the advisory lock,
   the fingerprint check under the lock, the history row. A failure rolls the
   target back and is recorded with its error.

The canaries (``Fleet.canaries``) run first; the others start only if every canary
ended applied or unchanged. ``on_error="stop"``: after a failure no new target
starts (those running finish). ``interrupt()`` (Ctrl-C) stops starting targets,
cancels the statements running, and makes every in-flight apply roll back before
its next step; what had committed is reported as applied.
"""

from __future__ import annotations

import enum
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg

from schemakit import owners as declared_owners
from schemakit.apply import ApplyError, Outcome, apply_plan
from schemakit.connect import ConnectError, connect, redact_text
from schemakit.desired import DesiredState
from schemakit.errors import Interrupted, SchemakitError
from schemakit.fleet.targets import Fleet, FleetTarget
from schemakit.hazards import blocked
from schemakit.options import drops_everything
from schemakit.plan import Plan
from schemakit.profile import Profile, check_default_privilege_roles, detect_profile, platform_missing
from schemakit.renames import declared_renames
from schemakit.rows import declared
from schemakit.source import SourceStatement
from schemakit.workflow import Project, Target, load_desired, plan_from_state, read_fingerprinted, row_probe, shadow_admin_url


class State(str, enum.Enum):
    WAITING = "waiting"
    PLANNING = "planning"
    APPLYING = "applying"
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    PENDING = "pending"  # plan only: changes to make
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    SKIPPED = "skipped"  # never started: a canary failed, --on-error stop, or Ctrl-C

    @property
    def done(self) -> bool:
        return self not in (State.WAITING, State.PLANNING, State.APPLYING)

    @property
    def ok(self) -> bool:
        return self in (State.APPLIED, State.UNCHANGED, State.PENDING)


@dataclass(frozen=True)
class TargetResult:
    """Where one target stands. ``plan``: its plan once planned (not in the JSON report)."""

    target: FleetTarget
    state: State = State.WAITING
    seconds: float = 0.0
    error: str = ""
    hint: str = ""
    statement: str = ""
    rolled_back: bool = False  # a failure whose transaction was rolled back: nothing changed
    current_fingerprint: str = ""
    desired_fingerprint: str = ""
    changes: int = 0
    statements: int = 0
    plan: Plan | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class FleetOptions:
    project: Project
    statements: tuple[SourceStatement, ...]
    shadow_url: str | None = None
    parallel: int = 4
    apply: bool = False
    canary: int = 0
    stop_on_error: bool = False
    allow_destructive: bool = False
    allow_hazards: frozenset[str] = frozenset()
    allow_drop_all: bool = False
    lock_timeout: str = "5s"
    statement_timeout: str = "0"
    lock_retries: int = 2
    profile: Profile | None = None


@dataclass(frozen=True)
class FleetOutcome:
    results: tuple[TargetResult, ...]
    seconds: float
    interrupted: bool = False
    canary_failed: bool = False
    shadow_loads: int = 0  # files' states loaded into a shadow (one per profile and major)


Listener = Callable[[TargetResult], None]


class _Stopped(KeyboardInterrupt):
    """Raised in a worker, between two steps of an apply, once the run is interrupted:
    ``apply_plan`` rolls the open transaction back (as for Ctrl-C in a single apply)."""


class _DesiredStates:
    """The files' state per (profile, major), loaded once: the first caller of a key
    loads it, concurrent callers of the same key wait for that load."""

    def __init__(self, options: FleetOptions) -> None:
        self._options = options
        self._lock = threading.Lock()
        self._states: dict[tuple[Profile, int], Future[DesiredState]] = {}

    @property
    def loads(self) -> int:
        return len(self._states)

    def get(self, profile: Profile, conn: psycopg.Connection[Any], target: FleetTarget) -> DesiredState:
        key = (profile, conn.info.server_version // 10000)
        with self._lock:
            future = self._states.get(key)
            mine = future is None
            if future is None:
                future = self._states[key] = Future()
        if mine:
            try:
                o = self._options
                here = Target(url=target.url, label=target.label)
                admin = shadow_admin_url(o.project, here, o.shadow_url, conn, profile, None, bool(declared(o.statements)))
                future.set_result(load_desired(o.statements, admin, None, profile))
            except BaseException as exc:  # every target of this kind gets the error
                future.set_exception(exc)
        return future.result()


class FleetRun:
    """One ``plan --targets`` or ``apply --targets``: ``run()`` once, ``interrupt()`` from
    another thread (or the main thread's Ctrl-C handler) at any time."""

    def __init__(self, fleet: Fleet, options: FleetOptions, listen: Listener | None = None) -> None:
        self.fleet = fleet
        self.options = options
        self._listen = listen
        self._lock = threading.Lock()
        self._results = {t.name: TargetResult(t) for t in fleet.targets}
        self._desired = _DesiredStates(options)
        self._directives = declared_renames(options.statements)  # the files' renamed-from directives
        self._in_flight: dict[str, psycopg.Connection[Any]] = {}
        self._interrupted = threading.Event()
        self._failed = threading.Event()

    # -- the run -------------------------------------------------------------------

    def run(self) -> FleetOutcome:
        started = time.monotonic()
        canaries = self.fleet.canaries(self.options.canary) if self.options.apply else ()
        rest = [t for t in self.fleet.targets if t not in canaries]
        canary_failed = False
        try:
            if canaries:
                self._batch(canaries)
                canary_failed = not all(self._results[t.name].state.ok for t in canaries)
            if not canary_failed:
                self._batch(rest)
        finally:
            why = "a canary failed" if canary_failed else "interrupted" if self._interrupted.is_set() else "stopped after a failure (--on-error stop)"
            for t in self.fleet.targets:
                if self._results[t.name].state is State.WAITING:
                    self._set(t, State.SKIPPED, error=f"not started: {why}")
        return FleetOutcome(
            tuple(self._results[t.name] for t in self.fleet.targets),
            time.monotonic() - started,
            interrupted=self._interrupted.is_set(),
            canary_failed=canary_failed,
            shadow_loads=self._desired.loads,
        )

    def interrupt(self) -> None:
        """Start no new target, cancel the statements running and roll every in-flight
        apply back (``_Stopped`` before its next step)."""
        self._interrupted.set()
        with self._lock:
            running = list(self._in_flight.values())
        for conn in running:
            try:
                conn.cancel_safe(timeout=5)
            except psycopg.Error:
                pass  # the apply ends on its own: committed, or rolled back by its error

    def _halted(self) -> bool:
        return self._interrupted.is_set() or (self.options.stop_on_error and self._failed.is_set())

    def _batch(self, targets: Sequence[FleetTarget]) -> None:
        queue = deque(targets)
        take = threading.Lock()
        count = max(1, min(self.options.parallel, len(targets)))
        running = [count]
        all_done = threading.Event()

        def worker() -> None:
            try:
                while True:
                    with take:
                        if not queue or self._halted():
                            return
                        target = queue.popleft()
                    self._one(target)
            finally:
                with take:
                    running[0] -= 1
                    if not running[0]:
                        all_done.set()

        for i in range(count):
            threading.Thread(target=worker, name=f"schemakit-fleet-{i}", daemon=True).start()
        # Ctrl-C lands in this (the main) thread. It waits on an event, not Thread.join:
        # a join interrupted by KeyboardInterrupt can mark a live thread as stopped
        # (CPython before 3.13, bpo-45274's fix).
        while True:
            try:
                if all_done.wait(0.1):
                    return
            except KeyboardInterrupt:
                self.interrupt()

    def _set(self, target: FleetTarget, state: State, **changes: Any) -> TargetResult:
        with self._lock:
            result = replace(self._results[target.name], state=state, **changes)
            self._results[target.name] = result
        if state in (State.FAILED, State.UNREACHABLE):
            self._failed.set()
        if self._listen is not None:
            self._listen(result)
        return result

    # -- one target ----------------------------------------------------------------

    def _one(self, target: FleetTarget) -> None:
        started = time.monotonic()
        self._set(target, State.PLANNING)
        try:
            conn = connect(target.url, application="schemakit fleet", given_by=f"the targets file ({target.name})")
        except ConnectError as exc:
            self._set(target, State.UNREACHABLE, seconds=time.monotonic() - started, error=exc.message)
            return
        with self._lock:
            self._in_flight[target.name] = conn
        try:
            with conn:
                self._plan_and_apply(target, conn, started)
        except ApplyError as exc:
            self._fail(target, started, exc.message, exc.hint, exc.statement or "", rolled_back=not exc.committed)
        except _Stopped:
            self._fail(target, started, "interrupted", None, "", rolled_back=True)
        except SchemakitError as exc:  # Interrupted: the enum values had committed
            self._fail(target, started, exc.message, exc.hint, "", rolled_back=not isinstance(exc, Interrupted))
        except psycopg.Error as exc:
            broken = conn.broken or isinstance(exc, psycopg.OperationalError) and not isinstance(exc, psycopg.errors.QueryCanceled)
            planning = self._results[target.name].state is State.PLANNING
            state = State.UNREACHABLE if broken and planning and not self._interrupted.is_set() else State.FAILED
            self._fail(target, started, str(exc).strip(), None, "", rolled_back=True, state=state)
        except Exception as exc:  # a bug must not kill the worker silently: report it on the target
            self._fail(target, started, f"internal error: {type(exc).__name__}: {exc}", None, "", rolled_back=True)
        finally:
            with self._lock:
                self._in_flight.pop(target.name, None)

    def _fail(
        self,
        target: FleetTarget,
        started: float,
        message: str,
        hint: str | None,
        statement: str,
        *,
        rolled_back: bool,
        state: State = State.FAILED,
    ) -> None:
        if self._interrupted.is_set() and "cancel" in message:
            message = f"interrupted ({message})"
        self._set(
            target,
            state,
            seconds=time.monotonic() - started,
            error=redact_text(message, target.url),
            hint=redact_text(hint or "", target.url),
            statement=statement,
            rolled_back=rolled_back,
        )

    def _plan_and_apply(self, target: FleetTarget, conn: psycopg.Connection[Any], started: float) -> None:
        o = self.options
        plan = self._plan(target, conn)
        planned = dict(
            current_fingerprint=plan.current_fingerprint,
            desired_fingerprint=plan.desired_fingerprint,
            changes=len(plan.steps),
            plan=plan,
        )
        if plan.empty:
            self._set(target, State.UNCHANGED, seconds=time.monotonic() - started, **planned)
            return
        if not o.apply:
            self._set(target, State.PENDING, seconds=time.monotonic() - started, **planned)
            return
        self._refuse(plan)
        if self._interrupted.is_set():
            raise _Stopped()
        self._set(target, State.APPLYING, **planned)

        def between_steps(done: int, total: int, step: Any) -> None:
            if self._interrupted.is_set():
                raise _Stopped()

        result = apply_plan(
            conn,
            plan,
            lock_timeout=o.lock_timeout,
            statement_timeout=o.statement_timeout,
            lock_retries=o.lock_retries,
            progress=between_steps,
        )
        state = State.APPLIED if result.outcome is Outcome.APPLIED else State.UNCHANGED
        self._set(target, state, seconds=time.monotonic() - started, statements=result.statements)

    def _plan(self, target: FleetTarget, conn: psycopg.Connection[Any]) -> Plan:
        o = self.options
        statements = o.statements
        profile = o.profile or detect_profile(conn)
        role = conn.execute("SELECT CURRENT_USER").fetchone()
        check_default_privilege_roles(statements, str(role[0]) if role else "")
        if profile is Profile.POSTGRES:
            missing = platform_missing(statements, target.name)
            if missing is not None:
                raise missing
        current = read_fingerprinted(conn, rows=declared(statements), owners=declared_owners.declared(statements))
        state = self._desired.get(profile, conn, target)
        here = Target(url=target.url, label=target.label)
        return plan_from_state(current, state, here, row_probe(conn), declared=self._directives).plan

    def _refuse(self, plan: Plan) -> None:
        """The gates of a single apply: hazards not allowed, a plan that drops everything."""
        o = self.options
        if not o.allow_drop_all and drops_everything(plan, o.statements):
            raise SchemakitError(
                f"refused: the plan drops every object of the target ({len(plan.steps)} changes) and creates nothing",
                hint="pass --allow-drop-all if this is intended",
            )
        refused = blocked(plan.hazards, allow_destructive=o.allow_destructive, allow=o.allow_hazards)
        if refused:
            names = sorted({h.name for h in refused})
            raise SchemakitError(
                f"refused: the plan has hazards that were not allowed: {', '.join(names)}",
                hint="allow them with --allow-hazards NAME,... (--allow-destructive for DELETES_DATA); nothing was changed",
            )


def run_fleet(fleet: Fleet, options: FleetOptions, listen: Listener | None = None) -> FleetOutcome:
    """Plan (or apply, ``options.apply``) the files on every target of ``fleet``."""
    return FleetRun(fleet, options, listen).run()
