"""Bilingual messages (French first) for validation codes shared by every service."""

from typing import TypedDict


class Message(TypedDict):
    """A human message in both languages."""

    fr: str
    en: str


def message(fr: str, en: str) -> Message:
    """Build a bilingual message."""
    return {"fr": fr, "en": en}


# Pydantic's own error types and the custom codes our validators raise.
CATALOG: dict[str, Message] = {
    "missing": message("Champ requis.", "This field is required."),
    "string_too_short": message("Valeur trop courte.", "Value too short."),
    "string_too_long": message("Valeur trop longue.", "Value too long."),
    "string_type": message("Texte attendu.", "Text expected."),
    "value_error": message("Valeur invalide.", "Invalid value."),
    "enum": message("Choix invalide.", "Invalid choice."),
    "literal_error": message("Choix invalide.", "Invalid choice."),
    "date_from_datetime_parsing": message("Date invalide.", "Invalid date."),
    "date_parsing": message("Date invalide.", "Invalid date."),
    "date_type": message("Date invalide.", "Invalid date."),
    "int_parsing": message("Nombre entier attendu.", "Whole number expected."),
    "extra_forbidden": message("Champ inconnu.", "Unknown field."),
    "json_invalid": message("JSON invalide.", "Invalid JSON."),
    "email_invalid": message("Adresse courriel invalide.", "Invalid email address."),
    "password_too_short": message(
        "Le mot de passe doit contenir au moins 8 caractères.",
        "The password must be at least 8 characters long.",
    ),
    "password_too_long": message(
        "Le mot de passe ne peut dépasser 128 caractères.",
        "The password cannot exceed 128 characters.",
    ),
    "password_too_common": message(
        "Ce mot de passe est trop courant; choisissez-en un autre.",
        "This password is too common; choose another one.",
    ),
    "password_mismatch": message(
        "La confirmation ne correspond pas au mot de passe.",
        "The confirmation does not match the password.",
    ),
    "postal_code_invalid": message(
        "Code postal invalide (format A1A 1A1).", "Invalid postal code (format A1A 1A1)."
    ),
    "province_invalid": message("Province invalide.", "Invalid province."),
    "phone_invalid": message(
        "Numéro de téléphone nord-américain invalide.", "Invalid North American phone number."
    ),
    "extension_invalid": message(
        "Poste invalide (chiffres seulement).", "Invalid extension (digits only)."
    ),
    "phone_required": message(
        "Champ requis : au moins un numéro de téléphone.",
        "Required: at least one phone number.",
    ),
    "plate_invalid": message(
        "Numéro d'immatriculation invalide (lettres et chiffres, 7 au plus; sans le tiret "
        "ni le dernier chiffre du certificat d'immatriculation).",
        "Invalid licence plate (letters and digits, at most 7; without the dash and last "
        "digit of the registration certificate).",
    ),
    "year_invalid": message("Année du véhicule invalide.", "Invalid vehicle year."),
    "start_in_past": message(
        "La date de début ne peut pas être dans le passé.", "The start date cannot be in the past."
    ),
    "consent_required": message(
        "Vous devez cocher cette case pour continuer.", "You must check this box to continue."
    ),
    "vehicles_required": message("Choisissez un ou deux véhicules.", "Choose one or two vehicles."),
    "date_in_past": message(
        "La date ne peut pas être dans le passé.", "The date cannot be in the past."
    ),
    "reason_required": message("Indiquez la raison du refus.", "Give the reason for the refusal."),
}


def lookup(code: str, fallback_en: str = "Invalid value.") -> Message:
    """The bilingual message for a validation code, with a generic French fallback."""
    return CATALOG.get(code, message("Valeur invalide.", fallback_en))
