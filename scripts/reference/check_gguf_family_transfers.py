#!/usr/bin/env python3
"""End-to-end check, in transformers, of what transtok writes from the committed GGUF fixtures of the `gemma`,
`gemma2`, `gemma3` and `phi3` architectures: the F32 ones (Tests/EngineTests/Fixtures/gguf-families/, made by
make_gguf_family_fixtures.py) and the quantised ones (Q8_0 and llama.cpp's Q4_K_M mix,
Tests/EngineTests/Fixtures/gguf-quant/, made by make_gguf_quant_fixtures.py, whose reference is transformers on the
weights gguf-py dequantises from each file):

  1. `transtok convert` writes an HF directory; transformers loads it (AutoModelForCausalLM, F32, eager) and its
     logits on the fixture prompt are within 1e-4 of transformers' logits on the HF original (reference.json), its
     greedy continuation identical; for a quantised file `convert --dtype f32` (the dequantised weights), checked
     the same way on the prompt and its greedy continuation, and `convert` with the default dtype (auto) is BF16;
  2. `transtok transfer` from the GGUF to the `trained-sentencepiece-bpe` fixture tokenizer (first 300 pairs of the
     bundled Bible) writes a directory that `check_transfer_loads.py` accepts against the converted one (transformers
     loads it with the new tokenizer; config passed through; only the tables changed); for a quantised file both
     with the default dtype (BF16, as a quantised source gets).

Usage: python3 scripts/reference/check_gguf_family_transfers.py TRANSTOK_BINARY WORK_DIR [NAMES]
(NAMES: comma-separated, e.g. `gemma2,phi3.q4_k_m`; default all)
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


def greedy(model, ids, n):
    ids, out = list(ids), []
    for _ in range(n):
        out.append(int(torch.argmax(model(torch.tensor([ids])).logits[0, -1])))
        ids.append(out[-1])
    return out


def main():
    binary, work = sys.argv[1], sys.argv[2]
    only = set(sys.argv[3].split(",")) if len(sys.argv) > 3 else None
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
    quantised = json.load(open(os.path.join(fixtures, "gguf-quant", "reference.json")))
    entries = [("gguf-families", fam, None) for fam in reference["families"]]
    entries += [("gguf-quant", fam, fam["mix"]) for fam in quantised["files"]]
    failures = []
    for folder, fam, mix in entries:
        name = fam["name"] + (f".{mix}" if mix else "")
        if only and name not in only:
            continue
        gguf = os.path.join(fixtures, folder, fam["gguf"])
        converted, out = os.path.join(work, f"{name}-hf"), os.path.join(work, f"{name}-transfer")
        run(binary, "convert", "--model", gguf, "--output", converted, *(["--dtype", "f32"] if mix else []))
        model = AutoModelForCausalLM.from_pretrained(converted, dtype=torch.float32, attn_implementation="eager").eval()
        if model.config.model_type != fam["config"]["model_type"]:
            failures.append(f"{name}: model_type {model.config.model_type}")
        ids = torch.tensor([fam["input_ids"]])
        # The quantised references hold logits over the prompt followed by its greedy continuation.
        scored = torch.tensor([fam["input_ids"] + fam["greedy"]]) if mix else ids
        logits = model(scored).logits[0]
        diff = float((logits - torch.tensor(fam["logits"])).abs().max())
        new = greedy(model, fam["input_ids"], len(fam["greedy"]))  # as the references: no stop at EOS
        print(f"{name}: converted directory in transformers: max |Δ logits| = {diff:.2e}; greedy {new} "
              f"(original {fam['greedy']})")
        if diff > 1e-4 or new != fam["greedy"]:
            failures.append(f"{name}: converted logits/greedy")
        if mix:  # the default dtype of a quantised source: BF16, the directory transfer's output is compared with
            converted = os.path.join(work, f"{name}-hf-auto")
            run(binary, "convert", "--model", gguf, "--output", converted)
            dtypes = {str(t.dtype) for t in AutoModelForCausalLM.from_pretrained(converted).state_dict().values()}
            print(f"{name}: convert (dtype auto) loads in transformers as {sorted(dtypes)}")
            if dtypes != {"torch.bfloat16"}:
                failures.append(f"{name}: auto dtype {dtypes}")
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
