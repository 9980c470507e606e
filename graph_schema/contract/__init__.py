"""The data contract (``DATA_FORMAT.md``): its tables, vocabulary, validation and interchange files.

Examples
--------
>>> from graph_schema.contract import TABLES
>>> TABLES["villages"].name
'villages'
"""

from .dataset import Dataset
from .interchange import read_data, read_raw, write_data
from .tables import TABLES, Column, Table
from .validation import validate_tables
from .vocabulary import ORG_KIND_LABELS_ZH, ORG_KINDS, SERVICE_LABELS_ZH, SERVICES

__all__ = [
    "Dataset",
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
