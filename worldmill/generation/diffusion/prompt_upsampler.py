"""Optional prompt upsampling, as Cosmos does with an LLM: rewrite a template prompt into a richer one with a
local causal language model (transformers, from a configured directory). Off unless a directory is given;
deterministic for a seed (seeded sampling, or greedy when ``temperature`` is 0)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch

from worldmill.errors import WeightsNotFoundError

INSTRUCTION = (
    "Rewrite this description of a video as one vivid paragraph of 100 to 150 words for a video generator. "
    "Keep every place, object, light and camera detail; add texture, materials and motion; no lists.\n\n"
)


@dataclasses.dataclass(frozen=True)
class PromptUpsampler:
    model_dir: str
    max_new_tokens: int = 200
    temperature: float = 0.7
    device: str = "cpu"

    def _load(self):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        path = Path(self.model_dir).expanduser()
        if not (path / "config.json").is_file():
            raise WeightsNotFoundError(
                f"Prompt upsampler directory {str(path)!r} holds no config.json.",
                fix="point prompt_upsampler_dir at a local transformers causal-LM folder (config.json, weights, tokenizer)",
            )
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True).to(self.device).eval()
        return tokenizer, model

    def __call__(self, prompt: str, seed: int) -> str:
        tokenizer, model = self._load()
        text = INSTRUCTION + prompt
        if getattr(tokenizer, "chat_template", None):
            messages = [{"role": "user", "content": [{"type": "text", "text": text}]}]
            text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        inputs = tokenizer(text, return_tensors="pt").to(self.device)
        torch.manual_seed(seed & 0x7FFF_FFFF_FFFF_FFFF)
        sample = self.temperature > 0
        with torch.no_grad():
            out = model.generate(
                **inputs, max_new_tokens=self.max_new_tokens, do_sample=sample,
                temperature=self.temperature if sample else None, pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
            )
        rewritten = tokenizer.decode(out[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True).strip()
        return rewritten or prompt


def maybe_upsample(prompt: str, seed: int, model_dir: str | None) -> str:
    """The prompt itself unless an upsampler directory is configured."""
    return prompt if not model_dir else PromptUpsampler(model_dir)(prompt, seed)
