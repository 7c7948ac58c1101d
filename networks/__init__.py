"""bypass.networks: datasets, geography, sea and land networks, the routing graph."""

__version__ = "0.1.0"
