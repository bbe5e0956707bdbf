#pragma once
// The engine's dense float matrix: row-major, because an embedding table is read and written a
// row (a token's vector) at a time and files (npy, word2vec) store it that way.
#include <Eigen/Core>
#include <cstdint>

namespace embedscope {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXf;
using RowRef = Eigen::Ref<Eigen::RowVectorXf>;

}  // namespace embedscope
