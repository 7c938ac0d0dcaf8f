/// A JSON value as read from a safetensors header.
///
/// Numbers keep their literal text so that `2`, `2.0` and `1e3` stay distinct:
/// a shape or offset must be written as a plain integer.
enum HeaderJSON {
    /// An object, members in file order (duplicate keys are refused by the parser).
    case object([(key: String, value: HeaderJSON)])
    /// An array.
    case array([HeaderJSON])
    /// A string, escapes decoded.
    case string(String)
    /// A number, as written (e.g. `"-12"`, `"2.5e3"`).
    case number(String)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null

    /// The value as an `Int` if it is an integer literal that fits.
    var integer: Int? {
        if case .number(let literal) = self { Int(literal) } else { nil }
    }

    /// How error messages name the value's kind ("a string", "an array", …).
    var kindDescription: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number(let literal): "the number \(literal)"
        case .bool(let value): "\(value)"
        case .null: "null"
        }
    }

    /// The value of member `key`, if this is an object that has it.
    subscript(key: String) -> HeaderJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }
}
