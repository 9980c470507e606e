"""Matching: features, the outcome model and group (抱团) formation."""
