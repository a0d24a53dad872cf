"""The pre-authorized debit (PAD) agreement, versioned in code (Payments Canada Rule H1).

A version's text never changes once published: a new wording is a new version, and each
acceptance records the version shown. Each text states the H1 elements: the date of the
agreement, the payor's consent, personal or business, the fixed monthly amount and its timing,
how to cancel (at most 30 days' notice), the payee's contact and the payor's recourse rights.
"""

from dataclasses import dataclass

PAYEE = "Société Parc-Auto du Québec (SPAQ)"
PAYEE_CONTACT_FR = "centre de service, 1 800 000-0000, service@parking.localhost"
PAYEE_CONTACT_EN = "service centre, 1-800-000-0000, service@parking.localhost"


@dataclass(frozen=True)
class Agreement:
    version: str
    text_fr: str
    text_en: str


_FR_2026_01 = f"""Accord de prélèvement préautorisé (DPA) — version 2026-01

Date de l'accord : la date et l'heure auxquelles vous acceptez cet accord, enregistrées avec \
la présente version du texte.

Consentement : vous (le payeur) autorisez {PAYEE} (le bénéficiaire) et l'institution \
financière désignée à prélever de votre compte les montants décrits ci-dessous. Vous \
confirmez être titulaire du compte ou autorisé à le débiter.

Type de prélèvement : prélèvement personnel, ou d'entreprise si vous l'avez indiqué.

Montant et fréquence : le prix mensuel fixe de votre abonnement de stationnement (taxes \
incluses), prélevé chaque mois au début de la période; la première période est calculée au \
prorata des jours restants du mois. Vous recevrez un avis au moins 10 jours avant le premier \
prélèvement et avant tout changement de montant ou de date.

Annulation : vous pouvez révoquer cette autorisation en tout temps, moyennant un préavis d'au \
plus 30 jours, en écrivant au bénéficiaire. Pour obtenir un modèle de formulaire \
d'annulation ou plus d'information, adressez-vous à votre institution financière ou visitez \
www.paiements.ca.

Coordonnées du bénéficiaire : {PAYEE}, {PAYEE_CONTACT_FR}.

Droits de recours : vous avez certains droits de recours si un prélèvement n'est pas conforme \
au présent accord. Par exemple, vous avez le droit de recevoir le remboursement de tout \
prélèvement non autorisé ou non conforme au présent accord. Pour obtenir plus d'information \
sur vos droits de recours, communiquez avec votre institution financière ou visitez \
www.paiements.ca.
"""

_EN_2026_01 = f"""Pre-authorized debit (PAD) agreement — version 2026-01

Date of the agreement: the date and time you accept this agreement, recorded with this \
version of the text.

Consent: you (the payor) authorize {PAYEE} (the payee) and the designated financial \
institution to debit your account for the amounts described below. You confirm that you hold \
the account or are authorized to debit it.

Type of debit: personal, or business if you said so.

Amount and timing: the fixed monthly price of your parking subscription (taxes included), \
debited each month at the start of the period; the first period is prorated to the days left \
in the month. You will be notified at least 10 days before the first debit and before any \
change of amount or date.

Cancellation: you may revoke this authorization at any time, with at most 30 days' notice, by \
writing to the payee. To obtain a sample cancellation form, or for more information, contact \
your financial institution or visit www.payments.ca.

Payee contact: {PAYEE}, {PAYEE_CONTACT_EN}.

Recourse rights: you have certain recourse rights if any debit does not comply with this \
agreement. For example, you have the right to receive reimbursement for any debit that is not \
authorized or is not consistent with this agreement. To obtain more information on your \
recourse rights, contact your financial institution or visit www.payments.ca.
"""

AGREEMENTS: dict[str, Agreement] = {
    "2026-01": Agreement("2026-01", _FR_2026_01, _EN_2026_01),
}
CURRENT_VERSION = "2026-01"


def agreement(version: str | None = None) -> Agreement | None:
    """The agreement of a version (the current one when none is given)."""
    return AGREEMENTS.get(version or CURRENT_VERSION)
