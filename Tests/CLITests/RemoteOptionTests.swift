import ArgumentParser
import ControlAPI
import Entities
import Foundation
import Testing

@testable import CLI

/// `--addressing` and `--part-integrity` are the entities' enums: `--help` lists their values, a bad value is refused
/// naming them, and `remote add` sends them in the one `RemoteSpec` the daemon stores.
@Suite struct RemoteOptionTests {
    func parse<T: ParsableCommand>(_ arguments: [String], as: T.Type) throws -> T {
        let command = try Transtok.parseAsRoot(arguments)
        return try #require(command as? T, "parsed \(type(of: command)), not \(T.self)")
    }

    @Test func remoteAddSendsAddressingAndPartIntegrity() throws {
        let add = try parse(
            [
                "remote", "add", "backup", "s3://b/p", "--addressing", "virtual-hosted", "--part-integrity",
                "checksumSHA256",
                "--no-check",
            ],
            as: RemoteAddCommand.self)
        let request = add.request
        #expect(request.remote.addressing == .virtualHosted)
        #expect(request.remote.partIntegrity == .checksumSHA256)
        #expect(request.check == false)
        // On the wire: the remote's keys at the top level, next to `check`.
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(request)) as? [String: Any]
        #expect(json?["partIntegrity"] as? String == "checksumSHA256")
        #expect(json?["addressing"] as? String == "virtual")
        #expect(json?["check"] as? Bool == false)
        #expect(try JSONDecoder().decode(RemoteRequest.self, from: JSONEncoder().encode(request)) == request)

        let plain = try parse(["remote", "add", "backup", "s3://b/p"], as: RemoteAddCommand.self)
        #expect(plain.request.remote.addressing == nil && plain.request.remote.partIntegrity == nil)
    }

    @Test func addressingIsAChoiceListedInHelpAndErrors() throws {
        // Both spellings the daemon's config file accepts, on both commands that take the flag.
        #expect(
            try parse(["remote", "add", "r", "s3://b", "--addressing", "path"], as: RemoteAddCommand.self).addressing
                == .path)
        #expect(
            try parse(["pull", "s3://b/p", "000001", "/tmp/x", "--addressing", "virtual-hosted"], as: PullCommand.self)
                .remote.addressing == .virtualHosted)
        let message = Transtok.message(
            for: ParsingErrorProbe.error(["remote", "add", "r", "s3://b", "--addressing", "sideways"]))
        #expect(message.contains("path") && message.contains("virtual"), "\(message)")
        for help in [Transtok.helpMessage(for: RemoteAddCommand.self), Transtok.helpMessage(for: PullCommand.self)] {
            #expect(help.contains("values: path, virtual"), "\(help)")
        }
        let integrityHelp = Transtok.helpMessage(for: RemoteAddCommand.self)
        #expect(integrityHelp.contains("contentMD5") && integrityHelp.contains("checksumSHA256"), "\(integrityHelp)")
    }
}
