// Compiles the C header as C++ (cpp_compat: extern "C", no C-only syntax).
#include "masterlib.h"

static_assert(sizeof(MlStatus) == 4, "MlStatus is int32_t");

int main() {
  MlProcessor *p = nullptr;
  MlGainConfig config = ml_gain_config_default();
  MlStatus status = ml_gain_new(&config, &p);
  ml_processor_free(p);
  return status == ML_STATUS_OK ? 0 : 1;
}
