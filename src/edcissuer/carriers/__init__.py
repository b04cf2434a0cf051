"""Carriers a credential arrives in (baked badge images); read-only, below verification."""
