"""Payment reminders (issue 11, point 14): the daily run, the tenant's schedule, the contact's switch and the mailed
one-click opt-out.

The run, per tenant whose schedule is on and whose billing module is enabled: every account the integrator left
reminders on for, its open invoices that reach a step today (:mod:`chalicelib.domain.reminders`), and for each
contact with billing in a live grant who has not opted out, ONE mail naming the invoices they see. Before the mail
goes out, a marker per (contact, invoice, due date, step) is put — each only if absent — in the same transaction as
the ``reminder.sent`` event and the mail's opt-out token, so a rerun, a retry or a second run at the same time
mails nothing twice.

A mail that SES refuses after that commit is not sent again: a reminder goes out at most once (the next step
reminds). The failure is logged, counted (``ReminderMailFailures``) and the run's result says how many; the event
still stands for what was decided, like the receipt mail of an approved payment.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from chalicelib.domain import clock, mail, tokens
from chalicelib.domain import reminders as rules
from chalicelib.domain.access import Grant
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.observability import get_logger, get_metrics
from chalicelib.store import accounts, events, mailer, tenants
from chalicelib.store import reminders as stored

if TYPE_CHECKING:
    from datetime import date

    from chalicelib.store.models import AccountItem, BillingDocumentItem, ContactItem
    from chalicelib.store.sessions import Context
    from chalicelib.store.tenants import Tenant

MAILS_PER_SECOND = 10.0  # below SES's usual sending rate (14/s), so a big run is not throttled into failures
SEND_ATTEMPTS = 3  # a concurrent run may take some of a mail's invoices first: decide again with the rest
_BAD_LINK = "This link to stop payment reminders is not valid or has expired. Turn them off in the portal instead."


@dataclass
class RunStats:
    tenants: int = 0
    accounts: int = 0
    mails: int = 0
    invoices: int = 0
    already_sent: int = 0
    mail_failures: int = 0
    errors: int = 0

    def to_json(self) -> dict[str, int]:
        return {"tenants": self.tenants, "accounts": self.accounts, "mails": self.mails, "invoices": self.invoices,
                "already_sent": self.already_sent, "mail_failures": self.mail_failures, "errors": self.errors}


@dataclass
class Pace:
    """At most ``rate`` mails a second."""

    rate: float
    next_at: float = field(default=0.0)

    def wait(self) -> None:
        now = time.monotonic()
        if self.next_at > now:
            time.sleep(self.next_at - now)
        self.next_at = max(now, self.next_at) + 1.0 / self.rate


# --- the daily run --------------------------------------------------------------------------------------------

def send_due(*, tenant: str | None = None) -> dict[str, int]:
    """One run for every tenant (or only ``tenant``: 404 when unknown); returns and emits how many mails went
    out. One tenant's or account's failure is logged and counted, never stops the others."""
    stats = RunStats()
    pace = Pace(MAILS_PER_SECOND)
    for item in [tenants.get(tenant)] if tenant else stored.all_tenants():
        try:
            _run_tenant(item, stats, pace)
        except Exception:  # one tenant's failure never stops the run
            get_logger().exception("reminder run failed for a tenant", extra={"tenant": item.slug})
            stats.errors += 1
    metrics = get_metrics()
    for name, value in (("RemindersSent", stats.mails), ("ReminderMailFailures", stats.mail_failures),
                        ("ReminderErrors", stats.errors)):
        metrics.add_metric(name=name, unit="Count", value=value)
    metrics.flush_metrics()
    result = stats.to_json()
    get_logger().info("reminder run", extra=result)
    return result


def _run_tenant(tenant: Tenant, stats: RunStats, pace: Pace) -> None:
    schedule = rules.Schedule.from_json(tenant.reminders)
    if not schedule.enabled or "billing" not in tenant.modules:
        return
    stats.tenants += 1
    today = clock.today(tenant.timezone)
    due_dates = [d.isoformat() for d in schedule.due_dates(today)]
    for account in stored.accounts(tenant.slug):
        if not rules.account_allows(account.data):
            continue
        stats.accounts += 1
        try:
            _run_account(tenant, account, schedule=schedule, today=today, due_dates=due_dates, stats=stats,
                         pace=pace)
        except Exception:  # one account's failure never stops the tenant's run
            get_logger().exception("reminder run failed for an account",
                                   extra={"tenant": tenant.slug, "account": account.account_id})
            stats.errors += 1


def _open_invoice(item: BillingDocumentItem, live: set[str]) -> rules.OpenInvoice:
    return rules.OpenInvoice(invoice_id=item.doc_id, number=item.number, due_date=item.due_date or "",
                             balance=int(item.balance or 0), currency=item.currency, contact_id=item.contact_id,
                             in_live_checkout=bool(item.checkout_payment_id) and item.checkout_payment_id in live,
                             proof_received=bool(item.proof_received_at))


def _run_account(tenant: Tenant, account: AccountItem, *, schedule: rules.Schedule, today: date,
                 due_dates: list[str], stats: RunStats, pace: Pace) -> None:
    slug, account_id = tenant.slug, account.account_id
    items = stored.due_invoices(slug, account_id, due_dates)
    if not items:
        return
    locks = {i.checkout_payment_id for i in items if i.checkout_payment_id}
    live = stored.live_payments(slug, account_id, locks) if locks else set()
    due = rules.due_invoices([_open_invoice(i, live) for i in items], schedule=schedule, today=today)
    if not due:
        return
    recipients: list[tuple[ContactItem, Grant, list[rules.DueInvoice]]] = []
    for contact in stored.contacts(slug, account_id):
        if not contact.email or contact.reminders_opted_out_at:
            continue
        grant = Grant.from_json(contact.portal)
        lines = rules.visible_to(due, contact_id=contact.contact_id,
                                 scope=rules.billing_scope(grant, tenant.modules, today))
        if lines:
            recipients.append((contact, grant, lines))
    if not recipients:
        return
    sent = stored.already_sent([stored.marker_key(slug, c.contact_id, line) for c, _, lines in recipients
                                for line in lines])
    for contact, grant, lines in recipients:
        fresh = [line for line in lines if stored.marker_key(slug, contact.contact_id, line) not in sent]
        stats.already_sent += len(lines) - len(fresh)
        for batch in rules.batches(fresh):
            _remind(tenant, account, contact=contact, grant=grant, lines=batch, today=today, stats=stats, pace=pace)


def _remind(tenant: Tenant, account: AccountItem, *, contact: ContactItem, grant: Grant,
            lines: list[rules.DueInvoice], today: date, stats: RunStats, pace: Pace) -> None:
    """Commits the markers, the opt-out token and the event of one mail, then sends it."""
    slug = tenant.slug
    for _ in range(SEND_ATTEMPTS):
        now = clock.now()
        token, opt_out = stored.new_opt_out(slug, contact.contact_id, now=now,
                                            expires=now + timedelta(days=rules.OPT_OUT_DAYS))
        markers = [stored.new_marker(slug, contact.contact_id, line, day=today.isoformat(), now=now)
                   for line in lines]
        data = {"contact_id": contact.contact_id, "email": contact.email, "date": today.isoformat(),
                "steps": sorted({line.step for line in lines}), "invoices": [line.to_json() for line in lines],
                "totals": [{"currency": c, "balance": b} for c, b in rules.totals(lines)]}
        try:
            events.append(slug, "reminder.sent", account_id=account.account_id, contact_id=contact.contact_id,
                          data=data, writes=stored.sent_writes(markers, opt_out))
            break
        except Conflict:
            # Another run put some of these markers first: what it took is sent; decide again with the rest.
            taken = stored.already_sent([stored.marker_key(slug, contact.contact_id, line) for line in lines])
            stats.already_sent += len(taken)
            lines = [line for line in lines if stored.marker_key(slug, contact.contact_id, line) not in taken]
            if not lines:
                return
    else:
        raise Conflict("The reminder could not be recorded; the next run tries again.", code="busy")
    message = _compose(tenant, account, contact=contact, grant=grant, lines=lines, token=token)
    pace.wait()
    if mailer.deliver(message, sender_name=tenant.name):
        stats.mails += 1
        stats.invoices += len(lines)
    else:  # at most once: the markers stand, the next step reminds (module docstring)
        stats.mail_failures += 1
        get_logger().error("reminder mail not sent", extra={"tenant": slug, "contact": contact.contact_id})


def _compose(tenant: Tenant, account: AccountItem, *, contact: ContactItem, grant: Grant,
             lines: list[rules.DueInvoice], token: str) -> mail.Mail:
    """The mail; its button pays the invoices the contact may pay online, else opens their receivables."""
    scope = rules.payments_scope(grant, tenant.modules)
    payable = [line.invoice_id for line in rules.visible_to(lines, contact_id=contact.contact_id, scope=scope)]
    link = mail.payment_link(tenant.portal_url, payable) if payable else mail.receivables_link(tenant.portal_url)
    return mail.payment_reminder(
        to=contact.email or "", tenant=tenant.name, logo_url=tenant.branding.get("logo_url"), name=contact.name,
        account=(account.data or {}).get("name") or account.account_id, lines=lines, link=link,
        can_pay=bool(payable), opt_out_link=mail.reminder_opt_out_link(tenant.portal_url, token),
        language=contact.language)


# --- the tenant's schedule (``portico tenant reminders``) ---------------------------------------------------------

def schedule_of(slug: str) -> rules.Schedule:
    return rules.Schedule.from_json(tenants.get(slug).reminders)


def set_schedule(slug: str, *, offsets: tuple[int, ...] | None = None, enabled: bool | None = None) -> rules.Schedule:
    """Changes the tenant's steps (``offsets``, already validated: :func:`rules.parse_offsets`) and/or switches
    reminders on or off; the steps are kept while off. 404 for an unknown tenant."""
    current = schedule_of(slug)
    schedule = rules.Schedule(enabled=current.enabled if enabled is None else enabled,
                              offsets=offsets or current.offsets)
    tenants.update(slug, reminders=schedule.to_json())
    return schedule


# --- the contact's switch (``/v1/me/preferences``) and the mailed opt-out -----------------------------------------

@dataclass(frozen=True, slots=True)
class Preferences:
    """The contact's own choice, and whether (and when) reminders reach them at all."""

    reminders: bool
    active: bool  # the tenant's schedule is on, the integrator left the account's on, the contact has billing
    schedule: rules.Schedule


def preferences(context: Context) -> Preferences:
    """The signed-in contact's reminder switch (one GetItem: the account's flag)."""
    account = accounts.load(context.principal.tenant, context.principal.account_id)
    schedule = rules.Schedule.from_json(context.tenant.reminders)
    active = schedule.enabled and "billing" in context.principal.modules \
        and rules.account_allows(account.data if account else None)
    return Preferences(reminders=not context.contact.reminders_opted_out_at, active=active, schedule=schedule)


def set_preferences(context: Context, *, reminders: bool) -> Preferences:
    """Turns the contact's reminders on or off (an UpdateItem only when it changes)."""
    contact = context.contact
    if reminders == bool(contact.reminders_opted_out_at):
        stored.set_reminders(contact, receive=reminders, now=clock.now())
    return preferences(context)


@dataclass(frozen=True, slots=True)
class OptedOut:
    tenant: Tenant
    email: str | None


def opt_out(token: str) -> OptedOut:
    """What the mail's one-click link does once its page is confirmed: the contact gets no more reminders.
    Idempotent while the link lasts (90 days); 404 ``opt_out_link_invalid`` for an unknown, forged or expired
    link. One BatchGetItem, plus an UpdateItem the first time."""
    parts = tokens.parse(token)
    invalid = NotFound(_BAD_LINK, code="opt_out_link_invalid")
    if parts is None:
        raise invalid
    item, contact, tenant = stored.opt_out_records(parts)
    if item is None or contact is None or tenant is None or not tokens.matches(parts, item.secret_hash) \
            or clock.parse_iso(item.expires_at) <= clock.now():
        raise invalid
    if not contact.reminders_opted_out_at:
        stored.set_reminders(contact, receive=False, now=clock.now())
    return OptedOut(tenant=tenant, email=contact.email)

