"""``portico``: manage tenants, API keys and demo data against local or real AWS.

The AWS target comes from the usual environment (credentials, AWS_REGION, AWS_ENDPOINT_URL for the
local emulator) and the stage's PORTICO_* variables.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, EndpointConnectionError, NoCredentialsError
from pynamodb.exceptions import PynamoDBException

from chalicelib.config import get_settings
from chalicelib.demo import seed_demo
from chalicelib.domain import clock
from chalicelib.domain.access import MODULES
from chalicelib.domain.errors import Forbidden, PorticoError
from chalicelib.domain.reminders import parse_offsets
from chalicelib.domain.validation import CONTROL_RE, SLUG_RE
from chalicelib.handlers.views import access
from chalicelib.services import gateways, reconciler, reminders, tenants
from chalicelib.store import db


def _modules(text: str) -> frozenset[str]:
    names = frozenset(n.strip() for n in text.split(",") if n.strip())
    unknown = names - set(MODULES)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown modules: {', '.join(sorted(unknown))}; known: {', '.join(MODULES)}")
    return names


def _slug(text: str) -> str:
    if not SLUG_RE.fullmatch(text):
        raise argparse.ArgumentTypeError("a tenant slug is 3-40 lowercase letters, digits or '-'")
    return text


def _one_line(text: str) -> str:
    """A tenant's name: it is the mails' sender name and starts their subjects, so one line, no controls."""
    if CONTROL_RE.search(text) or not text.strip():
        raise argparse.ArgumentTypeError("must be one line of text without control characters")
    return text.strip()


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    return str(value)


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=_jsonable))


def _gateway_parser(gateway: argparse.ArgumentParser) -> None:
    gateway.add_argument("slug", type=_slug)
    gateway.add_argument("gateway", choices=("payu", "zonavirtual"))
    gateway.add_argument("--merchant-id", help="PayU merchant id")
    gateway.add_argument("--account-id", help="PayU account id (per country)")
    gateway.add_argument("--api-key", help="PayU API key (secret)")
    gateway.add_argument("--api-login", help="PayU API login (secret)")
    gateway.add_argument("--algorithm", choices=("MD5", "SHA", "SHA256"), default="SHA256",
                         help="PayU request signature algorithm")
    gateway.add_argument("--commerce-id", help="Zona Virtual commerce id")
    gateway.add_argument("--user", help="Zona Virtual user")
    gateway.add_argument("--password", help="Zona Virtual password (secret)")
    gateway.add_argument("--service-code", help="Zona Virtual service code")
    gateway.add_argument("--test", action="store_true", help="the gateway's test/sandbox mode")
    gateway.add_argument("--partial-payments", action=argparse.BooleanOptionalAction, default=None,
                         help="let contacts pay part of an invoice's balance")



def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portico", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("bootstrap", help="create the table, bucket and verified mail sender of the stage")

    tenant = sub.add_parser("tenant", help="tenants").add_subparsers(dest="action", required=True)
    create = tenant.add_parser("create", help="create a tenant")
    create.add_argument("slug", type=_slug)
    create.add_argument("--name", required=True, type=_one_line)
    create.add_argument("--timezone", default="America/Bogota")
    create.add_argument("--portal-url", required=True)
    create.add_argument("--currency", default="COP")
    create.add_argument("--modules", type=_modules, default=frozenset(MODULES),
                        help="comma-separated modules to enable (default: all)")
    show = tenant.add_parser("show", help="show a tenant")
    show.add_argument("slug", type=_slug)
    modules = tenant.add_parser("modules", help="enable or disable modules")
    modules.add_argument("slug", type=_slug)
    modules.add_argument("--enable", type=_modules, default=frozenset())
    modules.add_argument("--disable", type=_modules, default=frozenset())
    brand = tenant.add_parser("branding", help="set the portal's colours and logo")
    brand.add_argument("slug", type=_slug)
    brand.add_argument("--brand", help="main colour, e.g. #0b5394")
    brand.add_argument("--brand-contrast", help="text colour on the main colour, e.g. #ffffff")
    brand.add_argument("--logo-url", help="the logo the portal and mails show (an https URL)")
    brand.add_argument("--logo-file", help="a PNG or JPEG printed on statements and invoice PDFs (stored in S3)")

    _gateway_parser(tenant.add_parser("gateway", help="configure a payment gateway (credentials go to SSM, "
                                                       "encrypted)"))
    schedule = tenant.add_parser("reminders", help="the payment reminder schedule (default: on, -3,0,7,15)")
    schedule.add_argument("slug", type=_slug)
    switch = schedule.add_mutually_exclusive_group()
    switch.add_argument("--offsets", help="days from the due date to remind on, e.g. -3,0,7,15 (3 days before, the "
                        "due date, 7 and 15 days after); switches reminders on")
    switch.add_argument("--off", action="store_true", help="send no reminders (the steps are kept)")
    switch.add_argument("--on", action="store_true", help="send reminders again")
    _support_parser(tenant.add_parser("support", help="support cases: where new cases are mailed, the reopen window"))
    sub.add_parser("reconcile", help="run the payment reconciler once")
    remind = sub.add_parser("reminders", help="payment reminders").add_subparsers(dest="action", required=True)
    remind_run = remind.add_parser("run", help="mail today's payment reminders now (what the daily schedule does)")
    remind_run.add_argument("--tenant", type=_slug, help="only this tenant (default: every tenant)")

    apikey = sub.add_parser("apikey", help="integrator API keys").add_subparsers(dest="action", required=True)
    key_create = apikey.add_parser("create", help="create a key (printed once)")
    key_create.add_argument("slug", type=_slug)
    key_create.add_argument("--label", default="integrator")
    key_list = apikey.add_parser("list", help="list keys")
    key_list.add_argument("slug", type=_slug)
    key_revoke = apikey.add_parser("revoke", help="revoke a key")
    key_revoke.add_argument("slug", type=_slug)
    key_revoke.add_argument("key_id")

    seed = sub.add_parser("seed-demo", help="create the demo tenant with accounts, contacts and documents")
    seed.add_argument("--api-key", help="the demo integrator key (default: PORTICO_DEMO_API_KEY, else "
                      "demo-integrator-key)")
    seed.add_argument("--portal-url", default="http://127.0.0.1:8000")
    seed.add_argument("--force", action="store_true",
                      help="seed a stage other than local anyway (the demo logins and key are public)")
    return parser


def _support_parser(support: argparse.ArgumentParser) -> None:
    support.add_argument("slug", type=_slug)
    support.add_argument("--desk-email", help="where new cases are mailed ('' = the account executive, the default)")
    support.add_argument("--reopen-days", type=int, help="days a customer may reopen a resolved case (default 7)")
    support.add_argument("--category", action="append", metavar="ID[=ETIQUETA[|LABEL]]", dest="categories",
                         help="a case category the form offers, in order; repeat it for each (replaces the list). "
                         "The defaults billing, technical, delivery, warranty and other need no label; others "
                         "need the Spanish one, e.g. afiliaciones='Afiliaciones|Affiliations'")


def _category(text: str) -> dict[str, Any]:
    category_id, _, words = text.partition("=")
    spanish, _, english = words.partition("|")
    labels = {k: v for k, v in (("es-CO", spanish.strip()), ("en", english.strip())) if v}
    return {"id": category_id.strip(), **({"labels": labels} if labels else {})}


def _support(args: argparse.Namespace) -> Any:
    changes: dict[str, Any] = {}
    if args.desk_email is not None:
        changes["desk_email"] = args.desk_email or None
    if args.reopen_days is not None:
        changes["reopen_days"] = args.reopen_days
    if args.categories:
        changes["categories"] = [_category(text) for text in args.categories]
    settings = tenants.put_support_settings(args.slug, changes) if changes else tenants.support_settings(args.slug)
    return {"tenant": args.slug, "support": settings}


def _tenant(args: argparse.Namespace) -> Any:
    if args.action == "create":
        if not clock.is_timezone(args.timezone):
            raise SystemExit(f"unknown time zone {args.timezone}")
        return tenants.create_tenant(args.slug, name=args.name, timezone=args.timezone, portal_url=args.portal_url,
                                     currency=args.currency, modules=args.modules)
    if args.action == "modules":
        return tenants.set_modules(args.slug, enable=args.enable, disable=args.disable)
    if args.action == "gateway":
        names = ("merchant_id", "account_id", "api_key", "api_login", "algorithm") if args.gateway == "payu" \
            else ("commerce_id", "user", "password", "service_code")
        credentials = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
        config = gateways.configure(args.slug, args.gateway, {**credentials, "test": args.test},
                                    partial_payments=args.partial_payments)
        return {"tenant": args.slug, "payments": config, "note": "credentials stored encrypted; not shown again"}
    if args.action == "reminders":
        if args.offsets is not None or args.off or args.on:
            offsets = parse_offsets(args.offsets) if args.offsets is not None else None
            enabled = False if args.off else True if (args.on or offsets) else None
            schedule = reminders.set_schedule(args.slug, offsets=offsets, enabled=enabled)
        else:
            schedule = reminders.schedule_of(args.slug)
        return {"tenant": args.slug, "reminders": schedule.to_json()}
    if args.action == "branding":
        logo = Path(args.logo_file).read_bytes() if args.logo_file else None
        return tenants.set_branding(args.slug, brand=args.brand, brand_contrast=args.brand_contrast,
                                    logo_url=args.logo_url, logo=logo)
    return _support(args) if args.action == "support" else tenants.get_tenant(args.slug)


def _apikey(args: argparse.Namespace) -> Any:
    if args.action == "create":
        key, item = tenants.create_api_key(args.slug, label=args.label)
        return {"api_key": key, **access.api_key_json(item), "note": "store the key now: it is not shown again"}
    if args.action == "revoke":
        return access.api_key_json(tenants.revoke_api_key(args.slug, args.key_id))
    return [access.api_key_json(item) for item in tenants.list_api_keys(args.slug)]


def _bootstrap(args: argparse.Namespace) -> Any:
    db.create_resources()
    return {"status": "ready"}


def _seed_demo(args: argparse.Namespace) -> Any:
    """The demo tenant, whose passwords and integrator key are printed in the README: the local stage only,
    unless ``--force``."""
    settings = get_settings()
    if settings.stage != "local" and not args.force:
        raise Forbidden(f"seed-demo creates logins with published passwords; this is stage {settings.stage}, not "
                        "local (PORTICO_STAGE). Add --force to seed it anyway.", code="not_local_stage")
    return seed_demo(api_key=args.api_key or settings.demo_api_key, portal_url=args.portal_url)


def _reconcile(args: argparse.Namespace) -> Any:
    return reconciler.reconcile_due()


def _reminders(args: argparse.Namespace) -> Any:
    return reminders.send_due(tenant=args.tenant)


COMMANDS = {"bootstrap": _bootstrap, "tenant": _tenant, "apikey": _apikey, "seed-demo": _seed_demo,
            "reconcile": _reconcile, "reminders": _reminders}


def _joined_offsets(argv: list[str]) -> list[str]:
    """``--offsets -3,0,7,15`` as ``--offsets=-3,0,7,15``: argparse reads a value that starts with "-" and is not a
    plain negative number as an option."""
    joined: list[str] = []
    for arg in argv:
        if joined and joined[-1] == "--offsets" and arg.startswith("-"):
            joined[-1] = f"--offsets={arg}"
        else:
            joined.append(arg)
    return joined


def run(args: argparse.Namespace) -> Any:
    return COMMANDS[args.command](args)


# How to point the command at an AWS: the running `make run` stack (which writes .local/stack.env) or a real stage.
WHERE_TO = ("for make run's stack: set -a; . .local/stack.env; set +a (it is written while the stack runs); "
            "for a deployed stage: AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), AWS_REGION and "
            "PORTICO_STAGE")


def _no_aws(failure: BaseException) -> str | None:
    """What is missing when no AWS answers (PynamoDB wraps botocore's error), else None."""
    seen: BaseException | None = failure
    while seen is not None:
        if isinstance(seen, NoCredentialsError):
            return "no AWS credentials"
        if isinstance(seen, EndpointConnectionError):
            return f"nothing answers at {seen.kwargs.get('endpoint_url')} (is the stack running?)"
        seen = getattr(seen, "cause", None) or seen.__cause__
    return None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(_joined_offsets(sys.argv[1:] if argv is None else argv))
    try:
        _print(run(args))
    except (BotoCoreError, PynamoDBException) as failure:
        problem = _no_aws(failure)
        if problem is None:
            raise
        print(f"portico: {problem}; {WHERE_TO}", file=sys.stderr)
        return 1
    except PorticoError as error:
        print(f"portico: {error.message} ({error.code})", file=sys.stderr)
        for field, problem in (error.details.get("fields") or {}).items():
            print(f"  {field}: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
