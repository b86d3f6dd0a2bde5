"""Support cases (module ``cases``): the customer's side under ``/portal/cases``, staff's under
``/integration/cases`` (API key)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.domain.attachments import read_comment
from chalicelib.domain.cases import STATUS_FILTERS, read_closing, read_new_case, read_staff_comment, read_staff_update
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.validation import Reader
from chalicelib.handlers.http import json_body, json_response, page_params, query, route
from chalicelib.handlers.views import cases as views

if TYPE_CHECKING:
    from datetime import date

    from chalicelib.services.auth import Context

cases = Blueprint(__name__)


def _period() -> tuple[date | None, date | None]:
    r = Reader(query(cases))
    start, end = r.date("from"), r.date("to")
    r.finish()
    return start, end


@route(cases, "/portal/cases", methods=("POST",), module="cases", action="create", status=201)
def open_case(context: Context) -> Any:
    from chalicelib.services import cases as service  # lazy: loads with its first request

    request = read_new_case(json_body(cases), categories=service.categories(context))
    status, detail = service.open_case(context, request, cases.current_request.headers.get("idempotency-key"))
    return json_response(views.case_detail(detail), status)


@route(cases, "/portal/cases", module="cases")
def list_cases(context: Context) -> dict[str, Any]:
    from chalicelib.services import cases as service  # lazy: loads with its first request

    limit, cursor = page_params(cases)
    r = Reader({k: v for k, v in query(cases).items() if k not in ("limit", "cursor")})
    status = r.choice("status", STATUS_FILTERS, default="all")
    text = r.text("q", max_len=80)
    r.finish()
    if text is not None and not text.strip():
        raise ValidationFailed({"q": "must not be blank"})
    items, next_cursor = service.list_cases(context, status=status or "all", text=text, limit=limit, cursor=cursor)
    return views.cases_page(items, next_cursor)


@route(cases, "/portal/cases/report", module="cases")
def case_report(context: Context) -> dict[str, Any]:
    from chalicelib.services import cases as service  # lazy: loads with its first request

    return service.report(context, *_period())


@route(cases, "/portal/cases/report/csv", module="cases")
def case_report_csv(context: Context) -> dict[str, Any]:
    from chalicelib.services import cases as service  # lazy: loads with its first request

    return service.report_csv(context, *_period())


@route(cases, "/portal/cases/report/pdf", module="cases")
def case_report_pdf(context: Context) -> dict[str, Any]:
    from chalicelib.services import cases as service  # lazy: loads with its first request

    return service.report_pdf(context, *_period())


@route(cases, "/portal/cases/categories", module="cases")
def case_categories(context: Context) -> dict[str, Any]:
    from chalicelib.services import cases as service  # lazy: loads with its first request

    return {"items": service.category_choices(context)}


@route(cases, "/portal/cases/{case_id}", module="cases")
def get_case(context: Context, case_id: str) -> dict[str, Any]:
    from chalicelib.services import cases as service  # lazy: loads with its first request

    return views.case_detail(service.case_detail(context, case_id))


@route(cases, "/portal/cases/{case_id}/comments", methods=("POST",), module="cases", action="comment", status=201)
def comment_case(context: Context, case_id: str) -> Any:
    from chalicelib.services import cases as service  # lazy: loads with its first request

    request = read_comment(json_body(cases))
    if request.payment_proof:
        raise ValidationFailed({"payment_proof": "is not a known field"})
    status, detail = service.comment(context, case_id, request.body, request.attachment_ids)
    return json_response(views.case_detail(detail), status)


@route(cases, "/portal/cases/{case_id}/close", methods=("POST",), module="cases", action="comment")
def close_case(context: Context, case_id: str) -> dict[str, Any]:
    from chalicelib.services import cases as service  # lazy: loads with its first request

    raw = cases.current_request.raw_body
    return views.case_detail(service.close(context, case_id, read_closing(json_body(cases) if raw else {})))


@route(cases, "/portal/cases/{case_id}/reopen", methods=("POST",), module="cases", action="comment")
def reopen_case(context: Context, case_id: str) -> dict[str, Any]:
    from chalicelib.services import cases as service  # lazy: loads with its first request

    return views.case_detail(service.reopen(context, case_id))


# --- staff ----------------------------------------------------------------------------------------------------------

@route(cases, "/integration/cases/{case_id}", auth="integrator")
def staff_get_case(tenant: str, case_id: str) -> dict[str, Any]:
    from chalicelib.services import cases as service  # lazy: loads with its first request

    return views.staff_case(*service.for_staff(tenant, case_id))


@route(cases, "/integration/cases/{case_id}", methods=("PUT",), auth="integrator")
def staff_update_case(tenant: str, case_id: str) -> dict[str, Any]:
    from chalicelib.services import cases as service  # lazy: loads with its first request

    service.update_as_staff(tenant, case_id, read_staff_update(json_body(cases)))
    return views.staff_case(*service.for_staff(tenant, case_id))


@route(cases, "/integration/cases/{case_id}/comments", methods=("POST",), auth="integrator", status=201)
def staff_comment_case(tenant: str, case_id: str) -> dict[str, Any]:
    from chalicelib.services import cases as service  # lazy: loads with its first request

    item, notified = service.reply_as_staff(tenant, case_id, read_staff_comment(json_body(cases)))
    return {**views.comment(item, {}, staff=True), "notified": notified}


@route(cases, "/integration/settings/support", auth="integrator")
def get_support_settings(tenant: str) -> dict[str, Any]:
    from chalicelib.services import tenants  # lazy: loads with its first request

    return tenants.support_settings(tenant)


@route(cases, "/integration/settings/support", methods=("PUT",), auth="integrator")
def put_support_settings(tenant: str) -> dict[str, Any]:
    from chalicelib.services import tenants  # lazy: loads with its first request

    return tenants.put_support_settings(tenant, json_body(cases))
