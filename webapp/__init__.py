"""The Baotuan site, JSON API and command line."""
