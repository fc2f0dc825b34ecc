import Engine
import Foundation

/// Printing of `transtok-bench quality` (per pair rows as they finish, then the mean over pairs).
enum QualityReport {
    static func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s : s + String(repeating: " ", count: n - s.count)
    }

    static func printHeader() {
        say(pad("pair", 8) + pad("row", 48) + "bits/byte   tokens   bytes   seconds")
    }

    static func printRow(_ pair: String, _ r: QualityRun.Row) {
        say(
            pad(pair, 8) + pad(r.name, 48)
                + String(format: "%9.4f %8d %7d %9.1f", r.bitsPerByte, r.tokens, r.bytes, r.seconds))
    }

    static func printTranslation(_ pair: String, _ t: QualityTranslation.Outcome, rows: String, seconds: Double) {
        say(
            String(
                format:
                    "%@ chrF2 on %d held-out verses: Hydra translate (%@ rows, greedy) %.2f, word-by-word from the lookup table %.2f (%.1f s; generation %.1f s)",
                pair, t.verses, rows, t.hydraChrF, t.wordByWordChrF, seconds, t.hydraSeconds))
        for e in t.examples {
            say(
                "  source:       \(e.source)\n  reference:    \(e.reference)\n  hydra:        \(e.hydra)\n  word-by-word: \(e.wordByWord)"
            )
        }
    }

    /// The tuned curve of one pair: the share of the gap between the initialisation it starts from and the original
    /// model that each budget closed, and the CPU time at which it first matches the original model (linear
    /// interpolation between the two budgets around the crossing), with both tokenizers' tokens per byte.
    static func printTuningSummary(
        _ pair: String, _ rows: [QualityRun.Row], sourceTokensPerByte: Double, targetTokensPerByte: Double
    ) {
        var seriesNames: [String] = []
        for r in rows where r.kind == .extra { if let s = r.series, !seriesNames.contains(s) { seriesNames.append(s) } }
        for name in seriesNames {
            printCurve(
                pair, name, rows.filter { $0.kind != .extra || $0.series == name },
                sourceTokensPerByte: sourceTokensPerByte,
                targetTokensPerByte: targetTokensPerByte)
        }
    }

    static func printCurve(
        _ pair: String, _ name: String, _ rows: [QualityRun.Row], sourceTokensPerByte: Double,
        targetTokensPerByte: Double
    ) {
        let curve = rows.filter { $0.kind == .extra && $0.cpuMinutes != nil }.sorted { $0.cpuMinutes! < $1.cpuMinutes! }
        guard let original = rows.first(where: { $0.kind == .original }), let start = curve.first, start.cpuMinutes == 0
        else {
            if !curve.isEmpty { say("\(pair): (no 0 CPU-min point in --budgets: gap closed not computed)") }
            return
        }
        let gap = start.bitsPerByte - original.bitsPerByte
        say(
            String(
                format: "%@ %@ curve (gap init %.4f → original %.4f = %.4f bits/byte):", pair, name, start.bitsPerByte,
                original.bitsPerByte, gap))
        for r in curve {
            say(
                String(
                    format: "  %6.4g CPU-min  %.4f bits/byte  gap closed %6.1f%%", r.cpuMinutes!, r.bitsPerByte,
                    gap > 0 ? 100 * (start.bitsPerByte - r.bitsPerByte) / gap : .nan))
        }
        let fewer = 100 * (1 - targetTokensPerByte / sourceTokensPerByte)
        if let i = curve.firstIndex(where: { $0.bitsPerByte <= original.bitsPerByte }) {
            var at = curve[i].cpuMinutes!
            if i > 0 {
                let a = curve[i - 1], b = curve[i]
                at =
                    a.cpuMinutes! + (b.cpuMinutes! - a.cpuMinutes!) * (a.bitsPerByte - original.bitsPerByte)
                    / (a.bitsPerByte - b.bitsPerByte)
            }
            say(
                String(
                    format:
                        "  matches the original model's %.4f bits/byte at ≈ %.2f CPU-min (interpolated between budgets); tokens/byte: target tokenizer %.4f, source tokenizer %.4f (%.1f%% fewer)",
                    original.bitsPerByte, at, targetTokensPerByte, sourceTokensPerByte, fewer))
        } else {
            say(
                String(
                    format:
                        "  does not reach the original model's %.4f bits/byte within %.4g CPU-min (tokens/byte: target %.4f, source %.4f, %.1f%% fewer)",
                    original.bitsPerByte, curve.last!.cpuMinutes!, targetTokensPerByte, sourceTokensPerByte, fewer))
        }
    }

    static func printSummary(_ results: [QualityRun.PairResult], chosen: AlignerModel) {
        guard !results.isEmpty else { return }
        say("\n== mean over \(results.count) language pair(s): \(results.map(\.pair).joined(separator: ", "))")
        var order: [String] = []
        var values: [String: [Double]] = [:]
        var kinds: [String: QualityRun.Row.Kind] = [:]
        for r in results {
            for row in r.rows {
                if values[row.name] == nil { order.append(row.name) }
                values[row.name, default: []].append(row.bitsPerByte)
                kinds[row.name] = row.kind
            }
        }
        func mean(_ name: String) -> Double? {
            guard let v = values[name], v.count == results.count else { return nil }
            return v.reduce(0, +) / Double(v.count)
        }
        say(pad("row", 56) + "mean bits/byte   " + results.map { pad($0.pair, 10) }.joined())
        for name in order {
            let perPair = results.map { r in
                r.rows.first { $0.name == name }.map { String(format: "%-10.4f", $0.bitsPerByte) } ?? pad("-", 10)
            }
            say(
                pad(name, 56) + (mean(name).map { String(format: "%14.4f   ", $0) } ?? pad("(not every pair)", 17))
                    + perPair.joined())
        }
        let tpbSource = results.map(\.sourceTokensPerByte).reduce(0, +) / Double(results.count)
        let tpbTarget = results.map(\.targetTokensPerByte).reduce(0, +) / Double(results.count)
        say(String(format: "tokens/byte (mean): source tokenizer %.4f, target tokenizer %.4f", tpbSource, tpbTarget))
        let aligners = order.filter { kinds[$0] == .aligner }.compactMap { n in mean(n).map { (n, $0) } }
        let baselines = order.filter { kinds[$0] == .baseline }.compactMap { n in mean(n).map { (n, $0) } }
        if let best = aligners.min(by: { $0.1 < $1.1 }) {
            say(String(format: "lowest mean bits/byte among aligners: %@ (%.4f)", best.0, best.1))
            if let floor = baselines.min(by: { $0.1 < $1.1 }) {
                say(
                    String(
                        format: "best baseline: %@ (%.4f); transtok's best initialisation is %.1f%% lower", floor.0,
                        floor.1, 100 * (1 - best.1 / floor.1)))
            }
            if let original = order.first(where: { kinds[$0] == .original }).flatMap(mean) {
                say(
                    String(
                        format: "gap to the original model with its own tokenizer (%.4f): %.4f bits/byte", original,
                        best.1 - original))
            }
        }
        let translated = results.compactMap(\.translation)
        if !translated.isEmpty {
            let h = translated.map(\.hydraChrF).reduce(0, +) / Double(translated.count)
            let w = translated.map(\.wordByWordChrF).reduce(0, +) / Double(translated.count)
            say(
                String(
                    format: "chrF2 (mean over %d pair(s), --aligner %@ init): Hydra %.2f, word-by-word %.2f",
                    translated.count, chosen.rawValue, h, w))
        }
        let tunedT = results.compactMap(\.tunedTranslation)
        if !tunedT.isEmpty {
            let h = tunedT.map(\.hydraChrF).reduce(0, +) / Double(tunedT.count)
            let w = tunedT.map(\.wordByWordChrF).reduce(0, +) / Double(tunedT.count)
            say(
                String(
                    format:
                        "chrF2 (mean over %d pair(s), tuned rows of the largest budget): Hydra %.2f, word-by-word %.2f",
                    tunedT.count, h, w))
        }
        // Gap closed per budget, as a mean over pairs (the language-model curve).
        var byBudget: [Double: [Double]] = [:]
        for r in results {
            guard let original = r.rows.first(where: { $0.kind == .original }),
                let start = r.rows.first(where: { $0.kind == .extra && $0.series == "tuned" && $0.cpuMinutes == 0 })
            else { continue }
            let gap = start.bitsPerByte - original.bitsPerByte
            guard gap > 0 else { continue }
            for row in r.rows where row.kind == .extra && row.series == "tuned" {
                if let m = row.cpuMinutes {
                    byBudget[m, default: []].append(100 * (start.bitsPerByte - row.bitsPerByte) / gap)
                }
            }
        }
        for m in byBudget.keys.sorted() where byBudget[m]!.count == results.count {
            let v = byBudget[m]!
            say(
                String(
                    format: "tuned @ %g CPU-min: mean gap closed %.1f%% (init → original model)", m,
                    v.reduce(0, +) / Double(v.count)))
        }
    }
}

/// A line of the benchmark's output, flushed at once (rows appear as they finish, also when redirected to a file).
func say(_ line: String) {
    print(line)
    fflush(nil)
}
