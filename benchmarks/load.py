"""Many stakeholders at once, through the real pages, and nothing lost.

Starts Deliberate under gunicorn (2 gthread workers × 4 threads; ``--workers``,
``--threads``) on 127.0.0.1, on SQLite and/or on a throwaway PostgreSQL database, seeds a
7-outcome consultation with an open round and N stakeholder invitations, then drives N
simulated stakeholders as a browser would: each opens their invitation link, joins (one in
ten presses Join twice at once, as a double click does), answers all 21 pairs through the
comparison form (CSRF token and cookies included), revises about a fifth of them and reads
their summary.

Every save the server acknowledges (a 303 redirect) is recorded; a 5xx answer or a broken
connection is retried. Afterwards the database must hold every acknowledged answer exactly
once with its last value. It prints throughput, p50/p95/p99 latency per kind of request,
error counts and whether each target is met; the exit status is 1 when one is not.

With ``--faults`` a gunicorn worker is killed (SIGKILL) mid-run and, on PostgreSQL, the
database server is restarted: no acknowledged answer may be lost.

With ``--curve`` it measures capacity instead: one step per number of voters (``--steps``,
default 50, 100, 200, 400, 800), each on a fresh database and server, every voter answering
and then revising pairs with ``--think`` seconds (default 1) between answers until the step
ends (``--step-seconds``, default 60). Figures are taken after the arrivals (the first
sixth of the step): throughput and save p50/p95 per step, and the knee, the largest load
whose save p95 stays under 150 ms with no error and nothing lost.

Usage: ``python benchmarks/load.py [--stakeholders 200] [--backend sqlite|postgresql|both]
[--duration 600] [--think 8] [--ramp 60] [--faults]``, or
``python benchmarks/load.py --curve [--steps 50,100,200,400,800] [--step-seconds 60]
[--think 1] [--backend …]``
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
OUTCOMES = (
    "Fewer people sleeping rough",
    "Shorter waits for support",
    "Stable tenancies",
    "Better mental health",
    "Lower cost per person helped",
    "Fair access across districts",
    "Prevention before crisis",
)
GROUPS = ("Funders", "Service users", "Staff")
SCALE_KEYS = tuple([str(i) for i in range(9, 0, -1)] + [f"1/{i}" for i in range(2, 10)])
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: Targets for a run without faults.
SAVE_P95_TARGET = 0.150
RETRY_WINDOW = 60.0
#: A request unanswered after this many seconds counts as a broken connection.
REQUEST_TIMEOUT = 30.0
#: Seconds a browser keeps an idle connection open (the server's keep-alive is 10 s).
KEEP_IDLE = 5.0
#: gunicorn's processes and threads per process (``--workers``, ``--threads``): one process
#: per core of a 2-core machine, and threads to overlap each request's waits on the database.
WORKERS, THREADS = 2, 4
#: Seconds gunicorn may take to start listening (a busy machine builds the app slowly).
START_TIMEOUT = 180

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FORM = re.compile(r'id="comparison"[^>]*action="([^"]+)"')
HIDDEN = re.compile(r'name="(membership_id|left|right)" value="(\d+)"')


# --------------------------------------------------------------------------- databases


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Seed:
    """What the set-up step made: the consultation, its open round and invitation tokens."""

    consultation_id: int
    round_id: int
    tokens: list[str]


def seed(database_url: str, stakeholders: int) -> Seed:
    """Create the schema and, through the services, a consultation with ``stakeholders`` links."""
    from deliberate import create_app
    from deliberate.extensions import db
    from deliberate.models import Role, User
    from deliberate.services import consultations, rounds
    from deliberate.services.invitations import create_invitation

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "load"})
    with app.app_context():
        db.create_all()
        facilitator = User(email="facilitator@load.example", display_name="Facilitator")
        facilitator.set_password("load")
        db.session.add(facilitator)
        settings = consultations.Settings(
            title="Homelessness services 2027",
            question="Which outcomes should the homelessness budget buy first?",
        )
        consultation = consultations.create_consultation(facilitator, settings, GROUPS)
        for name in OUTCOMES:
            consultations.add_outcome(consultation, facilitator, name)
        round_ = rounds.open_first_round(consultation, facilitator)
        tokens = []
        for i in range(stakeholders):
            group = consultation.groups[i % len(consultation.groups)]
            tokens.append(create_invitation(consultation, Role.STAKEHOLDER, group)[1])
        db.session.commit()
        result = Seed(consultation.id, round_.id, tokens)
        db.session.remove()
        db.engine.dispose()
    return result


# --------------------------------------------------------------------------- the server


class Server:
    """Deliberate under gunicorn on 127.0.0.1, as a context manager."""

    def __init__(
        self,
        database_url: str,
        *,
        workers: int = WORKERS,
        threads: int = THREADS,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.instance = tempfile.TemporaryDirectory(prefix="deliberate-load-")
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--keep-alive",
            "10",
            "--no-control-socket",
            "--graceful-timeout",
            "2",
            "--preload",  # listen only once the app is built; workers fork ready
            "--log-level",
            "critical",  # not the SIGKILLs of faults and of the quick shutdown
            "deliberate:create_app()",
        ]
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "load-" + uuid.uuid4().hex,
            "BASE_URL": self.url,
            # Every simulated person comes from 127.0.0.1: raise the per-address limits.
            "INVITATION_RATE_LIMIT": "1000000/minute",
            "LOGIN_RATE_LIMIT": "1000000/minute",
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        if self.process is None:
            self.start()
        self.wait()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start gunicorn; it listens once the app is built (see :meth:`wait`)."""
        self.process = subprocess.Popen(
            self.command, cwd=self.instance.name, env=self.env, stdin=subprocess.DEVNULL
        )

    def wait(self) -> None:
        """Wait until gunicorn listens."""
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError(f"gunicorn did not start listening within {START_TIMEOUT} s")

    def stop(self) -> None:
        """Stop gunicorn and remove its instance folder."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # quick shutdown: every answer is in
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.instance.cleanup()

    def workers(self) -> list[int]:
        """The worker processes' ids."""
        assert self.process is not None
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]

    def kill_worker(self) -> int:
        """SIGKILL the worker holding most connections, as a crash would; the master starts
        another."""
        pid = max(self.workers(), key=_sockets)
        os.kill(pid, signal.SIGKILL)
        return pid

    def crash_until_noticed(self, stats: Stats, attempts: int = 5) -> list[str]:
        """Kill the busiest worker until a client sees a broken request, at most ``attempts``
        times: a worker caught between requests crashes unseen (clients silently resend
        idempotent requests on a reused connection), which would test nothing."""
        happened: list[str] = []
        seen = stats.errors["connection"] + stats.errors["5xx"]
        for _ in range(attempts):
            happened.append(f"killed gunicorn worker {self.kill_worker()} (SIGKILL)")
            until = time.monotonic() + 2.0
            while time.monotonic() < until:
                if stats.errors["connection"] + stats.errors["5xx"] > seen:
                    return happened
                time.sleep(0.05)
        return happened

    def cpu_seconds(self) -> float:
        """Processor time used so far by the master and its live workers (user + system)."""
        assert self.process is not None
        total = 0.0
        for pid in (self.process.pid, *self.workers()):
            with suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total


def _sockets(pid: int) -> int:
    """How many sockets process ``pid`` has open."""
    folder = Path(f"/proc/{pid}/fd")
    count = 0
    for entry in folder.iterdir():
        with suppress(OSError):
            count += os.readlink(entry).startswith("socket:")
    return count


def restart_postgres() -> float:
    """Restart the local PostgreSQL cluster; return how long it took in seconds."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    started = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True
    )
    return time.monotonic() - started


# --------------------------------------------------------------------------- the client


@dataclass
class Stats:
    """Latencies by kind of request, and the errors seen."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    #: Requests sent before this moment (``time.monotonic()``) are not counted.
    since: float = 0.0
    #: The server's processor seconds over the counted part (None: not measured).
    server_cpu: float | None = None
    #: This process's (the simulated browsers') processor seconds over the counted part.
    client_cpu: float | None = None

    def percentile(self, kind: str, q: float) -> float:
        """The ``q``-th percentile latency (nearest rank) of ``kind``, in seconds."""
        values = sorted(self.latencies[kind])
        if not values:
            return math.nan
        return values[min(len(values) - 1, max(0, math.ceil(q / 100 * len(values)) - 1))]


class Retryable(Exception):
    """A 5xx answer or a broken connection: the request may be sent again."""


class Refused(Exception):
    """An answer that retrying will not change (a 4xx, or a page without its form)."""


@dataclass
class Pair:
    """What one stakeholder knows of one pair: the value last acknowledged, and any sent since.

    A value sent without an acknowledgement (the worker died, the database was away) may or
    may not have been committed, so the database may hold it or the acknowledged one.
    """

    acknowledged: float | None = None
    unconfirmed: set[float] = field(default_factory=set)


@dataclass
class Person:
    """One simulated stakeholder's record of what the server said it saved."""

    token: str
    membership_id: int | None = None
    double_click: bool = False  # presses Join twice at once
    join_sent: bool = False
    joined: bool = False
    finished: bool = False
    pairs: dict[tuple[int, int], Pair] = field(default_factory=dict)


#: A request body: form fields (URL-encoded, as a browser sends a form), or a content type
#: and the bytes themselves (see :func:`multipart`), or None.
Body = dict[str, str] | tuple[str, bytes] | None


def multipart(
    fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]
) -> tuple[str, bytes]:
    """A ``multipart/form-data`` body, as a browser sends a form with file inputs: ``files``
    maps a field to its file's name, content and type."""
    boundary = f"----deliberate{random.getrandbits(64):016x}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, (filename, content, kind) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    return f"multipart/form-data; boundary={boundary}", b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode()


class Browser:
    """One person's browser: its own cookies, up to two keep-alive connections, timed requests.

    A small HTTP/1.1 client on asyncio streams rather than a general-purpose one: it runs on
    the server's machine, so its own processor time is part of what is measured, and it
    should take no more of it than a phone's browser would. It still sends what a browser
    sends — the cookies the server set, forms URL-encoded with their CSRF token — and reads
    every answer whole. An idle connection is closed after :data:`KEEP_IDLE` seconds, before
    the server's keep-alive timeout would close it under a request.
    """

    def __init__(self, base: str, stats: Stats, deadline: float) -> None:
        address = urlsplit(base)
        self.host, self.port = address.hostname or "127.0.0.1", address.port or 80
        self.stats = stats
        self.deadline = deadline
        self.cookies: dict[str, str] = {}
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self.slots = asyncio.Semaphore(2)

    async def close(self) -> None:
        """Close the connections."""
        for _, writer, _ in self.idle:
            writer.close()
        self.idle.clear()

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while self.idle:
            reader, writer, used = self.idle.pop()
            if time.monotonic() - used < KEEP_IDLE and not reader.at_eof():
                return reader, writer
            writer.close()
        return await asyncio.open_connection(self.host, self.port)

    async def _exchange(
        self, method: str, path: str, data: Body
    ) -> tuple[int, dict[str, str], str]:
        """Send one request and read its answer: status, headers (lower-case names), body."""
        if isinstance(data, tuple):
            kind, form = data
        else:
            kind, form = "application/x-www-form-urlencoded", urlencode(data or {}).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        if self.cookies:
            head += "Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()) + "\r\n"
        if data is not None:
            head += f"Content-Type: {kind}\r\n"
            head += f"Content-Length: {len(form)}\r\n"
        async with self.slots:
            reader, writer = await self._connect()
            try:
                writer.write(head.encode("latin-1") + b"\r\n" + form)
                lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                status = int(lines[0].split(" ", 2)[1])
                headers: dict[str, str] = {}
                for line in lines[1:-2]:
                    name, _, value = line.partition(":")
                    name, value = name.strip().lower(), value.strip()
                    if name == "set-cookie":
                        self._remember(value)
                    headers[name] = value
                if "content-length" in headers:
                    body = await reader.readexactly(int(headers["content-length"]))
                elif headers.get("transfer-encoding", "").lower() == "chunked":
                    body = b""
                    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                        body += (await reader.readexactly(size + 2))[:-2]
                    await reader.readuntil(b"\r\n")
                else:
                    body = await reader.read()
            except BaseException:
                writer.close()
                raise
            if headers.get("connection", "").lower() == "close" or reader.at_eof():
                writer.close()
            else:
                self.idle.append((reader, writer, time.monotonic()))
        return status, headers, body.decode()

    def _remember(self, header: str) -> None:
        """Keep or drop a cookie as its ``Set-Cookie`` header says."""
        pair, *attributes = header.split(";")
        name, _, value = pair.strip().partition("=")
        expired = any(
            a.strip().lower() in ("max-age=0", "expires=thu, 01 jan 1970 00:00:00 gmt")
            for a in attributes
        )
        if expired:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value

    async def _once(self, kind: str, method: str, path: str, data: Body) -> tuple[int, str, str]:
        started = time.perf_counter()
        counted = time.monotonic() >= self.stats.since
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                status, headers, body = await self._exchange(method, path, data)
        except (OSError, EOFError, ValueError, asyncio.LimitOverrunError, TimeoutError) as error:
            self.stats.errors["connection"] += 1
            raise Retryable(f"{method} {path}: {type(error).__name__}") from error
        self.stats.requests += counted
        if status >= 500:
            self.stats.errors["5xx"] += 1
            raise Retryable(f"{method} {path}: {status}")
        if status >= 400:
            self.stats.errors["other"] += 1
            raise Refused(f"{method} {path}: {status}")
        if counted:
            self.stats.latencies[kind].append(time.perf_counter() - started)
        return status, headers.get("location", ""), body

    async def request(
        self, kind: str, method: str, path: str, data: Body = None
    ) -> tuple[int, str, str]:
        """Send until answered, retrying 5xx and broken connections with backoff."""
        delay = 0.1
        give_up = max(self.deadline, time.monotonic()) + RETRY_WINDOW
        while True:
            try:
                return await self._once(kind, method, path, data)
            except Retryable:
                if time.monotonic() + delay > give_up:
                    raise
                self.stats.errors["retried"] += 1
                await asyncio.sleep(delay * random.uniform(0.5, 1.5))
                delay = min(delay * 2, 2.0)


def _path(location: str) -> str:
    return re.sub(r"^https?://[^/]+", "", location)


def _form(page: str) -> tuple[str, dict[str, str]]:
    """The comparison form's action and hidden fields."""
    action, token = FORM.search(page), CSRF.search(page)
    if not action or not token:
        raise Refused("the comparison page has no form")
    fields = dict(HIDDEN.findall(page))
    fields["csrf_token"] = token.group(1)
    return action.group(1).replace("&amp;", "&"), fields


def _canonical(fields: dict[str, str], key: str) -> tuple[tuple[int, int], float]:
    left, right, value = int(fields["left"]), int(fields["right"]), float(Fraction(key))
    return ((left, right), value) if left < right else ((right, left), 1 / value)


async def _think(seconds: float) -> None:
    if seconds > 0:
        await asyncio.sleep(random.uniform(0.5, 1.5) * seconds)


async def _answer(
    browser: Browser, person: Person, page: str, key: str, reason: str
) -> tuple[str, str]:
    """Submit one answer on ``page``; return the next page's path and body."""
    action, fields = _form(page)
    person.membership_id = int(fields["membership_id"])
    pair, value = _canonical(fields, key)
    record = person.pairs.setdefault(pair, Pair())
    record.unconfirmed.add(value)
    _, location, _ = await browser.request(
        "save", "POST", action, {**fields, "value": key, "reason": reason, "action": "save"}
    )
    record.acknowledged, record.unconfirmed = value, set()
    target = _path(location)
    kind = "summary" if target.endswith("/summary") else "page"
    return target, (await browser.request(kind, "GET", target))[2]


async def stakeholder(
    base: str,
    person: Person,
    stats: Stats,
    deadline: float,
    think: float,
    revise: float,
    *,
    keep_going: bool = False,
) -> None:
    """Join, answer every pair, revise some, read the summary; stop at ``deadline``.

    With ``keep_going`` the stakeholder revises random pairs until ``deadline`` instead.
    """
    browser = Browser(base, stats, deadline)
    try:
        link = f"/i/{person.token}"
        page = (await browser.request("open", "GET", link))[2]
        token = CSRF.search(page)
        if not token:
            raise Refused("the invitation page has no form")
        await _think(think)
        person.join_sent = True
        fields = {"csrf_token": token.group(1), "display_name": "Stakeholder"}
        clicks = 2 if person.double_click else 1
        answers = await asyncio.gather(
            *(browser.request("join", "POST", link, fields) for _ in range(clicks))
        )
        location = answers[-1][1]
        person.joined = True
        target = _path(location)
        page = (await browser.request("page", "GET", target))[2]
        while not target.endswith("/summary"):
            if time.monotonic() > deadline:
                return
            await _think(think)
            reason = "It reaches more people." if random.random() < 0.3 else ""
            target, page = await _answer(browser, person, page, random.choice(SCALE_KEYS), reason)
        consultation = target.split("/")[2]
        total = len(person.pairs)
        revisions: Iterator[int] = (
            (random.randint(1, total) for _ in itertools.count())
            if keep_going
            else iter(random.sample(range(1, total + 1), round(revise * total)))
        )
        for number in revisions:
            if time.monotonic() > deadline:
                return
            await _think(think)
            page = (
                await browser.request("page", "GET", f"/c/{consultation}/compare?pair={number}")
            )[2]
            await _answer(browser, person, page, random.choice(SCALE_KEYS), "On reflection.")
        await _think(think)
        await browser.request("summary", "GET", f"/c/{consultation}/summary")
        person.finished = True
    except (Retryable, Refused) as error:
        stats.errors["gave up"] += 1
        print(f"  stakeholder gave up: {error}", file=sys.stderr)
    finally:
        await browser.close()


async def drive(
    base: str,
    tokens: list[str],
    *,
    duration: float,
    think: float,
    revise: float = 0.2,
    ramp: float = 0.0,
    faults: Sequence[tuple[int, Callable[[Stats], None]]] = (),
    keep_going: bool = False,
    measure_after: float = 0.0,
    server_cpu: Callable[[], float] | None = None,
) -> tuple[list[Person], Stats, float]:
    """Run one simulated stakeholder per token; return their records, stats and wall time.

    Stakeholders arrive spread over ``ramp`` seconds. Each fault ``(saves, action)`` runs
    ``action(stats)`` in a thread once ``saves`` answers have been acknowledged, while the
    stakeholders carry on. With ``keep_going`` they revise answers until ``duration`` is
    up; only requests sent ``measure_after`` seconds or more after the start are counted,
    and the wall time returned is that of the counted part. ``server_cpu`` (the server's
    processor seconds so far) is read when counting starts and at the end.
    """
    people = [Person(token, double_click=i % 10 == 0) for i, token in enumerate(tokens)]
    started = time.monotonic()
    stats = Stats(since=started + measure_after)
    deadline = started + duration

    async def arrive(person: Person, delay: float) -> None:
        await asyncio.sleep(delay)
        await stakeholder(base, person, stats, deadline, think, revise, keep_going=keep_going)

    tasks = [
        asyncio.ensure_future(arrive(p, ramp * i / max(1, len(people))))
        for i, p in enumerate(people)
    ]
    cpu_at_start: list[float] = []
    if server_cpu is not None:
        await asyncio.sleep(max(0.0, stats.since - time.monotonic()))
        cpu_at_start += [server_cpu(), time.process_time()]
    for saves, action in sorted(faults, key=lambda fault: fault[0]):
        while len(stats.latencies["save"]) < saves and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.to_thread(action, stats)
    done, pending = await asyncio.wait(tasks, timeout=duration + RETRY_WINDOW + 30)
    for task in pending:
        task.cancel()
    for task in done:
        task.result()
    if server_cpu is not None and cpu_at_start:
        stats.server_cpu = server_cpu() - cpu_at_start[0]
        stats.client_cpu = time.process_time() - cpu_at_start[1]
    return people, stats, time.monotonic() - stats.since


# --------------------------------------------------------------------------- checking


@dataclass
class Check:
    """The database against the stakeholders' records."""

    acknowledged: int = 0
    rows: int = 0
    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0
    memberships: int = 0
    joined: int = 0
    join_sent: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No acknowledged answer lost, none twice, nothing saved that nobody sent."""
        return not (self.lost or self.duplicated or self.unexpected) and self.one_membership

    @property
    def one_membership(self) -> bool:
        """Each stakeholder told they joined has one membership; no join made two."""
        return self.joined <= self.memberships <= self.join_sent


def check(database_url: str, seeded: Seed, people: list[Person]) -> Check:
    """Compare every row of the round with what the stakeholders were told was saved."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT membership_id, outcome_a_id, outcome_b_id, value, count(*) "
                "FROM judgments WHERE round_id = :round "
                "GROUP BY membership_id, outcome_a_id, outcome_b_id, value"
            ),
            {"round": seeded.round_id},
        ).all()
        memberships = connection.execute(
            text(
                "SELECT count(*) FROM memberships "
                "WHERE consultation_id = :id AND role = 'stakeholder'"
            ),
            {"id": seeded.consultation_id},
        ).scalar_one()
    engine.dispose()
    stored: dict[tuple[int, int, int], list[float]] = defaultdict(list)
    for membership, a, b, value, count in rows:
        stored[(membership, a, b)].extend([value] * count)
    result = Check(rows=sum(len(v) for v in stored.values()), memberships=memberships)
    result.joined = sum(p.joined for p in people)
    result.join_sent = sum(p.join_sent for p in people)
    expected = set()
    for person in people:
        for (a, b), record in person.pairs.items():
            key = (person.membership_id or -1, a, b)
            expected.add(key)
            values = stored.get(key, [])
            result.acknowledged += record.acknowledged is not None
            allowed = {record.acknowledged, *record.unconfirmed}
            if len(values) > 1:
                result.duplicated += 1
                result.problems.append(f"pair {key} stored {len(values)} times")
            elif not values:
                if record.acknowledged is not None:
                    result.lost += 1
                    result.problems.append(f"pair {key}: acknowledged, not stored")
            elif not any(v is not None and math.isclose(values[0], v) for v in allowed):
                result.lost += 1
                result.problems.append(
                    f"pair {key}: stored {values[0]:.4g}, acknowledged {record.acknowledged}"
                )
    for key in set(stored) - expected:
        result.unexpected += 1
        result.problems.append(f"pair {key} stored but never sent")
    return result


# --------------------------------------------------------------------------- reporting


@dataclass
class Run:
    """One backend's run: what the clients saw and what the database holds."""

    backend: str
    stakeholders: int
    finished: int
    seconds: float
    stats: Stats
    check: Check
    faults: list[str]

    @property
    def throughput(self) -> float:
        """Requests answered per second."""
        return self.stats.requests / self.seconds

    @property
    def healthy(self) -> bool:
        """Every target met: nothing lost, no error, save p95 under the target."""
        return all(met for _, met in self.targets())

    def targets(self) -> list[tuple[str, bool]]:
        """Each target with whether it is met."""
        targets = [
            ("no acknowledged answer lost or changed", self.check.lost == 0),
            ("no answer stored twice", self.check.duplicated == 0),
            ("nothing stored that was not sent", self.check.unexpected == 0),
            ("one membership per joined stakeholder", self.check.one_membership),
            ("no stakeholder gave up", self.stats.errors["gave up"] == 0),
        ]
        if not self.faults:
            save_p95 = self.stats.percentile("save", 95)
            targets += [
                ("no 5xx answers", self.stats.errors["5xx"] == 0),
                ("no broken connections", self.stats.errors["connection"] == 0),
                (f"save p95 under {SAVE_P95_TARGET * 1000:.0f} ms", save_p95 < SAVE_P95_TARGET),
            ]
        return targets

    def report(self) -> str:
        """The figures as text."""
        stats = self.stats
        lines = [
            f"== {self.backend}: {self.stakeholders} stakeholders, "
            f"{self.finished} finished, {self.seconds:.1f} s",
            f"requests answered: {stats.requests} ({stats.requests / self.seconds:.0f}/s); "
            f"judgments acknowledged: {self.check.acknowledged}, rows in the round: "
            f"{self.check.rows}",
            f"{'kind':<8} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}",
        ]
        for kind in ("open", "join", "page", "save", "summary"):
            values = stats.latencies[kind]
            lines.append(
                f"{kind:<8} {len(values):>6} "
                + " ".join(f"{stats.percentile(kind, q) * 1000:>8.1f}" for q in (50, 95, 99))
            )
        lines.append(
            "errors: "
            + ", ".join(
                f"{name} {stats.errors[name]}"
                for name in ("5xx", "connection", "other", "retried", "gave up")
            )
        )
        lines += [f"fault: {fault}" for fault in self.faults]
        lines += [f"problem: {problem}" for problem in self.check.problems[:20]]
        lines += [f"[{'met' if ok else 'NOT MET'}] {name}" for name, ok in self.targets()]
        return "\n".join(lines)


def run_backend(
    backend: str,
    database_url: str,
    stakeholders: int,
    *,
    duration: float,
    think: float,
    ramp: float,
    kill_worker_after: int | None = None,
    restart_database_after: int | None = None,
    keep_going: bool = False,
    measure_after: float = 0.0,
    workers: int = WORKERS,
    threads: int = THREADS,
) -> Run:
    """Seed ``database_url``, serve it with gunicorn, drive the stakeholders, check the rows.

    ``kill_worker_after`` and ``restart_database_after`` are numbers of acknowledged saves
    after which a worker is killed or PostgreSQL restarted (None: never); ``keep_going``
    and ``measure_after`` are :func:`drive`'s.
    """
    happened: list[str] = []
    server = Server(database_url, workers=workers, threads=threads)
    server.start()  # gunicorn builds the app while the database is seeded
    try:
        seeded = seed(database_url, stakeholders)
        server.wait()
        faults: list[tuple[int, Callable[[Stats], None]]] = []
        if kill_worker_after is not None:

            def crash(stats: Stats) -> None:
                happened.extend(server.crash_until_noticed(stats))

            faults.append((kill_worker_after, crash))
        if restart_database_after is not None:
            faults.append(
                (
                    restart_database_after,
                    lambda _stats: happened.append(
                        f"restarted PostgreSQL ({restart_postgres():.1f} s)"
                    ),
                )
            )
        people, stats, seconds = asyncio.run(
            drive(
                server.url,
                seeded.tokens,
                duration=duration,
                think=think,
                ramp=ramp,
                faults=faults,
                keep_going=keep_going,
                measure_after=measure_after,
                server_cpu=server.cpu_seconds if keep_going else None,
            )
        )
    finally:
        server.stop()
    return Run(
        backend,
        stakeholders,
        sum(p.finished for p in people),
        seconds,
        stats,
        check(database_url, seeded, people),
        happened,
    )


@contextmanager
def database(backend: str) -> Iterator[str]:
    """A fresh, empty database of ``backend``: a SQLite file, or a throwaway PostgreSQL one."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'load.sqlite3'}"
    else:
        from deliberate.database import throwaway_postgres

        server = os.environ.get("TEST_DATABASE_URL", DEFAULT_POSTGRES)
        with throwaway_postgres(server, "deliberate_load") as found:
            yield found.render_as_string(hide_password=False)


def curve(
    backend: str,
    steps: Sequence[int],
    *,
    seconds: float,
    think: float,
    workers: int = WORKERS,
    threads: int = THREADS,
) -> list[Run]:
    """One run per number of voters, each on a fresh database and server; print each row."""
    print(
        f"== {backend}: capacity curve, {think:g} s think time, {seconds:g} s per step, "
        f"gunicorn {workers} workers × {threads} threads"
    )
    print(CURVE_HEADER, flush=True)
    runs = []
    for voters in steps:
        with database(backend) as url:
            run = run_backend(
                backend,
                url,
                voters,
                duration=seconds,
                think=think,
                ramp=seconds / 6,
                keep_going=True,
                measure_after=seconds / 6,
                workers=workers,
                threads=threads,
            )
        runs.append(run)
        print(curve_row(run), flush=True)
    knee = next((run for run in reversed(runs) if run.healthy), None)
    print(
        f"knee: {knee.stakeholders} voters, {knee.throughput:.0f} req/s "
        f"(save p95 {knee.stats.percentile('save', 95) * 1000:.0f} ms)"
        if knee
        else f"knee: none (save p95 was {SAVE_P95_TARGET * 1000:.0f} ms or more at every step)",
        flush=True,
    )
    return runs


CURVE_HEADER = (
    "| voters | throughput | save p50 | save p95 | page p95 | 5xx / lost / twice "
    "| CPU per request: server / client | machine load |\n|---|---|---|---|---|---|---|---|"
)


def curve_row(run: Run) -> str:
    """One step of the curve as a Markdown table row.

    Beside the figures: the processor time per answered request of the server (gunicorn's
    processes, the database library included, a PostgreSQL server not) and of the simulated
    browsers (this process), which other work on the machine does not inflate much, and the
    machine's load average over the last five minutes (runnable processes; 2 keeps both
    cores of a 2-core machine busy), since other work slows every other figure."""
    stats = run.stats
    cpu = "–"
    if stats.server_cpu is not None and stats.client_cpu is not None and stats.requests:
        cpu = " / ".join(
            f"{seconds / stats.requests * 1000:.1f} ms"
            for seconds in (stats.server_cpu, stats.client_cpu)
        )
    return (
        f"| {run.stakeholders} | {run.throughput:.0f} req/s "
        f"| {stats.percentile('save', 50) * 1000:,.0f} ms "
        f"| {stats.percentile('save', 95) * 1000:,.0f} ms "
        f"| {stats.percentile('page', 95) * 1000:,.0f} ms "
        f"| {stats.errors['5xx'] + stats.errors['connection']} / {run.check.lost} / "
        f"{run.check.duplicated} | {cpu} | {os.getloadavg()[1]:.1f} |"
    )


def main() -> int:
    """Command line: run each backend and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stakeholders", type=int, default=200)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--duration", type=float, default=600, help="cap in seconds")
    parser.add_argument(
        "--think",
        type=float,
        help="mean seconds a person takes over each pair (default 8, or 1 with --curve)",
    )
    parser.add_argument("--ramp", type=float, default=60, help="arrivals spread over seconds")
    parser.add_argument(
        "--faults", action="store_true", help="kill a worker; restart PostgreSQL mid-run"
    )
    parser.add_argument("--curve", action="store_true", help="measure the capacity curve")
    parser.add_argument(
        "--steps", default="50,100,200,400,800", help="voters per step of the curve"
    )
    parser.add_argument("--step-seconds", type=float, default=60, help="length of each step")
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=THREADS, help="threads per process")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    if args.curve:
        steps = [int(step) for step in args.steps.split(",")]
        for backend in backends:
            curve(
                backend,
                steps,
                seconds=args.step_seconds,
                think=args.think or 1.0,
                workers=args.workers,
                threads=args.threads,
            )
        return 0
    ok = True
    pairs = args.stakeholders * len(OUTCOMES) * (len(OUTCOMES) - 1) // 2
    for backend in backends:
        options = {
            "duration": args.duration,
            "think": 8.0 if args.think is None else args.think,
            "ramp": args.ramp,
            # A third of the way through the answers, and two thirds of the way.
            "kill_worker_after": pairs // 3 if args.faults else None,
            "restart_database_after": (
                2 * pairs // 3 if args.faults and backend == "postgresql" else None
            ),
            "workers": args.workers,
            "threads": args.threads,
        }
        with database(backend) as url:
            run = run_backend(backend, url, args.stakeholders, **options)
        print(run.report(), flush=True)
        ok &= all(met for _, met in run.targets())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
