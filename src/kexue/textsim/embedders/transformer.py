"""Token vectors from any local Hugging Face model directory (default: the shipped all-MiniLM-L6-v2)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from kexue.textsim.embedders.base import Embedder, EmbeddedText, check_texts


class TransformerEmbedder(Embedder):
    """Contextual token vectors of a transformer layer, special tokens and padding removed.

    Parameters
    ----------
    model_dir : path
        A Hugging Face model folder (``config.json``, weights, tokenizer). Nothing is downloaded.
    layer : int
        Hidden-state layer (``-1`` = last; ``0`` = the input embeddings).
    batch_size, max_length : int
    device : str
        ``"cpu"``, ``"cuda"``, ...
    """

    def __init__(self, model_dir, *, layer: int = -1, batch_size: int = 32, max_length: int = 256,
                 device: str = "cpu", name: str | None = None):
        model_dir = Path(model_dir)
        if not (model_dir / "config.json").is_file():
            raise ValueError(f"{model_dir} is not a Hugging Face model directory (no config.json found)")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        import transformers
        from transformers import AutoModel, AutoTokenizer

        transformers.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
            self.model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).to(device).eval()
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot load the model in {model_dir}: {str(exc).splitlines()[0]}") from None
        n_layers = self.model.config.num_hidden_layers
        if not -(n_layers + 1) <= layer <= n_layers:
            raise ValueError(f"layer {layer} out of range for a {n_layers}-layer model (use -1 .. {n_layers})")
        self._torch = torch
        self.layer, self.batch_size, self.max_length, self.device = layer, batch_size, max_length, device
        self.name = name or model_dir.name

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)

    def embed(self, texts) -> list[EmbeddedText]:
        texts = check_texts(texts)
        out: list[EmbeddedText] = []
        torch = self._torch
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start:start + self.batch_size]
            enc = self.tokenizer(batch, padding=True, truncation=True, max_length=self.max_length,
                                 return_tensors="pt", return_special_tokens_mask=True)
            special = enc.pop("special_tokens_mask").bool()
            with torch.inference_mode():
                hidden = self.model(**{k: v.to(self.device) for k, v in enc.items()},
                                    output_hidden_states=True).hidden_states[self.layer]
            keep = enc["attention_mask"].bool() & ~special
            hidden = hidden.float().cpu().numpy()
            for i, text in enumerate(batch):
                ids = enc["input_ids"][i][keep[i]].tolist()
                out.append(EmbeddedText(text, self.tokenizer.convert_ids_to_tokens(ids),
                                        np.ascontiguousarray(hidden[i][keep[i].numpy()], dtype=np.float32)))
        return out
