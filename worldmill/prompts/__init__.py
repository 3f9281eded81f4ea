"""Seeds, sample ids, scene plans and the world-construction prompts that describe them."""

from worldmill.prompts.ids import parse_sample_id, sample_id, seed_for
from worldmill.prompts.plan import sample_plan
from worldmill.prompts.text import WrittenPrompt, build_prompt, distinct_ngram_ratio, write_prompt

__all__ = [
    "WrittenPrompt",
    "build_prompt",
    "distinct_ngram_ratio",
    "parse_sample_id",
    "sample_id",
    "sample_plan",
    "seed_for",
    "write_prompt",
]
