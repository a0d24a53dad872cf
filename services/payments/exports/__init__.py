"""Payment export files: CPA Standard 005 PAD debits and payroll-deduction CSVs (pure builders)."""

from services.payments.exports.cpa005 import Debit, Originator, build_cpa005
from services.payments.exports.cpa005_totals import read_totals
from services.payments.exports.payroll import PayrollDeduction, build_payroll_exports

__all__ = [
    "Debit",
    "Originator",
    "PayrollDeduction",
    "build_cpa005",
    "build_payroll_exports",
    "read_totals",
]
