"""Curation: scoring batches, captions, dedup, guardrail, checks, shards and regeneration decisions.

Plain Python (no Dagster); the assets, checks and sensors in ``worldmill.assets``/``worldmill.sensors`` call it.
"""
