"""The signed-in portal: dashboard and menu, the operator's entry, FAQ, features to come."""

import httpx

from tests.web.support import Account, login

MENU = [
    "AJOUTER UN ABONNEMENT",
    "MON ABONNEMENT",
    "FAQ",
    "PARAMÈTRES",
    "PAYER UN AVIS DE RÉCLAMATION",
]


async def test_pages_need_a_session(client: httpx.AsyncClient) -> None:
    for path in ["/tableau-de-bord", "/informations-personnelles", "/parametres"]:
        response = await client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/connexion"


async def test_dashboard_has_the_seed_menu(client: httpx.AsyncClient, user: Account) -> None:
    await login(client, user.email)
    html = (await client.get("/tableau-de-bord")).text
    assert "Bienvenue" in html and "Déconnexion" in html and "Marie" in html
    for item in MENU:
        assert item in html, item
    assert "Console opérateur" not in html
    assert (await client.get("/console-operateur")).status_code == 403


async def test_operator_sees_the_console_entry(
    client: httpx.AsyncClient, operator: Account
) -> None:
    await login(client, operator.email)
    html = (await client.get("/tableau-de-bord")).text
    assert 'href="/console-operateur"' in html
    console = await client.get("/console-operateur")
    assert console.status_code == 200
    assert "Demandes en attente" in console.text


async def test_the_claim_notice_page_is_in_the_menu(
    client: httpx.AsyncClient, user: Account
) -> None:
    await login(client, user.email)
    home = (await client.get("/mon-abonnement")).text
    assert 'href="/payer-un-avis-de-reclamation"' in home
    html = (await client.get("/payer-un-avis-de-reclamation")).text.replace("&#39;", "'")
    assert "Numéro de l'avis" in html and "Bientôt disponible" not in html


async def test_faq_answers_from_the_seed(client: httpx.AsyncClient, user: Account) -> None:
    await login(client, user.email)
    html = (await client.get("/faq")).text.replace("&#39;", "'")
    assert "n'inscrivez pas le tiret et le dernier chiffre" in html
    assert "Un spécimen de chèque ou votre carte de crédit." in html
    assert "maximum de 2 véhicules" in html
    assert "approbation" in html
