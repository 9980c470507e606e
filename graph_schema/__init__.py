"""The Baotuan domain: tables of the data contract, validation, interchange files and stores.

Examples
--------
>>> from graph_schema import SERVICE_LABELS_ZH
>>> SERVICE_LABELS_ZH["medical"]
'健康义诊'
"""

from .dataset import Dataset
from .errors import (
    CapacityError,
    ConflictError,
    GraphSchemaError,
    NotFoundError,
    Problem,
    StoreError,
    StoreUnavailableError,
    ValidationError,
)
from .interchange import read_data, read_raw, write_data
from .tables import TABLES, Column, Table
from .validation import validate_tables
from .vocabulary import ORG_KIND_LABELS_ZH, ORG_KINDS, SERVICE_LABELS_ZH, SERVICES

__all__ = [
    "Dataset",
    "Problem",
    "GraphSchemaError",
    "ValidationError",
    "StoreError",
    "StoreUnavailableError",
    "ConflictError",
    "CapacityError",
    "NotFoundError",
    "read_data",
    "read_raw",
    "write_data",
    "TABLES",
    "Table",
    "Column",
    "validate_tables",
    "SERVICES",
    "SERVICE_LABELS_ZH",
    "ORG_KINDS",
    "ORG_KIND_LABELS_ZH",
]
