/// The parts of a written tokenizer.json that differ by kind: the normalizer,
/// pre-tokenizer, post-processor, decoder and the model's first keys, for
/// byte-level BPE and for SentencePiece-style BPE (see ``SpaceMarker``).
extension TokenizerJSON {
    /// The normalizer, pre-tokenizer, post-processor, decoder and the model's first keys
    /// of a byte-level tokenizer.json (GPT-2's, Llama 3's, Qwen2's or SmolLM's pre-tokenizer).
    static func byteLevelSettings(_ tokenizer: BPETokenizer) -> String {
        let byteLevel = """
            {
                "type": "ByteLevel",
                "add_prefix_space": false,
                "trim_offsets": true,
                "use_regex": true
              }
            """
        var out = ""
        out += tokenizer.composesText ? "  \"normalizer\": {\n    \"type\": \"NFC\"\n  },\n" : "  \"normalizer\": null,\n"
        if let regex = tokenizer.pattern.regex {
            // Llama 3's and Qwen2's: the Split regex, then ByteLevel without its own regex.
            out += "  \"pre_tokenizer\": {\n    \"type\": \"Sequence\",\n    \"pretokenizers\": [\n"
            out += "      {\n        \"type\": \"Split\",\n        \"pattern\": {\n          \"Regex\": \(jsonQuoted(regex))\n        },\n"
            out += "        \"behavior\": \"Isolated\",\n        \"invert\": false\n      },\n"
            out += "      \(byteLevel.replacingOccurrences(of: "\"use_regex\": true", with: "\"use_regex\": false"))\n    ]\n  },\n"
        } else if tokenizer.pattern == .digits {
            out += "  \"pre_tokenizer\": {\n    \"type\": \"Sequence\",\n    \"pretokenizers\": [\n"
            out += "      {\n        \"type\": \"Digits\",\n        \"individual_digits\": true\n      },\n      \(byteLevel)\n    ]\n  },\n"
        } else {
            out += "  \"pre_tokenizer\": \(byteLevel),\n"
        }
        out += "  \"post_processor\": \(byteLevel.replacingOccurrences(of: "\"trim_offsets\": true", with: "\"trim_offsets\": false")),\n"
        out += "  \"decoder\": \(byteLevel),\n"
        out += "  \"model\": {\n"
        out += "    \"type\": \"BPE\",\n"
        out += "    \"dropout\": null,\n"
        out += "    \"unk_token\": null,\n"
        out += "    \"continuing_subword_prefix\": \"\",\n"
        out += "    \"end_of_word_suffix\": \"\",\n"
        out += "    \"fuse_unk\": false,\n"
        out += "    \"byte_fallback\": false,\n"
        return out
    }

    /// The normalizer, pre-tokenizer, post-processor, decoder and the model's first keys
    /// of a SentencePiece-style tokenizer.json (Llama 2's, or the Metaspace layout).
    static func sentencePieceSettings(_ marker: SpaceMarker, unknown: Bool) -> String {
        let m = jsonQuoted(SpaceMarker.markerString)
        var out = ""
        if marker.legacy {
            out += "  \"normalizer\": {\n    \"type\": \"Sequence\",\n    \"normalizers\": [\n"
            out += "      {\n        \"type\": \"Prepend\",\n        \"prepend\": \(m)\n      },\n"
            out += "      {\n        \"type\": \"Replace\",\n        \"pattern\": {\n          \"String\": \" \"\n        },\n        \"content\": \(m)\n      }\n    ]\n  },\n"
            out += "  \"pre_tokenizer\": null,\n"
        } else {
            out += "  \"normalizer\": null,\n"
            out += "  \"pre_tokenizer\": {\n    \"type\": \"Metaspace\",\n    \"replacement\": \(m),\n"
            out += "    \"prepend_scheme\": \"\(marker.prepend.rawValue)\",\n    \"split\": \(marker.split)\n  },\n"
        }
        out += "  \"post_processor\": null,\n"
        out += "  \"decoder\": {\n    \"type\": \"Sequence\",\n    \"decoders\": [\n"
        out += "      {\n        \"type\": \"Replace\",\n        \"pattern\": {\n          \"String\": \(m)\n        },\n        \"content\": \" \"\n      },\n"
        out += "      {\n        \"type\": \"ByteFallback\"\n      },\n      {\n        \"type\": \"Fuse\"\n      },\n"
        out += "      {\n        \"type\": \"Strip\",\n        \"content\": \" \",\n        \"start\": 1,\n        \"stop\": 0\n      }\n    ]\n  },\n"
        out += "  \"model\": {\n"
        out += "    \"type\": \"BPE\",\n"
        out += "    \"dropout\": null,\n"
        out += "    \"unk_token\": \(unknown ? "\"<unk>\"" : "null"),\n"
        out += "    \"continuing_subword_prefix\": null,\n"
        out += "    \"end_of_word_suffix\": null,\n"
        out += "    \"fuse_unk\": true,\n"
        out += "    \"byte_fallback\": true,\n"
        return out
    }
}
