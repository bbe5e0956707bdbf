#pragma once
// word2vec text and binary, fastText .vec (word2vec text with a trailing space per line) and GloVe
// text (no header). Readers map the file and parse it in place; the header's counts are checked
// against the file's size before the matrix is allocated; errors name the file and the line (text)
// or byte offset (binary).
#include <string>

#include "engine/core/status.h"
#include "engine/io/vectors.h"

namespace embedscope::io {

enum class TextFlavor { Word2Vec, FastText, Glove };

Result<Vectors> readWord2VecText(const std::string& path, TextFlavor flavor, const ReadOptions& options);
Result<Vectors> readWord2VecBinary(const std::string& path, const ReadOptions& options);

// Tokens must be non-empty and free of whitespace (an empty token on the padding row is written as
// "[PAD]"); a table without tokens is written with its row ids as tokens.
Status writeWord2VecText(const std::string& path, const Vectors& v, TextFlavor flavor);
Status writeWord2VecBinary(const std::string& path, const Vectors& v);

// The token a writer uses for row `row` (shared by the text formats), or an InvalidArgument.
Result<std::string> tokenForWriting(const Vectors& v, std::int64_t row, bool allowSpaces);

}  // namespace embedscope::io
