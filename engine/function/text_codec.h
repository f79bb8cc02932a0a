#pragma once
// Text helpers that reproduce Java's String behaviour for the string functions: UTF-16 code
// units (String.length, substring, indexOf), charset encode/decode with Java's replacement
// rules, and the hex and base64 codecs ksqlDB's ENCODE / TO_BYTES use (commons-codec).
// Private to engine/function.
#include <optional>
#include <string>
#include <string_view>

namespace eddy::text {

bool IsAscii(std::string_view s);
// Java's String.length(): UTF-16 code units of UTF-8 text.
int32_t Utf16Length(std::string_view s);
std::u16string ToUtf16(std::string_view utf8);
// Java's UTF-8 encoder: an unpaired surrogate becomes '?'.
std::string ToUtf8(std::u16string_view utf16);

// new String(bytes, UTF_8): malformed input becomes U+FFFD.
std::string DecodeUtf8(std::string_view bytes);
// new String(bytes, US_ASCII): every byte >= 0x80 becomes U+FFFD.
std::string DecodeAscii(std::string_view bytes);
// String.getBytes(US_ASCII): every non-ASCII character becomes '?'.
std::string EncodeAscii(std::string_view utf8);

// Lower-case hex, as commons-codec Hex.encodeHexString.
std::string HexEncode(std::string_view bytes);
// Hex.decodeHex: even length, hex digits only; nullopt otherwise.
std::optional<std::string> HexDecode(std::string_view hex);
// Standard alphabet, padded, no line breaks.
std::string Base64Encode(std::string_view bytes);
// commons-codec Base64.decodeBase64: lenient, skips characters outside the alphabet and accepts
// the URL-safe alphabet too; never fails.
std::string Base64DecodeLenient(std::string_view text);
// java.util.Base64 basic decoder (what ksqlDB's TO_BYTES uses): strict; nullopt when invalid.
std::optional<std::string> Base64DecodeStrict(std::string_view text);

}  // namespace eddy::text
