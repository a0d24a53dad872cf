"""Personal information: the seed's form, prefilled from identity, its errors next to the fields."""

import httpx

from tests.web.support import Account, csrf, field_error, login, me

PROFILE_LABELS = [
    "Genre",
    "Prénom",
    "Nom",
    "Adresse ligne 1",
    "# app.",
    "Adresse ligne 2",
    "Ville",
    "Province",
    "Code postal",
    "Téléphone mobile",
    "Langue",
    "Téléphone maison",
    "Ext.",
    "Téléphone au travail",
]


def profile_form(token: str, **changes: str) -> dict[str, str]:
    form = {
        "csrf_token": token,
        "gender": "male",
        "first_name": "Jean",
        "last_name": "Roy",
        "address_line1": "12 rue Principale",
        "apartment": "3",
        "address_line2": "",
        "city": "Québec",
        "province": "QC",
        "postal_code": "g1r 2b5",
        "mobile_phone": "418 555-0199",
        "language": "fr",
        "home_phone": "",
        "home_phone_ext": "",
        "work_phone": "",
        "work_phone_ext": "",
    }
    form.update(changes)
    return form


async def test_profile_form_has_the_seed_labels_and_defaults(
    client: httpx.AsyncClient, bare: Account
) -> None:
    await login(client, bare.email)
    html = (await client.get("/informations-personnelles")).text
    for label in PROFILE_LABELS:
        assert f">{label}</label>" in html, label
    for text in ['<h1 class="page-title">Informations personnelles</h1>', ">Mettre à jour<"]:
        assert text in html, text
    assert ">Déconnexion</button>" in html
    assert '<option value="QC" selected>' in html
    assert html.count('<option value="', html.index('id="f-province"')) >= 13
    assert '<option value="fr" selected>Français</option>' in html


async def test_profile_is_prefilled_from_identity(client: httpx.AsyncClient, user: Account) -> None:
    await login(client, user.email)
    html = (await client.get("/informations-personnelles")).text
    assert 'value="Marie"' in html and 'value="H3A 1A1"' in html
    assert 'value="514 555-1234"' in html
    assert '<option value="female" selected>' in html


async def test_profile_errors_sit_next_to_their_fields(
    client: httpx.AsyncClient, bare: Account
) -> None:
    await login(client, bare.email)
    token = await csrf(client, "/informations-personnelles")
    form = profile_form(token, postal_code="12345", first_name="")
    response = await client.post("/informations-personnelles", data=form)
    assert response.status_code == 422
    assert field_error(response.text, "postal_code") == "Code postal invalide (format A1A 1A1)."
    assert field_error(response.text, "first_name") == "Champ requis."
    assert field_error(response.text, "city") is None
    assert 'value="Roy"' in response.text
    # identity asks for a phone once the fields themselves are valid
    no_phone = await client.post(
        "/informations-personnelles", data=profile_form(token, mobile_phone="")
    )
    assert no_phone.status_code == 422
    assert field_error(no_phone.text, "mobile_phone") == (
        "Champ requis : au moins un numéro de téléphone."
    )
    assert field_error(no_phone.text, "postal_code") is None
    english = await client.post(
        "/informations-personnelles?lang=en", data=profile_form(token, postal_code="12345")
    )
    assert field_error(english.text, "postal_code") == "Invalid postal code (format A1A 1A1)."


async def test_profile_update_leads_to_dashboard_with_notice(
    client: httpx.AsyncClient, identity: httpx.AsyncClient, bare: Account
) -> None:
    await login(client, bare.email)
    token = await csrf(client, "/informations-personnelles")
    response = await client.post("/informations-personnelles", data=profile_form(token))
    assert response.headers["location"] == "/tableau-de-bord"
    stored = (await me(identity, bare))["profile"]
    assert stored["postal_code"] == "G1R 2B5" and stored["mobile_phone"] == "+14185550199"
    assert stored["apartment"] == "3" and stored["address_line2"] is None
    html = (await client.get("/tableau-de-bord")).text
    assert "Vos informations personnelles ont été mises à jour." in html
    assert "Jean" in html


async def test_choosing_english_in_profile_switches_the_pages(
    client: httpx.AsyncClient, identity: httpx.AsyncClient, bare: Account
) -> None:
    await login(client, bare.email)
    token = await csrf(client, "/informations-personnelles")
    await client.post("/informations-personnelles", data=profile_form(token, language="en"))
    html = (await client.get("/tableau-de-bord")).text
    assert '<html lang="en">' in html and "ADD A SUBSCRIPTION" in html
    assert (await me(identity, bare))["language"] == "en"
