"""« Récapitulatif » shows the price preview: the first (prorated) charge with its GST and QST
lines and its date, then the monthly amount and when the first full month is charged, in French
and English, with the wording of each way of paying. The figures come from the subscriptions
service's preview (checked against the real billing loop in
tests/workflows/test_price_preview_billing.py); here they are the money rules' own."""

from datetime import date, timedelta

import httpx

from servicekit.i18n import format_long_date, format_money
from servicekit.money import back_out_taxes, prorate
from tests.web.subscriptions_support import Catalog, reach_summary, text_of, today
from tests.web.support import Account, login

SUMMARY = "/ajouter-un-abonnement/recapitulatif"


def a_later_17th() -> date:
    """A 17th at least 20 days away (so the approval, today, comes before the start)."""
    ahead = today() + timedelta(days=20)
    return (
        ahead.replace(day=17) if ahead.day <= 17 else (ahead + timedelta(days=20)).replace(day=17)
    )


def next_first(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def fr(day: date) -> str:
    return format_long_date(day, "fr")


def en(day: date) -> str:
    return format_long_date(day, "en")


def taxes_shown(cents: int, language: str) -> list[str]:
    split = back_out_taxes(cents)
    return [
        format_money(c, language) for c in (split.pretax_cents, split.gst_cents, split.qst_cents)
    ]


async def test_a_mid_month_start_shows_the_prorated_first_charge_then_the_monthly_one(
    client: httpx.AsyncClient, user: Account, catalog: Catalog
) -> None:
    await login(client, user.email)
    start = a_later_17th()
    await reach_summary(client, catalog, "PRV101", catalog.pad_id, start)
    first, following = prorate(4200, start), next_first(start)

    french = text_of((await client.get(SUMMARY)).text)
    for shown in [
        "Coût de votre abonnement",
        "Premier paiement",
        f"Du {fr(start)} au {fr(following - timedelta(days=1))}, au prorata des jours",
        "Prix avant taxes",
        "TPS (5 %)",
        "TVQ (9,975 %)",
        "Total (TTC)",
        format_money(first, "fr"),
        *taxes_shown(first, "fr"),
        "Carte de crédit : prélevé le jour de l'approbation de votre demande",
        f"Compte bancaire : prélevé le {format_long_date(start, 'fr')} au plus tôt",
        "Ensuite, chaque mois",
        f"42,00 $ (TTC) prélevé le 1er de chaque mois, à partir du {fr(following)}.",
        *taxes_shown(4200, "fr"),
        f"Premier mois complet : du {format_long_date(following, 'fr')}",
        f"facturé le {format_long_date(following, 'fr')}.",
    ]:
        assert shown in french, shown
    assert "14,975" not in french

    english = text_of((await client.get(f"{SUMMARY}?lang=en")).text)
    for shown in [
        "What your subscription costs",
        "First payment",
        f"From {format_long_date(start, 'en')} to ",
        "prorated by day",
        "GST (5%)",
        "QST (9.975%)",
        format_money(first, "en"),
        *taxes_shown(first, "en"),
        "Credit card: charged on the day your request is approved",
        f"$42.00 (taxes included) charged on the 1st of each month, from {en(following)}.",
        f"First full month: from {format_long_date(following, 'en')}",
    ]:
        assert shown in english, shown
    assert english.index("What your subscription costs") < english.index("Access document")


async def test_payroll_deduction_on_the_1st_shows_a_full_month_and_no_payment_to_make(
    client: httpx.AsyncClient, user: Account, catalog: Catalog
) -> None:
    await login(client, user.email)
    start = next_first(today() + timedelta(days=1))
    await reach_summary(client, catalog, "PRV202", catalog.das_id, start)

    french = text_of((await client.get(SUMMARY)).text)
    for shown in [
        "Première retenue sur le salaire",
        ", mois complet",
        "65,00 $",
        *taxes_shown(6500, "fr"),
        "déduite de votre paie par votre employeur. Vous n'avez aucun paiement à faire.",
        f"65,00 $ (TTC) retenu sur votre salaire chaque mois, à partir du {fr(next_first(start))}.",
        "Premier mois complet : c'est ce premier paiement, facturé le jour de l'approbation.",
    ]:
        assert shown in french, shown
    assert "Carte de crédit : prélevé" not in french and "Compte bancaire" not in french

    english = text_of((await client.get(f"{SUMMARY}?lang=en")).text)
    for shown in [
        "First payroll deduction",
        "a full month",
        "$65.00",
        "You have nothing to pay.",
        "deducted from your pay each month",
    ]:
        assert shown in english, shown
