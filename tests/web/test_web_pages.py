"""Pages anyone can open: the seed's labels, French first, English on request, headers."""

import re

import httpx

from tests.web.support import csrf_of

SEED_LOGIN_LABELS = [
    "Bienvenue",
    "Société Parc-Auto du Québec",
    "Connexion",
    "Connexion via adresse courriel et mot de passe",
    "Adresse courriel",
    "Mot de passe",
    "Mot de passe perdu?",
    "Continuer",
    "Créer un compte",
]


async def test_root_sends_visitors_to_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/connexion"


async def test_login_page_shows_the_seed_labels_in_french(client: httpx.AsyncClient) -> None:
    response = await client.get("/connexion")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.text
    for label in SEED_LOGIN_LABELS:
        assert label in response.text, label


async def test_signup_page_shows_the_seed_labels(client: httpx.AsyncClient) -> None:
    html = (await client.get("/creer-un-compte")).text
    for label in [
        "Ouverture de compte",
        "Adresse courriel",
        "Confirmation du mot de passe",
        "8 caractères minimum",
        "Continuer",
        "Retour au formulaire de connexion",
    ]:
        assert label in html, label


async def test_confirmation_page_shows_the_seed_text(client: httpx.AsyncClient) -> None:
    html = (await client.get("/confirmation-du-compte")).text.replace("&#39;", "'")
    for text in [
        "Confirmation du compte",
        "Étape 2 de 2",
        "L'adresse courriel de votre compte doit être validée. Nous vous avons envoyé un "
        "courriel contenant les instructions à suivre pour activer votre compte.",
        "Envoyer de nouveau les instructions",
        "Déconnexion",
        "vérifiez vos courriels indésirables",
    ]:
        assert text in html, text


async def test_english_link_switches_the_page_and_stays(client: httpx.AsyncClient) -> None:
    french = (await client.get("/connexion")).text
    assert 'href="/connexion?lang=en"' in french
    english = (await client.get("/connexion?lang=en")).text
    assert '<html lang="en">' in english
    assert "Log in with email address and password" in english
    assert "Email address" in english
    assert "Connexion via adresse courriel" not in english
    later = (await client.get("/creer-un-compte")).text
    assert '<html lang="en">' in later and "Account opening" in later
    back = (await client.get("/creer-un-compte?lang=fr")).text
    assert '<html lang="fr">' in back and "Ouverture de compte" in back


async def test_every_label_is_tied_to_its_input(client: httpx.AsyncClient) -> None:
    for path in [
        "/connexion",
        "/creer-un-compte",
        "/mot-de-passe-perdu",
        "/reinitialisation?token=x",
    ]:
        html = (await client.get(path)).text
        targets = re.findall(r'<label for="([^"]+)"', html)
        inputs = re.findall(r'<input id="([^"]+)"', html)
        assert targets, path
        assert sorted(targets) == sorted(inputs), path


async def test_security_headers_on_pages_and_errors(client: httpx.AsyncClient) -> None:
    for path in ["/connexion", "/page-qui-nexiste-pas"]:
        response = await client.get(path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        # frames: exactly the processor's hosted card page, nothing else
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["frame-src"] == "http://localhost:8005"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"


async def test_unknown_page_is_a_french_404_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/page-qui-nexiste-pas")
    assert response.status_code == 404
    assert "Page introuvable." in response.text


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.json() == {"status": "ok"}
    assert "set-cookie" not in response.headers


async def test_stylesheet_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/static/app.css")
    assert response.status_code == 200
    assert "--orange" in response.text


async def test_reset_page_keeps_token_out_of_referrers(client: httpx.AsyncClient) -> None:
    response = await client.get("/reinitialisation?token=abc123")
    assert response.headers["referrer-policy"] == "no-referrer"
    assert 'name="token" value="abc123"' in response.text
    assert csrf_of(response.text)
