import Foundation

/// The AWS shared files as awscli reads them: `~/.aws/credentials` (sections `[name]`) and `~/.aws/config`
/// (sections `[profile name]`, and `[default]`), relocated by `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE`.
struct AWSConfigFiles {
    /// One profile's keys from one file.
    struct Profile {
        var path: String
        var name: String
        var values: [String: String]
        /// The file's mode allows group or others to read it.
        var mode: UInt16

        func value(_ key: String) -> String? { values[key].flatMap { $0.isEmpty ? nil : $0 } }
    }

    var credentialsPath: String?
    var configPath: String?

    /// The files named by `explicitCredentialsFile` (which replaces `~/.aws/credentials`) or the environment.
    init(environment: [String: String], explicitCredentialsFile: String?) {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
        credentialsPath =
            explicitCredentialsFile ?? environment["AWS_SHARED_CREDENTIALS_FILE"]
            ?? home.map { $0 + "/.aws/credentials" }
        configPath = environment["AWS_CONFIG_FILE"] ?? home.map { $0 + "/.aws/config" }
    }

    /// `profile` from the credentials file, if that file exists and has it.
    func credentialsProfile(_ profile: String) throws(CredentialsError) -> Profile? {
        guard let path = credentialsPath else { return nil }
        // awscli writes `[name]` here; `[profile name]` is accepted too, as earlier versions of transtok did.
        if let p = try Self.read(path, section: profile) { return p }
        return try Self.read(path, section: "profile " + profile)
    }

    /// `profile` from the config file (`[profile name]`; `[default]` for the default profile).
    func configProfile(_ profile: String) throws(CredentialsError) -> Profile? {
        guard let path = configPath else { return nil }
        if let p = try Self.read(path, section: "profile " + profile) { return p }
        return profile == "default" ? try Self.read(path, section: "default") : nil
    }

    static func read(_ path: String, section: String) throws(CredentialsError) -> Profile? {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT { return nil }
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .unreadable(path: path, reason: "not readable UTF-8 text")
        }
        guard let values = parseINI(text)[section] else { return nil }
        let name = section.hasPrefix("profile ") ? String(section.dropFirst(8)) : section
        return Profile(path: path, name: name, values: values, mode: UInt16(st.st_mode & 0o777))
    }

    /// Sections with their lower-cased keys. Section names keep a `profile ` prefix (whitespace normalised).
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var out: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = String(raw).trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                let words = line.dropFirst().dropLast().split(whereSeparator: \.isWhitespace)
                let name = words.joined(separator: " ")
                current = name
                out[name, default: [:]] = out[name] ?? [:]
                continue
            }
            guard let section = current, let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            out[section]?[key] = value
        }
        return out
    }
}
