#include "operators/operator.h"

#include "engine/state/state_db.h"

namespace eddy {

Result<KvStore*> OperatorContext::Store(const std::string& name) {
  opened_stores.push_back(query_id + "." + name + store_suffix);
  return state->Store(opened_stores.back());
}

}  // namespace eddy
