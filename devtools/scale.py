"""``make bench``'s scale run (issue 12): the real local stack — DynamoDB Local, chalice local, moto for S3/SES —
started as ``make run`` starts it, on free ports with a fresh data folder, driven over HTTP like an ERP and a
customer would.

1. The portal reads of a small account (demo's Ferretería El Tornillo, 6 invoices, signed in as Ana): receivables,
   statement of this month, invoices, dashboard, payment history; median and p95 of ``READ_RUNS`` timed runs after
   2 warm-ups, and the DynamoDB calls each made (the stack's ``X-Portico-DynamoDB-Calls`` header).
2. What the issue measured against moto: 20 accounts x 150 invoices pushed by 4 parallel clients, one PUT each.
   Every one must land (200/201, no 5xx).
3. The load: ``PORTICO_SCALE_ACCOUNTS`` (100) accounts x ``PORTICO_SCALE_INVOICES`` (1,000) invoices through
   ``POST /v1/integration/batch`` in batches of 100, 4 clients: upserts per second, every item 201.
4. The same reads again: the ratio after/before of each median (goal ≤ 1.2: the reads query the account's
   partition only), the calls (must not change), and the stack's memory (its process and DynamoDB Local's JVM;
   goal under 1.5 GB).

Exit status 1 when an upsert failed, a call count changed or a goal was missed. ``build/scale.json`` keeps the
figures; docs/benchmarks.md has the last run's.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests

from devtools.bench import percentile
from devtools.stack import DYNAMODB_CALLS_HEADER
from devtools.stack_process import ROOT, StackProcess

ACCOUNTS = int(os.environ.get("PORTICO_SCALE_ACCOUNTS", "100"))
INVOICES = int(os.environ.get("PORTICO_SCALE_INVOICES", "1000"))
CLIENTS = 4
BATCH = 100
READ_RUNS = 15
RATIO_GOAL = 1.2
MEMORY_GOAL_BYTES = 1.5 * 1024**3
API_KEY = "demo-integrator-key"
ANA = {"tenant": "demo", "email": "ana.gomez@eltornillo.example.com", "password": "Portal-Demo-2026"}


@dataclass(frozen=True)
class Read:
    name: str
    path: str
    median_ms: float
    p95_ms: float
    calls: int


def _reads(today: date) -> list[tuple[str, str]]:
    return [("receivables", "/portal/receivables"),
            ("statement (this month)", f"/portal/statement?year={today.year}&period={today.month:02d}"),
            ("invoices", "/portal/invoices"), ("dashboard", "/portal/dashboard"),
            ("payment history", "/portal/payments")]


def measure_reads(api: str, token: str) -> list[Read]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    results = []
    for name, path in _reads(date.today()):
        times, calls = [], []
        for run in range(2 + READ_RUNS):
            started = time.perf_counter()
            reply = session.get(f"{api}{path}", timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            if reply.status_code != 200:
                raise RuntimeError(f"GET {path}: {reply.status_code} {reply.text[:300]}")
            if run >= 2:  # a warm-up may also refresh the session's last_seen_at (one write every 2 minutes)
                times.append(elapsed)
                calls.append(int(reply.headers[DYNAMODB_CALLS_HEADER]))
        results.append(Read(name, path, statistics.median(times), percentile(times, 95), statistics.mode(calls)))
    return results


def _integrator() -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {API_KEY}"
    return session


def _invoice_data(account_id: str, n: int, rng: random.Random) -> dict[str, Any]:
    issued = date(2025, 1, 1) + timedelta(days=rng.randrange(700))
    total = rng.randrange(50_000, 20_000_000) * 100
    balance = rng.choice((0, 0, 0, total, total // 2))
    return {"account_id": account_id, "number": f"FV-{account_id}-{n:05d}", "issue_date": issued.isoformat(),
            "due_date": (issued + timedelta(days=30)).isoformat(), "currency": "COP", "total": total,
            "balance": balance, "tax": total * 19 // 119,
            "lines": [{"description": "Suministros de ferretería", "quantity": 1, "unit_price": total, "total": total}]}


def _account_data(account_id: str) -> dict[str, Any]:
    return {"name": f"Cliente de escala {account_id}", "tax_id": "900123456-8", "tax_id_type": "NIT"}


def parallel_single_puts(api: str, accounts: int = 20, invoices: int = 150) -> dict[str, Any]:
    """The issue's measurement: ``accounts`` x ``invoices`` single PUTs from ``CLIENTS`` parallel clients."""
    def push(index: int) -> list[int]:
        session, rng = _integrator(), random.Random(index)
        account_id = f"par{index:03d}"
        statuses = [session.put(f"{api}/integration/accounts/{account_id}", json=_account_data(account_id),
                                timeout=60).status_code]
        for n in range(invoices):
            statuses.append(session.put(f"{api}/integration/invoices/{account_id}-{n}", timeout=60,
                                        json=_invoice_data(account_id, n, rng)).status_code)
        return statuses

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = [s for batch in pool.map(push, range(accounts)) for s in batch]
    seconds = time.perf_counter() - started
    return {"requests": len(statuses), "landed": sum(s in (200, 201) for s in statuses),
            "5xx": sum(s >= 500 for s in statuses), "seconds": round(seconds, 1),
            "per_second": round(len(statuses) / seconds, 1)}


def batch_load(api: str, accounts: int, invoices: int) -> dict[str, Any]:
    """``accounts`` x ``invoices`` invoices (and the accounts) through the batch endpoint, ``CLIENTS`` at a time."""
    account_ids = [f"esc{n:04d}" for n in range(accounts)]
    batches = [[{"type": "account", "id": a, "data": _account_data(a)} for a in account_ids[i:i + BATCH]]
               for i in range(0, accounts, BATCH)]
    rng = random.Random(12)
    invoice_items = [{"type": "invoice", "id": f"{a}-{n:05d}", "data": _invoice_data(a, n, rng)}
                     for a in account_ids for n in range(invoices)]
    invoice_batches = [invoice_items[i:i + BATCH] for i in range(0, len(invoice_items), BATCH)]
    failures: list[Any] = []
    done = 0

    def send(items: list[dict[str, Any]], session: requests.Session) -> None:
        nonlocal done
        reply = session.post(f"{api}/integration/batch", json={"items": items}, timeout=300)
        if reply.status_code != 200:
            failures.append((reply.status_code, reply.text[:300]))
            return
        failures.extend(r for r in reply.json()["results"] if r["status"] not in (200, 201))
        done += len(items)

    started = time.perf_counter()
    session = _integrator()
    for items in batches:  # the accounts first, as an ERP's sync would
        send(items, session)
    sessions = [_integrator() for _ in range(CLIENTS)]
    step = max(1, len(invoice_batches) // 10)
    with ThreadPoolExecutor(CLIENTS) as pool:
        for index, _ in enumerate(pool.map(lambda pair: send(pair[1], sessions[pair[0] % CLIENTS]),
                                           enumerate(invoice_batches))):
            if index % step == step - 1:
                elapsed = time.perf_counter() - started
                print(f"  … {done:,} records in {elapsed:.0f} s ({done / elapsed:.0f}/s)", flush=True)
    seconds = time.perf_counter() - started
    records = accounts + len(invoice_items)
    return {"records": records, "written": done, "failed": len(failures), "first_failures": failures[:5],
            "seconds": round(seconds, 1), "per_second": round(records / seconds, 1)}


def login(api: str) -> str:
    reply = requests.post(f"{api}/auth/login", json=ANA, timeout=30)
    reply.raise_for_status()
    return str(reply.json()["token"])


def report(before: list[Read], after: list[Read], parallel: dict[str, Any], load: dict[str, Any],
           memory: tuple[int, int]) -> tuple[list[str], bool]:
    ok = parallel["landed"] == parallel["requests"] and not load["failed"]
    lines = [f"parallel single PUTs (20 x 150 invoices, {CLIENTS} clients): {parallel['landed']:,}/"
             f"{parallel['requests']:,} landed, {parallel['5xx']} 5xx, {parallel['per_second']}/s",
             f"batch load ({ACCOUNTS} x {INVOICES:,} invoices, {CLIENTS} clients): {load['written']:,}/"
             f"{load['records']:,} written, {load['failed']} failed, {load['seconds']:,} s, "
             f"{load['per_second']} upserts/s",
             f"{'read':24} {'before p50/p95 ms':>18} {'after p50/p95 ms':>18} {'ratio':>6} {'calls':>6}"]
    for one, two in zip(before, after, strict=True):
        ratio = two.median_ms / one.median_ms
        ok &= one.calls == two.calls and ratio <= RATIO_GOAL
        lines.append(f"{one.name:24} {one.median_ms:8.1f} /{one.p95_ms:7.1f} {two.median_ms:9.1f} /{two.p95_ms:7.1f} "
                     f"{ratio:6.2f} {one.calls:>3}→{two.calls}")
    ok &= memory[1] < MEMORY_GOAL_BYTES
    lines.append(f"stack memory (its process + DynamoDB Local): {memory[0] / 2**20:,.0f} MB before, "
                 f"{memory[1] / 2**20:,.0f} MB after (goal < {MEMORY_GOAL_BYTES / 2**30:.1f} GB)")
    return lines, ok


def main() -> int:
    print(f"scale: starting the local stack (data in a fresh folder), then {ACCOUNTS} x {INVOICES:,} invoices",
          flush=True)
    with tempfile.TemporaryDirectory(prefix="portico-scale-") as data:
        stack = StackProcess(Path(data), ROOT / "build" / "scale-stack.log",
                             env={"PORTICO_RECONCILE_SECONDS": "86400"})
        stack.start()
        try:
            api = f"{stack.url('api')}/v1"
            token = login(api)
            before = measure_reads(api, token)
            memory_before = stack.rss_bytes()
            print("scale: 20 x 150 invoices by 4 parallel clients, one PUT each…", flush=True)
            parallel = parallel_single_puts(api)
            print(f"scale: loading {ACCOUNTS * INVOICES:,} invoices through the batch endpoint…", flush=True)
            load = batch_load(api, ACCOUNTS, INVOICES)
            after = measure_reads(api, token)
            memory_after = stack.rss_bytes()
        finally:
            stack.stop()
    lines, ok = report(before, after, parallel, load, (memory_before, memory_after))
    print("\n".join(lines))
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "scale.json").write_text(json.dumps({
        "accounts": ACCOUNTS, "invoices_per_account": INVOICES, "parallel": parallel, "load": load,
        "before": [asdict(r) for r in before], "after": [asdict(r) for r in after],
        "memory_bytes": {"before": memory_before, "after": memory_after}}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
