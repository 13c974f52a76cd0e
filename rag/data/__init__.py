"""Data files with provenance: general lists (patterns, units, dictionaries) read by the pipeline."""
