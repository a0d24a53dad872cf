"""The one redaction processor: what an operator would otherwise read in a log line."""

from servicekit.observability.redaction import redact_personal_data


def redacted(**fields: object) -> dict[str, object]:
    return dict(redact_personal_data(None, "info", dict(fields)))


def test_known_fields_lose_their_value_whatever_it_is() -> None:
    line = redacted(event="x", email="a@b.ca", plate="ABC123", first_name="Léa", phone="1")
    assert line == {"event": "x", "email": "[redacted]", "plate": "[redacted]",
                    "first_name": "[redacted]", "phone": "[redacted]"}  # fmt: skip


def test_free_text_is_scrubbed_of_emails_cards_phones_and_bank_digits() -> None:
    text = (
        "léa.t+1@exemple.qc.ca paid with 4242 4242 4242 4242 (4000000000000341), "
        "call (819) 555-0142 or +15145551234, account 1234567"
    )
    assert redacted(event=text)["event"] == (
        "[email] paid with [digits] ([digits]), call [phone] or [digits], account [digits]"
    )


def test_ids_dates_and_amounts_stay_readable() -> None:
    text = "subscription-0fe5e989-7d24 charged 6500 cents on 2026-12-05 (contract 494601)"
    assert redacted(event=text)["event"] == text


def test_sql_parameters_and_pydantic_input_values_are_dropped() -> None:
    error = (
        "IntegrityError: INSERT INTO vehicles ... [parameters: ('QX12AB', 'Léa')]\n"
        "1 validation error: input_value='Gwenaëlle', input_type=str"
    )
    out = str(redacted(exception=error)["exception"])
    assert "QX12AB" not in out and "Léa" not in out and "Gwenaëlle" not in out


def test_nested_fields_are_redacted_too() -> None:
    line = redacted(event="x", context={"email": "a@b.ca", "note": "to a@b.ca"})
    assert line["context"] == {"email": "[redacted]", "note": "to [email]"}
