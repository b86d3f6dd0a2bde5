"""Payment reminders' rules (chalicelib/domain/reminders.py) and their mail in both languages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.domain import mail
from chalicelib.domain.access import Grant
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.reminders import (
    DEFAULT_OFFSETS,
    MAX_INVOICES_PER_MAIL,
    DueInvoice,
    OpenInvoice,
    Schedule,
    account_allows,
    batches,
    billing_scope,
    due_invoices,
    parse_offsets,
    payments_scope,
    visible_to,
)

TODAY = date(2026, 11, 23)
MODULES = frozenset({"billing", "payments", "profile"})


def due(days_from_today: int) -> str:
    return (TODAY + timedelta(days=days_from_today)).isoformat()


def invoice(invoice_id: str, due_in: int, balance: int = 100_000_00, **extra: object) -> OpenInvoice:
    return OpenInvoice(invoice_id=invoice_id, number=invoice_id.upper(), due_date=due(due_in), balance=balance,
                       currency="COP", **extra)


# --- which invoices are due for which step ---------------------------------------------------------------------


def test_the_default_schedule_is_on_three_days_before_the_due_date_and_seven_and_fifteen_after() -> None:
    assert Schedule.from_json(None) == Schedule(enabled=True, offsets=(-3, 0, 7, 15))
    assert DEFAULT_OFFSETS == (-3, 0, 7, 15)


@pytest.mark.parametrize(("due_in", "step"), [(3, -3), (0, 0), (-7, 7), (-15, 15), (2, None), (1, None), (-1, None),
                                               (-8, None), (-16, None), (4, None)])
def test_an_invoice_reaches_a_step_only_on_its_due_date_plus_the_steps_offset(due_in: int, step: int | None) -> None:
    found = due_invoices([invoice("fv-1", due_in)], schedule=Schedule(), today=TODAY)
    assert [d.step for d in found] == ([] if step is None else [step])


def test_due_dates_are_today_minus_each_offset() -> None:
    assert Schedule(offsets=(-3, 0, 7, 15)).due_dates(TODAY) == [
        date(2026, 11, 8), date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 26)]


def test_a_custom_schedule_and_a_schedule_switched_off() -> None:
    custom = Schedule.from_json({"enabled": True, "offsets": [30, -1]})
    assert custom.offsets == (-1, 30)
    assert [d.step for d in due_invoices([invoice("a", 1), invoice("b", -30), invoice("c", 0)], schedule=custom,
                                         today=TODAY)] == [30, -1]
    off = Schedule.from_json({"enabled": False, "offsets": [0]})
    assert due_invoices([invoice("a", 0)], schedule=off, today=TODAY) == []


def test_never_for_a_balance_of_zero_a_live_checkout_or_a_proof_awaiting_an_answer() -> None:
    found = due_invoices([invoice("zero", 0, balance=0), invoice("checkout", 0, in_live_checkout=True),
                          invoice("proof", 0, proof_received=True), invoice("open", 0)],
                         schedule=Schedule(), today=TODAY)
    assert [d.invoice_id for d in found] == ["open"]


def test_due_invoices_come_oldest_due_first_with_their_days_overdue() -> None:
    found = due_invoices([invoice("soon", 3), invoice("late", -15), invoice("today", 0), invoice("week", -7)],
                         schedule=Schedule(), today=TODAY)
    assert [(d.invoice_id, d.step, d.days_overdue) for d in found] == [
        ("late", 15, 15), ("week", 7, 7), ("today", 0, 0), ("soon", -3, 0)]
    assert found[0].to_json() == {"invoice_id": "late", "number": "LATE", "due_date": due(-15), "step": 15,
                                  "days_overdue": 15, "balance": 100_000_00, "currency": "COP"}


# --- who gets them ---------------------------------------------------------------------------------------------


def grant(**modules: tuple[str, list[str]]) -> Grant:
    return Grant.from_json({"enabled": True, "start_date": due(-30), "end_date": due(30),
                            "modules": {m: {"scope": scope, "actions": actions}
                                        for m, (scope, actions) in modules.items()}})


def test_a_contact_gets_reminders_only_with_billing_in_a_live_grant() -> None:
    live = grant(billing=("account", ["view"]))
    assert billing_scope(live, MODULES, TODAY) == "account"
    assert billing_scope(grant(billing=("own", ["view"])), MODULES, TODAY) == "own"
    assert billing_scope(grant(payments=("account", ["view", "pay"])), MODULES, TODAY) is None
    assert billing_scope(live, frozenset({"payments"}), TODAY) is None  # the tenant switched billing off
    ended = Grant.from_json({**live.to_json(), "end_date": due(-1)})
    assert billing_scope(ended, MODULES, TODAY) is None
    disabled = Grant.from_json({**live.to_json(), "enabled": False})
    assert billing_scope(disabled, MODULES, TODAY) is None
    assert billing_scope(Grant.from_json(None), MODULES, TODAY) is None


def test_own_scope_sees_only_its_own_invoices() -> None:
    lines = due_invoices([invoice("mine", 0, contact_id="c-1"), invoice("theirs", 0, contact_id="c-2"),
                          invoice("nobodys", 0)], schedule=Schedule(), today=TODAY)
    assert [d.invoice_id for d in visible_to(lines, contact_id="c-1", scope="own")] == ["mine"]
    assert len(visible_to(lines, contact_id="c-1", scope="account")) == 3
    assert visible_to(lines, contact_id="c-1", scope=None) == []


def test_the_button_pays_only_with_the_pay_action() -> None:
    assert payments_scope(grant(payments=("account", ["view", "pay"])), MODULES) == "account"
    assert payments_scope(grant(payments=("own", ["view", "pay"])), MODULES) == "own"
    assert payments_scope(grant(payments=("account", ["view"])), MODULES) is None
    assert payments_scope(grant(billing=("account", ["view"])), MODULES) is None


def test_the_integrator_turns_an_account_off_with_false_only() -> None:
    assert account_allows({"name": "x"}) and account_allows(None) and account_allows({"reminders": True})
    assert not account_allows({"reminders": False})


def test_one_mail_holds_what_one_payment_can_pay() -> None:
    lines = [DueInvoice(f"fv-{n}", f"FV-{n}", due(0), 100, "COP", 0) for n in range(MAX_INVOICES_PER_MAIL * 2 + 1)]
    assert [len(b) for b in batches(lines)] == [MAX_INVOICES_PER_MAIL, MAX_INVOICES_PER_MAIL, 1]
    assert batches(lines[:3]) == [lines[:3]]


# --- the schedule as the operator writes it --------------------------------------------------------------------


@pytest.mark.parametrize(("text", "offsets"), [("-3,0,7,15", (-3, 0, 7, 15)), ("15, 7 ,0,-3", (-3, 0, 7, 15)),
                                               ("+1", (1,)), ("0", (0,)), ("-90,365", (-90, 365))])
def test_offsets_are_read_from_a_comma_list(text: str, offsets: tuple[int, ...]) -> None:
    assert parse_offsets(text) == offsets


@pytest.mark.parametrize("text", ["", "a", "1.5", "-3,,7", "3,3", "-91", "366", "--3", "3-", "１", "1,2,3,4,5,6,7,8,9"])
def test_bad_offsets_are_refused_naming_the_field(text: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_offsets(text)
    assert set(refused.value.fields) == {"offsets"}


# --- the mail --------------------------------------------------------------------------------------------------

LINES = [DueInvoice("fv-1003", "FV-1003", due(-7), 2_120_000_00, "COP", 7),
         DueInvoice("fv-1005", "FV-1005", due(0), 2_340_500_50, "COP", 0),
         DueInvoice("fv-1006", "FV-1006", due(3), 5_600_000_00, "COP", -3)]
PAY = mail.payment_link("https://portal.example/", ["fv-1003", "fv-1005", "fv-1006"])
OPT_OUT = mail.reminder_opt_out_link("https://portal.example", "route.secret")


def reminder(language: str | None, *, lines: list[DueInvoice] = LINES, can_pay: bool = True) -> mail.Mail:
    return mail.payment_reminder(to="ana@example.com", tenant="Distribuidora Andina S.A.S.", logo_url=None,
                                 name="Ana", account="Ferretería El Tornillo S.A.S.", lines=lines,
                                 link=PAY if can_pay else mail.receivables_link("https://portal.example"),
                                 can_pay=can_pay, opt_out_link=OPT_OUT, language=language)


def test_the_deep_link_names_exactly_the_invoices_and_the_opt_out_page() -> None:
    assert PAY == "https://portal.example/#/payments/new?invoice=fv-1003&invoice=fv-1005&invoice=fv-1006"
    assert OPT_OUT == "https://portal.example/#/reminders/opt-out?token=route.secret"


def test_the_mail_in_spanish() -> None:
    message = reminder("es-CO")
    assert message.to == ("ana@example.com",)
    assert message.subject == "Distribuidora Andina S.A.S.: recordatorio de pago"
    text = message.text
    assert "Hola Ana, te recordamos estas facturas de Ferretería El Tornillo S.A.S. con Distribuidora Andina S.A.S.:" \
        in text
    # one set: the balances and the total share their decimals (one of them has cents)
    assert "- Factura FV-1003: vencida hace 7 días (16 nov 2026), saldo $\u00a02.120.000,00" in text
    assert "- Factura FV-1005: vence hoy (23 nov 2026), saldo $\u00a02.340.500,50" in text
    assert "- Factura FV-1006: vence en 3 días (26 nov 2026), saldo $\u00a05.600.000,00" in text
    assert "Total: $\u00a010.060.500,50" in text
    assert f"Pagar en línea: {PAY}" in text
    assert f"¿Prefieres no recibir estos recordatorios? Desactívalos aquí: {OPT_OUT}" in text
    assert "Pagar en línea" in message.html and "Dejar de recibir recordatorios" in message.html
    assert PAY.replace("&", "&amp;") in message.html and OPT_OUT in message.html
    assert "vencida hace 7 días (16 nov 2026)" in message.html and "$\u00a010.060.500,50" in message.html


def test_the_mail_in_english() -> None:
    message = reminder("en")
    assert message.subject == "Distribuidora Andina S.A.S.: payment reminder"
    text = message.text
    assert ("Hi Ana, a reminder about these invoices of Ferretería El Tornillo S.A.S. with "
            "Distribuidora Andina S.A.S.:") in text
    assert "- Invoice FV-1003: 7 days overdue (Nov 16, 2026), balance COP\u00a02,120,000.00" in text
    assert "- Invoice FV-1005: due today (Nov 23, 2026), balance COP\u00a02,340,500.50" in text
    assert "- Invoice FV-1006: due in 3 days (Nov 26, 2026), balance COP\u00a05,600,000.00" in text
    assert "Total: COP\u00a010,060,500.50" in text
    assert f"Pay online: {PAY}" in text
    assert f"Rather not receive these reminders? Turn them off here: {OPT_OUT}" in text
    assert "Stop payment reminders" in message.html


def test_spanish_is_the_default_and_whole_amounts_show_no_decimals() -> None:
    whole = [DueInvoice("fv-1", "FV-1", due(1), 1_750_050_00, "COP", -1),
             DueInvoice("fv-2", "FV-2", due(-1), 250_000_00, "COP", 1)]
    text = reminder(None, lines=whole).text
    assert "vence mañana (24 nov 2026), saldo $\u00a01.750.050\n" in text
    assert "vencida hace 1 día (22 nov 2026), saldo $\u00a0250.000\n" in text
    assert "Total: $\u00a02.000.050\n" in text
    english = reminder("en", lines=whole).text
    assert "due tomorrow (Nov 24, 2026)" in english and "1 day overdue (Nov 22, 2026)" in english


def test_one_total_per_currency() -> None:
    mixed = [DueInvoice("fv-1", "FV-1", due(0), 1_000_00, "USD", 0),
             DueInvoice("fv-2", "FV-2", due(0), 500_00, "COP", 0),
             DueInvoice("fv-3", "FV-3", due(0), 250_50, "USD", 0)]
    text = reminder("es-CO", lines=mixed).text
    assert "Total: $\u00a0500\nTotal: USD\u00a01.250,50\n" in text
    assert "saldo USD\u00a01.000,00" in text  # the USD set has cents


def test_without_the_pay_action_the_button_opens_the_receivables() -> None:
    message = reminder("es-CO", can_pay=False)
    assert "Ver mi cartera: https://portal.example/#/receivables" in message.text
    assert "Pagar en línea" not in message.text
    assert "See my balance: https://portal.example/#/receivables" in reminder("en", can_pay=False).text


# --- the package holds both schedules ---------------------------------------------------------------------------


def test_package_check_knows_every_schedule_the_app_registers() -> None:
    import app
    from devtools import package

    registered = {"".join(part.title() for part in source.name.split("_")): source.schedule_expression.to_string()
                  for source in app.app.event_sources}
    assert registered == package.SCHEDULES == {"ReconcilePayments": "rate(7 minutes)",
                                               "SendPaymentReminders": "cron(0 13 * * ? *)"}


def test_package_check_names_a_missing_schedule() -> None:
    from devtools import package

    def function(expression: str) -> dict[str, object]:
        return {"Type": "AWS::Serverless::Function",
                "Properties": {"Events": {"Tick": {"Type": "Schedule", "Properties": {"Schedule": expression}}}}}

    sam = {"Resources": {name: function(expression) for name, expression in package.SCHEDULES.items()}}
    assert package.schedule_problems(sam) == []
    del sam["Resources"]["SendPaymentReminders"]
    sam["Resources"]["ReconcilePayments"] = function("rate(1 hour)")
    assert [p.split(":")[0] for p in package.schedule_problems(sam)] == ["ReconcilePayments", "SendPaymentReminders"]
