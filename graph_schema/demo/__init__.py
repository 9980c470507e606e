"""The demo-world generator: synthetic cities, provinces and a nation in the shape of the contract.

Examples
--------
>>> from graph_schema.demo import SCALES
>>> "city" in SCALES
True
"""

from .world import SCALES, Scale, generate_world

__all__ = ["generate_world", "SCALES", "Scale"]
