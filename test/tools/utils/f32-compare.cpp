// f32-compare: compares raw float32 files, for lit tests of `gpt2c logits`.
//   f32-compare EXPECTED[:ROW] ACTUAL[:ROW] --width N --tolerance X
// Compares row ROW (default 0) of N values of each file and fails (exit 1) when a
// difference exceeds X; prints the maximum absolute difference either way.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

bool readRow(const std::string &spec, long width, std::vector<float> &row) {
  std::string path = spec;
  long index = 0;
  if (auto colon = spec.rfind(':'); colon != std::string::npos) {
    path = spec.substr(0, colon);
    index = std::atol(spec.c_str() + colon + 1);
  }
  std::ifstream file(path, std::ios::binary);
  row.resize(std::size_t(width));
  file.seekg(std::streamoff(index) * width * std::streamoff(sizeof(float)));
  file.read(reinterpret_cast<char *>(row.data()), std::streamsize(width * sizeof(float)));
  if (!file) {
    std::fprintf(stderr, "f32-compare: %s: cannot read row %ld of %ld values\n", path.c_str(),
                 index, width);
    return false;
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 7 || std::string(argv[3]) != "--width" || std::string(argv[5]) != "--tolerance") {
    std::fprintf(stderr, "usage: f32-compare EXPECTED[:ROW] ACTUAL[:ROW] --width N --tolerance X\n");
    return 2;
  }
  long width = std::atol(argv[4]);
  double tolerance = std::atof(argv[6]);
  std::vector<float> expected, actual;
  if (width <= 0 || !readRow(argv[1], width, expected) || !readRow(argv[2], width, actual))
    return 2;
  double worst = 0;
  for (long i = 0; i < width; ++i)
    worst = std::fmax(worst, std::fabs(double(expected[i]) - double(actual[i])));
  std::printf("max abs diff %.3g\n", worst);
  return worst <= tolerance ? 0 : 1;
}
