"""Payments Canada return reason codes of a returned pre-authorized debit (Rule H1, and the
return reason table of Standard 005 / Rule F1), and which ones mean the bank details are wrong.

The words shown to people are in the gettext catalogs (`pad_return.reason.<code>`), French and
English; a code not listed here is shown with the generic `pad_return.reason.other`.
"""

KNOWN_CODES = frozenset(
    {
        "901",  # NSF (debit only)
        "902",  # account not found
        "903",  # payment stopped / recalled
        "904",  # post- or stale-dated
        "905",  # account closed
        "907",  # no debit allowed
        "908",  # funds not cleared
        "909",  # currency / account mismatch
        "910",  # payor / payee deceased
        "911",  # account frozen
        "912",  # invalid / incorrect account number
        "914",  # incorrect payor / payee name
        "915",  # no agreement existed (refused by payor)
        "916",  # not in accordance with agreement - personal
        "917",  # agreement revoked - personal
        "918",  # no pre-notification - personal
        "919",  # not in accordance with agreement - business
        "920",  # agreement revoked - business
        "921",  # no pre-notification - business
        "922",  # customer-initiated return
        "990",  # institution in default
    }
)

# The account cannot be debited as it stands: the user must give new banking details (another
# debit to the same account would come back the same way).
NEW_DETAILS_CODES = frozenset({"902", "905", "907", "909", "912"})


def needs_new_details(code: str) -> bool:
    """Whether a return with this reason asks the user for new banking details."""
    return code in NEW_DETAILS_CODES


def message_id(code: str) -> str:
    """The catalog id that explains this reason to the user."""
    return f"pad_return.reason.{code if code in KNOWN_CODES else 'other'}"
