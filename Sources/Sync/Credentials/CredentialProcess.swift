import Foundation

/// awscli's `credential_process`: run the profile's command through the shell, read its JSON (Version 1) from
/// stdout. Its output and command line are never logged or put in an error (either may hold a secret).
enum CredentialProcess {
    static let timeout: TimeInterval = 60

    static func run(_ command: String, profile: String, environment: [String: String]) throws(CredentialsError)
        -> Credentials
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = environment
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw .process(profile: profile, message: "cannot start /bin/sh") }
        // Read on this thread while a timer bounds the wait (a hung helper must not hang the sync forever).
        let timer = DispatchSource.makeTimerSource()
        timer.schedule(deadline: .now() + timeout)
        timer.setEventHandler { if process.isRunning { process.terminate() } }
        timer.resume()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        guard process.terminationReason == .exit else {
            throw .process(
                profile: profile,
                message: "the command was killed (signal \(process.terminationStatus); timeout \(Int(timeout)) s)")
        }
        guard process.terminationStatus == 0 else {
            throw .process(profile: profile, message: "the command exited with status \(process.terminationStatus)")
        }
        return try parse(output, profile: profile)
    }

    /// `{"Version": 1, "AccessKeyId": …, "SecretAccessKey": …, "SessionToken": …, "Expiration": "…Z"}`.
    static func parse(_ output: Data, profile: String) throws(CredentialsError) -> Credentials {
        struct Answer: Decodable {
            var Version: Int?
            var AccessKeyId: String?
            var SecretAccessKey: String?
            var SessionToken: String?
            var Expiration: String?
        }
        guard let a = try? JSONDecoder().decode(Answer.self, from: output) else {
            throw .process(profile: profile, message: "the output is not a JSON object")
        }
        guard a.Version == 1 else {
            throw .process(
                profile: profile,
                message: "unsupported Version \(a.Version.map(String.init) ?? "(missing)"); expected 1")
        }
        guard let ak = a.AccessKeyId, !ak.isEmpty else { throw .process(profile: profile, message: "no AccessKeyId") }
        guard let sk = a.SecretAccessKey, !sk.isEmpty else {
            throw .process(profile: profile, message: "no SecretAccessKey")
        }
        var expiration: Date?
        if let e = a.Expiration {
            guard let d = CredentialServices.parseDate(e) else {
                throw .process(profile: profile, message: "Expiration \(e) is not an ISO 8601 time")
            }
            expiration = d
        }
        let token = a.SessionToken.flatMap { $0.isEmpty ? nil : $0 }
        return Credentials(accessKeyID: ak, secretAccessKey: sk, sessionToken: token, expiration: expiration)
    }
}
