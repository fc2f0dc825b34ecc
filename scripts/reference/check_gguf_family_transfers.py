#!/usr/bin/env python3
"""End-to-end check, in transformers, of what transtok writes from the committed GGUF fixtures of the `gemma`,
`gemma2`, `gemma3` and `phi3` architectures (Tests/EngineTests/Fixtures/gguf-families/, made by
make_gguf_family_fixtures.py):

  1. `transtok convert` writes an HF directory; transformers loads it (AutoModelForCausalLM, F32, eager) and its
     logits on the fixture prompt are within 1e-4 of transformers' logits on the HF original (reference.json), its
     greedy continuation identical;
  2. `transtok transfer` from the GGUF to the `trained-sentencepiece-bpe` fixture tokenizer (first 300 pairs of the
     bundled Bible) writes a directory that `check_transfer_loads.py` accepts against the converted one (transformers
     loads it with the new tokenizer; config passed through; only the tables changed).

Usage: python3 scripts/reference/check_gguf_family_transfers.py TRANSTOK_BINARY WORK_DIR
Needs: torch, transformers (5.x), safetensors.
"""
import gzip, json, os, subprocess, sys

import torch
from transformers import AutoModelForCausalLM

repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
fixtures = os.path.join(repo, "Tests", "EngineTests", "Fixtures")
torch.set_grad_enabled(False)


def run(*args):
    print("$", " ".join(args), flush=True)
    subprocess.run(args, check=True)


def main():
    binary, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    pairs = os.path.join(work, "pairs")
    lines = gzip.open(os.path.join(repo, "data", "en-es-bible", "bible.en-es.tsv.gz"), "rt").read().splitlines()[:300]
    with open(pairs + ".en", "w") as en, open(pairs + ".es", "w") as es:
        for line in lines:
            a, b = line.split("\t")[-2:]
            en.write(a + "\n")
            es.write(b + "\n")
    target = os.path.join(work, "target")
    os.makedirs(target, exist_ok=True)
    with open(os.path.join(target, "tokenizer.json"), "wb") as f:
        f.write(gzip.open(os.path.join(fixtures, "tokenizers", "trained-sentencepiece-bpe.tokenizer.json.gz")).read())
    reference = json.load(open(os.path.join(fixtures, "gguf-families", "reference.json")))
    failures = []
    for fam in reference["families"]:
        name = fam["name"]
        gguf = os.path.join(fixtures, "gguf-families", fam["gguf"])
        converted, out = os.path.join(work, f"{name}-hf"), os.path.join(work, f"{name}-transfer")
        run(binary, "convert", "--model", gguf, "--output", converted)
        model = AutoModelForCausalLM.from_pretrained(converted, dtype=torch.float32, attn_implementation="eager").eval()
        if model.config.model_type != fam["config"]["model_type"]:
            failures.append(f"{name}: model_type {model.config.model_type}")
        ids = torch.tensor([fam["input_ids"]])
        logits = model(ids).logits[0]
        diff = float((logits - torch.tensor(fam["logits"])).abs().max())
        new = model.generate(ids, max_new_tokens=8, do_sample=False)[0, ids.shape[1]:].tolist()
        print(f"{name}: converted directory in transformers: max |Δ logits| = {diff:.2e}; greedy {new} "
              f"(original {fam['greedy']})")
        if diff > 1e-4 or new != fam["greedy"]:
            failures.append(f"{name}: converted logits/greedy")
        run(binary, "transfer", "--model", gguf, "--target-tokenizer", os.path.join(target, "tokenizer.json"),
            "--source-text", pairs + ".en", "--target-text", pairs + ".es", "--aligner", "ibm1", "--min-count", "1",
            "--output", out)
        try:
            run(sys.executable, os.path.join(repo, "scripts", "reference", "check_transfer_loads.py"), "--output", out,
                "--source", converted, "--text", "En el principio creó Dios los cielos y la tierra.")
        except subprocess.CalledProcessError:
            failures.append(f"{name}: transfer output")
    print("FAILED: " + ", ".join(failures) if failures else "all GGUF families OK")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
