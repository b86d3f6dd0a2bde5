"""The demo tenant that ``make run`` seeds: a distributor with two customer companies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.domain import clock
from chalicelib.domain.access import MODULE_ACTIONS, MODULES
from chalicelib.domain.cases import read_new_case, read_staff_comment, read_staff_update
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.knowledge import read_article
from chalicelib.domain.records import read_document
from chalicelib.services import (
    accounts,
    cases,
    catalog,
    contacts,
    documents,
    gateways,
    knowledge,
    orders,
    quotes,
    tenants,
)

TENANT = "demo"
DEMO_PASSWORD = "Portal-Demo-2026"  # noqa: S105 - the published demo login, local stack only
# The seed's last write: once it exists the demo is complete and a new run changes nothing.
COMPLETION_MARK = ("debit_note", "ND-101")


def _grant(modules: tuple[str, ...], *, scope: str = "account", today: Any) -> dict[str, Any]:
    return {
        "enabled": True,
        "start_date": (today - timedelta(days=90)).isoformat(),
        "end_date": (today + timedelta(days=365)).isoformat(),
        "modules": {m: {"scope": scope, "actions": list(MODULE_ACTIONS[m])} for m in modules},
    }


def _completed() -> bool:
    try:
        documents.get_document(TENANT, *COMPLETION_MARK)
    except NotFound:
        return False
    return True


ARTICLES = (  # (id, category, title, body, tags)
    ("kb-descargar-factura", "facturacion", "Cómo descargar tu factura electrónica",
     "Entra a **Facturas**, abre la factura y pulsa **Descargar PDF**.\n\n1. Busca la factura por número.\n"
     "2. Abre su detalle.\n3. Descarga el PDF o el XML de la DIAN.\n\nSi no aparece, escríbenos en "
     "[Casos](#/cases).", ["factura", "PDF", "DIAN"]),
    ("kb-pago-pse", "pagos", "Pagar en línea con PSE o tarjeta",
     "Desde **Cartera** selecciona las facturas y pulsa **Pagar**. Te llevamos a la pasarela (PayU o Zona "
     "Virtual).\n\n> El pago queda en *Pendiente* mientras el banco confirma; verificamos cada 7 minutos.",
     ["pago", "PSE", "tarjeta"]),
    ("kb-soporte-pago", "pagos", "Enviar el soporte de una consignación",
     "Abre la factura, escribe un comentario y adjunta el comprobante (PDF, PNG o JPG hasta 10 MB) marcando "
     "*soporte de pago*.", ["consignación", "transferencia"]),
    ("kb-garantia", "garantias", "Garantía de herramientas eléctricas",
     "Las herramientas eléctricas tienen **12 meses** de garantía por defectos de fábrica.\n\n- Conserva la "
     "factura.\n- Abre un caso de categoría *garantía* con fotos del producto.\n- Te indicamos dónde llevarlo.",
     ["garantía", "devolución"]),
    ("kb-despachos", "logistica", "Horarios de despacho y seguimiento de pedidos",
     "Despachamos de lunes a sábado. Bogotá: 24 horas; resto del país: 2 a 5 días hábiles con la guía de la "
     "transportadora.", ["envío", "entrega", "guía"]),
)


def _seed_support() -> None:
    """Knowledge-base articles (upserts by id) and Ana's cases (opened once: a subject already there is kept)."""
    tenants.put_support_settings(TENANT, {"desk_email": "soporte@andina.example.com", "reopen_days": 7})
    for article_id, category, title, body, tags in ARTICLES:
        knowledge.publish(TENANT, article_id, read_article({"title": title, "body_markdown": body,
                                                            "category": category, "tags": tags}))
    for subject, category, description, answer, status in (
        ("El taladro DW-500 no enciende", "warranty", "Compramos 3 taladros en la factura FV-1003 y uno no enciende.",
         "Hola Ana, por favor envíanos una foto de la placa del taladro.", "waiting_customer"),
        ("Factura FV-1004 con valor errado", "billing", "La factura FV-1004 cobra 10 cajas y recibimos 8.",
         "Revisamos la remisión: emitimos una nota crédito por las 2 cajas.", "resolved"),
        ("¿Cuándo llega el pedido de tornillería?", "delivery", "El pedido de la semana pasada no ha llegado.",
         None, None),
    ):
        request = read_new_case({"subject": subject, "description": description, "category": category},
                                categories=cases.DEFAULT_CATEGORIES)
        case = cases.seed_case(TENANT, "ana", request)
        if answer and not case.first_response_at:
            cases.reply_as_staff(TENANT, case.case_id, read_staff_comment(
                {"body": answer, "author": {"name": "Camila Soporte"}}))
            cases.update_as_staff(TENANT, case.case_id, read_staff_update({"status": status}))


def seed_demo(*, api_key: str, portal_url: str) -> dict[str, Any]:
    """Creates tenant ``demo`` with its data, once; returns the logins and the integrator key."""
    logins = {
        "ana.gomez@eltornillo.example.com": "all modules, whole company",
        "bruno.diaz@eltornillo.example.com": "billing, payments and profile; own records only",
        "carla.rios@la15.example.com": "access ended yesterday (sign-in is refused)",
    }
    summary = {"tenant": TENANT, "api_key": api_key, "password": DEMO_PASSWORD, "logins": logins,
               "invited": "diego.mora@la15.example.com (set a password from the mail outbox link)"}
    try:
        tenants.get_tenant(TENANT)
    except NotFound:
        tenants.create_tenant(TENANT, name="Distribuidora Andina S.A.S.", timezone="America/Bogota",
                              portal_url=portal_url, currency="COP", modules=frozenset(MODULES))
    else:
        if _completed():
            return summary  # seeded before: what the developer changed since stays as it is
    # Not seeded, or a seed that stopped half-way: every step below is an upsert by a fixed id, so running it
    # again adds nothing twice.
    tenants.set_branding(TENANT, brand="#0b5394", brand_contrast="#ffffff")
    try:
        tenants.create_api_key(TENANT, label="demo integrator", key=api_key)
    except Conflict:
        pass  # registered by the earlier run
    # PayU's public sandbox merchant (DESIGN §5) and a Zona Virtual test commerce; `make run` points both at
    # the local sandbox, so anyone can check a signature by hand.
    gateways.configure(TENANT, "payu", {"merchant_id": "508029", "account_id": "512321",
                                        "api_key": "4Vj8eK4rloUd272L48hsrarnUA", "api_login": "pRRXKOl8ikMmt9u",
                                        "algorithm": "SHA256", "test": True}, partial_payments=True)
    gateways.configure(TENANT, "zonavirtual", {"commerce_id": "31685", "user": "PorticoDemo",
                                               "password": "PorticoDemo2026", "service_code": "2701", "test": True})
    today = clock.today("America/Bogota")
    executive = {"name": "Laura Restrepo", "email": "laura.restrepo@andina.example.com", "phone": "+57 601 555 0101"}
    for account_id, name, nit, city in (
        ("eltornillo", "Ferretería El Tornillo S.A.S.", "900123456-8", "Bogotá"),
        ("la15", "Comercializadora La 15 Ltda.", "890903938-8", "Medellín"),
    ):
        accounts.upsert_account(TENANT, account_id, {
            "name": name, "tax_id": nit, "tax_id_type": "NIT", "email": f"contabilidad@{account_id}.example.com",
            "phone": "+57 601 555 0199", "address": "Calle 15 # 10-20", "city": city, "currency": "COP",
            "credit_limit": 50_000_000_00, "account_executive": executive,
            **({"price_list_id": "mayorista-2026"} if account_id == "eltornillo" else {}),
        })
    people = (
        ("ana", "eltornillo", "Ana Gómez", "ana.gomez@eltornillo.example.com", MODULES, "account"),
        ("bruno", "eltornillo", "Bruno Díaz", "bruno.diaz@eltornillo.example.com",
         ("billing", "payments", "profile"), "own"),
        ("carla", "la15", "Carla Ríos", "carla.rios@la15.example.com", MODULES, "account"),
        ("diego", "la15", "Diego Mora", "diego.mora@la15.example.com", MODULES, "account"),
    )
    for contact_id, account_id, name, email, modules, scope in people:
        contacts.upsert_contact(TENANT, contact_id, {"account_id": account_id, "name": name, "email": email,
                                                     "language": "es-CO",
                                                     "portal": _grant(modules, scope=scope, today=today)})
        if contact_id != "diego":
            contacts.set_password_directly(TENANT, contact_id, DEMO_PASSWORD)
    contacts.upsert_contact(TENANT, "elena", {"account_id": "eltornillo", "name": "Elena Castro",
                                              "email": "elena.castro@eltornillo.example.com"})
    yesterday = today - timedelta(days=1)
    contacts.set_access_window(TENANT, "carla", start_date=(today - timedelta(days=180)).isoformat(),
                               end_date=yesterday.isoformat())
    salesperson = {"name": "Mateo Vélez", "email": "mateo.velez@andina.example.com"}
    invoices = (  # (id, account, contact, days since issue, days of credit, total, paid)
        ("FV-1001", "eltornillo", "ana", 120, 30, 4_250_000_00, 4_250_000_00),
        ("FV-1002", "eltornillo", "bruno", 105, 30, 1_750_050_00, 0),
        ("FV-1003", "eltornillo", "ana", 70, 30, 3_120_000_00, 1_000_000_00),
        ("FV-1004", "eltornillo", "bruno", 40, 30, 890_000_00, 0),
        ("FV-1005", "eltornillo", "ana", 25, 30, 2_340_500_00, 0),
        ("FV-1006", "eltornillo", "ana", 5, 30, 5_600_000_00, 0),
        ("FV-2001", "la15", "carla", 50, 30, 7_800_000_00, 0),
        ("FV-2002", "la15", "diego", 12, 30, 1_200_000_00, 0),
    )
    for doc_id, account_id, contact_id, age, credit, total, paid in invoices:
        issued = today - timedelta(days=age)
        tax = total * 19 // 119
        documents.push_document(TENANT, doc_id, read_document("invoice", {
            "account_id": account_id, "contact_id": contact_id, "number": doc_id,
            "issue_date": issued.isoformat(), "due_date": (issued + timedelta(days=credit)).isoformat(),
            "currency": "COP", "total": total, "balance": total - paid, "tax": tax, "salesperson": salesperson,
            "lines": [{"description": "Herramienta y ferretería (pedido consolidado)", "quantity": 1,
                       "unit_price": total - tax, "total": total - tax}],
        }))
    documents.push_document(TENANT, "RC-501", read_document("receipt", {
        "account_id": "eltornillo", "contact_id": "ana", "number": "RC-501",
        "issue_date": (today - timedelta(days=80)).isoformat(), "currency": "COP", "total": 4_250_000_00,
        "method": "Transferencia", "applied_to": [{"invoice_id": "FV-1001", "amount": 4_250_000_00}],
    }))
    documents.push_document(TENANT, "NC-301", read_document("credit_note", {
        "account_id": "eltornillo", "contact_id": "ana", "number": "NC-301",
        "issue_date": (today - timedelta(days=45)).isoformat(), "currency": "COP", "total": 1_000_000_00,
        "reason": "Devolución de mercancía", "applied_to": [{"invoice_id": "FV-1003", "amount": 1_000_000_00}],
    }))
    seed_sales(today=today)
    _seed_support()
    # Pushed last: its presence is what tells a later run that the seed completed (_completed).
    mark_type, mark_id = COMPLETION_MARK
    documents.push_document(TENANT, mark_id, read_document(mark_type, {
        "account_id": "la15", "contact_id": "carla", "number": "ND-101",
        "issue_date": (today - timedelta(days=20)).isoformat(), "currency": "COP", "total": 150_000_00,
        "reason": "Intereses de mora",
    }))
    return summary


# (sku, name, kind, unit, category, tax_rate (bp), general price, stock, characteristics, description)
PRODUCTS = (
    ("TOR-DRY-6x1", "Tornillo drywall 6 x 1\" (caja x 100)", "product", "caja", "Tornillería", 1900, 18_500_00, 240,
     {"Material": "Acero fosfatado", "Punta": "Broca", "Cabeza": "Trompeta"}, "Para fijar láminas de yeso a perfiles."),
    ("TOR-HEX-38", "Tornillo hexagonal 3/8 x 2\" galvanizado", "product", "unidad", "Tornillería", 1900, 1_250_00,
     5200,
     {"Material": "Acero galvanizado", "Rosca": "UNC", "Grado": "5"}, None),
    ("TUE-HEX-38", "Tuerca hexagonal 3/8 galvanizada", "product", "unidad", "Tornillería", 1900, 450_00, 8000,
     {"Material": "Acero galvanizado", "Rosca": "UNC"}, None),
    ("ANC-EXP-12", "Anclaje expansivo 1/2 x 3\"", "product", "unidad", "Fijaciones", 1900, 3_900_00, 1500,
     {"Material": "Acero zincado", "Uso": "Concreto"}, "Anclaje mecánico para cargas medias en concreto."),
    ("TAL-PER-750", "Taladro percutor 750 W", "product", "unidad", "Herramientas eléctricas", 1900, 389_000_00, 14,
     {"Potencia": "750 W", "Mandril": "13 mm", "Velocidad": "0-3000 rpm", "Garantía": "12 meses"},
     "Taladro percutor con control de velocidad, empuñadura auxiliar y tope de profundidad."),
    ("PUL-ANG-4.5", "Pulidora angular 4 1/2\" 850 W", "product", "unidad", "Herramientas eléctricas", 1900,
     269_900_00, 9,
     {"Potencia": "850 W", "Disco": "115 mm", "Garantía": "12 meses"}, None),
    ("BRO-CON-SET", "Juego de brocas para concreto (8 piezas)", "product", "juego", "Accesorios", 1900, 74_500_00, 60,
     {"Medidas": "4 a 12 mm", "Vástago": "Cilíndrico"}, None),
    ("DIS-COR-4.5", "Disco de corte metal 4 1/2\"", "product", "unidad", "Accesorios", 1900, 6_800_00, 900,
     {"Espesor": "1 mm", "Uso": "Metal e inoxidable"}, None),
    ("PIN-VIN-BLA", "Pintura vinilo tipo 1 blanca (galón)", "product", "galón", "Pinturas", 1900, 96_000_00, 75,
     {"Acabado": "Mate", "Rendimiento": "40 m² por galón", "Color": "Blanco"}, None),
    ("PIN-ESM-NEG", "Esmalte sintético negro (galón)", "product", "galón", "Pinturas", 1900, 118_000_00, 30,
     {"Acabado": "Brillante", "Color": "Negro"}, None),
    ("CIN-AIS-NEG", "Cinta aislante negra 18 mm x 20 m", "product", "rollo", "Eléctricos", 1900, 4_200_00, 600,
     {"Ancho": "18 mm", "Largo": "20 m"}, None),
    ("CAB-THW-12", "Cable THHN/THWN calibre 12 (rollo 100 m)", "product", "rollo", "Eléctricos", 1900, 289_000_00, 40,
     {"Calibre": "12 AWG", "Largo": "100 m", "Color": "Rojo"}, None),
    ("TUB-PVC-12", "Tubo PVC presión 1/2\" x 6 m", "product", "unidad", "Plomería", 1900, 17_900_00, 320,
     {"Diámetro": "1/2 pulgada", "Largo": "6 m", "RDE": "13,5"}, None),
    ("GUA-NIT-M", "Guantes de nitrilo talla M (par)", "product", "par", "Seguridad industrial", 1900, 8_500_00, 450,
     {"Talla": "M", "Material": "Nitrilo"}, None),
    ("CAS-SEG-BLA", "Casco de seguridad blanco con rachet", "product", "unidad", "Seguridad industrial", 1900,
     32_000_00, 110, {"Norma": "ANSI Z89.1", "Color": "Blanco"}, None),
    ("SRV-MANT-HE", "Mantenimiento preventivo de herramienta eléctrica", "service", "servicio", "Servicios", 1900,
     85_000_00, None, {"Duración": "48 horas hábiles", "Incluye": "Limpieza, escobillas y prueba"},
     "Revisión completa en nuestro taller; recogemos y entregamos en Bogotá."),
    ("SRV-CORTE", "Corte de lámina a medida", "service", "corte", "Servicios", 0, None, None,
     {"Materiales": "Acero, aluminio, acrílico"}, "Cotizamos cada trabajo según el material y las medidas."),
    ("ESC-TIJ-6", "Escalera tijera aluminio 6 pasos", "product", "unidad", "Herramientas manuales", 1900, None, 6,
     {"Material": "Aluminio", "Carga": "136 kg"}, "Precio según disponibilidad: solicita una cotización."),
)


def seed_sales(*, today: Any) -> None:
    """The catalog, a general and a wholesale price list, quotes and orders of the demo tenant. Every write is an
    upsert under a fixed id (orders are written once), so running it again adds nothing."""
    for sku, name, kind, unit, category, rate, _price, stock, attributes, description in PRODUCTS:
        catalog.put_product(TENANT, sku, {"name": name, "kind": kind, "unit": unit, "category": category,
                                          "tax_rate": rate, "attributes": attributes, "description": description,
                                          **({"stock": stock} if stock is not None else {})})
    general = [{"sku": p[0], "unit_price": p[6]} for p in PRODUCTS if p[6] is not None]
    general += [{"sku": "TOR-HEX-38", "unit_price": 1_050_00,
                 "min_qty": 100}, {"sku": "TUE-HEX-38", "unit_price": 380_00, "min_qty": 100}]
    catalog.put_price_list(TENANT, "general-2026", {"name": "Lista general 2026", "currency": "COP",
                                                    "valid_from": f"{today.year}-01-01", "items": general})
    catalog.put_price_list(TENANT, "mayorista-2026", {
        "name": "Mayoristas ferreteros", "currency": "COP", "valid_from": (today - timedelta(days=60)).isoformat(),
        "valid_to": (today + timedelta(days=300)).isoformat(),
        "items": [{"sku": "TOR-DRY-6x1", "unit_price": 16_200_00}, {"sku": "TOR-DRY-6x1", "unit_price": 15_400_00,
                                                                   "min_qty": 20},
                  {"sku": "TAL-PER-750", "unit_price": 349_000_00}, {"sku": "PIN-VIN-BLA", "unit_price": 88_000_00}]})
    catalog.put_sales_settings(TENANT, {"default_price_list_id": "general-2026", "max_overdue_days": 120})
    lines = [
        {"sku": "TAL-PER-750", "description": "Taladro percutor 750 W", "qty": 4, "unit_price": 339_000_00,
         "tax_rate": 1900},
        {"sku": "BRO-CON-SET", "description": "Juego de brocas para concreto", "qty": 4, "unit_price": 69_000_00,
         "tax_rate": 1900},
        {"description": "Transporte a Bogotá", "qty": 1, "unit_price": 45_000_00, "discount": 45_000_00,
         "tax_rate": 0},
    ]
    salesperson = {"name": "Mateo Vélez", "email": "mateo.velez@andina.example.com"}
    for quote_id, account_id, contact_id, issued, days, body_lines, notes in (
        ("COT-2026-0101", "eltornillo", "ana", 3, 27, lines,
         "Transporte sin costo por compras superiores a $ 1.500.000."),
        ("COT-2026-0104", "eltornillo", "ana", 1, 14, [
            {"sku": "SRV-CORTE", "description": "Corte de 40 láminas de acero 1,2 m x 2,4 m a 60 x 60 cm", "qty": 40,
             "unit": "corte", "unit_price": 12_000_00, "tax_rate": 0},
            {"sku": "ESC-TIJ-6", "description": "Escalera tijera aluminio 6 pasos", "qty": 2,
             "unit_price": 420_000_00, "tax_rate": 1900}], "Entrega en 5 días hábiles."),
        ("COT-2026-0087", "eltornillo", "ana", 45, 15, lines[:1], None),
        ("COT-2026-0110", "la15", "carla", 2, 20, lines[1:2], None),
    ):
        issue = today - timedelta(days=issued)
        try:
            quotes.put_quote(TENANT, quote_id, {
                "account_id": account_id, "contact_id": contact_id, "number": quote_id,
                "issue_date": issue.isoformat(), "valid_until": (issue + timedelta(days=days)).isoformat(),
                "currency": "COP", "lines": body_lines, "notes": notes, "salesperson": salesperson,
                "terms": "Precios antes de IVA. Pago a 30 días."})
        except Conflict:
            pass  # the contact answered it already: it stays as they left it
    for order_id, contact_id, ago, order_lines, moves in (
        ("PED-DEMO-0001", "ana", 20, [("TOR-DRY-6x1", 30), ("ANC-EXP-12", 200)],
         [{"status": "confirmed"}, {"status": "shipped", "tracking": "SERVIENTREGA 2093 4471"},
          {"status": "delivered"}]),
        ("PED-DEMO-0002", "ana", 4, [("TAL-PER-750", 2), ("DIS-COR-4.5", 50)],
         [{"status": "confirmed"}, {"status": "in_preparation", "note": "Despacho programado para el viernes"}]),
        ("PED-DEMO-0003", "bruno", 1, [("PIN-VIN-BLA", 6), ("GUA-NIT-M", 24)], []),
    ):
        placed = clock.iso(clock.now() - timedelta(days=ago))
        if orders.record_order(TENANT, order_id=order_id, account_id="eltornillo", contact_id=contact_id,
                               lines=order_lines, placed_at=placed,
                               details={"po_number": f"OC-{order_id[-4:]}", "delivery_address": "Calle 15 # 10-20"}):
            for move in moves:
                orders.change_status(TENANT, order_id, move)
