import Foundation

/// The standard `process_*` metrics (the names the Prometheus client libraries export), read from `/proc/self`.
/// A value that cannot be read is left out rather than reported as zero.
enum ProcessMetrics {
    static func families() -> [MetricFamily] {
        var result: [MetricFamily] = []
        let stat = selfStat()
        if let stat {
            var cpu = MetricFamily("process_cpu_seconds", "Total user and system CPU time spent in seconds.", .counter)
            cpu.add([], stat.cpuSeconds)
            result.append(cpu)
        }
        if let resident = residentBytes() {
            var memory = MetricFamily("process_resident_memory_bytes", "Resident memory size in bytes.", .gauge)
            memory.add([], Double(resident))
            result.append(memory)
        }
        if let open = openFileDescriptors() {
            var fds = MetricFamily("process_open_fds", "Number of open file descriptors.", .gauge)
            fds.add([], Double(open))
            result.append(fds)
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max {
            var maxFDs = MetricFamily("process_max_fds", "Maximum number of open file descriptors.", .gauge)
            maxFDs.add([], Double(limit.rlim_cur))
            result.append(maxFDs)
        }
        if let stat, let boot = bootTime() {
            var start = MetricFamily(
                "process_start_time_seconds", "Start time of the process since unix epoch in seconds.", .gauge)
            start.add([], boot + stat.startTicks / ticksPerSecond)
            result.append(start)
        }
        return result
    }

    static var ticksPerSecond: Double { Double(sysconf(Int32(_SC_CLK_TCK))) }

    /// Fields of `/proc/self/stat` after the parenthesised command name (which may contain spaces).
    static func selfStat() -> (cpuSeconds: Double, startTicks: Double)? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // After ")": state is field 3; utime 14, stime 15, starttime 22 (1-based, man proc(5)).
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let utime = Double(fields[11]), let stime = Double(fields[12]),
            let start = Double(fields[19])
        else { return nil }
        return ((utime + stime) / ticksPerSecond, start)
    }

    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    static func openFileDescriptors() -> Int? {
        // The directory listing itself holds one descriptor while it is read.
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")).map { max(0, $0.count - 1) }
    }

    static func bootTime() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
