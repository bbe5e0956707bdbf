#include "engine/data/tokenizer.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace embedscope::data {
namespace {

struct Range {
  char32_t first;
  char32_t last;
};

// Word code points (letters, digits, combining marks) by block, sorted, non-overlapping. Taken
// from the Unicode block layout; within a block a few punctuation points are carved out so that
// e.g. the Devanagari danda or the Arabic comma still split words. Unassigned points inside a
// block count as word characters: they never occur in valid text, so including them is harmless.
constexpr std::array kWordRanges = {
    Range{0x0030, 0x0039}, Range{0x0041, 0x005A}, Range{0x0061, 0x007A},
    Range{0x00AA, 0x00AA}, Range{0x00B2, 0x00B3}, Range{0x00B5, 0x00B5}, Range{0x00B9, 0x00BA},
    Range{0x00BC, 0x00BE}, Range{0x00C0, 0x00D6}, Range{0x00D8, 0x00F6}, Range{0x00F8, 0x02C1},
    Range{0x02C6, 0x02D1}, Range{0x02E0, 0x02E4}, Range{0x02EC, 0x02EC}, Range{0x02EE, 0x02EE},
    Range{0x0300, 0x0374},  // combining diacritics, then Greek
    Range{0x0376, 0x037D}, Range{0x037F, 0x037F}, Range{0x0386, 0x0386}, Range{0x0388, 0x03F5},
    Range{0x03F7, 0x0481}, Range{0x0483, 0x052F},  // Cyrillic (U+0482 is a sign)
    Range{0x0531, 0x0556}, Range{0x0559, 0x0559}, Range{0x0560, 0x0588},  // Armenian
    Range{0x0591, 0x05BD}, Range{0x05BF, 0x05BF}, Range{0x05C1, 0x05C2}, Range{0x05C4, 0x05C5},
    Range{0x05C7, 0x05C7}, Range{0x05D0, 0x05F2},  // Hebrew
    Range{0x0610, 0x061A}, Range{0x0620, 0x0669}, Range{0x066E, 0x06D3}, Range{0x06D5, 0x06DC},
    Range{0x06DF, 0x06E8}, Range{0x06EA, 0x06FC}, Range{0x06FF, 0x06FF},  // Arabic
    Range{0x0700, 0x07FF},                         // Syriac, Thaana, NKo (letters and marks)
    Range{0x0900, 0x0963}, Range{0x0966, 0x0DFF},  // Indic scripts (U+0964/5 are dandas)
    Range{0x0E01, 0x0E3A}, Range{0x0E40, 0x0E4E}, Range{0x0E50, 0x0E59},  // Thai
    Range{0x0E81, 0x0EDF},                                               // Lao
    Range{0x0F00, 0x0F00}, Range{0x0F18, 0x0F19}, Range{0x0F20, 0x0F33}, Range{0x0F40, 0x0FBC},
    Range{0x1000, 0x1049}, Range{0x1050, 0x109D},  // Myanmar
    Range{0x10A0, 0x10FA}, Range{0x10FC, 0x10FF},  // Georgian
    Range{0x1100, 0x135A}, Range{0x1369, 0x137C}, Range{0x1380, 0x138F}, Range{0x13A0, 0x13FD},
    Range{0x1401, 0x166C}, Range{0x166F, 0x167F}, Range{0x1681, 0x169A}, Range{0x16A0, 0x16EA},
    Range{0x1780, 0x17D3}, Range{0x17E0, 0x17E9},  // Khmer
    Range{0x1820, 0x1878}, Range{0x1880, 0x18AA},  // Mongolian
    Range{0x1AB0, 0x1AFF}, Range{0x1C80, 0x1C8F}, Range{0x1C90, 0x1CBF},
    Range{0x1D00, 0x1DFF},                         // phonetic extensions, combining supplement
    Range{0x1E00, 0x1FBC}, Range{0x1FBE, 0x1FBE}, Range{0x1FC2, 0x1FCC}, Range{0x1FD0, 0x1FDB},
    Range{0x1FE0, 0x1FEC}, Range{0x1FF2, 0x1FFC},  // Latin extended additional, Greek extended
    Range{0x2070, 0x2071}, Range{0x2074, 0x2079}, Range{0x207F, 0x2089}, Range{0x2090, 0x209C},
    Range{0x20D0, 0x20F0}, Range{0x2102, 0x2102}, Range{0x2107, 0x2107}, Range{0x210A, 0x2113},
    Range{0x2115, 0x2115}, Range{0x2119, 0x211D}, Range{0x2124, 0x2124}, Range{0x2126, 0x2126},
    Range{0x2128, 0x2128}, Range{0x212A, 0x212D}, Range{0x212F, 0x2139}, Range{0x213C, 0x213F},
    Range{0x2145, 0x2149}, Range{0x214E, 0x214E}, Range{0x2150, 0x2189}, Range{0x2460, 0x249B},
    Range{0x24EA, 0x24FF}, Range{0x2776, 0x2793},
    Range{0x2C00, 0x2CE4}, Range{0x2CEB, 0x2CF3}, Range{0x2D00, 0x2D2D}, Range{0x2D30, 0x2D6F},
    Range{0x2D80, 0x2DDE}, Range{0x2DE0, 0x2DFF},
    Range{0x3005, 0x3007}, Range{0x3021, 0x302F}, Range{0x3031, 0x3035}, Range{0x3038, 0x303C},
    Range{0x3041, 0x3096}, Range{0x3099, 0x309A}, Range{0x309D, 0x309F},  // Hiragana
    Range{0x30A1, 0x30FA}, Range{0x30FC, 0x30FF},                         // Katakana
    Range{0x3105, 0x312F}, Range{0x3131, 0x318E}, Range{0x3192, 0x3195}, Range{0x31A0, 0x31BF},
    Range{0x31F0, 0x31FF}, Range{0x3220, 0x3229}, Range{0x3248, 0x324F}, Range{0x3251, 0x325F},
    Range{0x3280, 0x3289}, Range{0x32B1, 0x32BF},
    Range{0x3400, 0x4DBF},  // CJK extension A
    Range{0x4E00, 0x9FFF},  // CJK unified ideographs
    Range{0xA000, 0xA48C}, Range{0xA4D0, 0xA4FD}, Range{0xA500, 0xA60C}, Range{0xA610, 0xA62B},
    Range{0xA640, 0xA672}, Range{0xA674, 0xA67D}, Range{0xA67F, 0xA6F1}, Range{0xA717, 0xA71F},
    Range{0xA722, 0xA788}, Range{0xA78B, 0xA7FF}, Range{0xA800, 0xA827}, Range{0xA840, 0xA873},
    Range{0xA880, 0xA8C5}, Range{0xA8D0, 0xA8D9}, Range{0xA8E0, 0xA8F7}, Range{0xA8FB, 0xA8FB},
    Range{0xA8FD, 0xA92D}, Range{0xA930, 0xA953}, Range{0xA960, 0xA97C}, Range{0xA980, 0xA9C0},
    Range{0xA9CF, 0xA9D9}, Range{0xA9E0, 0xA9FE}, Range{0xAA00, 0xAA59}, Range{0xAA60, 0xAA76},
    Range{0xAA7A, 0xAADD}, Range{0xAAE0, 0xAAEF}, Range{0xAAF2, 0xAAF6}, Range{0xAB01, 0xAB5A},
    Range{0xAB5C, 0xAB69}, Range{0xAB70, 0xABEA}, Range{0xABEC, 0xABF9},
    Range{0xAC00, 0xD7A3}, Range{0xD7B0, 0xD7C6}, Range{0xD7CB, 0xD7FB},  // Hangul syllables
    Range{0xF900, 0xFAFF},                                               // CJK compatibility
    Range{0xFB00, 0xFB06}, Range{0xFB13, 0xFB17}, Range{0xFB1D, 0xFB28}, Range{0xFB2A, 0xFBB1},
    Range{0xFBD3, 0xFD3D}, Range{0xFD50, 0xFDC7}, Range{0xFDF0, 0xFDFB}, Range{0xFE00, 0xFE0F},
    Range{0xFE20, 0xFE2F}, Range{0xFE70, 0xFEFC},
    Range{0xFF10, 0xFF19}, Range{0xFF21, 0xFF3A}, Range{0xFF41, 0xFF5A},  // fullwidth
    Range{0xFF66, 0xFFDC},                                               // halfwidth kana, Hangul
    Range{0x10000, 0x1FFFF},  // other scripts of the SMP (letters dominate; emoji carved out below)
    Range{0x20000, 0x323AF},  // CJK extensions B..H
    Range{0xE0100, 0xE01EF},  // variation selectors supplement
};

// Symbol blocks of the supplementary plane that must still separate words: emoji, pictographs,
// mahjong/domino/playing cards, musical and mathematical operator symbols.
constexpr std::array kSmpSymbolRanges = {
    Range{0x1D000, 0x1D3FF}, Range{0x1F000, 0x1F0FF}, Range{0x1F100, 0x1F1FF},
    Range{0x1F200, 0x1FAFF}, Range{0x1FB00, 0x1FFFF},
};

bool inRanges(char32_t cp, const Range* begin, const Range* end) {
  const Range* it = std::upper_bound(begin, end, cp, [](char32_t c, const Range& r) { return c < r.first; });
  if (it == begin) return false;
  --it;
  return cp <= it->last;
}

}  // namespace

bool isWordCodePoint(char32_t cp) {
  if (cp < 0x80) return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z');
  if (cp >= 0x10000 && cp <= 0x1FFFF &&
      inRanges(cp, kSmpSymbolRanges.data(), kSmpSymbolRanges.data() + kSmpSymbolRanges.size())) {
    // Mathematical alphanumerics (U+1D400..1D7FF) are letters even though they sit near symbols.
    return cp >= 0x1D400 && cp <= 0x1D7FF;
  }
  if (cp >= 0x1D400 && cp <= 0x1D7FF) return true;
  return inRanges(cp, kWordRanges.data(), kWordRanges.data() + kWordRanges.size());
}

char32_t toLowerCodePoint(char32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  // Latin-1 supplement (U+00D7 is the multiplication sign).
  if (cp >= 0x00C0 && cp <= 0x00DE) return cp == 0x00D7 ? cp : cp + 32;
  // Latin extended-A: pairs, upper case on the even point except U+0139..0148 and U+0179..017E.
  if (cp >= 0x0100 && cp <= 0x017F) {
    if (cp == 0x0130) return U'i';  // İ: simple mapping to i (the full one adds a combining dot)
    if (cp == 0x0131 || cp == 0x0138 || cp == 0x0149 || cp == 0x017F) return cp;
    if (cp == 0x0178) return 0x00FF;
    if ((cp >= 0x0139 && cp <= 0x0148) || (cp >= 0x0179 && cp <= 0x017E)) return (cp & 1) ? cp + 1 : cp;
    return (cp & 1) ? cp : cp + 1;
  }
  // Latin extended-B: the regular stretches only.
  if (cp >= 0x01CD && cp <= 0x01DC) return (cp & 1) ? cp + 1 : cp;
  if ((cp >= 0x01DE && cp <= 0x01EF) || (cp >= 0x01F8 && cp <= 0x021F) || (cp >= 0x0222 && cp <= 0x0233) ||
      (cp >= 0x0246 && cp <= 0x024F))
    return (cp & 1) ? cp : cp + 1;
  if (cp == 0x01C4 || cp == 0x01C7 || cp == 0x01CA || cp == 0x01F1) return cp + 2;
  if (cp == 0x01C5 || cp == 0x01C8 || cp == 0x01CB || cp == 0x01F2) return cp + 1;
  // Greek.
  if (cp >= 0x0391 && cp <= 0x03AB) return cp == 0x03A2 ? cp : cp + 32;
  if (cp == 0x0386) return 0x03AC;
  if (cp >= 0x0388 && cp <= 0x038A) return cp + 37;
  if (cp == 0x038C) return 0x03CC;
  if (cp == 0x038E || cp == 0x038F) return cp + 63;
  if (cp >= 0x03D8 && cp <= 0x03EF) return (cp & 1) ? cp : cp + 1;
  // Cyrillic.
  if (cp >= 0x0410 && cp <= 0x042F) return cp + 32;
  if (cp >= 0x0400 && cp <= 0x040F) return cp + 80;
  if ((cp >= 0x0460 && cp <= 0x0481) || (cp >= 0x048A && cp <= 0x04BF) || (cp >= 0x04D0 && cp <= 0x052F))
    return (cp & 1) ? cp : cp + 1;
  if (cp == 0x04C0) return 0x04CF;
  if (cp >= 0x04C1 && cp <= 0x04CE) return (cp & 1) ? cp + 1 : cp;
  // Armenian.
  if (cp >= 0x0531 && cp <= 0x0556) return cp + 48;
  // Georgian Asomtavruli → Nuskhuri.
  if (cp >= 0x10A0 && cp <= 0x10C5) return cp + 0x1C60;
  // Latin extended additional (U+1E9E capital sharp s → ß).
  if (cp == 0x1E9E) return 0x00DF;
  if ((cp >= 0x1E00 && cp <= 0x1E95) || (cp >= 0x1EA0 && cp <= 0x1EFF)) return (cp & 1) ? cp : cp + 1;
  // Greek extended: in each group of 16 the capitals sit 8 above their small letters (the gaps
  // are unassigned, so mapping them is harmless).
  if (((cp >= 0x1F08 && cp <= 0x1F6F) || (cp >= 0x1F88 && cp <= 0x1FAF)) && (cp & 0xF) >= 8) return cp - 8;
  // Glagolitic, Coptic.
  if (cp >= 0x2C00 && cp <= 0x2C2F) return cp + 0x30;
  if (cp >= 0x2C80 && cp <= 0x2CE3) return (cp & 1) ? cp : cp + 1;
  // Cyrillic and Latin extended blocks with pairs.
  if ((cp >= 0xA640 && cp <= 0xA66D) || (cp >= 0xA680 && cp <= 0xA69B)) return (cp & 1) ? cp : cp + 1;
  if ((cp >= 0xA722 && cp <= 0xA72F) || (cp >= 0xA732 && cp <= 0xA76F) || (cp >= 0xA77E && cp <= 0xA787))
    return (cp & 1) ? cp : cp + 1;
  // Fullwidth Latin.
  if (cp >= 0xFF21 && cp <= 0xFF3A) return cp + 32;
  // Deseret.
  if (cp >= 0x10400 && cp <= 0x10427) return cp + 40;
  return cp;
}

bool decodeUtf8(std::string_view text, std::size_t pos, char32_t& cp, int& length) {
  const std::size_t n = text.size();
  const auto b0 = static_cast<unsigned char>(text[pos]);
  if (b0 < 0x80) {
    cp = b0;
    length = 1;
    return true;
  }
  int need = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    value = b0 & 0x1F;
    minimum = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    value = b0 & 0x0F;
    minimum = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    value = b0 & 0x07;
    minimum = 0x10000;
  } else {
    return false;  // continuation byte, overlong lead C0/C1, or F5..FF
  }
  if (pos + static_cast<std::size_t>(need) >= n) return false;  // truncated at the end
  for (int i = 1; i <= need; ++i) {
    const auto b = static_cast<unsigned char>(text[pos + static_cast<std::size_t>(i)]);
    if ((b & 0xC0) != 0x80) return false;
    value = (value << 6) | (b & 0x3F);
  }
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return false;
  cp = value;
  length = need + 1;
  return true;
}

void appendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

Status Tokenizer::invalidUtf8(std::string_view text, std::size_t pos, std::uint64_t byteOffsetBase) {
  const auto b0 = static_cast<unsigned char>(text[pos]);
  const char* why = "invalid byte";
  if (b0 >= 0x80 && b0 <= 0xBF) {
    why = "unexpected continuation byte";
  } else if (b0 == 0xC0 || b0 == 0xC1) {
    why = "overlong encoding";
  } else if (b0 >= 0xF5) {
    why = "byte never valid in UTF-8";
  } else {
    const int need = b0 >= 0xF0 ? 3 : (b0 >= 0xE0 ? 2 : 1);
    why = "truncated sequence";
    for (int i = 1; i <= need; ++i) {
      const std::size_t at = pos + static_cast<std::size_t>(i);
      if (at >= text.size()) break;
      if ((static_cast<unsigned char>(text[at]) & 0xC0) != 0x80) break;
      if (i == need) why = "overlong encoding, surrogate or code point above U+10FFFF";
    }
  }
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, "invalid UTF-8 at byte %llu (0x%02X): %s",
                static_cast<unsigned long long>(byteOffsetBase + pos), static_cast<unsigned>(b0), why);
  return Status::dataError(buffer);
}

Result<std::vector<std::string>> Tokenizer::tokenize(std::string_view text, std::uint64_t byteOffsetBase) {
  std::vector<std::string> tokens;
  Status s = forEachToken(text, [&](std::string_view t) { tokens.emplace_back(t); }, byteOffsetBase);
  if (!s) return s;
  return tokens;
}

}  // namespace embedscope::data
