"""The catalog users browse (site -> category -> offering) and operators manage."""

import pytest

from tests.subscriptions.factories import (
    HULL_EMPLOYEE,
    HULL_MANAGER,
    HULL_RESERVED,
    HULL_SITE,
    PLATE_SITE,
    offering,
)


async def test_sites_are_listed_with_their_access_type(client, users):
    user = await users()
    response = await client.get("/v1/sites", headers=user.headers)

    assert response.status_code == 200
    sites = {s["id"]: s for s in response.json()}
    assert sites[HULL_SITE]["address"] == "116 Boul Lionel-Émond, J8Y 1W7, Gatineau, QC"
    assert sites[HULL_SITE]["establishment"] == "CISSS de l'Outaouais"
    assert sites[HULL_SITE]["access_type"] == "card"
    assert sites[PLATE_SITE]["access_type"] == "plate"
    assert len({s["establishment"] for s in sites.values()}) >= 2


async def test_the_catalog_needs_a_session(client):
    response = await client.get("/v1/sites")
    assert response.status_code == 401
    bad = await client.get("/v1/sites", headers={"Authorization": "Bearer not.a.token"})
    assert (bad.status_code, bad.json()["error"]) == (401, "invalid_token")


async def test_categories_of_a_site_and_404_for_an_unknown_site(client, users):
    user = await users()
    response = await client.get(f"/v1/sites/{HULL_SITE}/categories", headers=user.headers)
    names = [c["name_fr"] for c in response.json()]
    assert "Employé du CISSSO" in names and "Cadre" in names

    missing = await client.get("/v1/sites/999999/categories", headers=user.headers)
    assert (missing.status_code, missing.json()["error"]) == (404, "site_not_found")


async def test_offerings_filtered_by_category_with_price_and_billing(client, users):
    user = await users()
    response = await client.get(
        f"/v1/sites/{HULL_SITE}/offerings",
        params={"category_id": HULL_EMPLOYEE},
        headers=user.headers,
    )
    offerings = {o["id"]: o for o in response.json()}
    das = offerings[7117]
    assert das["name"] == "Hôpital de Hull - Employé CISSSO"
    assert (das["code"], das["monthly_price_cents"], das["billing_mode"]) == (
        "1461",
        6500,
        "payroll",
    )
    assert das["notice_days"] == 30
    assert "capacity" not in das and "visibility" not in das
    assert all(o["category_id"] == HULL_EMPLOYEE for o in offerings.values())


async def test_restricted_offering_is_hidden_until_an_operator_grants_it(client, users):
    user, operator = await users(), await users(role="operator")
    url = f"/v1/sites/{HULL_SITE}/offerings"
    params = {"category_id": HULL_MANAGER}

    hidden = await client.get(url, params=params, headers=user.headers)
    assert HULL_RESERVED not in {o["id"] for o in hidden.json()}
    shown_to_operator = await client.get(url, params=params, headers=operator.headers)
    assert HULL_RESERVED in {o["id"] for o in shown_to_operator.json()}

    granted = await client.post(
        f"/v1/operator/offerings/{HULL_RESERVED}/grants",
        headers=operator.headers,
        json={"account_id": user.id},
    )
    assert granted.status_code == 204
    visible = await client.get(url, params=params, headers=user.headers)
    assert HULL_RESERVED in {o["id"] for o in visible.json()}

    await client.delete(
        f"/v1/operator/offerings/{HULL_RESERVED}/grants/{user.id}", headers=operator.headers
    )
    again = await client.get(url, params=params, headers=user.headers)
    assert HULL_RESERVED not in {o["id"] for o in again.json()}


async def test_operators_manage_the_catalog(client, users, ids):
    operator = await users(role="operator")
    site_id = ids.next()
    site = {
        "id": site_id,
        "establishment": "CIUSSS de l'Estrie - CHUS",
        "name": "CHUS - Essai",
        "address": "3001 12e Avenue N, J1H 5N4, Sherbrooke, QC",
        "access_type": "plate",
    }
    created = await client.post("/v1/operator/sites", headers=operator.headers, json=site)
    assert created.status_code == 201, created.text
    category = await client.post(
        "/v1/operator/categories",
        headers=operator.headers,
        json={"site_id": site_id, "name_fr": "Résident", "name_en": "Resident"},
    )
    assert category.status_code == 201, category.text
    changed = await client.put(
        f"/v1/operator/sites/{site_id}",
        headers=operator.headers,
        json=site | {"name": "CHUS - Essai 2"},
    )
    assert changed.json()["name"] == "CHUS - Essai 2"

    made = await offering(client, operator, ids.next(), capacity=3)
    assert (made["capacity"], made["active_count"], made["visibility"]) == (3, 0, "public")
    listed = await client.get(
        "/v1/operator/offerings", params={"site_id": HULL_SITE}, headers=operator.headers
    )
    assert made["id"] in {o["id"] for o in listed.json()}


async def test_an_offering_category_must_belong_to_its_site(client, users, ids):
    operator = await users(role="operator")
    response = await client.post(
        "/v1/operator/offerings",
        headers=operator.headers,
        json={
            "id": ids.next(),
            "site_id": PLATE_SITE,
            "category_id": HULL_EMPLOYEE,
            "code": "1",
            "name": "x",
            "description_fr": "x",
            "description_en": "x",
            "monthly_price_cents": 100,
            "billing_mode": "payroll",
            "capacity": 1,
        },
    )
    assert (response.status_code, response.json()["error"]) == (404, "category_not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/v1/operator/sites"),
        ("post", "/v1/operator/offerings"),
        ("post", f"/v1/operator/offerings/{HULL_RESERVED}/grants"),
        ("get", "/v1/operator/requests"),
    ],
)
async def test_regular_users_cannot_use_the_operator_api(client, users, method, path):
    user = await users()
    response = await client.request(method, path, headers=user.headers, json={})
    assert (response.status_code, response.json()["error"]) == (403, "forbidden")
