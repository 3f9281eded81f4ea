"""worldmill: labelled, deduplicated training footage of the world's places for generative world models."""

__version__ = "0.1.0"
