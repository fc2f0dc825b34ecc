import Foundation
import Systems

/// Progress of a long command on stderr, drawn only when stderr is a terminal (nothing in a pipe or a log file, so
/// scripts see only the result), without colour under `NO_COLOR` or `TERM=dumb`, never with `--quiet` or `--json`.
/// A ticker redraws every 0.2 s so the elapsed time moves during a step that reports nothing.
final class ProgressDisplay: @unchecked Sendable { // the timer's handle is the one unguarded member (set once)
    struct Style: Equatable, Sendable {
        /// Draw at all (a terminal, not quiet).
        var enabled: Bool
        var color: Bool
        var width: Int

        /// From the stream and the environment: a TTY, `NO_COLOR` unset or empty, `TERM` not `dumb`.
        static func detect(
            fileDescriptor: Int32 = STDERR_FILENO, quiet: Bool,
            environment: [String: String] = ProcessInfo.processInfo.environment
        ) -> Style {
            let tty = isatty(fileDescriptor) == 1
            let dumb = environment["TERM"] == "dumb"
            let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
            var size = winsize()
            let columns = ioctl(fileDescriptor, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
            return Style(enabled: tty && !quiet && !dumb, color: !noColor && !dumb, width: columns)
        }
    }

    /// What is drawn: a step name, and either a fraction or a step count.
    struct State: Equatable, Sendable {
        var label: String
        var step: String = ""
        var completed: Double = 0
        var total: Double?
        /// "12.0 MiB/40.0 MiB", "3/6", … shown after the bar.
        var detail: String = ""
        var started = Date()
    }

    let style: Style
    private let write: @Sendable (String) -> Void
    /// What is on the screen, guarded: the ticker's thread and the command's both draw.
    private struct Screen: Sendable {
        var state: State
        var drawn = false
        var finished = false
    }
    private let screen: Locked<Screen>
    private let ticker: DispatchSourceTimer?

    init(label: String, style: Style, write: @escaping @Sendable (String) -> Void = ProgressDisplay.standardError) {
        self.style = style
        self.write = write
        screen = Locked(Screen(state: State(label: label)))
        ticker = style.enabled ? DispatchSource.makeTimerSource(queue: .global()) : nil
        guard let ticker else { return }
        ticker.schedule(deadline: .now() + 0.2, repeating: 0.2)
        ticker.setEventHandler { [weak self] in self?.redraw() }
        ticker.resume()
    }

    deinit { ticker?.cancel() }

    /// Moves to a new step (`transfer`'s "align", …) with an optional count of steps.
    func step(_ name: String, index: Int? = nil, of count: Int? = nil) {
        update {
            $0.step = name
            if let index, let count {
                $0.completed = Double(index)
                $0.total = Double(count)
                $0.detail = "\(index + 1)/\(count)"
            }
        }
    }

    /// A fraction of bytes or items: `completed` of `total`, with `detail` shown after the bar.
    func set(completed: Double, total: Double?, detail: String = "") {
        update {
            $0.completed = completed
            $0.total = total
            $0.detail = detail
        }
    }

    /// Erases the bar (the command then prints its result).
    func finish() {
        ticker?.cancel()
        screen.withLock { screen in
            if screen.drawn { write("\r\u{1B}[K") }
            screen.drawn = false
            screen.finished = true
        }
    }

    private func update(_ change: (inout State) -> Void) {
        screen.withLock { change(&$0.state) }
        redraw()
    }

    private func redraw() {
        guard style.enabled else { return }
        screen.withLock { screen in
            guard !screen.finished else { return }
            write("\r" + ProgressRenderer.line(screen.state, style: style, now: Date()) + "\u{1B}[K")
            screen.drawn = true
        }
    }

    @Sendable static func standardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// One line of progress, fitted to the terminal width: `label step [#####-----] 42% detail 12.3s`.
enum ProgressRenderer {
    static func line(_ state: ProgressDisplay.State, style: ProgressDisplay.Style, now: Date) -> String {
        let elapsed = String(format: "%.1fs", max(0, now.timeIntervalSince(state.started)))
        let head = [state.label, state.step].filter { !$0.isEmpty }.joined(separator: " ")
        var tail = [state.detail, elapsed].filter { !$0.isEmpty }.joined(separator: " ")
        guard let total = state.total, total > 0 else {
            return fit(head + " " + tail, width: style.width)
        }
        let fraction = min(1, max(0, state.completed / total))
        let percent = String(format: "%3.0f%%", fraction * 100)
        tail = percent + " " + tail
        let barWidth = max(10, min(40, style.width - head.count - tail.count - 5))
        let filled = Int((fraction * Double(barWidth)).rounded(.down))
        let done = String(repeating: "#", count: filled), todo = String(repeating: "-", count: barWidth - filled)
        let bar = style.color ? "\u{1B}[32m" + done + "\u{1B}[0m" + todo : done + todo
        return fit(head, width: max(0, style.width - barWidth - tail.count - 5)) + " [" + bar + "] " + tail
    }

    /// Cuts `text` to `width` characters (a line that wraps would leave copies behind on every redraw).
    static func fit(_ text: String, width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(0, width - 1))) + "…"
    }

    static func bytes(_ n: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = n, unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(Int(value)) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
