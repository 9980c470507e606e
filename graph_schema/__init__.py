"""The Baotuan domain: tables of the data contract, validation, interchange files and stores.

Examples
--------
>>> from graph_schema import SERVICE_LABELS_ZH
>>> SERVICE_LABELS_ZH["medical"]
'健康义诊'
"""

from .contract import (
    ORG_KIND_LABELS_ZH,
    ORG_KINDS,
    SERVICE_LABELS_ZH,
    SERVICES,
    TABLES,
    Column,
    Dataset,
    Table,
    read_data,
    read_raw,
    validate_tables,
    write_data,
)
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
