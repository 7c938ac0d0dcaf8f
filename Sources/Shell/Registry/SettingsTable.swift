/// A method's settings struct seen as options: each field's option name, kind
/// and help, and how it is read and written. One table gives the method's
/// command its options (their defaults shown from the struct's own defaults,
/// written once beside their sources), reads an invocation into the struct,
/// and lets `set METHOD.NAME VALUE` change the session's default of a field.
/// (Unchecked Sendable: a table is immutable, and its closures capture only key paths.)
struct SettingsTable<Settings: Sendable>: @unchecked Sendable {
    /// One field: how it is shown and parsed, and where it lives in the struct.
    struct Field: @unchecked Sendable {
        let name: String
        let kind: ValueKind
        let summary: String
        /// The field's value as option text; nil when it has no default to show.
        let read: (Settings) -> String?
        /// Writes already-checked option text into the field.
        let write: (inout Settings, String) -> Void

        static func double(_ name: String, _ path: WritableKeyPath<Settings, Double>, _ range: ClosedRange<Double>,
                           _ summary: String) -> Field {
            Field(name: name, kind: .float(range), summary: summary, read: { "\($0[keyPath: path])" },
                  write: { $0[keyPath: path] = Double($1)! })
        }

        static func float(_ name: String, _ path: WritableKeyPath<Settings, Float>, _ range: ClosedRange<Double>,
                          _ summary: String) -> Field {
            Field(name: name, kind: .float(range), summary: summary, read: { "\($0[keyPath: path])" },
                  write: { $0[keyPath: path] = Float($1)! })
        }

        static func integer(_ name: String, _ path: WritableKeyPath<Settings, Int>, _ range: ClosedRange<Int>,
                            _ summary: String) -> Field {
            Field(name: name, kind: .integer(range), summary: summary, read: { String($0[keyPath: path]) },
                  write: { $0[keyPath: path] = Int($1)! })
        }

        static func bool(_ name: String, _ path: WritableKeyPath<Settings, Bool>, _ summary: String) -> Field {
            Field(name: name, kind: .bool, summary: summary, read: { "\($0[keyPath: path])" },
                  write: { $0[keyPath: path] = parseBool($1)! })
        }

        /// A field that is off (nil) unless given.
        static func optionalDouble(_ name: String, _ path: WritableKeyPath<Settings, Double?>, _ range: ClosedRange<Double>,
                                   _ summary: String) -> Field {
            Field(name: name, kind: .float(range), summary: summary, read: { $0[keyPath: path].map { "\($0)" } },
                  write: { $0[keyPath: path] = Double($1)! })
        }

        static func choice<Value: RawRepresentable & CaseIterable>(
            _ name: String, _ path: WritableKeyPath<Settings, Value>, _ summary: String
        ) -> Field where Value.RawValue == String {
            Field(name: name, kind: .choice(Value.allCases.map(\.rawValue)), summary: summary, read: { $0[keyPath: path].rawValue },
                  write: { $0[keyPath: path] = Value(rawValue: $1)! })
        }
    }

    /// The method's name in `set METHOD.NAME` (ppo, dpo).
    let method: String
    let defaults: Settings
    /// The fields in the order the options are listed.
    let fields: [Field]

    /// The fields as a command's options, with their defaults, each marked as
    /// this method's: a command that offers them is how `set METHOD.NAME` knows them.
    var options: [Parameter] {
        fields.map { field in
            var option = Parameter.option(field.name, field.kind, field.summary, default: field.read(defaults))
            option.method = method
            return option
        }
    }

    /// The settings an invocation asks for: the defaults, then what `set`
    /// changed in `session`, then the options typed on the line.
    func settings(_ invocation: Invocation, _ session: Session, startingFrom start: Settings? = nil) -> Settings {
        var s = start ?? defaults
        for f in fields {
            if invocation.given.contains(f.name), let text = invocation.options[f.name] {
                f.write(&s, text)
            } else if let text = session.methodDefaults["\(method).\(f.name)"] {
                f.write(&s, text)
            }
        }
        return s
    }
}
