"""Payments' tables (payment methods, charges and invoices arrive with the payments issue)."""

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy.orm import DeclarativeBase

from servicekit.db import UTCDateTime, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}
