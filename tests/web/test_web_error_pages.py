"""Error pages: they never link off-site, and a signed-in person keeps the menu on them."""

import re

import httpx

from tests.web.support import Account, login


async def test_a_double_slash_path_keeps_the_language_link_on_site(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(httpx.URL("https://testserver//evil.example/x"))
    assert response.status_code == 404
    assert 'class="lang-switch" href="/evil.example/x?lang=en"' in response.text
    for path in ["/\\evil.example/x", "///evil.example/x", "/%2F%2Fevil.example/x"]:
        html = (await client.get(httpx.URL("https://testserver" + path))).text
        switch = re.search(r'class="lang-switch" href="([^"]*)"', html)
        assert switch is not None
        assert re.match(r"/[^/\\]", switch.group(1)), (path, switch.group(1))


async def test_an_error_page_keeps_the_menu_and_logout_when_signed_in(
    client: httpx.AsyncClient, user: Account
) -> None:
    await login(client, user.email)
    html = (await client.get("/page-qui-n-existe-pas")).text
    assert "Page introuvable." in html
    assert "Déconnexion" in html
    assert 'href="/mon-abonnement"' in html


async def test_an_error_page_stays_public_when_signed_out(client: httpx.AsyncClient) -> None:
    html = (await client.get("/page-qui-n-existe-pas")).text
    assert "Déconnexion" not in html
    assert 'href="/mon-abonnement"' not in html
