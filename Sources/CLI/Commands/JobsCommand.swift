import ArgumentParser
import ControlAPI
import Foundation

/// `transtok jobs`: the daemon's queued and running jobs as a list (the `jobs:` part of `transtok status`).
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "List the daemon's queued and running jobs (refresh cycles, tokenizer training)."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var list: ListOptions
    @Option(help: "Only this workspace's jobs.") var workspace: String?

    func run() async throws {
        let status = try await global.call { client throws(ControlClientError) in try client.status() }
        let jobs = status.jobs.filter { workspace == nil || $0.workspace == workspace }
        try global.output(jobs) { list.render(Self.table(jobs), empty: "no jobs: the daemon is idle") }
    }

    static func table(_ jobs: [JobStatus]) -> Table {
        Table(
            ["ID", "KIND", "WORKSPACE", "STATE", "PROGRESS", "MESSAGE"],
            rows: jobs.map { job in
                [
                    "\(job.id)", job.kind.rawValue, job.workspace ?? "-", job.state.rawValue,
                    String(format: "%.0f%%", 100 * job.progress), job.message ?? "",
                ]
            })
    }
}
