"""Carts and orders (modules ``catalog`` and ``orders``): the cart kept per contact and priced on every read, an
order placed from it with prices frozen (``Idempotency-Key``, guardrails, one transaction with ``order.placed``,
then mail), the contact's orders with their timeline, cancel while ``received``, reorder; and the integrator moving
an order along its states (each change mailed to the contact and on the timeline).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.domain import billing as billing_rules
from chalicelib.domain import clock, mail
from chalicelib.domain import sales as rules
from chalicelib.domain.access import Principal
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.money import format_money
from chalicelib.observability import get_logger
from chalicelib.services import catalog
from chalicelib.store import accounts, contacts, idempotency, keys, mailer, tenants
from chalicelib.store import sales as stored

if TYPE_CHECKING:
    from chalicelib.store.models import AccountItem, CartItem
    from chalicelib.store.models import OrderItem as OrderItem
    from chalicelib.store.sessions import Context
    from chalicelib.store.tenants import Tenant


# --- the cart -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Cart:
    lines: list[rules.PricedLine]
    totals: rules.Totals
    rev: int
    updated_at: str | None

    @property
    def orderable(self) -> bool:
        return bool(self.lines) and all(line.available for line in self.lines)


def _priced_cart(context: Context, item: CartItem | None, account: AccountItem | None, purchased: set[str] | None
                 ) -> Cart:
    principal = context.principal
    ctx = catalog.price_context(context.tenant, account, principal)
    lines = [(str(sku), int(qty)) for sku, qty in (item.lines if item else [])]
    found = stored.products(principal.tenant, [sku for sku, _ in lines]) if lines else {}
    visible = catalog.visible_skus(context, purchased)
    priced = [rules.price_line(sku, qty, catalog.product_view(found[sku]) if sku in found else None, ctx,
                               visible=visible is None or sku in visible) for sku, qty in lines]
    return Cart(priced, rules.totals([line.to_json() for line in priced], ctx.currency),
                int(item.rev) if item else 0, item.updated_at if item else None)


def _read_cart(context: Context) -> tuple[Cart, CartItem | None, AccountItem | None]:
    """1 BatchGetItem (cart, account, purchased SKUs) + 1 BatchGetItem (the cart's products)."""
    account, purchased, item = stored.account_and_purchased(context.principal, with_purchased=True, with_cart=True)
    return _priced_cart(context, item, account, purchased), item, account


def get_cart(context: Context) -> Cart:
    return _read_cart(context)[0]


def put_cart(context: Context, body: Any) -> Cart:
    """Replaces the cart with ``lines`` (each SKU once) and answers it priced; 409 ``cart_changed`` when
    ``rev`` is sent and another device changed the cart since."""
    lines = rules.read_cart({k: v for k, v in body.items() if k != "rev"} if isinstance(body, dict) else body)
    expected = body.get("rev") if isinstance(body, dict) else None
    account, purchased, item = stored.account_and_purchased(context.principal, with_purchased=True, with_cart=True)
    if expected is not None and (isinstance(expected, bool) or not isinstance(expected, int)):
        raise ValidationFailed({"rev": "must be the cart's rev as last read"})
    if expected is not None and expected != (int(item.rev) if item else 0):
        raise Conflict("The cart changed on another device; read it again.", code="cart_changed")
    saved = stored.save_cart(context.principal, lines, item)
    return _priced_cart(context, saved, account, purchased)


# --- placing an order -------------------------------------------------------------------------------------------------

def _guardrails(context: Context, account: AccountItem | None, total: int, currency: str) -> None:
    """The tenant's order guardrails, when on: 409 ``orders_blocked_overdue`` with an invoice overdue more than N
    days, 409 ``credit_limit_exceeded`` when open balance + order > credit limit (in the account's currency)."""
    settings = rules.sales_settings(context.tenant.sales)
    max_days, check_credit = settings["max_overdue_days"], settings["credit_limit_check"]
    limit = (account.data if account else {}).get("credit_limit")
    if max_days is None and not (check_credit and limit is not None):
        return
    on = clock.today(context.principal.timezone)
    open_invoices = stored.open_invoices_of_account(context.principal)
    if max_days is not None:
        late = [i for i in open_invoices if int(i.balance or 0) > 0 and i.due_date
                and billing_rules.days_overdue(i.due_date, on) > max_days]
        if late:
            worst = max(billing_rules.days_overdue(i.due_date, on) for i in late)
            raise Conflict(f"Orders are paused while an invoice is more than {max_days} days overdue.",
                           code="orders_blocked_overdue",
                           details={"max_overdue_days": max_days, "days_overdue": worst,
                                    "invoices": sorted(i.number for i in late)[:10]})
    if check_credit and limit is not None:
        balance = sum(int(i.balance or 0) for i in open_invoices if i.currency == currency)
        if balance + total > int(limit):
            raise Conflict("This order would exceed your credit limit.", code="credit_limit_exceeded",
                           details={"credit_limit": int(limit), "open_balance": balance, "order_total": total,
                                    "available": max(int(limit) - balance, 0), "currency": currency})


def _line_json(line: rules.PricedLine) -> dict[str, Any]:
    return {k: v for k, v in line.to_json().items() if k not in ("available", "unavailable_reason", "min_qty")}


def order_event_data(order: OrderItem) -> dict[str, Any]:
    return {"order_id": order.order_id, "status": order.status, "source": order.source, "quote_id": order.quote_id,
            "contact_id": order.contact_id, "currency": order.currency, "lines": order.lines,
            "subtotal": int(order.subtotal), "tax": int(order.tax), "total": int(order.total),
            **(order.details or {})}


def place_order(context: Context, body: Any, *, idempotency_key: str | None) -> tuple[int, OrderItem]:
    """Turns the caller's cart into an order (prices frozen), empties the cart, emits ``order.placed`` and mails
    the account executive and the contact. A retry with the same ``Idempotency-Key`` answers the first order."""
    principal = context.principal
    request = rules.read_order_request(body, today=clock.today(principal.timezone))
    claim = idempotency.claim(keys.contact(principal.tenant, principal.contact_id), "order.create",
                              idempotency_key, request.to_json())
    if claim is not None and (earlier := _replayed(context, claim)) is not None:
        return earlier
    cart, item, account = _read_cart(context)
    if item is None or not cart.lines:
        raise Conflict("The cart is empty: add products before placing an order.", code="cart_empty")
    unavailable = {f"lines[{n}]": line.reason or "unavailable" for n, line in enumerate(cart.lines)
                   if not line.available}
    if unavailable:
        raise Conflict("Some products in the cart cannot be ordered; remove them or request a quote.",
                       code="cart_unavailable", details={"lines": unavailable})
    _guardrails(context, account, cart.totals.total, cart.totals.currency)
    stamp = clock.iso_precise(clock.now())
    order = stored.new_order(principal, order_id=stored.order_number(clock.today(principal.timezone).isoformat()),
                             contact_name=context.contact.name, currency=cart.totals.currency,
                             lines=[_line_json(line) for line in cart.lines], subtotal=cart.totals.subtotal,
                             tax=cart.totals.tax, total=cart.totals.total, details=request.to_json(), source="cart",
                             quote_id=None, stamp=stamp)
    try:
        stored.place_order(principal, order, cart=item, claim=claim, event_data=order_event_data(order))
    except Conflict:
        if claim is not None and (earlier := _replayed(context, claim)) is not None:
            return earlier
        raise
    notify_placed(context.tenant, order, account, contact_email=context.contact.email,
                  language=context.contact.language)
    return 201, order


def _replayed(context: Context, claim: idempotency.Claim) -> tuple[int, OrderItem] | None:
    earlier = claim.replay()
    if earlier is None:
        return None
    status, first = earlier
    order = stored.load_order(context.principal.tenant, context.principal.account_id, first["id"])
    if order is None:
        raise NotFound("There is no order with that id.", code="order_not_found")
    return status, order


def notify_placed(tenant: Tenant, order: OrderItem, account: AccountItem | None, *, contact_email: str | None,
                  language: str | None) -> None:
    """After the commit: the contact's confirmation and the account executive's notice (failures logged)."""
    data = account.data if account else {}
    amount = format_money(int(order.total), order.currency, language=language or "es-CO")
    link = mail.sales_link(tenant.portal_url, "orders", order.order_id)
    if contact_email:
        mailer.deliver(mail.order_placed(to=contact_email, tenant=tenant.name, logo_url=tenant.branding.get("logo_url"),
                                         name=order.contact_name, number=order.order_id, amount=amount, link=link,
                                         lines=len(order.lines), language=language), sender_name=tenant.name)
    executive = (data.get("account_executive") or {}).get("email")
    if executive:
        staff_amount = format_money(int(order.total), order.currency)
        mailer.deliver(mail.order_placed_staff(
            to=executive, tenant=tenant.name, logo_url=tenant.branding.get("logo_url"), account=data.get("name", ""),
            contact=order.contact_name, number=order.order_id, amount=staff_amount,
            po_number=(order.details or {}).get("po_number"), quote=order.quote_id,
            lines=[(line.get("sku") or "", line.get("name") or line.get("description") or "", int(line["qty"]))
                   for line in order.lines]), sender_name=tenant.name)
    else:
        get_logger().warning("order without an account executive to notify", extra={"order_id": order.order_id})


# --- the contact's orders -------------------------------------------------------------------------------------------

def list_orders(context: Context, *, status: str | None, limit: int, cursor: str | None
                ) -> tuple[list[OrderItem], str | None]:
    if status is not None and status not in rules.ORDER_STATUSES:
        raise ValidationFailed({"status": f"must be one of {', '.join(rules.ORDER_STATUSES)}"})
    return stored.orders_page(context.principal, status=status, limit=limit, cursor=cursor)


def get_order(context: Context, order_id: str) -> OrderItem:
    return stored.visible_order(context.principal, order_id)


def cancel_order(context: Context, order_id: str, body: Any) -> OrderItem:
    """The contact cancels an order still ``received`` (409 ``order_not_cancellable`` otherwise)."""
    principal = context.principal
    order = stored.visible_order(principal, order_id)
    reason = rules.read_cancellation(body)
    if order.status != rules.RECEIVED:
        raise Conflict("Only an order not yet confirmed can be cancelled; ask your account executive.",
                       code="order_not_cancellable", details={"status": order.status})
    entry = {"at": clock.iso(clock.now()), "status": rules.CANCELLED, "by": "contact", "name": context.contact.name,
             **({"reason": reason} if reason else {})}
    try:
        stored.change_order_status(principal.tenant, order, status=rules.CANCELLED, entry=entry,
                                   event_type="order.cancelled",
                                   event_data={"order_id": order.order_id, "status": rules.CANCELLED,
                                               "previous_status": rules.RECEIVED, "reason": reason})
    except Conflict as exc:
        raise Conflict("The order changed meanwhile and can no longer be cancelled.",
                       code="order_not_cancellable") from exc
    account = accounts.load(principal.tenant, principal.account_id)
    executive = ((account.data if account else {}).get("account_executive") or {}).get("email")
    if executive:
        tenant = context.tenant
        mailer.deliver(mail.order_cancelled_staff(to=executive, tenant=tenant.name,
                                                  logo_url=tenant.branding.get("logo_url"),
                                                  account=(account.data if account else {}).get("name", ""),
                                                  contact=context.contact.name, number=order.order_id,
                                                  reason=reason), sender_name=tenant.name)
    return order


def reorder(context: Context, order_id: str) -> Cart:
    """Adds a past order's lines to the cart (quantities add up) and answers the cart priced now."""
    order = stored.visible_order(context.principal, order_id)
    added = [(str(line["sku"]), int(line["qty"])) for line in order.lines if line.get("sku")]
    account, purchased, item = stored.account_and_purchased(context.principal, with_purchased=True, with_cart=True)
    current = [(str(s), int(q)) for s, q in (item.lines if item else [])]
    saved = stored.save_cart(context.principal, rules.merge_lines(current, added), item)
    return _priced_cart(context, saved, account, purchased)


def recent_orders(context: Context) -> list[OrderItem]:
    """The dashboard's newest orders (one Query)."""
    return stored.latest(context.principal, "orders")


# --- the integrator -------------------------------------------------------------------------------------------------

def order_for_staff(tenant: str, order_id: str) -> OrderItem:
    return stored.order_for_staff(tenant, order_id)


def change_status(tenant_slug: str, order_id: str, body: Any) -> OrderItem:
    """The ERP moves an order forward (or rejects it with a reason): timeline entry, ``order.status_changed``, and
    a mail to the contact who placed it. 409 ``order_transition_invalid`` for a move back or out of a final
    state; the same status again changes nothing (200, no mail)."""
    change = rules.read_status_change(body)
    order = stored.order_for_staff(tenant_slug, order_id)
    if order.status == change.status:
        return order
    problem = rules.transition_problem(order.status, change.status)
    if problem:
        raise Conflict(f"The order cannot move to {change.status}: {problem}.", code="order_transition_invalid",
                       details={"status": order.status, "requested": change.status})
    previous = order.status
    entry = {"at": clock.iso(clock.now()), "status": change.status, "by": "staff",
             **{k: v for k, v in (("reason", change.reason), ("note", change.note), ("tracking", change.tracking))
                if v}}
    stored.change_order_status(tenant_slug, order, status=change.status, entry=entry,
                               event_type="order.status_changed",
                               event_data={"order_id": order.order_id, "status": change.status,
                                           "previous_status": previous, **{k: v for k, v in entry.items()
                                                                           if k in ("reason", "note", "tracking")}})
    _mail_status(tenant_slug, order, entry)
    return order


def _mail_status(tenant_slug: str, order: OrderItem, entry: dict[str, Any]) -> None:
    contact = contacts.load(tenant_slug, order.contact_id)
    if contact is None or not contact.email or contact.account_id != order.account_id:
        return
    tenant = tenants.get(tenant_slug)
    mailer.deliver(mail.order_status(to=contact.email, tenant=tenant.name, logo_url=tenant.branding.get("logo_url"),
                                     name=contact.name, number=order.order_id, status=entry["status"],
                                     reason=entry.get("reason"), note=entry.get("note"),
                                     tracking=entry.get("tracking"),
                                     link=mail.sales_link(tenant.portal_url, "orders", order.order_id),
                                     language=contact.language), sender_name=tenant.name)


def visible_order(principal: Principal, order_id: str) -> OrderItem:
    return stored.visible_order(principal, order_id)


def record_order(tenant_slug: str, *, order_id: str, account_id: str, contact_id: str,
                 lines: list[tuple[str, int]], placed_at: str, details: dict[str, Any]) -> bool:
    """Records an order at today's prices of the account as if its contact had placed it at ``placed_at`` (the
    demo tenant's history); False when an order with that id exists already (nothing is written twice)."""
    tenant = tenants.get(tenant_slug)
    contact = contacts.load(tenant_slug, contact_id)
    account = accounts.load(tenant_slug, account_id)
    if contact is None or account is None or contact.account_id != account_id:
        raise NotFound("There is no such contact of that account.", code="contact_not_found")
    if stored.load_order(tenant_slug, account_id, order_id) is not None:
        return False
    principal = contacts_principal(tenant, account_id, contact_id)
    ctx = catalog.price_context(tenant, account, principal)
    found = stored.products(tenant_slug, [sku for sku, _ in lines])
    priced = [rules.price_line(sku, qty, catalog.product_view(found[sku]) if sku in found else None, ctx)
              for sku, qty in lines]
    if not all(line.available for line in priced):
        raise ValidationFailed({"lines": "every line must be orderable at the account's prices"})
    sums = rules.totals([line.to_json() for line in priced], ctx.currency)
    order = stored.new_order(principal, order_id=order_id, contact_name=contact.name, currency=ctx.currency,
                             lines=[_line_json(line) for line in priced], subtotal=sums.subtotal, tax=sums.tax,
                             total=sums.total, details=details, source="cart", quote_id=None, stamp=placed_at)
    try:
        stored.record_order(principal, order, event_data=order_event_data(order))
    except Conflict:
        return False  # recorded meanwhile
    return True


def contacts_principal(tenant: Tenant, account_id: str, contact_id: str) -> Principal:
    """The principal an order of ``contact_id`` is written under (its account and tenant; no session)."""
    return Principal(tenant=tenant.slug, account_id=account_id, contact_id=contact_id, session_id="",
                         modules={}, timezone=tenant.timezone)
