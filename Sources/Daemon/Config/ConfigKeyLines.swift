import Foundation

/// Where each key of a JSON config file is: `workspaces[1].source_model` → line 14. Lets a check that works on the
/// decoded config (`ConfigError.invalid(key:)`, a workspace's model path) point at the line a person has to edit.
/// A tolerant scanner: on malformed JSON it returns what it saw so far (the parser reports the syntax error itself).
struct ConfigKeyLines {
    private(set) var lines: [String: Int] = [:]

    init(_ data: Data) {
        let bytes = [UInt8](data)
        enum Frame { case object(key: String?), array(index: Int) }
        var stack: [(frame: Frame, path: String)] = []
        var line = 1, i = 0
        var expectingKey = false

        func childPath(_ parent: String, _ frame: Frame) -> String {
            switch frame {
            case .object(let key?): parent.isEmpty ? key : parent + "." + key
            case .object(nil): parent
            case .array(let index): parent + "[\(index)]"
            }
        }
        var currentPath: String { stack.last.map { childPath($0.path, $0.frame) } ?? "" }

        while i < bytes.count {
            let byte = bytes[i]
            switch byte {
            case UInt8(ascii: "\n"): line += 1
            case UInt8(ascii: "{"):
                if let top = stack.last, case .array = top.frame, lines[currentPath] == nil {
                    lines[currentPath] = line
                }
                stack.append((.object(key: nil), currentPath))
                expectingKey = true
            case UInt8(ascii: "["):
                stack.append((.array(index: 0), currentPath))
                expectingKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
                expectingKey = false
            case UInt8(ascii: ","):
                if let top = stack.last {
                    switch top.frame {
                    case .array(let index): stack[stack.count - 1].frame = .array(index: index + 1)
                    case .object: expectingKey = true
                    }
                }
            case UInt8(ascii: "\""):
                var j = i + 1
                var raw: [UInt8] = []
                while j < bytes.count, bytes[j] != UInt8(ascii: "\"") {
                    if bytes[j] == UInt8(ascii: "\\"), j + 1 < bytes.count {
                        raw.append(bytes[j])
                        j += 1
                    }
                    if bytes[j] == UInt8(ascii: "\n") { line += 1 }
                    raw.append(bytes[j])
                    j += 1
                }
                if expectingKey, let top = stack.last, case .object = top.frame {
                    let key = String(decoding: raw, as: UTF8.self)
                    stack[stack.count - 1].frame = .object(key: key)
                    let path = currentPath
                    if lines[path] == nil { lines[path] = line }
                    expectingKey = false
                }
                i = j
            default: break
            }
            i += 1
        }
    }

    /// The line of `key` (`remotes[0].url`), else of its nearest enclosing key that was found.
    func line(of key: String) -> Int? {
        var path = key
        while !path.isEmpty {
            if let line = lines[path] { return line }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            path = String(path[..<cut])
        }
        return nil
    }
}
