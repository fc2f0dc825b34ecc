#!/usr/bin/env python3
"""End-to-end check of `transtok transfer` on tiny random models of the families whose blocks differ from Llama
(Gemma 1/2/3 text, Phi-3 with LongRoPE, Mistral, Qwen2), made here with transformers (nothing is committed):

  1. each family's tiny model (vocab = the committed `trained-byte-level-bpe` tokenizer fixture, 3000 tokens) is
     saved with `save_pretrained` (safetensors) beside that tokenizer;
  2. `transtok transfer` (plain, then `--hydra`) maps it to the `trained-sentencepiece-bpe` fixture tokenizer on the
     first 300 pairs of the bundled Bible;
  3. plain output: `check_transfer_loads.py` (transformers loads it with the new tokenizer, only the tables changed);
     then the greedy continuation (8 tokens) of a Spanish prompt by transformers and by `transtok generate
     --no-chat` on the same directory must decode to the same text;
  4. Hydra output: its family (model_type) is kept and `transtok generate --hydra` runs on it. (transformers has
     no class for a Hydra model: its input table is larger than its head.)

Usage: python3 scripts/reference/check_family_transfers.py TRANSTOK_BINARY WORK_DIR
Needs: torch, transformers (5.x), safetensors.
"""
import gzip, json, os, subprocess, sys

import torch
from tokenizers import Tokenizer
from transformers import (AutoModelForCausalLM, Gemma2Config, Gemma2ForCausalLM, Gemma3TextConfig,
                          Gemma3ForCausalLM, GemmaConfig, GemmaForCausalLM, MistralConfig, MistralForCausalLM,
                          Phi3Config, Phi3ForCausalLM, Qwen2Config, Qwen2ForCausalLM)

repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
fixtures = os.path.join(repo, "Tests", "EngineTests", "Fixtures", "tokenizers")
torch.set_grad_enabled(False)

BASE = dict(vocab_size=3000, hidden_size=16, intermediate_size=24, num_hidden_layers=3, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-5, bos_token_id=0, eos_token_id=1,
            pad_token_id=0)
FAMILIES = {
    "gemma": (GemmaConfig, GemmaForCausalLM, dict(head_dim=8, hidden_activation="gelu_pytorch_tanh")),
    "gemma2": (Gemma2Config, Gemma2ForCausalLM, dict(head_dim=8, query_pre_attn_scalar=32, sliding_window=4,
                                                     attn_logit_softcapping=2.0, final_logit_softcapping=3.0)),
    "gemma3_text": (Gemma3TextConfig, Gemma3ForCausalLM, dict(head_dim=8, query_pre_attn_scalar=8, sliding_window=4,
                                                             rope_theta=1e6, rope_local_base_freq=1e4,
                                                             rope_scaling={"rope_type": "linear", "factor": 8.0},
                                                             sliding_window_pattern=2)),
    "phi3": (Phi3Config, Phi3ForCausalLM, dict(num_attention_heads=2, num_key_value_heads=1, tie_word_embeddings=False,
                                               original_max_position_embeddings=8,
                                               rope_scaling={"type": "longrope", "short_factor": [1.0, 1.3, 2.1, 3.7],
                                                             "long_factor": [1.5, 4.0, 9.0, 25.0]})),
    "mistral": (MistralConfig, MistralForCausalLM, dict(sliding_window=4, tie_word_embeddings=False)),
    "qwen2": (Qwen2Config, Qwen2ForCausalLM, dict(tie_word_embeddings=True)),
}


def write_tokenizer(name, directory):
    text = gzip.open(os.path.join(fixtures, f"{name}.tokenizer.json.gz")).read()
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "tokenizer.json"), "wb") as f:
        f.write(text)


def make_source(family, directory):
    config_class, model_class, extra = FAMILIES[family]
    cfg = dict(BASE)
    cfg.update(extra)
    torch.manual_seed(11)
    model = model_class(config_class(**cfg)).float().eval()
    for name, p in model.named_parameters():
        p.copy_(torch.randn_like(p) * (0.1 if name.endswith("norm.weight") else 0.3))
    model.save_pretrained(directory)
    write_tokenizer("trained-byte-level-bpe", directory)


def run(*args):
    print("$", " ".join(args), flush=True)
    subprocess.run(args, check=True)


def main():
    binary, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    pairs = os.path.join(work, "pairs")
    if not os.path.exists(pairs + ".en"):
        lines = gzip.open(os.path.join(repo, "data", "en-es-bible", "bible.en-es.tsv.gz"), "rt").read().splitlines()[:300]
        with open(pairs + ".en", "w") as en, open(pairs + ".es", "w") as es:
            for line in lines:
                a, b = line.split("\t")[-2:]
                en.write(a + "\n")
                es.write(b + "\n")
    target = os.path.join(work, "target")
    write_tokenizer("trained-sentencepiece-bpe", target)
    failures = []
    for family in FAMILIES:
        src, out, hydra = (os.path.join(work, f"{family}-{k}") for k in ("source", "out", "hydra"))
        make_source(family, src)
        common = ["--model", src, "--target-tokenizer", os.path.join(target, "tokenizer.json"),
                  "--source-text", pairs + ".en", "--target-text", pairs + ".es", "--aligner", "ibm1", "--min-count", "1"]
        run(binary, "transfer", *common, "--output", out)
        run(sys.executable, os.path.join(repo, "scripts", "reference", "check_transfer_loads.py"), "--output", out,
            "--source", src, "--text", "En el principio creó Dios los cielos y la tierra.")
        # The directory's tokenizer.json through HF `tokenizers` (AutoTokenizer may pick a model-specific class, e.g.
        # GemmaTokenizer, that rebuilds normalizer/decoder instead of using the file, as transtok does).
        tok = Tokenizer.from_file(os.path.join(out, "tokenizer.json"))
        model = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32, attn_implementation="eager").eval()
        prompt = "En el principio creó Dios"
        # `transtok generate --no-chat` encodes the prompt without the post-processor's special tokens.
        ids = tok.encode(prompt, add_special_tokens=False).ids
        new = model.generate(torch.tensor([ids]), max_new_tokens=8, do_sample=False)[0, len(ids):].tolist()
        expected = tok.decode(new, skip_special_tokens=True)
        got = subprocess.run([binary, "generate", "--model", out, "--max-tokens", "8", "--no-chat", "--prompt", prompt],
                             check=True, capture_output=True, text=True).stdout
        print(f"{family}: transformers greedy {new} {expected!r}; transtok {got!r}")
        if got.strip() != expected.strip():
            failures.append(family)
        run(binary, "transfer", *common, "--output", hydra, "--hydra")
        config = json.load(open(os.path.join(hydra, "config.json")))
        if config["model_type"] != (family if family != "llama" else "llama_hydra"):
            failures.append(f"{family} hydra model_type {config['model_type']}")
        run(binary, "generate", "--model", hydra, "--hydra", "--max-tokens", "4", "--prompt", "In the beginning")
    print("FAILED: " + ", ".join(failures) if failures else "all families OK")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
