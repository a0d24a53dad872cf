""" "Créer un nouvel abonnement" 1-4 and 6, MON ABONNEMENT, withdrawal, with the real identity and
the real subscriptions app (catalog created through the operators' API, per test)."""

import re

import httpx
from fastapi import FastAPI

from tests.support.mail import SmtpServer
from tests.support.service_rows import add_active_subscription
from tests.web.subscriptions_support import (
    Catalog,
    add_vehicle,
    choose_offering,
    current_step,
    request_subscription,
    text_of,
    today,
    vehicle_ids,
)
from tests.web.support import Account, csrf, field_error, login


async def test_step_1_narrows_site_category_offering_with_plain_forms(
    client: httpx.AsyncClient, user: Account, catalog: Catalog
) -> None:
    await login(client, user.email)
    first = text_of((await client.get("/ajouter-un-abonnement")).text)
    assert current_step(first) == (1, "Abonnement", 5)
    assert "1. Sélectionnez un stationnement ou une organisation" in first
    assert f"#{catalog.site_id}" in first
    assert "116 Boul Lionel-Émond, J8Y 1W7, Gatineau, QC" in first
    assert "2. Sélectionnez votre catégorie d'utilisateur" not in first

    second = text_of((await client.get(f"/ajouter-un-abonnement?site_id={catalog.site_id}")).text)
    assert '<label for="f-category_id">2. Sélectionnez votre catégorie d\'utilisateur' in second
    assert "Employé du CISSSO" in second

    path = f"/ajouter-un-abonnement?site_id={catalog.site_id}&category_id={catalog.category_id}"
    third = text_of((await client.get(path)).text)
    assert "3. Sélectionnez l'abonnement souhaité" in third
    assert f"1461 - Hôpital de Hull - Employé CISSSO (#{catalog.das_id})" in third
    assert "DAS (Déduction à la source)" in third
    assert "Abonnement mensuel en tout temps" in third
    assert "65,00 $" in third
    assert f'min="{today().isoformat()}"' in third
    for label in [
        "Je souhaite m'abonner à partir du",
        "J'accepte les conditions d'abonnement",
        "Je comprends que l'accès au stationnement nécessite l'approbation de la SPAQ.",
        "Sélectionner cet abonnement",
    ]:
        assert label in third, label
    # every input has its label
    for input_id in re.findall(r'<input id="(f-[\w-]+)"', third):
        assert f'for="{input_id}"' in third, input_id

    english = text_of((await client.get(path + "&lang=en")).text)
    assert "3. Select the subscription you want" in english
    assert "$65.00" in english and "DAS (Payroll deduction)" in english


async def test_step_1_refuses_a_past_date_and_missing_consents_next_to_the_fields(
    client: httpx.AsyncClient, user: Account, catalog: Catalog
) -> None:
    await login(client, user.email)
    path = f"/ajouter-un-abonnement?site_id={catalog.site_id}&category_id={catalog.category_id}"
    data = {
        "csrf_token": await csrf(client, path),
        "site_id": str(catalog.site_id),
        "category_id": str(catalog.category_id),
        "start_date": "2020-01-01",
    }
    refused = await client.post("/ajouter-un-abonnement", data=data)
    assert refused.status_code == 422
    page = text_of(refused.text)
    assert field_error(page, "start_date") == "La date ne peut pas être dans le passé."
    assert "Sélectionnez l'abonnement souhaité." in page
    assert field_error(page, "accept_terms") == "Cochez cette case pour continuer."
    assert field_error(page, "understand_approval") == "Cochez cette case pour continuer."
    english = await client.post("/ajouter-un-abonnement?lang=en", data=data)
    assert field_error(english.text, "start_date") == "The date cannot be in the past."
    # without a chosen offering, the next steps send the browser back to step 1
    assert (await client.get("/ajouter-un-abonnement/vehicules")).headers["location"] == (
        "/ajouter-un-abonnement"
    )


async def test_a_category_without_offering_shows_no_date_consents_or_submit(
    client: httpx.AsyncClient, user: Account, catalog: Catalog
) -> None:
    await login(client, user.email)
    page = text_of((await client.get("/ajouter-un-abonnement?site_id=1534&category_id=102")).text)
    assert "Aucun abonnement n'est offert pour cette catégorie." in page  # « Cadre »
    assert 'name="start_date"' not in page and 'name="accept_terms"' not in page
    assert "Sélectionner cet abonnement" not in page


async def test_the_whole_request_then_its_withdrawal(
    client: httpx.AsyncClient, user: Account, catalog: Catalog
) -> None:
    await login(client, user.email)
    chosen = await choose_offering(client, catalog.site_id, catalog.category_id, catalog.das_id)
    assert chosen.headers["location"] == "/ajouter-un-abonnement/vehicules"

    # Step 2: vehicles
    step2 = text_of((await client.get("/ajouter-un-abonnement/vehicules")).text)
    assert current_step(step2) == (2, "Véhicules", 5)
    for label in [
        "Ajouter un véhicule",
        "Ajoutez un véhicule",
        "Année",
        "Marque",
        "Modèle",
        "Couleur",
        "Numéro d'immatriculation",
        "Besoin d'aide ?",
        "n'inscrivez pas le tiret et le dernier chiffre",
        "Annuler",
        "Enregistrer mon véhicule",
        "* Vous pouvez enregistrer un maximum de 2 véhicules.",
    ]:
        assert label in step2, label
    bad = await add_vehicle(client, "!!")
    assert bad.status_code == 422
    assert field_error(text_of(bad.text), "plate")
    plate = f"Q{user.id[:5].upper()}"
    added = await add_vehicle(client, f"{plate.lower()}-4")  # a registration certificate's form
    assert added.status_code == 303
    step2 = text_of((await client.get("/ajouter-un-abonnement/vehicules")).text)
    assert "Votre véhicule a été enregistré." in step2
    assert plate.replace("-", "") in step2
    assert "Continuer à l'étape suivante" in step2
    assert len(vehicle_ids(step2)) == 1 and "checked" in step2  # the new vehicle is chosen
    token = await csrf(client, "/ajouter-un-abonnement/vehicules")
    none = await client.post("/ajouter-un-abonnement/vehicules", data={"csrf_token": token})
    assert none.status_code == 422
    assert "Sélectionnez 1 ou 2 véhicules." in text_of(none.text)
    picked = await client.post(
        "/ajouter-un-abonnement/vehicules",
        data={"csrf_token": token, "vehicle_ids": vehicle_ids(step2)},
    )
    assert picked.headers["location"] == "/ajouter-un-abonnement/informations"

    # Step 3: information
    step3 = text_of((await client.get("/ajouter-un-abonnement/informations")).text)
    assert current_step(step3) == (3, "Informations", 5)
    assert "Complétez les informations nécessaires à l'abonnement" in step3
    assert 'value="Marie"' in step3 and 'value="Tremblay"' in step3
    assert 'value="1000 rue Sherbrooke"' in step3 and "readonly" in step3
    assert 'href="/informations-personnelles"' in step3
    assert (
        "* Numéro d'employé (si vous êtes résident, merci d'inscrire résident dans cette case)"
        in (step3)
    )
    empty = await client.post(
        "/ajouter-un-abonnement/informations", data={"csrf_token": token, "employee_number": ""}
    )
    assert empty.status_code == 422
    assert field_error(text_of(empty.text), "employee_number")
    informed = await client.post(
        "/ajouter-un-abonnement/informations",
        data={"csrf_token": token, "employee_number": "résident"},
    )
    assert informed.headers["location"] == "/ajouter-un-abonnement/recapitulatif"

    # Step 4: summary
    step4 = text_of((await client.get("/ajouter-un-abonnement/recapitulatif")).text)
    assert current_step(step4) == (4, "Récapitulatif", 5)
    for label in [
        "Récapitulatif de votre abonnement",
        "Revisez le sommaire de votre abonnement",
        "Coordonnées du stationnement ou de l'organisme",
        "Stationnement ou organisme",
        "Détails du service",
        "Abonnement mensuel en tout temps",
        "Mensuel",
        "Mensualité (TTC)",
        "65,00 $",
        "Début de l'abonnement",
        "Fin de l'abonnement",
        "Indéterminée",
        "Document d'accès",
        "Immatriculation",
        "Transmettre ma demande",
    ]:
        assert label in step4, label
    english = text_of((await client.get("/ajouter-un-abonnement/recapitulatif?lang=en")).text)
    assert "$65.00" in english and "Open-ended" in english
    await client.get("/tableau-de-bord?lang=fr")

    sent = await client.post("/ajouter-un-abonnement/recapitulatif", data={"csrf_token": token})
    assert sent.status_code == 303
    detail_path = sent.headers["location"]

    # Step 6: the request, pending
    detail = text_of((await client.get(detail_path)).text)
    assert "Détails de l'abonnement" in detail
    assert (
        "Votre abonnement est présentement en attente d'approbation. Vous recevrez un courriel "
        "lorsque votre demande sera traitée par notre centre de service."
    ) in detail
    assert "En attente d'approbation" in detail
    assert re.search(r"Numéro de contrat</dt><dd>\d{8}</dd>", detail)
    assert "Déduction à la source" in detail and "0,00 $" in detail
    assert "Jour de l'approbation" in detail and "Indéterminée" in detail
    assert "Annuler cette demande de service" in detail
    assert "Transmettre une demande d'annulation" not in detail  # not active yet
    # the journey is forgotten once sent
    assert (await client.get("/ajouter-un-abonnement/recapitulatif")).status_code == 303
    # MON ABONNEMENT goes straight to the only subscription
    mine = await client.get("/mon-abonnement")
    assert mine.headers["location"] == detail_path

    # "Annuler cette demande de service": a confirmation, then the withdrawal
    confirm = text_of((await client.get(f"{detail_path}/annuler-la-demande")).text)
    assert "Oui, annuler ma demande" in confirm
    withdrawn = await client.post(
        f"{detail_path}/annuler-la-demande", data={"csrf_token": csrf_of_page(confirm)}
    )
    assert withdrawn.headers["location"] == detail_path
    after = text_of((await client.get(detail_path)).text)
    assert "Votre demande de service a été annulée." in after
    assert "Annulée" in after and "Annuler cette demande de service" not in after
    assert "Indéterminée" not in after  # a withdrawn request never runs: no end to announce
    assert "<dt>Fin de l'abonnement</dt><dd>—</dd>" in after


def csrf_of_page(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


async def test_a_plate_site_has_no_access_document_note(
    client: httpx.AsyncClient, user: Account, catalog: Catalog
) -> None:
    await login(client, user.email)
    chosen = await choose_offering(
        client, catalog.plate_site_id, catalog.plate_category_id, catalog.plate_offering_id
    )
    assert chosen.status_code == 303, chosen.text
    await add_vehicle(client, f"P{user.id[:5].upper()}")
    page = (await client.get("/ajouter-un-abonnement/vehicules")).text
    token = await csrf(client, "/ajouter-un-abonnement/vehicules")
    await client.post(
        "/ajouter-un-abonnement/vehicules",
        data={"csrf_token": token, "vehicle_ids": vehicle_ids(page)},
    )
    await client.post(
        "/ajouter-un-abonnement/informations",
        data={"csrf_token": token, "employee_number": "résident"},
    )
    summary = text_of((await client.get("/ajouter-un-abonnement/recapitulatif")).text)
    assert "Permis multisites - Résident" in summary
    assert "Document d'accès" not in summary


async def test_a_pad_offering_goes_to_the_payment_step_before_any_request(
    client: httpx.AsyncClient, user: Account, catalog: Catalog
) -> None:
    await login(client, user.email)
    chosen = await choose_offering(client, catalog.site_id, catalog.category_id, catalog.pad_id)
    assert chosen.status_code == 303
    await add_vehicle(client, f"R{user.id[:5].upper()}")
    page = (await client.get("/ajouter-un-abonnement/vehicules")).text
    token = await csrf(client, "/ajouter-un-abonnement/vehicules")
    await client.post(
        "/ajouter-un-abonnement/vehicules",
        data={"csrf_token": token, "vehicle_ids": vehicle_ids(page)},
    )
    await client.post(
        "/ajouter-un-abonnement/informations", data={"csrf_token": token, "employee_number": "42"}
    )
    sent = await client.post("/ajouter-un-abonnement/recapitulatif", data={"csrf_token": token})
    assert sent.status_code == 303
    assert sent.headers["location"].startswith("/ajouter-un-abonnement/paiement")
    mine = text_of((await client.get("/mon-abonnement")).text)
    assert "En attente d'approbation" not in mine  # nothing requested before payment


async def test_a_second_pending_request_for_the_same_offering_is_refused_clearly(
    client: httpx.AsyncClient, user: Account, catalog: Catalog
) -> None:
    await login(client, user.email)
    await request_subscription(client, catalog, f"S{user.id[:5].upper()}")
    chosen = await choose_offering(client, catalog.site_id, catalog.category_id, catalog.das_id)
    assert chosen.status_code == 303
    page = (await client.get("/ajouter-un-abonnement/vehicules")).text
    token = await csrf(client, "/ajouter-un-abonnement/vehicules")
    await client.post(
        "/ajouter-un-abonnement/vehicules",
        data={"csrf_token": token, "vehicle_ids": vehicle_ids(page)[:1]},
    )
    await client.post(
        "/ajouter-un-abonnement/informations", data={"csrf_token": token, "employee_number": "42"}
    )
    sent = await client.post("/ajouter-un-abonnement/recapitulatif", data={"csrf_token": token})
    assert sent.status_code == 409
    assert 'class="alert alert-error"' in sent.text


async def test_another_users_subscription_is_not_found(
    client: httpx.AsyncClient,
    user: Account,
    catalog: Catalog,
    web_app: FastAPI,
    identity: httpx.AsyncClient,
    smtp: SmtpServer,
) -> None:
    await login(client, user.email)
    subscription_id = await request_subscription(client, catalog, f"T{user.id[:5].upper()}")
    from tests.web.support import open_account, sample_profile

    other = await open_account(identity, smtp, profile=sample_profile())
    transport = httpx.ASGITransport(app=web_app, client=("10.250.1.2", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as browser:
        await login(browser, other.email)
        for path in ["", "/contrat", "/annuler-la-demande", "/modification"]:
            response = await browser.get(f"/mon-abonnement/{subscription_id}{path}")
            assert response.status_code == 404, path
        listing = text_of((await browser.get("/mon-abonnement")).text)
        assert "Vous n'avez aucun abonnement pour le moment." in listing


async def test_every_subscription_form_needs_the_csrf_token(
    client: httpx.AsyncClient, user: Account
) -> None:
    await login(client, user.email)
    for path in [
        "/ajouter-un-abonnement",
        "/ajouter-un-abonnement/vehicules",
        "/ajouter-un-abonnement/vehicules/ajout",
        "/ajouter-un-abonnement/informations",
        "/ajouter-un-abonnement/recapitulatif",
        "/mon-abonnement/annulation",
        "/parametres/vehicules",
        "/console-operateur/demandes/x/decision",
    ]:
        response = await client.post(path, data={"site_id": "1"})
        assert response.status_code == 403, path


async def test_pages_need_a_session(client: httpx.AsyncClient) -> None:
    for path in [
        "/ajouter-un-abonnement",
        "/mon-abonnement",
        "/parametres/vehicules",
        "/console-operateur",
    ]:
        response = await client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/connexion"


async def test_an_active_subscription_without_its_contract_says_it_is_late(
    client: httpx.AsyncClient, user: Account, database_urls: dict[str, str]
) -> None:
    subscription_id = await add_active_subscription(database_urls["subscriptions"], user.id)
    await add_active_subscription(database_urls["subscriptions"], user.id)  # a list, then
    await login(client, user.email)

    page = text_of((await client.get(f"/mon-abonnement/{subscription_id}")).text)
    listing = text_of((await client.get("/mon-abonnement")).text)
    english = text_of((await client.get(f"/mon-abonnement/{subscription_id}?lang=en")).text)

    for shown in (page, listing):
        assert "Actif — contrat et premier paiement retardés" in shown
    assert "prennent plus de temps que prévu" in page
    assert "Active — contract and first payment delayed" in english
    assert "taking longer than expected" in english
