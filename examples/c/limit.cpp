// Limits a +6 dBFS sine to a -1 dB ceiling with masterlib's C++ wrapper and
// measures the result. Build against an installed masterlib:
//   c++ -std=c++17 limit.cpp $(pkg-config --cflags --libs masterlib) -o limit_cpp
// or with CMake (CMakeLists.txt beside this file).
#include <cmath>
#include <cstdio>
#include <vector>

#include <masterlib.hpp>

int main() {
  namespace ml = masterlib;
  std::printf("masterlib %s (header %d.%d.%d)\n", ml::version().c_str(), MASTERLIB_VERSION_MAJOR,
              MASTERLIB_VERSION_MINOR, MASTERLIB_VERSION_PATCH);
  if (ml_version() != MASTERLIB_VERSION) {
    std::fprintf(stderr, "library version differs from the header's\n");
    return 1;
  }
  const double rate = 48000.0, ceiling_db = -1.0;
  std::vector<float> left(48000), right(48000);
  for (std::size_t i = 0; i < left.size(); ++i) {
    left[i] = right[i] = static_cast<float>(2.0 * std::sin(2.0 * 3.14159265358979 * 997.0 *
                                                           static_cast<double>(i) / rate));
  }
  try {
    ml::Processor limiter = ml::Processor::create("limiter");
    limiter.set("ceiling_db", ceiling_db);
    limiter.prepare(rate, 512, 2);
    limiter.process({left, right});  // any length: split at the prepared block
    MlQaReport report = ml::measure({left, right}, rate);
    std::printf("limiter: output peak %.3f dBFS, ceiling %.1f dB\n", report.sample_peak_dbfs,
                ceiling_db);
    return report.sample_peak_dbfs <= ceiling_db + 1e-4 ? 0 : 1;
  } catch (const ml::Error &e) {
    std::fprintf(stderr, "masterlib error %d: %s\n", static_cast<int>(e.status()), e.what());
    return 1;
  }
}
