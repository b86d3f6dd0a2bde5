"""``make bench``: import time of ``app``, the Lambda zip's size, billing reads at scale, knowledge-base search.

Import time: medians over several fresh interpreter processes; goals (issue #3): import ≤ 150 ms with lazy
imports, zip ≤ 15 MB. These two only report.

Billing at scale (moto in process, no network): one account with 10,000 movements over three years (2,000
invoices, 15 % of them open — a third of those partly paid — with mixed due dates; 1,000 credit notes, 1,000
debit notes and 6,000 receipts, most applied to invoices), its portal contact signed in through the chalice
test client, then GET /v1/portal/receivables and GET /v1/portal/statement (this month, the same month a year
ago, this whole year): 3 warm-ups, then timed runs (p50/p95 in ms) with the DynamoDB calls of each request.
The same requests again after 99 more accounts (~100 documents each) join the tenant: the reads are queries
of the account's partition, so the figures should stay flat (ratio reported) and the answers identical.
The call budgets (auth's one BatchGetItem included) are what fails the bench (exit status 1): receivables ≤ 2,
a statement of the current month ≤ 4, of a past month ≤ 5 (its pending invoices need the credits dated after
it); the whole year is reported only.

What is timed is the Lambda's side: the wall time minus the time spent inside moto. moto is no stand-in for
DynamoDB's latency: a Query sorts and filters the whole table and serializes its items slowly (seconds for a
1 MB page, growing with the table). So each case's first request goes through moto (its moto time is
reported), and the timed runs get the same Query answers replayed (:class:`Meter`); the app still builds,
signs, parses and deserializes every call, and every call is counted.

The 10,000 documents are not pushed one ``documents.upsert`` transaction at a time (moto copies the whole table
for each transaction): :class:`BulkWriter` replays what upsert writes for the same pushes (document, tenant-wide
id index, month totals, allocations) and stores the result with BatchWriteItem. Before it is trusted, the
bench pushes one small history through ``documents.upsert`` into one account and through the writer into
another, and checks that both hold the same items and answer the same receivables and statements.

Knowledge-base search (``--only kb``, moto in process): 2,000 articles of 150-400 words from a Spanish vocabulary,
their search entries written as ``PUT /v1/integration/kb`` writes them (BatchWriteItem, not 2,000 moto
transactions), then GET /v1/portal/kb?q=… for several queries (accents, prefixes, several words): Query pages,
DynamoDB calls and the Lambda-side time (moto's own time subtracted, its answers replayed as above).

``python -m devtools.bench --only startup|billing|reconciler|kb`` runs one part.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from chalicelib.domain.records import DocumentRecord
    from chalicelib.store.models import AllocationItem, BillingDocumentItem

ROOT = Path(__file__).resolve().parent.parent
RUNS = 9
IMPORT_GOAL_MS = 150
ZIP_GOAL_MB = 15

_PROBE = "import time; t = time.perf_counter(); import app; print((time.perf_counter() - t) * 1000)"


def import_times() -> list[float]:
    env = {**os.environ, "PORTICO_STAGE": "prod", "AWS_DEFAULT_REGION": "us-east-1", "PYTHONDONTWRITEBYTECODE": "0"}
    times = []
    for _ in range(RUNS + 1):  # the first run writes bytecode caches; it is not counted
        out = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, env=env, check=True, capture_output=True,
                             text=True).stdout
        times.append(float(out.strip().splitlines()[-1]))
    return times[1:]


def startup() -> None:
    times = import_times()
    median = statistics.median(times)
    print(f"import app: median {median:.1f} ms, min {min(times):.1f}, max {max(times):.1f} over {RUNS} fresh "
          f"processes (goal ≤ {IMPORT_GOAL_MS} ms: {'met' if median <= IMPORT_GOAL_MS else 'NOT met'})")
    zip_path = ROOT / "build" / "package" / "deployment.zip"
    if zip_path.exists():
        size = zip_path.stat().st_size / 1e6
        print(f"deployment.zip: {size:.1f} MB (goal ≤ {ZIP_GOAL_MB} MB: {'met' if size <= ZIP_GOAL_MB else 'NOT met'})")
    else:
        print("deployment.zip: not built (run `make package`)")


# --- billing at scale: the data ------------------------------------------------------------------------------

TENANT = "bench"
TIMEZONE = "America/Bogota"
BIG = "big"
EMAIL = "ana@big.test"  # the portal user of account big
SMALL_ACCOUNTS = 99
YEARS = 3
SEED = 20261
WARM_UPS = 3
HEAVY_RUNS = 10  # statements that read ~1 s of items in process: fewer timed runs keep the bench short
PASSWORD = "Bench-Caballo-Bateria-42"  # noqa: S105 - an in-process moto user that lives for one run
METHODS = ("Transferencia", "PSE", "Consignación", "Cheque")
SALESPEOPLE = ({"name": "Mateo Vélez", "email": "mateo.velez@andina.example.com"},
               {"name": "Laura Restrepo", "email": "laura.restrepo@andina.example.com"})
PRODUCTS = ("Tornillería galvanizada (caja x 500)", "Herramienta eléctrica y accesorios", "Tubería PVC 1/2\"",
            "Pintura y solventes", "Cableado eléctrico calibre 12", "Cemento gris (bulto 50 kg)")


@dataclass(frozen=True, slots=True)
class Mix:
    """How many documents of each kind an account's history holds."""

    invoices: int
    credit_notes: int  # each applied to one invoice
    debit_notes: int  # half of them name the invoice they concern
    receipts: int  # applied to invoices (some pay two at once)
    two_invoice_receipts: int
    debit_note_receipts: int  # receipts on account that pay a debit note
    open_share: float = 0.15

    @property
    def documents(self) -> int:
        return self.invoices + self.credit_notes + self.debit_notes + self.receipts + self.debit_note_receipts


BIG_MIX = Mix(invoices=2000, credit_notes=1000, debit_notes=1000, receipts=5000, two_invoice_receipts=400,
              debit_note_receipts=1000)
SMALL_MIX = Mix(invoices=20, credit_notes=10, debit_notes=10, receipts=50, two_invoice_receipts=4,
                debit_note_receipts=10)
SAMPLE_MIX = Mix(invoices=16, credit_notes=5, debit_notes=5, receipts=18, two_invoice_receipts=3,
                 debit_note_receipts=4)

Push = tuple[str, str, dict[str, Any]]  # (doc_type, doc_id, body) as the ERP PUTs it


@dataclass(slots=True)
class _Invoice:
    doc_id: str
    body: dict[str, Any]
    issued: date
    due: date
    paid: int = 0  # what credit documents apply to it in the end


def _split(amount: int, parts: int, rng: random.Random) -> list[int]:
    """``amount`` (a multiple of 100) in ``parts`` positive multiples of 100."""
    cuts = sorted(rng.sample(range(1, amount // 100), parts - 1))
    return [(b - a) * 100 for a, b in zip([0, *cuts], [*cuts, amount // 100], strict=True)]


def _invoices(account_id: str, mix: Mix, *, first: date, last: date, rng: random.Random,
              contacts: Sequence[str | None]) -> list[_Invoice]:
    span = (last - first).days
    drafts = []
    for _ in range(mix.invoices):
        issued = first + timedelta(days=rng.randint(0, span))
        drafts.append((issued, issued + timedelta(days=rng.choice((0, 15, 30, 30, 45, 60, 90))),
                       rng.randint(50_000, 25_000_000) * 100))
    invoices = []
    for n, (issued, due, total) in enumerate(sorted(drafts), start=1):
        tax = total * 19 // 119 // 100 * 100
        lines = _split(total - tax, rng.randint(1, 3), rng) if total - tax >= 300 else [total - tax]
        invoices.append(_Invoice(f"{account_id}-FV-{n:05d}", {
            "account_id": account_id, "contact_id": rng.choice(contacts), "number": f"FV-{n:05d}",
            "issue_date": issued.isoformat(), "due_date": due.isoformat(), "currency": "COP", "total": total,
            "balance": total, "tax": tax, "salesperson": rng.choice(SALESPEOPLE),
            "description": f"Pedido {rng.randint(10_000, 99_999)}",
            "lines": [{"description": rng.choice(PRODUCTS), "quantity": 1, "unit_price": amount, "total": amount}
                      for amount in lines],
        }, issued, due))
    return invoices


def _payment_pieces(invoices: list[_Invoice], mix: Mix, last: date, rng: random.Random
                    ) -> list[tuple[date, str, int]]:
    """Who pays what when: (date, invoice id, amount). ~``open_share`` of the invoices stay open (half of those
    recent, a third of them partly paid); every other invoice is paid in full by one or more pieces."""
    n_open = round(len(invoices) * mix.open_share)
    recent = [i for i in invoices if (last - i.issued).days <= 120]
    chosen = rng.sample(recent, min(len(recent), n_open // 2))
    older = [i for i in invoices if i not in chosen]
    chosen += rng.sample(older, n_open - len(chosen))
    partly = {i.doc_id for i in chosen[: n_open // 3]}
    unpaid = {i.doc_id for i in chosen} - partly
    paying = [i for i in invoices if i.doc_id not in unpaid]
    n_pieces = mix.receipts + mix.two_invoice_receipts + mix.credit_notes
    assert n_pieces >= len(paying), "more paid invoices than payments"
    counts = {i.doc_id: 1 for i in paying}
    for invoice in rng.choices(paying, k=n_pieces - len(paying)):
        counts[invoice.doc_id] += 1
    pieces = []
    for invoice in paying:
        total = invoice.body["total"]
        invoice.paid = total if invoice.doc_id not in partly else total * rng.randint(2, 8) // 1000 * 100
        until = min(last, invoice.due + timedelta(days=45))
        for amount in _split(invoice.paid, counts[invoice.doc_id], rng):
            pieces.append((invoice.issued + timedelta(days=rng.randint(0, (until - invoice.issued).days)),
                           invoice.doc_id, amount))
    return pieces


def _pair_up(pieces: list[tuple[date, str, int]], pairs: int, rng: random.Random) -> list[list[tuple[date, str, int]]]:
    """Receipts from pieces sorted by date: ``pairs`` of them pay two neighbouring pieces of different invoices."""
    starts: set[int] = set()
    used: set[int] = set()
    candidates = list(range(len(pieces) - 1))
    rng.shuffle(candidates)
    for i in candidates:
        if len(starts) == pairs:
            break
        if i not in used and i + 1 not in used and pieces[i][1] != pieces[i + 1][1]:
            starts.add(i)
            used |= {i, i + 1}
    assert len(starts) == pairs, "could not pair enough receipts"
    groups, i = [], 0
    while i < len(pieces):
        groups.append(pieces[i: i + 2] if i in starts else [pieces[i]])
        i += 2 if i in starts else 1
    return groups


def _debit_notes(account_id: str, invoices: list[_Invoice], mix: Mix, last: date, rng: random.Random
                 ) -> list[tuple[date, str, dict[str, Any]]]:
    """Debit notes on random invoices (interest, freight), after them; half name the invoice they concern."""
    drafts = []
    for _ in range(mix.debit_notes):
        invoice = rng.choice(invoices)
        drafts.append((min(last, invoice.issued + timedelta(days=rng.randint(1, 120))),
                       rng.randint(10_000, 500_000) * 100, invoice.doc_id, invoice.body["contact_id"],
                       rng.random() < 0.5, rng.choice(("Intereses de mora", "Flete", "Ajuste de precio"))))
    notes = []
    for n, (day, total, invoice_id, contact_id, names_invoice, reason) in enumerate(sorted(drafts), start=1):
        body = {"account_id": account_id, "contact_id": contact_id, "number": f"ND-{n:05d}",
                "issue_date": day.isoformat(), "currency": "COP", "total": total, "reason": reason}
        if names_invoice:
            body["applied_to"] = [{"invoice_id": invoice_id, "amount": total}]
        notes.append((day, f"{account_id}-ND-{n:05d}", body))
    return notes


def history(account_id: str, mix: Mix, *, first: date, last: date, seed: int,
            contacts: Sequence[str | None]) -> list[Push]:
    """An account's documents as an ERP pushes them, in order: each invoice when issued (balance = total),
    debit notes, credit notes and receipts when dated, and each paid or partly paid invoice once more, with its
    final balance, after the last credit applied to it. Deterministic for a seed (ids aside)."""
    rng = random.Random(seed)
    invoices = _invoices(account_id, mix, first=first, last=last, rng=rng, contacts=contacts)
    by_id = {i.doc_id: i for i in invoices}
    pieces = _payment_pieces(invoices, mix, last, rng)
    rng.shuffle(pieces)
    credit_notes = sorted(pieces[: mix.credit_notes])
    receipts: list[tuple[date, list[dict[str, Any]], dict[str, Any]]] = []
    for group in _pair_up(sorted(pieces[mix.credit_notes:]), mix.two_invoice_receipts, rng):
        receipts.append((max(d for d, _, _ in group), [{"invoice_id": i, "amount": a} for _, i, a in group],
                         {"method": rng.choice(METHODS), "reference": f"TRX{rng.randint(10**8, 10**9 - 1)}"}))
    events: list[tuple[date, int, str, Push]] = []

    def add(day: date, rank: int, doc_type: str, doc_id: str, body: dict[str, Any]) -> None:
        events.append((day, rank, doc_id, (doc_type, doc_id, body)))

    for invoice in invoices:
        add(invoice.issued, 0, "invoice", invoice.doc_id, invoice.body)
    notes = _debit_notes(account_id, invoices, mix, last, rng)
    for day, doc_id, body in notes:
        add(day, 1, "debit_note", doc_id, body)
    for day, _, note in rng.sample(notes, mix.debit_note_receipts):  # receipts on account that pay a debit note
        receipts.append((min(last, day + timedelta(days=rng.randint(0, 30))), [],
                         {"method": rng.choice(METHODS), "reason": f"Pago {note['number']}", "total": note["total"]}))
    paid_through: dict[str, date] = {}
    for doc_type, prefix, docs in (
        ("credit_note", "NC", [(d, [{"invoice_id": i, "amount": a}], {"reason": "Devolución de mercancía"})
                               for d, i, a in credit_notes]),
        ("receipt", "RC", sorted(receipts, key=lambda r: (r[0], json.dumps(r[1:], sort_keys=True)))),
    ):
        for n, (day, applied, extra) in enumerate(docs, start=1):
            body = {"account_id": account_id, "number": f"{prefix}-{n:05d}", "issue_date": day.isoformat(),
                    "currency": "COP", "total": sum(a["amount"] for a in applied), **extra}
            if applied:
                body["applied_to"] = applied
                body["contact_id"] = by_id[applied[0]["invoice_id"]].body["contact_id"]
            for a in applied:
                paid_through[a["invoice_id"]] = max(day, paid_through.get(a["invoice_id"], day))
            add(day, 2, doc_type, f"{account_id}-{prefix}-{n:05d}", body)
    for invoice_id, day in paid_through.items():
        invoice = by_id[invoice_id]
        add(day, 3, "invoice", invoice_id, {**invoice.body, "balance": invoice.body["total"] - invoice.paid})
    events.sort(key=lambda e: e[:3])
    return [push for *_, push in events]


# --- billing at scale: writing ------------------------------------------------------------------------------

class BulkWriter:
    """The items ``documents.upsert`` writes for a sequence of pushes, written with BatchWriteItem.

    Each :meth:`push` replays one upsert in memory against what earlier pushes left: the document (version,
    created_at kept, pdf/checkout/proof fields carried over, erp_balance, lsi1 and lsi2 keys, ``paid_on`` from
    the latest allocation), the tenant-wide id index, the account's month totals moved by the difference of
    old and new movement, and the allocations of credit documents. :meth:`write` stores the final items.
    ``billing.set_lsi2`` and ``documents._month_deltas`` are the upsert's own. No conditions, events,
    reference checks or portal payments (a receipt's reference posts nothing): benchmark data only, and the
    bench checks the result against upsert before using it.
    """

    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
        self.docs: dict[tuple[str, str], BillingDocumentItem] = {}
        self.owner: dict[tuple[str, str], str] = {}
        self.months: dict[tuple[str, str, str], list[int]] = {}
        self.allocations: dict[tuple[str, str], dict[str, AllocationItem]] = {}  # (pk, invoice id) → sk → item

    def push(self, doc_id: str, record: DocumentRecord) -> None:
        from chalicelib.domain import clock
        from chalicelib.domain.records import CREDIT_TYPES
        from chalicelib.store import documents, keys
        from chalicelib.store.models import AllocationItem, BillingDocumentItem

        key = (record.doc_type, doc_id)
        previous = self.docs.get(key)
        if self.owner.setdefault(key, record.account_id) != record.account_id:
            raise ValueError(f"{doc_id} belongs to another account")
        stamp = clock.iso(clock.now())
        pk = keys.account(self.tenant, record.account_id)
        item = BillingDocumentItem(
            pk, keys.document_sk(record.doc_type, doc_id), doc_type=record.doc_type, doc_id=doc_id,
            account_id=record.account_id, contact_id=record.contact_id, number=record.number,
            issue_date=record.issue_date, due_date=record.due_date, currency=record.currency, total=record.total,
            balance=record.balance,
            data={**record.extra, "applied_to": [{"invoice_id": i, "amount": a} for i, a in record.applied_to]}
            if record.doc_type != "invoice" else record.extra,
            lsi1sk=keys.movement_lsi(record.issue_date, record.doc_type, doc_id),
            created_at=previous.created_at if previous else stamp, updated_at=stamp,
            # upsert saves with the version it read; the save stores it plus one
            version=previous.version + 1 if previous else 1,
        )
        if previous is not None:
            item.pdf_key = previous.pdf_key
        if record.doc_type == "invoice":
            self._invoice_state(item, record, previous)
        for (currency, month), (debit, credit) in documents._month_deltas(previous, record, None).items():
            if debit or credit:
                total = self.months.setdefault((pk, currency, month), [0, 0])
                total[0] += debit
                total[1] += credit
        if record.doc_type in CREDIT_TYPES:
            old = {a["invoice_id"] for a in ((previous.data or {}).get("applied_to") or [])} if previous else set()
            new = dict(record.applied_to)
            for invoice_id in old - set(new):
                self.allocations.get((pk, invoice_id), {}).pop(keys.allocation_sk(invoice_id, record.doc_type, doc_id),
                                                               None)
            for invoice_id, amount in new.items():
                sk = keys.allocation_sk(invoice_id, record.doc_type, doc_id)
                self.allocations.setdefault((pk, invoice_id), {})[sk] = AllocationItem(
                    pk, sk, lsi2sk=keys.allocation_lsi(record.issue_date, invoice_id, record.doc_type, doc_id),
                    invoice_id=invoice_id, doc_type=record.doc_type, doc_id=doc_id, number=record.number,
                    date=record.issue_date, currency=record.currency, amount=amount, created_at=stamp)
        self.docs[key] = item

    def _invoice_state(self, item: BillingDocumentItem, record: DocumentRecord,
                       previous: BillingDocumentItem | None) -> None:
        """As ``documents._set_invoice_state`` with no portal payments: the visible balance is the ERP's."""
        from chalicelib.store import billing

        dates = [a.date for a in self.allocations.get((item.pk, item.doc_id), {}).values()] \
            if previous is not None else []
        item.erp_balance = record.balance
        item.balance = record.balance
        if previous is not None:
            item.checkout_payment_id = previous.checkout_payment_id
            previous_erp = previous.erp_balance if previous.erp_balance is not None else previous.balance
            if previous_erp == record.balance:
                item.proof_received_at = previous.proof_received_at
        billing.set_lsi2(self.tenant, item, previous, dates)

    def items(self) -> Iterator[Any]:
        from chalicelib.store import keys
        from chalicelib.store.models import DocumentIndexItem, MonthTotalItem

        yield from self.docs.values()
        for (doc_type, doc_id), account_id in self.owner.items():
            yield DocumentIndexItem(keys.document_index(self.tenant, doc_type, doc_id), keys.DOC_INDEX_SK,
                                    account_id=account_id)
        for (pk, currency, month), (debit, credit) in self.months.items():
            yield MonthTotalItem(pk, keys.month_total_sk(currency, month), currency=currency, month=month,
                                 debit=debit, credit=credit)
        for allocations in self.allocations.values():
            yield from allocations.values()

    def write(self) -> int:
        from chalicelib.store import db
        from chalicelib.store.models import PorticoItem

        db.ready()
        count = 0
        with PorticoItem.batch_write() as batch:
            for item in self.items():
                batch.save(item)
                count += 1
        return count


def bulk_write(pushes: Sequence[Push], tenant: str = TENANT) -> tuple[int, int]:
    """Writes an account's pushes through :class:`BulkWriter`; returns (documents, items written)."""
    from chalicelib.domain.records import read_document

    writer = BulkWriter(tenant)
    for doc_type, doc_id, body in pushes:
        writer.push(doc_id, read_document(doc_type, body))
    return len(writer.docs), writer.write()


# --- billing at scale: the run ------------------------------------------------------------------------------

_ENVIRONMENT = {  # as tests/conftest.py: nothing can reach real AWS
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
    "PORTICO_STAGE": "test", "PORTICO_TABLE": "portico-bench", "PORTICO_BUCKET": "portico-bench-files",
    "PORTICO_MAIL_FROM": "portal@portico.test", "PORTICO_PORTAL_ORIGIN": "http://portal.test",
    "POWERTOOLS_METRICS_NAMESPACE": "PorticoBench", "POWERTOOLS_LOG_LEVEL": "ERROR",
}


class Meter:
    """While a :meth:`request` block is open: the DynamoDB calls (wrapping botocore's
    ``BaseClient._make_api_call``, as tests/support.py counts them) and the time spent inside moto (its
    ``BotocoreStubber.process_request``: the emulated service, not the Lambda's process).

    With :attr:`replay` set, a Query whose exact request moto already answered gets that answer again without
    moto running: the data does not change while a request is timed, and moto's Query sorts and filters the
    whole table and serializes its items slowly (seconds for a page of 1 MB). The Lambda's side still does all
    of its work (build, sign, parse, deserialize), and every call is still counted.
    """

    def __init__(self) -> None:
        self.operations: list[str] = []
        self.emulator_seconds = 0.0
        self.on = False
        self.replay: dict[tuple[str, bytes], Any] | None = None

    current: Meter | None = None  # the meter the (once installed) wrappers report to
    _installed = False

    def install(self) -> None:
        import botocore.client
        from moto.core.botocore_stubber import BotocoreStubber

        Meter.current = self
        if Meter._installed:
            return
        Meter._installed = True
        make_api_call, process_request = botocore.client.BaseClient._make_api_call, BotocoreStubber.process_request

        def counted(client: Any, operation_name: str, api_params: Any) -> Any:
            meter = Meter.current
            if meter is not None and meter.on and client.meta.service_model.service_name == "dynamodb":
                meter.operations.append(_call_label(operation_name, api_params))
            return make_api_call(client, operation_name, api_params)

        def emulated(stubber: Any, request: Any) -> Any:
            meter = Meter.current
            assert meter is not None
            started = time.perf_counter()
            target = request.headers.get("X-Amz-Target") or b""
            target = target.decode() if isinstance(target, bytes) else target
            body = request.body.encode() if isinstance(request.body, str) else request.body or b""
            key = (target, body) if meter.replay is not None and target.endswith(".Query") else None
            try:
                if key is not None and key in meter.replay:
                    status, headers, content = meter.replay[key]
                    return status, dict(headers), content
                response = process_request(stubber, request)
                if key is not None:
                    meter.replay[key] = response
                return response
            finally:
                if meter.on:
                    meter.emulator_seconds += time.perf_counter() - started

        botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]
        BotocoreStubber.process_request = emulated  # type: ignore[method-assign]

    @contextmanager
    def request(self) -> Iterator[None]:
        self.operations, self.emulator_seconds, self.on = [], 0.0, True
        try:
            yield
        finally:
            self.on = False


def _call_label(operation: str, params: dict[str, Any]) -> str:
    """``Query(lsi1)``, ``Query(table, page 2)``…: which call a request made, for the report."""
    if operation != "Query":
        return operation
    where = params.get("IndexName") or "table"
    return f"Query({where}, next page)" if params.get("ExclusiveStartKey") else f"Query({where})"


@dataclass(frozen=True, slots=True)
class Case:
    label: str
    path: str
    budget: int | None  # DynamoDB calls, auth included; None: reported only
    runs: int = 30  # timed runs after the warm-ups


@dataclass(slots=True)
class Result:
    ms: list[float]  # in-process: wall time minus the time inside moto
    calls: list[tuple[str, ...]]
    rows: str = ""
    moto_ms: float = 0.0  # inside moto, for the first (not replayed) request
    wall_ms: float = 0.0  # that request's wall time
    answer: str = ""  # its body, but for generated_at
    queries: dict[bytes, bytes] = field(default_factory=dict)  # Query request → moto's answer (JSON), as sent

    @property
    def p50(self) -> float:
        return statistics.median(self.ms)

    @property
    def p95(self) -> float:
        return percentile(self.ms, 95)

    @property
    def max_calls(self) -> int:
        return max(len(c) for c in self.calls)


def percentile(values: Sequence[float], p: int) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)]


def _get(client: Any, path: str, token: str) -> Any:
    response = client.http.get(path, headers={"Authorization": f"Bearer {token}"})
    body = json.loads(response.body)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code} {body}")
    return body


def login(client: Any, email: str) -> str:
    response = client.http.post("/v1/auth/login", headers={"Content-Type": "application/json"},
                                body=json.dumps({"tenant": TENANT, "email": email, "password": PASSWORD}))
    if response.status_code != 200:
        raise RuntimeError(f"login: {response.status_code} {response.body!r}")
    return json.loads(response.body)["token"]


def _rows(body: dict[str, Any]) -> str:
    if "invoices" in body:
        return f"{len(body['invoices'])} open"
    return f"{len(body['movements'])} mov, {len(body['pending_documents'])} pend"


def _fresh_session(token: str) -> None:
    """Marks the session just used, as the previous request of an active user would have: a request more than
    2 minutes after the last one adds an UpdateItem (``last_seen_at``), and moto takes a minute for a case."""
    from chalicelib.domain import clock, tokens
    from chalicelib.store import keys
    from chalicelib.store.models import SessionItem

    parts = tokens.parse(token)
    assert parts is not None
    SessionItem(keys.contact(parts.tenant, parts.contact_id), keys.session_sk(parts.token_id)).update(
        actions=[SessionItem.last_seen_at.set(clock.iso(clock.now()))])


def measure(client: Any, meter: Meter, case: Case, token: str) -> Result:
    """3 warm-ups (the first one through moto, timed apart), then ``case.runs`` timed requests."""
    _fresh_session(token)
    result = Result([], [])
    meter.replay = {}
    try:
        for warm_up in range(WARM_UPS):
            with meter.request():
                started = time.perf_counter()
                body = _get(client, case.path, token)
                elapsed = time.perf_counter() - started
            result.calls.append(tuple(meter.operations))
            if warm_up == 0:
                result.rows, result.wall_ms, result.moto_ms = _rows(body), elapsed * 1000, meter.emulator_seconds * 1000
                result.answer = json.dumps({k: v for k, v in body.items() if k != "generated_at"}, sort_keys=True)
        for _ in range(case.runs):
            with meter.request():
                started = time.perf_counter()
                _get(client, case.path, token)
                elapsed = time.perf_counter() - started
            result.ms.append((elapsed - meter.emulator_seconds) * 1000)
            result.calls.append(tuple(meter.operations))
        result.queries = {request: _query_body(answer) for (_, request), answer in meter.replay.items()}
    finally:
        meter.replay = None
    return result


def _query_body(answer: Any) -> bytes:
    """A Query's answer without ScannedCount (moto counts what it scanned of the whole table)."""
    _, _, body = answer
    parsed = json.loads(body)
    parsed.pop("ScannedCount", None)
    return json.dumps(parsed, sort_keys=True).encode()


def cases(today: date) -> list[Case]:
    past = date(today.year - 1, today.month, 1)
    return [
        Case("receivables", "/v1/portal/receivables", 2),
        Case(f"statement {today:%Y-%m} (this month)", f"/v1/portal/statement?year={today:%Y}&period={today:%m}", 4),
        Case(f"statement {past:%Y-%m} (past month)", f"/v1/portal/statement?year={past:%Y}&period={past:%m}", 5,
             HEAVY_RUNS),
        Case(f"statement {today:%Y} (whole year)", f"/v1/portal/statement?year={today:%Y}", None, HEAVY_RUNS),
    ]


def _principal(account_id: str) -> Any:
    from chalicelib.domain.access import ModuleGrant, Principal

    return Principal(tenant=TENANT, account_id=account_id, contact_id="-", session_id="-", timezone=TIMEZONE,
                     modules={"billing": ModuleGrant(scope="account", actions=frozenset({"view"}))})


def _account(tenant: Any, account_id: str, contacts: Sequence[str] = ()) -> None:
    from chalicelib.services import accounts
    from chalicelib.services import contacts as contacts_service

    accounts.upsert_account(TENANT, account_id, {
        "name": f"Cliente {account_id} S.A.S.", "tax_id": "900123456-8", "tax_id_type": "NIT", "currency": "COP",
        "city": "Bogotá", "account_executive": {"name": "Laura Restrepo", "email": "laura@andina.example.com"},
    })
    for contact_id in contacts:
        contacts_service.upsert_contact(TENANT, contact_id, {"account_id": account_id, "name": f"Persona {contact_id}"})


def _snapshot(account_id: str, pushes: Sequence[Push], today: date) -> str:
    """Everything a check compares, with the account's name (in ids) and the clock's stamps taken out."""
    from chalicelib.domain.billing import Period, invoice_row
    from chalicelib.store import billing, keys
    from chalicelib.store.models import DocumentIndexItem, PorticoItem

    stored = [{k: v for k, v in item.attribute_values.items() if k not in ("created_at", "updated_at")}
              | {"kind": type(item).__name__}
              for item in PorticoItem.query(keys.account(TENANT, account_id), consistent_read=True)]
    stored += [DocumentIndexItem.get(keys.document_index(TENANT, t, i), keys.DOC_INDEX_SK).attribute_values
               for t, i in sorted({(t, i) for t, i, _ in pushes})]
    principal = _principal(account_id)
    answers: list[Any] = [[invoice_row(i, today) for i in billing.open_invoices(principal)]]

    def month(first: date) -> Period:
        return Period(first, (first + timedelta(days=31)).replace(day=1) - timedelta(days=1))

    this_month = today.replace(day=1)
    for period in (month(this_month), month((this_month - timedelta(days=80)).replace(day=1)),
                   Period(date(today.year, 1, 1), date(today.year, 12, 31))):
        answer = billing.statement(principal, period, None, default_currency="COP")
        answers.append({k: v for k, v in answer.items() if k != "generated_at"})
    return json.dumps({"items": stored, "answers": answers}, sort_keys=True, default=str).replace(account_id, "@")


def check_bulk_writer(tenant: Any, today: date) -> str:
    """Pushes one history through ``documents.upsert`` and the same through :class:`BulkWriter` into another
    account; both accounts must hold the same items and answer the same. Returns a one-line summary."""
    from chalicelib.domain.records import read_document
    from chalicelib.store import documents

    snapshots = []
    for account_id in ("sample-upsert", "sample-bulk"):
        contacts = (f"{account_id}-c1", f"{account_id}-c2")
        _account(tenant, account_id, contacts)
        pushes = history(account_id, SAMPLE_MIX, first=today - timedelta(days=200), last=today, seed=7,
                         contacts=contacts)
        if account_id == "sample-upsert":
            for doc_type, doc_id, body in pushes:
                documents.upsert(TENANT, doc_id, read_document(doc_type, body))
        else:
            bulk_write(pushes)
        snapshots.append(_snapshot(account_id, pushes, today))
    if snapshots[0] != snapshots[1]:
        first_difference = next(i for i, (a, b) in enumerate(zip(*snapshots, strict=False)) if a != b)
        raise SystemExit("BulkWriter does not write what documents.upsert writes; first difference near:\n"
                         f"  upsert: …{snapshots[0][first_difference - 150: first_difference + 150]}…\n"
                         f"  bulk:   …{snapshots[1][first_difference - 150: first_difference + 150]}…")
    items = json.loads(snapshots[0])["items"]
    return (f"BulkWriter = documents.upsert on a {len(pushes)}-push sample ({SAMPLE_MIX.documents} documents, "
            f"{len(items)} items, receivables and 3 statements identical)")


@contextmanager
def sandbox() -> Iterator[Any]:
    """moto in process, the table, bucket and mail sender, and the chalice test client."""
    saved = dict(os.environ)
    os.environ.update(_ENVIRONMENT)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(name, None)
    from moto import mock_aws  # imported before the app, as moto asks

    from chalicelib.config import reset_settings

    try:
        with mock_aws():
            reset_settings()
            from chalice.test import Client

            from app import app
            from chalicelib.store import db

            db.create_resources()
            with Client(app) as client:
                yield client
    finally:
        reset_settings()
        os.environ.clear()
        os.environ.update(saved)


def _step(label: str, action: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = action()
    print(f"  {label}: {time.perf_counter() - started:.1f} s" + (f" — {result}" if isinstance(result, str) else ""))
    return result


def _portal_user(tenant: Any, today: date) -> None:
    """Account ``big`` with contacts ana (portal, billing for the whole account) and bruno."""
    from chalicelib.services import contacts

    _account(tenant, BIG, ("bruno",))
    portal = {"enabled": True, "start_date": (today - timedelta(days=30)).isoformat(),
              "end_date": (today + timedelta(days=365)).isoformat(),
              "modules": {"billing": {"scope": "account", "actions": ["view", "download", "comment"]}}}
    contacts.upsert_contact(TENANT, "ana", {"account_id": BIG, "name": "Ana Gómez", "email": EMAIL, "portal": portal})
    contacts.set_password_directly(TENANT, "ana", PASSWORD)


def _seed_big(today: date) -> str:
    pushes = history(BIG, BIG_MIX, first=today - timedelta(days=365 * YEARS), last=today, seed=SEED,
                     contacts=("ana", "bruno"))
    documents, items = bulk_write(pushes)
    final = {(t, i): b for t, i, b in pushes}
    kinds = {t: sum(1 for k in final if k[0] == t) for t in ("invoice", "credit_note", "debit_note", "receipt")}
    open_count = sum(1 for (t, _), b in final.items() if t == "invoice" and b["balance"] > 0)
    return (f"{documents:,} documents ({', '.join(f'{n:,} {t}s' for t, n in kinds.items())}; {open_count} invoices "
            f"open) from {len(pushes):,} pushes, {items:,} items")


def _seed_small(tenant: Any, today: date) -> str:
    documents = items = 0
    for n in range(1, SMALL_ACCOUNTS + 1):
        account_id = f"acc-{n:03d}"
        _account(tenant, account_id)
        pushes = history(account_id, SMALL_MIX, first=today - timedelta(days=365 * YEARS), last=today,
                         seed=SEED + n, contacts=(None,))
        d, i = bulk_write(pushes)
        documents, items = documents + d, items + i
    return f"{SMALL_ACCOUNTS} accounts, {documents:,} documents, {items:,} items"


def _settle() -> None:
    """Prints the table's size and takes moto's objects out of the garbage collector's way: the emulated table
    (millions of objects) lives in this process, a Lambda's heap does not hold the database."""
    import gc

    print(f"  table: {_table_items():,} items")
    gc.collect()
    gc.freeze()


def _table_items() -> int:
    from chalicelib.store import db

    return db.client("dynamodb").describe_table(TableName=_ENVIRONMENT["PORTICO_TABLE"])["Table"]["ItemCount"]


def report(plan: list[Case], one: list[Result], hundred: list[Result]) -> list[str]:
    """Prints the table; returns the budgets exceeded."""
    print(f"\n  in-process ms = the request's wall time through the chalice test client minus the time inside moto;"
          f"\n  p50/p95 over n runs after {WARM_UPS} warm-ups (Query answers replayed, see Meter);"
          "\n  moto ms = time inside moto for the first warm-up (not replayed); calls = DynamoDB calls per request,"
          "\n  the auth BatchGetItem included (the most any run made); same data = the same Query requests got the same"
          "\n  items from moto with 1 and with 100 accounts, and the response bodies are equal")
    head = (f"  {'request':<31} {'rows':<19} {'calls':>5} {'budget':>6} {'n':>3} │ {'1 account':^20} │ "
            f"{'100 accounts':^20} │ {'ratio 100/1':^13} │ same")
    print(head)
    print(f"  {'':<31} {'':<19} {'':>5} {'':>6} {'':>3} │ {'p50':>5} {'p95':>5} {'moto':>8} │ {'p50':>5} {'p95':>5} "
          f"{'moto':>8} │ {'p50':>5} {'moto':>7} │ data")
    print("  " + "─" * (len(head) - 2))
    failures = []
    for case, a, b in zip(plan, one, hundred, strict=True):
        calls = max(a.max_calls, b.max_calls)
        budget = "-" if case.budget is None else str(case.budget)
        over = case.budget is not None and calls > case.budget
        same = a.answer == b.answer and a.queries == b.queries
        print(f"  {case.label:<31} {a.rows:<19} {calls:>5} {budget:>5}{'!' if over else ' '} {case.runs:>3} │ "
              f"{a.p50:>5.0f} {a.p95:>5.0f} {a.moto_ms:>8,.0f} │ {b.p50:>5.0f} {b.p95:>5.0f} {b.moto_ms:>8,.0f} │ "
              f"{b.p50 / a.p50:>5.2f} {b.moto_ms / a.moto_ms:>7.2f} │ {'yes' if same else 'NO'}")
        if over:
            failures.append(f"{case.label}: {calls} DynamoDB calls > {case.budget}")
    print("\n  calls made (every distinct sequence seen):")
    for case, a, b in zip(plan, one, hundred, strict=True):
        for sequence in sorted(set(a.calls) | set(b.calls)):
            print(f"    {case.label:<31} {len(sequence)}: {', '.join(sequence)}")
    return failures


def billing_at_scale() -> int:
    started = time.perf_counter()
    print(f"billing at scale (moto in process, tenant {TENANT!r}):")
    with sandbox() as client:
        from chalicelib.domain import clock
        from chalicelib.domain.access import MODULES
        from chalicelib.services import tenants

        today = clock.today(TIMEZONE)
        tenant = tenants.create_tenant(TENANT, name="Bench S.A.S.", timezone=TIMEZONE, portal_url="http://portal.test",
                                       currency="COP", modules=frozenset(MODULES))
        _step("check of the bulk writer", lambda: check_bulk_writer(tenant, today))
        _portal_user(tenant, today)
        token = login(client, EMAIL)  # while the table is small: moto's transactions copy the whole table
        _step(f"account {BIG!r}", lambda: _seed_big(today))
        meter = Meter()
        meter.install()
        plan = cases(today)
        _settle()
        one = _step("measure with 1 big account", lambda: [measure(client, meter, c, token) for c in plan])
        _step("add the other accounts", lambda: _seed_small(tenant, today))
        _settle()
        hundred = _step("measure with 100 accounts", lambda: [measure(client, meter, c, token) for c in plan])
    failures = report(plan, one, hundred)
    print(f"\n  billing bench: {time.perf_counter() - started:.0f} s")
    for failure in failures:
        print(f"BUDGET EXCEEDED: {failure}", file=sys.stderr)
    return 1 if failures else 0


RECONCILE_PAYMENTS = 10_000


@contextmanager
def gateway_sandbox() -> Iterator[str]:
    """The local gateway sandbox (devtools.sandbox) on a free port in this process; yields its URL."""
    from werkzeug.serving import make_server

    from devtools.sandbox import create_sandbox

    server = make_server("127.0.0.1", 0, create_sandbox(aws_url="http://127.0.0.1:9"), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="bench-gateways", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def reconciler_at_scale(count: int = RECONCILE_PAYMENTS) -> int:
    """The reconciler over ``count`` live payments due now, half PayU and half Zona Virtual, asking the
    sandbox over HTTP (it knows none of them yet: each check is a full gateway round trip and a timeline
    write). Reports payments checked per minute and DynamoDB calls per payment."""
    from chalicelib.domain import clock
    from chalicelib.services import gateways, reconciler
    from chalicelib.store import keys, tenants
    from chalicelib.store.models import PaymentItem, PaymentReferenceItem

    print(f"\nreconciler ({count:,} live payments, sandbox over HTTP):")
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    limits = reconciler.REQUESTS_PER_SECOND
    # Our side's throughput: the sandbox is not PayU, so the per-gateway limits are lifted here (with them,
    # a run checks at most (10 + 5) × 60 = 900 payments a minute).
    reconciler.REQUESTS_PER_SECOND = {name: 10_000.0 for name in limits}
    with gateway_sandbox() as url:
        os.environ.update({"PORTICO_PAYU_REPORTS_URL": f"{url}/payu/reports-api/4.0/service.cgi",
                           "PORTICO_ZONAVIRTUAL_URL": f"{url}/zonavirtual/Apis_CicloPago/api"})
        with sandbox():
            tenants.create("recon", name="Reconcile S.A.S.", timezone="America/Bogota",
                           portal_url="http://portal.test", currency="COP", modules=frozenset({"payments"}))
            gateways.configure("recon", "payu", {"merchant_id": "508029", "account_id": "512321",
                                                 "api_key": "4Vj8eK4rloUd272L48hsrarnUA",
                                                 "api_login": "pRRXKOl8ikMmt9u", "test": True})
            gateways.configure("recon", "zonavirtual", {"commerce_id": "31685", "user": "PorticoDemo",
                                                        "password": "PorticoDemo2026", "test": True})
            now = clock.now()
            stamp, due = clock.iso(now - timedelta(minutes=10)), clock.iso(now - timedelta(minutes=1))

            def write() -> str:
                with PaymentItem.batch_write() as batch:
                    for n in range(count):
                        payment_id, reference = f"pay_bench{n:06d}", f"recon-bench-{n:06d}"
                        account = f"acc-{n % 100}"
                        batch.save(PaymentItem(
                            keys.account("recon", account), keys.payment_sk(payment_id), payment_id=payment_id,
                            reference=reference, gateway=("payu", "zonavirtual")[n % 2], account_id=account,
                            contact_id="c-1", status="created", amount=100_000_00, currency="COP",
                            items=[{"invoice_id": f"fv-{n}", "number": f"FV-{n}", "amount": 100_000_00}],
                            timeline=[], next_check_at=due, gsi2pk=keys.RECONCILE_QUEUE,
                            gsi2sk=keys.reconcile_sk(due, "recon", payment_id), created_at=stamp,
                            updated_at=stamp))
                        batch.save(PaymentReferenceItem(keys.payment_reference("recon", reference),
                                                        keys.PAYMENT_REFERENCE_SK, account_id=account,
                                                        payment_id=payment_id))
                return f"{count:,} payments"

            _step("write", write)
            meter = Meter()
            meter.install()
            started = time.perf_counter()
            with meter.request():
                result = reconciler.reconcile_due(limit=count)
            elapsed = time.perf_counter() - started
            calls = Counter(op.split("(")[0] for op in meter.operations)
    reconciler.REQUESTS_PER_SECOND = limits
    per_minute = result["checked"] / elapsed * 60 if elapsed else 0.0
    print(f"  run: {elapsed:.1f} s — checked {result['checked']:,}, changed {result['changed']:,}, "
          f"errors {result['errors']:,}")
    print(f"  {per_minute:,.0f} payments checked per minute (moto and the sandbox in this process, "
          f"concurrency {reconciler.CONCURRENCY})")
    total = sum(calls.values())
    print(f"  DynamoDB calls: {total:,} = {total / max(1, result['checked']):.2f} per payment "
          f"({', '.join(f'{op} {n:,}' for op, n in sorted(calls.items()))})")
    return 0 if result["checked"] == count and result["errors"] == 0 else 1


KB_ARTICLES = 2_000
KB_BUDGET = 3  # the session's BatchGetItem + the index partition's Query pages (2 at 2,000 articles)
KB_QUERIES = ("factura electrónica", "FACTURACION", "garantia herramienta", "devolución de mercancía", "envi",
              "pago con tarjeta de crédito", "contraseña")
_KB_WORDS = ("factura electrónica pago tarjeta crédito débito transferencia consignación garantía herramienta "
             "taladro pulidora devolución mercancía envío despacho pedido guía transportadora contraseña usuario "
             "portal cartera estado cuenta saldo nota crédito débito retención impuesto IVA DIAN soporte caso "
             "cliente proveedor bodega inventario catálogo precio descuento cotización orden compra entrega "
             "horario sede Bogotá Medellín Cali reclamo cambio repuesto manual instalación mantenimiento").split()


def _kb_article(rng: random.Random, n: int) -> Any:
    from chalicelib.domain.knowledge import Article

    title = " ".join(rng.choice(_KB_WORDS) for _ in range(rng.randint(4, 8))).capitalize()
    body = " ".join(rng.choice(_KB_WORDS) for _ in range(rng.randint(150, 400)))
    return Article(title=f"{title} {n}", body_markdown=f"## {title}\n\n{body}", category=f"cat-{n % 12}",
                   tags=(rng.choice(_KB_WORDS), rng.choice(_KB_WORDS)), audience={}, published=True)


def kb_search() -> int:
    started = time.perf_counter()
    print(f"knowledge-base search over {KB_ARTICLES:,} articles (moto in process):")
    with sandbox() as client:
        from chalicelib.domain import clock
        from chalicelib.services import contacts, tenants
        from chalicelib.store import knowledge as stored
        from chalicelib.store.models import PorticoItem

        today = clock.today(TIMEZONE)
        tenants.create_tenant(TENANT, name="Bench S.A.S.", timezone=TIMEZONE, portal_url="http://portal.test",
                              currency="COP", modules=frozenset({"knowledge"}))
        _account(None, BIG)
        contacts.upsert_contact(TENANT, "ana", {"account_id": BIG, "name": "Ana", "email": EMAIL, "portal": {
            "enabled": True, "start_date": (today - timedelta(days=1)).isoformat(),
            "end_date": (today + timedelta(days=30)).isoformat(), "modules": {"knowledge": {"scope": "account"}}}})
        contacts.set_password_directly(TENANT, "ana", PASSWORD)
        token = login(client, EMAIL)
        rng = random.Random(SEED)
        stamp = clock.iso(clock.now())

        def write() -> str:
            size = 0
            with PorticoItem.batch_write() as batch:
                for n in range(KB_ARTICLES):
                    item, entry = stored.article_items(TENANT, f"kb-{n:04d}", _kb_article(rng, n), None, stamp)
                    batch.save(item)
                    batch.save(entry)
                    size += len(json.dumps(entry.serialize()))
            return f"index entries {size / KB_ARTICLES:.0f} bytes each, {size / 1e6:.2f} MB in all"

        _step(f"{KB_ARTICLES:,} articles", write)
        meter = Meter()
        meter.install()
        failures = []
        for text in KB_QUERIES:
            case = Case(f"q={text}", f"/v1/portal/kb?q={text.replace(' ', '+')}", KB_BUDGET)
            _fresh_session(token)
            meter.replay = {}
            times, calls = [], []
            found = 0
            for run in range(RUNS + 1):
                with meter.request():
                    begun = time.perf_counter()
                    body = _get(client, case.path, token)
                    elapsed = time.perf_counter() - begun
                if run:
                    times.append((elapsed - meter.emulator_seconds) * 1000)
                calls.append(len(meter.operations))
                found = len(body["items"])
            meter.replay = None
            p50, p95 = percentile(times, 50), percentile(times, 95)
            print(f"  {case.label!r}: {found} results, p50 {p50:.0f} ms, p95 {p95:.0f} ms, {max(calls)} DynamoDB "
                  f"calls ({', '.join(meter.operations)})")
            if case.budget is not None and max(calls) > case.budget:
                failures.append(f"{case.label}: {max(calls)} calls > {case.budget}")
    print(f"\n  kb bench: {time.perf_counter() - started:.0f} s")
    for failure in failures:
        print(f"BUDGET EXCEEDED: {failure}", file=sys.stderr)
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("startup", "billing", "reconciler", "sales", "kb"))
    parser.add_argument("--payments", type=int, default=RECONCILE_PAYMENTS, help="payments for the reconciler")
    args = parser.parse_args()
    if args.only in (None, "startup"):
        startup()
    status = 0
    if args.only in (None, "billing"):
        status |= billing_at_scale()
    if args.only in (None, "reconciler"):
        status |= reconciler_at_scale(args.payments)
    if args.only in (None, "sales"):
        from devtools.bench_sales import catalog_at_scale  # the sales bench (issue 13), its own module

        status |= catalog_at_scale()
    if args.only in (None, "kb"):
        status |= kb_search()
    return status


if __name__ == "__main__":
    sys.exit(main())
