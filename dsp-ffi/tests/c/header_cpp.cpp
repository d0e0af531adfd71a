// Compiles the C header as C++ (cpp_compat: extern "C", no C-only syntax).
#include "masterlib.h"

static_assert(sizeof(MlStatus) == 4, "MlStatus is int32_t");

int main() {
  MlProcessor *p = nullptr;
  MlStatus status = ml_processor_new_kind("gain", &p);
  MlParamInfo info;
  if (status == ML_STATUS_OK) {
    status = ml_processor_param_info(p, 0, &info);
  }
  if (status == ML_STATUS_OK) {
    status = ml_processor_param_set(p, info.id, info.default_value);
  }
  ml_processor_free(p);
  return status == ML_STATUS_OK ? 0 : 1;
}
