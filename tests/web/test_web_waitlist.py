"""MON ABONNEMENT for a request on a full offering, with the real identity and subscriptions
apps: « Liste d'attente — rang N » in French and English, and « Confirmer ma place » refused
while no space is offered (the service's rules: tests/subscriptions/test_waitlist_api.py; the
offer and its confirmation: tests/workflows/test_waitlist_workflow.py)."""

import httpx

from tests.support.mail import SmtpServer
from tests.web.subscriptions_support import (
    Catalog,
    make_operator,
    operator_token,
    request_subscription,
    text_of,
)
from tests.web.support import Account, bearer, csrf, login


async def test_a_request_on_a_full_offering_shows_its_rank(
    client: httpx.AsyncClient,
    user: Account,
    catalog: Catalog,
    subs_api: httpx.AsyncClient,
    identity: httpx.AsyncClient,
    smtp: SmtpServer,
    identity_settings: object,
) -> None:
    agent = await make_operator(identity, smtp, identity_settings)  # type: ignore[arg-type]
    token = await operator_token(identity, agent)
    full = catalog.das_id + 1
    body = {
        "id": full,
        "site_id": catalog.site_id,
        "category_id": catalog.category_id,
        "code": "1463",
        "name": "Hôpital de Hull - Complet",
        "description_fr": "Abonnement mensuel en tout temps",
        "description_en": "Monthly subscription, any time",
        "monthly_price_cents": 6500,
        "billing_mode": "payroll",
        "capacity": 0,
    }
    created = await subs_api.post("/v1/operator/offerings", json=body, headers=bearer(token))
    assert created.status_code == 201, created.text
    await login(client, user.email)

    sid = await request_subscription(client, catalog, f"W{user.id[:5].upper()}", full)

    french = text_of((await client.get(f"/mon-abonnement/{sid}")).text)
    assert "Liste d'attente — rang 1" in french
    assert "a 72 heures pour la confirmer" in french
    assert "Confirmer ma place" not in french  # nothing offered yet
    english = text_of((await client.get(f"/mon-abonnement/{sid}?lang=en")).text)
    assert "Waitlist — rank 1" in english
    await client.get("/tableau-de-bord?lang=fr")
    path = f"/mon-abonnement/{sid}/liste-attente/confirmer"
    token = await csrf(client, f"/mon-abonnement/{sid}/annuler-la-demande")
    refused = await client.post(path, data={"csrf_token": token})
    assert refused.status_code == 409
    assert "Aucune place ne vous est offerte" in text_of(refused.text)
