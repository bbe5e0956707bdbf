#pragma once
// Word analogies "a is to b as c is to ?": rank rows by cosine similarity to b - a + c over
// unit-normalised vectors (the 3CosAdd of Mikolov et al. 2013, as gensim's most_similar does),
// excluding the three query rows themselves. An all-zero query row is an error (it has no
// direction), not a silent NaN.
#include <cstdint>
#include <vector>

#include "engine/analysis/knn.h"

namespace embedscope::analysis {

struct AnalogyQuery {
  std::int64_t a = 0, b = 0, c = 0;
};

// Scores are cosine similarities to the normalised b - a + c. Rows in `excludeRows` (e.g. the
// padding and OOV rows) are never returned either.
Result<std::vector<std::pair<std::int64_t, float>>> analogy(const Matrix& table, const AnalogyQuery& q, int k,
                                                             const std::vector<std::int64_t>& excludeRows = {},
                                                             const RunControl& control = {});

}  // namespace embedscope::analysis
