import ArgumentParser
import Foundation

/// A list as `kubectl get` and `docker ps` print it: a header row in capitals, each column padded to its widest
/// cell, columns three spaces apart, no trailing blanks. `--no-headers` drops the header row; `--json` is the
/// structured form.
struct Table: Equatable {
    var header: [String]
    var rows: [[String]]

    init(_ header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    func render(headers: Bool = true) -> String {
        let lines = (headers ? [header] : []) + rows
        guard !lines.isEmpty else { return "" }
        let columns = lines.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for line in lines {
            for (index, cell) in line.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return lines.map { line in
            var text = ""
            for (index, cell) in line.enumerated() {
                if index > 0 { text += "   " }
                let last = index == line.count - 1
                text += last ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }.joined(separator: "\n")
    }
}

/// Options of every command that prints a list.
struct ListOptions: ParsableArguments {
    @Flag(name: .customLong("no-headers"), help: "Leave out the header row.")
    var noHeaders = false

    /// The table, or `empty` (on stdout, as before) when there are no rows and headers are wanted; nothing at all
    /// with `--no-headers`, so a script reading rows sees none.
    func render(_ table: Table, empty: String) -> String {
        if table.rows.isEmpty { return noHeaders ? "" : empty }
        return table.render(headers: !noHeaders)
    }
}
