"""Informations personnelles, data export, account deletion, and who may see what."""

import uuid

import pytest

from tests.identity.helpers import PASSWORD, PROFILE, bearer, login, verified_account
from tests.support.service_rows import add_active_subscription

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
async def tokens(identity, smtp, unique_email) -> dict:
    await verified_account(identity, smtp, unique_email)
    return await login(identity, unique_email)


async def test_profile_is_saved_normalised_and_completes_the_account(identity, tokens):
    response = await identity.put("/v1/me/profile", headers=bearer(tokens), json=PROFILE)

    assert response.status_code == 200, response.text
    saved = response.json()
    assert saved["postal_code"] == "J8Y 1W7"
    assert saved["province"] == "QC"
    assert saved["mobile_phone"] == "+18195550142"
    me = (await identity.get("/v1/me", headers=bearer(tokens))).json()
    assert me["profile_complete"] is True and me["profile"]["first_name"] == "Léa"


async def test_language_of_the_profile_becomes_the_account_language(identity, tokens):
    await identity.put("/v1/me/profile", headers=bearer(tokens), json=PROFILE | {"language": "en"})
    me = (await identity.get("/v1/me", headers=bearer(tokens))).json()
    assert me["language"] == "en"


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"postal_code": "D1A 1A1"}, "postal_code", "postal_code_invalid"),
        ({"postal_code": "12345"}, "postal_code", "postal_code_invalid"),
        ({"province": "QB"}, "province", "province_invalid"),
        ({"mobile_phone": "555-0142"}, "mobile_phone", "phone_invalid"),
        ({"mobile_phone": "+33 1 42 68 53 00"}, "mobile_phone", "phone_invalid"),
        (
            {"work_phone": "514 555 0199", "work_phone_ext": "12a"},
            "work_phone_ext",
            "extension_invalid",
        ),
        ({"mobile_phone": None}, "mobile_phone", "phone_required"),
        ({"first_name": ""}, "first_name", "string_too_short"),
    ],
)
async def test_bad_profile_input_names_the_field(identity, tokens, change, field, code):
    response = await identity.put("/v1/me/profile", headers=bearer(tokens), json=PROFILE | change)

    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field and body["errors"][0]["code"] == code
    assert body["message"]["fr"] != body["message"]["en"]
    me = (await identity.get("/v1/me", headers=bearer(tokens))).json()
    assert me["profile"] is None  # nothing half-written


async def test_a_missing_field_is_reported_as_required(identity, tokens):
    incomplete = {k: v for k, v in PROFILE.items() if k != "city"}
    body = (await identity.put("/v1/me/profile", headers=bearer(tokens), json=incomplete)).json()
    assert body["field"] == "city" and body["message"]["fr"] == "Champ requis."


async def test_one_user_only_ever_reaches_their_own_profile(identity, smtp, tokens):
    other_email = f"other-{uuid.uuid4().hex[:8]}@example.org"
    await verified_account(identity, smtp, other_email)
    other = await login(identity, other_email)
    await identity.put("/v1/me/profile", headers=bearer(tokens), json=PROFILE)

    mine = (await identity.get("/v1/me", headers=bearer(other))).json()
    assert mine["email"] == other_email and mine["profile"] is None
    await identity.put("/v1/me/profile", headers=bearer(other), json=PROFILE | {"city": "Hull"})
    first = (await identity.get("/v1/me", headers=bearer(tokens))).json()
    assert first["profile"]["city"] == "Gatineau"
    assert (await identity.get("/v1/me")).status_code == 401


async def test_export_contains_every_personal_field(identity, tokens):
    await identity.put("/v1/me/profile", headers=bearer(tokens), json=PROFILE)
    response = await identity.get("/v1/me/export", headers=bearer(tokens))

    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["account"]["email"].endswith("@example.org")
    assert data["profile"]["last_name"] == "Tremblay"
    assert data["profile"]["postal_code"] == "J8Y 1W7"


async def test_deletion_is_refused_while_a_subscription_is_active(identity, tokens, database_urls):
    await add_active_subscription(database_urls["subscriptions"], tokens["account"]["id"])

    response = await identity.post(
        "/v1/me/deletion", headers=bearer(tokens), json={"password": PASSWORD}
    )
    assert (response.status_code, response.json()["error"]) == (409, "active_subscription")
    assert (await identity.get("/v1/me", headers=bearer(tokens))).status_code == 200


async def test_deletion_asks_the_password_then_removes_the_account(identity, tokens, unique_email):
    wrong = await identity.post("/v1/me/deletion", headers=bearer(tokens), json={"password": "x"})
    assert wrong.json()["error"] == "current_password_wrong"

    deleted = await identity.post(
        "/v1/me/deletion", headers=bearer(tokens), json={"password": PASSWORD}
    )
    assert deleted.status_code == 204
    gone = await identity.post("/v1/sessions", json={"email": unique_email, "password": PASSWORD})
    assert gone.status_code == 401
